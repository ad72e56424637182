#include "query/ejson.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/limits.h"
#include "query/value.h"
#include "query/value_order.h"
#include "tests/query/value_random.h"
#include "tests/testing/status_matchers.h"

namespace minimongo::query {
namespace {

using ::minimongo::testing::DebugString;
using ::minimongo::testing::Identical;
using ::minimongo::testing::IsOk;
using ::minimongo::testing::RandomValueGenerator;
using ::minimongo::testing::RandomValueOptions;
using ::minimongo::testing::SeedTrace;
using ::minimongo::testing::StatusIs;
using ::minimongo::testing::TestSeed;

constexpr double kInf = std::numeric_limits<double>::infinity();

EjsonOptions MarkDoubles() {
  EjsonOptions options;
  options.mark_doubles = true;
  return options;
}

// Parses text that must be valid; on failure records the status and returns null.
Value Parse(std::string_view text) {
  absl::StatusOr<Value> v = ParseEjson(text);
  EXPECT_THAT(v, IsOk()) << "text: " << text;
  return v.ok() ? *std::move(v) : Value();
}

// Text -> Value -> text.
std::string Canonical(std::string_view text) { return ToEjson(Parse(text).view()); }

// The byte offset named by an error message ("... at byte N: ..."), or -1.
long ErrorOffset(const absl::Status& status) {
  static const std::regex kOffset("at byte ([0-9]+)");
  std::string message(status.message());
  std::smatch m;
  if (!std::regex_search(message, m, kOffset)) return -1;
  return std::stol(m[1]);
}

// `text` is rejected with InvalidArgument, a message containing `fragment`, and a byte offset
// within the text.
void ExpectRejected(std::string_view text, std::string_view fragment = "") {
  absl::StatusOr<Value> v = ParseEjson(text);
  std::string shown(text.substr(0, 200));
  ASSERT_FALSE(v.ok()) << "accepted: " << shown << " as " << DebugString(v->view());
  EXPECT_THAT(v.status(), StatusIs(absl::StatusCode::kInvalidArgument, std::string(fragment)))
      << "text: " << shown;
  long offset = ErrorOffset(v.status());
  EXPECT_GE(offset, 0) << "no byte offset in: " << v.status().message();
  EXPECT_LE(offset, static_cast<long>(text.size())) << v.status().message();
  std::string message(v.status().message());
  EXPECT_EQ(message.find('\n'), std::string::npos) << "multi-line message: " << message;
  EXPECT_FALSE(!message.empty() && message.back() == '.') << "trailing period: " << message;
}

// ---------------------------------------------------------------------------------------------
// Plain JSON

TEST(EjsonTest, PlainJsonValues) {
  EXPECT_TRUE(Parse("null").IsNull());
  EXPECT_TRUE(Parse("true").view().AsBool());
  EXPECT_FALSE(Parse("false").view().AsBool());
  EXPECT_EQ(Parse(R"("hi")").view().AsString(), "hi");
  EXPECT_EQ(Parse("[]").type(), Type::kArray);
  EXPECT_EQ(Parse("{}").type(), Type::kObject);
  Value doc = Parse(R"({"b": 1, "a": [true, null, "x", {"c": -2.5}]})");
  ASSERT_EQ(doc.type(), Type::kObject);
  ValueView a = *doc.Find("a");
  EXPECT_EQ(a.size(), 4u);
  EXPECT_TRUE(a.At(1)->IsNull());
  EXPECT_EQ(a.At(3)->Find("c")->AsDouble(), -2.5);
  // Key order is kept, and the output is compact.
  EXPECT_EQ(ToEjson(doc.view()), R"({"b":1,"a":[true,null,"x",{"c":-2.5}]})");
  for (std::string_view text :
       {"null", "true", "false", "\"\"", "[]", "{}", "[[],{}]", "0", "-7", R"({"":{"":[]}})"}) {
    EXPECT_EQ(Canonical(text), text);
  }
}

TEST(EjsonTest, SurroundingWhitespaceIsAllowed) {
  Value v = Parse(" \t\r\n {\"a\" : [ 1 , 2 ] }\n ");
  EXPECT_EQ(ToEjson(v.view()), R"({"a":[1,2]})");
}

TEST(EjsonTest, Strings) {
  EXPECT_EQ(Parse(R"("\u00e9")").view().AsString(), "\xc3\xa9");
  EXPECT_EQ(Parse(R"("\ud83d\ude00")").view().AsString(), "\xf0\x9f\x98\x80");
  EXPECT_EQ(Parse(R"("a\u0000b")").view().AsString(), std::string_view("a\0b", 3));
  EXPECT_EQ(Parse(R"("\"\\\/\b\f\n\r\t")").view().AsString(), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(Parse("\"\xe2\x82\xac raw\"").view().AsString(), "\xe2\x82\xac raw");
  EXPECT_EQ(ToEjson(Value::String("a\"b\\c\n\td").view()), R"("a\"b\\c\n\td")");
  EXPECT_EQ(ToEjson(Value::String("a/b").view()), R"("a/b")");
  EXPECT_EQ(ToEjson(Value::String(std::string("\x01\0", 2)).view()), R"("\u0001\u0000")");
  for (std::string s : {std::string("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
                        std::string("\x1f\x7f", 2), std::string(1000, 'q')}) {
    EXPECT_EQ(Parse(ToEjson(Value::String(s).view())).view().AsString(), s);
  }
  Value keyed = Parse(R"({"\u00e9": 1, "a\nb": 2})");
  EXPECT_EQ(keyed.Find("\xc3\xa9")->AsInt32(), 1);
  EXPECT_EQ(keyed.Find("a\nb")->AsInt32(), 2);
  EXPECT_EQ(ToEjson(keyed.view()), "{\"\xc3\xa9\":1,\"a\\nb\":2}");
}

// ---------------------------------------------------------------------------------------------
// Numbers

struct IntegerCase {
  std::string_view text;
  Type type;
  int64_t value;  // for int32/int64
};

TEST(EjsonTest, IntegersBecomeInt32OrInt64ByMagnitude) {
  const IntegerCase cases[] = {
      {"0", Type::kInt32, 0},
      {"1", Type::kInt32, 1},
      {"-1", Type::kInt32, -1},
      {"2147483647", Type::kInt32, 2147483647},
      {"-2147483648", Type::kInt32, -2147483648LL},
      {"2147483648", Type::kInt64, 2147483648LL},
      {"-2147483649", Type::kInt64, -2147483649LL},
      {"9007199254740993", Type::kInt64, 9007199254740993LL},
      {"9223372036854775807", Type::kInt64, std::numeric_limits<int64_t>::max()},
      {"-9223372036854775808", Type::kInt64, std::numeric_limits<int64_t>::min()},
  };
  for (const IntegerCase& c : cases) {
    Value v = Parse(c.text);
    ASSERT_EQ(v.type(), c.type) << c.text << " parsed as " << DebugString(v.view());
    int64_t got = c.type == Type::kInt32 ? v.view().AsInt32() : v.view().AsInt64();
    EXPECT_EQ(got, c.value) << c.text;
    EXPECT_EQ(ToEjson(v.view()), c.text);
  }
}

TEST(EjsonTest, BeyondInt64OrWithFractionOrExponentIsDouble) {
  struct Case {
    std::string_view text;
    double value;
  };
  const Case cases[] = {
      {"9223372036854775808", 9223372036854775808.0},
      {"-9223372036854775809", -9223372036854775808.0},
      {"123456789012345678901234567890", 1.2345678901234568e29},
      {"1.0", 1.0},
      {"-0.5", -0.5},
      {"1e2", 100.0},
      {"1E2", 100.0},
      {"2.5e-3", 0.0025},
      {"-1.5E+300", -1.5e300},
      {"0.1", 0.1},
  };
  for (const Case& c : cases) {
    Value v = Parse(c.text);
    ASSERT_EQ(v.type(), Type::kDouble) << c.text << " parsed as " << DebugString(v.view());
    EXPECT_EQ(v.view().AsDouble(), c.value) << c.text;
  }
  EXPECT_TRUE(std::signbit(Parse("-0.0").view().AsDouble()));
  EXPECT_EQ(Parse("-0").view().NumberAsDouble(), 0.0);
}

TEST(EjsonTest, DoublesPrintAndParseBack) {
  EXPECT_EQ(ToEjson(Value::Double(1.5).view()), "1.5");
  EXPECT_EQ(ToEjson(Value::Double(-2.25).view()), "-2.25");
  EXPECT_EQ(ToEjson(Value::Double(0.1).view()), "0.1");
  // Integral doubles: Meteor style by default, marked with mark_doubles.
  EXPECT_EQ(ToEjson(Value::Double(1.0).view()), "1");
  EXPECT_EQ(ToEjson(Value::Double(1.0).view(), MarkDoubles()), "1.0");
  EXPECT_EQ(ToEjson(Value::Double(-3.0).view(), MarkDoubles()), "-3.0");
  EXPECT_EQ(ToEjson(Value::Double(1.5).view(), MarkDoubles()), "1.5");
  EXPECT_EQ(ToEjson(Value::Int32(1).view(), MarkDoubles()), "1");
  EXPECT_EQ(ToEjson(Value::Int64(int64_t{1} << 40).view()), "1099511627776");
  EXPECT_EQ(ToEjson(Value::Int64(5).view()), "5");

  const double samples[] = {1.0,
                            -0.0,
                            0.0,
                            123456789012.0,
                            9007199254740992.0,
                            9223372036854775808.0,
                            1e21,
                            1e300,
                            -1e-300,
                            5e-324,
                            std::numeric_limits<double>::max(),
                            0.30000000000000004,
                            2.0 / 3.0};
  for (double d : samples) {
    Value v = Value::Double(d);
    std::string marked = ToEjson(v.view(), MarkDoubles());
    Value back = Parse(marked);
    EXPECT_TRUE(Identical(back.view(), v.view()))
        << d << " printed as " << marked << " parsed as " << DebugString(back.view());
    // Without marks the type may change (1.0 reads back as int32 1) but never the value.
    std::string plain = ToEjson(v.view());
    EXPECT_TRUE(ValuesEqual(Parse(plain).view(), v.view())) << d << " printed as " << plain;
  }
}

TEST(EjsonTest, NonFiniteDoubles) {
  Value inf = Parse(R"({"$InfNaN": 1})");
  ASSERT_EQ(inf.type(), Type::kDouble);
  EXPECT_EQ(inf.view().AsDouble(), kInf);
  Value ninf = Parse(R"({"$InfNaN": -1})");
  ASSERT_EQ(ninf.type(), Type::kDouble);
  EXPECT_EQ(ninf.view().AsDouble(), -kInf);
  Value nan = Parse(R"({"$InfNaN": 0})");
  ASSERT_EQ(nan.type(), Type::kDouble);
  EXPECT_TRUE(std::isnan(nan.view().AsDouble()));

  EXPECT_EQ(ToEjson(Value::Double(kInf).view()), R"({"$InfNaN":1})");
  EXPECT_EQ(ToEjson(Value::Double(-kInf).view()), R"({"$InfNaN":-1})");
  EXPECT_EQ(ToEjson(Value::Double(std::nan("")).view()), R"({"$InfNaN":0})");
  EXPECT_EQ(ToEjson(Value::Double(-std::nan("")).view(), MarkDoubles()), R"({"$InfNaN":0})");
}

// ---------------------------------------------------------------------------------------------
// Meteor special forms

TEST(EjsonTest, Date) {
  Value v = Parse(R"({"$date": 1700000000000})");
  ASSERT_EQ(v.type(), Type::kDate);
  EXPECT_EQ(v.view().AsDateMillis(), 1700000000000);
  EXPECT_EQ(ToEjson(v.view()), R"({"$date":1700000000000})");
  EXPECT_EQ(Canonical(R"({"$date":-1})"), R"({"$date":-1})");
  EXPECT_EQ(Canonical(R"({"$date":0})"), R"({"$date":0})");
  EXPECT_EQ(ToEjson(Value::Date(-62135596800000).view()), R"({"$date":-62135596800000})");
  // Fractions are truncated toward zero; any JSON number is accepted.
  EXPECT_EQ(Parse(R"({"$date": 1.9})").view().AsDateMillis(), 1);
  EXPECT_EQ(Parse(R"({"$date": -1.9})").view().AsDateMillis(), -1);
  EXPECT_EQ(Parse(R"({"$date": 1e3})").view().AsDateMillis(), 1000);
}

TEST(EjsonTest, Binary) {
  struct Case {
    std::string_view base64;
    std::string bytes;
  };
  const Case cases[] = {
      {"", ""},
      {"YQ==", "a"},
      {"YWI=", "ab"},
      {"YWJj", "abc"},
      {"AQID", "\x01\x02\x03"},
      {"/w==", "\xff"},
      {"AAEC+g==", std::string("\x00\x01\x02\xfa", 4)},
      {"+/+/", "\xfb\xff\xbf"},
  };
  for (const Case& c : cases) {
    std::string text = "{\"$binary\":\"" + std::string(c.base64) + "\"}";
    Value v = Parse(text);
    ASSERT_EQ(v.type(), Type::kBinary) << text;
    EXPECT_EQ(v.view().BinarySubtype(), 0) << text;
    EXPECT_EQ(v.view().BinaryData(), c.bytes) << text;
    EXPECT_EQ(ToEjson(v.view()), text);
  }
  // Other subtypes have no Meteor form: the bytes are written, the subtype is not.
  EXPECT_EQ(ToEjson(Value::Binary(4, "\x01").view()), R"({"$binary":"AQ=="})");
  // Every byte value survives.
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(Parse(ToEjson(Value::Binary(0, all).view())).view().BinaryData(), all);
}

TEST(EjsonTest, ObjectId) {
  Value v = Parse(R"({"$type": "oid", "$value": "5f1a2b3c4d5e6f7a8b9c0d1e"})");
  ASSERT_EQ(v.type(), Type::kObjectId);
  EXPECT_EQ(v.view().AsObjectId().ToHex(), "5f1a2b3c4d5e6f7a8b9c0d1e");
  EXPECT_EQ(ToEjson(v.view()), R"({"$type":"oid","$value":"5f1a2b3c4d5e6f7a8b9c0d1e"})");
  // Key order of the form does not matter; output is lower case.
  EXPECT_EQ(Canonical(R"({"$value":"5F1A2B3C4D5E6F7A8B9C0D1E","$type":"oid"})"),
            R"({"$type":"oid","$value":"5f1a2b3c4d5e6f7a8b9c0d1e"})");
}

TEST(EjsonTest, Regex) {
  Value v = Parse(R"({"$regexp": "^a.c$", "$flags": "i"})");
  ASSERT_EQ(v.type(), Type::kRegex);
  EXPECT_EQ(v.view().RegexPattern(), "^a.c$");
  EXPECT_EQ(v.view().RegexFlags(), "i");
  EXPECT_EQ(ToEjson(v.view()), R"({"$regexp":"^a.c$","$flags":"i"})");
  Value escaped = Parse(R"({"$regexp": "\\d+\"/", "$flags": ""})");
  ASSERT_EQ(escaped.type(), Type::kRegex);
  EXPECT_EQ(escaped.view().RegexPattern(), "\\d+\"/");
  EXPECT_EQ(escaped.view().RegexFlags(), "");
  EXPECT_EQ(ToEjson(escaped.view()), R"({"$regexp":"\\d+\"/","$flags":""})");
  for (std::string_view flags : {"i", "m", "s", "x", "l", "u", "imsxlu"}) {
    std::string text = "{\"$regexp\":\"a\",\"$flags\":\"" + std::string(flags) + "\"}";
    EXPECT_EQ(Parse(text).view().RegexFlags(), flags);
  }
}

