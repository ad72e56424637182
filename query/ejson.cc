// EJSON codec. The parser is a nlohmann SAX handler writing into a ValueBuilder; special
// forms ({"$date": ..} and friends) are recognised when their object closes and are rewritten
// in place (they are tiny, so truncating and re-appending is cheap). This is the only file of
// query/ that sees nlohmann.

#include "query/ejson.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "query/limits.h"
#include "query/value_order.h"

namespace minimongo::query {
namespace {

// ---------------------------------------------------------------------------------------------
// Base64 (standard alphabet, padded), as Meteor's EJSON writes it.

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void AppendBase64(std::string_view in, std::string* out) {
  size_t i = 0;
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t n = (s[i] << 16) | (s[i + 1] << 8) | s[i + 2];
    out->push_back(kBase64Alphabet[(n >> 18) & 63]);
    out->push_back(kBase64Alphabet[(n >> 12) & 63]);
    out->push_back(kBase64Alphabet[(n >> 6) & 63]);
    out->push_back(kBase64Alphabet[n & 63]);
  }
  size_t rest = in.size() - i;
  if (rest == 1) {
    uint32_t n = s[i] << 16;
    out->push_back(kBase64Alphabet[(n >> 18) & 63]);
    out->push_back(kBase64Alphabet[(n >> 12) & 63]);
    out->append("==");
  } else if (rest == 2) {
    uint32_t n = (s[i] << 16) | (s[i + 1] << 8);
    out->push_back(kBase64Alphabet[(n >> 18) & 63]);
    out->push_back(kBase64Alphabet[(n >> 12) & 63]);
    out->push_back(kBase64Alphabet[(n >> 6) & 63]);
    out->push_back('=');
  }
}

int Base64Digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Strict decoding: length a multiple of 4, padding only at the end, unused bits zero.
bool DecodeBase64(std::string_view in, std::string* out) {
  if (in.size() % 4 != 0) return false;
  out->clear();
  out->reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    bool last = i + 4 == in.size();
    int pad = 0;
    if (last && in[i + 3] == '=') pad = in[i + 2] == '=' ? 2 : 1;
    int d[4];
    for (int k = 0; k < 4 - pad; ++k) {
      d[k] = Base64Digit(in[i + k]);
      if (d[k] < 0) return false;
    }
    if (pad == 2 && (d[1] & 15) != 0) return false;
    if (pad == 1 && (d[2] & 3) != 0) return false;
    uint32_t n = (d[0] << 18) | (d[1] << 12) | (pad < 2 ? d[2] << 6 : 0) | (pad < 1 ? d[3] : 0);
    out->push_back(static_cast<char>(n >> 16));
    if (pad < 2) out->push_back(static_cast<char>((n >> 8) & 255));
    if (pad < 1) out->push_back(static_cast<char>(n & 255));
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// ISO-8601 dates for Extended JSON's {"$date": "2020-01-02T03:04:05.678Z"}.

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ParseIsoDate(std::string_view s, int64_t* millis) {
  size_t i = 0;
  auto digits = [&](size_t n, int* out) {
    if (i + n > s.size()) return false;
    int v = 0;
    for (size_t k = 0; k < n; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    i += n;
    *out = v;
    return true;
  };
  auto expect = [&](char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  };
  int year, month, day, hour, minute, second, ms = 0;
  if (!digits(4, &year) || !expect('-') || !digits(2, &month) || !expect('-') ||
      !digits(2, &day) || !expect('T') || !digits(2, &hour) || !expect(':') ||
      !digits(2, &minute) || !expect(':') || !digits(2, &second)) {
    return false;
  }
  if (expect('.')) {
    int scale = 100;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ms += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return false;
  }
  int offset_minutes = 0;
  if (expect('Z')) {
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int sign = s[i] == '-' ? -1 : 1;
    ++i;
    int oh, om;
    if (!digits(2, &oh)) return false;
    expect(':');
    if (!digits(2, &om)) return false;
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return false;
  }
  if (i != s.size()) return false;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return false;
  }
  int64_t days = DaysFromCivil(year, month, day);
  *millis = ((days * 24 + hour) * 60 + minute - offset_minutes) * 60000 + second * 1000LL + ms;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Parsing.

// An iterator over the input that publishes how far nlohmann's lexer has read, so that our own
// errors (bad special forms, depth) can name a byte offset.
class TrackingIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  explicit TrackingIterator(const char** cursor) : cursor_(cursor) {}
  reference operator*() const { return **cursor_; }
  TrackingIterator& operator++() {
    ++*cursor_;
    return *this;
  }
  TrackingIterator operator++(int) {
    TrackingIterator copy = *this;
    ++*cursor_;
    return copy;
  }
  bool operator==(const TrackingIterator& o) const { return *cursor_ == *o.cursor_; }
  bool operator!=(const TrackingIterator& o) const { return *cursor_ != *o.cursor_; }

 private:
  const char** cursor_;
};

bool IsSpecialCandidate(ValueView obj) {
  uint32_t n = obj.size();
  if (n < 1 || n > 2) return false;
  return obj.fields().begin()->key.starts_with('$');
}

bool IsIntegral(ValueView v, int64_t* out) {
  if (!v.IsNumber()) return false;
  auto i = v.NumberAsInt64();
  if (!i) return false;
  *out = *i;
  return true;
}

class EjsonSax {
 public:
  EjsonSax(const char* begin, const char** cursor, bool extended)
      : begin_(begin), cursor_(cursor), extended_(extended) {}

  bool null() {
    builder_.AppendNull();
    return true;
  }
  bool boolean(bool b) {
    builder_.AppendBool(b);
    return true;
  }
  bool number_integer(int64_t i) {
    AppendInteger(i);
    return true;
  }
  bool number_unsigned(uint64_t u) {
    if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      AppendInteger(static_cast<int64_t>(u));
    } else {
      builder_.AppendDouble(static_cast<double>(u));
    }
    return true;
  }
  bool number_float(double d, const std::string&) {
    if (!std::isfinite(d)) return Fail("number out of range");
    builder_.AppendDouble(d);
    return true;
  }
  bool string(std::string& s) {
    builder_.AppendString(s);
    return true;
  }
  bool binary(std::vector<uint8_t>&) { return Fail("binary values are not json"); }

  bool start_object(std::size_t) {
    if (stack_.size() >= kMaxDepth) {
      return Fail(fmt::format("nesting deeper than {} levels", kMaxDepth));
    }
    Frame f;
    f.mark = builder_.GetMark();
    f.is_object = true;
    if (!stack_.empty() && stack_.back().is_object) {
      Frame& parent = stack_.back();
      f.key = last_key_;
      // The object right under {"$escape": ...} keeps its keys literally.
      f.literal = parent.keys == 1 && last_key_ == "$escape";
    }
    stack_.push_back(std::move(f));
    builder_.BeginObject();
    return true;
  }
  bool key(std::string& k) {
    ++stack_.back().keys;
    last_key_ = k;
    builder_.Key(k);
    return true;
  }
  bool end_object() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (!builder_.EndObject()) {
      return Fail(fmt::format("duplicate key \"{}\"", builder_.duplicate_key()));
    }
    if (f.literal) return true;
    ValueView obj = builder_.LastValue();
    if (!IsSpecialCandidate(obj)) return true;
    return ConvertSpecial(obj, f);
  }
  bool start_array(std::size_t) {
    if (stack_.size() >= kMaxDepth) {
      return Fail(fmt::format("nesting deeper than {} levels", kMaxDepth));
    }
    Frame f;
    f.is_object = false;
    stack_.push_back(std::move(f));
    builder_.BeginArray();
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    builder_.EndArray();
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
    if (error_.empty()) {
      std::string what = ex.what();
      // nlohmann: "[json.exception.parse_error.101] parse error at line 1, column 2: <detail>".
      size_t colon = what.find(": ");
      std::string detail = colon == std::string::npos ? what : what.substr(colon + 2);
      size_t offset = position > 0 ? position - 1 : 0;
      error_ = fmt::format("ejson at byte {}: invalid json ({})", offset, detail);
    }
    return false;
  }

