// A DDP 1 client session without a socket: it turns the frames a server sends into changes of a
// minimongo Database, and tells the caller which frames to send back. Any transport can drive
// it (a WebSocket, SockJS, a recorded file): the session does no I/O and reads no clock of its
// own.
//
//   transport --text--> Receive / ReceiveBatch --> Database (field-level merge)
//   caller    --calls-> Connect, Subscribe, Call, Tick, OnDisconnected
//   session   --text--> TakeOutgoing() --> transport
//
// Rules (the DDP 1 spec plus the OneOffice dialect, ../shared/fixtures/ddp/POLICY.md):
//   - A frame is decoded and validated completely (frame.h) and checked against the session
//     (unknown document, duplicate added, result for a method never called, ...) before
//     anything changes. A bad frame is rejected with a status naming the frame number, the
//     message type and the problem, changes nothing, and the session keeps going.
//   - Data messages are facts about one local set per collection (not per subscription):
//     added/changed/removed and addedBefore/movedBefore merge at the level of top-level fields.
//     A collection is ordered once fed with addedBefore; plain added into it (or addedBefore
//     into a collection fed with added) is rejected. The order is kept by the session (Order()).
//   - Frames of one batch (ReceiveBatch) are applied inside one Database pause/resume of the
//     observers, so live queries see one net change.
//   - Version negotiation: Connect() proposes the first supported version; on "failed" with a
//     supported version the session wants a new connection with it (state kFailed: close the
//     transport, open a new one, call Connect()); otherwise it stops (state kStopped, status()
//     says "ddp version negotiation failed ...").
//   - Heartbeats (Tick): after `heartbeat_interval_ms` without any received frame the session
//     queues a ping; if nothing arrives within `heartbeat_timeout_ms` after it, the connection
//     is declared lost (state kDisconnected). Every received frame counts as a sign of life.
//     Server pings are answered at once with a pong carrying the same id.
//   - Methods: tracked from "method" to "result" and "updated" (writes visible); a call times
//     out after `method_timeout_ms` (Tick, counted from the first send). When the connection is
//     lost before the result, a call made with CallOptions{} waits (kWaitingReconnect) and is
//     resent unchanged (same id, params and randomSeed: Meteor's rule) on the next connection;
//     a call made with `no_retry` (or through the bool overload) fails with Unavailable.
//   - Reconnect: OnDisconnected(), then Connect() on a new transport resends the waiting method
//     calls and every live subscription; when the server answers with a new session, documents
//     are resynchronised:
//     the server's "added" for a document already held replaces it, and once every resent
//     subscription is ready (or nosub), the documents the server did not send again are
//     removed. Observers stay paused for the whole resync (one net change, as in Meteor).
//
// Thread safety: none; one session is used from one thread, like the Database it writes to.
// The Database must outlive the session.
//
// Example:
//   Database db;
//   Session session(&db, {.now_millis = [&] { return loop.NowMillis(); }});
//   session.Connect();
//   absl::StatusOr<std::string> sub = session.Subscribe("files");
//   for (std::string& frame : session.TakeOutgoing()) socket.Send(frame);
//   ...on each socket message:
//   absl::Status s = session.Receive(text);    // !s.ok(): a rejected frame, already reported
//   for (std::string& frame : session.TakeOutgoing()) socket.Send(frame);

#ifndef MINIMONGO_DDP_SYNC_SESSION_H_
#define MINIMONGO_DDP_SYNC_SESSION_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ddp_sync/frame.h"
#include "minimongo/database.h"
#include "minimongo/document_id.h"
#include "query/value.h"
#include "query/value_order.h"

