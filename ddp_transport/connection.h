// A live DDP client: drives a Session (ddp_sync/session.h) over a WebSocket (websocket_client.h)
// and keeps it connected. The session does the protocol and the store; the connection does the
// I/O, the clock and the life cycle:
//
//   open      resolve, TCP, TLS (wss), WebSocket handshake; then Session::Connect() queues
//             "connect" (and, after the first connection, the calls lost in flight and every
//             live "sub" again)
//   receive   the frames of one read burst (messages that kept arriving on consecutive turns
//             of the loop, up to `max_batch_frames`) go to Session::ReceiveBatch together, so
//             live queries see one net change per burst; the session's replies (pongs) and
//             queued frames are sent right after
//   clock     Session::Tick() every `tick_interval_ms` (heartbeat pings, the connection declared
//             lost when the pong does not come, method timeouts)
//   loss      socket closed, read error, heartbeat timeout: Session::OnDisconnected(), then a
//             new connection after the next backoff wait (backoff.h; reset once "connected"
//             arrives). After "failed" with a version we speak, at once with that version.
//             Resubscription and the resync of the store are the session's (session.h): the
//             documents the server stopped sending disappear once the resent subscriptions are
//             ready, and nothing flickers for the documents that remain.
//   methods   Meteor's rules: a call made while disconnected waits for the next connection; a
//             call in flight when the connection is lost is sent again on the next connection,
//             unchanged (same method id, params and randomSeed: the session keeps it, see
//             CallOptions in session.h), right after "connect" and before the resent subs,
//             unless made with `no_retry`, in which case it fails with Unavailable (Meteor's
//             "invocation-failed"). The callback runs once: result, error result, timeout or
//             failure (calls still waiting at Stop() fail then).
//   stop      Stop(): closing handshake (bounded by WebSocketOptions::close_timeout_ms), then
//             Run() returns. The session stays readable afterwards.
//   stopped   "failed" with no version we speak: the session stops, Run() returns its status.
//
// Threading: one thread, the I/O loop, does everything: Run() runs the loop on the calling
// thread, and the session, the Database, every live query callback and every callback of
// ConnectionOptions run there. Other threads hand work to it with Post(fn) (thread-safe; fn runs
// on the loop thread, in order, and may use the session, the database and the calls below) and
// end it with Stop() (thread-safe). Before Run(), the loop-thread calls may be made from the
// thread that will call Run().
//
// Example:
//   Database db;
//   absl::StatusOr<std::unique_ptr<Connection>> c =
//       Connection::Create(&db, "ws://localhost:3000/websocket", {});
//   (*c)->Subscribe("files");
//   std::thread loop([&] { absl::Status s = (*c)->Run(); });
//   (*c)->Post([&] { db.GetCollection("files").ObserveChanges(...); });
//   ...
//   (*c)->Stop();
//   loop.join();

#ifndef MINIMONGO_DDP_TRANSPORT_CONNECTION_H_
#define MINIMONGO_DDP_TRANSPORT_CONNECTION_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "ddp_sync/session.h"
#include "ddp_transport/backoff.h"
#include "ddp_transport/url.h"
#include "ddp_transport/websocket_client.h"
#include "minimongo/database.h"
#include "query/value.h"

