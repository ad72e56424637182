// Operand checks and decoding for the selector operators whose operand is a small language of
// its own: $type, $mod, $size, the $bits* family, $exists; and the depth check of constants.
//
// Each function validates an operand completely and returns what the tree stores for it, or
// InvalidArgument with MongoDB's wording for the problem ("malformed mod, not enough
// elements"). Messages carry no location: the parser prefixes `selector at "<path>": `.
//
// Thread safety: pure functions.
//
// Example:
//   absl::StatusOr<uint32_t> mask = ParseTypeOperand(operand);  // {$type: ["int", "long"]}
//   if (!mask.ok()) return mask.status();  // the parser then prefixes the location

#ifndef MINIMONGO_QUERY_INTERNAL_SELECTOR_OPERANDS_H_
#define MINIMONGO_QUERY_INTERNAL_SELECTOR_OPERANDS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "query/internal/selector_tree.h"
#include "query/value.h"

namespace minimongo::query::internal {

// $type: a type name ("string", "number", ...), a numeric code (1 double ... 19 decimal, -1
// minKey, 127 maxKey) or a non-empty array of them. Returns Node::type_mask (bit 1 << Type per
// accepted type; codes of types our values never hold, such as 6 undefined, add no bit).
absl::StatusOr<uint32_t> ParseTypeOperand(ValueView operand);

// $mod: [divisor, remainder], numbers; doubles are truncated toward zero; the divisor is not 0.
absl::Status ParseModOperand(ValueView operand, int64_t* divisor, int64_t* remainder);

// $size: a non-negative integer (an integral double is accepted) that fits 32 bits.
absl::StatusOr<uint32_t> ParseSizeOperand(ValueView operand);

// $bitsAllSet and co. (`op` names the operator in messages): a non-negative integer bitmask, a
// BinData bitmask, or an array of non-negative bit positions that fit 32 bits.
absl::StatusOr<BitMask> ParseBitsOperand(std::string_view op, ValueView operand);

// BSON truthiness, as $exists reads its operand: false for false, null and numbers equal to 0;
// true for everything else (strings included, unlike JavaScript).
bool Truthy(ValueView v);

// True when `v` nests objects/arrays at most `levels` deep (a scalar is 0 deep). Recurses at
// most `levels` + 1 frames, however deep `v` is.
bool DepthAtMost(ValueView v, size_t levels);

}  // namespace minimongo::query::internal

#endif  // MINIMONGO_QUERY_INTERNAL_SELECTOR_OPERANDS_H_
