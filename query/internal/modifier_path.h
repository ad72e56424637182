// Internal: the dotted paths of update operators.
//
// An update path is split on '.' into parts. A part is
//   - a field name, which on an array is an index when it is a canonical non-negative decimal
//     ("0", "17"; not "01", "-1", "1e2");
//   - `$`, the positional operator: the index of the array element the query matched;
//   - `$[]`, every element of the array;
//   - `$[ident]`, every element matching the array filter named `ident`.
// Parsing enforces MongoDB's rules: no empty path or part, no other '$'-prefixed part, at most
// one `$`, no positional part first, at most kMaxDepth parts.
//
// Paths are applied in MongoDB 5.0's order (its documentation: fields with string names in
// lexicographic order, numeric names in numeric order). To keep that a strict weak order here,
// at each level numeric names come first in numeric order, then other names in byte order, then
// `$`, `$[]` and `$[ident]`. A prefix comes before its extensions.
//
// Thread safety: pure functions and immutable values.

#ifndef MINIMONGO_QUERY_INTERNAL_MODIFIER_PATH_H_
#define MINIMONGO_QUERY_INTERNAL_MODIFIER_PATH_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace minimongo::query::internal {

struct PathPart {
  enum class Kind : uint8_t { kField, kPositional, kAllElements, kFiltered };
  Kind kind = Kind::kField;
  // The field name (kField) or the array filter identifier (kFiltered).
  std::string name;
  // kField: the array index the name denotes, if it is canonical decimal.
  std::optional<uint32_t> index;
  // kFiltered: position of the identifier's filter in the modifier's array filters (set by the
  // modifier compiler, not by ParseUpdatePath).
  size_t filter = 0;

  bool is_array_update() const { return kind != Kind::kField; }
};

using UpdatePath = std::vector<PathPart>;

// The array index a field name denotes on an array, or nullopt (canonical decimal only).
std::optional<uint32_t> ParseArrayIndex(std::string_view name);

// Splits and checks an update path. Errors are InvalidArgument with MongoDB's wording, e.g.
// "The update path 'a..b' contains an empty field name, which is not allowed.".
absl::StatusOr<UpdatePath> ParseUpdatePath(std::string_view path);

// True when `path` has a `$`, `$[]` or `$[ident]` part.
bool HasArrayUpdate(const UpdatePath& path);

// The application order described in the file comment: <0, 0, >0.
int CompareUpdatePaths(const UpdatePath& a, const UpdatePath& b);

// The dotted text of parts [0, n).
std::string JoinPath(const UpdatePath& path, size_t n);

}  // namespace minimongo::query::internal

#endif  // MINIMONGO_QUERY_INTERNAL_MODIFIER_PATH_H_
