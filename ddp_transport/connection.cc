#include "ddp_transport/connection.h"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "boost/asio/post.hpp"
#include "fmt/format.h"

namespace minimongo::ddp {

namespace asio = boost::asio;

absl::StatusOr<std::unique_ptr<Connection>> Connection::Create(Database* db,
                                                               std::string_view url_text,
                                                               ConnectionOptions options) {
  absl::StatusOr<WebSocketUrl> url = ParseWebSocketUrl(url_text);
  if (!url.ok()) return url.status();
  if (url->secure) {
    // Loads the CA store and file once now, so a bad CA file is an error of Create, not a
    // reconnection loop.
    asio::io_context probe;
    auto client = WebSocketClient::Create(probe, *url, options.websocket, {});
    if (!client.ok()) return client.status();
  }
  return std::unique_ptr<Connection>(new Connection(db, *std::move(url), std::move(options)));
}

Connection::Connection(Database* db, WebSocketUrl url, ConnectionOptions options)
    : work_(asio::make_work_guard(io_)),
      db_(db),
      url_(std::move(url)),
      options_(std::move(options)),
      backoff_(options_.backoff),
      tick_timer_(io_),
      reconnect_timer_(io_) {
  SessionOptions session_options = options_.session;
  // Events are queued and handled after the session call returns: the session forbids
  // re-entrant calls from on_event.
  session_options.on_event = [this](const SessionEvent& e) { session_events_.push_back(e); };
  if (options_.max_batch_frames == 0) options_.max_batch_frames = 1;
  if (options_.tick_interval_ms <= 0) options_.tick_interval_ms = 1'000;
  session_ = std::make_unique<Session>(db_, std::move(session_options));
}

Connection::~Connection() {
  if (client_) client_->Abort();
}

void Connection::Post(std::function<void()> fn) { asio::post(io_, std::move(fn)); }

void Connection::Stop() {
  asio::post(io_, [this] { BeginStop(); });
}

absl::Status Connection::Run() {
  running_ = true;
  asio::post(io_, [this] {
    if (stopping_) return;
    StartConnecting();
    ScheduleTick();
  });
  io_.run();
  return run_status_;
}

// ---- Calls ----

absl::StatusOr<std::string> Connection::Subscribe(std::string_view name,
                                                  const query::Value& params) {
  absl::StatusOr<std::string> id = session_->Subscribe(name, params);
  AfterSessionChange();
  return id;
}

absl::Status Connection::Unsubscribe(std::string_view id) {
  absl::Status s = session_->Unsubscribe(id);
  AfterSessionChange();
  return s;
}

absl::Status Connection::Call(std::string_view method, const query::Value& params,
                              CallOptions options, MethodCallback done) {
  if (!params.IsNull() && !params.IsArray() && !params.IsObject()) {
    return absl::InvalidArgumentError(fmt::format(
        "call \"{}\": params must be an array (DDP 1) or an object (OneOffice)", method));
  }
  PendingCall call{std::string(method), params, options, std::move(done)};
  ConnectionState state = session_->state();
  if (open() && (state == ConnectionState::kConnecting || state == ConnectionState::kConnected)) {
    SendCall(std::move(call));
    AfterSessionChange();
  } else {
    waiting_calls_.push_back(std::move(call));
  }
  return absl::OkStatus();
}

void Connection::SendCall(PendingCall call) {
  absl::StatusOr<std::string> id = session_->Call(call.method, call.params, call.options);
  if (!id.ok()) {
    // Only reachable when no connection is open (params were checked): wait for the next one.
    waiting_calls_.push_back(std::move(call));
    return;
  }
  calls_.emplace(*std::move(id), std::move(call));
}

// ---- The connection's life cycle ----

void Connection::StartConnecting() {
  if (stopping_) return;
  uint64_t generation = ++generation_;
  WebSocketClient::Callbacks callbacks;
  callbacks.on_open = [this, generation] { OnOpen(generation); };
  callbacks.on_message = [this, generation](std::string message, bool binary) {
    OnMessage(generation, std::move(message), binary);
  };
  callbacks.on_closed = [this, generation](absl::Status why) {
    OnClosed(generation, std::move(why));
  };
  absl::StatusOr<std::shared_ptr<WebSocketClient>> client =
      WebSocketClient::Create(io_, url_, options_.websocket, std::move(callbacks));
  if (!client.ok()) {
    // Create() already loaded the same TLS settings once; failing now means the system
    // changed under us. Treat it as a failed attempt.
    Report({.kind = TransportEvent::Kind::kClosed, .status = client.status()});
    ScheduleReconnect(false);
    return;
  }
  client_ = *std::move(client);
  client_->Open();
}

void Connection::OnOpen(uint64_t generation) {
  if (generation != generation_ || stopping_) return;
  ++connections_opened_;
  absl::Status s = session_->Connect();
  if (!s.ok()) {
    // Stopped (version negotiation failed earlier): nothing more to do on any connection.
    run_status_ = s;
    BeginStop();
    return;
  }
  Report({.kind = TransportEvent::Kind::kOpened});
  // Connect() queued "connect", the calls lost in flight (resent unchanged) and the subs; calls
  // made while disconnected follow at once (the spec allows messages before "connected").
  std::vector<PendingCall> waiting = std::move(waiting_calls_);
  waiting_calls_.clear();
  for (PendingCall& call : waiting) SendCall(std::move(call));
  AfterSessionChange();
}

void Connection::OnMessage(uint64_t generation, std::string message, bool binary) {
  if (generation != generation_) return;
  if (binary) {
    Report({.kind = TransportEvent::Kind::kBinaryDropped, .size = message.size()});
    return;
  }
  inbox_.push_back(std::move(message));
  if (inbox_.size() >= options_.max_batch_frames) {
    FlushReceived();
    return;
  }
  ScheduleFlush();
}

// A burst is what keeps arriving on consecutive turns of the loop: the flush is deferred by
// one more turn as long as the previous turn added messages (Beast completes each read from
// its buffer on a separate turn), so the session sees a burst as one batch at the cost of one
// extra turn of latency for a lone message.
void Connection::ScheduleFlush() {
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  inbox_size_at_schedule_ = inbox_.size();
  asio::post(io_, [this] {
    flush_scheduled_ = false;
    if (inbox_.empty()) return;
    if (inbox_.size() > inbox_size_at_schedule_ && inbox_.size() < options_.max_batch_frames) {
      ScheduleFlush();
      return;
    }
    FlushReceived();
  });
}

void Connection::FlushReceived() {
  if (inbox_.empty()) return;
  std::vector<std::string> frames = std::move(inbox_);
  inbox_.clear();
  std::vector<std::string_view> views(frames.begin(), frames.end());
  uint64_t first = frame_number_ + 1;
  frame_number_ += frames.size();
  if (options_.on_frame) {
    for (size_t i = 0; i < frames.size(); ++i) options_.on_frame(true, frames[i], first + i);
  }
  std::vector<absl::Status> statuses = session_->ReceiveBatch(views, first);
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (!statuses[i].ok()) rejected_frames_.push_back(first + i);
  }
  AfterSessionChange();
}

