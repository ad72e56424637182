// A live query: the maintained result of one (selector, sort, skip, limit, projection, ordered)
// combination, shared by every observer that asked for it, and the events its changes produce.
//
// Two representations (docs/observe.md has the reasoning and the costs):
//   - set mode (unordered, no skip, no limit): the insertion sequence numbers of the matching
//     documents in a hash set. A change costs O(1) plus the selector on the new version (not
//     even that when the change touches no field the selector reads).
//   - tree mode (ordered, or with skip or limit): every matching document in an
//     OrderStatisticTree keyed by (sort key, insertion sequence), the window [skip, skip+limit)
//     read by rank. A change costs O(log n): the document's old and new ranks, and the at most
//     four documents at the window's edges that a single change can push in or out.
// A LiveQuery never looks at the collection except through the DocLookup it is given; the
// engine (observe_engine.h) tells it about each change that may concern it.
//
// Invariant: the state equals the result of running the query on the collection as of the last
// change applied (in tree mode, documents whose change a query skipped because it touched no
// field the query reads or outputs may be held in an older version that is indistinguishable
// through this query).
//
// Thread safety: none.

#ifndef MINIMONGO_MINIMONGO_INTERNAL_LIVE_QUERY_H_
#define MINIMONGO_MINIMONGO_INTERNAL_LIVE_QUERY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "minimongo/observe.h"
#include "minimongo/order_statistic_tree.h"
#include "query/projection.h"
#include "query/selector.h"
#include "query/sort_spec.h"
#include "query/value.h"

namespace minimongo::internal {

class LiveQuery;

// One top-level field that differs between two versions of a document.
struct FieldDelta {
  std::string_view key;
  std::optional<query::ValueView> old_value;  // nullopt: absent from the old version
  std::optional<query::ValueView> new_value;  // nullopt: absent from the new version
};

// True when a and b have the same type and the same encoded bytes (stricter than ValuesEqual:
// 1 and 1.0 differ, which is a visible change of type).
bool SameValue(query::ValueView a, query::ValueView b);

// The top-level fields whose values differ (SameValue) between two objects: those of `new_doc`
// in its order, then those only in `old_doc` in its order. O(fields) when both objects list
// their keys in the same order, O(fields^2) at worst.
void DiffTopLevel(query::ValueView old_doc, query::ValueView new_doc,
                  std::vector<FieldDelta>* out);

// `doc` without its first field when that field is `_id` (Meteor's `fields`).
query::Value WithoutId(query::ValueView doc);

// One committed change of one document, as the engine hands it to live queries. The pointers
// are valid for the duration of the call only.
struct DocChange {
  const query::Value* old_doc = nullptr;  // nullptr: the document was inserted
  uint64_t old_seq = 0;
  const query::Value* new_doc = nullptr;  // nullptr: the document was removed
  uint64_t new_seq = 0;
  // For an update (both versions present): DiffTopLevel(old, new).
  std::vector<FieldDelta> deltas;

  bool is_update() const { return old_doc != nullptr && new_doc != nullptr; }
  // True when the change may concern top-level field `key` (always for inserts and removes).
  bool Touches(std::string_view key) const;
  // The changed fields through the identity projection, computed once per change and shared
  // by the live queries without a projection.
  const query::Value& IdentityFields() const;
  const std::vector<std::string>& IdentityCleared() const;

