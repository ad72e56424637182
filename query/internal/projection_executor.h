// Internal: applies a ProjectionTree (projection_tree.h) to documents.
//
// One pass over the document, guided by the tree; the output is built with one ValueBuilder.
// Arrays along a projected path are traversed element by element (objects are projected,
// nested arrays are recursed into, other elements are dropped by inclusions and kept by
// exclusions), as MongoDB's find() projection does. Recursion follows the tree (at most
// kMaxDepth levels) and nested arrays (cut at kMaxDepth levels: a deeper nested array is
// treated like a scalar).
//
// Thread safety: pure functions over an immutable tree.

#ifndef MINIMONGO_QUERY_INTERNAL_PROJECTION_EXECUTOR_H_
#define MINIMONGO_QUERY_INTERNAL_PROJECTION_EXECUTOR_H_

#include <optional>
#include <string_view>

#include "query/internal/projection_tree.h"
#include "query/selector.h"
#include "query/value.h"

namespace minimongo::query::internal {

// The projection of `doc` (see Projection::Apply).
Value ApplyProjection(const ProjectionTree& tree, ValueView doc, const MatchDetails* details);

// The projection of the top-level field `key` whose value is `value`, or nullopt when the
// field does not appear in the output (see Projection::ApplyToField).
std::optional<Value> ApplyProjectionToField(const ProjectionTree& tree, std::string_view key,
                                            ValueView value, const MatchDetails* details);

// Whether the top-level field `key` can appear in the output at all.
bool ProjectionMayOutputField(const ProjectionTree& tree, std::string_view key);

}  // namespace minimongo::query::internal

#endif  // MINIMONGO_QUERY_INTERNAL_PROJECTION_EXECUTOR_H_