namespace minimongo::ddp {

namespace internal {
class FrameParser;  // internal/frame_parser.h
}  // namespace internal

enum class ConnectionState {
  kIdle,          // never connected
  kConnecting,    // connect sent, no "connected" yet
  kConnected,     // "connected" received
  kFailed,        // "failed" with a supported version: reconnect (version() is the new one)
  kDisconnected,  // transport closed, or heartbeat timeout: reconnect when you like
  kStopped,       // version negotiation failed: status() says why; Connect() refuses
};

// What the session reports along the way (SessionOptions::on_event).
enum class EventKind {
  kConnected,      // id: the session id
  kFailed,         // id: the version the server suggested
  kStopped,        // status: why
  kIgnored,        // message: why (the msg-less first frame of a connection)
  kRejected,       // status: the rejection (what Receive returned)
  kWarning,        // message: an accepted frame worth a warning
  kReady,          // id: sub id
  kNosub,          // id: sub id; status: OK, or the subscription's error
  kResult,         // id: method id
  kUpdated,        // id: method id (its writes are now visible)
  kMethodFailed,   // id: method id; status: DeadlineExceeded (timeout) or Unavailable
  kServerError,    // message: the server's "reason" ({"msg":"error"})
  kConnectionLost, // status: why (heartbeat timeout)
  kResynced,       // message: how many documents the resync removed
};

struct SessionEvent {
  EventKind kind;
  // The received frame that caused it; 0 for events caused by the caller or the clock.
  uint64_t frame = 0;
  std::string id;
  std::string message;
  absl::Status status;
};

// How a method call behaves (Session::Call).
struct CallOptions {
  // Meteor's noRetry. false (default): when the connection is lost before the result, the call
  // waits and its "method" frame is sent again, unchanged, on the next connection, so the server
  // may run it twice (at-least-once, as in Meteor) but sees the same id and randomSeed (the
  // documents it creates with seeded ids get the same _ids). true: the call fails with
  // Unavailable instead (Meteor's "invocation-failed"): at most once.
  bool no_retry = false;
  // Send a randomSeed (a Meteor-style random id, for the server's seeded ids). Default true.
  bool random_seed = true;
};

struct SessionOptions {
  // Versions we speak, most preferred first. The first is proposed.
  std::vector<std::string> supported_versions = {"1", "pre2", "pre1"};
  // Send a ping after this long without a received frame; 0 disables heartbeats. Meteor's
  // client uses 17.5 s and 15 s.
  int64_t heartbeat_interval_ms = 17'500;
  // Declare the connection lost when nothing arrives this long after our ping.
  int64_t heartbeat_timeout_ms = 15'000;
  // Fail a method call that has no result this long after it was first sent; 0 (default)
  // never times out. A resend after a reconnection does not restart the count.
  int64_t method_timeout_ms = 0;
  // The caller's clock, in milliseconds (any epoch). Default: std::chrono::steady_clock.
  std::function<int64_t()> now_millis;
  // Called for every event, synchronously, from inside the call that caused it. It must not
  // call back into the session. Default: none (the state accessors tell the same).
  std::function<void(const SessionEvent&)> on_event;
  // Seed of the generator of sub ids and method randomSeeds; IdGenerator::kRandomSeed (default)
  // seeds from the OS. Set it for reproducible frames.
  uint64_t id_seed = IdGenerator::kRandomSeed;
};

// A subscription as the session knows it.
struct Subscription {
  enum class State { kPending, kReady, kNosub, kUnsubscribed };
  std::string id;
  std::string name;
  query::Value params;  // null when sent without params
  State state = State::kPending;
  bool ever_ready = false;
  std::optional<query::Value> error;  // from nosub (plain JSON)
  uint64_t connection = 0;            // the connection it was last sent on
};

// A method call as the session knows it.
struct MethodCall {
  enum class State {
    kPending,           // sent on the current connection, no result yet
    kWaitingReconnect,  // the connection was lost before the result: resent on Connect()
    kReturned,          // the result frame arrived
    kFailed,            // see `failure`
  };
  std::string id;
  std::string name;
  // What the frame carried (resent unchanged): params (null when none) and the randomSeed.
  query::Value params;
  std::optional<std::string> random_seed;
  bool no_retry = false;
  // When it was first sent (the timeout counts from here), on which connection it was last
  // sent, and on how many connections it was sent.
  int64_t sent_at_ms = 0;
  uint64_t connection = 0;
  int sends = 0;
  State state = State::kPending;
  // kReturned: what the result frame said (both unset: the method returned nothing).
  std::optional<query::Value> result;  // EJSON
  std::optional<query::Value> error;   // plain JSON: an Error object, or a OneOffice string
  // kFailed: DeadlineExceeded (timeout) or Unavailable (connection lost, no_retry; or the
  // caller gave up waiting, FailWaitingCalls).
  absl::Status failure;
  // "updated" received: every write of the method is visible in the store. Also set, with a
  // kUpdated event, for a call whose result came on a lost connection without its "updated",
  // once the resync with the new server session is complete (Meteor's reconnect quiescence).
  bool updated = false;
};

struct NosubRecord {
  std::string id;
  std::optional<query::Value> error;
};

class Session {
 public:
  // REQUIRES: db != nullptr, and outlives the session.
  explicit Session(Database* db, SessionOptions options = {});
  // Resumes the database's observers if a resync held them paused.
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // ---- The transport ----

  // Starts a connection on a freshly opened transport: queues "connect" (with the previous
  // session id when there was one), then the "method" frame of every call waiting for a
  // reconnection (unchanged, in call order), then every live subscription again (Meteor's
  // order: methods such as a login run before the subscriptions are re-evaluated). Frames
  // queued for the previous connection and not taken are dropped first. Errors:
  // FailedPrecondition when stopped (version negotiation failed) or when a connection is
  // already open (call OnDisconnected first).
  absl::Status Connect();
  // The transport closed: pending method calls made with `no_retry` fail (Unavailable), the
  // others wait for the next Connect() (kWaitingReconnect), as do subscriptions. No-op when
  // not connected.
  void OnDisconnected();
  // Fails (with `why`'s code, the message naming each call) every call waiting for a
  // reconnection: for a caller that will not connect again. Emits kMethodFailed for each.
  void FailWaitingCalls(const absl::Status& why);
  // Frames to send, in order, since the last call (connect, sub, unsub, method, ping, pong).
  std::vector<std::string> TakeOutgoing();