 private:
  void ComputeIdentityDiff() const;
  mutable bool identity_done_ = false;
  mutable query::Value identity_fields_;
  mutable std::vector<std::string> identity_cleared_;
};

// An event of a live query, with what every kind of observer needs. Which payloads are filled
// depends on the observers the query had when it was produced (see LiveQuery::Apply).
struct ObserveEvent {
  enum class Kind : uint8_t { kAdded, kChanged, kMoved, kRemoved };
  Kind kind = Kind::kAdded;
  query::Value id;
  // kAdded: the projected document without _id; kChanged: the new values of the changed
  // top-level fields. For ObserveChanges observers.
  query::Value fields;
  // kChanged: top-level fields that disappeared.
  std::vector<std::string> cleared;
  // The projected document (kAdded, kChanged: new version; kMoved: current; kRemoved: last
  // version). For Observe observers.
  query::Value doc;
  // kChanged: the projected previous version. For Observe observers.
  query::Value old_doc;
  // kAdded, kMoved of ordered queries: the id of the following document, nullopt at the end.
  std::optional<query::Value> before;
  // Ordered queries: the position (kMoved: before the move) in the observer's current view.
  size_t index = 0;
  // kMoved: the position after the move.
  size_t to = 0;
};

// An observer of a live query: its callbacks and its delivery state.
struct Observer {
  uint64_t id = 0;  // start order
  bool ordered = false;
  bool documents = false;  // Observe (whole documents) rather than ObserveChanges
  bool suppress_initial = false;
  ObserveChangesCallbacks changes;
  ObserveCallbacks docs;
  // Receives queued events whose sequence number is >= this (events queued before it started
  // describe changes that its initial result already contains).
  uint64_t first_event = 0;
  // Started while observers were paused: gets its initial result at resume.
  bool pending_initial = false;
  bool stopped = false;
  LiveQuery* query = nullptr;  // valid while !stopped
};

// Where a live query puts the events a change produces (the engine's queue).
class EventSink {
 public:
  virtual void Emit(LiveQuery* query, ObserveEvent event) = 0;

 protected:
  ~EventSink() = default;
};

// Read access to the collection's documents by insertion sequence number.
class DocLookup {
 public:
  // The document with sequence number `seq`, or nullptr when it is gone.
  virtual const query::Value* FindBySeq(uint64_t seq) const = 0;

 protected:
  ~DocLookup() = default;
};

class LiveQuery : public std::enable_shared_from_this<LiveQuery> {
 public:
  struct Spec {
    std::shared_ptr<const query::Selector> selector;
    // Ignored (and normalized away by the engine) in set mode.
    std::optional<query::SortSpec> sort;
    size_t skip = 0;
    std::optional<size_t> limit;
    // nullopt: whole documents.
    std::optional<query::Projection> projection;
    bool ordered = false;
  };

  // How the engine routes writes to this query (owned and filled in by the engine).
  struct Route {
    enum class Kind : uint8_t { kNone, kId, kPath, kScan };
    Kind kind = Kind::kNone;
    std::string path;                  // kPath: the dotted path routed on
    std::vector<query::Value> values;  // kId, kPath: the constants routed on
    std::vector<std::string> index_paths;  // value indexes this query holds a reference on
    // The selector's other equality constraints (engine-owned path records): a change is
    // routed to this query only when its old or its new version satisfies all of them, so
    // that {parent: 42, ext: "pdf"} is not even looked at for a change of a docx in folder 42.
    struct Prefilter {
      void* path;  // the engine's record of the path (and of its values in the current change)
      std::vector<query::Value> values;
    };
    std::vector<Prefilter> prefilters;
  };

  LiveQuery(uint64_t id, std::string key, Spec spec);
  LiveQuery(const LiveQuery&) = delete;
  LiveQuery& operator=(const LiveQuery&) = delete;

  // Creation order, which is the delivery order between queries.
  uint64_t id() const { return id_; }
  const std::string& key() const { return key_; }
  const Spec& spec() const { return spec_; }
  const query::Selector& selector() const { return *spec_.selector; }
  bool tree_mode() const { return tree_mode_; }
  bool ordered() const { return spec_.ordered; }

  // Top-level fields the selector or the sort reads, sorted.
  const std::vector<std::string>& read_fields() const { return read_fields_; }
  // True when any top-level field may appear in the output (no inclusion projection); else
  // output_fields() lists the ones that may.
  bool outputs_every_field() const { return outputs_every_field_; }
  const std::vector<std::string>& output_fields() const { return output_fields_; }
  // False when `change` is an update that touches no field this query reads or outputs, so
  // that it cannot change anything this query reports. O(changed fields).
  bool MayBeAffected(const DocChange& change) const;

  // Adds `doc` to the state when it matches. For the initial run, before any event.
  void Seed(const query::Value& doc, uint64_t seq);

  // Applies `change` to the state and, when `sink` is not null, emits the events it causes for
  // the observers. Events of an ordered query are valid in sequence: each `before` and index
  // refers to the observer's view after the previous events.
  void Apply(const DocChange& change, EventSink* sink);

