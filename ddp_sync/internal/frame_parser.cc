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

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The first byte at or after p that is not JSON white space, or end. Frames on the wire
// rarely hold any: one compare decides the common case.
[[gnu::always_inline]] inline const char* SkipSpace(const char* p, const char* end) {
  if (p != end && static_cast<unsigned char>(*p) > ' ') return p;
  while (p != end && IsSpace(*p)) ++p;
  return p;
}

// The string whose opening quote is at p, without escapes or control characters, in valid
// UTF-8: *out views its bytes in the text; returns the position after the closing quote, or
// nullptr.
[[gnu::always_inline]] inline const char* ScanString(const char* p, const char* end,
                                                    std::string_view* out) {
  const char* const start = p + 1;  // after the opening quote
  p = start;
  while (true) {
    p = SkipPlain(p, end);
    if (p == end) return nullptr;
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"') break;
    if (c < 0x80) return nullptr;  // a backslash or a control character: the general path
    size_t n = Utf8Length(reinterpret_cast<const unsigned char*>(p),
                          reinterpret_cast<const unsigned char*>(end));
    if (n == 0) return nullptr;
    p += n;
  }
  *out = std::string_view(start, p - start);
  return p + 1;  // after the closing quote
}

uint64_t Load8(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// The 8 bytes of w (little-endian: the first byte of the text lowest) as a decimal number,
// each byte a digit value 0..9 (already less '0'): pairs, then quads, then the octet, by
// multiply-and-shift (three multiplications instead of eight multiply-adds).
uint32_t EightDigitsValue(uint64_t w) {
  w = w * 10 + (w >> 8);  // byte 2i: the pair of digits 2i, 2i+1
  w = (((w & 0x000000ff000000ffULL) * (100 + (1000000ULL << 32))) +
       (((w >> 16) & 0x000000ff000000ffULL) * (1 + (10000ULL << 32)))) >>
      32;
  return static_cast<uint32_t>(w);
}

// 10^n for n in [0, 8).
constexpr uint32_t kPow10[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};

// The digits at p, a run that starts with a digit: adds them to *magnitude (wrapping beyond
// 2^64, which the caller detects by the count) and returns the position after the run.
// Eight bytes at a time while eight can be read: a byte is a digit when its high nibble is 3
// and adding 6 keeps it so. A carry out of a non-digit byte can only spoil the bytes after
// the first non-digit, which are not used.
[[gnu::always_inline]] inline const char* ScanDigits(const char* p, const char* end,
                                                    uint64_t* magnitude) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  uint64_t m = *magnitude;
  while (end - p >= 8) {
    const uint64_t w = Load8(p);
    const uint64_t nibbles = (w & (0xf0 * kOnes)) | (((w + 0x06 * kOnes) & (0xf0 * kOnes)) >> 4);
    const uint64_t not_digit = nibbles ^ (0x33 * kOnes);
    // Subtracting '0' borrows only from a non-digit byte, into the bytes after it.
    const uint64_t values = w - 0x30 * kOnes;
    if (not_digit == 0) {
      m = m * 100000000 + EightDigitsValue(values);
      p += 8;
      continue;
    }
    const unsigned n = static_cast<unsigned>(__builtin_ctzll(not_digit)) >> 3;  // digits
    if (n != 0) {
      // The n digits moved to the top bytes: zero bytes below are leading zeros.
      m = m * kPow10[n] + EightDigitsValue(values << (64 - 8 * n));
      p += n;
    }
    *magnitude = m;
    return p;
  }
  while (p != end && IsDigit(*p)) {
    m = m * 10 + static_cast<unsigned>(*p - '0');
    ++p;
  }
  *magnitude = m;
  return p;
}

// The step after an array element or an object member: past the ',' when another follows
// (*more = true), past `close` when the container ends (*more = false); nullptr otherwise.
[[gnu::always_inline]] inline const char* AfterItem(const char* p, const char* end, char close,
                                                   bool* more) {
  p = SkipSpace(p, end);
  if (p == end) return nullptr;
  *more = *p == ',';
  if (!*more && *p != close) return nullptr;
  return p + 1;
}

// A number as query::ParseEjson types it: an integer literal that fits int64 is an integer,
// anything with a fraction or an exponent, or beyond int64, a double.
struct Number {
  bool is_integer;
  int64_t integer;
  double real;
};

