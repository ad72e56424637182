// The fast frame parser (ddp_sync/internal/frame_parser.h): what it accepts it must build
// byte for byte as query::ParseEjson (extended_json off) builds it; what it declines goes to
// the general path, so the statuses of DecodeServerFrame do not depend on which path parsed.

#include "ddp_sync/internal/frame_parser.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ddp_sync/frame.h"
#include "ddp_sync/internal/frame_decoding.h"
#include "query/ejson.h"
#include "query/value.h"
#include "tests/testing/status_matchers.h"

namespace minimongo::ddp::internal {
namespace {

using ::minimongo::testing::IsOk;
using query::Type;
using query::Value;
using query::ValueView;

absl::StatusOr<Value> General(std::string_view text) {
  query::ParseOptions options;
  options.extended_json = false;
  return query::ParseEjson(text, options);
}

bool SameBytes(ValueView a, ValueView b) {
  return a.type() == b.type() && a.payload_size() == b.payload_size() &&
         std::memcmp(a.payload(), b.payload(), a.payload_size()) == 0;
}

// Accepted by the fast path, and identical to the general parse.
void ExpectFastAndSame(FrameParser& parser, std::string_view text) {
  std::optional<ValueView> fast = parser.Parse(text);
  ASSERT_TRUE(fast.has_value()) << "declined: " << text;
  absl::StatusOr<Value> general = General(text);
  ASSERT_THAT(general, IsOk()) << text;
  EXPECT_TRUE(SameBytes(*fast, general->view()))
      << text << "\nfast:    " << query::ToEjson(*fast) << "\ngeneral: "
      << query::ToEjson(general->view());
}

TEST(FrameParserTest, DataFramesTakeTheFastPathAndMatchTheGeneralParse) {
  FrameParser parser;
  const char* const kFrames[] = {
      R"({"msg":"changed","collection":"files","id":"f1","fields":{"size":2}})",
      R"({"msg":"changed","collection":"files","id":"f1","fields":{"name":"a b.pdf","tags":["x","y"]},"cleared":["starred"]})",
      R"({"msg":"added","collection":"files","id":"f2","fields":{"meta":{"modified":{"$date":1677628800000},"version":3},"deleted":false,"starred":true,"shared_with":[],"parent":null}})",
      R"({"msg":"removed","collection":"files","id":"f3"})",
      R"({"msg":"ready","subs":["1","2"]})",
      R"({"msg":"result","id":"7","result":{"ok":[1,[2,[3]]]}})",
      R"( { "msg" : "ping" , "id" : "hb" } )",
      "{\"msg\":\"added\",\"collection\":\"c\",\"id\":\"x\",\"fields\":{}}\n",
      R"({})",
  };
  for (const char* frame : kFrames) ExpectFastAndSame(parser, frame);
}

// Every kind of field value, under names the key dictionary interns and names it stores
// inline (beyond 64 bytes): the fast path writes a field's key and value in one builder call.
TEST(FrameParserTest, FieldsOfEveryKindUnderShortAndLongNames) {
  FrameParser parser;
  for (size_t n : {1, 5, 16, 17, 64, 65, 90}) {
    const std::string k(n, 'q');
    const std::string frame = "{\"" + k + "s\":\"v\",\"" + k + "i\":-3,\"" + k +
                              "l\":9000000000,\"" + k + "d\":2.5,\"" + k + "t\":true,\"" +
                              k + "f\":false,\"" + k + "n\":null,\"" + k +
                              "o\":{\"" + k + "\":{\"$date\":5},\"x\":{}},\"" + k +
                              "a\":[1,\"s\",[],{\"" + k + "\":[]}],\"" + k + "e\":{}}";
    ExpectFastAndSame(parser, frame);
    std::optional<ValueView> v = parser.Parse(frame);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->size(), 10u);
    EXPECT_EQ(v->Find(k + "l")->type(), Type::kInt64);
    EXPECT_EQ(v->Find(k + "o")->Find(k)->AsDateMillis(), 5);
    EXPECT_TRUE(v->Find(k + "t")->AsBool());
    // A repeated long name is a rejection: declined, for the general path to word it.
    EXPECT_FALSE(parser.Parse("{\"" + k + "\":1,\"" + k + "\":{\"a\":1}}").has_value());
    EXPECT_FALSE(parser.Parse("{\"a\":{\"" + k + "\":\"x\",\"" + k + "\":[]}}").has_value());
  }
}

TEST(FrameParserTest, NumbersAreTypedAsTheGeneralParserTypesThem) {
  FrameParser parser;
  const char* const kNumbers[] = {
      "0",   "-0",         "7",           "2147483647",          "2147483648",
      "-2147483648",       "-2147483649", "9223372036854775807", "-9223372036854775808",
      "9223372036854775808",              "18446744073709551616", "1.5",
      "-0.0",              "1e3",         "1E-3",                "2.5e+10",
      "123456789012345678901234567890",
      // Around the 19 digits that cannot overflow the integer scan.
      "999999999999999999",   "9999999999999999999",  "10000000000000000000",
      "18446744073709551615", "-9223372036854775809", "-18446744073709551616",
  };
  for (const char* n : kNumbers) {
    ExpectFastAndSame(parser, std::string(R"({"n":)") + n + "}");
  }
  std::optional<ValueView> v = parser.Parse(R"({"a":1,"b":2147483648,"c":1.0})");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->Find("a")->type(), Type::kInt32);
  EXPECT_EQ(v->Find("b")->type(), Type::kInt64);
  EXPECT_EQ(v->Find("c")->type(), Type::kDouble);
}

