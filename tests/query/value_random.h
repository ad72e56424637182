// Random Values for randomized tests, and the helpers that make such tests replayable.
//
// RandomValueGenerator draws values of every BSON type from a seeded std::mt19937_64, so a
// sequence depends only on (seed, options). Two profiles:
//   - the default draws from wide domains (any int64, any double bit pattern class, strings up
//     to 40 bytes with multi-byte UTF-8 and control characters, keys that look like EJSON
//     special forms), for codec and encoding tests;
//   - `small_domain` draws from a handful of values per type (1, 1.0 and int64 1 all occur;
//     "a", "ab"; -0.0, NaN) so that equal and nearly-equal values collide often, for order,
//     equality and hash tests.
// `ejson_exact` restricts the draw to values whose Meteor EJSON text parses back to the same
// types (binary subtype 0, int64 outside the int32 range, dates within +-8.64e15 ms, regex
// flags from "imsxlu" in that order); `meteor_types_only` further drops the types that only
// Extended JSON can write (MinKey, MaxKey, Timestamp).
//
// Identical() is stricter than ValuesEqual: same types everywhere, doubles bit-identical up to
// NaN payloads (so -0.0 differs from 0.0 and 1 from 1.0). DebugString() prints a value without
// the EJSON codec, for failure messages in tests that check the codec itself.
//
// TestSeed() returns the seed of a randomized test: --gtest_random_seed=N when given (N != 0),
// else the test's fixed default; it records it as the test property "seed". Use it as
//   uint64_t seed = TestSeed(20240601);
//   SCOPED_TRACE(SeedTrace(seed));
//
// Thread safety: a generator is not thread-safe; the free functions are pure.

#ifndef MINIMONGO_TESTS_QUERY_VALUE_RANDOM_H_
#define MINIMONGO_TESTS_QUERY_VALUE_RANDOM_H_

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fmt/format.h"
#include "gtest/gtest.h"
#include "query/limits.h"
#include "query/value.h"

namespace minimongo::testing {

using ::minimongo::query::Field;
using ::minimongo::query::kMaxDepth;
using ::minimongo::query::ObjectId;
using ::minimongo::query::Type;
using ::minimongo::query::Value;
using ::minimongo::query::ValueView;

struct RandomValueOptions {
  // Deepest nesting of objects/arrays below the generated value (0: scalars only). Default 4;
  // capped at kMaxDepth - 1.
  size_t max_depth = 4;
  // Most fields of an object / elements of an array. Default 6.
  size_t max_width = 6;
  // Draw from small pools so that equal values are frequent (see the file comment).
  bool small_domain = false;
  // Only values whose EJSON round trip keeps types exactly (see the file comment).
  bool ejson_exact = false;
  // Only types that Meteor's EJSON can express: no MinKey, MaxKey or Timestamp (they are
  // written in Extended JSON, which the DDP layer does not read).
  bool meteor_types_only = false;
};

class RandomValueGenerator {
 public:
  explicit RandomValueGenerator(uint64_t seed, RandomValueOptions options = {})
      : rng_(seed), options_(options) {
    if (options_.max_depth >= kMaxDepth) options_.max_depth = kMaxDepth - 1;
  }

  std::mt19937_64& rng() { return rng_; }

  // A value of any type, nesting at most options.max_depth levels below it.
  Value Next() { return Gen(options_.max_depth); }
  // A value of one of the scalar types.
  Value NextScalar() { return Scalar(); }
  // An object (a document).
  Value NextObject() { return MakeObject(options_.max_depth); }

