#include "query/internal/modifier_path.h"

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "fmt/format.h"
#include "query/limits.h"

namespace minimongo::query::internal {

// Canonical decimal only, as MongoDB (and BSON array field names) spell indexes; nine digits
// keep the value in uint32 range, far beyond any array the padding limit allows.
std::optional<uint32_t> ParseArrayIndex(std::string_view name) {
  if (name.empty() || name.size() > 9) return std::nullopt;
  if (name.size() > 1 && name[0] == '0') return std::nullopt;
  uint32_t value = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  return value;
}

absl::StatusOr<UpdatePath> ParseUpdatePath(std::string_view path) {
  if (path.empty()) return absl::InvalidArgumentError("An empty update path is not valid.");
  UpdatePath parts;
  size_t positional_count = 0;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string_view part =
        path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty()) {
      return absl::InvalidArgumentError(fmt::format(
          "The update path '{}' contains an empty field name, which is not allowed.", path));
    }
    // '$' parts are the three positional forms or invalid; MongoDB words the invalid ones as a
    // storage error, since they would become field names.
    PathPart p;
    if (part[0] == '$') {
      if (part == "$") {
        p.kind = PathPart::Kind::kPositional;
        ++positional_count;
        if (parts.empty()) {
          return absl::InvalidArgumentError(fmt::format(
              "Cannot have positional (i.e. '$') element in the first position in path '{}'",
              path));
        }
      } else if (part.size() >= 3 && part[1] == '[' && part.back() == ']') {
        std::string_view ident = part.substr(2, part.size() - 3);
        p.kind = ident.empty() ? PathPart::Kind::kAllElements : PathPart::Kind::kFiltered;
        p.name = std::string(ident);
        if (parts.empty()) {
          return absl::InvalidArgumentError(fmt::format(
              "Cannot have array filter identifier (i.e. '$[<id>]') element in the first "
              "position in path '{}'",
              path));
        }
      } else {
        return absl::InvalidArgumentError(fmt::format(
            "The dollar ($) prefixed field '{}' in '{}' is not valid for storage.", part, path));
      }
    } else {
      p.name = std::string(part);
      p.index = ParseArrayIndex(part);
    }
    parts.push_back(std::move(p));
    if (parts.size() > kMaxDepth) {
      return absl::InvalidArgumentError(
          fmt::format("The update path '{}' has more than {} parts", path, kMaxDepth));
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  // Checked after the loop so that "a.$.b.$" reports the whole path, as MongoDB does.
  if (positional_count > 1) {
    return absl::InvalidArgumentError(
        fmt::format("Too many positional (i.e. '$') elements found in path '{}'", path));
  }
  return parts;
}

bool HasArrayUpdate(const UpdatePath& path) {
  for (const PathPart& p : path) {
    if (p.is_array_update()) return true;
  }
  return false;
}

namespace {

// Rank of a part at one level: numeric names, other names, $, $[], $[ident].
// Numeric names first, so that the order is total (MongoDB compares a numeric name with a
// non-numeric one as strings, which is not transitive together with numeric order).
int PartRank(const PathPart& p) {
  switch (p.kind) {
    case PathPart::Kind::kField:
      return p.index.has_value() ? 0 : 1;
    case PathPart::Kind::kPositional:
      return 2;
    case PathPart::Kind::kAllElements:
      return 3;
    case PathPart::Kind::kFiltered:
      return 4;
  }
  return 5;
}

int ComparePart(const PathPart& a, const PathPart& b) {
  int ra = PartRank(a);
  int rb = PartRank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra == 0) {
    if (*a.index != *b.index) return *a.index < *b.index ? -1 : 1;
    return 0;
  }
  int c = a.name.compare(b.name);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace

int CompareUpdatePaths(const UpdatePath& a, const UpdatePath& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    int c = ComparePart(a[i], b[i]);
    if (c != 0) return c;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

std::string JoinPath(const UpdatePath& path, size_t n) {
  std::string out;
  for (size_t i = 0; i < n && i < path.size(); ++i) {
    if (i > 0) out.push_back('.');
    const PathPart& p = path[i];
    switch (p.kind) {
      case PathPart::Kind::kField:
        out += p.name;
        break;
      case PathPart::Kind::kPositional:
        out += "$";
        break;
      case PathPart::Kind::kAllElements:
        out += "$[]";
        break;
      case PathPart::Kind::kFiltered:
        out += "$[" + p.name + "]";
        break;
    }
  }
  return out;
}

}  // namespace minimongo::query::internal