// Integer literals of every length from 1 to 24 digits, ending at every distance from the end
// of the text (the scan reads 8 bytes at a time while 8 remain), signed and not, and with
// fractions and exponents after them: typed and valued as the general parser does.
TEST(FrameParserTest, DigitRunsOfEveryLengthAndPosition) {
  FrameParser parser;
  const std::string kDigits = "918273645546372819091827";
  for (size_t n = 1; n <= kDigits.size(); ++n) {
    for (const std::string& sign : {std::string(), std::string("-")}) {
      for (const char* tail : {"", ".25", "e2", "E-1"}) {
        const std::string number = sign + kDigits.substr(0, n) + tail;
        for (size_t pad = 0; pad <= 9; ++pad) {
          // `pad` bytes of other members after the number.
          std::string after = pad == 0 ? "" : ",\"" + std::string(pad, 'z') + "\":1";
          ExpectFastAndSame(parser, "{\"n\":" + number + after + "}");
          ExpectFastAndSame(parser, "{\"n\":[" + number + "]" + after + "}");
        }
      }
    }
  }
  // Zeros inside the run, and runs stopped by each kind of byte at each place in a word.
  for (size_t at = 1; at <= 16; ++at) {
    for (const char* stop : {"", ",\"z\":1", " ", ".5", "e1"}) {
      const std::string number = "1" + std::string(at - 1, '0') + "7";
      ExpectFastAndSame(parser, "{\"n\":" + number.substr(0, at) + stop + "}");
      ExpectFastAndSame(parser, "{\"n\":" + number + stop + "}");
    }
  }
  std::optional<ValueView> v = parser.Parse(R"({"a":12345678,"b":123456789,"c":9223372036854775807})");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->Find("a")->AsInt32(), 12345678);
  EXPECT_EQ(v->Find("b")->AsInt32(), 123456789);
  EXPECT_EQ(v->Find("c")->AsInt64(), INT64_MAX);
}

TEST(FrameParserTest, DatesAreConvertedBelowTheTopLevel) {
  FrameParser parser;
  const char* const kDates[] = {
      R"({"d":{"$date":0}})",
      R"({"d":{ "$date" : -5 }})",
      R"({"d":{"$date":1.9}})",
      R"({"d":{"$date":-1.9}})",
      R"({"d":{"$date":8640000000000000}})",
      R"({"d":{"$date":-8640000000000000}})",
      R"({"d":[{"$date":1},{"$date":2}]})",
  };
  for (const char* frame : kDates) ExpectFastAndSame(parser, frame);
  std::optional<ValueView> v = parser.Parse(R"({"d":{"$date":1.9}})");
  ASSERT_TRUE(v.has_value());
  ASSERT_EQ(v->Find("d")->type(), Type::kDate);
  EXPECT_EQ(v->Find("d")->AsDateMillis(), 1);  // truncated toward zero
}

TEST(FrameParserTest, Utf8IsValidatedAndKept) {
  FrameParser parser;
  ExpectFastAndSame(parser, "{\"name\":\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80\"}");
  ExpectFastAndSame(parser, "{\"\xc3\xa9\":1}");
  const char* const kBad[] = {
      "{\"s\":\"\xc3\x28\"}",          // bad continuation
      "{\"s\":\"\xc0\xaf\"}",          // overlong
      "{\"s\":\"\xed\xa0\x80\"}",      // surrogate
      "{\"s\":\"\xf4\x90\x80\x80\"}",  // beyond U+10FFFF
      "{\"s\":\"\xe6\x97\"}",          // truncated
      "{\"s\":\"\xff\"}",
  };
  for (const char* text : kBad) {
    EXPECT_FALSE(parser.Parse(text).has_value()) << text;
    EXPECT_FALSE(General(text).ok()) << text;
  }
}

