#include "minimongo/internal/live_query.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "minimongo/internal/window_diff.h"
#include "query/value_order.h"

namespace minimongo::internal {

using query::Field;
using query::Value;
using query::ValueView;

namespace {

ValueView IdOf(const Value& doc) { return doc.view().fields().begin()->value; }

std::string_view TopField(std::string_view path) { return path.substr(0, path.find('.')); }

void AddTopFields(const std::vector<std::string>& paths, std::vector<std::string>* out) {
  for (const std::string& p : paths) out->emplace_back(TopField(p));
}

void SortUnique(std::vector<std::string>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

bool Contains(const std::vector<std::string>& sorted, std::string_view key) {
  return std::binary_search(sorted.begin(), sorted.end(), key,
                            [](std::string_view a, std::string_view b) { return a < b; });
}

// Builds `fields` (an object of new values) and `cleared` from deltas, skipping _id.
void FieldsFromDeltas(const std::vector<FieldDelta>& deltas, Value* fields,
                      std::vector<std::string>* cleared) {
  query::ValueBuilder b;
  b.BeginObject();
  for (const FieldDelta& d : deltas) {
    if (d.key == "_id") continue;
    if (d.new_value) {
      b.Key(d.key);
      b.Append(*d.new_value);
    } else {
      cleared->emplace_back(d.key);
    }
  }
  (void)b.EndObject();  // keys come from one object each: distinct
  *fields = b.Finish();
}

}  // namespace

bool SameValue(ValueView a, ValueView b) {
  if (a.type() != b.type()) return false;
  const size_t n = a.payload_size();
  return n == b.payload_size() && std::memcmp(a.payload(), b.payload(), n) == 0;
}

void DiffTopLevel(ValueView old_doc, ValueView new_doc, std::vector<FieldDelta>* out) {
  // Fast path: walk both in step while the keys agree (the usual case after an update that
  // keeps the field order); fall back to lookups from the first disagreement on.
  auto o = old_doc.fields().begin(), o_end = old_doc.fields().end();
  auto n = new_doc.fields().begin(), n_end = new_doc.fields().end();
  for (; o != o_end && n != n_end && o->key == n->key; ++o, ++n) {
    if (!SameValue(o->value, n->value)) out->push_back({n->key, o->value, n->value});
  }
  if (o == o_end && n == n_end) return;
  const auto o_rest = o;
  for (; n != n_end; ++n) {
    std::optional<ValueView> before;
    for (auto k = o_rest; k != o_end; ++k) {
      if (k->key == n->key) {
        before = k->value;
        break;
      }
    }
    if (!before || !SameValue(*before, n->value)) out->push_back({n->key, before, n->value});
  }
  for (auto k = o_rest; k != o_end; ++k) {
    bool present = false;
    for (auto m = new_doc.fields().begin(); m != n_end; ++m) {
      if (m->key == k->key) {
        present = true;
        break;
      }
    }
    if (!present) out->push_back({k->key, k->value, std::nullopt});
  }
}

Value WithoutId(ValueView doc) {
  query::ValueBuilder b;
  b.Reserve(doc.payload_size());
  b.BeginObject();
  auto first = doc.fields().begin();
  const auto end = doc.fields().end();
  if (first != end && first->key == "_id") {
    ++first;
    b.AppendFields(first, end);  // one block copy of every other field
  } else {
    for (auto it = first; it != end; ++it) {
      if (it->key == "_id") continue;
      b.Key(it->key);
      b.Append(it->value);
    }
  }
  (void)b.EndObject();  // a subset of an object's keys: distinct
  return b.Finish();
}

bool DocChange::Touches(std::string_view key) const {
  if (!is_update()) return true;
  for (const FieldDelta& d : deltas) {
    if (d.key == key) return true;
  }
  return false;
}

void DocChange::ComputeIdentityDiff() const {
  if (identity_done_) return;
  identity_done_ = true;
  FieldsFromDeltas(deltas, &identity_fields_, &identity_cleared_);
}

const Value& DocChange::IdentityFields() const {
  ComputeIdentityDiff();
  return identity_fields_;
}

const std::vector<std::string>& DocChange::IdentityCleared() const {
  ComputeIdentityDiff();
  return identity_cleared_;
}

// ---------------------------------------------------------------------------------------------

bool LiveQuery::EntryLess::operator()(const Entry& a, const Entry& b) const {
  if (sort != nullptr) {
    const int c = sort->CompareKeys(a.key, b.key);
    if (c != 0) return c < 0;
  }
  return a.seq < b.seq;
}

LiveQuery::LiveQuery(uint64_t id, std::string key, Spec spec)
    : id_(id),
      key_(std::move(key)),
      spec_(std::move(spec)),
      tree_mode_(spec_.ordered || spec_.skip > 0 || spec_.limit.has_value()),
      tree_(EntryLess{spec_.sort ? &*spec_.sort : nullptr}) {
  AddTopFields(spec_.selector->paths(), &selector_fields_);
  SortUnique(&selector_fields_);
  read_fields_ = selector_fields_;
  if (tree_mode_ && spec_.sort) AddTopFields(spec_.sort->paths(), &read_fields_);
  SortUnique(&read_fields_);
  if (spec_.projection && !spec_.projection->is_identity()) {
    identity_projection_ = false;
    if (spec_.projection->is_inclusion()) {
      outputs_every_field_ = false;
      AddTopFields(spec_.projection->paths(), &output_fields_);
      SortUnique(&output_fields_);
    }
  }
}

size_t LiveQuery::window_end() const {
  if (!spec_.limit) return SIZE_MAX;
  return *spec_.limit > SIZE_MAX - spec_.skip ? SIZE_MAX : spec_.skip + *spec_.limit;
}

void LiveQuery::CountObserver(const Observer& o, int delta) {
  size_t& count = o.documents ? document_observers_ : change_observers_;
  count += delta;
}

bool LiveQuery::MayBeAffected(const DocChange& change) const {
  // Without a projection every changed field is visible (an update has at least one).
  if (!change.is_update() || identity_projection_) return true;
  for (const FieldDelta& d : change.deltas) {
    if (Contains(read_fields_, d.key)) return true;
    if (d.key == "_id") continue;
    if (spec_.projection->MayOutputField(d.key)) return true;
  }
  return false;
}

bool LiveQuery::SelectorTouched(const DocChange& change) const {
  if (!change.is_update()) return true;
  for (const FieldDelta& d : change.deltas) {
    if (Contains(selector_fields_, d.key)) return true;
  }
  return false;
}

LiveQuery::Entry LiveQuery::MakeEntry(const Value& doc, uint64_t seq) const {
  Entry e;
  if (spec_.sort) e.key = spec_.sort->ExtractKey(doc.view());
  e.seq = seq;
  e.doc = doc;
  return e;
}

Value LiveQuery::Project(const Value& doc) const {
  if (identity_projection_) return doc;
  if (spec_.projection->needs_match_details()) {
    query::MatchDetails details;
    spec_.selector->Matches(doc, &details);
    return spec_.projection->Apply(doc.view(), &details);
  }
  return spec_.projection->Apply(doc.view());
}

bool LiveQuery::VisibleChange(const Value& old_doc, const Value& new_doc, const DocChange* change,
                              Value* fields, std::vector<std::string>* cleared) const {
  if (identity_projection_ && change != nullptr) {
    *fields = change->IdentityFields();
    *cleared = change->IdentityCleared();
    return fields->size() > 0 || !cleared->empty();
  }
  std::vector<FieldDelta> local;
  const std::vector<FieldDelta>* deltas = change != nullptr ? &change->deltas : nullptr;
  if (identity_projection_ || spec_.projection->needs_match_details()) {
    // Compare the projected documents as wholes: a positional projection's output depends
    // on how the selector matched, not only on the field's own value.
    const Value po = Project(old_doc);
    const Value pn = Project(new_doc);
    DiffTopLevel(po.view(), pn.view(), &local);
    FieldsFromDeltas(local, fields, cleared);
    return fields->size() > 0 || !cleared->empty();
  }
  if (deltas == nullptr) {
    DiffTopLevel(old_doc.view(), new_doc.view(), &local);
    deltas = &local;
  }
  std::vector<FieldDelta> visible;
  std::vector<Value> keep;  // owns the projected values `visible` points into
  keep.reserve(2 * deltas->size());
  for (const FieldDelta& d : *deltas) {
    if (d.key == "_id" || !spec_.projection->MayOutputField(d.key)) continue;
    std::optional<Value> po, pn;
    if (d.old_value) po = spec_.projection->ApplyToField(d.key, *d.old_value);
    if (d.new_value) pn = spec_.projection->ApplyToField(d.key, *d.new_value);
    if (!po && !pn) continue;
    if (po && pn && SameValue(po->view(), pn->view())) continue;
    FieldDelta v{d.key, std::nullopt, std::nullopt};
    if (pn) {
      keep.push_back(std::move(*pn));
      v.new_value = keep.back().view();
    }
    visible.push_back(v);
  }
  FieldsFromDeltas(visible, fields, cleared);
  return fields->size() > 0 || !cleared->empty();
}

ObserveEvent LiveQuery::Added(const Value& doc, size_t index,
                              std::optional<Value> before) const {
  ObserveEvent e;
  e.kind = ObserveEvent::Kind::kAdded;
  e.id = IdOf(doc).ToValue();
  Value projected = Project(doc);
  if (need_fields()) e.fields = WithoutId(projected.view());
  if (need_docs()) e.doc = std::move(projected);
  e.before = std::move(before);
  e.index = index;
  return e;
}

ObserveEvent LiveQuery::Removed(const Value& old_doc, size_t index) const {
  ObserveEvent e;
  e.kind = ObserveEvent::Kind::kRemoved;
  e.id = IdOf(old_doc).ToValue();
  if (need_docs()) e.doc = Project(old_doc);
  e.index = index;
  return e;
}

bool LiveQuery::Changed(const Value& old_doc, const Value& new_doc, const DocChange* change,
                        size_t index, ObserveEvent* out) const {
  ObserveEvent e;
  if (!VisibleChange(old_doc, new_doc, change, &e.fields, &e.cleared)) return false;
  e.kind = ObserveEvent::Kind::kChanged;
  e.id = IdOf(new_doc).ToValue();
  if (need_docs()) {
    e.doc = Project(new_doc);
    e.old_doc = Project(old_doc);
  }
  e.index = index;
  *out = std::move(e);
  return true;
}

ObserveEvent LiveQuery::Moved(const Value& doc, size_t from, size_t to,
                              std::optional<Value> before) const {
  ObserveEvent e;
  e.kind = ObserveEvent::Kind::kMoved;
  e.id = IdOf(doc).ToValue();
  if (need_docs()) e.doc = Project(doc);
  e.before = std::move(before);
  e.index = from;
  e.to = to;
  return e;
}

void LiveQuery::Seed(const Value& doc, uint64_t seq) {
  if (!spec_.selector->Matches(doc)) return;
  if (!tree_mode_) {
    members_.insert(seq);
    return;
  }
  handle_of_[seq] = tree_.Insert(MakeEntry(doc, seq));
}

void LiveQuery::Apply(const DocChange& change, EventSink* sink) {
  if (tree_mode_) {
    ApplyTree(change, sink);
  } else {
    ApplySet(change, sink);
  }
}

void LiveQuery::ApplySet(const DocChange& change, EventSink* sink) {
  const bool old_member = change.old_doc != nullptr && members_.contains(change.old_seq);
  bool new_member = false;
  if (change.new_doc != nullptr) {
    new_member = change.is_update() && !SelectorTouched(change)
                     ? old_member
                     : spec_.selector->Matches(*change.new_doc);
  }
  if (old_member && !new_member) {
    members_.erase(change.old_seq);
    if (sink != nullptr) sink->Emit(this, Removed(*change.old_doc, 0));
  } else if (!old_member && new_member) {
    members_.insert(change.new_seq);
    if (sink != nullptr) sink->Emit(this, Added(*change.new_doc, 0, std::nullopt));
  } else if (old_member && new_member && sink != nullptr) {
    ObserveEvent e;
    if (Changed(*change.old_doc, *change.new_doc, &change, 0, &e)) sink->Emit(this, std::move(e));
  }
}

void LiveQuery::EmitNetChange(const Value* old_doc, const Value* new_doc, EventSink* sink) {
  const bool old_member = old_doc != nullptr && spec_.selector->Matches(*old_doc);
  const bool new_member = new_doc != nullptr && spec_.selector->Matches(*new_doc);
  if (old_member && !new_member) {
    sink->Emit(this, Removed(*old_doc, 0));
  } else if (!old_member && new_member) {
    sink->Emit(this, Added(*new_doc, 0, std::nullopt));
  } else if (old_member && new_member) {
    ObserveEvent e;
    if (Changed(*old_doc, *new_doc, nullptr, 0, &e)) sink->Emit(this, std::move(e));
  }
}

// Tree mode. A change removes the document D from rank `ro` and/or inserts it at rank `rn`;
// every other document's rank moves by at most one, so besides D only the documents at old
// ranks skip-1, skip, end-1 and end (end = skip + limit) can enter or leave the window
// [skip, end). We classify those (at most four) and D before touching the tree, then apply
// the change, then emit: removals (highest old rank first, so each index is exact), D's
// change and move, then additions (highest new rank first, each before its successor in the
// new window, which is then already in the observer's view).
void LiveQuery::ApplyTree(const DocChange& change, EventSink* sink) {
  Tree::Handle old_h = Tree::kNone;
  if (change.old_doc != nullptr) {
    auto it = handle_of_.find(change.old_seq);
    if (it != handle_of_.end()) old_h = it->second;
  }
  const bool old_member = old_h != Tree::kNone;
  bool new_member = false;
  if (change.new_doc != nullptr) {
    new_member = change.is_update() && !SelectorTouched(change)
                     ? old_member
                     : spec_.selector->Matches(*change.new_doc);
  }
  if (!old_member && !new_member) return;

  const size_t s = spec_.skip;
  const size_t e = window_end();
  auto in_window = [&](size_t r) { return r >= s && r < e; };
  Entry new_entry;
  if (new_member) new_entry = MakeEntry(*change.new_doc, change.new_seq);
  const EntryLess less{spec_.sort ? &*spec_.sort : nullptr};

  // Same position: replace the entry in place.
  if (old_member && new_member && change.old_seq == change.new_seq &&
      (!spec_.sort || spec_.sort->CompareKeys(tree_.Get(old_h).key, new_entry.key) == 0)) {
    tree_.Mutable(old_h) = std::move(new_entry);
    if (sink == nullptr) return;
    const size_t r = tree_.Rank(old_h);
    ObserveEvent ev;
    if (in_window(r) && Changed(*change.old_doc, *change.new_doc, &change, r - s, &ev)) {
      sink->Emit(this, std::move(ev));
    }
    return;
  }

  const size_t ro = old_member ? tree_.Rank(old_h) : 0;
  size_t rn = 0;
  if (new_member) {
    rn = tree_.CountLess(new_entry);
    if (old_member && less(tree_.Get(old_h), new_entry)) --rn;
  }

  if (sink == nullptr) {
    if (old_member) {
      tree_.Erase(old_h);
      handle_of_.erase(change.old_seq);
    }
    if (new_member) handle_of_[change.new_seq] = tree_.Insert(std::move(new_entry));
    return;
  }

  struct Candidate {
    Value doc;
    size_t old_rank;
    size_t new_rank;
    bool in_old;
    bool in_new;
  };
  Candidate cands[4];
  size_t n_cands = 0;
  const size_t n_old = tree_.size();
  const size_t edge_ranks[4] = {s == 0 ? SIZE_MAX : s - 1, s, e == SIZE_MAX ? SIZE_MAX : e - 1,
                                e};
  for (size_t k = 0; k < 4; ++k) {
    const size_t r = edge_ranks[k];
    if (r >= n_old) continue;
    bool seen = false;
    for (size_t m = 0; m < n_cands; ++m) seen = seen || cands[m].old_rank == r;
    if (seen) continue;
    const Tree::Handle h = tree_.Select(r);
    if (h == old_h) continue;
    const Entry& x = tree_.Get(h);
    size_t r2 = r;
    if (old_member && ro < r) --r2;
    if (new_member && less(new_entry, x)) ++r2;
    if (in_window(r) == in_window(r2)) continue;  // stays in or out: no event
    cands[n_cands++] = {x.doc, r, r2, in_window(r), in_window(r2)};
  }
  const bool d_in_old = old_member && in_window(ro);
  const bool d_in_new = new_member && in_window(rn);

  if (old_member) {
    tree_.Erase(old_h);
    handle_of_.erase(change.old_seq);
  }
  Tree::Handle new_h = Tree::kNone;
  if (new_member) {
    new_h = tree_.Insert(std::move(new_entry));
    handle_of_[change.new_seq] = new_h;
  }
  const size_t n_new = tree_.size();
  const size_t new_end = std::min(e, n_new);
  auto id_at = [&](size_t r) -> std::optional<Value> {
    if (r >= new_end) return std::nullopt;
    return IdOf(tree_.Get(tree_.Select(r)).doc).ToValue();
  };

  // Removals, highest old rank first.
  struct Out {
    const Value* doc;
    size_t old_rank;
  };
  Out outs[5];
  size_t n_outs = 0;
  for (size_t k = 0; k < n_cands; ++k) {
    if (cands[k].in_old) outs[n_outs++] = {&cands[k].doc, cands[k].old_rank};
  }
  if (d_in_old && !d_in_new) outs[n_outs++] = {change.old_doc, ro};
  std::sort(outs, outs + n_outs, [](const Out& a, const Out& b) { return a.old_rank > b.old_rank; });
  for (size_t k = 0; k < n_outs; ++k) sink->Emit(this, Removed(*outs[k].doc, outs[k].old_rank - s));

  struct In {
    const Value* doc;
    size_t new_rank;
  };
  In ins[5];
  size_t n_ins = 0;
  for (size_t k = 0; k < n_cands; ++k) {
    if (cands[k].in_new) ins[n_ins++] = {&cands[k].doc, cands[k].new_rank};
  }
  if (d_in_new && !d_in_old) ins[n_ins++] = {change.new_doc, rn};
  auto ins_before = [&](size_t r) {
    size_t count = 0;
    for (size_t k = 0; k < n_ins; ++k) count += ins[k].new_rank < r;
    return count;
  };

  if (d_in_old && d_in_new) {
    size_t outs_before = 0;
    for (size_t k = 0; k < n_outs; ++k) outs_before += outs[k].old_rank < ro;
    const size_t from = ro - s - outs_before;
    const size_t to = rn - s - ins_before(rn);
    ObserveEvent ev;
    if (Changed(*change.old_doc, *change.new_doc, &change, from, &ev)) {
      sink->Emit(this, std::move(ev));
    }
    if (spec_.ordered && from != to) {
      // Its successor among the documents the observer keeps: skip those about to be added.
      std::optional<Value> before;
      for (size_t r = rn + 1; r < new_end; ++r) {
        bool entering = false;
        for (size_t k = 0; k < n_ins; ++k) entering = entering || ins[k].new_rank == r;
        if (!entering) {
          before = id_at(r);
          break;
        }
      }
      sink->Emit(this, Moved(*change.new_doc, from, to, std::move(before)));
    }
  }

  std::sort(ins, ins + n_ins, [](const In& a, const In& b) { return a.new_rank > b.new_rank; });
  for (size_t k = 0; k < n_ins; ++k) {
    const size_t r = ins[k].new_rank;
    std::optional<Value> before;
    if (spec_.ordered) before = id_at(r + 1);
    sink->Emit(this, Added(*ins[k].doc, r - s - ins_before(r), std::move(before)));
  }
}

std::vector<Value> LiveQuery::WindowDocs() const {
  std::vector<Value> out;
  const size_t end = std::min(window_end(), tree_.size());
  if (spec_.skip >= end) return out;
  out.reserve(end - spec_.skip);
  Tree::Handle h = tree_.Select(spec_.skip);
  for (size_t r = spec_.skip; r < end && h != Tree::kNone; ++r, h = tree_.Next(h)) {
    out.push_back(tree_.Get(h).doc);
  }
  return out;
}

std::vector<ObserveEvent> LiveQuery::InitialEvents(const DocLookup& lookup, bool fields,
                                                   bool docs) const {
  std::vector<ObserveEvent> out;
  auto add = [&](const Value& doc, size_t index) {
    ObserveEvent e;
    e.kind = ObserveEvent::Kind::kAdded;
    e.id = IdOf(doc).ToValue();
    Value projected = Project(doc);
    if (fields) e.fields = WithoutId(projected.view());
    if (docs) e.doc = std::move(projected);
    e.index = index;
    out.push_back(std::move(e));
  };
  if (tree_mode_) {
    std::vector<Value> window = WindowDocs();
    out.reserve(window.size());
    for (size_t i = 0; i < window.size(); ++i) add(window[i], i);
    return out;
  }
  std::vector<uint64_t> seqs(members_.begin(), members_.end());
  std::sort(seqs.begin(), seqs.end());  // insertion order
  out.reserve(seqs.size());
  for (uint64_t seq : seqs) {
    const Value* doc = lookup.FindBySeq(seq);
    if (doc != nullptr) add(*doc, 0);  // always found: members are live documents
  }
  return out;
}

void LiveQuery::SnapshotWindow() {
  if (!tree_mode_ || snapshot_) return;
  snapshot_ = WindowDocs();
}

void LiveQuery::EmitSnapshotDiff(EventSink* sink) {
  if (!snapshot_) return;
  const std::vector<Value> old_docs = std::move(*snapshot_);
  snapshot_.reset();
  const std::vector<Value> new_docs = WindowDocs();
  std::vector<ValueView> old_ids, new_ids;
  old_ids.reserve(old_docs.size());
  new_ids.reserve(new_docs.size());
  for (const Value& d : old_docs) old_ids.push_back(IdOf(d));
  for (const Value& d : new_docs) new_ids.push_back(IdOf(d));
  auto id_after = [&](size_t new_pos) -> std::optional<Value> {
    if (!spec_.ordered || new_pos + 1 >= new_docs.size()) return std::nullopt;
    return new_ids[new_pos + 1].ToValue();
  };
  for (const DiffOp& op : DiffSequences(old_ids, new_ids, spec_.ordered)) {
    switch (op.kind) {
      case DiffOp::Kind::kRemove:
        sink->Emit(this, Removed(old_docs[op.old_pos], op.index));
        break;
      case DiffOp::Kind::kChange: {
        const Value& o = old_docs[op.old_pos];
        const Value& n = new_docs[op.new_pos];
        if (o.view().payload() == n.view().payload()) break;  // the same version
        ObserveEvent ev;
        if (Changed(o, n, nullptr, op.index, &ev)) sink->Emit(this, std::move(ev));
        break;
      }
      case DiffOp::Kind::kMove:
        sink->Emit(this, Moved(new_docs[op.new_pos], op.index, op.to, id_after(op.new_pos)));
        break;
      case DiffOp::Kind::kAdd:
        sink->Emit(this, Added(new_docs[op.new_pos], op.index, id_after(op.new_pos)));
        break;
    }
  }
}

}  // namespace minimongo::internal
