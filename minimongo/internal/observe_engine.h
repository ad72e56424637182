// The observe engine of one collection: its live queries, the indexes that route each write to
// the few live queries it can affect, the event queue and its delivery, pause and resume.
//
// The collection calls OnChange(old, new) right after committing each document change (all of
// a write's changes are validated before the first is committed) and Flush() at the end of
// each public write. OnChange updates the state of every live query the change can affect and
// queues their events; Flush runs the queued callbacks in FIFO order. A write made by a
// callback queues its events behind the waiting ones; its own Flush returns at once and the
// outer Flush delivers them (one delivery loop at a time).
//
// Routing (docs/observe.md): each live query is filed under one equality constraint of its
// selector, the most selective one by the engine's value indexes: its `_id` values, or
// (path, value) pairs such as ("parent", 42); queries without one go to a scan list, itself
// indexed by the top-level fields they read or output. A change is routed to the queries filed
// under the values its old and new versions have on those paths, plus the scan-list queries of
// its changed fields. The selector's other equality constraints prefilter the candidates (one
// of the versions must satisfy them), inline in the routing lists for the common single-value
// case; then each candidate checks that the change touches a field it reads or outputs. A query matching the old or the new version always has its constraint satisfied by
// one of them, so no affected query is missed.
//
// Value indexes: (path -> value -> insertion sequence numbers) for every path used by an
// equality constraint of a live query, built with one scan when the first such query starts,
// maintained on writes that touch the path, dropped with the last such query. They give the
// selectivity that picks a query's routing constraint and seed a new live query from its
// candidates instead of a collection scan.
//
// Thread safety: none (the collection's).

#ifndef MINIMONGO_MINIMONGO_INTERNAL_OBSERVE_ENGINE_H_
#define MINIMONGO_MINIMONGO_INTERNAL_OBSERVE_ENGINE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "minimongo/internal/live_query.h"
#include "minimongo/observe.h"
#include "query/field_path.h"
#include "query/value.h"
#include "query/value_order.h"

namespace minimongo {
class Collection;
}  // namespace minimongo

