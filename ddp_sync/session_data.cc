// Session: data messages merged into the store (added, changed, removed, addedBefore,
// movedBefore), ordered collections, and the resync after a reconnection (session.h).

#include "ddp_sync/session.h"

#include <memory>
#include <optional>
#include <utility>

#include "fmt/format.h"
#include "ddp_sync/internal/frame_decoding.h"
#include "ddp_sync/internal/session_internal.h"
#include "query/ejson.h"

namespace minimongo::ddp {

using query::Value;
using query::ValueView;

using internal::Msg;

namespace {

// A document id for messages.
std::string DescribeId(ValueView id) { return internal::DescribeDocumentId(id); }

}  // namespace

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
  FinishHalfDoneMethods(0);
}

// A call whose result came on a lost connection, but not its "updated", was not resent (it
// ran; only the news of its writes was lost). The new server session has just sent everything
// the store now holds, the method's writes included, so its data is as visible as it will get:
// Meteor runs such a call's data-visible callback at the reconnect's quiescence, the same point.
void Session::FinishHalfDoneMethods(uint64_t frame) {
  for (const std::string& id : call_order_) {
    auto it = methods_.find(id);
    if (it == methods_.end()) continue;
    MethodCall& call = it->second;
    if (call.state != MethodCall::State::kReturned || call.updated ||
        call.connection >= connection_) {
      continue;
    }
    call.updated = true;
    SessionEvent u;
    u.kind = EventKind::kUpdated;
    u.frame = frame;
    u.id = id;
    Emit(std::move(u));
  }
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
// Data messages

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
