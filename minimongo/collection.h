// A collection: documents with unique `_id`s, and the operations of Meteor's minimongo with
// MongoDB's semantics (insert, find, update with upsert, remove).
//
// Storage: documents are immutable query::Values kept in insertion order in a slot vector,
// with a hash index from `_id` to slot. A scan walks the slots in order (cache-friendly, and
// it is the natural order: results without a sort come in insertion order). A removed document
// leaves a tombstone that a later compaction reclaims; compaction keeps the order.
//
// Invariants: every stored document is an object whose first field is `_id`; `_id` is unique
// by value (1 and 1.0 are the same id), never an array, a regex or missing; no top-level key
// starts with '$' and no key anywhere contains '.'; nesting is at most query::kMaxDepth.
//
// Documents are copy-on-write: a Value returned by Find, FindById or Fetch shares the stored
// buffer and never changes, and a write replaces the stored document. An update by `_id` or a
// merge (MergeTopLevelFields) that keeps every value's size (a $set of a number over a number,
// say) rewrites the bytes of a stored document that nothing else holds (no returned Value
// shares it, no live query is running) instead of building a new one. So the `const Value&`
// that ForEach and ForEachDocument pass, and any ValueView into it, are valid only until the
// next write to the collection; copy the Value to keep it.
//
// Every write is validated completely before anything changes: a rejected Insert, Update or
// Remove leaves the collection exactly as it was. A multi-document update is all-or-nothing.
//
// Thread safety: none. A collection is used from one thread (the owner's event loop), like
// Meteor's. Values it returns are immutable and may be handed to other threads.
//
// Example:
//   Collection files("files");
//   auto id = files.Insert(*query::ParseEjson(R"({"name": "a.pdf", "size": 10})"));
//   auto cursor = files.Find(*query::ParseEjson(R"({"size": {"$gt": 5}})"));
//   for (const query::Value& doc : cursor->Fetch()) ...

#ifndef MINIMONGO_MINIMONGO_COLLECTION_H_
#define MINIMONGO_MINIMONGO_COLLECTION_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "minimongo/document_id.h"
#include "minimongo/observe.h"
#include "query/projection.h"
#include "query/selector.h"
#include "query/sort_spec.h"
#include "query/value.h"

namespace minimongo {

namespace internal {
class IdIndex;
}  // namespace internal

struct CollectionOptions {
  // The kind of `_id` generated for documents inserted without one. Default: Meteor strings.
  IdKind id_kind = IdKind::kMeteorString;
  // Seed of the id generator; IdGenerator::kRandomSeed (default) seeds from the OS.
  uint64_t id_seed = IdGenerator::kRandomSeed;
  // Clock for $currentDate, in ms since the epoch. Default: the system clock.
  std::function<int64_t()> now_millis;
};

struct FindOptions {
  // A sort spec ({a: 1, b: -1} or Meteor's array forms); null means insertion order.
  query::Value sort;
  size_t skip = 0;
  // Maximum number of results; nullopt means all.
  std::optional<size_t> limit;
  // A projection ({a: 1} / {a: 0} / $slice / $elemMatch / "a.$"); null means whole documents.
  query::Value projection;
};

struct UpdateOptions {
  // Update every match (default: the first match only).
  bool multi = false;
  // Insert a document when nothing matches.
  bool upsert = false;
  // Filter documents for the `$[ident]` positional operator.
  std::vector<query::Value> array_filters;
};

struct UpdateResult {
  // Documents the selector matched (0 when an upsert inserted, as in MongoDB).
  size_t matched = 0;
  // Documents whose content changed.
  size_t modified = 0;
  // The `_id` of the document an upsert inserted.
  std::optional<query::Value> upserted_id;
};

// One update of Collection::BulkUpdate.
struct UpdateRequest {
  query::Value selector;
  query::Value modifier;
  UpdateOptions options;
};

// The outcome of Collection::BulkUpdate (MongoDB's ordered bulk write result).
struct BulkUpdateResult {
  // Requests that completed, counted from the first.
  size_t applied = 0;
  // Sums over the applied requests.
  size_t matched = 0;
  size_t modified = 0;
  // (request index, _id) of each document an upsert inserted.
  std::vector<std::pair<size_t, query::Value>> upserted;
  // OK when every request completed; otherwise why request `applied` failed. That request and
  // the ones after it changed nothing.
  absl::Status error;
};

class Collection;

// A compiled query over a collection. It holds no results: Fetch, ForEach, Count and Map run
// the query against the collection's current contents each time (like a Meteor cursor).
// REQUIRES: the collection outlives the cursor.
class Cursor {
 public:
  // The matching documents, sorted, skipped, limited and projected. O(n) for a scan plus
  // O(m log k) for a sort with limit k (bounded top-k, never a full sort when limited).
  std::vector<query::Value> Fetch() const;
  // Calls `fn` with each result in order.
  void ForEach(const std::function<void(const query::Value&)>& fn) const;
  // The number of results (honours skip and limit).
  size_t Count() const;
  // OK, or the error MongoDB gives this query on the current contents: InvalidArgument
  // "cannot sort with keys that are parallel arrays" when a matching document has arrays on two
  // sort paths that do not share them (query/sort_spec.h). Fetch and the others do not fail:
  // they order such a document by each path's own key. O(matches) for a sort of several paths,
  // O(1) otherwise.
  absl::Status Check() const;
  template <typename F>
  auto Map(F&& fn) const {
    std::vector<decltype(fn(std::declval<const query::Value&>()))> out;
    ForEach([&](const query::Value& doc) { out.push_back(fn(doc)); });
    return out;
  }

