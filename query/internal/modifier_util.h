// Internal: small helpers shared by the modifier files: message formatting, value depth,
// storability of keys, and MongoDB's numeric promotion for $inc/$mul.
//
// Thread safety: pure functions.

#ifndef MINIMONGO_QUERY_INTERNAL_MODIFIER_UTIL_H_
#define MINIMONGO_QUERY_INTERNAL_MODIFIER_UTIL_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "query/value.h"

namespace minimongo::query::internal {

// "_id: <ejson>" of `doc`'s _id, or "no id"; MongoDB's messages print it as {_id: 1}.
std::string DescribeId(ValueView doc);

// EJSON of `v` (doubles marked, so 1.0 reads "1.0"), cut to about 200 bytes for messages.
std::string ShortEjson(ValueView v);

// Nesting depth of `v`: 0 for scalars, 1 + the deepest child for objects and arrays (so a
// top-level document of scalars has depth 1, as kMaxDepth counts). Iterative.
size_t ValueDepth(ValueView v);

// Checks that every key inside `v` (at any depth) is storable: none starts with '$' or contains
// '.'. `path` names `v` in the messages ("The dollar ($) prefixed field '$x' in 'a.$x' is not
// valid for storage."). Iterative.
absl::Status CheckStorable(ValueView v, std::string_view path);

// a + b and a * b with MongoDB's numeric promotion: int32 op int32 is int32, or int64 when the
// result does not fit; with an int64 operand the result is int64, nullopt when that overflows
// (MongoDB fails the update); with a double it is double.
// REQUIRES: both are int32, int64 or double.
std::optional<Value> AddNumbers(ValueView a, ValueView b);
std::optional<Value> MultiplyNumbers(ValueView a, ValueView b);

}  // namespace minimongo::query::internal

#endif  // MINIMONGO_QUERY_INTERNAL_MODIFIER_UTIL_H_
