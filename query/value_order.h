// MongoDB's total order over values, the equality it implies, and a hash consistent with it.
//
// Order across types (the BSON comparison order):
//   MinKey < null < numbers < string < object < array < binary < ObjectId < bool < date
//   < timestamp < regex < MaxKey.
// Within a type:
//   - numbers compare by numeric value across int32, int64 and double, exactly (an int64 beyond
//     2^53 is not rounded through double); -0 == 0; NaN equals NaN and is below every other
//     number.
//   - strings compare by their UTF-8 bytes (simple binary comparison, no collation).
//   - objects compare field by field in stored order: first the type order of the two values,
//     then the field names, then the values; an object that is a prefix of another is smaller.
//     Key order is significant: {a:1,b:1} != {b:1,a:1}.
//   - arrays compare element by element; a prefix is smaller.
//   - binary: by length, then subtype, then bytes. ObjectId: by bytes. bool: false < true.
//     date: signed milliseconds. timestamp: unsigned 64 bits. regex: pattern, then flags.
//
// Equality is Compare() == 0, and HashValue() is consistent with it: equal values (1, 1.0,
// int64 1, -0.0 and 0) hash alike. This is value identity as MongoDB's `$in` sets, `_id` maps
// and sort keys see it; query-time equality rules (arrays, null matching missing) live in the
// selector, not here.
//
// Thread safety: pure functions.
//
// Example:
//   absl::flat_hash_set<Value, ValueHash, ValueEq> ids;
//   ids.insert(Value::Int32(1));
//   ids.contains(Value::Double(1.0));  // true

#ifndef MINIMONGO_QUERY_VALUE_ORDER_H_
#define MINIMONGO_QUERY_VALUE_ORDER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "query/value.h"

namespace minimongo::query {

// Rank of a type in the BSON comparison order; all numeric types share one rank.
int CanonicalTypeOrder(Type type);

// <0, 0 or >0 as a sorts before, equal to, or after b.
int CompareValues(ValueView a, ValueView b);

inline bool ValuesEqual(ValueView a, ValueView b) { return CompareValues(a, b) == 0; }

// A hash consistent with ValuesEqual.
size_t HashValue(ValueView v);
// HashValue of the string value whose UTF-8 bytes are `s`, without building that value.
size_t HashStringValue(std::string_view s);

// Functors for hash containers of Values (transparent: they also take ValueViews).
struct ValueHash {
  using is_transparent = void;
  size_t operator()(const Value& v) const { return HashValue(v.view()); }
  size_t operator()(ValueView v) const { return HashValue(v); }
};
struct ValueEq {
  using is_transparent = void;
  bool operator()(const Value& a, const Value& b) const { return ValuesEqual(a.view(), b.view()); }
  bool operator()(ValueView a, const Value& b) const { return ValuesEqual(a, b.view()); }
  bool operator()(const Value& a, ValueView b) const { return ValuesEqual(a.view(), b); }
  bool operator()(ValueView a, ValueView b) const { return ValuesEqual(a, b); }
};
// Strict weak ordering for ordered containers and std::sort.
struct ValueLess {
  bool operator()(const Value& a, const Value& b) const {
    return CompareValues(a.view(), b.view()) < 0;
  }
  bool operator()(ValueView a, ValueView b) const { return CompareValues(a, b) < 0; }
};

inline bool operator==(const Value& a, const Value& b) { return ValuesEqual(a.view(), b.view()); }
inline bool operator!=(const Value& a, const Value& b) { return !(a == b); }

// Exact comparison of two numeric values (REQUIRES both IsNumber()).
int CompareNumbers(ValueView a, ValueView b);

}  // namespace minimongo::query

#endif  // MINIMONGO_QUERY_VALUE_ORDER_H_