 private:
  friend class Collection;
  Cursor(const Collection* collection, std::shared_ptr<const query::Selector> selector,
         std::optional<query::SortSpec> sort, size_t skip, std::optional<size_t> limit,
         std::optional<query::Projection> projection);

  // The matching slots in result order (before projection).
  std::vector<uint32_t> MatchingSlots() const;

  const Collection* collection_;
  std::shared_ptr<const query::Selector> selector_;
  std::optional<query::SortSpec> sort_;
  size_t skip_;
  std::optional<size_t> limit_;
  std::optional<query::Projection> projection_;
};

class Collection {
 public:
  explicit Collection(std::string name, CollectionOptions options = {});
  // Out of line: the index's hash and equality functors are complete only in collection.cc.
  ~Collection();
  Collection(const Collection&) = delete;
  Collection& operator=(const Collection&) = delete;

  const std::string& name() const { return name_; }
  // Number of documents.
  size_t size() const { return live_; }

  // Inserts `doc` (an object). Without `_id`, one is generated (CollectionOptions::id_kind) and
  // put first; with one, `_id` is moved to the front. Returns the `_id`.
  // Errors: InvalidArgument for a non-object, an array/regex `_id`, a top-level key starting
  // with '$', a key containing '.', nesting over the limit; AlreadyExists for a duplicate `_id`.
  absl::StatusOr<query::Value> Insert(const query::Value& doc);

  // Compiles a query. Errors: InvalidArgument (or Unimplemented) from the selector, sort or
  // projection compilers; InvalidArgument for a positional projection ("a.$") whose array the
  // selector does not mention (MongoDB's error 31277). A selector that names `_id` values is
  // answered from the `_id` index.
  absl::StatusOr<Cursor> Find(const query::Value& selector, const FindOptions& options = {}) const;
  // The first result of Find, or nullopt.
  absl::StatusOr<std::optional<query::Value>> FindOne(const query::Value& selector,
                                                      const FindOptions& options = {}) const;
  // The document with this `_id`, or nullopt. O(1).
  std::optional<query::Value> FindById(query::ValueView id) const;

  // Updates the first match (or every match with multi) with an update-operator document or a
  // replacement document; with upsert, inserts when nothing matches. All-or-nothing: when any
  // matched document cannot be modified (type error, `_id` change, invalid result), nothing
  // changes and the error names the document and path.
  // Complexity: with a plain `_id` selector and a $set/$unset/$inc of plain field paths (the
  // common update), one index probe and one pass over the document, without compiling the
  // modifier (query::DirectModifier; docs/store.md); otherwise compilation plus a scan or the
  // id-index lookup for the selector, and one Apply per match.
  absl::StatusOr<UpdateResult> Update(const query::Value& selector, const query::Value& modifier,
                                      const UpdateOptions& options = {});