TEST(EjsonTest, TimestampMinKeyMaxKeyUseExtendedJson) {
  Value ts = Parse(R"({"$timestamp": {"t": 1, "i": 2}})");
  ASSERT_EQ(ts.type(), Type::kTimestamp);
  EXPECT_EQ(ts.view().AsTimestamp(), (uint64_t{1} << 32) | 2);
  EXPECT_EQ(ToEjson(ts.view()), R"({"$timestamp":{"t":1,"i":2}})");
  EXPECT_EQ(ToEjson(Value::Timestamp(~uint64_t{0}).view()),
            R"({"$timestamp":{"t":4294967295,"i":4294967295}})");
  EXPECT_EQ(Parse(R"({"$timestamp":{"t":4294967295,"i":4294967295}})").view().AsTimestamp(),
            ~uint64_t{0});
  EXPECT_EQ(Parse(R"({"$minKey": 1})").type(), Type::kMinKey);
  EXPECT_EQ(Parse(R"({"$maxKey": 1})").type(), Type::kMaxKey);
  EXPECT_EQ(ToEjson(Value::MinKey().view()), R"({"$minKey":1})");
  EXPECT_EQ(ToEjson(Value::MaxKey().view()), R"({"$maxKey":1})");
}

TEST(EjsonTest, FixtureDocumentRoundTrips) {
  // The `added` fields of hw-ddp-ejson line 4 and their canonical re-encoding.
  constexpr std::string_view kInput =
      R"({"created":{"$date":1700000000000},"blob":{"$binary":"AAEC+g=="},"empty":{"$binary":""},)"
      R"("literal":{"$escape":{"$date":"not a date"}},"nested":{"$escape":{"$date":{"$date":32491}}},)"
      R"("inf":{"$InfNaN":1},"ninf":{"$InfNaN":-1},"nan":{"$InfNaN":0},)"
      R"("re":{"$regexp":"^a.c$","$flags":"i"},)"
      R"("list":[{"$date":0},{"$escape":{"$binary":"x"}},[{"$date":-86400000}]],)"
      R"("dollarKeys":{"$foo":1,"$bar":{"$date":1}},"notSpecial":{"$date":5,"x":1},)"
      R"("redundantEscape":{"$escape":{"a":{"$date":2}}},"escEmpty":{"$escape":{}}})";
  constexpr std::string_view kCanonical =
      R"({"created":{"$date":1700000000000},"blob":{"$binary":"AAEC+g=="},"empty":{"$binary":""},)"
      R"("literal":{"$escape":{"$date":"not a date"}},"nested":{"$escape":{"$date":{"$date":32491}}},)"
      R"("inf":{"$InfNaN":1},"ninf":{"$InfNaN":-1},"nan":{"$InfNaN":0},)"
      R"("re":{"$regexp":"^a.c$","$flags":"i"},)"
      R"("list":[{"$date":0},{"$escape":{"$binary":"x"}},[{"$date":-86400000}]],)"
      R"("dollarKeys":{"$foo":1,"$bar":{"$date":1}},"notSpecial":{"$date":5,"x":1},)"
      R"("redundantEscape":{"a":{"$date":2}},"escEmpty":{}})";
  Value doc = Parse(kInput);
  EXPECT_EQ(ToEjson(doc.view()), kCanonical);
  EXPECT_EQ(doc.Find("created")->type(), Type::kDate);
  EXPECT_EQ(doc.Find("literal")->Find("$date")->AsString(), "not a date");
  EXPECT_EQ(doc.Find("nested")->Find("$date")->type(), Type::kDate);
  EXPECT_EQ(doc.Find("nested")->Find("$date")->AsDateMillis(), 32491);
  EXPECT_EQ(doc.Find("list")->At(1)->Find("$binary")->AsString(), "x");
  EXPECT_EQ(doc.Find("dollarKeys")->Find("$bar")->type(), Type::kDate);
  EXPECT_EQ(doc.Find("notSpecial")->Find("$date")->AsInt32(), 5);
  EXPECT_EQ(doc.Find("redundantEscape")->Find("a")->type(), Type::kDate);
  EXPECT_TRUE(doc.Find("escEmpty")->IsObject());
  EXPECT_TRUE(doc.Find("escEmpty")->empty());
  // Canonical text is a fixed point.
  EXPECT_EQ(Canonical(kCanonical), kCanonical);
}

