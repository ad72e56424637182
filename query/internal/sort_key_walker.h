// Internal: sort paths and the walk that picks a document's sort value along one path.
//
// A sort path is a dotted field path split into steps; a step whose name is a canonical
// non-negative decimal ("0", "17", not "01") may also index an array positionally. The walk
// follows MongoDB's index key generation (the keys a multikey index would hold for the
// document; MongoDB's sort picks the smallest of them ascending, the largest descending):
//   - through objects: the named field; a missing field, or a scalar where more path remains,
//     yields null;
//   - through a non-empty array in mid-path: a positional step that is in range selects that
//     element only; otherwise every element is visited, objects continue the path and any other
//     element yields null; an empty array in mid-path yields null;
//   - at the end of the path: an array yields each of its elements (nested arrays stay whole
//     values), an empty array yields the "empty array" key that sorts below null, anything else
//     yields itself; an array reached by a positional step from an array is not expanded.
// Recursion is bounded by twice the number of steps (at most kMaxDepth, checked when the path
// is parsed), never by the document.
//
// Thread safety: pure functions.

#ifndef MINIMONGO_QUERY_INTERNAL_SORT_KEY_WALKER_H_
#define MINIMONGO_QUERY_INTERNAL_SORT_KEY_WALKER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "query/value.h"

namespace minimongo::query::internal {

// Splits `path` on '.' and validates it. Errors (InvalidArgument, prefixed by `where`, e.g.
// `sort at "a..b"`): an empty path or component, a component starting with '$', more than
// kMaxDepth components.
absl::StatusOr<std::vector<std::string>> ParseSortPath(std::string_view path,
                                                       std::string_view where);

// The value a document contributes for one sort path: `empty_array` set means the key of an
// empty array (below null, above MinKey); otherwise `value` (null for missing).
struct SortCandidate {
  ValueView value;
  bool empty_array = false;
};

// <0, 0, >0 in MongoDB's sort order of keys.
int CompareSortCandidates(const SortCandidate& a, const SortCandidate& b);

// The smallest (ascending) or largest (descending) key `doc` generates along `steps`. The
// returned view points into `doc`. REQUIRES: steps.size() <= kMaxDepth.
SortCandidate ExtractSortCandidate(ValueView doc, const std::vector<std::string>& steps,
                                   bool descending);

// One path of a compound sort.
struct SortPathRef {
  const std::vector<std::string>* steps;
  bool descending;
};

// The key of `doc` under a compound sort, as MongoDB's sort key generator makes it: the keys
// of a compound multikey index, of which the smallest under the sort order is taken.
//   - Paths that cross no array, or when at most one path crosses arrays, are keyed
//     independently (the compound keys are then a cartesian product whose smallest member is
//     the tuple of the smallest components).
//   - Paths that cross the same array pair their values element by element: under
//     {"a.x": 1, "a.y": 1} the document {a: [{x: 1, y: 5}, {x: 2, y: 0}]} has the keys (1, 5)
//     and (2, 0), not (1, 0).
//   - Two paths that each cross an array the other does not are parallel arrays ({a: 1, b: 1}
//     on {a: [1], b: [2]}): MongoDB refuses to sort such a document. Then `out` receives the
//     independent keys and the result is InvalidArgument
//     "cannot sort with keys that are parallel arrays".
// An empty array counts as an array. `out` gets one candidate per path, pointing into `doc`.
// Cost: one walk per path; only when two paths cross arrays, one walk per combination of
// the first path's branches (each further path is then walked along the bound indices).
absl::Status ExtractCompoundSortCandidates(ValueView doc, const std::vector<SortPathRef>& paths,
                                           std::vector<SortCandidate>* out);

}  // namespace minimongo::query::internal

#endif  // MINIMONGO_QUERY_INTERNAL_SORT_KEY_WALKER_H_
