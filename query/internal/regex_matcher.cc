#include "query/internal/regex_matcher.h"

#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "fmt/format.h"

namespace minimongo::query::internal {
namespace {

// PCRE's \h and \v sets, as RE2 class contents.
constexpr std::string_view kHorizontalSpace =
    "\\t \\x{a0}\\x{1680}\\x{180e}\\x{2000}-\\x{200a}\\x{202f}\\x{205f}\\x{3000}";
constexpr std::string_view kVerticalSpace = "\\n\\x0b\\f\\r\\x{85}\\x{2028}\\x{2029}";

bool IsOctal(char c) { return c >= '0' && c <= '7'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

absl::Status Unsupported(std::string_view construct) {
  return absl::UnimplementedError(
      fmt::format("regex construct {} is not supported (RE2 cannot run it)", construct));
}

void AppendCodePoint(unsigned value, std::string* out) {
  *out += fmt::format("\\x{{{:x}}}", value);
}

// Appends `c` so that RE2 reads it as that literal byte (inside or outside a class).
void AppendLiteral(char c, std::string* out) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x80 || IsAsciiAlnum(c) || c == ' ' || c == '_') {
    out->push_back(c);
  } else if (u < 0x20 || u == 0x7f) {
    AppendCodePoint(u, out);
  } else {
    out->push_back('\\');
    out->push_back(c);
  }
}

// Copies a "{...}" argument of \p, \P or \x starting at p[*i] (if there is one).
void CopyBraced(std::string_view p, size_t* i, std::string* out) {
  if (*i < p.size() && p[*i] == '{') {
    size_t close = p.find('}', *i);
    size_t end = close == std::string_view::npos ? p.size() : close + 1;
    out->append(p.substr(*i, end - *i));
    *i = end;
  }
}

// Escapes are rewritten to forms RE2 surely reads the same way: numeric \x{..} for control and
// octal characters (RE2 has no \e, \cX or PCRE's octal rules), and \Q..\E quoted char by char.
// Handles the escapes that mean the same inside and outside a class. `i` is at the letter
// after the backslash; on success it is moved past the escape. Returns false when the escape
// is not one of these (nothing consumed).
bool TranslateCommonEscape(std::string_view p, size_t* i, std::string* out) {
  char e = p[*i];
  switch (e) {
    case '0': {  // \0, \0o, \0oo: octal
      size_t j = *i + 1;
      unsigned value = 0;
      for (int k = 0; k < 2 && j < p.size() && IsOctal(p[j]); ++k, ++j) {
        value = value * 8 + static_cast<unsigned>(p[j] - '0');
      }
      AppendCodePoint(value, out);
      *i = j;
      return true;
    }
    case 'e':
      out->append("\\x1b");
      ++*i;
      return true;
    case 'a':
      out->append("\\x07");
      ++*i;
      return true;
    case 'c': {  // \cX: control character
      if (*i + 1 >= p.size()) return false;
      unsigned char x = static_cast<unsigned char>(p[*i + 1]);
      if (x >= 'a' && x <= 'z') x = static_cast<unsigned char>(x - 'a' + 'A');
      AppendCodePoint(x ^ 0x40u, out);
      *i += 2;
      return true;
    }
    case 'p':
    case 'P':
    case 'x':
      out->push_back('\\');
      out->push_back(e);
      ++*i;
      CopyBraced(p, i, out);
      return true;
    case 'Q': {  // \Q...\E: everything up to \E is literal
      size_t j = *i + 1;
      size_t end = p.find("\\E", j);
      if (end == std::string_view::npos) end = p.size();
      for (; j < end; ++j) AppendLiteral(p[j], out);
      *i = end == p.size() ? end : end + 2;
      return true;
    }
    case 'E':  // a stray \E is ignored by PCRE
      ++*i;
      return true;
    default:
      if (static_cast<unsigned char>(e) >= 0x80) {  // an escaped non-ASCII character is itself
        out->push_back(e);
        ++*i;
        return true;
      }
      return false;
  }
}

// True if p[i..] starts a valid counted repetition {n}, {n,} or {n,m}; sets *end past '}'.
bool IsCountedRepetition(std::string_view p, size_t i, size_t* end) {
  size_t j = i + 1;
  size_t digits = 0;
  while (j < p.size() && IsDigit(p[j])) ++j, ++digits;
  if (digits == 0) return false;
  if (j < p.size() && p[j] == ',') {
    ++j;
    while (j < p.size() && IsDigit(p[j])) ++j;
  }
  if (j >= p.size() || p[j] != '}') return false;
  *end = j + 1;
  return true;
}

// Translates the group opener at p[i] == '(' and moves *i past what it consumed. Everything PCRE
// gives "(?" a meaning RE2 lacks is refused here by name rather than left to RE2, whose message
// ("missing argument to repetition operator") would not say what is unsupported.
absl::Status TranslateGroupOpen(std::string_view p, size_t* i, std::string* out) {
  size_t n = p.size();
  size_t j = *i + 1;
  if (j < n && p[j] == '*') return Unsupported("(*VERB)");
  if (j >= n || p[j] != '?') {
    out->push_back('(');
    *i = j;
    return absl::OkStatus();
  }
  ++j;  // past '?'
  char c = j < n ? p[j] : '\0';
  switch (c) {
    case '=':
      return Unsupported("(?=...) (lookahead)");
    case '!':
      return Unsupported("(?!...) (negative lookahead)");
    case '>':
      return Unsupported("(?>...) (atomic group)");
    case '|':
      return Unsupported("(?|...) (branch reset)");
    case '(':
      return Unsupported("(?(...)...) (conditional)");
    case 'R':
    case '&':
    case '+':
      return Unsupported("(?R) (recursion)");
    case '#': {  // comment, up to the first ')'
      size_t close = p.find(')', j);
      if (close == std::string_view::npos) {
        return absl::InvalidArgumentError("invalid regex: missing ) after comment");
      }
      *i = close + 1;
      return absl::OkStatus();
    }
    case '<':
      if (j + 1 < n && p[j + 1] == '=') return Unsupported("(?<=...) (lookbehind)");
      if (j + 1 < n && p[j + 1] == '!') return Unsupported("(?<!...) (negative lookbehind)");
      out->append("(?P<");
      *i = j + 1;
      return absl::OkStatus();
    case '\'': {
      size_t close = p.find('\'', j + 1);
      if (close == std::string_view::npos) {
        return absl::InvalidArgumentError("invalid regex: unterminated group name");
      }
      out->append("(?P<");
      out->append(p.substr(j + 1, close - j - 1));
      out->push_back('>');
      *i = close + 1;
      return absl::OkStatus();
    }
    case 'P':
      if (j + 1 < n && p[j + 1] == '=') return Unsupported("(?P=name) (backreference)");
      if (j + 1 < n && p[j + 1] == '>') return Unsupported("(?P>name) (recursion)");
      out->append("(?P");
      *i = j + 1;
      return absl::OkStatus();
    default:
      break;
  }
  if (IsDigit(c) || (c == '-' && j + 1 < n && IsDigit(p[j + 1]))) {
    return Unsupported("(?N) (recursion)");
  }
  // Inline flags: (?imsU-imsU) or (?imsU-imsU:...). RE2 has all but x.
  size_t k = j;
  while (k < n && p[k] != ')' && p[k] != ':') {
    if (p[k] == 'x') return Unsupported("(?x) (extended inline flag)");
    ++k;
  }
  out->append("(?");
  *i = j;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RegexOptions> ParseRegexOptions(std::string_view options) {
  RegexOptions result;
  for (char c : options) {
    switch (c) {
      case 'i':
        result.case_insensitive = true;
        break;
      case 'm':
        result.multiline = true;
        break;
      case 's':
        result.dot_all = true;
        break;
      case 'y':
        result.sticky = true;
        break;
      case 'g':
      case 'u':
        break;
      case 'x':
        return absl::InvalidArgumentError(
            "regex option x is not supported, only the i, m, s (and ignored g, u) options are");
      default:
        return absl::InvalidArgumentError(fmt::format(
            "invalid regex option \"{}\", only i, m and s are supported", std::string_view(&c, 1)));
    }
  }
  return result;
}

// One pass over the pattern with the little state PCRE's lexical structure needs: inside a
// character class or not (escapes and metacharacters differ there), and whether the last token
// was a quantifier (a following '+' makes it possessive, which RE2 lacks). Everything that is
// neither rewritten nor refused is copied unchanged, so RE2's own parser reports malformed
// patterns.
absl::StatusOr<std::string> TranslatePcreToRe2(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 16);
  const size_t n = p.size();
  bool in_class = false;
  size_t class_first = 0;  // position of the first member of the current class
  enum class Quant { kNone, kQuantifier, kLazy } quant = Quant::kNone;
  size_t i = 0;
  while (i < n) {
    char c = p[i];
    if (c == '\0') {
      return absl::InvalidArgumentError("regex cannot contain an embedded null byte");
    }
    if (in_class) {
      if (c == '\\' && i + 1 < n) {
        char e = p[i + 1];
        size_t j = i + 1;
        if (TranslateCommonEscape(p, &j, &out)) {
          i = j;
          continue;
        }
        switch (e) {
          case 'h':
            out.append(kHorizontalSpace);
            break;
          case 'v':
            out.append(kVerticalSpace);
            break;
          case 'H':
          case 'V':
            return Unsupported(fmt::format("\\{} inside a character class", e));
          case 'b':  // backspace inside a class
            out.append("\\x08");
            break;
          default:
            if (e >= '1' && e <= '7') {  // octal inside a class
              unsigned value = 0;
              size_t k = i + 1;
              for (int d = 0; d < 3 && k < n && IsOctal(p[k]); ++d, ++k) {
                value = value * 8 + static_cast<unsigned>(p[k] - '0');
              }
              AppendCodePoint(value, &out);
              i = k;
              continue;
            }
            out.push_back('\\');
            out.push_back(e);
            break;
        }
        i += 2;
        continue;
      }
      if (c == '[' && i + 1 < n && p[i + 1] == ':') {  // POSIX class [:alpha:]
        size_t close = p.find(":]", i + 2);
        if (close != std::string_view::npos) {
          out.append(p.substr(i, close + 2 - i));
          i = close + 2;
          continue;
        }
      }
      if (c == ']' && i != class_first) {
        in_class = false;
        out.push_back(']');
        ++i;
        quant = Quant::kNone;
        continue;
      }
      if (c == ']' || c == '[') {
        out.push_back('\\');
        out.push_back(c);
      } else {
        out.push_back(c);
      }
      ++i;
      continue;
    }

    switch (c) {
      case '\\': {
        if (i + 1 >= n) {  // a trailing backslash: let RE2 report it
          out.push_back('\\');
          ++i;
          break;
        }
        char e = p[i + 1];
        size_t j = i + 1;
        quant = Quant::kNone;
        if (TranslateCommonEscape(p, &j, &out)) {
          i = j;
          break;
        }
        if (e >= '1' && e <= '9') return Unsupported(fmt::format("\\{} (backreference)", e));
        switch (e) {
          case 'g':
            return Unsupported("\\g (backreference)");
          case 'k':
            return Unsupported("\\k (named backreference)");
          case 'K':
            return Unsupported("\\K (match start reset)");
          case 'G':
            return Unsupported("\\G (match start anchor)");
          case 'X':
            return Unsupported("\\X (extended grapheme cluster)");
          case 'R':
            out.append("(?:\\r\\n|[");
            out.append(kVerticalSpace);
            out.append("])");
            break;
          case 'h':
            out.append("[").append(kHorizontalSpace).append("]");
            break;
          case 'H':
            out.append("[^").append(kHorizontalSpace).append("]");
            break;
          case 'v':
            out.append("[").append(kVerticalSpace).append("]");
            break;
          case 'V':
            out.append("[^").append(kVerticalSpace).append("]");
            break;
          case 'N':
            out.append("[^\\n]");
            break;
          case 'Z':
            out.append("(?:\\n?\\z)");
            break;
          default:
            out.push_back('\\');
            out.push_back(e);
            break;
        }
        i += 2;
        break;
      }
      case '[':
        in_class = true;
        out.push_back('[');
        ++i;
        if (i < n && p[i] == '^') {
          out.push_back('^');
          ++i;
        }
        class_first = i;
        quant = Quant::kNone;
        break;
      case '(': {
        absl::Status s = TranslateGroupOpen(p, &i, &out);
        if (!s.ok()) return s;
        quant = Quant::kNone;
        break;
      }
      case '$':
        // PCRE's `$` also matches before a final newline; RE2's `$` is `\z` unless (?m), where
        // both agree. The alternation is right in both modes, so inline (?m) needs no tracking.
        out.append("(?:$|\\n\\z)");
        ++i;
        quant = Quant::kNone;
        break;
      case '*':
      case '+':
      case '?':
        if (quant == Quant::kQuantifier && c == '+') {
          return Unsupported("possessive quantifier (*+, ++, ?+, {n}+)");
        }
        out.push_back(c);
        ++i;
        quant = quant == Quant::kQuantifier && c == '?' ? Quant::kLazy : Quant::kQuantifier;
        break;
      case '{': {
        size_t end;
        if (IsCountedRepetition(p, i, &end)) {
          out.append(p.substr(i, end - i));
          i = end;
          quant = Quant::kQuantifier;
        } else {
          out.append("\\{");
          ++i;
          quant = Quant::kNone;
        }
        break;
      }
      default:
        out.push_back(c);
        ++i;
        quant = Quant::kNone;
        break;
    }
  }
  return out;
}

namespace {

// The fast paths only apply to patterns whose matches RE2 would find by plain byte comparison;
// anything with a metacharacter, an escape of a letter or digit (\d, \b, ...) or a control
// character is left to RE2.
// The literal a pattern stands for, when it is one: bytes with no metacharacter, escaped ASCII
// punctuation allowed, optionally behind a leading '^'.
bool AnalyzeLiteral(std::string_view p, bool* anchored, std::string* literal) {
  size_t i = 0;
  *anchored = false;
  if (!p.empty() && p[0] == '^') {
    *anchored = true;
    i = 1;
  }
  literal->clear();
  for (; i < p.size(); ++i) {
    char c = p[i];
    switch (c) {
      case '^':
      case '$':
      case '.':
      case '|':
      case '?':
      case '*':
      case '+':
      case '(':
      case ')':
      case '[':
      case ']':
      case '{':
      case '}':
      case '\0':
        return false;
      case '\\': {
        if (i + 1 >= p.size()) return false;
        char e = p[i + 1];
        unsigned char u = static_cast<unsigned char>(e);
        if (u >= 0x80 || IsAsciiAlnum(e) || u < 0x20) return false;
        literal->push_back(e);
        ++i;
        break;
      }
      default:
        literal->push_back(c);
        break;
    }
  }
  return true;
}

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Whether ASCII case folding gives exactly Unicode simple case folding for `s`: true when `s`
// is ASCII and has no k or s (which also fold to U+212A KELVIN SIGN and U+017F LONG S).
bool AsciiFoldingIsExact(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
    char l = AsciiLower(c);
    if (l == 'k' || l == 's') return false;
  }
  return true;
}

bool EqualsIgnoreCase(const char* text, std::string_view lower_literal) {
  for (size_t i = 0; i < lower_literal.size(); ++i) {
    if (AsciiLower(text[i]) != lower_literal[i]) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RegexMatcher>> RegexMatcher::Create(std::string_view pattern,
                                                                   std::string_view options) {
  absl::StatusOr<RegexOptions> opts = ParseRegexOptions(options);
  if (!opts.ok()) return opts.status();
  absl::StatusOr<std::string> translated = TranslatePcreToRe2(pattern);
  if (!translated.ok()) return translated.status();

  // Options become a leading flag group, which applies to the whole pattern as $options does.
  std::string full;
  if (opts->case_insensitive || opts->multiline || opts->dot_all) {
    full = "(?";
    if (opts->case_insensitive) full += 'i';
    if (opts->multiline) full += 'm';
    if (opts->dot_all) full += 's';
    full += ')';
  }
  // Sticky: JavaScript's test() from lastIndex 0 (Meteor resets it before every match) only
  // matches at offset 0; \A is the start of the text even under m.
  if (opts->sticky) {
    full += "\\A(?:";
    full += *translated;
    full += ')';
  } else {
    full += *translated;
  }

  re2::RE2::Options re2_options;
  re2_options.set_log_errors(false);
  re2_options.set_encoding(re2::RE2::Options::EncodingUTF8);
  auto re2 = std::make_unique<re2::RE2>(full, re2_options);
  if (!re2->ok()) {
    return absl::InvalidArgumentError(fmt::format("invalid regex: {}", re2->error()));
  }

  std::unique_ptr<RegexMatcher> matcher(new RegexMatcher());
  matcher->pattern_.assign(pattern.data(), pattern.size());
  matcher->options_.assign(options.data(), options.size());
  matcher->re2_ = std::move(re2);

  // With m, '^' also matches after every newline: no prefix fast path then.
  bool anchored;
  std::string literal;
  bool literal_ok = AnalyzeLiteral(pattern, &anchored, &literal);
  if (opts->sticky) {
    anchored = true;  // at offset 0 only, whatever m says
  } else if (anchored && opts->multiline) {
    literal_ok = false;
  }
  if (literal_ok) {
    if (!opts->case_insensitive) {
      matcher->fast_path_ = anchored ? FastPath::kPrefix : FastPath::kContains;
      matcher->literal_ = std::move(literal);
    } else if (AsciiFoldingIsExact(literal)) {
      for (char& ch : literal) ch = AsciiLower(ch);
      matcher->fast_path_ = anchored ? FastPath::kPrefixIgnoreCase : FastPath::kContainsIgnoreCase;
      matcher->literal_ = std::move(literal);
    }
  }
  return matcher;
}

// The case-insensitive search compares the first byte in both cases before the rest: subjects
// are short (file names), where this beats building a searcher.
bool RegexMatcher::Matches(std::string_view text) const {
  switch (fast_path_) {
    case FastPath::kNone:
      break;
    case FastPath::kContains:
      return text.find(literal_) != std::string_view::npos;
    case FastPath::kPrefix:
      return text.size() >= literal_.size() &&
             std::memcmp(text.data(), literal_.data(), literal_.size()) == 0;
    case FastPath::kPrefixIgnoreCase:
      return text.size() >= literal_.size() && EqualsIgnoreCase(text.data(), literal_);
    case FastPath::kContainsIgnoreCase: {
      if (literal_.empty()) return true;
      if (text.size() < literal_.size()) return false;
      char first = literal_[0];
      char first_upper =
          first >= 'a' && first <= 'z' ? static_cast<char>(first - 'a' + 'A') : first;
      size_t last = text.size() - literal_.size();
      for (size_t i = 0; i <= last; ++i) {
        char t = text[i];
        if ((t == first || t == first_upper) && EqualsIgnoreCase(text.data() + i, literal_)) {
          return true;
        }
      }
      return false;
    }
  }
  return MatchesWithRe2(text);
}

bool RegexMatcher::MatchesWithRe2(std::string_view text) const {
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re2_);
}

}  // namespace minimongo::query::internal
