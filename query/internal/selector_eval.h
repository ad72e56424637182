// Evaluation of a compiled selector tree (selector_tree.h) against a value.
//
// Evaluate() dispatches with a switch over the node kind; leaves walk their path with the one
// path walker (path_walker.h) and test each value reached with the leaf's operand. Matching
// never fails and never allocates.
//
// `array_index`, when not null, receives the array index of the match as MongoDB reports it for
// positional updates: the outermost array traversed implicitly by the path of the leaf that
// matched, or else the index of the element an $elemMatch matched. Under $and the last child
// that reports one wins; $or (of several clauses), $nor and $not report none. It is left
// untouched when there is nothing to report (or no match).
//
// Thread safety: pure function over an immutable tree.
//
// Example:
//   size_t index = kNoArrayIndex;
//   if (Evaluate(*root, doc.view(), &index) && index != kNoArrayIndex) { /* positional $ */ }

#ifndef MINIMONGO_QUERY_INTERNAL_SELECTOR_EVAL_H_
#define MINIMONGO_QUERY_INTERNAL_SELECTOR_EVAL_H_

#include <cstddef>

#include "query/internal/selector_tree.h"
#include "query/value.h"

namespace minimongo::query::internal {

bool Evaluate(const Node& node, const ValueView& root, size_t* array_index);

}  // namespace minimongo::query::internal

#endif  // MINIMONGO_QUERY_INTERNAL_SELECTOR_EVAL_H_
