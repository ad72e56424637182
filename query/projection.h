// A compiled find() projection: which fields of each result document are returned.
//
// The language is MongoDB 4.4+'s find() projection (not Meteor's, where they differ):
//   {a: 1, "b.c": 1}     inclusion: only these paths, plus _id unless {_id: 0}
//   {a: 0, "b.c": 0}     exclusion: everything but these paths
//   true / false         the same as 1 / 0; any non-zero number includes
//   {a: {b: 1}}          nested form, the same as {"a.b": 1}
//   {a: {$slice: n}}     the first n (n >= 0) or last -n elements of array a
//   {a: {$slice: [skip, n]}}  n > 0 elements after skipping `skip` (from the end if negative)
//   {a: {$elemMatch: c}} only the first element of array a matching the query condition c
//                        (a must be a top-level field); the field is left out when none
//                        matches or a is not an array
//   {"a.$": 1}           positional: only the element of the first array on path a that the
//                        query matched (MatchDetails::array_index); "a.b.$" likewise
//   {a: {$meta: ...}}    Unimplemented
// Type of the projection: an inclusion or exclusion of any field but the top-level _id fixes
// it, and mixing the two is an error; $elemMatch and positional fields count as inclusions;
// $slice is neutral, so {a: {$slice: 2}} alone (or with {_id: 0}) returns all the other fields
// too, while {_id: 1, a: {$slice: 2}} or {b: 1, a: {$slice: 2}} returns only the named ones.
//
// Output (Apply):
//   - _id comes first when it is present and kept, then the document's fields in document
//     order; in inclusion projections, $elemMatch fields come last (as in MongoDB 4.4+).
//   - A path through an array of documents projects every element: {"a.b": 1} on
//     {a: [{b: 1, c: 2}, 3]} gives {a: [{b: 1}]}; inclusions drop non-document elements,
//     exclusions keep them; nested arrays are projected element by element too.
//   - {"a.b": 1} on {a: {c: 1}} gives {a: {}}; on {a: 5} it leaves a out.
//   - $slice leaves non-array values as they are; on a dotted path through arrays it slices
//     each element's array.
//   - Positional: when the array has no element at the matched index (or no MatchDetails or
//     index was given) the array is left out; MongoDB reports an error there.
//
// Errors of Compile (InvalidArgument unless said otherwise; messages start with
// `projection at "<path>": ` and reuse MongoDB's wording, lower-cased):
//   "cannot do exclusion on field b in inclusion projection",
//   "cannot do inclusion on field a in exclusion projection",
//   "path collision at a.b remaining portion b" ({a: 1, "a.b": 1}), "path collision at a"
//   ({"a.b": 1, a: 1}), "cannot use $elemMatch projection on a nested field",
//   "cannot specify more than one positional projection per query",
//   "cannot specify positional operator and $elemMatch", the $slice argument errors
//   ("$slice limit must be positive, got 0", ...), "unknown expression $foo" for any other
//   operator, literal values ({a: "x"}: MongoDB computes them, we do not), empty
//   sub-projections, empty path components, field names starting with '$', paths over
//   kMaxDepth components, sub-projections nested over kMaxExpressionDepth, a non-object
//   projection; Unimplemented for $meta. $elemMatch conditions are compiled by Selector and
//   its errors are passed on with the location prepended.
//
// Thread safety: a Projection is immutable after Compile(); any number of threads may apply
// one concurrently. Copies share the compiled form (copying is a reference count increment).
//
// Example:
//   ASSIGN_OR_RETURN(Projection proj, Projection::Compile(fields.view()));
//   MatchDetails details;
//   if (selector.Matches(doc.view(), &details)) results.push_back(proj.Apply(doc.view(),
//   &details));

#ifndef MINIMONGO_QUERY_PROJECTION_H_
#define MINIMONGO_QUERY_PROJECTION_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "query/selector.h"
#include "query/value.h"

namespace minimongo::query {

namespace internal {
struct ProjectionTree;
}  // namespace internal

class Projection {
 public:
  // The identity projection (returns documents unchanged).
  Projection();

  // Compiles a projection document (an object; null means no projection). Errors: see the
  // file comment.
  static absl::StatusOr<Projection> Compile(ValueView fields);

  // The projection of `doc`. `details` supplies the array index for a positional ("a.$")
  // projection; it is not needed otherwise (see needs_match_details()). Never fails. A value
  // that is not an object is returned unchanged. When the projection keeps the document as it
  // is (identity, or an exclusion of fields the document lacks, with _id already first), the
  // result shares the document's buffer; otherwise it is one new buffer.
  // Complexity: O(size of doc) plus, for $elemMatch, one selector match per element tested.
  Value Apply(ValueView doc, const MatchDetails* details = nullptr) const;

  // For live queries that learn which top-level fields of a document changed: the projected
  // value of one top-level field `key` holding `value`, exactly as Apply() would output it
  // under that key, or nullopt when Apply() would leave the field out. For a field that is
  // absent from the new document, there is nothing to project: it is absent from the output.
  // Cost is proportional to `value` only, not to the document.
  std::optional<Value> ApplyToField(std::string_view key, ValueView value,
                                    const MatchDetails* details = nullptr) const;

  // Whether the top-level field `key` can appear in Apply()'s output at all (false for a field
  // that an exclusion names or an inclusion does not name). A change confined to fields for
  // which this is false is invisible through the projection. O(log number of fields named).
  bool MayOutputField(std::string_view key) const;

  // True for inclusion projections, false for exclusion projections and the identity.
  bool is_inclusion() const;

  // True when Apply() returns every document unchanged ({} or null).
  bool is_identity() const;

  // True when the projection has a positional ("a.$") path, whose output depends on the
  // MatchDetails passed to Apply().
  bool needs_match_details() const;

  // The paths the projection names, dotted, in specification order: nested forms flattened
  // ({a: {b: 1}} gives "a.b"), positional paths without ".$", _id only when named explicitly.
  // Empty for the identity.
  const std::vector<std::string>& paths() const;

 private:
  explicit Projection(std::shared_ptr<const internal::ProjectionTree> tree);

  std::shared_ptr<const internal::ProjectionTree> tree_;  // never null
};

}  // namespace minimongo::query

#endif  // MINIMONGO_QUERY_PROJECTION_H_
