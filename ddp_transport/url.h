// A WebSocket URL (RFC 6455 section 3), as `minimongo connect` and Connection take it:
//
//   ws://host[:port][/path][?query]      plain TCP, default port 80
//   wss://host[:port][/path][?query]     TLS, default port 443
//   [v6::addr]                           IPv6 literal hosts in brackets
//
// Meteor servers answer DDP on "/websocket"; the URL is used as given (no path is added), so a
// Meteor app is "ws://localhost:3000/websocket". http:// and https:// are accepted as aliases of
// ws:// and wss:// (what Meteor's DDP.connect takes). Fragments are not allowed (RFC 6455), nor
// user information ("user:pass@"), which a WebSocket handshake has no place for.
//
// Thread safety: plain values and a pure function.
//
// Example:
//   absl::StatusOr<WebSocketUrl> url = ParseWebSocketUrl("wss://example.com/websocket");
//   // url->secure, url->host == "example.com", url->port == 443, url->target == "/websocket"

#ifndef MINIMONGO_DDP_TRANSPORT_URL_H_
#define MINIMONGO_DDP_TRANSPORT_URL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace minimongo::ddp {

struct WebSocketUrl {
  // wss:// (or https://): TLS.
  bool secure = false;
  // Host name or address as written, without brackets for IPv6 literals; lower-cased.
  std::string host;
  uint16_t port = 0;
  // Path and query as sent in the HTTP request line; "/" when the URL has no path.
  std::string target;

  // The Host header value: host, plus ":port" unless it is the scheme's default, with
  // brackets around an IPv6 literal.
  std::string HostHeader() const;
  // The URL back in canonical form (scheme ws/wss, default port omitted).
  std::string ToString() const;
};

// Parses `text`. Errors: InvalidArgument naming the problem, e.g.
//   websocket url "ftp://x": scheme must be ws, wss, http or https
//   websocket url "ws://h:99999/": port must be 1 to 65535
// Also rejected: an empty host, user information, a fragment, spaces or control characters.
absl::StatusOr<WebSocketUrl> ParseWebSocketUrl(std::string_view text);

}  // namespace minimongo::ddp

#endif  // MINIMONGO_DDP_TRANSPORT_URL_H_