// ---------------------------------------------------------------------------------------------
// $escape

TEST(EjsonTest, EscapeTakesKeysLiterallyOneLevelDown) {
  Value v = Parse(R"({"$escape": {"$InfNaN": 0, "$type": {"$date": 3}}})");
  ASSERT_EQ(v.type(), Type::kObject);
  EXPECT_EQ(v.size(), 2u);
  EXPECT_EQ(v.Find("$InfNaN")->AsInt32(), 0);
  EXPECT_EQ(v.Find("$type")->type(), Type::kDate);  // values are still EJSON

  // An escaped "$escape" key is a plain key, and its value is decoded as usual.
  Value nested = Parse(R"({"$escape": {"$escape": {"a": 1}}})");
  ASSERT_EQ(nested.size(), 1u);
  EXPECT_EQ(nested.Find("$escape")->Find("a")->AsInt32(), 1);
  EXPECT_EQ(ToEjson(nested.view()), R"({"$escape":{"$escape":{"a":1}}})");

  // Escaping is one level only: a special form two levels down is decoded.
  Value deep = Parse(R"({"$escape": {"$date": {"$escape": {"$date": 1}}}})");
  EXPECT_EQ(deep.Find("$date")->Find("$date")->type(), Type::kInt32);
  EXPECT_EQ(ToEjson(deep.view()), R"({"$escape":{"$date":{"$escape":{"$date":1}}}})");

  Value in_array = Parse(R"([{"$escape": {"$InfNaN": 0}}, {"$escape": {"x": {"$InfNaN": 0}}}])");
  EXPECT_EQ(in_array.view().At(0)->Find("$InfNaN")->AsInt32(), 0);
  EXPECT_TRUE(std::isnan(in_array.view().At(1)->Find("x")->AsDouble()));
  EXPECT_EQ(ToEjson(in_array.view()), R"([{"$escape":{"$InfNaN":0}},{"x":{"$InfNaN":0}}])");
}

