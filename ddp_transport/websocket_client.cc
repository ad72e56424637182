#include "ddp_transport/websocket_client.h"

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/ssl.hpp"
#include "boost/beast/websocket.hpp"
#include "boost/beast/websocket/ssl.hpp"
#include "fmt/format.h"
#include "openssl/ssl.h"

namespace minimongo::ddp {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

using PlainStream = websocket::stream<beast::tcp_stream>;
using TlsStream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

// One implementation for both stream types; `kTls` adds the TLS handshake between TCP connect
// and the WebSocket handshake.
template <class Stream>
class Client final : public WebSocketClient, public std::enable_shared_from_this<Client<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Client(asio::io_context& io, WebSocketUrl url, WebSocketOptions options, Callbacks callbacks,
         std::shared_ptr<ssl::context> tls)
      : io_(io),
        url_(std::move(url)),
        options_(std::move(options)),
        callbacks_(std::move(callbacks)),
        tls_(std::move(tls)),
        resolver_(io),
        close_timer_(io),
        ws_(MakeStream()) {}

  void Open() override {
    auto self = this->shared_from_this();
    beast::get_lowest_layer(*ws_).expires_after(
        std::chrono::milliseconds(options_.open_timeout_ms));
    resolver_.async_resolve(url_.host, std::to_string(url_.port),
                            [self](error_code ec, tcp::resolver::results_type results) {
                              self->OnResolved(ec, std::move(results));
                            });
  }

  void Send(std::string message) override {
    if (!open_ || closing_) return;
    outbox_.push_back(std::move(message));
    if (outbox_.size() == 1) WriteNext();
  }

  void Close() override {
    if (finished_) return;
    if (!open_) return Abort();
    closing_ = true;
    if (outbox_.empty()) StartClose();  // else after the last queued write
  }

  void Abort() override {
    if (finished_) return;
    error_code ignored;
    resolver_.cancel();
    beast::get_lowest_layer(*ws_).socket().close(ignored);
    Finish(absl::OkStatus());
  }

  bool is_open() const override { return open_ && !finished_; }

 private:
  std::unique_ptr<Stream> MakeStream() {
    if constexpr (kTls) {
      return std::make_unique<Stream>(io_, *tls_);
    } else {
      return std::make_unique<Stream>(io_);
    }
  }

  absl::Status Failure(std::string_view step, const error_code& ec) const {
    return absl::UnavailableError(
        fmt::format("websocket {}: {}: {}", url_.ToString(), step, ec.message()));
  }

  void Fail(std::string_view step, const error_code& ec) {
    if (finished_) return;
    error_code ignored;
    beast::get_lowest_layer(*ws_).socket().close(ignored);
    Finish(Failure(step, ec));
  }

  void Finish(absl::Status why) {
    if (finished_) return;
    finished_ = true;
    open_ = false;
    close_timer_.cancel();
    // on_closed runs on a later turn of the loop, never inside a call of the owner (Abort,
    // Close) or inside on_message: the owner may drop its last reference to us from there.
    std::function<void(absl::Status)> on_closed = std::move(callbacks_.on_closed);
    callbacks_.on_closed = nullptr;
    if (!on_closed) return;
    asio::post(io_, [self = this->shared_from_this(), on_closed = std::move(on_closed),
                     why = std::move(why)]() mutable { on_closed(std::move(why)); });
  }

  void OnResolved(error_code ec, tcp::resolver::results_type results) {
    if (finished_) return;
    if (ec) return Fail("resolve", ec);
    auto self = this->shared_from_this();
    beast::get_lowest_layer(*ws_).async_connect(
        results, [self](error_code ec, const tcp::endpoint&) { self->OnConnected(ec); });
  }

  void OnConnected(error_code ec) {
    if (finished_) return;
    if (ec) return Fail("connect", ec);
    error_code ignored;
    beast::get_lowest_layer(*ws_).socket().set_option(tcp::no_delay(true), ignored);
    if constexpr (kTls) {
      auto& tls_stream = ws_->next_layer();
      if (!SSL_set_tlsext_host_name(tls_stream.native_handle(), url_.host.c_str())) {
        return Fail("tls", error_code(static_cast<int>(::ERR_get_error()),
                                      asio::error::get_ssl_category()));
      }
      if (!options_.tls.dangerously_skip_certificate_verification) {
        tls_stream.set_verify_mode(ssl::verify_peer);
        tls_stream.set_verify_callback(ssl::host_name_verification(url_.host));
      } else {
        tls_stream.set_verify_mode(ssl::verify_none);
      }
      auto self = this->shared_from_this();
      tls_stream.async_handshake(ssl::stream_base::client,
                                 [self](error_code ec) { self->OnTlsHandshake(ec); });
    } else {
      StartWebSocketHandshake();
    }
  }

