// A parsed dotted field path, as MongoDB selectors, projections, sorts and modifiers name fields:
// "a.b.0.c" is the field "c" of element (or field) "0" of field "b" of field "a".
//
// A FieldPath keeps the dotted text and, per component, its bytes and whether it is an array
// index candidate. A component is an index candidate when it is the canonical decimal form of a
// non-negative integer ("0", "7", "12"; not "01", "-1" or "1e2"), which is how MongoDB decides that
// a component may address an array element (the element's BSON field name is that canonical
// form). Whether a component is used as an index or as a field name depends on the value met
// there (an array or an object), which is the path walker's business, not this class's.
//
// Empty components are allowed ("" is one empty component, "a..b" has three): MongoDB's query
// language accepts them and they name fields called "" (documents may have such fields).
//
// Invariants: at least one component; at most kMaxDepth components
// (query/limits.h): a longer path could never reach a value in a document that the store
// accepts, and the cap bounds every walk over a path.
//
// Thread safety: immutable after Parse; safe to share across threads.
//
// Example:
//   absl::StatusOr<FieldPath> path = FieldPath::Parse("tags.0");
//   if (path.ok() && path->is_index(1)) { /* path->index(1) == 0 */ }

#ifndef MINIMONGO_QUERY_FIELD_PATH_H_
#define MINIMONGO_QUERY_FIELD_PATH_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "query/value.h"

namespace minimongo::query {

class FieldPath {
 public:
  // Returned by index() for components that are not index candidates.
  static constexpr size_t kNotIndex = std::numeric_limits<size_t>::max();

  // Parses a dotted path. Errors (InvalidArgument): more than kMaxDepth components, a path of
  // 4 GiB or more. Any bytes are accepted, including empty components and components starting
  // with '$' (rejecting operators is the caller's job).
  static absl::StatusOr<FieldPath> Parse(std::string_view dotted);

  // The path as text, exactly as parsed.
  const std::string& dotted() const { return dotted_; }
  // Number of components (>= 1 for a parsed path; 0 only for a default-constructed FieldPath,
  // which the selector uses internally for "the value itself").
  size_t size() const { return components_.size(); }
  bool empty() const { return components_.empty(); }

  // Component `i`. REQUIRES: i < size(). The view is valid as long as this FieldPath is.
  std::string_view component(size_t i) const {
    const Component& c = components_[i];
    return std::string_view(dotted_.data() + c.begin, c.length);
  }
  // Component `i` resolved for fast lookups (ValueView::Find). REQUIRES: i < size(). Valid as
  // long as this FieldPath is.
  FieldKey key(size_t i) const { return FieldKey(component(i), components_[i].key_code); }
  // True when component `i` is a canonical non-negative integer. REQUIRES: i < size().
  bool is_index(size_t i) const { return components_[i].index != kNotIndex; }
  // The integer value of component `i`, or kNotIndex when it is not an index candidate (also
  // for canonical integers too large for size_t, which can never address an element).
  // REQUIRES: i < size().
  size_t index(size_t i) const { return components_[i].index; }

  // The path made of components [0, n) (the whole path when n >= size()).
  FieldPath Prefix(size_t n) const;

  friend bool operator==(const FieldPath& a, const FieldPath& b) { return a.dotted_ == b.dotted_; }
  friend bool operator!=(const FieldPath& a, const FieldPath& b) { return !(a == b); }

 private:
  struct Component {
    uint32_t begin;
    uint32_t length;
    size_t index;
    size_t key_code;  // FieldKeyCode of the component
  };

  std::string dotted_;
  std::vector<Component> components_;
};

}  // namespace minimongo::query

#endif  // MINIMONGO_QUERY_FIELD_PATH_H_