TEST(EjsonTest, EscapeWithOtherKeysIsAPlainObject) {
  Value v = Parse(R"({"$escape": {"$date": 1}, "b": 2})");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v.Find("$escape")->type(), Type::kDate);
  EXPECT_EQ(ToEjson(v.view()), R"({"$escape":{"$date":1},"b":2})");
}

// Every plain object whose key set is one of the special forms is wrapped on output, and the
// wrapped text reads back as the same plain object.
TEST(EjsonTest, SpecialLookingPlainObjectsAreRewrapped) {
  const std::vector<Value> plain = {
      Value::Object({{"$date", Value::String("x")}}),
      Value::Object({{"$date", Value::Int32(5)}}),
      Value::Object({{"$binary", Value::String("AQID")}}),
      Value::Object({{"$escape", Value::Int32(5)}}),
      Value::Object({{"$escape", Value::Object({})}}),
      Value::Object({{"$InfNaN", Value::Int32(1)}}),
      Value::Object({{"$type", Value::String("Money")}, {"$value", Value::Int32(5)}}),
      Value::Object({{"$value", Value::Int32(5)}, {"$type", Value::String("oid")}}),
      Value::Object({{"$regexp", Value::String("a")}, {"$flags", Value::String("")}}),
      Value::Object({{"$oid", Value::String("5f1a2b3c4d5e6f7a8b9c0d1e")}}),
      Value::Object({{"$numberLong", Value::String("5")}}),
      Value::Object({{"$numberInt", Value::String("5")}}),
      Value::Object({{"$numberDouble", Value::String("NaN")}}),
      Value::Object(
          {{"$timestamp", Value::Object({{"t", Value::Int32(1)}, {"i", Value::Int32(2)}})}}),
      Value::Object({{"$regularExpression", Value::Object({{"pattern", Value::String("a")},
                                                           {"options", Value::String("")}})}}),
      Value::Object({{"$minKey", Value::Int32(1)}}),
      Value::Object({{"$maxKey", Value::Int32(1)}}),
  };
  for (const Value& v : plain) {
    std::string text = ToEjson(v.view(), MarkDoubles());
    EXPECT_TRUE(text.rfind("{\"$escape\":{", 0) == 0)
        << DebugString(v.view()) << " written as " << text;
    Value back = Parse(text);
    EXPECT_TRUE(Identical(back.view(), v.view()))
        << DebugString(v.view()) << " -> " << text << " -> " << DebugString(back.view());
  }
  EXPECT_EQ(
      ToEjson(
          Value::Object({{"$type", Value::String("Money")}, {"$value", Value::Int32(5)}}).view()),
      R"({"$escape":{"$type":"Money","$value":5}})");
}

