// A compiled MongoDB selector (query filter) over Values.
//
// Selector::Compile() checks a selector completely and builds an immutable matcher; Matches()
// then answers "does this document match" without failing and without allocating. The
// language is MongoDB's client-side query language, with MongoDB's semantics where Meteor's
// minimongo differs:
//   - comparison: $eq $ne $gt $gte $lt $lte $in $nin (regexes inside $in/$nin match strings);
//     comparisons never match across BSON types (except MinKey/MaxKey operands), a missing
//     field counts as null, document equality is exact (key order matters);
//   - logical: $and $or $nor (non-empty arrays of documents), $not (operator document or
//     regex), $comment (ignored);
//   - element: $exists, $type (names, codes, "number", arrays of them);
//   - evaluation: $regex/$options (i, m, s; RE2, see query/internal/regex_matcher.h), $mod;
//   - array: $all (also of $elemMatch clauses; $all: [] matches nothing), $elemMatch (value and
//     document forms), $size;
//   - bitwise: $bitsAllSet $bitsAnySet $bitsAllClear $bitsAnyClear (number, BinData or
//     position-array masks).
// Dotted paths follow MongoDB's array rules: arrays are traversed implicitly at every level,
// numeric components index arrays (and also name fields "0", "1"... of objects), a leaf array
// matches as a whole and element by element, {a: null} matches a missing field; $ne/$nin/$not
// negate the whole expansion. See query/internal/path_walker.h for the exact rules.
//
// Invariants: a Selector is immutable after Compile and owns everything it refers to (it shares
// the selector Value's buffer). It is cheap to move and can be shared across threads and live
// queries as std::shared_ptr<const Selector>.
//
// Thread safety: all const methods may run concurrently.
//
// Example:
//   absl::StatusOr<Value> spec = ParseEjson(R"({"parent": 42, "tags": {"$in": ["a", "b"]}})");
//   absl::StatusOr<Selector> selector = Selector::Compile(spec->view());
//   if (selector.ok() && selector->Matches(doc.view())) { ... }

#ifndef MINIMONGO_QUERY_SELECTOR_H_
#define MINIMONGO_QUERY_SELECTOR_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "query/field_path.h"
#include "query/value.h"

namespace minimongo::query {

namespace internal {
struct Node;
}  // namespace internal

// Details of a match, for positional updates ($) and $elemMatch/$ projections.
struct MatchDetails {
  // The index in the array that was traversed by the path of the matching leaf (MongoDB's
  // "elemMatchKey"): the outermost array traversed implicitly by that path ({"a.b": 1} on
  // {a: [{b: 0}, {b: 1}]} gives 1), or, when the path crossed no array that way, the index of
  // the element an $elemMatch matched. An explicit index in the path ("a.1.b") is not a
  // traversal. Under $and the last clause that has one wins; $or of several clauses, $nor,
  // $not, $ne and $nin give none. nullopt when there is none or the document did not match.
  std::optional<size_t> array_index;
};

class Selector {
 public:
  // Compiles a Mongo selector. Meteor shorthands: a string, number or ObjectId value means
  // {_id: value}; null or an empty object matches every document.
  // Errors:
  //   InvalidArgument naming the path (or operator) and the problem, e.g.
  //     `selector at "tags.0": $in needs an array`, `selector: unknown top level operator: $foo`,
  //     `selector at "a": unknown operator: $foo`; bad operands (with MongoDB's wording where
  //     it has one), an object mixing operators and fields, invalid field paths, invalid
  //     regexes, the regex option x, nesting deeper than kMaxExpressionDepth or operand values
  //     deeper than kMaxDepth (query/limits.h), a selector of another type (bool, array, ...).
  //   Unimplemented for $where, $expr, $jsonSchema, $text, geospatial operators ($near,
  //     $geoWithin, ...), and regex constructs RE2 cannot run (backreferences, lookaround,
  //     possessive quantifiers, ...), naming the construct.
  // Complexity: linear in the size of the selector; compiles each regex once.
  static absl::StatusOr<Selector> Compile(ValueView selector);