// After any session call: send what it queued, deliver its events, and follow its state.
void Connection::AfterSessionChange() {
  SendOutgoing();
  DrainSessionEvents();
  // Only an open socket belongs to the session's current connection: while a new one is
  // being opened the session still says kDisconnected (Connect() comes with on_open).
  if (stopping_ || !open()) return;
  switch (session_->state()) {
    case ConnectionState::kFailed:
      // The server refused our version and suggested one we speak: new connection, at once.
      client_->Abort();
      break;
    case ConnectionState::kDisconnected:
      // Heartbeat timeout: the socket may look fine, but the server is gone.
      client_->Abort();
      break;
    case ConnectionState::kStopped:
      run_status_ = session_->status();
      BeginStop();
      break;
    default:
      break;
  }
}

void Connection::SendOutgoing() {
  std::vector<std::string> frames = session_->TakeOutgoing();
  if (frames.empty()) return;
  if (!open()) {
    // Frames queued without a connection (a sub before the first open): the session sends
    // subscriptions again on Connect(), and calls are only made while open, so nothing is lost.
    return;
  }
  for (std::string& frame : frames) {
    ++frame_number_;
    if (options_.on_frame) options_.on_frame(false, frame, frame_number_);
    client_->Send(std::move(frame));
  }
}

void Connection::DrainSessionEvents() {
  // Handlers may call into the session, which may add events: loop until none is left.
  while (!session_events_.empty()) {
    std::vector<SessionEvent> events = std::move(session_events_);
    session_events_.clear();
    for (const SessionEvent& e : events) {
      if (e.kind == EventKind::kConnected) backoff_.Reset();
      if (e.kind == EventKind::kResult || e.kind == EventKind::kMethodFailed) {
        // A call lost in flight stays in the session (kWaitingReconnect), which resends it
        // with the same id: it only ends with a result or a failure.
        auto it = calls_.find(e.id);
        if (it != calls_.end()) {
          PendingCall call = std::move(it->second);
          calls_.erase(it);
          const MethodCall* record = session_->FindMethod(e.id);
          if (call.done && record != nullptr) call.done(*record);
        }
      }
      if (options_.on_session_event) options_.on_session_event(e);
    }
    SendOutgoing();
  }
}