TEST(EjsonTest, OtherDollarObjectsAreNotWrapped) {
  for (std::string_view text :
       {R"({"$foo":1})", R"({"$date":5,"x":1})", R"({"$type":"oid"})", R"({"$value":1})",
        R"({"$regexp":"a"})", R"({"$flags":"i"})", R"({"$binary":"AQID","$date":1})",
        R"({"$type":"oid","$value":"5f1a2b3c4d5e6f7a8b9c0d1e","x":1})"}) {
    Value v = Parse(text);
    ASSERT_EQ(v.type(), Type::kObject) << text;
    EXPECT_EQ(ToEjson(v.view()), text);
  }
}

// ---------------------------------------------------------------------------------------------
// MongoDB Extended JSON input

TEST(EjsonTest, ExtendedJsonInputForms) {
  Value oid = Parse(R"({"$oid": "5f1a2b3c4d5e6f7a8b9c0d1e"})");
  ASSERT_EQ(oid.type(), Type::kObjectId);
  EXPECT_EQ(ToEjson(oid.view()), R"({"$type":"oid","$value":"5f1a2b3c4d5e6f7a8b9c0d1e"})");

  Value small_long = Parse(R"({"$numberLong": "5"})");
  ASSERT_EQ(small_long.type(), Type::kInt64);  // the type is kept even when int32 would fit
  EXPECT_EQ(small_long.view().AsInt64(), 5);
  Value max_long = Parse(R"({"$numberLong": "9223372036854775807"})");
  ASSERT_EQ(max_long.type(), Type::kInt64);
  EXPECT_EQ(max_long.view().AsInt64(), std::numeric_limits<int64_t>::max());
  Value min_long = Parse(R"({"$numberLong": "-9223372036854775808"})");
  ASSERT_EQ(min_long.type(), Type::kInt64);
  EXPECT_EQ(min_long.view().AsInt64(), std::numeric_limits<int64_t>::min());

  Value int32 = Parse(R"({"$numberInt": "-42"})");
  ASSERT_EQ(int32.type(), Type::kInt32);
  EXPECT_EQ(int32.view().AsInt32(), -42);

  Value dbl = Parse(R"({"$numberDouble": "1"})");
  ASSERT_EQ(dbl.type(), Type::kDouble);
  EXPECT_EQ(dbl.view().AsDouble(), 1.0);
  EXPECT_EQ(Parse(R"({"$numberDouble": "-1.5"})").view().AsDouble(), -1.5);
  EXPECT_EQ(Parse(R"({"$numberDouble": "Infinity"})").view().AsDouble(), kInf);
  EXPECT_EQ(Parse(R"({"$numberDouble": "-Infinity"})").view().AsDouble(), -kInf);
  Value nan = Parse(R"({"$numberDouble": "NaN"})");
  ASSERT_EQ(nan.type(), Type::kDouble);
  EXPECT_TRUE(std::isnan(nan.view().AsDouble()));

  Value date = Parse(R"({"$date": {"$numberLong": "-1234"}})");
  ASSERT_EQ(date.type(), Type::kDate);
  EXPECT_EQ(date.view().AsDateMillis(), -1234);
  EXPECT_EQ(ToEjson(date.view()), R"({"$date":-1234})");
  Value iso = Parse(R"({"$date": "2024-06-01T12:00:00.000Z"})");
  ASSERT_EQ(iso.type(), Type::kDate);
  EXPECT_EQ(iso.view().AsDateMillis(), 1717243200000);
  EXPECT_EQ(Parse(R"({"$date": "1970-01-01T00:00:01.5Z"})").view().AsDateMillis(), 1500);
  EXPECT_EQ(Parse(R"({"$date": "1970-01-01T00:00:00Z"})").view().AsDateMillis(), 0);

  Value re = Parse(R"({"$regularExpression": {"pattern": "a+", "options": "i"}})");
  ASSERT_EQ(re.type(), Type::kRegex);
  EXPECT_EQ(re.view().RegexPattern(), "a+");
  EXPECT_EQ(re.view().RegexFlags(), "i");
  EXPECT_EQ(ToEjson(re.view()), R"({"$regexp":"a+","$flags":"i"})");
}