// Strings are scanned 16 bytes at a time: every length around that width, with the byte that
// ends the plain run (a quote, a UTF-8 sequence, DEL, an escape, a control character, a byte
// no UTF-8 has) at every position, in values and in keys, and strings cut off at the end.
TEST(FrameParserTest, StringsOfEveryLengthAroundTheScanWidth) {
  FrameParser parser;
  struct Stop {
    const char* bytes;
    bool accepted;
  };
  const Stop kStops[] = {
      {"", true},       {"\xc3\xa9", true}, {"\xe6\x97\xa5", true}, {"\x7f", true},
      {"\\n", false}, {"\x01", false},     {"\x1f", false},        {"\xff", false},
      {"\xc3", false},
  };
  size_t checked = 0;
  for (size_t length = 0; length <= 40; ++length) {
    for (size_t at = 0; at <= length; ++at) {
      for (const Stop& stop : kStops) {
        const std::string s = std::string(at, 'a') + stop.bytes + std::string(length - at, 'b');
        for (const std::string& text :
             {"{\"s\":\"" + s + "\",\"t\":1}", "{\"" + s + "\":[\"" + s + "\"]}"}) {
          if (stop.accepted) {
            ExpectFastAndSame(parser, text);
            std::optional<ValueView> v = parser.Parse(text);
            ASSERT_TRUE(v.has_value()) << text;
            const ValueView field = v->fields().begin()->value;
            EXPECT_EQ(field.IsString() ? field.AsString() : field.At(0)->AsString(), s);
          } else {
            EXPECT_FALSE(parser.Parse(text).has_value()) << text;
          }
          ++checked;
        }
        // Cut off inside the string: nothing may be read past the end of the text.
        const std::string cut = "{\"s\":\"" + s;
        EXPECT_FALSE(parser.Parse(std::string_view(cut)).has_value()) << cut;
      }
    }
  }
  EXPECT_EQ(checked, 2u * std::size(kStops) * (41 * 42 / 2));
}

TEST(FrameParserTest, DeclinesWhatTheGeneralPathMustDecide) {
  FrameParser parser;
  const char* const kDeclined[] = {
      // Not an object at the top.
      "[1]", "\"x\"", "5", "null", "",
      // Special forms other than a nested $date, and a top level that could read as one.
      R"({"$date":1})",
      R"({"f":{"$type":"oid","$value":"0123456789abcdef01234567"}})",
      R"({"f":{"$escape":{"a":1}}})",
      R"({"f":{"$binary":"AA=="}})",
      R"({"f":{"$InfNaN":1}})",
      R"({"f":{"$regexp":"a","$flags":""}})",
      R"({"f":{"$date":"2020-01-01"}})",
      R"({"f":{"$date":1,"x":2}})",
      R"({"f":{"x":2,"$date":1}})",
      R"({"f":{"$date":8640000000000001}})",
      R"({"f":{"$date":9e15}})",
      R"({"f":{"$foo":1}})",
      // Escapes (keys could spell a '$' form) and control characters.
      R"({"s":"a\nb"})",
      R"({"\u0024date":1})",
      "{\"s\":\"a\tb\"}",
      // Invalid JSON.
      "{", R"({"a":})", R"({"a":01})", R"({"a":1,})", R"({"a":tru})", R"({"a":1} x)",
      R"({"a":1.})", R"({"a":-})", R"({"a":1e})", R"({"a" 1})", R"({a:1})", R"({"a":[1,]})",
      R"({"a":"unterminated)",
      // Out of range: the general path reports it.
      R"({"a":1e400})",
      // A repeated key: a rejection whose message the general path writes.
      R"({"a":1,"a":2})",
  };
  for (const char* text : kDeclined) {
    EXPECT_FALSE(parser.Parse(text).has_value()) << text;
  }
}

TEST(FrameParserTest, DeepNestingIsLeftToTheGeneralPath) {
  FrameParser parser;
  auto nested = [](size_t levels) {
    std::string s = "{\"a\":";
    for (size_t i = 1; i < levels; ++i) s += "[";
    s += "1";
    for (size_t i = 1; i < levels; ++i) s += "]";
    return s + "}";
  };
  ExpectFastAndSame(parser, nested(kMaxFastDepth));
  EXPECT_FALSE(parser.Parse(nested(kMaxFastDepth + 1)).has_value());
  EXPECT_THAT(General(nested(kMaxFastDepth + 1)), IsOk());
}

