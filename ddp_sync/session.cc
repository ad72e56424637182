#include "ddp_sync/session.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "fmt/format.h"
#include "query/ejson.h"

namespace minimongo::ddp {

using query::Value;
using query::ValueView;

namespace {

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

// A document id for messages: "f1" quoted, 7 bare.
std::string DescribeId(ValueView id) {
  query::EjsonOptions options;
  options.escape_extended_forms = false;
  std::string s = query::ToEjson(id, options);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out.append(", ");
    out.append(s);
  }
  return out;
}

}  // namespace

// The order of an ordered collection: a doubly linked list threaded through a hash map from
// id to neighbours, so addedBefore/movedBefore/removed are O(1) and Order() is O(n).
class Session::OrderedIds {
 public:
  bool Contains(ValueView id) const { return links_.contains(id); }

  // REQUIRES: !Contains(id); before is nullopt or Contains(*before).
  void InsertBefore(const Value& id, const std::optional<Value>& before) {
    Links links;
    if (!before) {
      links.prev = tail_;
      if (tail_) links_.find(*tail_)->second.next = id;
      tail_ = id;
      if (!head_) head_ = id;
    } else {
      Links& b = links_.find(*before)->second;
      links.prev = b.prev;
      links.next = *before;
      if (b.prev) {
        links_.find(*b.prev)->second.next = id;
      } else {
        head_ = id;
      }
      b.prev = id;
    }
    links_.emplace(id, std::move(links));
  }

  // Unlinks `id` when present.
  void Erase(ValueView id) {
    auto it = links_.find(id);
    if (it == links_.end()) return;
    Links links = std::move(it->second);
    links_.erase(it);
    if (links.prev) {
      links_.find(*links.prev)->second.next = links.next;
    } else {
      head_ = links.next;
    }
    if (links.next) {
      links_.find(*links.next)->second.prev = links.prev;
    } else {
      tail_ = links.prev;
    }
  }

  std::vector<Value> Ids() const {
    std::vector<Value> out;
    out.reserve(links_.size());
    for (std::optional<Value> at = head_; at; at = links_.find(*at)->second.next) {
      out.push_back(*at);
    }
    return out;
  }

 private:
  struct Links {
    std::optional<Value> prev;
    std::optional<Value> next;
  };
  absl::flat_hash_map<Value, Links, query::ValueHash, query::ValueEq> links_;
  std::optional<Value> head_;
  std::optional<Value> tail_;
};

