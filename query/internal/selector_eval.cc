#include "query/internal/selector_eval.h"

#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "query/internal/path_walker.h"
#include "query/value_order.h"

namespace minimongo::query::internal {
namespace {

// ---------------------------------------------------------------------------------------------
// Leaf operators: does one value (nullptr: missing) match?

// Raw loads of numeric payloads (the encoding is documented in value.h); the accessors live in
// value.cc and would cost a call per value in the hottest loop.
template <typename T>
inline T Load(const ValueView& v) {
  T x;
  std::memcpy(&x, v.payload(), sizeof(T));
  return x;
}

// The bytes of a string value (u32 length, then the bytes).
inline std::string_view StringOf(const ValueView& v) {
  return std::string_view(reinterpret_cast<const char*>(v.payload() + 4), Load<uint32_t>(v));
}

// Equality with a present value (MongoDB's EqualityMatchExpression: same canonical type, then
// the BSON order; numbers compare exactly across int32/int64/double).
inline bool EqualsConstant(const Constant& c, const ValueView& v) {
  switch (c.shape) {
    case Constant::Shape::kNull:
      return v.IsNull();
    case Constant::Shape::kInteger:
      switch (v.type()) {
        case Type::kInt32:
          return Load<int32_t>(v) == c.integer;
        case Type::kInt64:
          return Load<int64_t>(v) == c.integer;
        case Type::kDouble:
          return Load<double>(v) == c.number && CompareNumbers(v, c.value.view()) == 0;
        default:
          return false;
      }
    case Constant::Shape::kNumber:
      return v.IsNumber() && CompareNumbers(v, c.value.view()) == 0;
    case Constant::Shape::kString:
      return v.IsString() && StringOf(v) == c.text;
    case Constant::Shape::kDate:
      return v.type() == Type::kDate && Load<int64_t>(v) == c.integer;
    case Constant::Shape::kOther:
      return CanonicalTypeOrder(v.type()) == c.canonical_type &&
             CompareValues(v, c.value.view()) == 0;
  }
  return false;
}

inline bool MatchesEq(const Constant& c, const ValueView* v) {
  if (v == nullptr) return c.shape == Constant::Shape::kNull;
  return EqualsConstant(c, *v);
}

inline bool IsDoubleNan(const ValueView& v) {
  return v.type() == Type::kDouble && std::isnan(v.AsDouble());
}

// $lt/$lte/$gt/$gte (MongoDB's ComparisonMatchExpression): only within one canonical type,
// except that MinKey/MaxKey operands compare with everything, and a missing value counts as
// null. NaN: $lt/$gt never match, $lte/$gte only NaN against NaN.
inline bool MatchesComparison(NodeKind kind, const Constant& c, const ValueView* v) {
  const bool less = kind == NodeKind::kLt || kind == NodeKind::kLte;
  const bool or_equal = kind == NodeKind::kLte || kind == NodeKind::kGte;
  const Type ct = c.value.type();
  int vt_rank;
  if (v == nullptr) {
    vt_rank = CanonicalTypeOrder(Type::kNull);
    if (c.shape == Constant::Shape::kNull) return or_equal;
  } else {
    vt_rank = CanonicalTypeOrder(v->type());
  }
  if (vt_rank != c.canonical_type || v == nullptr) {
    if (ct == Type::kMinKey) return !less;
    if (ct == Type::kMaxKey) return less;
    return false;
  }
  int cmp;
  if (c.shape == Constant::Shape::kInteger || c.shape == Constant::Shape::kNumber) {
    bool v_nan = IsDoubleNan(*v);
    if (v_nan || c.is_nan) return or_equal && v_nan && c.is_nan;
    if (c.shape == Constant::Shape::kInteger && v->type() != Type::kDouble) {
      int64_t x = v->type() == Type::kInt32 ? Load<int32_t>(*v) : Load<int64_t>(*v);
      cmp = x < c.integer ? -1 : (x > c.integer ? 1 : 0);
    } else {
      cmp = CompareNumbers(*v, c.value.view());
    }
  } else if (c.shape == Constant::Shape::kDate) {
    int64_t x = Load<int64_t>(*v);  // same canonical type: a date
    cmp = x < c.integer ? -1 : (x > c.integer ? 1 : 0);
  } else {
    cmp = CompareValues(*v, c.value.view());
  }
  if (cmp == 0) return or_equal;
  return less ? cmp < 0 : cmp > 0;
}

inline bool RegexValueEquals(const RegexMatcher& re, const ValueView& v) {
  return v.RegexPattern() == re.pattern() && v.RegexFlags() == re.options();
}

// A regex matches strings by search, and regex values that are the same regex.
inline bool MatchesRegex(const RegexMatcher& re, const ValueView* v) {
  if (v == nullptr) return false;
  if (v->IsString()) return re.Matches(StringOf(*v));
  if (v->type() == Type::kRegex) return RegexValueEquals(re, *v);
  return false;
}

// $in: equality with any constant (hashed when the list is long: ValueHash agrees with the
// equality, 1 and 1.0 included), or a regex match.
bool MatchesIn(const InSet& in, const ValueView* v) {
  if (v == nullptr) return in.has_null;
  if (!in.hashed.empty()) {
    if (in.hashed.contains(*v)) return true;
  } else {
    for (const Constant& c : in.constants) {
      if (EqualsConstant(c, *v)) return true;
    }
  }
  for (const auto& re : in.regexes) {
    if (MatchesRegex(*re, v)) return true;
  }
  return false;
}

// A number as the int64 MongoDB's $mod and $bits use, when it has one.
inline std::optional<int64_t> IntegerOf(const ValueView& v, bool truncate) {
  switch (v.type()) {
    case Type::kInt32:
      return Load<int32_t>(v);
    case Type::kInt64:
      return Load<int64_t>(v);
    case Type::kDouble: {
      double d = Load<double>(v);
      if (!std::isfinite(d)) return std::nullopt;
      if (truncate) d = std::trunc(d);
      if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return std::nullopt;
      int64_t i = static_cast<int64_t>(d);
      if (static_cast<double>(i) != d) return std::nullopt;
      return i;
    }
    default:
      return std::nullopt;
  }
}

inline bool MatchesMod(const Node& n, const ValueView* v) {
  if (v == nullptr) return false;
  std::optional<int64_t> x = IntegerOf(*v, /*truncate=*/true);
  if (!x) return false;
  // INT64_MIN % -1 overflows; every integer is divisible by -1.
  int64_t r = n.divisor == -1 ? 0 : *x % n.divisor;
  return r == n.remainder;
}

bool MatchesBits(NodeKind kind, const BitMask& mask, const ValueView* v) {
  if (v == nullptr) return false;
  if (v->IsNumber()) {
    std::optional<int64_t> x = IntegerOf(*v, /*truncate=*/false);
    if (!x) return false;
    uint64_t bits = static_cast<uint64_t>(*x);
    switch (kind) {
      case NodeKind::kBitsAllSet:
        return (bits & mask.mask64) == mask.mask64;
      case NodeKind::kBitsAllClear:
        return (~bits & mask.mask64) == mask.mask64;
      case NodeKind::kBitsAnySet:
        return (bits & mask.mask64) != 0;
      default:
        return (~bits & mask.mask64) != 0;
    }
  }
  if (v->type() != Type::kBinary) return false;
  std::string_view data = v->BinaryData();
  const bool all = kind == NodeKind::kBitsAllSet || kind == NodeKind::kBitsAllClear;
  const bool want_set = kind == NodeKind::kBitsAllSet || kind == NodeKind::kBitsAnySet;
  for (uint64_t p : mask.positions) {
    bool set =
        p / 8 < data.size() && ((static_cast<unsigned char>(data[p / 8]) >> (p % 8)) & 1) != 0;
    if (set == want_set) {
      if (!all) return true;
    } else if (all) {
      return false;
    }
  }
  return all;
}

inline bool MatchesType(uint32_t mask, const ValueView* v) {
  return v != nullptr && (mask & (1u << static_cast<unsigned>(v->type()))) != 0;
}

// $elemMatch: the index of the first element that matches, or kNoArrayIndex.
size_t ElemMatchObject(const Node& n, const ValueView& v) {
  if (!v.IsArray()) return kNoArrayIndex;
  ArrayRange elements = v.elements();
  size_t k = 0;
  for (ArrayIterator it = elements.begin(), end = elements.end(); it != end; ++it, ++k) {
    const ValueView& e = *it.operator->();
    if ((e.IsObject() || e.IsArray()) && Evaluate(*n.children[0], e, nullptr)) return k;
  }
  return kNoArrayIndex;
}

size_t ElemMatchValue(const Node& n, const ValueView& v) {
  if (!v.IsArray()) return kNoArrayIndex;
  ArrayRange elements = v.elements();
  size_t k = 0;
  for (ArrayIterator it = elements.begin(), end = elements.end(); it != end; ++it, ++k) {
    const ValueView& e = *it.operator->();
    bool all = true;
    for (const auto& child : n.children) {
      if (!Evaluate(*child, e, nullptr)) {
        all = false;
        break;
      }
    }
    if (all) return k;
  }
  return kNoArrayIndex;
}

// ---------------------------------------------------------------------------------------------
// Leaves: walk the path and test each value with `match(value, &element_index)`, which sets
// element_index only for $elemMatch (the element it matched); the array index reported is the
// path's implicit traversal if any, else that.
template <typename Match>
bool MatchLeaf(const Node& n, const ValueView& root, LeafArrays leaf_arrays, size_t* array_index,
               Match&& match) {
  if (n.self) {
    size_t element = kNoArrayIndex;
    return match(&root, &element);
  }
  size_t found = kNoArrayIndex;
  bool matched = WalkPath(root, n.path, leaf_arrays, [&](const ValueView* v, size_t index) {
    size_t element = kNoArrayIndex;
    if (!match(v, &element)) return false;
    found = index != kNoArrayIndex ? index : element;
    return true;
  });
  if (matched && array_index != nullptr && found != kNoArrayIndex) *array_index = found;
  return matched;
}

// One value (nullptr: missing) against one leaf of the kinds that test values one by one.
inline bool ValueMatches(const Node& n, const ValueView* v) {
  switch (n.kind) {
    case NodeKind::kEq:
      return MatchesEq(n.constant, v);
    case NodeKind::kLt:
    case NodeKind::kLte:
    case NodeKind::kGt:
    case NodeKind::kGte:
      return MatchesComparison(n.kind, n.constant, v);
    case NodeKind::kIn:
      return MatchesIn(*n.in, v);
    case NodeKind::kRegex:
      return MatchesRegex(*n.regex, v);
    case NodeKind::kExists:
      return v != nullptr;
    case NodeKind::kType:
      return MatchesType(n.type_mask, v);
    case NodeKind::kMod:
      return MatchesMod(n, v);
    case NodeKind::kBitsAllSet:
    case NodeKind::kBitsAnySet:
    case NodeKind::kBitsAllClear:
    case NodeKind::kBitsAnyClear:
      return MatchesBits(n.kind, n.bits, v);
    default:
      assert(false && "the parser fuses only value leaves into kPathAnd");
      return false;
  }
}

// kPathAnd: every child must match some value of one walk of the shared path, which is the
// same as walking once per child, at the cost of one walk.
bool EvaluatePathAnd(const Node& n, const ValueView& root, size_t* array_index) {
  const size_t count = n.children.size();
  uint64_t pending = count == 64 ? ~uint64_t{0} : (uint64_t{1} << count) - 1;
  size_t found[64];
  bool matched = WalkPath(root, n.path, LeafArrays::kExpand, [&](const ValueView* v, size_t index) {
    for (uint64_t rest = pending; rest != 0; rest &= rest - 1) {
      const unsigned c = static_cast<unsigned>(__builtin_ctzll(rest));
      if (ValueMatches(*n.children[c], v)) {
        pending &= ~(uint64_t{1} << c);
        found[c] = index;
      }
    }
    return pending == 0;
  });
  if (matched && array_index != nullptr) {
    // As under kAnd: the last child that reports an index wins.
    for (size_t c = count; c-- > 0;) {
      if (found[c] != kNoArrayIndex) {
        *array_index = found[c];
        break;
      }
    }
  }
  return matched;
}

// The leaves, each with the walk specialised for its operator. Kept out of Evaluate so that
// the dispatcher stays small (its prologue is paid at every node).
[[gnu::noinline]] bool EvaluateLeaf(const Node& n, const ValueView& root, size_t* array_index) {
  switch (n.kind) {
    case NodeKind::kEq:
      return MatchLeaf(n, root, LeafArrays::kExpand, array_index,
                       [&](const ValueView* v, size_t*) { return MatchesEq(n.constant, v); });
    case NodeKind::kLt:
    case NodeKind::kLte:
    case NodeKind::kGt:
    case NodeKind::kGte:
      return MatchLeaf(n, root, LeafArrays::kExpand, array_index, [&](const ValueView* v, size_t*) {
        return MatchesComparison(n.kind, n.constant, v);
      });
    case NodeKind::kIn:
      return MatchLeaf(n, root, LeafArrays::kExpand, array_index,
                       [&](const ValueView* v, size_t*) { return MatchesIn(*n.in, v); });
    case NodeKind::kRegex:
      return MatchLeaf(n, root, LeafArrays::kExpand, array_index,
                       [&](const ValueView* v, size_t*) { return MatchesRegex(*n.regex, v); });
    case NodeKind::kSize:
      return MatchLeaf(n, root, LeafArrays::kWhole, array_index, [&](const ValueView* v, size_t*) {
        return v != nullptr && v->IsArray() && v->size() == n.size;
      });
    case NodeKind::kElemMatchObject:
    case NodeKind::kElemMatchValue:
      return MatchLeaf(n, root, LeafArrays::kWhole, array_index,
                       [&](const ValueView* v, size_t* element) {
                         if (v == nullptr) return false;
                         *element = n.kind == NodeKind::kElemMatchObject ? ElemMatchObject(n, *v)
                                                                         : ElemMatchValue(n, *v);
                         return *element != kNoArrayIndex;
                       });
    default:
      return MatchLeaf(n, root, LeafArrays::kExpand, array_index,
                       [&](const ValueView* v, size_t*) { return ValueMatches(n, v); });
  }
}

}  // namespace

bool Evaluate(const Node& n, const ValueView& root, size_t* array_index) {
  switch (n.kind) {
    case NodeKind::kTrue:
      return true;
    case NodeKind::kFalse:
      return false;
    case NodeKind::kAnd:
      for (const auto& child : n.children) {
        if (!Evaluate(*child, root, array_index)) return false;
      }
      return true;
    case NodeKind::kOr:
      for (const auto& child : n.children) {
        if (Evaluate(*child, root, nullptr)) return true;
      }
      return false;
    case NodeKind::kNor:
      for (const auto& child : n.children) {
        if (Evaluate(*child, root, nullptr)) return false;
      }
      return true;
    case NodeKind::kNot:
      return !Evaluate(*n.children[0], root, nullptr);
    case NodeKind::kPathAnd:
      return EvaluatePathAnd(n, root, array_index);
    default:
      return EvaluateLeaf(n, root, array_index);
  }
}

}  // namespace minimongo::query::internal
