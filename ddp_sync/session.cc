// Session core: the outgoing queue, events, connections and version negotiation, the clock,
// and the dispatch of received frames (session.h).

#include "ddp_sync/session.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include "fmt/format.h"
#include "ddp_sync/internal/frame_decoding.h"
#include "ddp_sync/internal/frame_peek.h"
#include "ddp_sync/internal/session_internal.h"
#include "query/ejson.h"

namespace minimongo::ddp {

using query::Value;
using query::ValueView;

using internal::Msg;

namespace {

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out.append(", ");
    out.append(s);
  }
  return out;
}

}  // namespace

Session::Session(Database* db, SessionOptions options)
    : db_(db),
      options_(std::move(options)),
      ids_(options_.id_seed),
      parser_(std::make_unique<internal::FrameParser>()) {
  if (!options_.supported_versions.empty()) version_ = options_.supported_versions.front();
}

Session::~Session() { ResumeObservers(); }

int64_t Session::Now() const {
  if (options_.now_millis) return options_.now_millis();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Session::Queue(std::string frame) { outgoing_.push_back(std::move(frame)); }

std::vector<std::string> Session::TakeOutgoing() {
  std::vector<std::string> out;
  out.swap(outgoing_);
  return out;
}

void Session::Emit(SessionEvent event) {
  if (options_.on_event) options_.on_event(event);
}

absl::Status Session::Reject(uint64_t frame, absl::Status status) {
  SessionEvent e;
  e.kind = EventKind::kRejected;
  e.frame = frame;
  e.status = status;
  Emit(std::move(e));
  return status;
}

absl::Status Session::Bad(const ServerMessage& m, uint64_t frame, absl::StatusCode code,
                          std::string_view problem) {
  std::string text = fmt::format("ddp frame {} (msg \"{}\"): {}", frame,
                                 MessageTypeName(m.type), problem);
  return Reject(frame, absl::Status(code, text));
}

// The observers of the whole database are paused around a batch and for a resync, so live
// queries see one net change. Paused at most once by the session at a time.
void Session::PauseObservers() {
  if (observers_paused_) return;
  observers_paused_ = true;
  db_->PauseObservers();
}

void Session::ResumeObservers() {
  if (!observers_paused_) return;
  observers_paused_ = false;
  db_->ResumeObservers();
}

// ---------------------------------------------------------------------------------------------
// Connections

void Session::BeginConnection() {
  ++connection_;
  frames_on_connection_ = 0;
  connected_on_connection_ = false;
  state_ = ConnectionState::kConnecting;
  status_ = absl::OkStatus();
  ping_outstanding_ = false;
  last_received_ms_ = Now();
}

absl::Status Session::Connect() {
  if (state_ == ConnectionState::kStopped) return status_;
  if (state_ == ConnectionState::kConnecting || state_ == ConnectionState::kConnected) {
    return absl::FailedPreconditionError(
        "ddp session: a connection is already open (call OnDisconnected first)");
  }
  // Frames queued for the lost connection and never taken (a method sent just before the loss,
  // a pong) are not for this one: what must go out again is queued below.
  outgoing_.clear();
  BeginConnection();
  std::optional<std::string_view> resume;
  if (!session_id_.empty()) resume = session_id_;
  Queue(ConnectFrame(version_, options_.supported_versions, resume));
  // Calls lost in flight go out again unchanged (same id, params and randomSeed, so that the
  // server can recognise the retry), before the subscriptions, as Meteor's onReset does: a
  // method such as a login then runs before the subscriptions are evaluated again.
  for (const std::string& id : call_order_) {
    auto it = methods_.find(id);
    if (it == methods_.end() || it->second.state != MethodCall::State::kWaitingReconnect) {
      continue;
    }
    MethodCall& call = it->second;
    call.state = MethodCall::State::kPending;
    call.connection = connection_;
    ++call.sends;
    Queue(MethodFrame(call.id, call.name, call.params.view(), call.random_seed));
  }
  // Resubscribe: every subscription not ended is sent again, optimistically (the spec allows
  // messages right after connect).
  for (auto& [id, sub] : subs_) {
    if (sub.state == Subscription::State::kUnsubscribed ||
        sub.state == Subscription::State::kNosub) {
      continue;
    }
    sub.state = Subscription::State::kPending;
    sub.connection = connection_;
    Queue(SubFrame(sub.id, sub.name, sub.params.view()));
  }
  return absl::OkStatus();
}

void Session::FailMethod(MethodCall& call, const absl::Status& why) {
  call.state = MethodCall::State::kFailed;
  call.failure = absl::Status(
      why.code(), fmt::format("method \"{}\" (id \"{}\"): {}", call.name, call.id, Msg(why)));
  SessionEvent e;
  e.kind = EventKind::kMethodFailed;
  e.id = call.id;
  e.status = call.failure;
  Emit(std::move(e));
}

void Session::DetachPendingMethods(const absl::Status& why, bool fail_all) {
  for (const std::string& id : call_order_) {
    auto it = methods_.find(id);
    if (it == methods_.end()) continue;
    MethodCall& call = it->second;
    bool waiting = call.state == MethodCall::State::kWaitingReconnect;
    if (call.state != MethodCall::State::kPending && !(fail_all && waiting)) continue;
    if (fail_all || call.no_retry) {
      FailMethod(call, why);
    } else {
      call.state = MethodCall::State::kWaitingReconnect;
    }
  }
}

void Session::FailWaitingCalls(const absl::Status& why) {
  for (const std::string& id : call_order_) {
    auto it = methods_.find(id);
    if (it == methods_.end() || it->second.state != MethodCall::State::kWaitingReconnect) {
      continue;
    }
    FailMethod(it->second, why);
  }
}

void Session::OnDisconnected() {
  if (state_ == ConnectionState::kIdle || state_ == ConnectionState::kStopped) return;
  if (state_ != ConnectionState::kFailed) state_ = ConnectionState::kDisconnected;
  ping_outstanding_ = false;
  DetachPendingMethods(absl::UnavailableError("connection lost before the result"),
                       /*fail_all=*/false);
}

void Session::ConnectionLost(absl::Status why) {
  SessionEvent e;
  e.kind = EventKind::kConnectionLost;
  e.status = why;
  state_ = ConnectionState::kDisconnected;
  status_ = std::move(why);
  ping_outstanding_ = false;
  Emit(std::move(e));
  DetachPendingMethods(absl::UnavailableError("connection lost before the result"),
                       /*fail_all=*/false);
}

void Session::HandleConnected(const ServerMessage& m, uint64_t frame) {
  if (connected_on_connection_) {
    SessionEvent w;
    w.kind = EventKind::kWarning;
    w.frame = frame;
    w.message = "second \"connected\" on the same connection";
    Emit(std::move(w));
  }
  connected_on_connection_ = true;
  state_ = ConnectionState::kConnected;
  std::string previous = session_id_;
  session_id_ = std::string(m.session);
  SessionEvent e;
  e.kind = EventKind::kConnected;
  e.frame = frame;
  e.id = session_id_;
  Emit(std::move(e));
  // A new server session after an earlier one knows nothing of our documents: it sends them
  // all again. The same session id means the server resumed it and keeps sending changes.
  bool reconnection = ever_connected_ && connection_ > connected_connection_;
  ever_connected_ = true;
  if (reconnection && session_id_ != previous) BeginResync();
  connected_connection_ = connection_;
}

void Session::HandleFailed(const ServerMessage& m, uint64_t frame) {
  std::string suggested(m.version);
  SessionEvent e;
  e.kind = EventKind::kFailed;
  e.frame = frame;
  e.id = suggested;
  Emit(std::move(e));
  versions_tried_.insert(version_);
  bool supported = std::find(options_.supported_versions.begin(),
                             options_.supported_versions.end(),
                             suggested) != options_.supported_versions.end();
  ping_outstanding_ = false;
  const bool retry = supported && !versions_tried_.contains(suggested);
  // A new connection follows with the suggested version: calls that may be retried wait for
  // it. Otherwise the session stops and no call will ever be answered.
  DetachPendingMethods(absl::UnavailableError("the server refused the protocol version"),
                       /*fail_all=*/!retry);
  if (retry) {
    version_ = suggested;
    state_ = ConnectionState::kFailed;
    return;
  }
  state_ = ConnectionState::kStopped;
  status_ = absl::FailedPreconditionError(fmt::format(
      "ddp version negotiation failed: the server suggests version \"{}\", {} (we speak {})",
      suggested, supported ? "which it already refused" : "which we do not support",
      Joined(options_.supported_versions)));
  SessionEvent s;
  s.kind = EventKind::kStopped;
  s.frame = frame;
  s.status = status_;
  Emit(std::move(s));
}


// ---------------------------------------------------------------------------------------------
// The clock

void Session::Tick() {
  const int64_t now = Now();
  if (options_.method_timeout_ms > 0) {
    // The deadline counts from the first send: a reconnection does not extend the caller's
    // wait, so a flapping connection cannot keep a call alive forever.
    for (const std::string& id : call_order_) {
      auto it = methods_.find(id);
      if (it == methods_.end()) continue;
      MethodCall& call = it->second;
      if (call.state != MethodCall::State::kPending &&
          call.state != MethodCall::State::kWaitingReconnect) {
        continue;
      }
      if (now - call.sent_at_ms < options_.method_timeout_ms) continue;
      FailMethod(call, absl::DeadlineExceededError(
                           fmt::format("no result within {} ms", options_.method_timeout_ms)));
    }
  }
  if (state_ != ConnectionState::kConnected || options_.heartbeat_interval_ms <= 0) return;
  if (ping_outstanding_) {
    if (now - ping_sent_ms_ >= options_.heartbeat_timeout_ms) {
      ConnectionLost(absl::UnavailableError(fmt::format(
          "ddp heartbeat: nothing received within {} ms of our ping", options_.heartbeat_timeout_ms)));
    }
    return;
  }
  if (now - last_received_ms_ >= options_.heartbeat_interval_ms) {
    Queue(PingFrame(fmt::format("hb-{}", ++next_ping_id_)));
    ping_outstanding_ = true;
    ping_sent_ms_ = now;
  }
}

// ---------------------------------------------------------------------------------------------
// Received frames

absl::Status Session::Receive(std::string_view text) {
  return Receive(text, received_frames_ + 1);
}

absl::Status Session::Receive(std::string_view text, uint64_t frame_number) {
  // Start loading the index entry of the frame's document: it arrives while the frame is
  // parsed (ReceiveBatch goes further, see there).
  if (std::optional<internal::FrameTarget> target = internal::PeekFrameTarget(text)) {
    if (const Collection* c = db_->FindCollection(target->collection)) {
      c->PrefetchIdEntry(target->id);
    }
  }
  return ReceiveOne(text, frame_number);
}

absl::Status Session::ReceiveOne(std::string_view text, uint64_t frame_number) {
  received_frames_ = std::max(received_frames_, frame_number);
  ++frames_on_connection_;
  last_received_ms_ = Now();
  ping_outstanding_ = false;  // any frame is a sign of life
  // The message may view parser_'s buffer: it is handled before the next frame is parsed.
  absl::StatusOr<ServerMessage> m =
      internal::DecodeServerFrameReusing(text, frame_number, parser_.get());
  if (!m.ok()) return Reject(frame_number, m.status());
  return Handle(*m, frame_number);
}

std::vector<absl::Status> Session::ReceiveBatch(std::span<const std::string_view> frames,
                                                uint64_t first_frame_number) {
  std::vector<absl::Status> out;
  out.reserve(frames.size());
  uint64_t n = first_frame_number != 0 ? first_frame_number : received_frames_ + 1;
  bool pause = frames.size() > 1 && !observers_paused_;
  if (pause) PauseObservers();
  // A data frame waits on three dependent loads of the store (its document's index entry,
  // slot and bytes). Frame i is handled while the loads of later frames are started, one
  // stage each, from a peek at their text (Collection's prefetch hints; a wrong guess costs
  // only a wasted prefetch). The collection is looked up again at each stage: handling a frame
  // may create collections, and an event callback could drop one.
  constexpr size_t kTextAhead = 20, kEntryAhead = 12, kSlotAhead = 8, kDocAhead = 4, kRing = 16;
  static_assert(kDocAhead < kSlotAhead && kSlotAhead < kEntryAhead && kEntryAhead < kRing &&
                kEntryAhead < kTextAhead);
  struct Stage {
    bool active = false;
    std::string_view collection;
    Collection::IdPrefetch prefetch;
  };
  std::array<Stage, kRing> ring;
  auto start_text = [&](size_t k) {
    const char* p = frames[k].data();
    for (size_t offset = 0; offset < frames[k].size(); offset += 64) __builtin_prefetch(p + offset);
  };
  auto start_entry = [&](size_t k) {
    Stage& st = ring[k % kRing];
    st = Stage{};
    std::optional<internal::FrameTarget> target = internal::PeekFrameTarget(frames[k]);
    if (!target) return;
    const Collection* c = db_->FindCollection(target->collection);
    if (c == nullptr) return;
    st.active = true;
    st.collection = target->collection;
    st.prefetch = c->PrefetchIdEntry(target->id);
  };
  auto start_slot = [&](size_t k) {
    Stage& st = ring[k % kRing];
    if (!st.active) return;
    if (const Collection* c = db_->FindCollection(st.collection)) c->PrefetchIdSlot(&st.prefetch);
  };
  auto start_document = [&](size_t k) {
    const Stage& st = ring[k % kRing];
    if (!st.active) return;
    if (const Collection* c = db_->FindCollection(st.collection)) c->PrefetchIdDocument(st.prefetch);
  };
  const size_t count = frames.size();
  for (size_t k = 0; k < count && k < kTextAhead; ++k) start_text(k);
  for (size_t k = 0; k < count && k < kEntryAhead; ++k) start_entry(k);
  for (size_t k = 0; k < count && k < kSlotAhead; ++k) start_slot(k);
  for (size_t k = 0; k < count && k < kDocAhead; ++k) start_document(k);
  for (size_t i = 0; i < count; ++i) {
    if (i + kTextAhead < count) start_text(i + kTextAhead);
    if (i + kEntryAhead < count) start_entry(i + kEntryAhead);
    if (i + kSlotAhead < count) start_slot(i + kSlotAhead);
    if (i + kDocAhead < count) start_document(i + kDocAhead);
    out.push_back(ReceiveOne(frames[i], n++));
  }
  // A resync that began inside the batch keeps the observers paused until it ends.
  if (pause && !resyncing_) ResumeObservers();
  return out;
}

absl::Status Session::Handle(ServerMessage& m, uint64_t frame) {
  if (m.type == MessageType::kNone) {
    if (frames_on_connection_ == 1) {
      SessionEvent e;
      e.kind = EventKind::kIgnored;
      e.frame = frame;
      e.message = "first frame of the connection without \"msg\" (a server_id greeting)";
      Emit(std::move(e));
      return absl::OkStatus();
    }
    return Reject(frame, absl::InvalidArgumentError(fmt::format(
                             "ddp frame {}: frame has no \"msg\" field (only the first frame of a "
                             "connection may lack it)",
                             frame)));
  }
  if (state_ == ConnectionState::kFailed || state_ == ConnectionState::kStopped) {
    return Bad(m, frame, absl::StatusCode::kFailedPrecondition,
               "frame after \"failed\": the server closes the connection after refusing the "
               "version");
  }
  for (const std::string& w : m.warnings) {
    SessionEvent e;
    e.kind = EventKind::kWarning;
    e.frame = frame;
    e.message = fmt::format("ddp frame {} (msg \"{}\"): {}", frame, MessageTypeName(m.type), w);
    Emit(std::move(e));
  }
  switch (m.type) {
    case MessageType::kConnected:
      HandleConnected(m, frame);
      return absl::OkStatus();
    case MessageType::kFailed:
      HandleFailed(m, frame);
      return absl::OkStatus();
    case MessageType::kPing:
      Queue(m.message_id ? PongFrame(*m.message_id) : PongFrame());
      return absl::OkStatus();
    case MessageType::kPong:
      return absl::OkStatus();
    case MessageType::kAdded:
      return HandleAdded(m, frame);
    case MessageType::kChanged:
      return HandleChanged(m, frame);
    case MessageType::kRemoved:
      return HandleRemoved(m, frame);
    case MessageType::kAddedBefore:
      return HandleAddedBefore(m, frame);
    case MessageType::kMovedBefore:
      return HandleMovedBefore(m, frame);
    case MessageType::kReady:
      HandleReady(m, frame);
      return absl::OkStatus();
    case MessageType::kNosub:
      HandleNosub(m, frame);
      return absl::OkStatus();
    case MessageType::kResult:
      return HandleResult(m, frame);
    case MessageType::kUpdated:
      if (m.dialect == Dialect::kOneOffice) return HandleChanged(m, frame);
      HandleUpdated(m, frame);
      return absl::OkStatus();
    case MessageType::kError: {
      SessionEvent e;
      e.kind = EventKind::kServerError;
      e.frame = frame;
      e.message = std::string(m.reason);
      Emit(std::move(e));
      return absl::OkStatus();
    }
    default:
      // DecodeServerFrame never returns client-only types.
      return Bad(m, frame, absl::StatusCode::kInternal, "unexpected message type");
  }
}

// ---------------------------------------------------------------------------------------------
// State

const Subscription* Session::FindSubscription(std::string_view id) const {
  auto it = subs_.find(id);
  return it == subs_.end() ? nullptr : &it->second;
}

const MethodCall* Session::FindMethod(std::string_view id) const {
  auto it = methods_.find(id);
  return it == methods_.end() ? nullptr : &it->second;
}

bool Session::IsReady(std::string_view sub_id) const {
  const Subscription* sub = FindSubscription(sub_id);
  return sub != nullptr && sub->state == Subscription::State::kReady;
}


}  // namespace minimongo::ddp