TEST(EjsonTest, ExtendedJsonInputCanBeTurnedOff) {
  ParseOptions meteor;
  meteor.extended_json = false;
  // Extended JSON forms are plain objects...
  for (std::string_view text :
       {R"({"$oid":"5f1a2b3c4d5e6f7a8b9c0d1e"})", R"({"$numberLong":"5"})", R"({"$numberInt":"5"})",
        R"({"$numberDouble":"NaN"})", R"({"$minKey":1})", R"({"$maxKey":1})",
        R"({"$timestamp":{"t":1,"i":2}})",
        R"({"$regularExpression":{"pattern":"a","options":""}})"}) {
    absl::StatusOr<Value> v = ParseEjson(text, meteor);
    ASSERT_THAT(v, IsOk()) << text;
    EXPECT_EQ(v->type(), Type::kObject) << text;
    EXPECT_EQ(v->size(), 1u) << text;
  }
  // ... a $date is a number only ...
  EXPECT_THAT(ParseEjson(R"({"$date": "2024-06-01T12:00:00.000Z"})", meteor),
              StatusIs(absl::StatusCode::kInvalidArgument, "$date"));
  EXPECT_THAT(ParseEjson(R"({"$date": {"$numberLong": "5"}})", meteor),
              StatusIs(absl::StatusCode::kInvalidArgument, "$date"));
  // ... and Meteor's forms are still decoded.
  absl::StatusOr<Value> dated =
      ParseEjson(R"([{"$date":5},{"$InfNaN":-1},{"$binary":"AQID"}])", meteor);
  ASSERT_THAT(dated, IsOk());
  EXPECT_EQ(dated->view().At(0)->type(), Type::kDate);
  EXPECT_EQ(dated->view().At(1)->AsDouble(), -kInf);
  EXPECT_EQ(dated->view().At(2)->BinaryData(), "\x01\x02\x03");
  absl::StatusOr<Value> oid =
      ParseEjson(R"({"$type":"oid","$value":"5f1a2b3c4d5e6f7a8b9c0d1e"})", meteor);
  ASSERT_THAT(oid, IsOk());
  EXPECT_EQ(oid->type(), Type::kObjectId);
  // The default is on.
  EXPECT_EQ(Parse(R"({"$numberLong":"5"})").type(), Type::kInt64);
}

TEST(EjsonTest, EscapingExtendedFormsCanBeTurnedOff) {
  EjsonOptions meteor;
  meteor.escape_extended_forms = false;
  Value oid_like = Value::Object({{"$oid", Value::String("5f1a2b3c4d5e6f7a8b9c0d1e")}});
  EXPECT_EQ(ToEjson(oid_like.view(), meteor), R"({"$oid":"5f1a2b3c4d5e6f7a8b9c0d1e"})");
  EXPECT_EQ(ToEjson(oid_like.view()), R"({"$escape":{"$oid":"5f1a2b3c4d5e6f7a8b9c0d1e"}})");
  Value long_like = Value::Object({{"$numberLong", Value::String("5")}});
  EXPECT_EQ(ToEjson(long_like.view(), meteor), R"({"$numberLong":"5"})");
  // Meteor's own forms are always wrapped.
  Value date_like = Value::Object({{"$date", Value::String("x")}});
  EXPECT_EQ(ToEjson(date_like.view(), meteor), R"({"$escape":{"$date":"x"}})");
  Value type_like = Value::Object({{"$type", Value::String("T")}, {"$value", Value::Int32(1)}});
  EXPECT_EQ(ToEjson(type_like.view(), meteor), R"({"$escape":{"$type":"T","$value":1}})");
  // What the DDP layer writes, it reads back with extended_json off.
  ParseOptions meteor_in;
  meteor_in.extended_json = false;
  absl::StatusOr<Value> back = ParseEjson(ToEjson(oid_like.view(), meteor), meteor_in);
  ASSERT_THAT(back, IsOk());
  EXPECT_TRUE(Identical(back->view(), oid_like.view()));
}

// ---------------------------------------------------------------------------------------------
// Strictness

TEST(EjsonTest, RejectsNonNumberDate) {
  ExpectRejected(R"({"$date": "not a date"})", "$date");
  ExpectRejected(R"({"$date": true})", "$date");
  ExpectRejected(R"({"$date": null})", "$date");
  ExpectRejected(R"({"$date": [1]})", "$date");
  ExpectRejected(R"({"$date": {}})", "$date");
  ExpectRejected(R"({"$date": "2024-13-45T99:00:00Z"})", "$date");
  // The offset points at or after the bad form, not before it.
  std::string_view text = R"([1, 2, {"$date": "x"}])";
  absl::StatusOr<Value> v = ParseEjson(text);
  ASSERT_FALSE(v.ok());
  EXPECT_GE(ErrorOffset(v.status()), 7) << v.status().message();
}

TEST(EjsonTest, RejectsBadBase64) {
  for (std::string_view b64 : {"x", "AAE", "AA=A", "A===", "====", "AA!!", "AAEC+g==AAAA", "AA-_",
                               "AAEC ", " AAEC", "AQ=", "AQ==="}) {
    ExpectRejected("{\"$binary\":\"" + std::string(b64) + "\"}", "$binary");
  }
  ExpectRejected(R"({"$binary": 5})", "$binary");
  ExpectRejected(R"({"$binary": null})", "$binary");
}

TEST(EjsonTest, RejectsBadInfNaN) {
  for (std::string_view arg : {"2", "-2", "0.5", "\"1\"", "null", "true", "[]"}) {
    ExpectRejected("{\"$InfNaN\":" + std::string(arg) + "}", "$InfNaN");
  }
}

TEST(EjsonTest, RejectsUnknownTypeAndBadObjectId) {
  ExpectRejected(R"({"$type": "Money", "$value": 5})", "Money");
  ExpectRejected(R"({"$type": 5, "$value": "5f1a2b3c4d5e6f7a8b9c0d1e"})");
  ExpectRejected(R"({"$type": "oid", "$value": "xyz"})");
  ExpectRejected(R"({"$type": "oid", "$value": "5f1a2b3c4d5e6f7a8b9c0d1"})");
  ExpectRejected(R"({"$type": "oid", "$value": 5})");
  ExpectRejected(R"({"$oid": "5f1a2b3c4d5e6f7a8b9c0d1g"})", "$oid");
  ExpectRejected(R"({"$oid": 5})", "$oid");
}