TEST(FrameParserTest, ReuseKeepsEachResultAndReleaseOwnsIt) {
  FrameParser parser;
  const std::string a = R"({"msg":"changed","collection":"files","id":"a","fields":{"x":1}})";
  const std::string b = R"({"msg":"removed","collection":"files","id":"b"})";
  ExpectFastAndSame(parser, a);
  EXPECT_FALSE(parser.Parse("{").has_value());  // a declined parse leaves nothing behind
  ExpectFastAndSame(parser, b);
  ExpectFastAndSame(parser, a);
  ASSERT_TRUE(parser.Parse(b).has_value());
  Value owned = parser.Release();
  ASSERT_TRUE(parser.Parse(a).has_value());  // the parser's buffer is reused...
  absl::StatusOr<Value> general = General(b);
  ASSERT_THAT(general, IsOk());
  EXPECT_TRUE(SameBytes(owned.view(), general->view()));  // ...and the released value kept
}

// A frame that opens with the text of an earlier frame's leading members (the parser copies
// those instead of parsing them again) builds the same value as a fresh parse, whatever follows.
TEST(FrameParserTest, RepeatedOpeningsBuildWhatAFreshParseBuilds) {
  const std::string long_key(70, 'q');  // beyond the key dictionary's length cap: inline
  const char* const kOpenings[] = {
      R"({"msg":"changed","collection":"files",)",
      R"({"msg":"added","collection":"files",)",
      R"({"msg":"changed","collection":"users",)",
      "{\"msg\":\"caf\xc3\xa9\",\"collection\":\"\xe2\x82\xac\",",  // UTF-8 values
      R"({"msg":"ready","subs":["1"],)",               // a non-string member ends the run
      R"({"msg" : "changed","collection":"files",)",   // white space: not remembered
      R"({"a":"1234567890123456",)",                   // one member
      R"({"a":"","b":"",)",                            // shorter than 16 bytes: not remembered
  };
  std::vector<std::string> openings(std::begin(kOpenings), std::end(kOpenings));
  openings.push_back("{\"" + long_key + "\":\"v\",\"collection\":\"files\",");
  const char* const kRests[] = {
      R"("id":"a1","fields":{"x":1}})",
      R"("id":"b2"})",
      R"( "id" : "c3" , "fields" : { } })",
      R"("fields":{"meta":{"m":{"$date":5}}},"cleared":["x"]})",
  };
  FrameParser parser;
  // Twice round, and more openings than the parser remembers: each is remembered, used, and
  // eventually replaced.
  for (int round = 0; round < 3; ++round) {
    for (const std::string& opening : openings) {
      for (const char* rest : kRests) {
        ExpectFastAndSame(parser, opening + rest);
        ExpectFastAndSame(parser, opening + rest);
      }
    }
  }
  // "id" ends the run of remembered members (its value changes from frame to frame).
  ExpectFastAndSame(parser, R"({"msg":"pingpong","id":"a1","x":1})");
  ExpectFastAndSame(parser, R"({"msg":"pingpong","id":"b2","x":1})");
  ExpectFastAndSame(parser, R"({"msg":"pingpong","id":"b2","x":2})");
  // After a remembered opening, a repeated key is still declined (the general path rejects
  // it), as are a '$' key, a trailing comma, an escape, and nothing at all.
  const std::string opening = R"({"msg":"changed","collection":"files",)";
  ExpectFastAndSame(parser, opening + R"("id":"a"})");
  for (const char* rest : {R"("msg":"x"})", R"("collection":"y","id":"z"})", R"("$date":1})",
                           "}", R"("id":"a",})", R"("i\u0064":"a"})", "", R"("id")"}) {
    EXPECT_FALSE(parser.Parse(opening + rest).has_value()) << opening + rest;
  }
  // An opening alone is not a frame; a longer value with the same start is a different one.
  EXPECT_FALSE(parser.Parse(opening).has_value());
  ExpectFastAndSame(parser, R"({"msg":"changed","collection":"filesX","id":"a"})");
  ExpectFastAndSame(parser, R"({"msg":"changed","collection":"file","id":"a"})");
  ExpectFastAndSame(parser, R"({"msg":"changed","collection":"files","idx":"a"})");
  std::optional<ValueView> v = parser.Parse(opening + R"("id":"k"})");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->size(), 3u);
  EXPECT_EQ(v->Find("collection")->AsString(), "files");
  EXPECT_EQ(v->Find("msg")->AsString(), "changed");
}