// RFC 8259 numbers at p; returns the position after the number, or nullptr.
[[gnu::always_inline]] inline const char* ScanNumber(const char* p, const char* end,
                                                    Number* out) {
  const char* const start = p;
  if (p == end) return nullptr;
  const bool negative = *p == '-';
  if (negative) ++p;
  if (p == end || !IsDigit(*p)) return nullptr;
  uint64_t magnitude = 0;
  bool overflow = false;
  if (*p == '0') {
    ++p;
  } else {
    // Up to 19 digits cannot overflow (10^19 - 1 < 2^64); with more the literal is at least
    // 10^19, beyond int64 either way, so the (wrapped) magnitude is not used.
    const char* digits = p;
    p = ScanDigits(p, end, &magnitude);
    overflow = p - digits > 19;
  }
  bool is_float = false;
  if (p != end && *p == '.') {
    ++p;
    if (p == end || !IsDigit(*p)) return nullptr;
    while (p != end && IsDigit(*p)) ++p;
    is_float = true;
  }
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p != end && (*p == '+' || *p == '-')) ++p;
    if (p == end || !IsDigit(*p)) return nullptr;
    while (p != end && IsDigit(*p)) ++p;
    is_float = true;
  }
  if (!is_float && !overflow) {
    if (!negative && magnitude <= static_cast<uint64_t>(INT64_MAX)) {
      out->is_integer = true;
      out->integer = static_cast<int64_t>(magnitude);
      return p;
    }
    if (negative && magnitude <= static_cast<uint64_t>(INT64_MAX) + 1) {
      out->is_integer = true;
      out->integer = static_cast<int64_t>(0 - magnitude);
      return p;
    }
  }
  auto [ptr, ec] = std::from_chars(start, p, out->real);
  // Out of range (or anything odd) is the general path's to report or to round.
  if (ec != std::errc() || ptr != p || !std::isfinite(out->real)) return nullptr;
  out->is_integer = false;
  return p;
}

bool FitsInt32(int64_t i) {
  return i >= std::numeric_limits<int32_t>::min() && i <= std::numeric_limits<int32_t>::max();
}

// `word` ("true", "false", "null") at p: the position after it, or nullptr.
const char* MatchWord(const char* p, const char* end, std::string_view word) {
  if (static_cast<size_t>(end - p) < word.size() ||
      std::memcmp(p, word.data(), word.size()) != 0) {
    return nullptr;
  }
  return p + word.size();
}

}  // namespace

std::optional<query::ValueView> FrameParser::Parse(std::string_view text) {
  builder_.Reset();
  if (text.size() > query::kMaxEjsonBytes) return std::nullopt;
  const char* const end = text.data() + text.size();
  end_ = end;
  const char* p = SkipSpace(text.data(), end);
  const Prefix* prefix = nullptr;
  if (p == end || *p != '{') {
    p = nullptr;
  } else if ((prefix = FindPrefix(text)) != nullptr) {
    builder_.BeginObject();
    for (size_t i = 0; i < prefix->count; ++i) {
      builder_.Key(*prefix->keys[i]);
      builder_.AppendString(prefix->values[i]);
    }
    p = ParseMembers(text.data() + prefix->text.size(), 1);
  } else {
    p = ParseObject(p, 1, nullptr);
  }
  if (p == nullptr || SkipSpace(p, end) != end) {
    builder_.Reset();
    return std::nullopt;
  }
  if (prefix == nullptr) RememberPrefix(text);
  return builder_.LastValue();
}

const FrameParser::Prefix* FrameParser::FindPrefix(std::string_view text) const {
  if (text.size() < 16) return nullptr;
  const uint64_t probe = Load8(text.data() + 8);
  for (size_t slot = 0; slot < kPrefixSlots; ++slot) {
    if (probes_[slot] != probe) continue;
    const Prefix& prefix = prefixes_[slot];
    const size_t n = prefix.text.size();
    // Longer than the prefix: members follow it. (A text with zero bytes [8, 16) matches
    // an unused slot's probe.)
    if (n == 0 || text.size() <= n) continue;
    // Word by word, the last word overlapping (n >= 16).
    const char* a = text.data();
    const char* b = prefix.text.data();
    bool same = Load8(a) == Load8(b);
    for (size_t i = 16; i + 8 < n && same; i += 8) same = Load8(a + i) == Load8(b + i);
    if (same && Load8(a + n - 8) == Load8(b + n - 8)) return &prefix;
  }
  return nullptr;
}

