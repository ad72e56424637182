#include "query/field_path.h"

#include <string>

#include "absl/status/status.h"
#include "fmt/format.h"
#include "query/limits.h"

namespace minimongo::query {
namespace {

// The value of a canonical decimal integer ("0" or no leading zero), kNotIndex otherwise.
// Canonical form is what MongoDB compares against an element's field name ("0", "1", ...), so
// "01" addresses a field named "01", never element 1.
size_t ParseIndex(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return FieldPath::kNotIndex;
  size_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return FieldPath::kNotIndex;
    size_t digit = static_cast<size_t>(c - '0');
    if (value > (FieldPath::kNotIndex - 1 - digit) / 10) return FieldPath::kNotIndex;
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace

// Components are kept as offsets into one copy of the text, so a FieldPath is two allocations
// however long, and index candidates are decided once here rather than at every walk.
absl::StatusOr<FieldPath> FieldPath::Parse(std::string_view dotted) {
  if (dotted.size() >= std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError("field path is too long");
  }
  FieldPath path;
  path.dotted_.assign(dotted.data(), dotted.size());
  size_t begin = 0;
  while (true) {
    size_t dot = dotted.find('.', begin);
    size_t end = dot == std::string_view::npos ? dotted.size() : dot;
    if (path.components_.size() == kMaxDepth) {
      return absl::InvalidArgumentError(
          fmt::format("field path \"{}\" has more than {} components", dotted, kMaxDepth));
    }
    path.components_.push_back(Component{static_cast<uint32_t>(begin),
                                         static_cast<uint32_t>(end - begin),
                                         ParseIndex(dotted.substr(begin, end - begin)),
                                         FieldKeyCode(dotted.substr(begin, end - begin))});
    if (dot == std::string_view::npos) break;
    begin = dot + 1;
  }
  return path;
}

FieldPath FieldPath::Prefix(size_t n) const {
  if (n >= components_.size()) return *this;
  FieldPath prefix;
  if (n == 0) return prefix;
  const Component& last = components_[n - 1];
  prefix.dotted_ = dotted_.substr(0, last.begin + last.length);
  prefix.components_.assign(components_.begin(), components_.begin() + n);
  return prefix;
}

}  // namespace minimongo::query