  const std::string& error() const { return error_; }
  Value Finish() { return builder_.Finish(); }

 private:
  struct Frame {
    ValueBuilder::Mark mark{};
    std::string key;  // key in the parent object (objects inside objects only)
    uint32_t keys = 0;
    bool is_object = false;
    bool literal = false;
  };

  void AppendInteger(int64_t i) {
    if (i >= std::numeric_limits<int32_t>::min() && i <= std::numeric_limits<int32_t>::max()) {
      builder_.AppendInt32(static_cast<int32_t>(i));
    } else {
      builder_.AppendInt64(i);
    }
  }

  size_t Offset() const { return static_cast<size_t>(*cursor_ - begin_); }

  bool Fail(const std::string& problem) {
    if (error_.empty()) {
      size_t offset = Offset();
      error_ = fmt::format("ejson at byte {}: {}", offset > 0 ? offset - 1 : 0, problem);
    }
    return false;
  }

  // Replaces the object just closed (described by `f`, viewed as `obj`) by `replacement`.
  bool Replace(const Frame& f, const Value& replacement) {
    builder_.TruncateTo(f.mark);
    if (!stack_.empty() && stack_.back().is_object) builder_.Key(f.key);
    builder_.Append(replacement.view());
    return true;
  }

  bool ConvertSpecial(ValueView obj, const Frame& f) {
    auto it = obj.fields().begin();
    Field first = *it;
    if (obj.size() == 1) {
      std::string_view k = first.key;
      ValueView v = first.value;
      if (k == "$date") {
        int64_t ms;
        if (v.IsNumber()) {
          double d = v.NumberAsDouble();
          if (v.type() == Type::kDouble) {
            if (!std::isfinite(d) || std::fabs(d) > 8.64e15) return Fail("$date out of range");
            ms = static_cast<int64_t>(std::trunc(d));
          } else {
            ms = *v.NumberAsInt64();
            if (ms > 8640000000000000LL || ms < -8640000000000000LL) {
              return Fail("$date out of range");
            }
          }
          return Replace(f, Value::Date(ms));
        }
        if (extended_ && v.IsString() && ParseIsoDate(v.AsString(), &ms)) {
          return Replace(f, Value::Date(ms));
        }
        return Fail("$date needs a number");
      }
      if (k == "$binary") {
        if (!v.IsString()) return Fail("$binary needs a base64 string");
        std::string bytes;
        if (!DecodeBase64(v.AsString(), &bytes)) return Fail("$binary is not valid base64");
        return Replace(f, Value::Binary(0, bytes));
      }
      if (k == "$escape") {
        if (!v.IsObject()) return Fail("$escape needs an object");
        ValueBuilder copy;
        copy.Append(v);
        return Replace(f, copy.Finish());
      }
      if (k == "$InfNaN") {
        int64_t n;
        if (!IsIntegral(v, &n) || n < -1 || n > 1) return Fail("$InfNaN needs 1, -1 or 0");
        double d = n == 0 ? std::numeric_limits<double>::quiet_NaN()
                          : n * std::numeric_limits<double>::infinity();
        return Replace(f, Value::Double(d));
      }
      if (!extended_) return true;
      if (k == "$oid") {
        std::optional<ObjectId> oid;
        if (v.IsString()) oid = ObjectId::FromHex(v.AsString());
        if (!oid) return Fail("$oid needs 24 hex digits");
        return Replace(f, Value::MakeObjectId(*oid));
      }
      if (k == "$numberLong" || k == "$numberInt") {
        if (!v.IsString()) return Fail(fmt::format("{} needs a string", k));
        std::string s(v.AsString());
        errno = 0;
        char* end = nullptr;
        long long n = s.empty() ? 0 : std::strtoll(s.c_str(), &end, 10);
        if (s.empty() || *end != '\0' || errno == ERANGE || std::isspace(s[0])) {
          return Fail(fmt::format("{} needs an integer string", k));
        }
        if (k == "$numberInt") {
          if (n < std::numeric_limits<int32_t>::min() || n > std::numeric_limits<int32_t>::max()) {
            return Fail("$numberInt out of range");
          }
          return Replace(f, Value::Int32(static_cast<int32_t>(n)));
        }
        return Replace(f, Value::Int64(n));
      }
      if (k == "$numberDouble") {
        if (!v.IsString()) return Fail("$numberDouble needs a string");
        std::string s(v.AsString());
        double d;
        if (s == "Infinity") {
          d = std::numeric_limits<double>::infinity();
        } else if (s == "-Infinity") {
          d = -std::numeric_limits<double>::infinity();
        } else if (s == "NaN") {
          d = std::numeric_limits<double>::quiet_NaN();
        } else {
          char* end = nullptr;
          d = s.empty() ? 0 : std::strtod(s.c_str(), &end);
          if (s.empty() || *end != '\0' || std::isspace(s[0])) {
            return Fail("$numberDouble needs a number string");
          }
        }
        return Replace(f, Value::Double(d));
      }
      if (k == "$regularExpression") {
        auto pattern = v.Find("pattern");
        auto options = v.Find("options");
        if (v.size() != 2 || !pattern || !options || !pattern->IsString() ||
            !options->IsString()) {
          return Fail("$regularExpression needs {pattern, options} strings");
        }
        return Replace(f, Value::Regex(pattern->AsString(), options->AsString()));
      }
      if (k == "$timestamp") {
        auto t = v.Find("t");
        auto i = v.Find("i");
        int64_t tn, in;
        if (v.size() != 2 || !t || !i || !IsIntegral(*t, &tn) || !IsIntegral(*i, &in) || tn < 0 ||
            in < 0 || tn > 0xffffffffLL || in > 0xffffffffLL) {
          return Fail("$timestamp needs {t, i} unsigned 32-bit integers");
        }
        return Replace(f, Value::Timestamp((static_cast<uint64_t>(tn) << 32) |
                                           static_cast<uint64_t>(in)));
      }
      if (k == "$minKey" || k == "$maxKey") {
        int64_t n;
        if (!IsIntegral(v, &n) || n != 1) return Fail(fmt::format("{} needs 1", k));
        return Replace(f, k == "$minKey" ? Value::MinKey() : Value::MaxKey());
      }
      return true;
    }
    // Two keys: {"$type", "$value"} or {"$regexp", "$flags"}, in either order.
    ++it;
    Field second = *it;
    auto pick = [&](std::string_view a, std::string_view b, ValueView* va, ValueView* vb) {
      if (first.key == a && second.key == b) {
        *va = first.value;
        *vb = second.value;
        return true;
      }
      if (first.key == b && second.key == a) {
        *va = second.value;
        *vb = first.value;
        return true;
      }
      return false;
    };
    ValueView a, b;
    if (pick("$type", "$value", &a, &b)) {
      if (!a.IsString()) return Fail("$type needs a type name");
      if (a.AsString() != "oid") {
        return Fail(fmt::format("unknown ejson type \"{}\"", a.AsString()));
      }
      std::optional<ObjectId> oid;
      if (b.IsString()) oid = ObjectId::FromHex(b.AsString());
      if (!oid) return Fail("oid $value needs 24 hex digits");
      return Replace(f, Value::MakeObjectId(*oid));
    }
    if (pick("$regexp", "$flags", &a, &b)) {
      if (!a.IsString() || !b.IsString()) return Fail("$regexp and $flags need strings");
      if (b.AsString().size() > 16) return Fail("$flags too long");
      return Replace(f, Value::Regex(a.AsString(), b.AsString()));
    }
    return true;
  }

