// Live queries: callbacks that follow the result of a query as the collection changes, with
// the contract of Meteor's `cursor.observeChanges` and `cursor.observe`.
//
// Collection::ObserveChanges(selector, options, callbacks) first delivers the current result
// as adds (unless `suppress_initial`), before it returns, then reports every change of the
// result after each write:
//   - unordered callbacks: added(id, fields), changed(id, fields, cleared), removed(id);
//   - ordered callbacks (chosen by setting added_before or moved_before): added_before(id,
//     fields, before), moved_before(id, before), changed, removed. `before` is the id of the
//     result document that now follows, or nullopt for the end.
// `fields` is the projected document without `_id` (Meteor passes the id apart). In changed,
// `fields` holds the top-level fields whose projected value changed or appeared, with their new
// values, and `cleared` names the top-level fields that disappeared (DDP's `cleared`). A write
// that changes nothing visible through the projection reports nothing; top-level field order
// is not part of what is observed.
//
// Collection::Observe(selector, options, callbacks) reports whole (projected) documents:
// added(doc), changed(new_doc, old_doc), removed(old_doc), or, ordered (chosen by setting any of
// added_at, changed_at, removed_at, moved_to), added_at(doc, index, before), changed_at(new,
// old, index), removed_at(old, index), moved_to(doc, from, to, before); in ordered mode the
// plain added/changed/removed are called where the indexed form is not set. Indices are
// positions in the observer's current view of the result: `to` is the position after the move.
//
// The result is Find(selector, {sort, skip, limit, projection}) at every moment: documents
// sorted by the sort spec with ties (and everything, without a sort) in insertion order, the
// window [skip, skip + limit) of that order. Unlike Meteor, unordered callbacks may be used with
// skip and limit (the window is maintained all the same, moves are just not reported).
//
// Delivery (see docs/observe.md for the exact order):
//   - Callbacks never run while the collection is mid-change: each public write (Insert,
//     Update, Remove, ResumeObservers) first completes, then runs the callbacks its changes
//     produced, in order, before returning.
//   - A callback may read the collection (it sees the latest state, which may already be ahead
//     of the event being delivered when several are queued) and may write to it: the nested
//     write's events are queued behind the ones already waiting and delivered before the outer
//     write returns. A callback may stop any handle, its own included, and may start new
//     observers (their initial adds are delivered before ObserveChanges returns; they receive
//     no event that was queued before they started).
//   - Order: writes in the order they happen; for one write, documents in the order the write
//     changed them; for one document change, live queries in the order of their creation;
//     for one event, the observers of a shared query in the order they started.
//   - PauseObservers() holds every callback back; writes still apply. ResumeObservers() then
//     reports, per live query, the net difference between the result at pause time and now,
//     once (a document added then removed while paused reports nothing). Observers started
//     while paused get their initial adds at resume.
//
// Observers with the same (selector, sort, skip, limit, projection, ordered) share one
// maintained result; a new observer of a live result gets its initial adds from it without
// running the query again. Costs are in docs/observe.md.
//
// Thread safety: none (like the collection). Callbacks run on the thread that writes.
//
// Example:
//   ObserveChangesCallbacks callbacks;
//   callbacks.added = [](ValueView id, ValueView fields) { ... };
//   callbacks.removed = [](ValueView id) { ... };
//   ObserveOptions options;
//   options.sort = *query::ParseEjson(R"({"name": 1})");
//   options.limit = 50;
//   absl::StatusOr<ObserveHandle> handle =
//       files.ObserveChanges(*query::ParseEjson(R"({"parent": 42})"), options, callbacks);
//   ...
//   handle->Stop();

#ifndef MINIMONGO_MINIMONGO_OBSERVE_H_
#define MINIMONGO_MINIMONGO_OBSERVE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "query/value.h"