  // Runs `requests` in order with exactly the effects of calling Update on each in turn,
  // stopping at the first that fails (MongoDB's ordered bulk write): the requests before it stay
  // applied. Observers see each request's change as they would from Update (wrap the call in
  // PauseObservers/ResumeObservers for one net change). Faster than the loop when requests
  // select by plain `_id`: the index entries, slots and documents of the next requests are
  // prefetched while the current one runs, so their cache misses overlap.
  BulkUpdateResult BulkUpdate(std::span<const UpdateRequest> requests);

  // Removes every match. Returns the number removed.
  absl::StatusOr<size_t> Remove(const query::Value& selector);

  // ---- Replica primitives (the DDP session): by `_id`, no selector or modifier compilation,
  // validated completely before anything changes, committed like Update/Remove. ----

  // Sets and deletes top-level fields of the document whose `_id` is `id`, as a DDP "changed"
  // message does: each field of `set_fields` replaces that field's whole value (a field already
  // present keeps its position, a new one is appended in `set_fields` order), then each name in
  // `cleared` is deleted (an absent name is a no-op; a name both set and cleared ends up
  // deleted). The new document is spliced once from the old bytes (query/value_splice.h).
  // Returns true when the document changed, false when it came out byte-identical (nothing is
  // committed then).
  // Errors: NotFound when no document has this `_id`; InvalidArgument when `set_fields` is not
  // an object, `set_fields` or `cleared` names `_id`, or a new value breaks the stored-document
  // invariants ('$'-prefixed top-level key, key containing '.', nesting over the limit).
  // Complexity: O(document bytes + fields of the document * (set fields + cleared names)), the
  // fields scanned with ValueView::Find.
  absl::StatusOr<bool> MergeTopLevelFields(query::ValueView id, query::ValueView set_fields,
                                           std::span<const std::string_view> cleared);

  // Replaces the document that has `new_doc`'s `_id` by `new_doc` (moving `_id` to the front).
  // Returns true when the stored document changed.
  // Errors: InvalidArgument when `new_doc` is not a valid document or has no `_id`; NotFound
  // when no document has that `_id`. Nothing changes on error.
  absl::StatusOr<bool> ReplaceDocument(const query::Value& new_doc);

  // Removes the document whose `_id` is `id`. Returns false when there is none. O(1) amortized.
  bool RemoveById(query::ValueView id);

  // ---- Prefetch hints for pipelined batches (BulkUpdate, a DDP session's ReceiveBatch) ----
  // A write by `_id` waits on three dependent loads: the index entry, the document's slot and
  // the document. A caller that knows the ids of its next writes starts those loads early, one
  // stage per call, a few writes apart, so that their cache misses overlap the current write:
  //   IdPrefetch p = c.PrefetchIdEntry(id);   // write i + 12
  //   c.PrefetchIdSlot(&p);                    // write i + 8
  //   c.PrefetchIdDocument(p);                 // write i + 4
  // The hints only read and prefetch: a guess made stale by the writes in between, or an entry
  // of another id with the same hash bits, costs a wasted prefetch, never a wrong result.
  struct IdPrefetch {
    uint64_t hash = 0;
    int64_t slot = -1;  // the guessed slot, once PrefetchIdSlot ran; -1 when none
  };
  IdPrefetch PrefetchIdEntry(query::ValueView id) const;
  // The same for the string id whose UTF-8 bytes are `string_id` (a DDP frame's id as text).
  IdPrefetch PrefetchIdEntry(std::string_view string_id) const;
  void PrefetchIdSlot(IdPrefetch* p) const;
  void PrefetchIdDocument(const IdPrefetch& p) const;

  // ---- Live queries (observe.h; design and costs in docs/observe.md) ----

  // Starts a live query with Meteor's observeChanges contract: the current result is delivered
  // as adds (unless options.suppress_initial) before this returns, then every change of the
  // result is reported after the write that made it. Returns the handle that stops it.
  // Errors: InvalidArgument (or Unimplemented) from the selector, sort or projection compilers;
  // InvalidArgument when both added and added_before are set, or the projection excludes _id.
  // Complexity: the first observer of a (selector, sort, skip, limit, projection, ordered)
  // combination runs the query once (from a value index when the selector has an equality
  // constraint); later ones read the shared maintained result.
  absl::StatusOr<ObserveHandle> ObserveChanges(const query::Value& selector,
                                               const ObserveOptions& options,
                                               ObserveChangesCallbacks callbacks);
  // The same with whole documents (Meteor's observe). Errors: as ObserveChanges, and
  // InvalidArgument when both the plain and the indexed form of one callback are set.
  absl::StatusOr<ObserveHandle> Observe(const query::Value& selector, const ObserveOptions& options,
                                        ObserveCallbacks callbacks);
  // Holds every observer callback back until ResumeObservers; writes still apply. Idempotent.
  void PauseObservers();
  // Reports to each live query the net difference since PauseObservers, once, and the initial
  // results of observers started meanwhile. No-op when not paused.
  void ResumeObservers();