  // ---- Calls ----

  // Subscribes; returns the sub id. The frame is queued now when a connection is open, else at
  // the next Connect(). `params`: null (none), an array (DDP 1) or an object (OneOffice).
  // Errors: InvalidArgument for other params.
  absl::StatusOr<std::string> Subscribe(std::string_view name,
                                        const query::Value& params = query::Value());
  // Queues "unsub". Errors: NotFound for an unknown sub id.
  absl::Status Unsubscribe(std::string_view id);
  // Calls a method; returns its id. The "method" frame goes out now (see CallOptions for what
  // a lost connection does to it). Errors: InvalidArgument for params that are not
  // null/array/object; FailedPrecondition when no connection is open.
  absl::StatusOr<std::string> Call(std::string_view method, const query::Value& params,
                                   CallOptions options);
  // The same with CallOptions{.no_retry = true, .random_seed = random_seed}: a call that fails
  // when the connection is lost before its result.
  absl::StatusOr<std::string> Call(std::string_view method,
                                   const query::Value& params = query::Value(),
                                   bool random_seed = true);

  // ---- Received frames ----

  // Handles one received frame, numbered by the session's own count of received frames
  // (1-based) or by `frame_number` (a recording's line number). Returns OK when the frame was
  // accepted (possibly with warnings) or ignored; otherwise the rejection: InvalidArgument
  // (malformed), AlreadyExists (added for an existing document), FailedPrecondition (out of
  // protocol: unknown document, unknown or repeated result, mixed ordered/unordered, after a
  // "failed"). A rejected frame changed nothing.
  absl::Status Receive(std::string_view text);
  absl::Status Receive(std::string_view text, uint64_t frame_number);
  // Handles frames as one batch, observers paused once around all of them. Returns one status
  // per frame. `first_frame_number` 0 continues the session's own count.
  std::vector<absl::Status> ReceiveBatch(std::span<const std::string_view> frames,
                                         uint64_t first_frame_number = 0);

  // Registers a frame the client sent by other means (a recording being replayed): connect,
  // sub, unsub, method, ping or pong. A connect starts a new connection after "failed" or a
  // disconnect, and also while a connection is open when it names a `session` (only a client
  // that lost its connection asks to resume one): the open connection is then taken as lost
  // (OnDisconnected) first, so the resync rules apply when the server answers. Any other
  // connect while open repeats the open one. A method frame with the id of an earlier call
  // (a resend after a reconnection) makes that call pending again. Errors: InvalidArgument for
  // a frame that is not a client message (nothing changes).
  absl::Status RecordSent(std::string_view text, uint64_t frame_number = 0);

  // ---- The clock ----

  // Runs the timers at the caller's clock: method timeouts and heartbeats. Call it regularly
  // (e.g. every second) and after any idle period.
  void Tick();

  // ---- State ----

  ConnectionState state() const { return state_; }
  // Why the session stopped, or why the connection was lost; OK otherwise.
  const absl::Status& status() const { return status_; }
  const std::string& session_id() const { return session_id_; }
  // The version proposed on the next (or current) connection.
  const std::string& version() const { return version_; }
  Database& database() { return *db_; }
  const Database& database() const { return *db_; }

  // nullptr when the id is unknown.
  const Subscription* FindSubscription(std::string_view id) const;
  const MethodCall* FindMethod(std::string_view id) const;
  // True once "ready" arrived for the sub (on the current connection).
  bool IsReady(std::string_view sub_id) const;
  // Sub ids that got "ready", first-seen order, once each (still listed after nosub).
  const std::vector<std::string>& ready_history() const { return ready_history_; }
  // One record per sub that got "nosub", in arrival order.
  const std::vector<NosubRecord>& nosub_history() const { return nosub_history_; }
  // Method ids whose result frame was accepted, in arrival order.
  const std::vector<std::string>& result_order() const { return result_order_; }
  // Collections that ever held an accepted document, in name order.
  const std::set<std::string, std::less<>>& collections() const { return collections_; }
  // The order of an ordered collection (fed with addedBefore), first to last; empty otherwise.
  std::vector<query::Value> Order(std::string_view collection) const;
  // Names of the ordered collections.
  std::vector<std::string> OrderedCollections() const;
  // True while a resync after reconnection waits for resent subscriptions.
  bool resyncing() const { return resyncing_; }