void Connection::OnClosed(uint64_t generation, absl::Status why) {
  if (generation != generation_) return;
  // Frames that arrived before the close still count.
  FlushReceived();
  client_.reset();
  bool failed_version = session_->state() == ConnectionState::kFailed;
  session_->OnDisconnected();
  DrainSessionEvents();
  Report({.kind = TransportEvent::Kind::kClosed, .status = why});
  if (stopping_) {
    FinishStop();
    return;
  }
  if (session_->state() == ConnectionState::kStopped) {
    run_status_ = session_->status();
    BeginStop();
    return;
  }
  ScheduleReconnect(failed_version);
}

void Connection::ScheduleReconnect(bool immediately) {
  int64_t delay = immediately ? 0 : backoff_.NextDelayMs();
  Report({.kind = TransportEvent::Kind::kReconnectScheduled,
          .delay_ms = delay,
          .attempt = backoff_.attempts()});
  reconnect_timer_.expires_after(std::chrono::milliseconds(delay));
  reconnect_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) StartConnecting();
  });
}

void Connection::ScheduleTick() {
  tick_timer_.expires_after(std::chrono::milliseconds(options_.tick_interval_ms));
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    session_->Tick();
    AfterSessionChange();
    ScheduleTick();
  });
}

void Connection::BeginStop() {
  if (stopping_) return;
  stopping_ = true;
  tick_timer_.cancel();
  reconnect_timer_.cancel();
  if (client_) {
    client_->Close();  // OnClosed -> FinishStop
  } else {
    FinishStop();
  }
}

void Connection::FinishStop() {
  if (stopped_) return;
  stopped_ = true;
  // Calls lost in flight will never be resent, calls still waiting never sent: they fail now,
  // once.
  session_->FailWaitingCalls(
      absl::UnavailableError("the connection was stopped before the result"));
  DrainSessionEvents();
  std::vector<PendingCall> waiting = std::move(waiting_calls_);
  waiting_calls_.clear();
  for (PendingCall& call : waiting) {
    if (!call.done) continue;
    MethodCall record;
    record.name = call.method;
    record.state = MethodCall::State::kFailed;
    record.failure = absl::UnavailableError(
        fmt::format("method \"{}\": the connection was stopped before it was sent", call.method));
    call.done(record);
  }
  if (options_.on_stopped) options_.on_stopped();
  work_.reset();
}

void Connection::Report(TransportEvent event) {
  if (options_.on_transport_event) options_.on_transport_event(event);
}

}  // namespace minimongo::ddp
