#include "ddp_sync/internal/frame_parser.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <system_error>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "query/limits.h"

namespace minimongo::ddp::internal {
namespace {

// Length of the well-formed UTF-8 sequence at p (lead byte >= 0x80), or 0 (RFC 3629: no
// overlong form, no surrogate, nothing beyond U+10FFFF, not truncated).
size_t Utf8Length(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = p[0];
  auto cont = [&](size_t i) { return p + i < end && (p[i] & 0xc0) == 0x80; };
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xe0 && p[1] < 0xa0) return 0;
    if (c == 0xed && p[1] >= 0xa0) return 0;
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xf0 && p[1] < 0x90) return 0;
    if (c == 0xf4 && p[1] >= 0x90) return 0;
    return 4;
  }
  return 0;
}

bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// A byte a string holds as it is: not '"', not '\\', not a control character, ASCII.
bool IsPlain(unsigned char c) { return c != '"' && c != '\\' && c >= 0x20 && c < 0x80; }

// The first byte of [p, end) that is not plain (see IsPlain), or end.
const char* SkipPlain(const char* p, const char* end) {
#if defined(__SSE2__)
  // 16 bytes at a time: as signed bytes, both the control characters and the bytes >= 0x80
  // are less than 0x20, so one signed compare finds both.
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i stop = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
        _mm_cmplt_epi8(v, space));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(stop));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p != end && IsPlain(static_cast<unsigned char>(*p))) ++p;
  return p;
}

}  // namespace

std::optional<query::ValueView> FrameParser::Parse(std::string_view text) {
  builder_.Reset();
  if (text.size() > query::kMaxEjsonBytes) return std::nullopt;
  p_ = text.data();
  end_ = text.data() + text.size();
  SkipSpace();
  if (p_ == end_ || *p_ != '{' || !ParseObject(1)) {
    builder_.Reset();
    return std::nullopt;
  }
  SkipSpace();
  if (p_ != end_) {
    builder_.Reset();
    return std::nullopt;
  }
  return builder_.LastValue();
}

query::Value FrameParser::Release() { return builder_.Finish(); }

void FrameParser::SkipSpace() {
  while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
}

bool FrameParser::ParseValue(size_t depth) {
  if (p_ == end_) return false;
  switch (*p_) {
    case '{':
      return ParseObject(depth + 1);
    case '[':
      return ParseArray(depth + 1);
    case '"': {
      std::string_view s;
      if (!ParseString(&s)) return false;
      builder_.AppendString(s);
      return true;
    }
    case 't':
      if (!ParseWord("true")) return false;
      builder_.AppendBool(true);
      return true;
    case 'f':
      if (!ParseWord("false")) return false;
      builder_.AppendBool(false);
      return true;
    case 'n':
      if (!ParseWord("null")) return false;
      builder_.AppendNull();
      return true;
    default:
      return ParseNumber();
  }
}

bool FrameParser::ParseWord(std::string_view word) {
  if (static_cast<size_t>(end_ - p_) < word.size() ||
      std::memcmp(p_, word.data(), word.size()) != 0) {
    return false;
  }
  p_ += word.size();
  return true;
}

// A string without escapes or control characters, in valid UTF-8; *out views the text.
bool FrameParser::ParseString(std::string_view* out) {
  ++p_;  // the opening quote
  const char* start = p_;
  while (true) {
    p_ = SkipPlain(p_, end_);
    if (p_ == end_) return false;
    const unsigned char c = static_cast<unsigned char>(*p_);
    if (c == '"') break;
    if (c < 0x80) return false;  // a backslash or a control character: the general path
    size_t n = Utf8Length(reinterpret_cast<const unsigned char*>(p_),
                          reinterpret_cast<const unsigned char*>(end_));
    if (n == 0) return false;
    p_ += n;
  }
  *out = std::string_view(start, p_ - start);
  ++p_;  // the closing quote
  return true;
}