void FrameParser::RememberPrefix(std::string_view text) {
  // Re-reads the text just parsed: '{', then "key":"value", pairs, no white space.
  const char* const end = text.data() + text.size();
  const char* p = text.data();
  if (p == end || *p != '{') return;
  ++p;
  size_t count = 0;
  const char* prefix_end = nullptr;
  std::string_view keys[kMaxPrefixMembers], values[kMaxPrefixMembers];
  while (count < kMaxPrefixMembers) {
    if (p == end || *p != '"') break;
    p = ScanString(p, end, &keys[count]);
    if (p == nullptr || keys[count] == "id" || p == end || *p != ':') break;
    ++p;
    if (p == end || *p != '"') break;
    p = ScanString(p, end, &values[count]);
    if (p == nullptr || p == end || *p != ',') break;
    ++p;
    ++count;
    prefix_end = p;
  }
  if (count == 0 || prefix_end - text.data() < 16) return;
  const size_t slot = next_prefix_slot_;
  next_prefix_slot_ = (next_prefix_slot_ + 1) % kPrefixSlots;
  Prefix& prefix = prefixes_[slot];
  prefix.text.assign(text.data(), prefix_end);
  prefix.count = count;
  // The views move from the frame's text to the copy.
  const char* const base = prefix.text.data();
  for (size_t i = 0; i < kMaxPrefixMembers; ++i) {
    if (i < count) {
      prefix.keys[i].emplace(std::string_view(base + (keys[i].data() - text.data()), keys[i].size()));
      prefix.values[i] =
          std::string_view(base + (values[i].data() - text.data()), values[i].size());
    } else {
      prefix.keys[i].reset();
      prefix.values[i] = {};
    }
  }
  probes_[slot] = Load8(base + 8);
}

query::Value FrameParser::Release() { return builder_.Finish(); }

const char* FrameParser::ParseValue(const char* p, size_t depth) {
  const char* const end = end_;
  if (p == end) return nullptr;
  switch (*p) {
    case '{':
      return ParseObject(p, depth + 1, nullptr);
    case '[':
      return ParseArray(p, depth + 1, nullptr);
    case '"': {
      std::string_view s;
      p = ScanString(p, end, &s);
      if (p != nullptr) builder_.AppendString(s);
      return p;
    }
    case 't':
      p = MatchWord(p, end, "true");
      if (p != nullptr) builder_.AppendBool(true);
      return p;
    case 'f':
      p = MatchWord(p, end, "false");
      if (p != nullptr) builder_.AppendBool(false);
      return p;
    case 'n':
      p = MatchWord(p, end, "null");
      if (p != nullptr) builder_.AppendNull();
      return p;
    default:
      return ParseNumber(p);
  }
}

const char* FrameParser::ParseNumber(const char* p) {
  Number n;
  p = ScanNumber(p, end_, &n);
  if (p == nullptr) return nullptr;
  if (!n.is_integer) {
    builder_.AppendDouble(n.real);
  } else if (FitsInt32(n.integer)) {
    builder_.AppendInt32(static_cast<int32_t>(n.integer));
  } else {
    builder_.AppendInt64(n.integer);
  }
  return p;
}

// The rest of {"$date": ms} after its key: ms a number within JavaScript's +-8.64e15 range
// (a fraction truncated toward zero), and nothing else in the object, as query/ejson.h reads
// it. Anything else is the general path's.
const char* FrameParser::ParseDateRest(const char* p, const std::string_view* key) {
  const char* const end = end_;
  p = SkipSpace(p, end);
  if (p == end || *p != ':') return nullptr;
  p = SkipSpace(p + 1, end);
  Number n;
  p = ScanNumber(p, end, &n);
  if (p == nullptr) return nullptr;
  constexpr int64_t kMaxMillis = 8'640'000'000'000'000;
  int64_t ms;
  if (n.is_integer) {
    ms = n.integer;
    if (ms > kMaxMillis || ms < -kMaxMillis) return nullptr;
  } else {
    if (std::fabs(n.real) > 8.64e15) return nullptr;
    ms = static_cast<int64_t>(std::trunc(n.real));
  }
  p = SkipSpace(p, end);
  if (p == end || *p != '}') return nullptr;
  if (key != nullptr) {
    builder_.AppendDateField(*key, ms);
  } else {
    builder_.AppendDate(ms);
  }
  return p + 1;
}

