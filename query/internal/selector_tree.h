// The compiled form of a selector: an immutable tree of nodes of a closed set of kinds.
//
// Logical nodes (kAnd, kOr, kNor, kNot) combine children evaluated against the same root value;
// kPathAnd is the kAnd of the operators of one field ({a: {$gte: 1, $lt: 5}}), evaluated in
// one walk of their shared path.
// Leaf nodes test the values a path reaches from that root: the path walker (path_walker.h)
// enumerates them, with MongoDB's array rules, and the leaf's operand decides whether one value
// matches (selector_leaf.h). A leaf matches when any enumerated value matches.
//
// A leaf's path may be empty, meaning the root value itself:
//   - with `self` false, as MongoDB matches {"": value} against {"": condition}: an array root
//     is expanded (its elements are tried, then the array itself) — $pull conditions;
//   - with `self` true, the root exactly as given, never expanded — the operators of a
//     value-form $elemMatch, which apply to each array element as a whole.
// kElemMatchObject's child is a document selector evaluated with each element (an object or an
// array) as its root; kElemMatchValue's children are `self` leaves evaluated on each element.
//
// Invariants: built only by the parser (selector_parser.h); never mutated afterwards; logical
// nodes have at least one child after simplification (kTrue/kFalse stand for empty ones); the
// tree is at most kMaxExpressionDepth deep.
//
// Thread safety: immutable, shared freely.
//
// Example: {a: {$gte: 1, $lt: 5}, $or: [{b: null}, {c: /x/}]} compiles to
//   kAnd[kPathAnd "a" [kGte 1, kLt 5], kOr[kEq "b" null, kRegex "c" /x/]].

#ifndef MINIMONGO_QUERY_INTERNAL_SELECTOR_TREE_H_
#define MINIMONGO_QUERY_INTERNAL_SELECTOR_TREE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "query/field_path.h"
#include "query/internal/regex_matcher.h"
#include "query/value.h"
#include "query/value_order.h"

namespace minimongo::query::internal {

enum class NodeKind : uint8_t {
  kTrue,
  kFalse,
  kAnd,
  kOr,
  kNor,
  kNot,
  // Children: value leaves (kEq ... kBits*, not kSize or $elemMatch) on one path, not `self`,
  // 2 to 64 of them; matches when each child matches some value of one walk of `path`.
  kPathAnd,
  // Leaves.
  kEq,
  kLt,
  kLte,
  kGt,
  kGte,
  kIn,
  kRegex,
  kExists,
  kType,
  kMod,
  kSize,
  kBitsAllSet,
  kBitsAnySet,
  kBitsAllClear,
  kBitsAnyClear,
  kElemMatchObject,
  kElemMatchValue,
};

inline bool IsLeaf(NodeKind kind) { return kind >= NodeKind::kEq; }

// A comparison constant with what the hot loops need precomputed.
struct Constant {
  enum class Shape : uint8_t {
    kNull,     // null: also stands for a missing value
    kInteger,  // a number with an integral value in int64 range (int32, int64 or double)
    kNumber,   // any other number (fractional, huge, NaN or infinite double)
    kString,
    kDate,   // `integer` holds the milliseconds
    kOther,  // compared with CompareValues within its canonical type
  };

  Value value;
  Shape shape = Shape::kOther;
  int canonical_type = 0;  // CanonicalTypeOrder(value.type())
  int64_t integer = 0;     // kInteger, kDate
  double number = 0;       // kInteger and kNumber
  bool is_nan = false;     // kNumber
  std::string text;        // kString: the bytes

  static Constant Make(Value v);
};

// $in / $nin operand: constants, a hash set when there are many, and regexes.
struct InSet {
  std::vector<Constant> constants;
  absl::flat_hash_set<Value, ValueHash, ValueEq> hashed;  // filled when constants is large
  bool has_null = false;
  std::vector<std::unique_ptr<RegexMatcher>> regexes;

  static constexpr size_t kHashThreshold = 8;
};

// $bitsAllSet & co.: the positions to test, and the 64-bit mask numbers are tested with
// (positions >= 64 test the sign bit, as numbers are sign-extended).
struct BitMask {
  std::vector<uint64_t> positions;
  uint64_t mask64 = 0;
};

struct Node {
  NodeKind kind = NodeKind::kTrue;

  // Leaves: the path and how to take it (see the file comment).
  FieldPath path;
  bool self = false;

  // Logical nodes, kNot (one child), kElemMatchObject (one child: the document selector),
  // kElemMatchValue (the operators, as `self` leaves).
  std::vector<std::unique_ptr<Node>> children;

  // kEq, kLt, kLte, kGt, kGte.
  Constant constant;
  // kIn.
  std::unique_ptr<InSet> in;
  // kRegex.
  std::unique_ptr<RegexMatcher> regex;
  // kType: bit (1 << Type) per accepted type.
  uint32_t type_mask = 0;
  // kMod.
  int64_t divisor = 1;
  int64_t remainder = 0;
  // kSize.
  uint32_t size = 0;
  // kBits*.
  BitMask bits;
};

}  // namespace minimongo::query::internal

#endif  // MINIMONGO_QUERY_INTERNAL_SELECTOR_TREE_H_
