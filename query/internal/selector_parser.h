// Selector parsing: a selector document (a Value) to the tree of selector_tree.h.
//
// The parser checks everything (operator names and operand shapes, regex syntax, nesting depth,
// path syntax) so that evaluation cannot fail, and simplifies trivially true/false subtrees
// ({}, $and of nothing, $all: [], $in: [] ...). Nesting of logical operators, $not and
// $elemMatch deeper than kMaxExpressionDepth, and operand values nested deeper than kMaxDepth,
// are rejected; the parser recurses only up to those limits.
//
// Errors are InvalidArgument (or Unimplemented for recognised but unsupported operators and
// regex constructs) with messages `selector at "<path>": <problem>` or `selector: <problem>`.
//
// Thread safety: pure functions.
//
// Example:
//   absl::StatusOr<std::unique_ptr<Node>> root = ParseDocumentSelector(selector.view());
//   bool matched = root.ok() && Evaluate(**root, doc.view(), nullptr);

#ifndef MINIMONGO_QUERY_INTERNAL_SELECTOR_PARSER_H_
#define MINIMONGO_QUERY_INTERNAL_SELECTOR_PARSER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "query/internal/selector_tree.h"
#include "query/value.h"

namespace minimongo::query::internal {

// A document selector (an object). REQUIRES: selector.IsObject().
absl::StatusOr<std::unique_ptr<Node>> ParseDocumentSelector(ValueView selector);

// A $pull-style condition on one value (see Selector::CompileValueCondition).
struct ValueCondition {
  std::unique_ptr<Node> root;
  // The condition is a document selector: only objects can match it.
  bool requires_object = false;
};
absl::StatusOr<ValueCondition> ParseValueCondition(ValueView condition);

}  // namespace minimongo::query::internal

#endif  // MINIMONGO_QUERY_INTERNAL_SELECTOR_PARSER_H_