  // The current result as add events (ordered: in order, each appended at the end).
  std::vector<ObserveEvent> InitialEvents(const DocLookup& lookup, bool fields, bool docs) const;

  // Pause support. Tree mode: copies the window once (further calls do nothing) so that
  // EmitSnapshotDiff can report the net difference later.
  void SnapshotWindow();
  bool has_snapshot() const { return snapshot_.has_value(); }
  // Emits the difference between the snapshot and the current window, and drops the snapshot.
  void EmitSnapshotDiff(EventSink* sink);
  void DropSnapshot() { snapshot_.reset(); }
  // Set mode: emits the net change of one document from `old_doc` (nullptr: absent) to
  // `new_doc` (nullptr: absent), judging membership by the selector; the state is already
  // current and is not touched.
  void EmitNetChange(const query::Value* old_doc, const query::Value* new_doc, EventSink* sink);

  // Observers, in start order (stopped ones are removed by the engine when it is safe).
  std::vector<std::shared_ptr<Observer>>& observers() { return observers_; }
  void CountObserver(const Observer& o, int delta);
  size_t live_observers() const { return change_observers_ + document_observers_; }

  // Engine-owned bookkeeping.
  Route route;
  uint64_t route_stamp = 0;          // dedup of routing candidates
  bool registered = true;            // false once dropped by the engine
  bool created_during_pause = false;

 private:
  struct Entry {
    query::SortKey key;
    uint64_t seq = 0;
    query::Value doc;
  };
  struct EntryLess {
    const query::SortSpec* sort;
    bool operator()(const Entry& a, const Entry& b) const;
  };
  using Tree = OrderStatisticTree<Entry, EntryLess>;

  bool need_fields() const { return change_observers_ > 0; }
  bool need_docs() const { return document_observers_ > 0; }
  // The end of the window (skip + limit, saturating; SIZE_MAX without a limit).
  size_t window_end() const;
  bool SelectorTouched(const DocChange& change) const;
  Entry MakeEntry(const query::Value& doc, uint64_t seq) const;

  // The projected document (with _id).
  query::Value Project(const query::Value& doc) const;
  // The visible change from old_doc to new_doc, as changed fields and cleared names: false
  // when there is none. `change`, when not null, is the change they come from (its deltas and
  // cached identity diff are reused); otherwise the delta is computed here.
  bool VisibleChange(const query::Value& old_doc, const query::Value& new_doc,
                     const DocChange* change, query::Value* fields,
                     std::vector<std::string>* cleared) const;

  ObserveEvent Added(const query::Value& doc, size_t index, std::optional<query::Value> before) const;
  ObserveEvent Removed(const query::Value& old_doc, size_t index) const;
  // Returns false (and leaves *out alone) when nothing visible changed.
  bool Changed(const query::Value& old_doc, const query::Value& new_doc, const DocChange* change,
               size_t index, ObserveEvent* out) const;
  ObserveEvent Moved(const query::Value& doc, size_t from, size_t to,
                     std::optional<query::Value> before) const;

  void ApplySet(const DocChange& change, EventSink* sink);
  void ApplyTree(const DocChange& change, EventSink* sink);
  // The window as (doc) entries in order.
  std::vector<query::Value> WindowDocs() const;

  const uint64_t id_;
  const std::string key_;
  const Spec spec_;
  const bool tree_mode_;
  std::vector<std::string> read_fields_;
  std::vector<std::string> selector_fields_;
  bool outputs_every_field_ = true;
  std::vector<std::string> output_fields_;
  bool identity_projection_ = true;

  std::vector<std::shared_ptr<Observer>> observers_;
  size_t change_observers_ = 0;
  size_t document_observers_ = 0;

  // Set mode.
  absl::flat_hash_set<uint64_t> members_;
  // Tree mode.
  Tree tree_;
  absl::flat_hash_map<uint64_t, Tree::Handle> handle_of_;
  std::optional<std::vector<query::Value>> snapshot_;
};

}  // namespace minimongo::internal

#endif  // MINIMONGO_MINIMONGO_INTERNAL_LIVE_QUERY_H_
