// The difference between two versions of a query result, as a sequence of observer events:
// what ResumeObservers reports for a live query whose window changed while observers were
// paused (the role of Meteor's DiffSequence).
//
// Ordered diff: the documents of the old result that are not in the new one are removed
// (last first, so each index is its position at that moment); of the documents in both, a
// longest subsequence that is already in the new order stays (a longest increasing subsequence
// of their new positions, O(k log k)), every other one is moved; new documents are added. Moves
// and adds are made from the end of the new result to its start, each placed just before its
// successor in the new result, which is then already in place, so each `before` refers to a
// document the observer has. A change is reported for every document in both (the caller
// drops those with no visible difference) at its position at that moment. Positions are
// tracked with a Fenwick tree over a fixed total order of every slot a document can occupy
// during the sequence, so indices cost O(log) each.
//
// Unordered diff: removals, then changes, then adds, without positions.
//
// Thread safety: pure functions.

#ifndef MINIMONGO_MINIMONGO_INTERNAL_WINDOW_DIFF_H_
#define MINIMONGO_MINIMONGO_INTERNAL_WINDOW_DIFF_H_

#include <cstddef>
#include <vector>

#include "query/value.h"

namespace minimongo::internal {

struct DiffOp {
  enum class Kind : unsigned char { kRemove, kChange, kMove, kAdd };
  Kind kind;
  // kRemove, kChange, kMove: position of the document in the old sequence.
  size_t old_pos = 0;
  // kChange, kMove, kAdd: position of the document in the new sequence (its successor there,
  // new_pos + 1, is the `before` of kMove and kAdd).
  size_t new_pos = 0;
  // Ordered: the position in the view at that moment (kMove: before the move).
  size_t index = 0;
  // kMove: the position after the move.
  size_t to = 0;
};

// Ops turning the sequence `old_ids` into `new_ids` (each a list of distinct ids, compared
// with ValuesEqual). O((n + m) log(n + m)).
std::vector<DiffOp> DiffSequences(const std::vector<query::ValueView>& old_ids,
                                  const std::vector<query::ValueView>& new_ids, bool ordered);

}  // namespace minimongo::internal

#endif  // MINIMONGO_MINIMONGO_INTERNAL_WINDOW_DIFF_H_