  uint64_t Uniform(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  bool OneIn(uint64_t n) { return Uniform(n) == 0; }

  // Random number of the given kind, biased toward edges (0, +-1, int32/int64 limits, 2^53).
  int32_t NextInt32() {
    static constexpr int32_t kEdges[] = {
        0, 1, -1, 2, std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min()};
    if (OneIn(3)) return kEdges[Uniform(std::size(kEdges))];
    if (OneIn(2)) return static_cast<int32_t>(Uniform(2001)) - 1000;
    return static_cast<int32_t>(static_cast<uint32_t>(rng_()));
  }
  int64_t NextInt64() {
    static constexpr int64_t kTwo53 = int64_t{1} << 53;
    static constexpr int64_t kEdges[] = {0,
                                         1,
                                         -1,
                                         kTwo53,
                                         kTwo53 + 1,
                                         -kTwo53 - 1,
                                         std::numeric_limits<int64_t>::max(),
                                         std::numeric_limits<int64_t>::min(),
                                         std::numeric_limits<int64_t>::max() - 1,
                                         std::numeric_limits<int64_t>::min() + 1,
                                         int64_t{1} << 62,
                                         int64_t{2147483648},
                                         int64_t{-2147483649}};
    if (OneIn(3)) return kEdges[Uniform(std::size(kEdges))];
    if (OneIn(3)) return kTwo53 + static_cast<int64_t>(Uniform(9)) - 4;
    if (OneIn(2)) return static_cast<int64_t>(rng_() >> Uniform(64));
    return static_cast<int64_t>(rng_());
  }
  double NextDouble() {
    static const double kEdges[] = {0.0,
                                    -0.0,
                                    1.0,
                                    -1.0,
                                    0.5,
                                    0.1,
                                    9007199254740992.0,
                                    9223372036854775808.0,
                                    -9223372036854775808.0,
                                    1e300,
                                    -1e-300,
                                    std::numeric_limits<double>::denorm_min(),
                                    std::numeric_limits<double>::max(),
                                    std::numeric_limits<double>::lowest(),
                                    std::numeric_limits<double>::infinity(),
                                    -std::numeric_limits<double>::infinity(),
                                    std::numeric_limits<double>::quiet_NaN()};
    switch (Uniform(5)) {
      case 0:
        return kEdges[Uniform(std::size(kEdges))];
      case 1:  // small integral values
        return static_cast<double>(static_cast<int64_t>(Uniform(2001)) - 1000);
      case 2:  // integral values near the int64 range and 2^53
        return std::ldexp(static_cast<double>(Uniform(1u << 20)) + 1, 33 + Uniform(31)) *
               (OneIn(2) ? 1 : -1);
      case 3:
        return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
      default: {  // any finite bit pattern
        uint64_t bits = rng_();
        double d;
        std::memcpy(&d, &bits, 8);
        return std::isfinite(d) ? d : 2.5;
      }
    }
  }

  // A string of valid UTF-8: ASCII (including quotes, backslashes and control characters),
  // 2-, 3- and 4-byte sequences, occasionally a NUL byte. Lengths straddle the inline limit.
  std::string NextString() {
    if (options_.small_domain) {
      static constexpr std::string_view kPool[] = {"",        "a", "ab", "b", "B", "abcdefghijkl",
                                                   "\xc3\xa9"};
      return std::string(kPool[Uniform(std::size(kPool))]);
    }
    size_t target = OneIn(2) ? Uniform(14) : Uniform(41);
    std::string s;
    while (s.size() < target) {
      switch (Uniform(12)) {
        case 0:
          s += "\xc3\xa9";  // U+00E9
          break;
        case 1:
          s += "\xe2\x82\xac";  // U+20AC
          break;
        case 2:
          s += "\xf0\x9f\x98\x80";  // U+1F600
          break;
        case 3:
          s += static_cast<char>(Uniform(32));  // control characters, NUL included
          break;
        case 4:
          s += "\"\\/"[Uniform(3)];
          break;
        default:
          s += static_cast<char>(' ' + Uniform(95));
      }
    }
    return s;
  }

  ObjectId NextObjectId() {
    ObjectId oid;
    if (options_.small_domain) {
      oid.bytes[11] = static_cast<uint8_t>(Uniform(3));
      return oid;
    }
    for (auto& b : oid.bytes) b = static_cast<uint8_t>(Uniform(256));
    return oid;
  }

 private:
  Value Gen(size_t depth) {
    if (depth > 0 && OneIn(3)) {
      return OneIn(2) ? MakeObject(depth) : MakeArray(depth);
    }
    return Scalar();
  }

  Value MakeObject(size_t depth) {
    size_t n = Uniform(options_.max_width + 1);
    std::vector<std::pair<std::string, Value>> fields;
    std::vector<std::string> keys;
    for (size_t i = 0; i < n; ++i) {
      std::string key = NextKey(n);
      bool repeated = false;
      for (const std::string& k : keys) repeated = repeated || k == key;
      if (repeated) continue;
      keys.push_back(key);
      fields.emplace_back(std::move(key), depth > 0 ? Gen(depth - 1) : Scalar());
    }
    return Value::Object(fields);
  }

  Value MakeArray(size_t depth) {
    size_t n = Uniform(options_.max_width + 1);
    std::vector<Value> elements;
    for (size_t i = 0; i < n; ++i) elements.push_back(depth > 0 ? Gen(depth - 1) : Scalar());
    return Value::Array(elements);
  }

  // Keys: short plain names, and in small objects often the keys of EJSON special forms, so
  // that plain objects looking like {"$date": ..} or {"$type": .., "$value": ..} occur.
  std::string NextKey(size_t object_size) {
    static constexpr std::string_view kSpecial[] = {"$date",      "$binary",
                                                    "$escape",    "$InfNaN",
                                                    "$type",      "$value",
                                                    "$regexp",    "$flags",
                                                    "$oid",       "$numberLong",
                                                    "$numberInt", "$numberDouble",
                                                    "$timestamp", "$regularExpression",
                                                    "$minKey",    "$maxKey",
                                                    "$foo"};
    static constexpr std::string_view kPlain[] = {"a", "b", "c", "ab", "_id", "name", "", "x.y"};
    if (options_.small_domain) return std::string(kPlain[Uniform(4)]);
    if (object_size <= 2 && OneIn(2)) return std::string(kSpecial[Uniform(std::size(kSpecial))]);
    if (OneIn(8)) return NextString();
    return std::string(kPlain[Uniform(std::size(kPlain))]);
  }

  Value Scalar() {
    if (options_.small_domain) return SmallScalar();
    Value v = WideScalar();
    if (options_.meteor_types_only &&
        (v.type() == Type::kMinKey || v.type() == Type::kMaxKey || v.type() == Type::kTimestamp)) {
      return Value::Null();
    }
    return v;
  }

  Value WideScalar() {
    switch (Uniform(14)) {
      case 0:
        return Value::MinKey();
      case 1:
        return Value::MaxKey();
      case 2:
        return Value::Null();
      case 3:
        return Value::Bool(OneIn(2));
      case 4:
        return Value::Int32(NextInt32());
      case 5: {
        int64_t i = NextInt64();
        if (options_.ejson_exact && i >= std::numeric_limits<int32_t>::min() &&
            i <= std::numeric_limits<int32_t>::max()) {
          i += i < 0 ? -(int64_t{1} << 32) : (int64_t{1} << 32);
        }
        return Value::Int64(i);
      }
      case 6:
        return Value::Double(NextDouble());
      case 7:
      case 8:
        return Value::String(NextString());
      case 9: {
        std::string data;
        size_t n = Uniform(20);
        for (size_t i = 0; i < n; ++i) data += static_cast<char>(Uniform(256));
        uint8_t subtype = options_.ejson_exact ? 0 : static_cast<uint8_t>(Uniform(6));
        return Value::Binary(subtype, data);
      }
      case 10:
        return Value::MakeObjectId(NextObjectId());
      case 11: {
        int64_t ms = options_.ejson_exact
                         ? static_cast<int64_t>(Uniform(17280000000000001ull)) - 8640000000000000
                         : NextInt64();
        return Value::Date(ms);
      }
      case 12:
        return Value::Timestamp(OneIn(4) ? (uint64_t{1} << 32) | 1 : rng_());
      default: {
        static constexpr std::string_view kFlags[] = {"", "i", "m", "im", "s", "imsxlu", "x", "u"};
        static constexpr std::string_view kPatterns[] = {"", "a", "^a.c$", "\\d+", "x/y", "(a|b)*"};
        return Value::Regex(kPatterns[Uniform(std::size(kPatterns))],
                            kFlags[Uniform(std::size(kFlags))]);
      }
    }
  }

  Value SmallScalar() {
    switch (Uniform(13)) {
      case 0:
        return Value::MinKey();
      case 1:
        return Value::MaxKey();
      case 2:
        return Value::Null();
      case 3:
        return Value::Bool(OneIn(2));
      case 4:
      case 5:
      case 6: {  // the same few numbers in all three types
        static constexpr int64_t kInts[] = {-1, 0, 1, 2, int64_t{1} << 53};
        int64_t i = kInts[Uniform(std::size(kInts))];
        switch (Uniform(3)) {
          case 0:
            if (i == (int64_t{1} << 53)) return Value::Int64(i + 1);
            return Value::Int32(static_cast<int32_t>(i));
          case 1:
            return Value::Int64(i);
          default:
            break;
        }
        static const double kExtra[] = {-0.0, 0.5, std::numeric_limits<double>::quiet_NaN(),
                                        -std::numeric_limits<double>::infinity()};
        if (OneIn(3)) return Value::Double(kExtra[Uniform(std::size(kExtra))]);
        return Value::Double(static_cast<double>(i));
      }
      case 7:
      case 8:
        return Value::String(NextString());
      case 9: {
        static constexpr std::string_view kData[] = {"", "a", "b", "ab"};
        return Value::Binary(static_cast<uint8_t>(Uniform(2)), kData[Uniform(std::size(kData))]);
      }
      case 10:
        return Value::MakeObjectId(NextObjectId());
      case 11:
        return OneIn(2) ? Value::Date(static_cast<int64_t>(Uniform(3)) - 1)
                        : Value::Timestamp(Uniform(3));
      default:
        return Value::Regex(OneIn(2) ? "a" : "b", OneIn(2) ? "" : "i");
    }
  }

  std::mt19937_64 rng_;
  RandomValueOptions options_;
};

// The seed of a randomized test: --gtest_random_seed=N when N != 0, else `default_seed`.
// Records it as the test property "seed".
inline uint64_t TestSeed(uint64_t default_seed) {
  int32_t flag = GTEST_FLAG_GET(random_seed);
  uint64_t seed = flag != 0 ? static_cast<uint64_t>(flag) : default_seed;
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return seed;
}

// The text of a SCOPED_TRACE naming the seed and how to replay it.
inline std::string SeedTrace(uint64_t seed) {
  return fmt::format("random seed {} (replay with --gtest_random_seed={})", seed, seed);
}

namespace internal_random {
inline void AppendDebug(ValueView v, std::string* out, size_t depth) {
  if (depth > kMaxDepth) {
    *out += "...";
    return;
  }
  switch (v.type()) {
    case Type::kMinKey:
      *out += "MinKey";
      return;
    case Type::kMaxKey:
      *out += "MaxKey";
      return;
    case Type::kNull:
      *out += "null";
      return;
    case Type::kBool:
      *out += v.AsBool() ? "true" : "false";
      return;
    case Type::kInt32:
      *out += fmt::format("int32({})", v.AsInt32());
      return;
    case Type::kInt64:
      *out += fmt::format("int64({})", v.AsInt64());
      return;
    case Type::kDouble:
      *out += fmt::format("double({})", v.AsDouble());
      return;
    case Type::kString: {
      *out += '"';
      for (unsigned char c : v.AsString()) {
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
          *out += fmt::format("\\x{:02x}", c);
        } else {
          *out += static_cast<char>(c);
        }
      }
      *out += '"';
      return;
    }
    case Type::kBinary: {
      *out += fmt::format("bin{}(", v.BinarySubtype());
      for (unsigned char c : v.BinaryData()) *out += fmt::format("{:02x}", c);
      *out += ')';
      return;
    }
    case Type::kObjectId:
      *out += fmt::format("oid({})", v.AsObjectId().ToHex());
      return;
    case Type::kDate:
      *out += fmt::format("date({})", v.AsDateMillis());
      return;
    case Type::kTimestamp:
      *out += fmt::format("ts({})", v.AsTimestamp());
      return;
    case Type::kRegex:
      *out += fmt::format("/{}/{}", v.RegexPattern(), v.RegexFlags());
      return;
    case Type::kDecimal128:
      *out += "decimal";
      return;
    case Type::kObject: {
      *out += '{';
      bool first = true;
      for (const Field& f : v.fields()) {
        if (!first) *out += ", ";
        first = false;
        *out += fmt::format("\"{}\": ", f.key);
        AppendDebug(f.value, out, depth + 1);
      }
      *out += '}';
      return;
    }
    case Type::kArray: {
      *out += '[';
      bool first = true;
      for (ValueView e : v.elements()) {
        if (!first) *out += ", ";
        first = false;
        AppendDebug(e, out, depth + 1);
      }
      *out += ']';
      return;
    }
  }
}

inline bool IdenticalImpl(ValueView a, ValueView b, size_t depth) {
  if (a.type() != b.type() || depth > kMaxDepth + 1) return false;
  switch (a.type()) {
    case Type::kMinKey:
    case Type::kMaxKey:
    case Type::kNull:
      return true;
    case Type::kBool:
      return a.AsBool() == b.AsBool();
    case Type::kInt32:
      return a.AsInt32() == b.AsInt32();
    case Type::kInt64:
      return a.AsInt64() == b.AsInt64();
    case Type::kDouble: {
      double x = a.AsDouble(), y = b.AsDouble();
      if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
      return x == y && std::signbit(x) == std::signbit(y);
    }
    case Type::kString:
      return a.AsString() == b.AsString();
    case Type::kBinary:
      return a.BinarySubtype() == b.BinarySubtype() && a.BinaryData() == b.BinaryData();
    case Type::kObjectId:
      return a.AsObjectId() == b.AsObjectId();
    case Type::kDate:
      return a.AsDateMillis() == b.AsDateMillis();
    case Type::kTimestamp:
      return a.AsTimestamp() == b.AsTimestamp();
    case Type::kRegex:
      return a.RegexPattern() == b.RegexPattern() && a.RegexFlags() == b.RegexFlags();
    case Type::kDecimal128:
      return std::memcmp(a.payload(), b.payload(), 16) == 0;
    case Type::kObject: {
      if (a.size() != b.size()) return false;
      auto ia = a.fields().begin();
      for (const Field& fb : b.fields()) {
        if (ia->key != fb.key || !IdenticalImpl(ia->value, fb.value, depth + 1)) return false;
        ++ia;
      }
      return true;
    }
    case Type::kArray: {
      if (a.size() != b.size()) return false;
      auto ia = a.elements().begin();
      for (ValueView eb : b.elements()) {
        if (!IdenticalImpl(*ia, eb, depth + 1)) return false;
        ++ia;
      }
      return true;
    }
  }
  return false;
}
}  // namespace internal_random

// A readable rendering of `v` that shows types (int32(1), double(1), date(5), ...). Not EJSON.
inline std::string DebugString(ValueView v) {
  std::string out;
  internal_random::AppendDebug(v, &out, 0);
  return out;
}

// True when `a` and `b` have the same types and contents everywhere (see the file comment).
inline bool Identical(ValueView a, ValueView b) { return internal_random::IdenticalImpl(a, b, 0); }

}  // namespace minimongo::testing

#endif  // MINIMONGO_TESTS_QUERY_VALUE_RANDOM_H_