  const char* begin_;
  const char** cursor_;
  bool extended_;
  ValueBuilder builder_;
  std::vector<Frame> stack_;
  std::string last_key_;
  std::string error_;
};

// ---------------------------------------------------------------------------------------------
// Writing.

void AppendJsonString(std::string_view s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendDouble(double d, bool mark, std::string* out) {
  if (std::isnan(d)) {
    out->append("{\"$InfNaN\":0}");
  } else if (std::isinf(d)) {
    out->append(d > 0 ? "{\"$InfNaN\":1}" : "{\"$InfNaN\":-1}");
  } else {
    size_t start = out->size();
    fmt::format_to(std::back_inserter(*out), "{}", d);
    if (mark && out->find_first_of(".eE", start) == std::string::npos) out->append(".0");
  }
}

// Whether a plain object's key set reads as a special form and so must be wrapped in $escape.
bool LooksSpecial(ValueView obj, bool extended) {
  if (!IsSpecialCandidate(obj)) return false;
  auto it = obj.fields().begin();
  std::string_view k1 = it->key;
  if (obj.size() == 1) {
    if (k1 == "$date" || k1 == "$binary" || k1 == "$escape" || k1 == "$InfNaN") return true;
    if (!extended) return false;
    static constexpr std::string_view kExtended[] = {
        "$oid",       "$numberLong", "$numberInt", "$numberDouble",
        "$timestamp", "$minKey",     "$maxKey",    "$regularExpression"};
    for (std::string_view s : kExtended) {
      if (k1 == s) return true;
    }
    return false;
  }
  ++it;
  std::string_view k2 = it->key;
  auto is_pair = [&](std::string_view a, std::string_view b) {
    return (k1 == a && k2 == b) || (k1 == b && k2 == a);
  };
  return is_pair("$type", "$value") || is_pair("$regexp", "$flags");
}

void Write(ValueView v, const EjsonOptions& options, std::string* out) {
  switch (v.type()) {
    case Type::kNull:
      out->append("null");
      return;
    case Type::kBool:
      out->append(v.AsBool() ? "true" : "false");
      return;
    case Type::kInt32:
      fmt::format_to(std::back_inserter(*out), "{}", v.AsInt32());
      return;
    case Type::kInt64:
      fmt::format_to(std::back_inserter(*out), "{}", v.AsInt64());
      return;
    case Type::kDouble:
      AppendDouble(v.AsDouble(), options.mark_doubles, out);
      return;
    case Type::kDecimal128:
      out->append("null");  // not produced by anything yet (see value.h)
      return;
    case Type::kString:
      AppendJsonString(v.AsString(), out);
      return;
    case Type::kDate:
      fmt::format_to(std::back_inserter(*out), "{{\"$date\":{}}}", v.AsDateMillis());
      return;
    case Type::kBinary:
      out->append("{\"$binary\":\"");
      AppendBase64(v.BinaryData(), out);
      out->append("\"}");
      return;
    case Type::kObjectId:
      out->append("{\"$type\":\"oid\",\"$value\":\"");
      out->append(v.AsObjectId().ToHex());
      out->append("\"}");
      return;
    case Type::kRegex:
      out->append("{\"$regexp\":");
      AppendJsonString(v.RegexPattern(), out);
      out->append(",\"$flags\":");
      AppendJsonString(v.RegexFlags(), out);
      out->push_back('}');
      return;
    case Type::kTimestamp: {
      uint64_t ts = v.AsTimestamp();
      fmt::format_to(std::back_inserter(*out), "{{\"$timestamp\":{{\"t\":{},\"i\":{}}}}}",
                     ts >> 32, ts & 0xffffffffu);
      return;
    }
    case Type::kMinKey:
      out->append("{\"$minKey\":1}");
      return;
    case Type::kMaxKey:
      out->append("{\"$maxKey\":1}");
      return;
    case Type::kArray: {
      out->push_back('[');
      bool first = true;
      for (ValueView e : v.elements()) {
        if (!first) out->push_back(',');
        first = false;
        Write(e, options, out);
      }
      out->push_back(']');
      return;
    }
    case Type::kObject: {
      bool escape = LooksSpecial(v, options.escape_extended_forms);
      if (escape) out->append("{\"$escape\":");
      out->push_back('{');
      bool first = true;
      for (const Field& f : v.fields()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(f.key, out);
        out->push_back(':');
        Write(f.value, options, out);
      }
      out->push_back('}');
      if (escape) out->push_back('}');
      return;
    }
  }
}

}  // namespace

