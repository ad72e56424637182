// $regex, $options and regex literals (MongoDB's "$regex" documentation), the PCRE-to-RE2
// translation, and the literal fast paths checked against RE2 itself.

#include "query/selector.h"

#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/internal/regex_matcher.h"
#include "tests/query/selector_case_table.h"
#include "tests/testing/status_matchers.h"

namespace minimongo::query {
namespace {

using internal::RegexMatcher;
using internal::TranslatePcreToRe2;
using ::minimongo::testing::IsOk;
using ::minimongo::testing::IsOkAndHolds;
using ::minimongo::testing::StatusIs;
using testing::ExpectCompileErrors;
using testing::ExpectMatches;

TEST(SelectorRegexTest, RegexOperatorAndLiterals) {
  ExpectMatches({
      {R"re({"s": {"$regex": "hel"}})re", R"re({"s": "hello world"})re", true},
      {R"re({"s": {"$regex": "hel"}})re", R"re({"s": "Hello"})re", false},
      {R"re({"s": {"$regex": "hel", "$options": "i"}})re", R"re({"s": "Hello"})re", true},
      {R"re({"s": {"$regex": "hel", "$options": "i"}})re", R"re({"s": "/hel/"})re", true},
      {R"re({"s": {"$regex": "hel", "$options": "i"}})re", R"re({"s": 5})re", false},
      {R"re({"s": {"$regex": "hel", "$options": "i"}})re", R"re({"s": null})re", false},
      {R"re({"s": {"$regex": "hel", "$options": "i"}})re", R"re({})re", false},
      {R"re({"s": {"$regex": "hel", "$options": "i"}})re", R"re({"s": {"t": "hello"}})re", false},
      {R"re({"s": {"$regex": "o"}})re", R"re({"s": ["foo", "bar"]})re", true},
      {R"re({"s": {"$regex": "z"}})re", R"re({"s": ["foo", "bar"]})re", false},
      {R"re({"s": {"$regex": "o"}})re", R"re({"s": [["foo"]]})re", false},
      {R"re({"s": {"$regexp": "a\\.b", "$flags": ""}})re", R"re({"s": "a.b"})re", true},
      {R"re({"s": {"$regexp": "a\\.b", "$flags": ""}})re", R"re({"s": "axb"})re", false},
      {R"re({"s": {"$regexp": "a.b", "$flags": ""}})re", R"re({"s": "axb"})re", true},
      {R"re({"s": {"$regexp": "^Invoice", "$flags": ""}})re", R"re({"s": "Invoice 7.pdf"})re",
       true},
      {R"re({"s": {"$regexp": "^Invoice", "$flags": ""}})re", R"re({"s": "My Invoice"})re", false},
      {R"re({"s": {"$regexp": "draft", "$flags": "i"}})re", R"re({"s": "IMG_DRAFT-2"})re", true},
      {R"re({"s": {"$regexp": "draft", "$flags": "i"}})re", R"re({"s": "dra ft"})re", false},
      {R"re({"s": {"$regex": {"$regexp": "HEL", "$flags": "i"}}})re", R"re({"s": "hello"})re",
       true},
      {R"re({"s": {"$regex": {"$regexp": "HEL", "$flags": ""}, "$options": "i"}})re",
       R"re({"s": "hello"})re", true},
      {R"re({"s": {"$options": "i", "$regex": "HEL"}})re", R"re({"s": "hello"})re", true},
      {R"re({"s": {"$regex": ""}})re", R"re({"s": ""})re", true},
      {R"re({"s": {"$regex": ""}})re", R"re({"s": 1})re", false},
      {R"re({"s": {"$regex": "^$"}})re", R"re({"s": ""})re", true},
      {R"re({"s": {"$regex": "é"}})re", R"re({"s": "café"})re", true},
      {R"re({"s": {"$regex": "^caf.$"}})re", R"re({"s": "café"})re", true},
      {R"re({"s": {"$regex": "É", "$options": "i"}})re", R"re({"s": "café"})re", true},
      {R"re({"s": {"$regex": "k", "$options": "i"}})re", R"re({"s": "\u212a"})re", true},
      {R"re({"s": {"$regex": "^\\d{3}-\\d{4}$"}})re", R"re({"s": "555-1234"})re", true},
      {R"re({"s": {"$regex": "^\\d{3}-\\d{4}$"}})re", R"re({"s": "555-12345"})re", false},
      {R"re({"s": {"$regex": "a|b"}})re", R"re({"s": "xbx"})re", true},
      {R"re({"s": {"$regex": "^(?:ab)+$"}})re", R"re({"s": "abab"})re", true},
      {R"re({"s": {"$regex": "^[a-c]+$"}})re", R"re({"s": "abcd"})re", false},
      {R"re({"s": {"$regex": "[[:digit:]]"}})re", R"re({"s": "a1"})re", true},
      {R"re({"s": {"$regex": "\\p{Lu}"}})re", R"re({"s": "aB"})re", true},
      {R"re({"s": {"$regex": "hel", "$ne": "hello"}})re", R"re({"s": "help"})re", true},
      {R"re({"s": {"$regex": "hel", "$ne": "hello"}})re", R"re({"s": "hello"})re", false},
  });
}

TEST(SelectorRegexTest, RegexMatchesRegexValuesBySameSourceAndFlags) {
  ExpectMatches({
      {R"re({"s": {"$regexp": "hel", "$flags": ""}})re",
       R"re({"s": {"$regexp": "hel", "$flags": ""}})re", true},
      {R"re({"s": {"$regexp": "hel", "$flags": ""}})re",
       R"re({"s": {"$regexp": "hel", "$flags": "i"}})re", false},
      {R"re({"s": {"$regexp": "hel", "$flags": ""}})re",
       R"re({"s": {"$regexp": "hello", "$flags": ""}})re", false},
      {R"re({"s": {"$regex": "hel", "$options": "i"}})re",
       R"re({"s": {"$regexp": "hel", "$flags": "i"}})re", true},
  });
}

TEST(SelectorRegexTest, OptionsMultilineDotAllAndDollar) {
  ExpectMatches({
      {R"re({"s": {"$regex": "^line2"}})re", R"re({"s": "line1\nline2"})re", false},
      {R"re({"s": {"$regex": "^line2", "$options": "m"}})re", R"re({"s": "line1\nline2"})re", true},
      {R"re({"s": {"$regex": "line1$"}})re", R"re({"s": "line1\nline2"})re", false},
      {R"re({"s": {"$regex": "line1$", "$options": "m"}})re", R"re({"s": "line1\nline2"})re", true},
      {R"re({"s": {"$regex": "line2$"}})re", R"re({"s": "line1\nline2\n"})re", true},
      {R"re({"s": {"$regex": "line2$"}})re", R"re({"s": "line1\nline2\n\n"})re", false},
      {R"re({"s": {"$regex": "line2\\Z"}})re", R"re({"s": "line2\n"})re", true},
      {R"re({"s": {"$regex": "line2\\z"}})re", R"re({"s": "line2\n"})re", false},
      {R"re({"s": {"$regex": "1.l"}})re", R"re({"s": "line1\nline2"})re", false},
      {R"re({"s": {"$regex": "1.l", "$options": "s"}})re", R"re({"s": "line1\nline2"})re", true},
      {R"re({"s": {"$regex": "1.L", "$options": "si"}})re", R"re({"s": "line1\nline2"})re", true},
      {R"re({"s": {"$regex": "[$]"}})re", R"re({"s": "a$b"})re", true},
      {R"re({"s": {"$regex": "a\\$"}})re", R"re({"s": "a$b"})re", true},
      {R"re({"s": {"$regex": "hel", "$options": "g"}})re", R"re({"s": "hello"})re", true},
  });
}

TEST(SelectorRegexTest, TranslatedConstructsBehaveLikePcre) {
  ExpectMatches({
      {R"re({"s": {"$regex": "(?<year>\\d{4})-"}})re", R"re({"s": "2023-01"})re", true},
      {R"re({"s": {"$regex": "(?'y'\\d{4})-"}})re", R"re({"s": "2023-01"})re", true},
      {R"re({"s": {"$regex": "ab(?#a comment)c"}})re", R"re({"s": "abc"})re", true},
      {R"re({"s": {"$regex": "a\\hb"}})re", R"re({"s": "a b"})re", true},
      {R"re({"s": {"$regex": "a\\hb"}})re", R"re({"s": "a\nb"})re", false},
      {R"re({"s": {"$regex": "a\\vb"}})re", R"re({"s": "a\nb"})re", true},
      {R"re({"s": {"$regex": "a\\Hb"}})re", R"re({"s": "axb"})re", true},
      {R"re({"s": {"$regex": "a\\Rb"}})re", R"re({"s": "a\r\nb"})re", true},
      {R"re({"s": {"$regex": "a\\Nb"}})re", R"re({"s": "a\nb"})re", false},
      {R"re({"s": {"$regex": "a\\eb"}})re", R"re({"s": "a\u001bb"})re", true},
      {R"re({"s": {"$regex": "a\\cAb"}})re", R"re({"s": "a\u0001b"})re", true},
      {R"re({"s": {"$regex": "a\\0b"}})re", R"re({"s": "a\u0000b"})re", true},
      {R"re({"s": {"$regex": "a\\011b"}})re", R"re({"s": "a\tb"})re", true},
      {R"re({"s": {"$regex": "\\Qa.b*\\E$"}})re", R"re({"s": "xa.b*"})re", true},
      {R"re({"s": {"$regex": "\\Qa.b*\\E$"}})re", R"re({"s": "xaxbb"})re", false},
      {R"re({"s": {"$regex": "[]a]"}})re", R"re({"s": "]"})re", true},
      {R"re({"s": {"$regex": "[^]a]"}})re", R"re({"s": "]"})re", false},
      {R"re({"s": {"$regex": "[\\h]"}})re", R"re({"s": "\t"})re", true},
      {R"re({"s": {"$regex": "a{,2}"}})re", R"re({"s": "a{,2}"})re", true},
      {R"re({"s": {"$regex": "x{2}"}})re", R"re({"s": "axxb"})re", true},
      {R"re({"s": {"$regex": "x{2}?"}})re", R"re({"s": "axxb"})re", true},
      {R"re({"s": {"$regex": "a+?b"}})re", R"re({"s": "aab"})re", true},
      {R"re({"s": {"$regex": "(?i)abc"}})re", R"re({"s": "ABC"})re", true},
      {R"re({"s": {"$regex": "(?i:a)bc"}})re", R"re({"s": "Abc"})re", true},
      {R"re({"s": {"$regex": "(?i:a)bc"}})re", R"re({"s": "ABC"})re", false},
  });
}