namespace minimongo::internal {

class ObserveEngine : public std::enable_shared_from_this<ObserveEngine>,
                      private EventSink,
                      private DocLookup {
 public:
  // REQUIRES: `collection` outlives the engine (the collection owns it).
  explicit ObserveEngine(const Collection* collection);
  ~ObserveEngine();
  ObserveEngine(const ObserveEngine&) = delete;
  ObserveEngine& operator=(const ObserveEngine&) = delete;

  // Collection::ObserveChanges and Collection::Observe. Errors: InvalidArgument from the
  // compilers, for both a plain and an ordered form of one callback, for an `_id` exclusion.
  absl::StatusOr<ObserveHandle> ObserveChanges(const query::Value& selector,
                                               const ObserveOptions& options,
                                               ObserveChangesCallbacks callbacks);
  absl::StatusOr<ObserveHandle> Observe(const query::Value& selector,
                                        const ObserveOptions& options,
                                        ObserveCallbacks callbacks);

  // A committed change: `old_doc` null for an insert, `new_doc` null for a remove; `*_seq` the
  // document's insertion sequence number (the same for both versions of an update).
  void OnChange(const query::Value* old_doc, uint64_t old_seq, const query::Value* new_doc,
                uint64_t new_seq);
  // Delivers the queued events (no-op when called from within a delivery).
  void Flush();

  void Pause();
  // Emits the net differences and delivers them (see observe.h).
  void Resume();
  bool paused() const { return paused_; }
  // Whether any live query exists; without one, OnChange does nothing (so a writer may skip
  // computing its arguments).
  bool has_queries() const { return !queries_.empty(); }

  // Stops `observer` (ObserveHandle::Stop).
  void Stop(Observer* observer);

 private:
  struct QueuedEvent {
    std::shared_ptr<LiveQuery> query;
    uint64_t seq;
    ObserveEvent event;
    std::shared_ptr<Observer> target;  // set: for this observer only (initial adds at resume)
  };
  struct PrefilterPath;
  // A query filed under one routing value. The common prefilter (one more equality constraint
  // with one value) is copied in, so that routing reads only this contiguous list, and the
  // LiveQuery of a candidate the prefilter rejects is never touched (with 10,000 queries, those
  // are cache misses).
  struct RouteEntry {
    LiveQuery* query;
    PrefilterPath* path = nullptr;  // kInline: the path of the only prefilter
    query::Value value;             // kInline: its only value
    enum class Check : uint8_t { kNone, kInline, kQuery } check = Check::kNone;
  };
  struct PathRoutes {
    query::FieldPath path;
    std::string top;
    size_t refs = 0;
    absl::flat_hash_map<query::Value, std::vector<RouteEntry>, query::ValueHash, query::ValueEq>
        by_value;
  };
  struct ValueIndex {
    query::FieldPath path;
    std::string top;
    size_t refs = 0;
    absl::flat_hash_map<query::Value, absl::flat_hash_set<uint64_t>, query::ValueHash,
                        query::ValueEq>
        seqs;
  };
  // A path of prefilters (LiveQuery::Route::Prefilter), with the values the document versions
  // of the change being routed have on it, computed at most once per change.
  struct PrefilterPath {
    query::FieldPath path;
    size_t refs = 0;
    uint64_t stamp = 0;  // route_stamp_ of the change the values below belong to
    bool old_done = false;
    bool new_done = false;
    std::vector<query::ValueView> old_values;
    std::vector<query::ValueView> new_values;
  };
  struct Touched {
    query::Value id;
    std::optional<query::Value> old_doc;  // state when first touched during the pause
  };

  absl::StatusOr<ObserveHandle> Register(const query::Value& selector,
                                         const ObserveOptions& options,
                                         std::shared_ptr<Observer> observer);
  std::shared_ptr<LiveQuery> CreateQuery(std::string key, LiveQuery::Spec spec);
  void ChooseRoute(LiveQuery* q);
  void Seed(LiveQuery* q);
  void AddRoutes(LiveQuery* q);
  void Unregister(LiveQuery* q);
  ValueIndex* AcquireValueIndex(const std::string& path);
  void ReleaseValueIndex(const std::string& path);
  void UpdateValueIndexes(const DocChange& change);
  // Live queries `change` may concern, in creation order.
  void CollectCandidates(const DocChange& change, std::vector<LiveQuery*>* out);
  // The values the old or new version of the change stamped `stamp` has on `p`'s path.
  const std::vector<query::ValueView>& PrefilterValues(PrefilterPath* p, const query::Value& doc,
                                                       bool old_version, uint64_t stamp);
  // True when `doc` satisfies every prefilter of `q` (for the change stamped `stamp`).
  bool PassesPrefilters(const LiveQuery& q, const query::Value& doc, bool old_version,
                        uint64_t stamp);
  // True when the old or the new version of `change` satisfies the prefilters of `entry`.
  bool PassesRoute(const RouteEntry& entry, const DocChange& change, uint64_t stamp);
  void RecordTouched(const DocChange& change);
  void DeliverInitial(Observer* observer, std::vector<ObserveEvent> events);
  void Deliver(const QueuedEvent& queued);
  static void Call(Observer& observer, const ObserveEvent& event);
  void CleanupObservers();

  // EventSink: queue an event of `query` for its current observers.
  void Emit(LiveQuery* query, ObserveEvent event) override;
  // DocLookup.
  const query::Value* FindBySeq(uint64_t seq) const override;

  const Collection* collection_;
  absl::flat_hash_map<std::string, std::shared_ptr<LiveQuery>> queries_;
  uint64_t next_query_id_ = 1;
  uint64_t next_observer_id_ = 1;

  // Routing.
  std::vector<std::unique_ptr<PathRoutes>> path_routes_;
  absl::flat_hash_map<query::Value, std::vector<LiveQuery*>, query::ValueHash, query::ValueEq>
      id_routes_;
  std::vector<LiveQuery*> scan_all_;
  absl::flat_hash_map<std::string, std::vector<LiveQuery*>> scan_by_field_;
  std::vector<LiveQuery*> scan_every_field_;
  uint64_t route_stamp_ = 0;
  std::vector<LiveQuery*> candidates_;  // scratch
  std::vector<query::ValueView> values_;  // scratch

  absl::flat_hash_map<std::string, std::unique_ptr<ValueIndex>> value_indexes_;
  absl::flat_hash_map<std::string, std::unique_ptr<PrefilterPath>> prefilter_paths_;

  // Delivery.
  std::deque<QueuedEvent> queue_;
  uint64_t next_event_seq_ = 1;
  bool delivering_ = false;
  std::vector<std::shared_ptr<LiveQuery>> needs_cleanup_;

  // Pause.
  bool paused_ = false;
  std::vector<Touched> touched_;
  absl::flat_hash_map<query::Value, size_t, query::ValueHash, query::ValueEq> touched_index_;
  std::vector<std::shared_ptr<LiveQuery>> snapshotted_;
  std::vector<std::shared_ptr<Observer>> pending_observers_;
  std::vector<std::shared_ptr<LiveQuery>> created_during_pause_;
};

// Every value the path reaches in `doc` as the selector's equality sees it (MongoDB's array
// rules: implicit traversal of arrays of objects, numeric components as indexes, leaf arrays
// as wholes and element by element), appended to `out`. A document matching an equality on
// the path has the constant among them. Recursion is bounded by 2 * path.size() + 1.
void CollectPathValues(query::ValueView doc, const query::FieldPath& path,
                       std::vector<query::ValueView>* out);

}  // namespace minimongo::internal

#endif  // MINIMONGO_MINIMONGO_INTERNAL_OBSERVE_ENGINE_H_
