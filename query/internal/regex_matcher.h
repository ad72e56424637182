// MongoDB regular expressions ($regex, regex literals) run on RE2.
//
// MongoDB evaluates patterns with PCRE; RE2 runs in linear time but has a different syntax at
// the edges. TranslatePcreToRe2() rewrites the differences that have an exact RE2 equivalent
// and refuses, with Unimplemented naming the construct, what RE2 cannot run at all:
//   - backreferences (\1, \g{..}, \k<..>, (?P=..)), lookahead/lookbehind, atomic groups,
//     possessive quantifiers, conditionals, recursion, branch reset, \K, \G, \X, (*VERBS),
//     the inline flag (?x);
//   - rewritten: `$` and `\Z` (PCRE: end of text or before a final newline; RE2's `$` without
//     (?m) is only the end of text), named groups (?<n>..) and (?'n'..) to (?P<n>..), comments
//     (?#..), \h \H \v \V \R \N \e \cX, octal escapes, \Q..\E quoting, a ']' first in a class.
//   A rewritten `$` consumes the final newline it stands before; that only changes which text
//   matched, never whether the pattern matches, unless the pattern goes on to consume more
//   text after the `$` (PCRE's `a$\n`), which no sensible pattern does.
// Options: i (case-insensitive, Unicode simple folding), m (^ and $ at line breaks), s (dot
// matches newline); g and u are accepted and ignored (Meteor and JavaScript accept them, u is
// RE2's default UTF-8 mode); y (JavaScript's sticky flag, which only a regex value's $flags can
// carry) anchors the match at the start of the string, as Meteor's RegExp.test from lastIndex 0
// does. x (extended) is refused with InvalidArgument, like Meteor's minimongo ("only the i, m,
// and g regexp options are supported"), which the conformance corpus follows.
//
// RegexMatcher adds fast paths for the common literal shapes ("draft", "^Invoice", "a\.b",
// case-insensitive ASCII literals): plain byte comparisons that give exactly RE2's answer.
//
// Thread safety: a RegexMatcher is immutable after Create; Matches() may run concurrently.
//
// Example:
//   auto re = RegexMatcher::Create("^Invoice", "");
//   if (re.ok() && (*re)->Matches("Invoice 2023.pdf")) { ... }

#ifndef MINIMONGO_QUERY_INTERNAL_REGEX_MATCHER_H_
#define MINIMONGO_QUERY_INTERNAL_REGEX_MATCHER_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "re2/re2.h"

namespace minimongo::query::internal {

struct RegexOptions {
  bool case_insensitive = false;  // i
  bool multiline = false;         // m
  bool dot_all = false;           // s
  bool sticky = false;            // y: match only at the start of the string
};

// Parses MongoDB/JavaScript option letters. Errors: InvalidArgument for x and unknown letters,
// naming the letter. Accepts y (the selector parser refuses it in $options, where neither
// MongoDB nor Meteor allows it).
absl::StatusOr<RegexOptions> ParseRegexOptions(std::string_view options);

// Rewrites a PCRE pattern into an RE2 pattern with the same matches (see the file comment).
// Errors: Unimplemented naming a construct RE2 cannot run; InvalidArgument for a NUL byte.
// Anything else malformed is left for RE2 to reject.
absl::StatusOr<std::string> TranslatePcreToRe2(std::string_view pattern);

class RegexMatcher {
 public:
  // Compiles `pattern` with `options` (option letters as in $options). Errors: those of
  // ParseRegexOptions and TranslatePcreToRe2, and InvalidArgument with RE2's message for a
  // pattern RE2 rejects.
  static absl::StatusOr<std::unique_ptr<RegexMatcher>> Create(std::string_view pattern,
                                                              std::string_view options);

  RegexMatcher(const RegexMatcher&) = delete;
  RegexMatcher& operator=(const RegexMatcher&) = delete;

  // True if the pattern matches somewhere in `text` (unanchored search, like PCRE's).
  bool Matches(std::string_view text) const;
  // The same answer, always through RE2 (for tests of the fast paths).
  bool MatchesWithRe2(std::string_view text) const;

  // The pattern and option letters as given to Create (a regex value in a document equals this
  // regex when both are the same).
  const std::string& pattern() const { return pattern_; }
  const std::string& options() const { return options_; }

 private:
  enum class FastPath : uint8_t {
    kNone,
    kContains,            // literal anywhere
    kPrefix,              // literal at the start
    kContainsIgnoreCase,  // ASCII literal anywhere, ASCII case folding
    kPrefixIgnoreCase,    // ASCII literal at the start, ASCII case folding
  };

  RegexMatcher() = default;

  std::string pattern_;
  std::string options_;
  std::unique_ptr<re2::RE2> re2_;
  FastPath fast_path_ = FastPath::kNone;
  std::string literal_;  // for the fast paths; lower-cased for the IgnoreCase ones
};

}  // namespace minimongo::query::internal

#endif  // MINIMONGO_QUERY_INTERNAL_REGEX_MATCHER_H_
