#include "query/value_order.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "query/value.h"
#include "tests/query/value_random.h"

namespace minimongo::query {
namespace {

using ::minimongo::testing::DebugString;
using ::minimongo::testing::RandomValueGenerator;
using ::minimongo::testing::RandomValueOptions;
using ::minimongo::testing::SeedTrace;
using ::minimongo::testing::TestSeed;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int32_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kTwo53 = int64_t{1} << 53;

int Sign(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

double NaNWithBits(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}

Value I32(int32_t i) { return Value::Int32(i); }
Value I64(int64_t i) { return Value::Int64(i); }
Value D(double d) { return Value::Double(d); }
Value S(std::string_view s) { return Value::String(s); }
Value Oid(std::string_view hex) { return Value::MakeObjectId(*ObjectId::FromHex(hex)); }

// Values in ascending order, written from MongoDB's "Comparison/Sort Order" documentation:
//   MinKey < Null < Numbers < Symbol, String < Object < Array < BinData < ObjectId < Boolean
//   < Date < Timestamp < Regular Expression < MaxKey,
// numbers compared by value across types, objects by (field type, field name, field value) pair
// after pair, BinData by length, then subtype, then bytes. Each inner list holds values that
// are equal to each other; each list is strictly greater than the one before.
std::vector<std::vector<Value>> AscendingGroups() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double nan_negative = -nan;
  const double nan_payload = NaNWithBits(0x7ff8000000000123ULL);
  const double nan_signaling = NaNWithBits(0x7ff0000000000001ULL);
  return {
      {Value::MinKey()},
      {Value::Null()},
      // Numbers. NaN equals NaN (any payload, any sign) and is below every other number.
      {D(nan), D(nan_negative), D(nan_payload), D(nan_signaling)},
      {D(-kInf)},
      {D(std::numeric_limits<double>::lowest())},
      {D(-1.8446744073709552e19)},
      {I64(kInt64Min), D(-9223372036854775808.0)},
      {I64(kInt64Min + 1)},
      {I64(-kTwo53 - 1)},
      {I64(-kTwo53), D(-9007199254740992.0)},
      {I32(kInt32Min), I64(kInt32Min), D(kInt32Min)},
      {D(-1.5)},
      {I32(-1), I64(-1), D(-1.0)},
      {D(-std::numeric_limits<double>::denorm_min())},
      {I32(0), I64(0), D(0.0), D(-0.0)},
      {D(std::numeric_limits<double>::denorm_min())},
      {D(0.5)},
      {I32(1), I64(1), D(1.0)},
      {D(std::nextafter(1.0, 2.0))},
      {I32(kInt32Max), I64(kInt32Max), D(kInt32Max)},
      {I64(int64_t{1} << 31), D(2147483648.0)},
      {I64(kTwo53), D(9007199254740992.0)},
      // 2^53 + 1 is not a double: as an int64 it is strictly between 2^53 and 2^53 + 2.
      {I64(kTwo53 + 1)},
      {I64(kTwo53 + 2), D(9007199254740994.0)},
      // The largest double below 2^63 is 2^63 - 1024.
      {I64(kInt64Max - 1023), D(9223372036854774784.0)},
      {I64(kInt64Max - 1)},
      {I64(kInt64Max)},
      // 9.223372036854775807e18 rounds to the double 2^63, above every int64.
      {D(9.223372036854775807e18), D(9223372036854775808.0)},
      {D(1e300)},
      {D(std::numeric_limits<double>::max())},
      {D(kInf)},
      // Strings: simple binary comparison of the UTF-8 bytes.
      {S("")},
      {S(std::string("\0", 1))},
      {S("A")},
      {S("B")},
      {S("Z")},
      {S("a")},
      {S(std::string("a\0", 2))},
      {S("ab")},
      {S("abcdefghijklmnop")},
      {S("b")},
      {S("z")},
      {S("\x7f")},
      {S("\xc3\xa9")},          // U+00E9
      {S("\xe2\x82\xac")},      // U+20AC
      {S("\xf0\x9f\x98\x80")},  // U+1F600
      {S("\xf4\x8f\xbf\xbf")},  // U+10FFFF
      // Objects: pair by pair, first the field's type, then its name, then its value; an object
      // that runs out of pairs first is smaller.
      {Value::Object({})},
      {Value::Object({{"b", Value::MinKey()}})},
      {Value::Object({{"a", Value::Null()}})},
      {Value::Object({{"b", Value::Null()}})},
      {Value::Object({{"a", D(-0.0)}}), Value::Object({{"a", I64(0)}})},
      {Value::Object({{"a", I32(1)}}), Value::Object({{"a", D(1.0)}}),
       Value::Object({{"a", I64(1)}})},
      {Value::Object({{"a", I32(1)}, {"b", I32(1)}}), Value::Object({{"a", D(1)}, {"b", I64(1)}})},
      {Value::Object({{"a", I32(2)}})},
      {Value::Object({{"b", I32(1)}})},
      // Key order is significant: {b: 1, a: 1} is not {a: 1, b: 1}.
      {Value::Object({{"b", I32(1)}, {"a", I32(1)}})},
      {Value::Object({{"a", S("x")}})},
      {Value::Object({{"a", Value::Object({})}})},
      {Value::Object({{"a", Value::Object({{"b", D(nan)}})}}),
       Value::Object({{"a", Value::Object({{"b", D(nan_payload)}})}})},
      {Value::Object({{"a", Value::Array({})}})},
      {Value::Object({{"a", Value::Array({I32(1)})}}),
       Value::Object({{"a", Value::Array({D(1.0)})}})},
      {Value::Object({{"a", Value::MaxKey()}})},
      // Arrays: element by element; a prefix is smaller.
      {Value::Array({})},
      {Value::Array({Value::MinKey()})},
      {Value::Array({Value::Null()})},
      {Value::Array({D(nan)}), Value::Array({D(nan_negative)})},
      {Value::Array({I32(-1)})},
      {Value::Array({I32(0)}), Value::Array({D(-0.0)}), Value::Array({I64(0)})},
      {Value::Array({I32(1)}), Value::Array({D(1.0)}), Value::Array({I64(1)})},
      {Value::Array({I32(1), Value::MinKey()})},
      {Value::Array({I32(1), I32(2)}), Value::Array({D(1), I64(2)})},
      {Value::Array({I32(1), I32(2), I32(3)})},
      {Value::Array({I32(1), I32(3)})},
      {Value::Array({I32(2)})},
      {Value::Array({S("a")})},
      {Value::Array({Value::Object({})})},
      {Value::Array({Value::Array({})})},
      {Value::Array({Value::Array({I32(1)})})},
      {Value::Array({Value::MaxKey()})},
      // BinData: by length, then subtype, then bytes.
      {Value::Binary(0, "")},
      {Value::Binary(1, "")},
      {Value::Binary(0, "\xff")},
      {Value::Binary(3, std::string("\0", 1))},
      {Value::Binary(0, std::string("\0\0", 2))},
      {Value::Binary(0, std::string("\0\1", 2))},
      {Value::Binary(0, std::string("\1\0", 2))},
      {Value::Binary(128, std::string("\0\0", 2))},
      // ObjectId: by bytes.
      {Oid("000000000000000000000000")},
      {Oid("000000000000000000000001")},
      {Oid("0100000000000000000000ff")},
      {Oid("ffffffffffffffffffffffff")},
      // Boolean.
      {Value::Bool(false)},
      {Value::Bool(true)},
      // Date: signed milliseconds.
      {Value::Date(kInt64Min)},
      {Value::Date(-1)},
      {Value::Date(0)},
      {Value::Date(1700000000000)},
      {Value::Date(kInt64Max)},
      // Timestamp: unsigned (seconds, increment).
      {Value::Timestamp(0)},
      {Value::Timestamp(1)},
      {Value::Timestamp(0xffffffffULL)},
      {Value::Timestamp(uint64_t{1} << 32)},
      {Value::Timestamp(uint64_t{1} << 63)},
      {Value::Timestamp(~uint64_t{0})},
      // Regular expression: pattern, then flags.
      {Value::Regex("", "")},
      {Value::Regex("", "i")},
      {Value::Regex("a", "")},
      {Value::Regex("a", "i")},
      {Value::Regex("a", "m")},
      {Value::Regex("ab", "")},
      {Value::Regex("b", "")},
      {Value::MaxKey()},
  };
}

TEST(ValueOrderTest, TableOfAscendingGroups) {
  std::vector<std::vector<Value>> groups = AscendingGroups();
  std::vector<std::pair<size_t, const Value*>> all;
  for (size_t g = 0; g < groups.size(); ++g) {
    for (const Value& v : groups[g]) all.emplace_back(g, &v);
  }
  for (const auto& [ga, a] : all) {
    for (const auto& [gb, b] : all) {
      int expected = ga < gb ? -1 : (ga > gb ? 1 : 0);
      int got = Sign(CompareValues(a->view(), b->view()));
      EXPECT_EQ(got, expected) << "CompareValues(" << DebugString(a->view()) << ", "
                               << DebugString(b->view()) << ")";
      EXPECT_EQ(ValuesEqual(a->view(), b->view()), expected == 0);
      EXPECT_EQ(*a == *b, expected == 0);
      EXPECT_EQ(*a != *b, expected != 0);
      EXPECT_EQ(ValueLess()(*a, *b), expected < 0);
      EXPECT_EQ(ValueLess()(a->view(), b->view()), expected < 0);
      if (expected == 0) {
        EXPECT_EQ(HashValue(a->view()), HashValue(b->view()))
            << DebugString(a->view()) << " and " << DebugString(b->view())
            << " are equal but hash differently";
      }
    }
  }
}

TEST(ValueOrderTest, CanonicalTypeOrderFollowsMongoDb) {
  const Type ascending[] = {Type::kMinKey, Type::kNull,  Type::kDouble,    Type::kString,
                            Type::kObject, Type::kArray, Type::kBinary,    Type::kObjectId,
                            Type::kBool,   Type::kDate,  Type::kTimestamp, Type::kRegex,
                            Type::kMaxKey};
  for (size_t i = 1; i < std::size(ascending); ++i) {
    EXPECT_LT(CanonicalTypeOrder(ascending[i - 1]), CanonicalTypeOrder(ascending[i]))
        << TypeName(ascending[i - 1]) << " < " << TypeName(ascending[i]);
  }
  EXPECT_EQ(CanonicalTypeOrder(Type::kInt32), CanonicalTypeOrder(Type::kDouble));
  EXPECT_EQ(CanonicalTypeOrder(Type::kInt64), CanonicalTypeOrder(Type::kDouble));
  EXPECT_EQ(CanonicalTypeOrder(Type::kDecimal128), CanonicalTypeOrder(Type::kDouble));
}

TEST(ValueOrderTest, NumbersCompareExactly) {
  // 2^53 + 1 as int64 vs 2^53 as double: not rounded through double.
  EXPECT_GT(CompareValues(I64(kTwo53 + 1).view(), D(9007199254740992.0).view()), 0);
  EXPECT_LT(CompareValues(D(9007199254740992.0).view(), I64(kTwo53 + 1).view()), 0);
  EXPECT_EQ(CompareValues(I64(kTwo53).view(), D(9007199254740992.0).view()), 0);
  // int64 max vs 9.223372036854775807e18 (the double 2^63).
  EXPECT_LT(CompareValues(I64(kInt64Max).view(), D(9.223372036854775807e18).view()), 0);
  EXPECT_GT(CompareValues(D(9.223372036854775807e18).view(), I64(kInt64Max).view()), 0);
  EXPECT_EQ(CompareValues(I64(kInt64Min).view(), D(-9.223372036854775808e18).view()), 0);
  // -0 == 0 in every type.
  EXPECT_EQ(CompareValues(D(-0.0).view(), I32(0).view()), 0);
  EXPECT_EQ(CompareValues(D(-0.0).view(), D(0.0).view()), 0);
  EXPECT_EQ(CompareValues(D(-0.0).view(), I64(0).view()), 0);
  // NaN == NaN, and NaN < -Infinity < every finite number.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(CompareValues(D(nan).view(), D(-nan).view()), 0);
  EXPECT_LT(CompareValues(D(nan).view(), D(-kInf).view()), 0);
  EXPECT_LT(CompareValues(D(nan).view(), I64(kInt64Min).view()), 0);
  EXPECT_GT(CompareValues(I32(kInt32Min).view(), D(nan).view()), 0);
  EXPECT_LT(CompareValues(D(-kInf).view(), I64(kInt64Min).view()), 0);
  EXPECT_GT(CompareValues(D(kInf).view(), I64(kInt64Max).view()), 0);
  // Fractions against integers of the other type.
  EXPECT_LT(CompareValues(I32(0).view(), D(0.5).view()), 0);
  EXPECT_GT(CompareValues(I64(1).view(), D(0.5).view()), 0);
  EXPECT_LT(CompareValues(D(-1.5).view(), I32(-1).view()), 0);
  EXPECT_GT(CompareValues(D(-0.5).view(), I64(-1).view()), 0);
  EXPECT_EQ(CompareNumbers(I32(3).view(), D(3.0).view()), 0);
  EXPECT_LT(CompareNumbers(I32(3).view(), I64(4).view()), 0);
}

TEST(ValueOrderTest, HashAgreesAcrossNumericTypes) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(HashValue(I32(1).view()), HashValue(D(1.0).view()));
  EXPECT_EQ(HashValue(I32(1).view()), HashValue(I64(1).view()));
  EXPECT_EQ(HashValue(D(-0.0).view()), HashValue(D(0.0).view()));
  EXPECT_EQ(HashValue(D(-0.0).view()), HashValue(I32(0).view()));
  EXPECT_EQ(HashValue(D(nan).view()), HashValue(D(-nan).view()));
  EXPECT_EQ(HashValue(D(nan).view()), HashValue(D(NaNWithBits(0x7ff8dead0000beefULL)).view()));
  EXPECT_EQ(HashValue(I64(kTwo53).view()), HashValue(D(9007199254740992.0).view()));
  EXPECT_EQ(HashValue(I64(kInt64Min).view()), HashValue(D(-9223372036854775808.0).view()));
  Value a = Value::Object({{"x", Value::Array({I32(1), D(-0.0), Value::Object({{"n", D(nan)}})})}});
  Value b = Value::Object({{"x", Value::Array({D(1.0), I64(0), Value::Object({{"n", D(-nan)}})})}});
  EXPECT_TRUE(ValuesEqual(a.view(), b.view()));
  EXPECT_EQ(HashValue(a.view()), HashValue(b.view()));
  EXPECT_EQ(ValueHash()(a), ValueHash()(b.view()));
}

TEST(ValueOrderTest, HashSeparatesDistinctValues) {
  // Not a promise of the API, but a hash that collides on small integers or short strings
  // would make every hash container degenerate.
  std::unordered_set<size_t> ints, strings, docs;
  for (int i = -500; i < 500; ++i) {
    ints.insert(HashValue(I32(i).view()));
    strings.insert(HashValue(S(fmt::format("s{}", i)).view()));
    docs.insert(HashValue(Value::Object({{"k", I32(i)}}).view()));
  }
  EXPECT_GE(ints.size(), 990u);
  EXPECT_GE(strings.size(), 990u);
  EXPECT_GE(docs.size(), 990u);
  EXPECT_NE(HashValue(D(0.5).view()), HashValue(D(0.25).view()));
  EXPECT_NE(HashValue(Value::Array({I32(1), I32(2)}).view()),
            HashValue(Value::Array({I32(2), I32(1)}).view()));
}

TEST(ValueOrderTest, HashContainers) {
  absl::flat_hash_set<Value, ValueHash, ValueEq> ids;
  ids.insert(I32(1));
  EXPECT_TRUE(ids.contains(D(1.0)));
  EXPECT_TRUE(ids.contains(I64(1)));
  Value one_double = D(1.0);
  EXPECT_TRUE(ids.contains(one_double.view()));  // transparent lookup by view
  EXPECT_FALSE(ids.contains(D(1.5)));
  EXPECT_FALSE(ids.insert(D(1.0)).second);
  ids.insert(S("1"));
  ids.insert(Value::Object({{"a", I32(1)}}));
  EXPECT_TRUE(ids.contains(Value::Object({{"a", D(1)}})));
  EXPECT_FALSE(ids.contains(Value::Object({{"b", D(1)}})));
  EXPECT_EQ(ids.size(), 3u);

  std::set<Value, ValueLess> sorted = {S("b"), I32(2), Value::Null(), D(1.5), S("a"), I64(2)};
  std::vector<std::string> order;
  for (const Value& v : sorted) order.push_back(DebugString(v.view()));
  EXPECT_EQ(order, (std::vector<std::string>{"null", "double(1.5)", "int32(2)", "\"a\"", "\"b\""}));
}

// ---------------------------------------------------------------------------------------------
// Randomized

// A total preorder on a random set with many ties: sort it, cut it into runs of equal
// neighbours, then every pair must compare as its runs do (equal within a run, ordered across
// runs, antisymmetric), and equal values must hash alike.
TEST(ValueOrderTest, RandomizedTotalPreorder) {
  uint64_t seed = TestSeed(20240601);
  SCOPED_TRACE(SeedTrace(seed));
  RandomValueOptions options;
  options.small_domain = true;
  options.max_depth = 2;
  options.max_width = 3;
  RandomValueGenerator gen(seed, options);
  std::vector<Value> values;
  for (int i = 0; i < 600; ++i) values.push_back(gen.Next());
  std::stable_sort(values.begin(), values.end(), ValueLess());
  std::vector<size_t> run(values.size(), 0);
  for (size_t i = 1; i < values.size(); ++i) {
    int c = CompareValues(values[i - 1].view(), values[i].view());
    ASSERT_LE(c, 0) << "not sorted: " << DebugString(values[i - 1].view()) << " > "
                    << DebugString(values[i].view());
    run[i] = run[i - 1] + (c == 0 ? 0 : 1);
  }
  int failures = 0;
  for (size_t i = 0; i < values.size() && failures < 20; ++i) {
    for (size_t j = 0; j < values.size() && failures < 20; ++j) {
      ValueView a = values[i].view(), b = values[j].view();
      int expected = run[i] < run[j] ? -1 : (run[i] > run[j] ? 1 : 0);
      int ab = Sign(CompareValues(a, b));
      int ba = Sign(CompareValues(b, a));
      if (ab != expected || ba != -expected) {
        ++failures;
        ADD_FAILURE() << "inconsistent order: " << DebugString(a) << " vs " << DebugString(b)
                      << ": compare(a,b)=" << ab << " compare(b,a)=" << ba << ", runs " << run[i]
                      << " and " << run[j];
      }
      if (expected == 0 && HashValue(a) != HashValue(b)) {
        ++failures;
        ADD_FAILURE() << "equal values hash differently: " << DebugString(a) << " and "
                      << DebugString(b);
      }
    }
  }
  // The small domain must actually produce ties and many distinct classes, or the test is
  // vacuous.
  EXPECT_LT(run.back() + 1, values.size() * 3 / 4);
  EXPECT_GT(run.back() + 1, 100u);
}

// Numbers against an independent oracle: x86-64's 80-bit long double holds every int64 and
// every double exactly, so comparing there is exact.
TEST(ValueOrderTest, RandomizedNumbersAgainstLongDouble) {
  if (std::numeric_limits<long double>::digits < 64) {
    GTEST_SKIP() << "long double cannot hold every int64 exactly on this platform";
  }
  uint64_t seed = TestSeed(7340033);
  SCOPED_TRACE(SeedTrace(seed));
  RandomValueGenerator gen(seed);
  auto next = [&gen]() -> Value {
    switch (gen.Uniform(3)) {
      case 0:
        return I32(gen.NextInt32());
      case 1:
        return I64(gen.NextInt64());
      default:
        return D(gen.NextDouble());
    }
  };
  auto oracle = [](ValueView a, ValueView b) {
    auto as_long_double = [](ValueView v) -> long double {
      switch (v.type()) {
        case Type::kInt32:
          return v.AsInt32();
        case Type::kInt64:
          return static_cast<long double>(v.AsInt64());
        default:
          return v.AsDouble();
      }
    };
    long double x = as_long_double(a), y = as_long_double(b);
    bool nx = std::isnan(x), ny = std::isnan(y);
    if (nx || ny) return nx && ny ? 0 : (nx ? -1 : 1);
    return x < y ? -1 : (x > y ? 1 : 0);
  };
  int failures = 0;
  for (int i = 0; i < 200000 && failures < 20; ++i) {
    Value a = next();
    Value b = gen.OneIn(4) ? a.view().ToValue() : next();
    if (gen.OneIn(4) && a.type() == Type::kInt64) {
      // The same number as a double, when it is one: exercises equality across types.
      b = D(static_cast<double>(a.view().AsInt64()));
    }
    int expected = oracle(a.view(), b.view());
    int got = Sign(CompareValues(a.view(), b.view()));
    if (got != expected) {
      ++failures;
      ADD_FAILURE() << "CompareValues(" << DebugString(a.view()) << ", " << DebugString(b.view())
                    << ") = " << got << ", expected " << expected;
    }
    if (expected == 0 && HashValue(a.view()) != HashValue(b.view())) {
      ++failures;
      ADD_FAILURE() << DebugString(a.view()) << " == " << DebugString(b.view())
                    << " but hashes differ";
    }
  }
}

// Any value equals its copies, its ToValue() and a rebuilt copy, with the same hash.
TEST(ValueOrderTest, RandomizedReflexivity) {
  uint64_t seed = TestSeed(99991);
  SCOPED_TRACE(SeedTrace(seed));
  RandomValueGenerator gen(seed);
  for (int i = 0; i < 2000; ++i) {
    Value v = gen.Next();
    ValueBuilder b;
    b.Append(v.view());
    Value rebuilt = b.Finish();
    Value shared = v.view().ToValue();
    for (const Value* w : {&v, &rebuilt, &shared}) {
      ASSERT_EQ(CompareValues(v.view(), w->view()), 0) << DebugString(v.view());
      ASSERT_EQ(HashValue(v.view()), HashValue(w->view())) << DebugString(v.view());
    }
  }
}

}  // namespace
}  // namespace minimongo::query