  // Every document in insertion order.
  void ForEachDocument(const std::function<void(const query::Value&)>& fn) const;

  // Bytes of memory held for documents and the index (an estimate from allocation sizes).
  size_t MemoryBytes() const;

  // Checks a document against the stored-document invariants above.
  static absl::Status ValidateDocument(query::ValueView doc);

 private:
  friend class Cursor;
  friend class internal::ObserveEngine;

  // The `_id` a selector names by plain equality: {_id: v} with v a scalar (not an object,
  // array or regex), or Meteor's shorthand (a string, number or ObjectId selector).
  static std::optional<query::ValueView> PlainIdSelector(query::ValueView selector);
  // Slot of the document with this id, or -1.
  int64_t FindSlot(query::ValueView id) const;
  // A selector's plain `_id` (PlainIdSelector) and its IdIndex::Hash, found by a caller that
  // prefetched with them.
  struct KnownId {
    query::ValueView id;
    uint64_t hash;
  };
  // Update; `known`, when not null, is the selector's plain `_id` (which it must have).
  absl::StatusOr<UpdateResult> UpdateImpl(const query::Value& selector,
                                          const query::Value& modifier,
                                          const UpdateOptions& options, const KnownId* known);
  // Slots matching `selector` in insertion order; uses the id index when possible.
  std::vector<uint32_t> MatchSlots(const query::Selector& selector, size_t max_matches) const;
  // `doc` with `_id` first (and `id` put there when the doc had none).
  static query::Value WithIdFirst(query::ValueView doc, const query::Value& id);
  // Appends `doc` (validated, `_id` first and not in the index) in a new slot; `id_hash`, when
  // known, is IdIndex::Hash of its `_id`.
  void StoreNew(query::Value doc, const uint64_t* id_hash = nullptr);
  // Commits `new_doc` (already validated) as the document of `slot`, as Update does for one
  // match: nothing when byte-identical, else store, notify the observe engine, flush.
  UpdateResult CommitOne(uint32_t slot, query::Value new_doc);
  // Drops `slot`'s document and its index entry; `id_hash`, when known, is IdIndex::Hash of
  // its `_id` (saves hashing it again).
  void EraseSlot(uint32_t slot, const uint64_t* id_hash = nullptr);
  void MaybeCompact();
  int64_t Now() const;
  // The observe engine, created on first use.
  internal::ObserveEngine& Engine();
  // Whether any live query watches this collection (an engine exists once observers were
  // paused, with or without live queries).
  bool Observed() const;
  // Tells the observe engine (if any) about one committed document change. Callers test
  // Observed() first: reading seqs_[slot] for the arguments is a cache miss of its own.
  void NotifyChange(const query::Value* old_doc, uint64_t old_seq, const query::Value* new_doc,
                    uint64_t new_seq);
  // Delivers the observer callbacks a public write queued (at its end).
  void FlushObservers();

  std::string name_;
  CollectionOptions options_;
  IdGenerator ids_;
  // Documents in insertion order; a null Value marks a removed document.
  std::vector<query::Value> slots_;
  size_t live_ = 0;
  // The insertion sequence number of each slot's document (ascending, as slots are in
  // insertion order; kept through compaction). Live queries key documents by it: it is the
  // natural order and the tie-break of sorts, and it never changes while the document lives.
  std::vector<uint64_t> seqs_;
  uint64_t next_seq_ = 0;
  // `_id` -> slot (internal/id_index.h).
  std::unique_ptr<internal::IdIndex> index_;
  // Live queries; null until the first observer (or pause). Shared so that handles can tell
  // when it is gone (they hold a weak reference).
  std::shared_ptr<internal::ObserveEngine> engine_;
};

// The `_id` of a stored document (its first field). REQUIRES: a stored document.
query::ValueView DocumentId(query::ValueView doc);

}  // namespace minimongo

#endif  // MINIMONGO_MINIMONGO_COLLECTION_H_
