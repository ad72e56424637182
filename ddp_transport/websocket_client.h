// One client WebSocket connection (RFC 6455) over TCP or TLS, asynchronous, on a Boost.Asio
// io_context: Boost.Beast does the framing, OpenSSL the TLS. It carries text messages and knows
// nothing of DDP (Connection, connection.h, drives a Session over it).
//
// Life cycle: Create() -> Open() -> on_open -> Send()* / on_message* -> on_closed, exactly
// once, whether the connection never opened (resolve, connect, TLS or handshake error or
// timeout), the peer closed it, a read or write failed, or Close() / Abort() was called.
// After on_closed no callback runs again. A client is used for one connection; reconnecting
// means a new client.
//
// TLS (wss://): the server's certificate chain is verified against the system CA store
// (OpenSSL's default paths) plus `TlsOptions::ca_file` when given, and its name against the
// URL's host (SNI is sent). Verification can only be turned off with
// `dangerously_skip_certificate_verification`, for test servers with throwaway certificates.
//
// Messages: text frames are delivered as they are (Beast checks that a text message is valid
// UTF-8 and fails the connection otherwise, as RFC 6455 requires); binary frames are delivered
// with `binary` set (DDP has none: Connection drops them). A message longer than
// `max_message_bytes` fails the connection.
//
// Thread safety: none. Every call and every callback happens on the io_context's thread (one
// thread runs the io_context). The client keeps itself alive (shared_ptr) while operations are
// pending; destroying the last handle does not cancel them: call Abort() first.
//
// Example:
//   boost::asio::io_context io;
//   auto client = WebSocketClient::Create(io, *ParseWebSocketUrl("ws://localhost:3000/websocket"),
//                                         {}, {.on_open = [&] { client->Send("hi"); },
//                                              .on_message = ..., .on_closed = ...});
//   (*client)->Open();
//   io.run();

#ifndef MINIMONGO_DDP_TRANSPORT_WEBSOCKET_CLIENT_H_
#define MINIMONGO_DDP_TRANSPORT_WEBSOCKET_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/asio/io_context.hpp"
#include "ddp_transport/url.h"

namespace minimongo::ddp {

struct TlsOptions {
  // A PEM file of CA certificates to trust, in addition to the system store. Default none.
  std::string ca_file;
  // Accept any certificate and any host name. Default false. Only for test servers: with it,
  // anyone on the path can read and change the traffic.
  bool dangerously_skip_certificate_verification = false;
};

struct WebSocketOptions {
  TlsOptions tls;
  // Time allowed for resolve + TCP connect + TLS + WebSocket handshake. Default 10 s.
  int64_t open_timeout_ms = 10'000;
  // Time allowed for the closing handshake after Close(). Default 2 s; then the socket is cut.
  int64_t close_timeout_ms = 2'000;
  // Longest message accepted; a longer one fails the connection. Default 64 MiB (a DDP
  // "added" of a big document, or a large method result, can be several MiB).
  size_t max_message_bytes = size_t{64} << 20;
  // The User-Agent header of the handshake.
  std::string user_agent = "minimongo-ddp";
};

class WebSocketClient {
 public:
  struct Callbacks {
    // The WebSocket handshake succeeded: Send() may be called.
    std::function<void()> on_open;
    // A complete message. `binary`: it came in a binary frame.
    std::function<void(std::string message, bool binary)> on_message;
    // The connection is over (see the file comment). `why`: OK after a clean close (ours or the
    // peer's), Unavailable with the cause otherwise ("websocket ws://h:1/: connect: Connection
    // refused").
    std::function<void(absl::Status why)> on_closed;
  };

  // Errors: InvalidArgument when `tls.ca_file` cannot be loaded. Nothing happens before Open().
  static absl::StatusOr<std::shared_ptr<WebSocketClient>> Create(boost::asio::io_context& io,
                                                                 WebSocketUrl url,
                                                                 WebSocketOptions options,
                                                                 Callbacks callbacks);
  virtual ~WebSocketClient() = default;

  // Starts resolving and connecting. REQUIRES: called once.
  virtual void Open() = 0;
  // Queues a text message; messages go out in order. Ignored unless open.
  virtual void Send(std::string message) = 0;
  // Starts the closing handshake (after queued messages are written); on_closed(OK) follows.
  // Before the connection opened, it is the same as Abort().
  virtual void Close() = 0;
  // Cuts the connection now; on_closed follows (OK status), unless it already ran.
  virtual void Abort() = 0;
  // True between on_open and on_closed.
  virtual bool is_open() const = 0;
};

}  // namespace minimongo::ddp

#endif  // MINIMONGO_DDP_TRANSPORT_WEBSOCKET_CLIENT_H_