// RFC 8259 numbers, typed as query::ParseEjson types them: an integer literal that fits int64
// is an integer (*is_integer), anything with a fraction or an exponent, or beyond int64, a
// double.
bool FrameParser::ScanNumber(bool* is_integer, int64_t* integer, double* real) {
  const char* start = p_;
  if (p_ == end_) return false;
  const bool negative = *p_ == '-';
  if (negative) ++p_;
  if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
  uint64_t magnitude = 0;
  bool overflow = false;
  if (*p_ == '0') {
    ++p_;
  } else {
    // Up to 19 digits cannot overflow (10^19 - 1 < 2^64); with more the literal is at least
    // 10^19, beyond int64 either way, so the (wrapped) magnitude is not used.
    const char* digits = p_;
    while (p_ != end_ && IsDigit(*p_)) {
      magnitude = magnitude * 10 + static_cast<unsigned>(*p_ - '0');
      ++p_;
    }
    overflow = p_ - digits > 19;
  }
  bool is_float = false;
  if (p_ != end_ && *p_ == '.') {
    ++p_;
    if (p_ == end_ || !IsDigit(*p_)) return false;
    while (p_ != end_ && IsDigit(*p_)) ++p_;
    is_float = true;
  }
  if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
    ++p_;
    if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    if (p_ == end_ || !IsDigit(*p_)) return false;
    while (p_ != end_ && IsDigit(*p_)) ++p_;
    is_float = true;
  }
  if (!is_float && !overflow) {
    if (!negative && magnitude <= static_cast<uint64_t>(INT64_MAX)) {
      *is_integer = true;
      *integer = static_cast<int64_t>(magnitude);
      return true;
    }
    if (negative && magnitude <= static_cast<uint64_t>(INT64_MAX) + 1) {
      *is_integer = true;
      *integer = static_cast<int64_t>(0 - magnitude);
      return true;
    }
  }
  auto [ptr, ec] = std::from_chars(start, p_, *real);
  // Out of range (or anything odd) is the general path's to report or to round.
  if (ec != std::errc() || ptr != p_ || !std::isfinite(*real)) return false;
  *is_integer = false;
  return true;
}

bool FrameParser::ParseNumber() {
  bool is_integer = false;
  int64_t i = 0;
  double d = 0;
  if (!ScanNumber(&is_integer, &i, &d)) return false;
  if (!is_integer) {
    builder_.AppendDouble(d);
  } else if (i >= std::numeric_limits<int32_t>::min() &&
             i <= std::numeric_limits<int32_t>::max()) {
    builder_.AppendInt32(static_cast<int32_t>(i));
  } else {
    builder_.AppendInt64(i);
  }
  return true;
}

// The rest of {"$date": ms} after its key: ms a number within JavaScript's +-8.64e15 range
// (a fraction truncated toward zero), and nothing else in the object, as query/ejson.h reads
// it. Anything else is the general path's.
bool FrameParser::ParseDateRest() {
  SkipSpace();
  if (p_ == end_ || *p_ != ':') return false;
  ++p_;
  SkipSpace();
  bool is_integer = false;
  int64_t ms = 0;
  double d = 0;
  if (!ScanNumber(&is_integer, &ms, &d)) return false;
  constexpr int64_t kMaxMillis = 8'640'000'000'000'000;
  if (is_integer) {
    if (ms > kMaxMillis || ms < -kMaxMillis) return false;
  } else {
    if (std::fabs(d) > 8.64e15) return false;
    ms = static_cast<int64_t>(std::trunc(d));
  }
  SkipSpace();
  if (p_ == end_ || *p_ != '}') return false;
  ++p_;
  builder_.AppendDate(ms);
  return true;
}

bool FrameParser::ParseArray(size_t depth) {
  if (depth > kMaxFastDepth) return false;
  ++p_;
  builder_.BeginArray();
  SkipSpace();
  if (p_ != end_ && *p_ == ']') {
    ++p_;
    builder_.EndArray();
    return true;
  }
  while (true) {
    SkipSpace();
    if (!ParseValue(depth)) return false;
    SkipSpace();
    if (p_ == end_) return false;
    if (*p_ == ',') {
      ++p_;
      continue;
    }
    if (*p_ != ']') return false;
    ++p_;
    builder_.EndArray();
    return true;
  }
}

bool FrameParser::ParseObject(size_t depth) {
  if (depth > kMaxFastDepth) return false;
  ++p_;
  SkipSpace();
  if (p_ != end_ && *p_ == '}') {
    ++p_;
    builder_.BeginObject();
    return builder_.EndObject();
  }
  bool first = true;
  while (true) {
    SkipSpace();
    if (p_ == end_ || *p_ != '"') return false;
    std::string_view key;
    if (!ParseString(&key)) return false;
    if (!key.empty() && key[0] == '$') {
      // The one special form the fast path reads, below the top level (which is plain JSON):
      // {"$date": ms}, Meteor's date, in nearly every document. Any other '$' key may open
      // another special form: the general path decides.
      return first && depth > 1 && key == "$date" && ParseDateRest();
    }
    if (first) builder_.BeginObject();
    first = false;
    builder_.Key(key);
    SkipSpace();
    if (p_ == end_ || *p_ != ':') return false;
    ++p_;
    SkipSpace();
    if (!ParseValue(depth)) return false;
    SkipSpace();
    if (p_ == end_) return false;
    if (*p_ == ',') {
      ++p_;
      continue;
    }
    if (*p_ != '}') return false;
    ++p_;
    // A repeated key is a rejection, whose message the general path writes.
    return builder_.EndObject();
  }
}

}  // namespace minimongo::ddp::internal