// Texts whose bytes 8 to 16 are zero (the mark of an unused slot) are read safely.
TEST(FrameParserTest, ZeroBytesWhereAnOpeningIsLookedUp) {
  FrameParser parser;
  const std::string text = "{\"a\":\"x" + std::string(9, '\0') + "\"}";  // bytes 7 to 16
  EXPECT_FALSE(parser.Parse(text).has_value());
  ExpectFastAndSame(parser, R"({"msg":"changed","collection":"files","id":"a"})");
  EXPECT_FALSE(parser.Parse(text).has_value());
}

// Decoding through a reused parser (the session's path) and through DecodeServerFrame gives
// the same statuses, rejections included, whichever path parsed each frame.
TEST(FrameParserTest, ReusingDecoderGivesDecodeServerFramesStatuses) {
  const char* const kFrames[] = {
      R"({"msg":"changed","collection":"files","id":"f1","fields":{"size":2}})",
      R"({"msg":"changed","collection":"files","id":"f1","cleared":"x"})",
      R"({"msg":"changed","collection":"files","id":"f1","cleared":["_id"]})",
      R"({"msg":"added","collection":"files","id":"f1","fields":{"_id":"f2"}})",
      R"({"msg":"added","collection":"files","id":"f1","fields":{"_id":"f1","a":1}})",
      R"({"msg":"added","collection":"files","id":7})",
      R"({"msg":"added","collection":"files","id":"f1","fields":{"d":{"$date":"x"}}})",
      R"({"msg":"added","collection":"files","id":"f1","fields":{"a":1,"a":2}})",
      R"({"msg":"added","collection":"","id":"f1"})",
      R"({"msg":"nope"})",
      R"({"msg":"sub","id":"1","name":"x"})",
      R"({"msg":"result","id":"1","error":{"$date":1}})",
      R"({"msg":5})",
      R"({"server_id":"0"})",
      R"({"$escape":{"msg":"added"}})",
      "[1]",
      "{",
  };
  FrameParser parser;
  uint64_t n = 0;
  for (const char* text : kFrames) {
    ++n;
    absl::StatusOr<ServerMessage> own = DecodeServerFrame(text, n);
    absl::StatusOr<ServerMessage> reused = DecodeServerFrameReusing(text, n, &parser);
    EXPECT_EQ(own.status(), reused.status()) << text;
    if (own.ok() && reused.ok()) {
      EXPECT_EQ(own->type, reused->type) << text;
      EXPECT_EQ(own->collection, reused->collection) << text;
      EXPECT_EQ(query::ToEjson(own->fields), query::ToEjson(reused->fields)) << text;
    }
  }
}

// Random frames, mutated byte by byte: whenever the fast path accepts one, the general parser
// accepts it too and builds the same bytes.
TEST(FrameParserTest, RandomTextsAcceptedFastAreParsedIdentically) {
  const uint32_t seed = static_cast<uint32_t>(::testing::UnitTest::GetInstance()->random_seed());
  SCOPED_TRACE(::testing::Message() << "seed " << seed << " (--gtest_random_seed=N to replay)");
  std::mt19937 rng(seed);
  const char* const kPieces[] = {
      "{",   "}",    "[",     "]",     ",",      ":",     "\"a\"", "\"b\"", "\"$date\"",
      "0",   "-1",   "1.5",   "2e3",   "true",   "false", "null",  " ",     "\"\xc3\xa9\"",
      "\\n", "\"",   "99999999999999999999", "{\"$date\":5}", "\"x\":1", "\"$type\"",
  };
  FrameParser parser;
  size_t accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = "{\"k\":";
    int pieces = 1 + static_cast<int>(rng() % 12);
    for (int p = 0; p < pieces; ++p) text += kPieces[rng() % std::size(kPieces)];
    if (rng() % 2 == 0) text += "}";
    if (rng() % 4 == 0 && !text.empty()) text[rng() % text.size()] = static_cast<char>(rng());
    std::optional<ValueView> fast = parser.Parse(text);
    if (!fast) continue;
    ++accepted;
    absl::StatusOr<Value> general = General(text);
    ASSERT_THAT(general, IsOk()) << text;
    ASSERT_TRUE(SameBytes(*fast, general->view())) << text;
  }
  EXPECT_GT(accepted, 100u);  // the generator does reach the fast path
}

}  // namespace
}  // namespace minimongo::ddp::internal