TEST(SelectorRegexTest, RefusesWhatRe2CannotRun) {
  using absl::StatusCode;
  ExpectCompileErrors({
      {R"re({"s": {"$regex": "(a)\\1"}})re", StatusCode::kUnimplemented, "backreference"},
      {R"re({"s": {"$regex": "(?<n>a)\\k<n>"}})re", StatusCode::kUnimplemented, "backreference"},
      {R"re({"s": {"$regex": "(a)\\g1"}})re", StatusCode::kUnimplemented, "backreference"},
      {R"re({"s": {"$regex": "(?P<n>a)(?P=n)"}})re", StatusCode::kUnimplemented, "backreference"},
      {R"re({"s": {"$regex": "a(?=b)"}})re", StatusCode::kUnimplemented, "lookahead"},
      {R"re({"s": {"$regex": "a(?!b)"}})re", StatusCode::kUnimplemented, "lookahead"},
      {R"re({"s": {"$regex": "(?<=a)b"}})re", StatusCode::kUnimplemented, "lookbehind"},
      {R"re({"s": {"$regex": "(?<!a)b"}})re", StatusCode::kUnimplemented, "lookbehind"},
      {R"re({"s": {"$regex": "(?>a+)b"}})re", StatusCode::kUnimplemented, "atomic group"},
      {R"re({"s": {"$regex": "a++"}})re", StatusCode::kUnimplemented, "possessive"},
      {R"re({"s": {"$regex": "a{2}+"}})re", StatusCode::kUnimplemented, "possessive"},
      {R"re({"s": {"$regex": "(a)?+"}})re", StatusCode::kUnimplemented, "possessive"},
      {R"re({"s": {"$regex": "(?(1)a|b)"}})re", StatusCode::kUnimplemented, "conditional"},
      {R"re({"s": {"$regex": "a(?R)?"}})re", StatusCode::kUnimplemented, "recursion"},
      {R"re({"s": {"$regex": "(a)(?1)"}})re", StatusCode::kUnimplemented, "recursion"},
      {R"re({"s": {"$regex": "(?|a)"}})re", StatusCode::kUnimplemented, "branch reset"},
      {R"re({"s": {"$regex": "a\\Kb"}})re", StatusCode::kUnimplemented, "\\K"},
      {R"re({"s": {"$regex": "\\Ga"}})re", StatusCode::kUnimplemented, "\\G"},
      {R"re({"s": {"$regex": "(*UTF8)a"}})re", StatusCode::kUnimplemented, "VERB"},
      {R"re({"s": {"$regex": "(?x) a"}})re", StatusCode::kUnimplemented, "(?x)"},
      {R"re({"s": {"$regexp": "a(?=b)", "$flags": ""}})re", StatusCode::kUnimplemented,
       "lookahead"},
      {R"re({"s": {"$in": [{"$regexp": "(a)\\1", "$flags": ""}]}})re", StatusCode::kUnimplemented,
       "selector at \"s\": regex construct \\1 (backreference)"},
      {R"re({"s": {"$regex": "hel", "$options": "x"}})re", StatusCode::kInvalidArgument,
       "option x is not supported"},
      {R"re({"s": {"$regexp": "hel", "$flags": "x"}})re", StatusCode::kInvalidArgument,
       "option x is not supported"},
      {R"re({"s": {"$regex": "hel", "$options": "q"}})re", StatusCode::kInvalidArgument,
       "invalid regex option \"q\""},
      {R"re({"s": {"$regex": "a("}})re", StatusCode::kInvalidArgument, "invalid regex"},
      {R"re({"s": {"$regex": "[a"}})re", StatusCode::kInvalidArgument, "invalid regex"},
      {R"re({"s": {"$regex": "a\\"}})re", StatusCode::kInvalidArgument, "invalid regex"},
      {R"re({"s": {"$regex": "a\u0000b"}})re", StatusCode::kInvalidArgument, "null byte"},
  });
}

TEST(RegexTranslationTest, RewritesDollarAndNamedGroups) {
  EXPECT_THAT(TranslatePcreToRe2("a$"), IsOkAndHolds(std::string("a(?:$|\\n\\z)")));
  EXPECT_THAT(TranslatePcreToRe2("[$]"), IsOkAndHolds(std::string("[$]")));
  EXPECT_THAT(TranslatePcreToRe2("a\\Z"), IsOkAndHolds(std::string("a(?:\\n?\\z)")));
  EXPECT_THAT(TranslatePcreToRe2("(?'n'a)"), IsOkAndHolds(std::string("(?P<n>a)")));
  EXPECT_THAT(TranslatePcreToRe2("a(?#note)b"), IsOkAndHolds(std::string("ab")));
}

TEST(RegexTranslationTest, KeepsPlainPatterns) {
  absl::StatusOr<std::string> t = TranslatePcreToRe2("^ab[c-e]+\\d*(x|y)?");
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(*t, "^ab[c-e]+\\d*(x|y)?");
  t = TranslatePcreToRe2("(?<name>a)");
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(*t, "(?P<name>a)");
  EXPECT_THAT(TranslatePcreToRe2("\\1"), StatusIs(absl::StatusCode::kUnimplemented, "\\1"));
}

// Issue 5 (differential conformance against Meteor): a regex value may carry JavaScript's sticky
// flag y; Meteor resets lastIndex to 0 before every test(), so the match is anchored at the
// start of the string (not at line starts, even with m). $options cannot carry y: neither
// MongoDB nor Meteor accepts it there.
TEST(SelectorRegexTest, Issue5StickyFlagOfARegexValueAnchorsAtTheStart) {
  ExpectMatches({
      {R"re({"s": {"$regexp": "hel", "$flags": "y"}})re", R"re({"s": "hello world"})re", true},
      {R"re({"s": {"$regexp": "hel", "$flags": "y"}})re", R"re({"s": "/hel/"})re", false},
      {R"re({"s": {"$regexp": "hel", "$flags": ""}})re", R"re({"s": "/hel/"})re", true},
      {R"re({"s": {"$regexp": "HEL", "$flags": "iy"}})re", R"re({"s": "Hello"})re", true},
      {R"re({"s": {"$regexp": "HEL", "$flags": "iy"}})re", R"re({"s": "oh Hello"})re", false},
      {R"re({"s": {"$regexp": "^l", "$flags": "my"}})re", R"re({"s": "line1\nline2"})re", true},
      {R"re({"s": {"$regexp": "^line2", "$flags": "my"}})re", R"re({"s": "line1\nline2"})re",
       false},
      {R"re({"s": {"$regexp": "^line2", "$flags": "m"}})re", R"re({"s": "line1\nline2"})re", true},
      {R"re({"s": {"$regexp": "x|hel", "$flags": "y"}})re", R"re({"s": "hello"})re", true},
      {R"re({"s": {"$regexp": "x|hel", "$flags": "y"}})re", R"re({"s": "ax"})re", false},
      {R"re({"s": {"$regexp": "", "$flags": "y"}})re", R"re({"s": "abc"})re", true},
      {R"re({"s": {"$in": [{"$regexp": "b", "$flags": "y"}]}})re", R"re({"s": ["ab", "bc"]})re",
       true},
      {R"re({"s": {"$in": [{"$regexp": "b", "$flags": "y"}]}})re", R"re({"s": "ab"})re", false},
      {R"re({"s": {"$not": {"$regexp": "b", "$flags": "y"}}})re", R"re({"s": "ab"})re", true},
      {R"re({"s": {"$regex": {"$regexp": "b", "$flags": "y"}}})re", R"re({"s": "ab"})re", false},
  });
  ExpectCompileErrors({
      {R"re({"s": {"$regex": "hel", "$options": "y"}})re", absl::StatusCode::kInvalidArgument,
       "\"y\""},
      {R"re({"s": {"$regex": "hel", "$options": "iy"}})re", absl::StatusCode::kInvalidArgument,
       "\"y\""},
  });
}

TEST(RegexTranslationTest, OptionLetters) {
  absl::StatusOr<internal::RegexOptions> o = internal::ParseRegexOptions("ims");
  ASSERT_THAT(o, IsOk());
  EXPECT_TRUE(o->case_insensitive);
  EXPECT_TRUE(o->multiline);
  EXPECT_TRUE(o->dot_all);
  o = internal::ParseRegexOptions("gu");
  ASSERT_THAT(o, IsOk());
  EXPECT_FALSE(o->case_insensitive || o->multiline || o->dot_all || o->sticky);
  o = internal::ParseRegexOptions("y");
  ASSERT_THAT(o, IsOk());
  EXPECT_TRUE(o->sticky);
  EXPECT_THAT(internal::ParseRegexOptions("x"), StatusIs(absl::StatusCode::kInvalidArgument, "x"));
  EXPECT_THAT(internal::ParseRegexOptions("l"), StatusIs(absl::StatusCode::kInvalidArgument, "l"));
}

// The literal fast paths must give exactly RE2's answer. Random subjects over an alphabet that
// includes the tricky bytes (case pairs, k/s with their Unicode fold partners, newlines).
TEST(RegexFastPathTest, AgreesWithRe2OnRandomInputs) {
  const std::vector<std::string> pieces = {
      "a", "A", "b", "K", "k", "s", "\xe2\x84\xaa", "\xc5\xbf", "\n", ".", "x", "é", "É", "-", " "};
  const std::vector<std::pair<std::string, std::string>> patterns = {
      {"ab", ""},  {"^ab", ""},   {"aB", "i"},    {"^Ab", "i"},  {"k", "i"},  {"s", "i"},
      {"^a", "m"}, {"a\\.b", ""}, {"^a\\-", "i"}, {"", ""},      {"^", "i"},  {"é", "i"},
      {"x.", ""},  {"ba", "s"},   {"A b", "i"},   {"^xa", "mi"}, {"\\ ", ""}, {"KA", "i"},
  };
  std::mt19937 rng(::testing::UnitTest::GetInstance()->random_seed());
  SCOPED_TRACE(::testing::Message()
               << "seed " << ::testing::UnitTest::GetInstance()->random_seed());
  for (const auto& [pattern, options] : patterns) {
    absl::StatusOr<std::unique_ptr<RegexMatcher>> re = RegexMatcher::Create(pattern, options);
    ASSERT_THAT(re, IsOk()) << pattern;
    for (int i = 0; i < 400; ++i) {
      std::string text;
      int len = static_cast<int>(rng() % 7);
      for (int j = 0; j < len; ++j) text += pieces[rng() % pieces.size()];
      ASSERT_EQ((*re)->Matches(text), (*re)->MatchesWithRe2(text))
          << "pattern /" << pattern << "/" << options << " on \"" << text << "\"";
    }
  }
}

}  // namespace
}  // namespace minimongo::query
