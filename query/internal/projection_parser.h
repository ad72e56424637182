// Internal: parses a find() projection document into a ProjectionTree (projection_tree.h).
//
// The rules and error messages follow MongoDB 4.4+'s projection parser; see projection.h for
// the accepted language. Nested sub-projections are followed to at most kMaxExpressionDepth
// levels and paths to at most kMaxDepth components, so parsing never recurses unboundedly.
//
// Thread safety: pure function.

#ifndef MINIMONGO_QUERY_INTERNAL_PROJECTION_PARSER_H_
#define MINIMONGO_QUERY_INTERNAL_PROJECTION_PARSER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "query/internal/projection_tree.h"
#include "query/value.h"

namespace minimongo::query::internal {

// The tree of `fields` (an object, or null for "no projection"). Errors as in projection.h.
absl::StatusOr<std::unique_ptr<ProjectionTree>> ParseProjection(ValueView fields);

}  // namespace minimongo::query::internal

#endif  // MINIMONGO_QUERY_INTERNAL_PROJECTION_PARSER_H_
