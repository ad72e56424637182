// Routing and indexes of the observe engine: how a live query is filed (its route, its
// prefilters, the value indexes that choose the route and seed the query) and how a change finds
// its candidate queries. See observe_engine.h and docs/observe.md.

#include "minimongo/internal/observe_engine.h"

#include <algorithm>
#include <utility>

#include "minimongo/collection.h"

namespace minimongo::internal {

using query::FieldPath;
using query::Value;
using query::ValueView;

namespace {

ValueView IdOf(const Value& doc) { return doc.view().fields().begin()->value; }

// An owning copy that shares no buffer with `v`'s document, so that an index key does not keep
// an old version of a document alive.
Value OwnedCopy(ValueView v) {
  Value shared = v.ToValue();
  if (shared.HeapBytes() == 0) return shared;
  query::ValueBuilder b;
  b.Append(v);
  return b.Finish();
}

void CollectFrom(ValueView v, const FieldPath& path, size_t i, bool via_index,
                 std::vector<ValueView>* out) {
  if (i == path.size()) {
    if (v.IsArray() && !via_index) {
      for (ValueView e : v.elements()) out->push_back(e);
    }
    out->push_back(v);
    return;
  }
  if (v.IsObject()) {
    if (std::optional<ValueView> child = v.Find(path.component(i))) {
      CollectFrom(*child, path, i + 1, false, out);
    }
    return;
  }
  if (!v.IsArray()) return;
  const size_t index = path.index(i);
  size_t k = 0;
  for (ValueView e : v.elements()) {
    if (e.IsObject()) CollectFrom(e, path, i, false, out);
    if (k == index) {
      if (i + 1 == path.size()) {
        CollectFrom(e, path, i + 1, true, out);
      } else if (e.IsObject() || e.IsArray()) {
        CollectFrom(e, path, i + 1, false, out);
      }
    }
    ++k;
  }
}

template <typename T>
void EraseAll(std::vector<T*>* v, T* x) {
  v->erase(std::remove(v->begin(), v->end(), x), v->end());
}

absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

void CollectPathValues(ValueView doc, const FieldPath& path, std::vector<ValueView>* out) {
  if (path.empty()) return;
  CollectFrom(doc, path, 0, false, out);
}

// ---------------------------------------------------------------------------------------------
// Value indexes and the choice of a route

ObserveEngine::ValueIndex* ObserveEngine::AcquireValueIndex(const std::string& path) {
  auto it = value_indexes_.find(path);
  if (it != value_indexes_.end()) {
    ++it->second->refs;
    return it->second.get();
  }
  absl::StatusOr<FieldPath> parsed = FieldPath::Parse(path);
  if (!parsed.ok()) return nullptr;  // the selector accepted it, so this does not happen
  auto index = std::make_unique<ValueIndex>();
  index->path = std::move(*parsed);
  index->top = std::string(index->path.component(0));
  index->refs = 1;
  // One scan builds it; writes keep it current from then on.
  for (size_t slot = 0; slot < collection_->slots_.size(); ++slot) {
    const Value& doc = collection_->slots_[slot];
    if (doc.IsNull()) continue;
    values_.clear();
    CollectPathValues(doc.view(), index->path, &values_);
    for (ValueView v : values_) {
      auto vit = index->seqs.find(v);
      if (vit == index->seqs.end()) vit = index->seqs.try_emplace(OwnedCopy(v)).first;
      vit->second.insert(collection_->seqs_[slot]);
    }
  }
  ValueIndex* raw = index.get();
  value_indexes_.emplace(path, std::move(index));
  return raw;
}

void ObserveEngine::ReleaseValueIndex(const std::string& path) {
  auto it = value_indexes_.find(path);
  if (it == value_indexes_.end()) return;
  if (--it->second->refs == 0) value_indexes_.erase(it);
}

void ObserveEngine::ChooseRoute(LiveQuery* q) {
  LiveQuery::Route& route = q->route;
  const query::Selector& selector = q->selector();
  if (const auto& ids = selector.id_values()) {
    route.kind = LiveQuery::Route::Kind::kId;
    route.values = *ids;
    return;
  }
  size_t best = SIZE_MAX;
  size_t best_count = SIZE_MAX;
  const auto& constants = selector.equality_constants();
  for (size_t i = 0; i < constants.size(); ++i) {
    const std::string& path = constants[i].first;
    ValueIndex* index = nullptr;
    if (std::find(route.index_paths.begin(), route.index_paths.end(), path) !=
        route.index_paths.end()) {
      index = value_indexes_.find(path)->second.get();
    } else {
      index = AcquireValueIndex(path);
      if (index == nullptr) continue;
      route.index_paths.push_back(path);
    }
    size_t count = 0;
    for (const Value& v : constants[i].second) {
      auto it = index->seqs.find(v);
      if (it != index->seqs.end()) count += it->second.size();
    }
    if (count < best_count) {
      best_count = count;
      best = i;
    }
  }
  if (best == SIZE_MAX) {
    route.kind = LiveQuery::Route::Kind::kScan;
    return;
  }
  route.kind = LiveQuery::Route::Kind::kPath;
  route.path = constants[best].first;
  for (const Value& v : constants[best].second) {
    bool seen = false;
    for (const Value& w : route.values) seen = seen || query::ValuesEqual(v.view(), w.view());
    if (!seen) route.values.push_back(v);
  }
  for (size_t i = 0; i < constants.size(); ++i) {
    if (i == best) continue;
    auto [it, inserted] = prefilter_paths_.try_emplace(constants[i].first);
    if (inserted) {
      absl::StatusOr<FieldPath> parsed = FieldPath::Parse(constants[i].first);
      if (!parsed.ok()) {  // the selector accepted it, so this does not happen
        prefilter_paths_.erase(it);
        continue;
      }
      it->second = std::make_unique<PrefilterPath>();
      it->second->path = *std::move(parsed);
    }
    ++it->second->refs;
    route.prefilters.push_back({it->second.get(), constants[i].second});
  }
}

const std::vector<ValueView>& ObserveEngine::PrefilterValues(PrefilterPath* p, const Value& doc,
                                                             bool old_version, uint64_t stamp) {
  if (p->stamp != stamp) {
    p->stamp = stamp;
    p->old_done = p->new_done = false;
  }
  bool& done = old_version ? p->old_done : p->new_done;
  std::vector<ValueView>& values = old_version ? p->old_values : p->new_values;
  if (!done) {
    done = true;
    values.clear();
    CollectPathValues(doc.view(), p->path, &values);
  }
  return values;
}

bool ObserveEngine::PassesRoute(const RouteEntry& entry, const DocChange& change,
                                uint64_t stamp) {
  switch (entry.check) {
    case RouteEntry::Check::kNone:
      return true;
    case RouteEntry::Check::kQuery:
      return (change.old_doc != nullptr &&
              PassesPrefilters(*entry.query, *change.old_doc, true, stamp)) ||
             (change.new_doc != nullptr &&
              PassesPrefilters(*entry.query, *change.new_doc, false, stamp));
    case RouteEntry::Check::kInline:
      for (int version = 0; version < 2; ++version) {
        const Value* doc = version == 0 ? change.old_doc : change.new_doc;
        if (doc == nullptr) continue;
        for (ValueView v : PrefilterValues(entry.path, *doc, version == 0, stamp)) {
          if (query::ValuesEqual(v, entry.value.view())) return true;
        }
      }
      return false;
  }
  return true;
}

bool ObserveEngine::PassesPrefilters(const LiveQuery& q, const Value& doc, bool old_version,
                                     uint64_t stamp) {
  for (const LiveQuery::Route::Prefilter& f : q.route.prefilters) {
    const std::vector<ValueView>& values =
        PrefilterValues(static_cast<PrefilterPath*>(f.path), doc, old_version, stamp);
    bool found = false;
    for (ValueView v : values) {
      for (const Value& c : f.values) found = found || query::ValuesEqual(v, c.view());
      if (found) break;
    }
    if (!found) return false;
  }
  return true;
}

void ObserveEngine::Seed(LiveQuery* q) {
  const LiveQuery::Route& route = q->route;
  switch (route.kind) {
    case LiveQuery::Route::Kind::kNone:
      return;
    case LiveQuery::Route::Kind::kId:
      for (const Value& id : route.values) {
        const int64_t slot = collection_->FindSlot(id.view());
        if (slot >= 0) q->Seed(collection_->slots_[slot], collection_->seqs_[slot]);
      }
      return;
    case LiveQuery::Route::Kind::kPath: {
      const ValueIndex& index = *value_indexes_.find(route.path)->second;
      std::vector<uint64_t> seqs;
      for (const Value& v : route.values) {
        auto it = index.seqs.find(v);
        if (it != index.seqs.end()) seqs.insert(seqs.end(), it->second.begin(), it->second.end());
      }
      std::sort(seqs.begin(), seqs.end());
      seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
      // The selector's other equality constraints are requirements too: a candidate missing
      // from one of their value indexes cannot match, and is dropped without reading the
      // document (documents are what costs cache misses: {parent: k, ext: "pdf"} reads a
      // tenth of the folder).
      std::vector<std::vector<const absl::flat_hash_set<uint64_t>*>> filters;
      for (const auto& [path, values] : q->selector().equality_constants()) {
        auto index = value_indexes_.find(path);
        if (index == value_indexes_.end()) continue;
        if (path == route.path && values.size() == route.values.size()) continue;  // routed on
        std::vector<const absl::flat_hash_set<uint64_t>*> sets;
        for (const Value& v : values) {
          auto it = index->second->seqs.find(v);
          if (it != index->second->seqs.end()) sets.push_back(&it->second);
        }
        filters.push_back(std::move(sets));
      }
      for (uint64_t seq : seqs) {
        bool possible = true;
        for (const auto& sets : filters) {
          bool found = false;
          for (const auto* set : sets) found = found || set->contains(seq);
          if (!found) {
            possible = false;
            break;
          }
        }
        if (!possible) continue;
        if (const Value* doc = FindBySeq(seq)) q->Seed(*doc, seq);
      }
      return;
    }
    case LiveQuery::Route::Kind::kScan:
      for (size_t slot = 0; slot < collection_->slots_.size(); ++slot) {
        const Value& doc = collection_->slots_[slot];
        if (!doc.IsNull()) q->Seed(doc, collection_->seqs_[slot]);
      }
      return;
  }
}

void ObserveEngine::AddRoutes(LiveQuery* q) {
  const LiveQuery::Route& route = q->route;
  switch (route.kind) {
    case LiveQuery::Route::Kind::kNone:
      return;
    case LiveQuery::Route::Kind::kId:
      for (const Value& id : route.values) id_routes_[id].push_back(q);
      return;
    case LiveQuery::Route::Kind::kPath: {
      PathRoutes* routes = nullptr;
      for (auto& r : path_routes_) {
        if (r->path.dotted() == route.path) routes = r.get();
      }
      if (routes == nullptr) {
        auto created = std::make_unique<PathRoutes>();
        created->path = *FieldPath::Parse(route.path);  // parsed once already (ChooseRoute)
        created->top = std::string(created->path.component(0));
        routes = created.get();
        path_routes_.push_back(std::move(created));
      }
      ++routes->refs;
      RouteEntry entry;
      entry.query = q;
      if (route.prefilters.size() == 1 && route.prefilters[0].values.size() == 1) {
        entry.check = RouteEntry::Check::kInline;
        entry.path = static_cast<PrefilterPath*>(route.prefilters[0].path);
        entry.value = route.prefilters[0].values[0];
      } else if (!route.prefilters.empty()) {
        entry.check = RouteEntry::Check::kQuery;
      }
      for (const Value& v : route.values) routes->by_value[v].push_back(entry);
      return;
    }
    case LiveQuery::Route::Kind::kScan:
      scan_all_.push_back(q);
      for (const std::string& f : q->read_fields()) scan_by_field_[f].push_back(q);
      if (q->outputs_every_field()) {
        scan_every_field_.push_back(q);
      } else {
        for (const std::string& f : q->output_fields()) scan_by_field_[f].push_back(q);
      }
      return;
  }
}

void ObserveEngine::Unregister(LiveQuery* q) {
  q->registered = false;
  const LiveQuery::Route& route = q->route;
  switch (route.kind) {
    case LiveQuery::Route::Kind::kNone:
      break;
    case LiveQuery::Route::Kind::kId:
      for (const Value& id : route.values) {
        auto it = id_routes_.find(id);
        if (it == id_routes_.end()) continue;
        EraseAll(&it->second, q);
        if (it->second.empty()) id_routes_.erase(it);
      }
      break;
    case LiveQuery::Route::Kind::kPath:
      for (size_t i = 0; i < path_routes_.size(); ++i) {
        PathRoutes& r = *path_routes_[i];
        if (r.path.dotted() != route.path) continue;
        for (const Value& v : route.values) {
          auto it = r.by_value.find(v);
          if (it == r.by_value.end()) continue;
          std::vector<RouteEntry>& entries = it->second;
          entries.erase(std::remove_if(entries.begin(), entries.end(),
                                       [q](const RouteEntry& e) { return e.query == q; }),
                        entries.end());
          if (entries.empty()) r.by_value.erase(it);
        }
        if (--r.refs == 0) path_routes_.erase(path_routes_.begin() + i);
        break;
      }
      break;
    case LiveQuery::Route::Kind::kScan:
      EraseAll(&scan_all_, q);
      EraseAll(&scan_every_field_, q);
      for (auto it = scan_by_field_.begin(); it != scan_by_field_.end();) {
        EraseAll(&it->second, q);
        if (it->second.empty()) {
          scan_by_field_.erase(it++);
        } else {
          ++it;
        }
      }
      break;
  }
  for (const std::string& path : route.index_paths) ReleaseValueIndex(path);
  for (const LiveQuery::Route::Prefilter& f : route.prefilters) {
    auto* p = static_cast<PrefilterPath*>(f.path);
    if (--p->refs == 0) prefilter_paths_.erase(p->path.dotted());
  }
  q->DropSnapshot();
  queries_.erase(q->key());  // the caller holds a reference: `q` stays valid
}

// ---------------------------------------------------------------------------------------------
// Routing a change

void ObserveEngine::UpdateValueIndexes(const DocChange& change) {
  for (auto& [path, index] : value_indexes_) {
    if (!change.Touches(index->top)) continue;
    if (change.old_doc != nullptr) {
      values_.clear();
      CollectPathValues(change.old_doc->view(), index->path, &values_);
      for (ValueView v : values_) {
        auto it = index->seqs.find(v);
        if (it == index->seqs.end()) continue;
        it->second.erase(change.old_seq);
        if (it->second.empty()) index->seqs.erase(it);
      }
    }
    if (change.new_doc != nullptr) {
      values_.clear();
      CollectPathValues(change.new_doc->view(), index->path, &values_);
      for (ValueView v : values_) {
        auto it = index->seqs.find(v);
        if (it == index->seqs.end()) it = index->seqs.try_emplace(OwnedCopy(v)).first;
        it->second.insert(change.new_seq);
      }
    }
  }
}

void ObserveEngine::CollectCandidates(const DocChange& change, std::vector<LiveQuery*>* out) {
  out->clear();
  const uint64_t stamp = ++route_stamp_;
  auto add = [&](LiveQuery* q) {
    if (q->route_stamp == stamp) return;
    q->route_stamp = stamp;
    out->push_back(q);
  };
  auto add_all = [&](const std::vector<LiveQuery*>& qs) {
    for (LiveQuery* q : qs) add(q);
  };
  if (!id_routes_.empty()) {
    const Value& doc = change.new_doc != nullptr ? *change.new_doc : *change.old_doc;
    if (auto it = id_routes_.find(IdOf(doc)); it != id_routes_.end()) add_all(it->second);
  }
  for (const auto& routes : path_routes_) {
    values_.clear();
    // An update that leaves the path alone has the same values in both versions.
    if (change.old_doc != nullptr && change.Touches(routes->top)) {
      CollectPathValues(change.old_doc->view(), routes->path, &values_);
    }
    if (change.new_doc != nullptr) {
      CollectPathValues(change.new_doc->view(), routes->path, &values_);
    }
    for (ValueView v : values_) {
      auto it = routes->by_value.find(v);
      if (it == routes->by_value.end()) continue;
      for (const RouteEntry& entry : it->second) {
        // Neither version satisfying the other constraints: the query cannot be affected.
        if (PassesRoute(entry, change, stamp)) add(entry.query);
      }
    }
  }
  if (!scan_all_.empty()) {
    if (!change.is_update()) {
      add_all(scan_all_);
    } else {
      for (const FieldDelta& d : change.deltas) {
        if (auto it = scan_by_field_.find(AbslView(d.key)); it != scan_by_field_.end()) {
          add_all(it->second);
        }
      }
      add_all(scan_every_field_);
    }
  }
  if (out->size() > 1) {
    std::sort(out->begin(), out->end(),
              [](const LiveQuery* a, const LiveQuery* b) { return a->id() < b->id(); });
  }
}

const Value* ObserveEngine::FindBySeq(uint64_t seq) const {
  // Slots are in insertion order, so their sequence numbers ascend, and a document's slot is at
  // most its sequence number (equal until a compaction drops slots before it): try that slot,
  // else binary search below it.
  const std::vector<uint64_t>& seqs = collection_->seqs_;
  if (seqs.empty()) return nullptr;
  size_t slot = seq < seqs.size() ? static_cast<size_t>(seq) : seqs.size() - 1;
  if (seqs[slot] != seq) {
    auto it = std::lower_bound(seqs.begin(), seqs.begin() + slot + 1, seq);
    if (it == seqs.begin() + slot + 1 || *it != seq) return nullptr;
    slot = it - seqs.begin();
  }
  const Value& doc = collection_->slots_[slot];
  return doc.IsNull() ? nullptr : &doc;
}

}  // namespace minimongo::internal
