#include "minimongo/internal/observe_engine.h"

#include <algorithm>
#include <utility>

#include "fmt/format.h"
#include "minimongo/collection.h"
#include "query/ejson.h"
#include "query/internal/status_macros.h"

namespace minimongo::internal {

using query::Value;
using query::ValueView;

namespace {

ValueView IdOf(const Value& doc) { return doc.view().fields().begin()->value; }

}  // namespace

ObserveEngine::ObserveEngine(const Collection* collection) : collection_(collection) {}

ObserveEngine::~ObserveEngine() {
  // Observers still running when the collection goes away are stopped; their handles become
  // inert (they hold only a weak reference to the engine).
  for (auto& [key, q] : queries_) {
    for (auto& o : q->observers()) o->stopped = true;
  }
}

// ---------------------------------------------------------------------------------------------
// Registration

absl::StatusOr<ObserveHandle> ObserveEngine::ObserveChanges(const Value& selector,
                                                             const ObserveOptions& options,
                                                             ObserveChangesCallbacks callbacks) {
  if (callbacks.added && callbacks.added_before) {
    return absl::InvalidArgumentError("observe: please specify only one of added() and addedBefore()");
  }
  auto observer = std::make_shared<Observer>();
  observer->ordered = static_cast<bool>(callbacks.added_before) ||
                      static_cast<bool>(callbacks.moved_before);
  observer->documents = false;
  observer->changes = std::move(callbacks);
  observer->suppress_initial = options.suppress_initial;
  return Register(selector, options, std::move(observer));
}

absl::StatusOr<ObserveHandle> ObserveEngine::Observe(const Value& selector,
                                                     const ObserveOptions& options,
                                                     ObserveCallbacks callbacks) {
  if (callbacks.added && callbacks.added_at) {
    return absl::InvalidArgumentError("observe: please specify only one of added() and addedAt()");
  }
  if (callbacks.changed && callbacks.changed_at) {
    return absl::InvalidArgumentError(
        "observe: please specify only one of changed() and changedAt()");
  }
  if (callbacks.removed && callbacks.removed_at) {
    return absl::InvalidArgumentError(
        "observe: please specify only one of removed() and removedAt()");
  }
  auto observer = std::make_shared<Observer>();
  observer->ordered = callbacks.added_at || callbacks.changed_at || callbacks.removed_at ||
                      callbacks.moved_to;
  observer->documents = true;
  observer->docs = std::move(callbacks);
  observer->suppress_initial = options.suppress_initial;
  return Register(selector, options, std::move(observer));
}

absl::StatusOr<ObserveHandle> ObserveEngine::Register(const Value& selector,
                                                      const ObserveOptions& options,
                                                      std::shared_ptr<Observer> observer) {
  LiveQuery::Spec spec;
  spec.ordered = observer->ordered;
  spec.skip = options.skip;
  spec.limit = options.limit;
  const bool tree_mode = spec.ordered || spec.skip > 0 || spec.limit.has_value();
  std::string key = query::ToEjson(selector.view());
  key += '\x1f';
  if (tree_mode) {
    key += query::ToEjson(options.sort.view());
    key += fmt::format("\x1f{}\x1f{}\x1f{}", spec.skip, spec.limit ? std::to_string(*spec.limit) : "-",
                       spec.ordered ? "ordered" : "unordered");
  }
  key += '\x1f';
  key += query::ToEjson(options.projection.view());

  std::shared_ptr<LiveQuery> q;
  if (auto it = queries_.find(key); it != queries_.end()) {
    q = it->second;
  } else {
    ASSIGN_OR_RETURN(query::Selector compiled, query::Selector::Compile(selector.view()));
    spec.selector = std::make_shared<const query::Selector>(std::move(compiled));
    if (tree_mode && !options.sort.IsNull()) {
      ASSIGN_OR_RETURN(query::SortSpec sort, query::SortSpec::Compile(options.sort.view()));
      if (!sort.empty()) spec.sort = std::move(sort);
    }
    if (!options.projection.IsNull()) {
      ASSIGN_OR_RETURN(query::Projection projection,
                       query::Projection::Compile(options.projection.view()));
      if (!projection.ApplyToField("_id", Value::Int32(0).view())) {
        return absl::InvalidArgumentError(
            "observe: you may not observe a cursor with {fields: {_id: 0}}");
      }
      if (!projection.is_identity()) spec.projection = std::move(projection);
    }
    q = CreateQuery(std::move(key), std::move(spec));
  }

  observer->id = next_observer_id_++;
  observer->query = q.get();
  observer->first_event = next_event_seq_;
  q->observers().push_back(observer);
  q->CountObserver(*observer, +1);
  ObserveHandle handle(weak_from_this(), observer);
  if (paused_) {
    // Meteor: an observer started while paused gets its initial result at resume.
    observer->pending_initial = true;
    observer->first_event = UINT64_MAX;
    pending_observers_.push_back(observer);
  } else if (!observer->suppress_initial) {
    DeliverInitial(observer.get(),
                   q->InitialEvents(*this, !observer->documents, observer->documents));
  }
  return handle;
}

std::shared_ptr<LiveQuery> ObserveEngine::CreateQuery(std::string key, LiveQuery::Spec spec) {
  auto q = std::make_shared<LiveQuery>(next_query_id_++, key, std::move(spec));
  if (paused_) {
    q->created_during_pause = true;
    created_during_pause_.push_back(q);
  }
  ChooseRoute(q.get());
  Seed(q.get());
  AddRoutes(q.get());
  queries_.emplace(std::move(key), q);
  return q;
}

// ---------------------------------------------------------------------------------------------
// Changes

void ObserveEngine::RecordTouched(const DocChange& change) {
  const Value& doc = change.old_doc != nullptr ? *change.old_doc : *change.new_doc;
  const ValueView id = IdOf(doc);
  if (touched_index_.contains(id)) return;
  Touched t;
  t.id = id.ToValue();
  if (change.old_doc != nullptr) t.old_doc = *change.old_doc;
  touched_index_.emplace(t.id, touched_.size());
  touched_.push_back(std::move(t));
}

void ObserveEngine::OnChange(const Value* old_doc, uint64_t old_seq, const Value* new_doc,
                             uint64_t new_seq) {
  if (queries_.empty()) return;
  DocChange change;
  change.old_doc = old_doc;
  change.old_seq = old_seq;
  change.new_doc = new_doc;
  change.new_seq = new_seq;
  if (change.is_update()) {
    DiffTopLevel(old_doc->view(), new_doc->view(), &change.deltas);
    if (change.deltas.empty()) return;  // only the order of top-level fields changed
  }
  if (paused_) RecordTouched(change);
  if (!value_indexes_.empty()) UpdateValueIndexes(change);
  CollectCandidates(change, &candidates_);
  for (LiveQuery* q : candidates_) {
    if (!q->MayBeAffected(change)) continue;
    if (!paused_) {
      q->Apply(change, this);
      continue;
    }
    // Paused: keep the state current, silently; a windowed query first keeps a copy of the
    // window it had at pause time, to report the net difference at resume.
    if (q->tree_mode() && !q->created_during_pause && !q->has_snapshot()) {
      q->SnapshotWindow();
      snapshotted_.push_back(q->shared_from_this());
    }
    q->Apply(change, nullptr);
  }
}

// ---------------------------------------------------------------------------------------------
// Delivery

void ObserveEngine::Emit(LiveQuery* query, ObserveEvent event) {
  queue_.push_back({query->shared_from_this(), next_event_seq_++, std::move(event), nullptr});
}

void ObserveEngine::Call(Observer& o, const ObserveEvent& e) {
  using Kind = ObserveEvent::Kind;
  std::optional<ValueView> before;
  if (e.before) before = e.before->view();
  if (!o.documents) {
    const ObserveChangesCallbacks& cb = o.changes;
    switch (e.kind) {
      case Kind::kAdded:
        if (cb.added_before) cb.added_before(e.id.view(), e.fields.view(), before);
        if (cb.added) cb.added(e.id.view(), e.fields.view());
        break;
      case Kind::kChanged:
        if (cb.changed) cb.changed(e.id.view(), e.fields.view(), e.cleared);
        break;
      case Kind::kMoved:
        if (cb.moved_before) cb.moved_before(e.id.view(), before);
        break;
      case Kind::kRemoved:
        if (cb.removed) cb.removed(e.id.view());
        break;
    }
    return;
  }
  const ObserveCallbacks& cb = o.docs;
  switch (e.kind) {
    case Kind::kAdded:
      if (cb.added_at) {
        cb.added_at(e.doc, e.index, before);
      } else if (cb.added) {
        cb.added(e.doc);
      }
      break;
    case Kind::kChanged:
      if (cb.changed_at) {
        cb.changed_at(e.doc, e.old_doc, e.index);
      } else if (cb.changed) {
        cb.changed(e.doc, e.old_doc);
      }
      break;
    case Kind::kMoved:
      if (cb.moved_to) cb.moved_to(e.doc, e.index, e.to, before);
      break;
    case Kind::kRemoved:
      if (cb.removed_at) {
        cb.removed_at(e.doc, e.index);
      } else if (cb.removed) {
        cb.removed(e.doc);
      }
      break;
  }
}

void ObserveEngine::DeliverInitial(Observer* observer, std::vector<ObserveEvent> events) {
  // Writes made by these callbacks queue their events; they are delivered after the initial
  // result (by the Flush below, or by the delivery loop this registration runs inside).
  const bool outer = !delivering_;
  delivering_ = true;
  for (const ObserveEvent& e : events) {
    if (observer->stopped) break;
    Call(*observer, e);
  }
  if (outer) {
    delivering_ = false;
    Flush();
  }
}

void ObserveEngine::Deliver(const QueuedEvent& queued) {
  if (queued.target) {
    if (!queued.target->stopped) Call(*queued.target, queued.event);
    return;
  }
  // Index loop: a callback may start observers (appended) or stop them (marked, removed only
  // after the delivery loop), so each Observer stays alive while it runs.
  const std::vector<std::shared_ptr<Observer>>& observers = queued.query->observers();
  for (size_t i = 0; i < observers.size(); ++i) {
    Observer* o = observers[i].get();
    if (o->stopped || queued.seq < o->first_event) continue;
    Call(*o, queued.event);
  }
}

void ObserveEngine::Flush() {
  if (delivering_) return;
  delivering_ = true;
  while (!queue_.empty()) {
    QueuedEvent queued = std::move(queue_.front());
    queue_.pop_front();
    Deliver(queued);
  }
  delivering_ = false;
  CleanupObservers();
}

void ObserveEngine::CleanupObservers() {
  for (const auto& q : needs_cleanup_) {
    auto& observers = q->observers();
    observers.erase(std::remove_if(observers.begin(), observers.end(),
                                   [](const std::shared_ptr<Observer>& o) { return o->stopped; }),
                    observers.end());
  }
  needs_cleanup_.clear();
}

void ObserveEngine::Stop(Observer* observer) {
  if (observer->stopped) return;
  observer->stopped = true;
  LiveQuery* q = observer->query;
  observer->query = nullptr;
  if (q == nullptr) return;
  std::shared_ptr<LiveQuery> keep = q->shared_from_this();
  q->CountObserver(*observer, -1);
  needs_cleanup_.push_back(keep);
  if (!delivering_) CleanupObservers();
  if (q->live_observers() == 0 && q->registered) Unregister(q);
}

// ---------------------------------------------------------------------------------------------
// Pause and resume

void ObserveEngine::Pause() { paused_ = true; }

void ObserveEngine::Resume() {
  if (!paused_) return;
  paused_ = false;

  // The current version of each document touched while paused.
  std::vector<const Value*> current(touched_.size(), nullptr);
  for (size_t i = 0; i < touched_.size(); ++i) {
    const int64_t slot = collection_->FindSlot(touched_[i].id.view());
    if (slot >= 0) current[i] = &collection_->slots_[slot];
  }

  struct Work {
    std::shared_ptr<LiveQuery> query;
    std::vector<size_t> touched;
  };
  std::vector<Work> work;
  absl::flat_hash_map<LiveQuery*, size_t> work_of;
  auto work_for = [&](LiveQuery* q) -> Work& {
    auto [it, inserted] = work_of.try_emplace(q, work.size());
    if (inserted) work.push_back({q->shared_from_this(), {}});
    return work[it->second];
  };
  // Unordered queries: the net change of each touched document (their state is already
  // current; membership at pause time is the selector on the version of that time).
  for (size_t i = 0; i < touched_.size(); ++i) {
    DocChange change;
    change.old_doc = touched_[i].old_doc ? &*touched_[i].old_doc : nullptr;
    change.new_doc = current[i];
    if (change.old_doc == nullptr && change.new_doc == nullptr) continue;
    if (change.is_update()) {
      DiffTopLevel(change.old_doc->view(), change.new_doc->view(), &change.deltas);
      if (change.deltas.empty()) continue;
    }
    CollectCandidates(change, &candidates_);
    for (LiveQuery* q : candidates_) {
      if (!q->tree_mode() && !q->created_during_pause && q->MayBeAffected(change)) {
        work_for(q).touched.push_back(i);
      }
    }
  }
  for (const auto& q : snapshotted_) {
    if (q->registered) work_for(q.get());
  }
  for (const auto& o : pending_observers_) {
    if (!o->stopped) work_for(o->query);
  }
  std::sort(work.begin(), work.end(),
            [](const Work& a, const Work& b) { return a.query->id() < b.query->id(); });

  for (Work& w : work) {
    LiveQuery* q = w.query.get();
    if (q->tree_mode()) {
      q->EmitSnapshotDiff(this);
    } else {
      for (size_t i : w.touched) {
        const Value* old_doc = touched_[i].old_doc ? &*touched_[i].old_doc : nullptr;
        q->EmitNetChange(old_doc, current[i], this);
      }
    }
    // Observers started while paused: their initial result, after the others' differences.
    auto& observers = q->observers();
    for (size_t k = 0; k < observers.size(); ++k) {
      const std::shared_ptr<Observer> o = observers[k];
      if (o->stopped || !o->pending_initial) continue;
      o->pending_initial = false;
      o->first_event = next_event_seq_;
      if (o->suppress_initial) continue;
      for (ObserveEvent& e : q->InitialEvents(*this, !o->documents, o->documents)) {
        queue_.push_back({w.query, next_event_seq_++, std::move(e), o});
      }
    }
  }
  for (const auto& q : snapshotted_) q->DropSnapshot();
  for (const auto& q : created_during_pause_) q->created_during_pause = false;
  touched_.clear();
  touched_index_.clear();
  snapshotted_.clear();
  pending_observers_.clear();
  created_during_pause_.clear();
  Flush();
}

}  // namespace minimongo::internal

namespace minimongo {

ObserveHandle& ObserveHandle::operator=(ObserveHandle&& other) noexcept {
  if (this != &other) {
    Stop();
    engine_ = std::move(other.engine_);
    observer_ = std::move(other.observer_);
  }
  return *this;
}

void ObserveHandle::Stop() {
  if (!observer_) return;
  std::shared_ptr<internal::Observer> observer = std::move(observer_);
  observer_.reset();
  if (std::shared_ptr<internal::ObserveEngine> engine = engine_.lock()) {
    engine->Stop(observer.get());
  } else {
    observer->stopped = true;
  }
  engine_.reset();
}

bool ObserveHandle::stopped() const { return !observer_ || observer_->stopped; }

}  // namespace minimongo