Session::Session(Database* db, SessionOptions options)
    : db_(db), options_(std::move(options)), ids_(options_.id_seed) {
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
  BeginConnection();
  std::optional<std::string_view> resume;
  if (!session_id_.empty()) resume = session_id_;
  Queue(ConnectFrame(version_, options_.supported_versions, resume));
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

void Session::FailPendingMethods(const absl::Status& why) {
  for (auto& [id, call] : methods_) {
    if (call.state != MethodCall::State::kPending) continue;
    call.state = MethodCall::State::kFailed;
    call.failure = absl::Status(
        why.code(), fmt::format("method \"{}\" (id \"{}\"): {}", call.name, id, Msg(why)));
    SessionEvent e;
    e.kind = EventKind::kMethodFailed;
    e.id = id;
    e.status = call.failure;
    Emit(std::move(e));
  }
}

void Session::OnDisconnected() {
  if (state_ == ConnectionState::kIdle || state_ == ConnectionState::kStopped) return;
  if (state_ != ConnectionState::kFailed) state_ = ConnectionState::kDisconnected;
  ping_outstanding_ = false;
  FailPendingMethods(absl::UnavailableError("connection lost before the result"));
}

void Session::ConnectionLost(absl::Status why) {
  SessionEvent e;
  e.kind = EventKind::kConnectionLost;
  e.status = why;
  state_ = ConnectionState::kDisconnected;
  status_ = std::move(why);
  ping_outstanding_ = false;
  Emit(std::move(e));
  FailPendingMethods(absl::UnavailableError("connection lost before the result"));
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
  FailPendingMethods(absl::UnavailableError("the server refused the protocol version"));
  if (supported && !versions_tried_.contains(suggested)) {
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
// Resync after a reconnection

void Session::BeginResync() {
  stale_.clear();
  for (const std::string& name : collections_) {
    const Collection* c = db_->FindCollection(name);
    if (c == nullptr) continue;
    auto& ids = stale_[name];
    c->ForEachDocument([&](const Value& doc) { ids.insert(DocumentId(doc.view()).ToValue()); });
  }
  resync_pending_subs_.clear();
  for (const auto& [id, sub] : subs_) {
    if (sub.state == Subscription::State::kPending && sub.connection == connection_) {
      resync_pending_subs_.insert(id);
    }
  }
  resyncing_ = true;
  PauseObservers();
  MaybeFinishResync();
}

void Session::MaybeFinishResync() {
  if (!resyncing_ || !resync_pending_subs_.empty()) return;
  size_t removed = 0;
  for (auto& [name, ids] : stale_) {
    Collection* c = db_->FindCollection(name);
    auto ordered = ordered_.find(name);
    for (const Value& id : ids) {
      if (c != nullptr && c->RemoveById(id.view())) ++removed;
      if (ordered != ordered_.end()) ordered->second->Erase(id.view());
    }
  }
  stale_.clear();
  resyncing_ = false;
  ResumeObservers();
  SessionEvent e;
  e.kind = EventKind::kResynced;
  e.message = fmt::format("{} document(s) the server no longer sends were removed", removed);
  Emit(std::move(e));
}

bool Session::IsStale(std::string_view collection, ValueView id) const {
  if (!resyncing_) return false;
  auto it = stale_.find(collection);
  return it != stale_.end() && it->second.contains(id);
}

void Session::Unstale(std::string_view collection, ValueView id) {
  if (!resyncing_) return;
  auto it = stale_.find(collection);
  if (it != stale_.end()) it->second.erase(id);
}

// ---------------------------------------------------------------------------------------------
// Calls

absl::StatusOr<std::string> Session::Subscribe(std::string_view name, const Value& params) {
  if (!params.IsNull() && !params.IsArray() && !params.IsObject()) {
    return absl::InvalidArgumentError(fmt::format(
        "subscribe to \"{}\": params must be an array (DDP 1) or an object (OneOffice)", name));
  }
  std::string id;
  do {
    id = ids_.NextMeteorId();
  } while (subs_.contains(id));
  Subscription sub;
  sub.id = id;
  sub.name = std::string(name);
  sub.params = params;
  sub.connection = connection_;
  bool open = state_ == ConnectionState::kConnecting || state_ == ConnectionState::kConnected;
  if (open) Queue(SubFrame(id, name, params.view()));
  if (open && resyncing_) resync_pending_subs_.insert(id);
  subs_.emplace(id, std::move(sub));
  return id;
}

absl::Status Session::Unsubscribe(std::string_view id) {
  auto it = subs_.find(id);
  if (it == subs_.end()) {
    return absl::NotFoundError(fmt::format("unsubscribe: no subscription \"{}\"", id));
  }
  it->second.state = Subscription::State::kUnsubscribed;
  if (state_ == ConnectionState::kConnecting || state_ == ConnectionState::kConnected) {
    Queue(UnsubFrame(id));
  }
  resync_pending_subs_.erase(it->first);
  MaybeFinishResync();
  return absl::OkStatus();
}

absl::StatusOr<std::string> Session::Call(std::string_view method, const Value& params,
                                          bool random_seed) {
  if (!params.IsNull() && !params.IsArray() && !params.IsObject()) {
    return absl::InvalidArgumentError(fmt::format(
        "call \"{}\": params must be an array (DDP 1) or an object (OneOffice)", method));
  }
  if (state_ != ConnectionState::kConnecting && state_ != ConnectionState::kConnected) {
    return absl::FailedPreconditionError(
        fmt::format("call \"{}\": no connection is open", method));
  }
  std::string id;
  do {
    id = fmt::format("{}", ++next_method_id_);
  } while (methods_.contains(id));
  std::optional<std::string> seed;
  if (random_seed) seed = ids_.NextMeteorId();
  Queue(MethodFrame(id, method, params.view(), seed));
  MethodCall call;
  call.id = id;
  call.name = std::string(method);
  call.sent_at_ms = Now();
  methods_.emplace(id, std::move(call));
  return id;
}

absl::Status Session::RecordSent(std::string_view text, uint64_t frame_number) {
  absl::StatusOr<ClientMessage> m = DecodeClientFrame(text, frame_number);
  if (!m.ok()) return m.status();
  switch (m->type) {
    case MessageType::kConnect:
      // After "failed" or a disconnect the recording opened a new connection; otherwise this
      // is a repeated connect on the same one.
      if (state_ != ConnectionState::kConnecting && state_ != ConnectionState::kConnected) {
        BeginConnection();
      }
      version_ = std::string(m->version);
      break;
    case MessageType::kSub: {
      std::string id(*m->id);
      Subscription& sub = subs_[id];
      sub.id = id;
      sub.name = std::string(m->name);
      sub.params = m->params ? m->params->ToValue() : Value();
      sub.state = Subscription::State::kPending;
      sub.connection = connection_;
      if (resyncing_) resync_pending_subs_.insert(id);
      break;
    }
    case MessageType::kUnsub: {
      auto it = subs_.find(*m->id);
      if (it != subs_.end()) {
        it->second.state = Subscription::State::kUnsubscribed;
        resync_pending_subs_.erase(it->first);
        MaybeFinishResync();
      }
      break;
    }
    case MessageType::kMethod: {
      std::string id(*m->id);
      MethodCall& call = methods_[id];
      call = MethodCall();
      call.id = id;
      call.name = std::string(m->name);
      call.sent_at_ms = Now();
      break;
    }
    case MessageType::kPing:
    case MessageType::kPong:
    default:
      break;
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// The clock

void Session::Tick() {
  const int64_t now = Now();
  if (options_.method_timeout_ms > 0) {
    for (auto& [id, call] : methods_) {
      if (call.state != MethodCall::State::kPending) continue;
      if (now - call.sent_at_ms < options_.method_timeout_ms) continue;
      call.state = MethodCall::State::kFailed;
      call.failure = absl::DeadlineExceededError(
          fmt::format("method \"{}\" (id \"{}\"): no result within {} ms", call.name, id,
                      options_.method_timeout_ms));
      SessionEvent e;
      e.kind = EventKind::kMethodFailed;
      e.id = id;
      e.status = call.failure;
      Emit(std::move(e));
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
  received_frames_ = std::max(received_frames_, frame_number);
  ++frames_on_connection_;
  last_received_ms_ = Now();
  ping_outstanding_ = false;  // any frame is a sign of life
  absl::StatusOr<ServerMessage> m = DecodeServerFrame(text, frame_number);
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
  for (std::string_view text : frames) out.push_back(Receive(text, n++));
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

Value Session::BuildDocument(const ServerMessage& m) {
  builder_.Reset();
  builder_.BeginObject();
  builder_.Key("_id");
  builder_.Append(m.id);
  query::ObjectRange fields = m.fields.fields();
  builder_.AppendFields(fields.begin(), fields.end());  // one block copy of keys and values
  bool unique = builder_.EndObject();
  (void)unique;  // `fields` has unique keys and never "_id"
  return builder_.Finish();
}

absl::Status Session::InsertDocument(std::string_view collection, const Value& doc) {
  Collection* c = db_->FindCollection(collection);
  if (c == nullptr) {
    // Validate before creating the collection, so a rejected frame leaves no empty one behind.
    absl::Status s = Collection::ValidateDocument(doc.view());
    if (!s.ok()) return s;
    c = &db_->GetCollection(collection);
  }
  absl::StatusOr<Value> id = c->Insert(doc);
  if (!id.ok()) return id.status();
  if (!collections_.contains(collection)) collections_.emplace(collection);
  return absl::OkStatus();
}

absl::Status Session::HandleAdded(const ServerMessage& m, uint64_t frame) {
  auto mode = modes_.find(m.collection);
  if (mode != modes_.end() && mode->second == Mode::kOrdered) {
    return Bad(m, frame, absl::StatusCode::kFailedPrecondition,
               fmt::format("plain added into ordered collection {} (fed with addedBefore): "
                           "position unknown",
                           m.collection));
  }
  Value doc = BuildDocument(m);
  // Insert checks the id is new; only when it is not does the resync case need a look.
  absl::Status s = InsertDocument(m.collection, doc);
  if (s.code() == absl::StatusCode::kAlreadyExists) {
    if (!IsStale(m.collection, m.id)) {
      return Bad(m, frame, absl::StatusCode::kAlreadyExists,
                 fmt::format("added for existing document {}/{}", m.collection,
                             DescribeId(m.id)));
    }
    // Resync: the new server session sends the document again; it replaces ours.
    absl::StatusOr<bool> replaced = db_->FindCollection(m.collection)->ReplaceDocument(doc);
    if (!replaced.ok()) return Bad(m, frame, replaced.status().code(), Msg(replaced.status()));
    Unstale(m.collection, m.id);
    return absl::OkStatus();
  }
  if (!s.ok()) return Bad(m, frame, s.code(), fmt::format("invalid document: {}", Msg(s)));
  if (mode == modes_.end()) modes_.emplace(std::string(m.collection), Mode::kUnordered);
  return absl::OkStatus();
}

absl::Status Session::HandleChanged(const ServerMessage& m, uint64_t frame) {
  Collection* c = db_->FindCollection(m.collection);
  absl::StatusOr<bool> changed =
      c == nullptr ? absl::NotFoundError("no such collection")
                   : c->MergeTopLevelFields(m.id, m.fields, m.cleared);
  if (changed.ok()) return absl::OkStatus();
  if (changed.status().code() == absl::StatusCode::kNotFound) {
    return Bad(m, frame, absl::StatusCode::kFailedPrecondition,
               fmt::format("{} for unknown document {}/{}", MessageTypeName(m.type), m.collection,
                           DescribeId(m.id)));
  }
  return Bad(m, frame, changed.status().code(),
             fmt::format("invalid change: {}", Msg(changed.status())));
}

absl::Status Session::HandleRemoved(const ServerMessage& m, uint64_t frame) {
  Collection* c = db_->FindCollection(m.collection);
  if (c == nullptr || !c->RemoveById(m.id)) {
    return Bad(m, frame, absl::StatusCode::kFailedPrecondition,
               fmt::format("removed for unknown document {}/{}", m.collection, DescribeId(m.id)));
  }
  auto ordered = ordered_.find(m.collection);
  if (ordered != ordered_.end()) ordered->second->Erase(m.id);
  Unstale(m.collection, m.id);
  return absl::OkStatus();
}

absl::Status Session::HandleAddedBefore(const ServerMessage& m, uint64_t frame) {
  auto mode = modes_.find(m.collection);
  if (mode != modes_.end() && mode->second == Mode::kUnordered) {
    return Bad(m, frame, absl::StatusCode::kFailedPrecondition,
               fmt::format("addedBefore into collection {}, which was fed with plain added",
                           m.collection));
  }
  Collection* c = db_->FindCollection(m.collection);
  bool exists = c != nullptr && c->FindById(m.id).has_value();
  bool resent = exists && IsStale(m.collection, m.id);
  if (exists && !resent) {
    return Bad(m, frame, absl::StatusCode::kAlreadyExists,
               fmt::format("addedBefore for existing document {}/{}", m.collection,
                           DescribeId(m.id)));
  }
  OrderedIds* order = nullptr;
  if (auto it = ordered_.find(m.collection); it != ordered_.end()) order = it->second.get();
  if (m.before && (order == nullptr || !order->Contains(*m.before) ||
                   (resent && query::ValuesEqual(*m.before, m.id)))) {
    return Bad(m, frame, absl::StatusCode::kFailedPrecondition,
               fmt::format("\"before\" names an unknown document {}/{}", m.collection,
                           DescribeId(*m.before)));
  }
  Value doc = BuildDocument(m);
  if (resent) {
    absl::StatusOr<bool> replaced = c->ReplaceDocument(doc);
    if (!replaced.ok()) return Bad(m, frame, replaced.status().code(), Msg(replaced.status()));
    order->Erase(m.id);
    Unstale(m.collection, m.id);
  } else {
    absl::Status s = InsertDocument(m.collection, doc);
    if (!s.ok()) return Bad(m, frame, s.code(), fmt::format("invalid document: {}", Msg(s)));
  }
  if (order == nullptr) {
    auto inserted = ordered_.emplace(std::string(m.collection), std::make_unique<OrderedIds>());
    order = inserted.first->second.get();
  }
  std::optional<Value> before;
  if (m.before) before = m.before->ToValue();
  order->InsertBefore(m.id.ToValue(), before);
  if (mode == modes_.end()) modes_.emplace(std::string(m.collection), Mode::kOrdered);
  return absl::OkStatus();
}

absl::Status Session::HandleMovedBefore(const ServerMessage& m, uint64_t frame) {
  auto mode = modes_.find(m.collection);
  if (mode != modes_.end() && mode->second == Mode::kUnordered) {
    return Bad(m, frame, absl::StatusCode::kFailedPrecondition,
               fmt::format("movedBefore in collection {}, which is not ordered (fed with plain "
                           "added)",
                           m.collection));
  }
  auto it = ordered_.find(m.collection);
  OrderedIds* order = it == ordered_.end() ? nullptr : it->second.get();
  if (order == nullptr || !order->Contains(m.id)) {
    return Bad(m, frame, absl::StatusCode::kFailedPrecondition,
               fmt::format("movedBefore for unknown document {}/{}", m.collection,
                           DescribeId(m.id)));
  }
  if (m.before && !order->Contains(*m.before)) {
    return Bad(m, frame, absl::StatusCode::kFailedPrecondition,
               fmt::format("\"before\" names an unknown document {}/{}", m.collection,
                           DescribeId(*m.before)));
  }
  Value id = m.id.ToValue();
  order->Erase(id.view());
  std::optional<Value> before;
  if (m.before) before = m.before->ToValue();
  order->InsertBefore(id, before);
  return absl::OkStatus();
}

void Session::HandleReady(const ServerMessage& m, uint64_t frame) {
  for (const std::string& id : m.ids) {
    auto it = subs_.find(id);
    if (it == subs_.end()) {
      SessionEvent w;
      w.kind = EventKind::kWarning;
      w.frame = frame;
      w.message = fmt::format("ddp frame {} (msg \"ready\"): ready for sub \"{}\", which was "
                              "never sent",
                              frame, id);
      Emit(std::move(w));
    } else {
      Subscription& sub = it->second;
      if (sub.state == Subscription::State::kPending) sub.state = Subscription::State::kReady;
      sub.ever_ready = true;
    }
    if (!ready_seen_.contains(id)) {
      ready_seen_.insert(id);
      ready_history_.push_back(id);
    }
    SessionEvent e;
    e.kind = EventKind::kReady;
    e.frame = frame;
    e.id = id;
    Emit(std::move(e));
    resync_pending_subs_.erase(id);
  }
  MaybeFinishResync();
}

void Session::HandleNosub(const ServerMessage& m, uint64_t frame) {
  std::string id(*m.message_id);
  auto it = subs_.find(id);
  if (it == subs_.end()) {
    SessionEvent w;
    w.kind = EventKind::kWarning;
    w.frame = frame;
    w.message = fmt::format("ddp frame {} (msg \"nosub\"): nosub for sub \"{}\", which was "
                            "never sent",
                            frame, id);
    Emit(std::move(w));
  } else {
    it->second.state = Subscription::State::kNosub;
    it->second.error = m.error;
  }
  if (!nosub_seen_.contains(id)) {
    nosub_seen_.insert(id);
    nosub_history_.push_back(NosubRecord{id, m.error});
  }
  SessionEvent e;
  e.kind = EventKind::kNosub;
  e.frame = frame;
  e.id = id;
  if (m.error) {
    std::string text;
    AppendPlainJson(m.error->view(), &text);
    e.status = absl::UnavailableError(fmt::format("subscription \"{}\" ended: {}", id, text));
  }
  Emit(std::move(e));
  resync_pending_subs_.erase(id);
  MaybeFinishResync();
}

absl::Status Session::HandleResult(const ServerMessage& m, uint64_t frame) {
  auto it = methods_.find(*m.message_id);
  if (it == methods_.end()) {
    return Bad(m, frame, absl::StatusCode::kFailedPrecondition,
               fmt::format("result for method id \"{}\", which was never called", *m.message_id));
  }
  MethodCall& call = it->second;
  if (call.state == MethodCall::State::kReturned) {
    return Bad(m, frame, absl::StatusCode::kFailedPrecondition,
               fmt::format("second result for method id \"{}\"", *m.message_id));
  }
  if (call.state == MethodCall::State::kFailed) {
    return Bad(m, frame, absl::StatusCode::kFailedPrecondition,
               fmt::format("result for method id \"{}\", which already failed here: {}",
                           *m.message_id, Msg(call.failure)));
  }
  call.state = MethodCall::State::kReturned;
  if (m.error) {
    call.error = m.error;
  } else if (m.result) {
    call.result = m.result->ToValue();
  }
  result_order_.push_back(call.id);
  SessionEvent e;
  e.kind = EventKind::kResult;
  e.frame = frame;
  e.id = call.id;
  Emit(std::move(e));
  return absl::OkStatus();
}

void Session::HandleUpdated(const ServerMessage& m, uint64_t frame) {
  for (const std::string& id : m.ids) {
    auto it = methods_.find(id);
    if (it == methods_.end()) {
      SessionEvent w;
      w.kind = EventKind::kWarning;
      w.frame = frame;
      w.message = fmt::format("ddp frame {} (msg \"updated\"): method id \"{}\" was never called",
                              frame, id);
      Emit(std::move(w));
      continue;
    }
    it->second.updated = true;
    SessionEvent e;
    e.kind = EventKind::kUpdated;
    e.frame = frame;
    e.id = id;
    Emit(std::move(e));
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

std::vector<Value> Session::Order(std::string_view collection) const {
  auto it = ordered_.find(collection);
  if (it == ordered_.end()) return {};
  return it->second->Ids();
}

std::vector<std::string> Session::OrderedCollections() const {
  std::vector<std::string> out;
  for (const auto& [name, order] : ordered_) out.push_back(name);
  return out;
}

}  // namespace minimongo::ddp
