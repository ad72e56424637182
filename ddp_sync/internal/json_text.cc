#include "ddp_sync/internal/json_text.h"

#include <cstdint>
#include <utility>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "query/limits.h"

namespace minimongo::ddp::internal {

using query::Value;
using query::ValueBuilder;

namespace {

// Skips a JSON string starting at text[*i] == '"'.
void SkipString(std::string_view text, size_t* i) {
  ++*i;
  while (*i < text.size() && text[*i] != '"') *i += text[*i] == '\\' ? 2 : 1;
  ++*i;
}

// Skips one JSON value (iteratively: no recursion on nesting).
void SkipValue(std::string_view text, size_t* i) {
  size_t depth = 0;
  do {
    if (*i >= text.size()) return;
    char c = text[*i];
    if (c == '"') {
      SkipString(text, i);
    } else if (c == '{' || c == '[') {
      ++depth;
      ++*i;
    } else if (c == '}' || c == ']') {
      --depth;
      ++*i;
    } else if (depth > 0) {
      ++*i;  // ',', ':', spaces and scalar characters inside a container
    } else {
      while (*i < text.size() && text[*i] != ',' && text[*i] != '}' && text[*i] != ']' &&
             text[*i] != ' ' && text[*i] != '\t' && text[*i] != '\n' && text[*i] != '\r') {
        ++*i;
      }
    }
  } while (depth > 0);
}

// Appends plain JSON (no special forms) to `b`. Returns false past kMaxDepth.
bool AppendPlain(const nlohmann::ordered_json& j, ValueBuilder* b, size_t depth) {
  if (depth > query::kMaxDepth) return false;
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::object:
      b->BeginObject();
      for (const auto& [key, value] : j.items()) {
        b->Key(key);
        if (!AppendPlain(value, b, depth + 1)) return false;
      }
      (void)b->EndObject();  // nlohmann already merged duplicate keys (JSON.parse keeps the last)
      return true;
    case nlohmann::ordered_json::value_t::array:
      b->BeginArray();
      for (const auto& e : j) {
        if (!AppendPlain(e, b, depth + 1)) return false;
      }
      b->EndArray();
      return true;
    case nlohmann::ordered_json::value_t::string:
      b->AppendString(j.get_ref<const std::string&>());
      return true;
    case nlohmann::ordered_json::value_t::boolean:
      b->AppendBool(j.get<bool>());
      return true;
    case nlohmann::ordered_json::value_t::number_integer: {
      int64_t v = j.get<int64_t>();
      if (v >= INT32_MIN && v <= INT32_MAX) {
        b->AppendInt32(static_cast<int32_t>(v));
      } else {
        b->AppendInt64(v);
      }
      return true;
    }
    case nlohmann::ordered_json::value_t::number_unsigned: {
      uint64_t v = j.get<uint64_t>();
      if (v <= INT32_MAX) {
        b->AppendInt32(static_cast<int32_t>(v));
      } else if (v <= static_cast<uint64_t>(INT64_MAX)) {
        b->AppendInt64(static_cast<int64_t>(v));
      } else {
        b->AppendDouble(static_cast<double>(v));
      }
      return true;
    }
    case nlohmann::ordered_json::value_t::number_float:
      b->AppendDouble(j.get<double>());
      return true;
    default:
      b->AppendNull();
      return true;
  }
}

}  // namespace

void SkipSpace(std::string_view text, size_t* i) {
  while (*i < text.size() &&
         (text[*i] == ' ' || text[*i] == '\t' || text[*i] == '\n' || text[*i] == '\r')) {
    ++*i;
  }
}

// The members of the JSON object `text`. REQUIRES: `text` is valid JSON. Returns false when it
// is not an object.
bool ScanMembers(std::string_view text, std::vector<MemberSpan>* out) {
  size_t i = 0;
  SkipSpace(text, &i);
  if (i >= text.size() || text[i] != '{') return false;
  ++i;
  while (true) {
    SkipSpace(text, &i);
    if (i >= text.size() || text[i] == '}') return true;
    if (text[i] == ',') {
      ++i;
      continue;
    }
    size_t key_start = i;
    SkipString(text, &i);
    std::string_view raw_key = text.substr(key_start, i - key_start);
    MemberSpan member;
    if (raw_key.find('\\') == std::string_view::npos) {
      member.key = std::string(raw_key.substr(1, raw_key.size() - 2));
    } else {
      nlohmann::json decoded = nlohmann::json::parse(raw_key, nullptr, /*allow_exceptions=*/false);
      if (decoded.is_string()) member.key = decoded.get<std::string>();
    }
    SkipSpace(text, &i);
    ++i;  // ':'
    SkipSpace(text, &i);
    size_t value_start = i;
    SkipValue(text, &i);
    member.value = text.substr(value_start, i - value_start);
    out->push_back(std::move(member));
  }
}

// Parses `text` as plain JSON (EJSON special forms stay plain objects).
absl::StatusOr<Value> ParsePlainJson(std::string_view text) {
  nlohmann::ordered_json j =
      nlohmann::ordered_json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError("invalid JSON");
  ValueBuilder b;
  if (!AppendPlain(j, &b, 1)) {
    return absl::InvalidArgumentError(
        fmt::format("value nests deeper than {} levels", query::kMaxDepth));
  }
  return b.Finish();
}

}  // namespace minimongo::ddp::internal