  void OnTlsHandshake(error_code ec) {
    if (finished_) return;
    if (ec) return Fail("tls handshake", ec);
    StartWebSocketHandshake();
  }

  void StartWebSocketHandshake() {
    std::string agent = options_.user_agent;
    ws_->set_option(websocket::stream_base::decorator(
        [agent](websocket::request_type& req) { req.set(beast::http::field::user_agent, agent); }));
    ws_->read_message_max(options_.max_message_bytes);
    auto self = this->shared_from_this();
    ws_->async_handshake(url_.HostHeader(), url_.target,
                         [self](error_code ec) { self->OnHandshake(ec); });
  }

  void OnHandshake(error_code ec) {
    if (finished_) return;
    if (ec) return Fail("handshake", ec);
    // From now on Beast's own timers handle the closing handshake; idle detection is the DDP
    // heartbeat's job (session.h), so no idle timeout here.
    beast::get_lowest_layer(*ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::milliseconds(options_.close_timeout_ms);
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_->set_option(timeouts);
    open_ = true;
    if (callbacks_.on_open) callbacks_.on_open();
    if (!finished_) ReadNext();
  }

  void ReadNext() {
    auto self = this->shared_from_this();
    ws_->async_read(buffer_, [self](error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(error_code ec) {
    if (finished_) return;
    if (ec == websocket::error::closed || close_started_) {
      // The closing handshake completed (theirs or ours), or our close cut the read short.
      Finish(absl::OkStatus());
      return;
    }
    if (ec) return Fail("read", ec);
    std::string message = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    bool binary = ws_->got_binary();
    if (callbacks_.on_message) callbacks_.on_message(std::move(message), binary);
    if (!finished_) ReadNext();
  }

  void WriteNext() {
    auto self = this->shared_from_this();
    ws_->text(true);
    ws_->async_write(asio::buffer(outbox_.front()),
                     [self](error_code ec, size_t) { self->OnWritten(ec); });
  }

  void OnWritten(error_code ec) {
    if (finished_) return;
    if (ec) return Fail("write", ec);
    outbox_.pop_front();
    if (!outbox_.empty()) return WriteNext();
    if (closing_) StartClose();
  }

  void StartClose() {
    if (close_started_) return;
    close_started_ = true;
    auto self = this->shared_from_this();
    // The read loop sees websocket::error::closed once the peer answers; the timer cuts a peer
    // that never does.
    close_timer_.expires_after(std::chrono::milliseconds(options_.close_timeout_ms));
    close_timer_.async_wait([self](error_code ec) {
      if (!ec) self->Abort();
    });
    ws_->async_close(websocket::close_code::normal, [self](error_code ec) {
      if (ec && !self->finished_) self->Abort();
    });
  }

  asio::io_context& io_;
  WebSocketUrl url_;
  WebSocketOptions options_;
  Callbacks callbacks_;
  std::shared_ptr<ssl::context> tls_;
  tcp::resolver resolver_;
  asio::steady_timer close_timer_;
  std::unique_ptr<Stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  bool open_ = false;
  bool closing_ = false;
  bool close_started_ = false;
  bool finished_ = false;
};

absl::StatusOr<std::shared_ptr<ssl::context>> MakeTlsContext(const TlsOptions& options) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1,
                       ec);
  context->set_default_verify_paths(ec);
  if (ec) {
    return absl::InvalidArgumentError(
        fmt::format("tls: cannot load the system ca store: {}", ec.message()));
  }
  if (!options.ca_file.empty()) {
    context->load_verify_file(options.ca_file, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          fmt::format("tls: cannot load ca file {}: {}", options.ca_file, ec.message()));
    }
  }
  context->set_verify_mode(options.dangerously_skip_certificate_verification ? ssl::verify_none
                                                                             : ssl::verify_peer);
  return context;
}

}  // namespace

absl::StatusOr<std::shared_ptr<WebSocketClient>> WebSocketClient::Create(
    boost::asio::io_context& io, WebSocketUrl url, WebSocketOptions options,
    Callbacks callbacks) {
  if (url.secure) {
    absl::StatusOr<std::shared_ptr<ssl::context>> tls = MakeTlsContext(options.tls);
    if (!tls.ok()) return tls.status();
    return std::shared_ptr<WebSocketClient>(std::make_shared<Client<TlsStream>>(
        io, std::move(url), std::move(options), std::move(callbacks), *std::move(tls)));
  }
  return std::shared_ptr<WebSocketClient>(std::make_shared<Client<PlainStream>>(
      io, std::move(url), std::move(options), std::move(callbacks), nullptr));
}

}  // namespace minimongo::ddp