namespace minimongo {

namespace internal {
class ObserveEngine;
struct Observer;
}  // namespace internal

// Callbacks of ObserveChanges. Any may be left empty. Setting added_before or moved_before makes
// the observer ordered; setting both added and added_before is an error. The views passed are
// valid during the call only.
struct ObserveChangesCallbacks {
  // A document entered the (unordered) result. `fields`: the projected document without _id.
  std::function<void(query::ValueView id, query::ValueView fields)> added;
  // A document entered the ordered result just before `before` (nullopt: at the end).
  std::function<void(query::ValueView id, query::ValueView fields,
                     std::optional<query::ValueView> before)>
      added_before;
  // Visible fields of a result document changed: `fields` holds the new values of the top-level
  // fields that changed or appeared (an object, in document order), `cleared` the names of the
  // top-level fields that disappeared. At least one of the two is non-empty.
  std::function<void(query::ValueView id, query::ValueView fields,
                     const std::vector<std::string>& cleared)>
      changed;
  // A document of the ordered result moved to just before `before` (nullopt: to the end).
  std::function<void(query::ValueView id, std::optional<query::ValueView> before)> moved_before;
  // A document left the result.
  std::function<void(query::ValueView id)> removed;
};

// Callbacks of Observe, on whole projected documents (with _id). Any may be left empty.
// Setting any indexed form (added_at, changed_at, removed_at, moved_to) makes the observer
// ordered; setting both the plain and the indexed form of one event is an error.
struct ObserveCallbacks {
  std::function<void(const query::Value& doc)> added;
  // `index`: the position it now has; `before`: the id of the document that follows it.
  std::function<void(const query::Value& doc, size_t index,
                     std::optional<query::ValueView> before)>
      added_at;
  std::function<void(const query::Value& new_doc, const query::Value& old_doc)> changed;
  std::function<void(const query::Value& new_doc, const query::Value& old_doc, size_t index)>
      changed_at;
  std::function<void(const query::Value& old_doc)> removed;
  std::function<void(const query::Value& old_doc, size_t index)> removed_at;
  // The document moved from position `from` to position `to` (its position after the move),
  // just before `before` (nullopt: to the end).
  std::function<void(const query::Value& doc, size_t from, size_t to,
                     std::optional<query::ValueView> before)>
      moved_to;
};

struct ObserveOptions {
  // A sort spec as for Find; null (default) means insertion order. Ignored by unordered
  // observers without skip and limit, whose result is a set.
  query::Value sort;
  // Results to leave out at the start of the order. Default 0.
  size_t skip = 0;
  // Maximum size of the result; nullopt (default) means no limit. A limit costs nothing extra:
  // every match is kept in order either way, the window is read by rank.
  std::optional<size_t> limit;
  // A projection as for Find; null (default) means whole documents. `_id` may not be excluded.
  query::Value projection;
  // Do not deliver the initial result as adds (default false: deliver it, before
  // ObserveChanges returns). Later changes are reported relative to that result all the same.
  bool suppress_initial = false;
};

// The handle of a running observer. Move-only. Stop() (or destroying the handle) stops the
// callbacks: no callback of this observer runs after Stop() returns, even for changes already
// made. Safe to call from any callback, several times, and after the collection is gone.
class ObserveHandle {
 public:
  // A handle that observes nothing (stopped() is true).
  ObserveHandle() = default;
  ObserveHandle(ObserveHandle&& other) noexcept = default;
  // Stops the observer this handle had, then takes over `other`'s.
  ObserveHandle& operator=(ObserveHandle&& other) noexcept;
  ObserveHandle(const ObserveHandle&) = delete;
  ObserveHandle& operator=(const ObserveHandle&) = delete;
  ~ObserveHandle() { Stop(); }

  // Stops the observer. When it was the last observer of its live query, the query is
  // dropped and its memory released (after the events already queued for it are skipped).
  void Stop();
  bool stopped() const;

 private:
  friend class internal::ObserveEngine;
  ObserveHandle(std::weak_ptr<internal::ObserveEngine> engine,
                std::shared_ptr<internal::Observer> observer)
      : engine_(std::move(engine)), observer_(std::move(observer)) {}

  std::weak_ptr<internal::ObserveEngine> engine_;
  std::shared_ptr<internal::Observer> observer_;
};

}  // namespace minimongo

#endif  // MINIMONGO_MINIMONGO_OBSERVE_H_