const char* FrameParser::ParseArray(const char* p, size_t depth, const std::string_view* key) {
  if (depth > kMaxFastDepth) return nullptr;
  const char* const end = end_;
  if (key != nullptr) {
    builder_.BeginArrayField(*key);
  } else {
    builder_.BeginArray();
  }
  p = SkipSpace(p + 1, end);
  if (p != end && *p == ']') {
    builder_.EndArray();
    return p + 1;
  }
  while (true) {
    p = SkipSpace(p, end);
    p = ParseValue(p, depth);
    if (p == nullptr) return nullptr;
    bool more;
    p = AfterItem(p, end, ']', &more);
    if (p == nullptr) return nullptr;
    if (more) continue;
    builder_.EndArray();
    return p;
  }
}

const char* FrameParser::ParseObject(const char* p, size_t depth,
                                     const std::string_view* outer_key) {
  if (depth > kMaxFastDepth) return nullptr;
  const char* const end = end_;
  p = SkipSpace(p + 1, end);
  if (p != end && p[0] == '"' && end - p > 1 && p[1] == '$') {
    // The one special form the fast path reads, below the top level (which is plain JSON):
    // {"$date": ms}, Meteor's date, in nearly every document. Any other '$' key may open
    // another special form: the general path decides.
    std::string_view key;
    p = ScanString(p, end, &key);
    if (p == nullptr || depth <= 1 || key != "$date") return nullptr;
    return ParseDateRest(p, outer_key);
  }
  if (outer_key != nullptr) {
    builder_.BeginObjectField(*outer_key);
  } else {
    builder_.BeginObject();
  }
  if (p != end && *p == '}') return builder_.EndObject() ? p + 1 : nullptr;
  return ParseMembers(p, depth);
}

const char* FrameParser::ParseMembers(const char* p, size_t depth) {
  const char* const end = end_;
  while (true) {
    p = SkipSpace(p, end);
    if (p == end || *p != '"') return nullptr;
    std::string_view key;
    p = ScanString(p, end, &key);
    if (p == nullptr) return nullptr;
    // A '$' key after the first may open a special form: the general path decides.
    if (!key.empty() && key[0] == '$') return nullptr;
    p = SkipSpace(p, end);
    if (p == end || *p != ':') return nullptr;
    p = SkipSpace(p + 1, end);
    if (p == end) return nullptr;
    // Scalars, nearly every field, go in with their key in one builder call.
    const char c = *p;
    if (c == '"') {
      std::string_view s;
      p = ScanString(p, end, &s);
      if (p == nullptr) return nullptr;
      builder_.AppendStringField(key, s);
    } else if (IsDigit(c) || c == '-') {
      Number n;
      p = ScanNumber(p, end, &n);
      if (p == nullptr) return nullptr;
      if (!n.is_integer) {
        builder_.AppendDoubleField(key, n.real);
      } else if (FitsInt32(n.integer)) {
        builder_.AppendInt32Field(key, static_cast<int32_t>(n.integer));
      } else {
        builder_.AppendInt64Field(key, n.integer);
      }
    } else if (c == 't' || c == 'f') {
      const bool b = c == 't';
      p = MatchWord(p, end, b ? std::string_view("true") : std::string_view("false"));
      if (p == nullptr) return nullptr;
      builder_.AppendBoolField(key, b);
    } else if (c == '{') {
      p = ParseObject(p, depth + 1, &key);
      if (p == nullptr) return nullptr;
    } else if (c == '[') {
      p = ParseArray(p, depth + 1, &key);
      if (p == nullptr) return nullptr;
    } else {
      builder_.Key(key);
      p = ParseValue(p, depth);
      if (p == nullptr) return nullptr;
    }
    bool more;
    p = AfterItem(p, end, '}', &more);
    if (p == nullptr) return nullptr;
    if (more) continue;
    // A repeated key is a rejection, whose message the general path writes.
    return builder_.EndObject() ? p : nullptr;
  }
}

}  // namespace minimongo::ddp::internal
