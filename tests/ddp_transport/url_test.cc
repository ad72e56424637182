#include "ddp_transport/url.h"

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace minimongo::ddp {
namespace {

using ::minimongo::testing::StatusIs;

TEST(UrlTest, PlainUrlWithDefaultPortAndPath) {
  absl::StatusOr<WebSocketUrl> url = ParseWebSocketUrl("ws://Example.COM/websocket");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_FALSE(url->secure);
  EXPECT_EQ(url->host, "example.com");
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->target, "/websocket");
  EXPECT_EQ(url->HostHeader(), "example.com");
  EXPECT_EQ(url->ToString(), "ws://example.com/websocket");
}

TEST(UrlTest, SecureUrlDefaultsTo443) {
  absl::StatusOr<WebSocketUrl> url = ParseWebSocketUrl("wss://h");
  ASSERT_TRUE(url.ok());
  EXPECT_TRUE(url->secure);
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/");
}

TEST(UrlTest, HttpSchemesAreAliases) {
  EXPECT_FALSE(ParseWebSocketUrl("http://h/x")->secure);
  EXPECT_TRUE(ParseWebSocketUrl("https://h/x")->secure);
  EXPECT_EQ(ParseWebSocketUrl("HTTPS://h")->port, 443);
}

TEST(UrlTest, ExplicitPortAndQuery) {
  absl::StatusOr<WebSocketUrl> url = ParseWebSocketUrl("ws://localhost:3000?token=a/b");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, 3000);
  EXPECT_EQ(url->target, "/?token=a/b");
  EXPECT_EQ(url->HostHeader(), "localhost:3000");
}

TEST(UrlTest, Ipv6Literal) {
  absl::StatusOr<WebSocketUrl> url = ParseWebSocketUrl("ws://[::1]:8080/websocket");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->HostHeader(), "[::1]:8080");
}

TEST(UrlTest, Rejections) {
  struct Case {
    const char* text;
    const char* fragment;
  };
  const Case cases[] = {
      {"localhost:3000", "missing scheme"},
      {"ftp://h/", "scheme must be ws, wss, http or https"},
      {"ws:///path", "empty host"},
      {"ws://:80/", "empty host"},
      {"ws://h:0/", "port must be 1 to 65535"},
      {"ws://h:65536/", "port must be 1 to 65535"},
      {"ws://h:99999999999999999999/", "port must be 1 to 65535"},
      {"ws://h:/", "empty port"},
      {"ws://h:8o/", "port must be a number"},
      {"ws://user:pw@h/", "user information"},
      {"ws://h/#frag", "fragment"},
      {"ws://h /", "spaces"},
      {"ws://[::1/", "unclosed '['"},
      {"ws://[zz]/", "invalid ipv6"},
      {"ws://h!/", "invalid character '!'"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseWebSocketUrl(c.text).status(),
                StatusIs(absl::StatusCode::kInvalidArgument, c.fragment))
        << c.text;
  }
  EXPECT_THAT(ParseWebSocketUrl("ftp://h/").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "websocket url \"ftp://h/\""));
}

}  // namespace
}  // namespace minimongo::ddp
