#include "ddp_transport/url.h"

#include <cctype>
#include <string>

#include "absl/status/status.h"
#include "fmt/format.h"

namespace minimongo::ddp {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

absl::Status Bad(std::string_view text, std::string_view problem) {
  return absl::InvalidArgumentError(fmt::format("websocket url \"{}\": {}", text, problem));
}

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
         c == '~' || c == '%';
}

}  // namespace

std::string WebSocketUrl::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? fmt::format("[{}]", host) : host;
  uint16_t default_port = secure ? 443 : 80;
  if (port != default_port) h += fmt::format(":{}", port);
  return h;
}

std::string WebSocketUrl::ToString() const {
  return fmt::format("{}://{}{}", secure ? "wss" : "ws", HostHeader(), target);
}

absl::StatusOr<WebSocketUrl> ParseWebSocketUrl(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Bad(text, "spaces and control characters are not allowed");
    }
  }
  size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return Bad(text, "missing scheme (ws:// or wss://)");
  WebSocketUrl url;
  std::string scheme = Lower(text.substr(0, scheme_end));
  if (scheme == "ws" || scheme == "http") {
    url.secure = false;
  } else if (scheme == "wss" || scheme == "https") {
    url.secure = true;
  } else {
    return Bad(text, "scheme must be ws, wss, http or https");
  }
  std::string_view rest = text.substr(scheme_end + 3);
  if (rest.find('#') != std::string_view::npos) {
    return Bad(text, "a websocket url cannot have a fragment");
  }
  size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return Bad(text, "user information is not supported");
  }
  std::string_view host, port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Bad(text, "unclosed '[' in the host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Bad(text, "unexpected text after ']'");
      port_text = after.substr(1);
      if (port_text.empty()) return Bad(text, "empty port");
    }
    for (char c : host) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        return Bad(text, "invalid ipv6 address");
      }
    }
  } else {
    size_t colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return Bad(text, "empty port");
    }
    for (char c : host) {
      if (!IsHostChar(c)) return Bad(text, fmt::format("invalid character '{}' in the host", c));
    }
  }
  if (host.empty()) return Bad(text, "empty host");
  url.host = Lower(host);
  if (port_text.empty()) {
    url.port = url.secure ? 443 : 80;
  } else {
    uint32_t port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9') return Bad(text, "port must be a number");
      port = port * 10 + static_cast<uint32_t>(c - '0');
      if (port > 65535) break;
    }
    if (port == 0 || port > 65535) return Bad(text, "port must be 1 to 65535");
    url.port = static_cast<uint16_t>(port);
  }
  if (target.empty()) {
    url.target = "/";
  } else if (target.front() == '?') {
    url.target = fmt::format("/{}", target);
  } else {
    url.target = std::string(target);
  }
  return url;
}

}  // namespace minimongo::ddp
