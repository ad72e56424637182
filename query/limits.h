// Size and depth caps of the query layer, in one place.
//
// Every recursive walk over input (EJSON parsing, selector/projection/modifier compilation,
// value comparison of stored documents) is bounded by these limits, so no input can exhaust the
// stack. Documents accepted by the codec or the store never nest deeper than kMaxDepth.
//
// Thread safety: constants.

#ifndef MINIMONGO_QUERY_LIMITS_H_
#define MINIMONGO_QUERY_LIMITS_H_

#include <cstddef>

namespace minimongo::query {

// Deepest nesting of objects and arrays in a value (MongoDB allows 100 levels for BSON
// documents; the top-level document is level 1).
inline constexpr size_t kMaxDepth = 100;

// Deepest nesting of operators and logical clauses in a selector, projection or modifier.
inline constexpr size_t kMaxExpressionDepth = 100;

// Largest EJSON text accepted in one call (64 MiB; MongoDB's own document cap is 16 MiB).
inline constexpr size_t kMaxEjsonBytes = size_t{64} << 20;

}  // namespace minimongo::query

#endif  // MINIMONGO_QUERY_LIMITS_H_