TEST(EjsonTest, RejectsBadRegex) {
  ExpectRejected(R"({"$regexp": "a", "$flags": "q"})", "$flags");
  ExpectRejected(R"({"$regexp": "a", "$flags": 5})", "$flags");
  ExpectRejected(R"({"$regexp": 5, "$flags": ""})", "$regexp");
}

TEST(EjsonTest, RejectsBadExtendedJson) {
  ExpectRejected(R"({"$numberLong": "9223372036854775808"})", "$numberLong");
  ExpectRejected(R"({"$numberLong": "-9223372036854775809"})", "$numberLong");
  ExpectRejected(R"({"$numberLong": "1.5"})", "$numberLong");
  ExpectRejected(R"({"$numberLong": "12a"})", "$numberLong");
  ExpectRejected(R"({"$numberLong": ""})", "$numberLong");
  ExpectRejected(R"({"$numberLong": 5})", "$numberLong");
  ExpectRejected(R"({"$numberInt": "2147483648"})", "$numberInt");
  ExpectRejected(R"({"$numberDouble": "abc"})", "$numberDouble");
}

TEST(EjsonTest, RejectsEscapeAroundANonObject) {
  for (std::string_view arg : {"5", "\"x\"", "[1]", "null", "true", "[]"}) {
    ExpectRejected("{\"$escape\":" + std::string(arg) + "}", "$escape");
  }
}

TEST(EjsonTest, RejectsDuplicateKeys) {
  ExpectRejected(R"({"a": 1, "a": 2})", "duplicate key");
  ExpectRejected(R"({"a": 1, "b": 2, "a": 1})", "\"a\"");
  ExpectRejected(R"({"x": {"b": 1, "b": 1}})", "duplicate key");
  ExpectRejected(R"([{"k": 1, "k": [2]}])", "duplicate key");
  ExpectRejected(R"({"$date": 1, "$date": 2})", "duplicate key");
  ExpectRejected(R"({"$escape": {"a": 1, "a": 2}})", "duplicate key");
  // "a" and "a " and "A" are different keys.
  EXPECT_EQ(Parse(R"({"a": 1, "a ": 2, "A": 3})").size(), 3u);
}

TEST(EjsonTest, RejectsInvalidUtf8) {
  for (std::string_view text : {
           "\"\xff\"",              // never valid
           "\"\xc3\"",              // truncated sequence
           "\"\xc3x\"",             // bad continuation
           "\"\xc0\xaf\"",          // overlong '/'
           "\"\xe0\x80\xaf\"",      // overlong, 3 bytes
           "\"\xed\xa0\x80\"",      // encoded surrogate U+D800
           "\"\xf4\x90\x80\x80\"",  // above U+10FFFF
           "{\"\xfe\":1}",          // in a key
           R"("\ud800")",           // lone high surrogate escape
           R"("\udc00")",           // lone low surrogate escape
           R"("\ud800\u0041")",     // high surrogate followed by a non-surrogate
       }) {
    ExpectRejected(text);
  }
  std::string_view text = "[\"ok\", \"\xff\"]";
  absl::StatusOr<Value> v = ParseEjson(text);
  ASSERT_FALSE(v.ok());
  EXPECT_GE(ErrorOffset(v.status()), 7) << v.status().message();
}

TEST(EjsonTest, RejectsTrailingGarbage) {
  const std::string_view cases[] = {"{} x",       "1 2",        "{}}",
                                    "[1]]",       "\"a\"\"b\"", "null,",
                                    "true false", "{}\n{}",     std::string_view("{}\0", 3)};
  for (std::string_view text : cases) {
    ExpectRejected(text);
  }
  std::string_view text = R"({"a":[1,2,3]} xyz)";
  absl::StatusOr<Value> v = ParseEjson(text);
  ASSERT_FALSE(v.ok());
  EXPECT_GE(ErrorOffset(v.status()), 13) << v.status().message();
}

TEST(EjsonTest, RejectsInvalidJson) {
  for (std::string_view text : {"",          "   ",
                                "{",         "}",
                                "[",         "[1,]",
                                "[,1]",      "{\"a\":}",
                                "{\"a\" 1}", "{\"a\":1,}",
                                "{'a':1}",   "{a:1}",
                                "NaN",       "Infinity",
                                "-Infinity", "01",
                                "1.",        ".5",
                                "+1",        "1e",
                                "tru",       "nul",
                                "[1 2]",     "/* c */ 1",
                                "\"abc",     "\"tab\there\"",
                                "\"\\x41\"", "\"\\u12\"",
                                "undefined"}) {
    ExpectRejected(text);
  }
}

TEST(EjsonTest, RejectsTextOverTheSizeLimit) {
  // A valid JSON string one byte over the cap: rejected for its size, not its content.
  std::string text(kMaxEjsonBytes + 1, 'a');
  text.front() = '"';
  text.back() = '"';
  ExpectRejected(text);
}

// ---------------------------------------------------------------------------------------------
// Nesting

std::string NestedArrays(size_t depth, std::string_view inner = "") {
  return std::string(depth, '[') + std::string(inner) + std::string(depth, ']');
}

std::string NestedObjects(size_t depth) {
  std::string text;
  for (size_t i = 0; i < depth; ++i) text += "{\"a\":";
  text += "1";
  text += std::string(depth, '}');
  return text;
}