absl::StatusOr<Value> ParseEjson(std::string_view text, const ParseOptions& options) {
  if (text.size() > kMaxEjsonBytes) {
    return absl::InvalidArgumentError(
        fmt::format("ejson at byte 0: text of {} bytes is over the {} byte limit", text.size(),
                    kMaxEjsonBytes));
  }
  const char* cursor = text.data();
  const char* end_pos = text.data() + text.size();
  EjsonSax sax(text.data(), &cursor, options.extended_json);
  TrackingIterator first(&cursor);
  TrackingIterator last(&end_pos);
  bool ok;
  try {
    ok = nlohmann::json::sax_parse(first, last, &sax, nlohmann::json::input_format_t::json,
                                   /*strict=*/true);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        fmt::format("ejson at byte {}: {}", cursor - text.data(), e.what()));
  }
  if (!ok) {
    std::string message = sax.error().empty() ? "ejson: invalid json" : sax.error();
    return absl::InvalidArgumentError(message);
  }
  return sax.Finish();
}

absl::StatusOr<Value> ParseEjson(std::string_view text) { return ParseEjson(text, ParseOptions{}); }

std::string ToEjson(ValueView v, const EjsonOptions& options) {
  std::string out;
  Write(v, options, &out);
  return out;
}

void AppendEjson(ValueView v, std::string* out, const EjsonOptions& options) {
  Write(v, options, out);
}

}  // namespace minimongo::query
