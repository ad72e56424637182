// The one place that knows MongoDB's array rules for dotted paths.
//
// WalkPath(root, path, leaf_arrays, visit) calls `visit(value, array_index)` for every value
// the path reaches from `root`, stopping (and returning true) as soon as a call returns true.
// `value` is nullptr for "missing" (a field that is not there), which matters to operators
// such as {a: null} and $exists. `array_index` is the index in the outermost array that was
// traversed implicitly on the way, or kNoArrayIndex (MongoDB's "elemMatchKey").
//
// The rules (MongoDB's ElementPath iteration; see the tests for each):
//   - In an object, a component names a field; a missing field yields one "missing".
//   - A scalar met before the path ends yields one "missing" ({"a.b": null} matches {a: 5}).
//   - In an array met before the path ends, the rest of the path is applied to every element
//     that is an object (implicit traversal; other elements yield nothing), and, when the
//     component is an index candidate i, also to element i (explicit index). An element reached
//     through an explicit index is not an implicit traversal: it does not set array_index, and
//     a scalar there with path left yields nothing ({"a.0.b": null} does not match {a: [5]}).
//   - At the end of the path, an array is yielded element by element and then as a whole when
//     leaf_arrays is kExpand and it was not reached through an explicit index ({"a.0": 5} does
//     not match {a: [[5]]}); otherwise only as a whole.
//   - A root that is an array (an $elemMatch element) behaves as an object whose fields are
//     "0", "1", ...: the first component must be an index candidate in range, else "missing".
//   - An empty path yields the root itself (expanded if it is an array and kExpand).
//
// Recursion: one level per path component plus one per array element descended into, so at
// most 2 * path.size() + 1 <= 2 * kMaxDepth + 1 frames, whatever the document.
//
// Thread safety: pure functions. Nothing allocates.
//
// Example (does some value at "a.b" equal 5?):
//   bool found = WalkPath(doc, path, LeafArrays::kExpand, [&](const ValueView* v, size_t) {
//     return v != nullptr && v->IsNumber() && v->NumberAsDouble() == 5;
//   });

#ifndef MINIMONGO_QUERY_INTERNAL_PATH_WALKER_H_
#define MINIMONGO_QUERY_INTERNAL_PATH_WALKER_H_

#include <cstddef>
#include <limits>
#include <optional>

#include "query/field_path.h"
#include "query/value.h"

namespace minimongo::query::internal {

inline constexpr size_t kNoArrayIndex = std::numeric_limits<size_t>::max();

enum class LeafArrays : uint8_t { kExpand, kWhole };

namespace path_walker_internal {

// Values are passed by reference and arrays are iterated through operator->: copying a
// ValueView that was just written field by field (by Find or an iterator) costs a failed
// store-to-load forwarding per copy, which dominated the walk before.

template <typename Visit>
bool Walk(const ValueView& v, const FieldPath& path, size_t i, size_t outer, bool via_index,
          LeafArrays leaf_arrays, Visit& visit);

// The leaf: `v` is where the path ends.
template <typename Visit>
bool Leaf(const ValueView& v, size_t outer, bool via_index, LeafArrays leaf_arrays, Visit& visit) {
  if (v.IsArray() && leaf_arrays == LeafArrays::kExpand && !via_index) {
    ArrayRange elements = v.elements();
    size_t k = 0;
    for (ArrayIterator it = elements.begin(), end = elements.end(); it != end; ++it, ++k) {
      if (visit(it.operator->(), outer == kNoArrayIndex ? k : outer)) return true;
    }
  }
  return visit(&v, outer);
}

// An element reached through an explicit index `path[i - 1]`.
template <typename Visit>
bool Indexed(const ValueView& e, const FieldPath& path, size_t i, size_t outer,
             LeafArrays leaf_arrays, Visit& visit) {
  if (i == path.size()) return Leaf(e, outer, /*via_index=*/true, leaf_arrays, visit);
  if (!e.IsObject() && !e.IsArray()) return false;
  return Walk(e, path, i, outer, /*via_index=*/false, leaf_arrays, visit);
}

template <typename Visit>
bool Walk(const ValueView& v, const FieldPath& path, size_t i, size_t outer, bool via_index,
          LeafArrays leaf_arrays, Visit& visit) {
  if (i == path.size()) return Leaf(v, outer, via_index, leaf_arrays, visit);
  if (v.IsObject()) {
    const std::optional<ValueView> child = v.Find(path.key(i));
    if (!child) return visit(nullptr, outer);
    if (i + 1 == path.size() && !child->IsArray()) return visit(&*child, outer);
    return Walk(*child, path, i + 1, outer, /*via_index=*/false, leaf_arrays, visit);
  }
  if (v.IsArray()) {
    const size_t index = path.index(i);
    ArrayRange elements = v.elements();
    size_t k = 0;
    for (ArrayIterator it = elements.begin(), end = elements.end(); it != end; ++it, ++k) {
      const ValueView& e = *it.operator->();
      if (e.IsObject() &&
          Walk(e, path, i, outer == kNoArrayIndex ? k : outer, false, leaf_arrays, visit)) {
        return true;
      }
      if (k == index && Indexed(e, path, i + 1, outer, leaf_arrays, visit)) return true;
    }
    return false;
  }
  return visit(nullptr, outer);
}

}  // namespace path_walker_internal

// See the file comment. `visit` is called as visit(const ValueView* value, size_t array_index)
// and returns true to stop the walk.
template <typename Visit>
bool WalkPath(const ValueView& root, const FieldPath& path, LeafArrays leaf_arrays, Visit&& visit) {
  if (path.empty()) {
    return path_walker_internal::Leaf(root, kNoArrayIndex, false, leaf_arrays, visit);
  }
  if (root.IsObject()) {  // the first step of every document walk, inline
    const std::optional<ValueView> child = root.Find(path.key(0));
    if (!child) return visit(nullptr, kNoArrayIndex);
    if (path.size() == 1 && !child->IsArray()) return visit(&*child, kNoArrayIndex);
    return path_walker_internal::Walk(*child, path, 1, kNoArrayIndex, false, leaf_arrays, visit);
  }
  if (root.IsArray()) {
    std::optional<ValueView> e;
    if (path.is_index(0)) e = root.At(path.index(0));
    if (!e) return visit(nullptr, kNoArrayIndex);
    return path_walker_internal::Walk(*e, path, 1, kNoArrayIndex, false, leaf_arrays, visit);
  }
  return visit(nullptr, kNoArrayIndex);
}

}  // namespace minimongo::query::internal

#endif  // MINIMONGO_QUERY_INTERNAL_PATH_WALKER_H_