TEST(EjsonTest, HundredLevelsAreAccepted) {
  Value arrays = Parse(NestedArrays(kMaxDepth));
  ValueView cur = arrays.view();
  size_t depth = 0;
  while (cur.IsArray()) {
    ++depth;
    if (cur.empty()) break;
    cur = *cur.At(0);
  }
  EXPECT_EQ(depth, kMaxDepth);
  EXPECT_EQ(ToEjson(arrays.view()), NestedArrays(kMaxDepth));

  Value objects = Parse(NestedObjects(kMaxDepth));
  EXPECT_EQ(ToEjson(objects.view()), NestedObjects(kMaxDepth));

  // A special form in the innermost array does not add a value level.
  Value dated = Parse(NestedArrays(kMaxDepth - 1, R"({"$date":1})"));
  EXPECT_EQ(ToEjson(dated.view()), NestedArrays(kMaxDepth - 1, R"({"$date":1})"));
}

TEST(EjsonTest, DeeperIsRejected) {
  ExpectRejected(NestedArrays(kMaxDepth + 1), "nesting");
  ExpectRejected(NestedObjects(kMaxDepth + 1), "nesting");
  std::string mixed;
  for (size_t i = 0; i <= kMaxDepth; ++i) mixed += i % 2 ? "{\"k\":" : "[";
  mixed += "0";
  for (size_t i = kMaxDepth + 1; i-- > 0;) mixed += i % 2 ? "}" : "]";
  ExpectRejected(mixed, "nesting");
}

TEST(EjsonTest, HundredThousandLevelsAreRejectedWithoutCrashing) {
  ExpectRejected(NestedArrays(100000), "nesting");
  ExpectRejected(std::string(100000, '['), "nesting");
  ExpectRejected(NestedObjects(100000), "nesting");
  std::string escapes;
  for (int i = 0; i < 100000; ++i) escapes += "{\"$escape\":";
  ExpectRejected(escapes);
}

// ---------------------------------------------------------------------------------------------
// API details

TEST(EjsonTest, AppendEjsonAppends) {
  std::string out = "prefix:";
  AppendEjson(Parse(R"({"a":{"$date":1}})").view(), &out);
  EXPECT_EQ(out, R"(prefix:{"a":{"$date":1}})");
  AppendEjson(Value::Double(2.0).view(), &out, MarkDoubles());
  EXPECT_EQ(out, R"(prefix:{"a":{"$date":1}}2.0)");
}

TEST(EjsonTest, ParsedDocumentIsOneCompactBuffer) {
  std::string text = R"({"_id":"abcdefghijklmnopq","tags":["a","b","c"],"meta":{"v":1}})";
  Value v = Parse(text);
  // One buffer shared by every nested value, of roughly the size of the text.
  EXPECT_EQ(v.Find("tags")->ToValue().HeapBytes(), v.HeapBytes());
  EXPECT_LT(v.HeapBytes(), 2 * text.size());
}

// ---------------------------------------------------------------------------------------------
// Randomized round trips

TEST(EjsonTest, RandomizedRoundTripKeepsTypes) {
  uint64_t seed = TestSeed(20240602);
  SCOPED_TRACE(SeedTrace(seed));
  RandomValueOptions options;
  options.ejson_exact = true;
  RandomValueGenerator gen(seed, options);
  int failures = 0;
  for (int i = 0; i < 3000 && failures < 10; ++i) {
    Value v = gen.Next();
    std::string text = ToEjson(v.view(), MarkDoubles());
    absl::StatusOr<Value> back = ParseEjson(text);
    if (!back.ok()) {
      ++failures;
      ADD_FAILURE() << DebugString(v.view()) << " printed as " << text
                    << " does not parse: " << back.status().message();
      continue;
    }
    if (!Identical(back->view(), v.view())) {
      ++failures;
      ADD_FAILURE() << DebugString(v.view()) << " printed as " << text << " parsed as "
                    << DebugString(back->view());
      continue;
    }
    // Canonical output is a fixed point of print(parse(.)).
    std::string again = ToEjson(back->view(), MarkDoubles());
    if (again != text) {
      ++failures;
      ADD_FAILURE() << "printed " << text << " then " << again;
    }
  }
}

TEST(EjsonTest, RandomizedRoundTripWithoutMarksKeepsValues) {
  uint64_t seed = TestSeed(20240603);
  SCOPED_TRACE(SeedTrace(seed));
  RandomValueOptions options;
  options.ejson_exact = true;
  RandomValueGenerator gen(seed, options);
  int failures = 0;
  for (int i = 0; i < 3000 && failures < 10; ++i) {
    Value v = gen.Next();
    std::string text = ToEjson(v.view());
    absl::StatusOr<Value> back = ParseEjson(text);
    if (!back.ok() || !ValuesEqual(back->view(), v.view())) {
      ++failures;
      ADD_FAILURE() << DebugString(v.view()) << " printed as " << text << " read back as "
                    << (back.ok() ? DebugString(back->view()) : back.status().ToString());
    }
  }
}

// The DDP configuration: Meteor forms only, both ways.
TEST(EjsonTest, RandomizedRoundTripMeteorOnly) {
  uint64_t seed = TestSeed(20240604);
  SCOPED_TRACE(SeedTrace(seed));
  RandomValueOptions options;
  options.ejson_exact = true;
  options.meteor_types_only = true;
  RandomValueGenerator gen(seed, options);
  EjsonOptions out;
  out.mark_doubles = true;
  out.escape_extended_forms = false;
  ParseOptions in;
  in.extended_json = false;
  int failures = 0;
  for (int i = 0; i < 3000 && failures < 10; ++i) {
    Value v = gen.Next();
    std::string text = ToEjson(v.view(), out);
    absl::StatusOr<Value> back = ParseEjson(text, in);
    if (!back.ok() || !Identical(back->view(), v.view())) {
      ++failures;
      ADD_FAILURE() << DebugString(v.view()) << " printed as " << text << " read back as "
                    << (back.ok() ? DebugString(back->view()) : back.status().ToString());
    }
  }
}

}  // namespace
}  // namespace minimongo::query
