// PeekFrameTarget: the collection and id read off a frame's text for prefetching.

#include "ddp_sync/internal/frame_peek.h"

#include <optional>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace minimongo::ddp::internal {
namespace {

void ExpectTarget(std::string_view text, std::string_view collection, std::string_view id) {
  std::optional<FrameTarget> t = PeekFrameTarget(text);
  ASSERT_TRUE(t.has_value()) << text;
  EXPECT_EQ(t->collection, collection) << text;
  EXPECT_EQ(t->id, id) << text;
}

TEST(FramePeekTest, MeteorLayout) {
  ExpectTarget(R"({"msg":"changed","collection":"files","id":"T7zmo9YS4XsrpfRtk","fields":{}})",
               "files", "T7zmo9YS4XsrpfRtk");
  ExpectTarget(R"({"msg":"removed","collection":"c","id":""})", "c", "");
  // A message name the layout check does not read to its end (escaped, or long) still finds
  // the target by search.
  ExpectTarget(R"({"msg":"a\"b","collection":"c","id":"x"})", "c", "x");
  ExpectTarget(R"({"msg":")" + std::string(40, 'm') + R"(","collection":"c","id":"x"})", "c", "x");
  ExpectTarget(R"({"msg":"added","collection":"c","fields":{},"id":"x"})", "c", "x");
}

TEST(FramePeekTest, OtherOrdersAndSpacing) {
  ExpectTarget(R"({"id":"a1","msg":"added","collection":"users","fields":{"n":1}})", "users", "a1");
  ExpectTarget(R"({"collection":"x","fields":{"cc":"collection"},"id":"q","msg":"changed"})", "x",
               "q");
  // Not the plain form: no guess rather than a wrong one.
  EXPECT_FALSE(PeekFrameTarget(R"({"msg":"changed", "collection": "x", "id": "q"})").has_value());
}

TEST(FramePeekTest, DeclinesWhatItCannotReadPlainly) {
  EXPECT_FALSE(PeekFrameTarget(R"({"msg":"ping","id":"1"})").has_value());
  EXPECT_FALSE(PeekFrameTarget(R"({"msg":"added","collection":"c","id":7})").has_value());
  EXPECT_FALSE(PeekFrameTarget(R"({"msg":"added","collection":"c","id":"a\"b"})").has_value());
  EXPECT_FALSE(PeekFrameTarget(R"({"msg":"added","collection":"c\u0041","id":"a"})").has_value());
  EXPECT_FALSE(PeekFrameTarget(R"({"msg":"added","collection":"c","id":"unterminated)").has_value());
  EXPECT_FALSE(PeekFrameTarget(R"({"msg":"added","collection":")").has_value());
  EXPECT_FALSE(PeekFrameTarget("").has_value());
  EXPECT_FALSE(PeekFrameTarget("\"").has_value());
}

TEST(FramePeekTest, EveryPrefixIsSafe) {
  // Truncated frames end anywhere; none may read past the text (ASan checks the views).
  const std::string frame = R"({"msg":"changed","collection":"files","id":"abc","fields":{}})";
  for (size_t n = 0; n <= frame.size(); ++n) {
    std::string prefix = frame.substr(0, n);
    std::optional<FrameTarget> t = PeekFrameTarget(prefix);
    if (t) {
      EXPECT_EQ(t->collection, "files");
      EXPECT_EQ(t->id, "abc");
      EXPECT_GE(n, frame.find("abc") + 4) << n;
    }
  }
}

}  // namespace
}  // namespace minimongo::ddp::internal