namespace minimongo::ddp {

// What the transport reports (ConnectionOptions::on_transport_event).
struct TransportEvent {
  enum class Kind {
    kOpened,              // WebSocket open; "connect" sent
    kClosed,              // the WebSocket is gone; status: why (OK for a clean close)
    kReconnectScheduled,  // delay_ms: the wait before the next attempt (attempt: 1, 2, ...)
    kBinaryDropped,       // a binary message arrived (DDP is text only); size: its length
  };
  Kind kind;
  absl::Status status;
  int64_t delay_ms = 0;
  int attempt = 0;
  size_t size = 0;
};

struct ConnectionOptions {
  // Socket, TLS and handshake settings (websocket_client.h).
  WebSocketOptions websocket;
  // Session settings. `now_millis` defaults to the steady clock; `on_event` is the
  // connection's own (use on_session_event instead).
  SessionOptions session;
  // Waits between reconnection attempts (backoff.h).
  BackoffOptions backoff;
  // Period of Session::Tick(). Default 1 s; heartbeats and method timeouts are only as precise.
  int64_t tick_interval_ms = 1'000;
  // Most frames handed to one ReceiveBatch. Default 1024: bigger bursts are split, which bounds
  // how long observers wait during a flood.
  size_t max_batch_frames = 1'024;
  // Every session event (session.h), on the loop thread, after the session call that caused it
  // returned (so it may call back into the session and the connection).
  std::function<void(const SessionEvent&)> on_session_event;
  // Every transport event, on the loop thread.
  std::function<void(const TransportEvent&)> on_transport_event;
  // Every frame, in the order the session saw (received) or the socket got (sent) them, with
  // its number: received frames are numbered by this count of all frames, sent ones included,
  // so the numbers are the lines of a recording (recorder.h) and match `minimongo replay`.
  std::function<void(bool received, std::string_view frame, uint64_t number)> on_frame;
  // Called once on the loop thread when the connection has stopped, before Run() returns.
  // Cancel the application's own waits on io_context() here (a signal_set, a timer): pending
  // waits keep Run() from returning.
  std::function<void()> on_stopped;
};

// The outcome of Connection::Call: the session's record of the call (one method id however
// often it was resent). `state` is kReturned (result or error) or kFailed (failure:
// DeadlineExceeded, Unavailable).
using MethodCallback = std::function<void(const MethodCall& call)>;

class Connection {
 public:
  // Errors: InvalidArgument for a bad URL (url.h) or an unloadable CA file.
  // REQUIRES: db != nullptr, outliving the connection.
  static absl::StatusOr<std::unique_ptr<Connection>> Create(Database* db, std::string_view url,
                                                            ConnectionOptions options = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // ---- Any thread ----

  // Runs `fn` on the loop thread, after what is already queued. Functions posted after Run()
  // returned never run (they are destroyed with the connection).
  void Post(std::function<void()> fn);
  // Ends the connection cleanly (see the file comment); Run() then returns OK. Idempotent.
  void Stop();

  // ---- The thread that runs the loop ----

  // Connects and keeps the session connected until Stop() or the session stops. Returns OK
  // after Stop(), the session's status (FailedPrecondition) when version negotiation failed.
  // REQUIRES: called once.
  absl::Status Run();

  // Session::Subscribe; the "sub" goes out now when connected, else on connection.
  absl::StatusOr<std::string> Subscribe(std::string_view name,
                                        const query::Value& params = query::Value());
  absl::Status Unsubscribe(std::string_view id);
  // Calls `method` (now when connected, else on the next connection); `done` runs once with
  // the outcome. `options` (session.h): no_retry, random_seed. Errors: InvalidArgument for
  // params that are not null, an array or an object.
  absl::Status Call(std::string_view method, const query::Value& params, CallOptions options,
                    MethodCallback done);

  Session& session() { return *session_; }
  Database& database() { return *db_; }
  // The loop's io_context, e.g. for a signal_set or a timer of the application.
  boost::asio::io_context& io_context() { return io_; }
  // True between the WebSocket opening and its loss.
  bool open() const { return client_ != nullptr && client_->is_open(); }
  // WebSocket connections opened so far.
  uint64_t connections_opened() const { return connections_opened_; }
  // Numbers (see on_frame) of the received frames the session rejected.
  const std::vector<uint64_t>& rejected_frames() const { return rejected_frames_; }

 private:
  struct PendingCall {
    std::string method;
    query::Value params;
    CallOptions options;
    MethodCallback done;
  };

  Connection(Database* db, WebSocketUrl url, ConnectionOptions options);

  void StartConnecting();
  void OnOpen(uint64_t generation);
  void OnMessage(uint64_t generation, std::string message, bool binary);
  void OnClosed(uint64_t generation, absl::Status why);
  void ScheduleFlush();
  void FlushReceived();
  void ScheduleReconnect(bool immediately);
  void ScheduleTick();
  void SendOutgoing();
  void DrainSessionEvents();
  void AfterSessionChange();
  void SendCall(PendingCall call);
  void BeginStop();
  void FinishStop();
  void Report(TransportEvent event);

  // Declared first: destroyed last, after every I/O object below.
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  Database* db_;
  WebSocketUrl url_;
  ConnectionOptions options_;
  std::unique_ptr<Session> session_;
  Backoff backoff_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer reconnect_timer_;

  std::shared_ptr<WebSocketClient> client_;
  uint64_t generation_ = 0;  // of client_: callbacks of older clients are ignored
  uint64_t connections_opened_ = 0;
  uint64_t frame_number_ = 0;
  bool stopping_ = false;
  bool stopped_ = false;
  bool running_ = false;
  absl::Status run_status_;

  // Received messages not yet handed to the session (one burst).
  std::vector<std::string> inbox_;
  bool flush_scheduled_ = false;
  size_t inbox_size_at_schedule_ = 0;

  std::vector<SessionEvent> session_events_;
  // Calls in flight, by session method id; calls waiting for a connection.
  std::map<std::string, PendingCall, std::less<>> calls_;
  std::vector<PendingCall> waiting_calls_;
  std::vector<uint64_t> rejected_frames_;
};

}  // namespace minimongo::ddp

#endif  // MINIMONGO_DDP_TRANSPORT_CONNECTION_H_