 private:
  class OrderedIds;
  enum class Mode { kUnordered, kOrdered };

  // Receive without the prefetch of the frame's document (ReceiveBatch starts it earlier).
  absl::Status ReceiveOne(std::string_view text, uint64_t frame_number);
  absl::Status Handle(ServerMessage& m, uint64_t frame);
  absl::Status HandleAdded(const ServerMessage& m, uint64_t frame);
  absl::Status HandleChanged(const ServerMessage& m, uint64_t frame);
  absl::Status HandleRemoved(const ServerMessage& m, uint64_t frame);
  absl::Status HandleAddedBefore(const ServerMessage& m, uint64_t frame);
  absl::Status HandleMovedBefore(const ServerMessage& m, uint64_t frame);
  void HandleReady(const ServerMessage& m, uint64_t frame);
  void HandleNosub(const ServerMessage& m, uint64_t frame);
  absl::Status HandleResult(const ServerMessage& m, uint64_t frame);
  void HandleUpdated(const ServerMessage& m, uint64_t frame);
  void HandleConnected(const ServerMessage& m, uint64_t frame);
  void HandleFailed(const ServerMessage& m, uint64_t frame);

  // Builds {_id: m.id, ...m.fields} in builder_.
  query::Value BuildDocument(const ServerMessage& m);
  // Inserts `doc` (validated first when the collection does not exist yet).
  absl::Status InsertDocument(std::string_view collection, const query::Value& doc);
  // True when the document is stale (held from before a reconnection, not yet re-sent).
  bool IsStale(std::string_view collection, query::ValueView id) const;
  void Unstale(std::string_view collection, query::ValueView id);

  void BeginConnection();
  void BeginResync();
  void MaybeFinishResync();
  // Pending calls: no_retry ones fail with `why`, the others wait for the next connection;
  // with `fail_all`, every pending or waiting call fails.
  void DetachPendingMethods(const absl::Status& why, bool fail_all);
  void FailMethod(MethodCall& call, const absl::Status& why);
  // Calls whose result came on an earlier connection without "updated": updated now.
  void FinishHalfDoneMethods(uint64_t frame);
  void ConnectionLost(absl::Status why);
  void PauseObservers();
  void ResumeObservers();
  void Queue(std::string frame);
  void Emit(SessionEvent event);
  absl::Status Reject(uint64_t frame, absl::Status status);
  absl::Status Bad(const ServerMessage& m, uint64_t frame, absl::StatusCode code,
                   std::string_view problem);
  int64_t Now() const;

  Database* db_;
  SessionOptions options_;
  IdGenerator ids_;
  query::ValueBuilder builder_;
  // Parses received frames; reused, so that a frame costs no parser set-up.
  std::unique_ptr<internal::FrameParser> parser_;

  ConnectionState state_ = ConnectionState::kIdle;
  absl::Status status_;
  std::string version_;
  std::string session_id_;
  std::string previous_session_id_;
  std::set<std::string> versions_tried_;
  uint64_t connection_ = 0;             // connections started so far
  uint64_t frames_on_connection_ = 0;   // frames received on the current connection
  bool connected_on_connection_ = false;
  bool ever_connected_ = false;
  uint64_t connected_connection_ = 0;   // the connection that got the last "connected"
  uint64_t received_frames_ = 0;        // the session's own frame count
  uint64_t next_method_id_ = 0;

  // Heartbeats.
  int64_t last_received_ms_ = 0;
  bool ping_outstanding_ = false;
  int64_t ping_sent_ms_ = 0;
  uint64_t next_ping_id_ = 0;

  std::vector<std::string> outgoing_;
  std::map<std::string, Subscription, std::less<>> subs_;
  std::map<std::string, MethodCall, std::less<>> methods_;
  // Method ids in the order they were first called (or recorded): the resend order.
  std::vector<std::string> call_order_;
  std::vector<std::string> ready_history_;
  std::set<std::string, std::less<>> ready_seen_;
  std::vector<NosubRecord> nosub_history_;
  std::set<std::string, std::less<>> nosub_seen_;
  std::vector<std::string> result_order_;

  std::set<std::string, std::less<>> collections_;
  std::map<std::string, Mode, std::less<>> modes_;
  std::map<std::string, std::unique_ptr<OrderedIds>, std::less<>> ordered_;

  // Resync after a reconnection.
  bool resyncing_ = false;
  bool observers_paused_ = false;
  std::set<std::string, std::less<>> resync_pending_subs_;
  std::map<std::string, absl::flat_hash_set<query::Value, query::ValueHash, query::ValueEq>,
           std::less<>>
      stale_;
};

}  // namespace minimongo::ddp

#endif  // MINIMONGO_DDP_SYNC_SESSION_H_