  // Compiles a condition on a single value, as MongoDB's $pull applies its condition to each
  // array element (and as arrayFilters conditions on a bare identifier need):
  //   - an operator document ({$gte: 6}, {$in: [...]}, {$elemMatch: ...}) or a regex: matches an
  //     element e as the document {"": e} matches the selector {"": condition} (so an array
  //     element is also matched element by element: {$gt: 5} matches [1, 7]);
  //   - any other object ({score: 8}, {$or: [...]}): a document selector; matches elements that
  //     are objects and match it;
  //   - anything else: exact equality with the element (numbers compare by value, arrays and
  //     objects as wholes, no array expansion).
  // The resulting Selector is used through Matches(element). Its id_values() is nullopt and
  // equality_constants()/paths() are empty. Errors: as Compile.
  static absl::StatusOr<Selector> CompileValueCondition(ValueView condition);

  Selector(Selector&&) noexcept;
  Selector& operator=(Selector&&) noexcept;
  Selector(const Selector&) = delete;
  Selector& operator=(const Selector&) = delete;
  ~Selector();

  // True if `doc` matches. Never fails. Does not allocate, except that RE2 may grow a regex's
  // lazily built automaton during its first matches. `doc` is normally an object (a
  // document); any value is accepted (a non-object has no fields: every path is missing).
  // Complexity: linear in the parts of `doc` the selector's paths reach.
  bool Matches(ValueView doc) const;
  // The same, and fills `*details` (when non-null) as described at MatchDetails.
  bool Matches(ValueView doc, MatchDetails* details) const;
  // The same for a whole Value. Prefer it in loops over stored documents: it reads the
  // document's view in place, where passing a fresh `doc.view()` by value costs a copy that
  // the CPU cannot forward from the stores that built it (about a third of a top-level
  // equality's time on the workload).
  bool Matches(const Value& doc) const;
  bool Matches(const Value& doc, MatchDetails* details) const;

  // Analysis for the store and live queries. The references stay valid as long as the
  // Selector does.
  //
  // The _id values the selector restricts matches to, when it does: {_id: v}, {_id: {$eq: v}},
  // {_id: {$in: [...]}} (without regexes), intersected under $and and united under an $or of
  // such clauses; an empty vector when nothing can match. nullopt when any _id could match.
  // Values are distinct under ValuesEqual. Assumes _id is never an array (MongoDB's rule).
  const std::optional<std::vector<Value>>& id_values() const { return id_values_; }

  // Equality constants per path of the top-level AND: {parent: 42, "meta.x": "y"} gives
  // {"parent": [42], "meta.x": ["y"]}; $in (without regexes or null) gives its values; $all
  // gives one entry per value. Listed only where a match REQUIRES the field to equal one of the
  // values, directly or as an array element (compare with ValuesEqual: 42 also means 42.0);
  // null (which also matches missing fields) and regexes are never listed. A path may appear
  // in several entries (each is a requirement). Order: as in the selector.
  const std::vector<std::pair<std::string, std::vector<Value>>>& equality_constants() const {
    return equality_constants_;
  }

  // Every dotted path the selector reads, as written, distinct, in order of appearance (for
  // $elemMatch, the path of the array). A write that touches none of these paths, their
  // prefixes or their extensions cannot change the result. Paths are as written: a write to
  // "a.0.b" can affect "a.b" (compare after dropping numeric components).
  const std::vector<std::string>& paths() const { return paths_; }

  // True if the selector matches every document ({}, null, {$and: [{}]}, {$comment: ...}).
  bool matches_everything() const { return matches_everything_; }

 private:
  Selector();

  std::unique_ptr<const internal::Node> root_;
  bool requires_object_ = false;
  bool matches_everything_ = false;
  std::optional<std::vector<Value>> id_values_;
  std::vector<std::pair<std::string, std::vector<Value>>> equality_constants_;
  std::vector<std::string> paths_;
};

}  // namespace minimongo::query

#endif  // MINIMONGO_QUERY_SELECTOR_H_
