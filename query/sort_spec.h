// A compiled sort specification: the order of query results, as MongoDB defines it.
//
// A spec is a list of (field path, direction) pairs; the first pair decides, later pairs break
// ties. Accepted forms:
//   {a: 1, "b.c": -1}              object: key order is priority; directions 1 / -1 (any
//                                  numeric type, e.g. 1.0 or NumberLong(-1))
//   [["a", "asc"], ["b", "desc"]]  Meteor's array of pairs; "asc"/"desc" or 1/-1
//   ["a", "b"]                     Meteor's array of names, all ascending (may mix with pairs)
//   {} / [] / null                 no sort: every pair of documents compares equal
//
// Order (MongoDB semantics, not Meteor's where they differ):
//   - Values of different types order by the BSON type order of CompareValues
//     (value_order.h): MinKey < null < numbers < string < object < array < binary < ObjectId
//     < bool < date < timestamp < regex < MaxKey.
//   - A missing field sorts exactly like null.
//   - A path is followed with implicit array traversal, like a multikey index: the values a
//     document reaches through arrays are all candidates, and the document sorts by its
//     smallest candidate ascending, its largest descending. So {a: [1, 5]} sorts before
//     {a: 3} ascending ({1} < {3}) and also before it descending ({5} > {3}).
//   - An array element that is itself an array is one candidate (not flattened).
//   - An empty array sorts below null and missing (and above MinKey), in both directions
//     (descending puts it after null).
//   - Along a dotted path, an array element that is not an object contributes null, an empty
//     array in mid-path contributes null, and a numeric component such as "a.0" that is in
//     range for an array selects that element instead of traversing.
//   - Several paths are keyed like a compound multikey index: paths through the same array
//     pair their values element by element ({"a.x": 1, "a.y": 1} on
//     {a: [{x: 1, y: 5}, {x: 2, y: 0}]} has the keys (1, 5) and (2, 0), and sorts by (1, 5)),
//     and a document in which two paths each cross an array the other does not ({a: 1, b: 1}
//     on {a: [1], b: [2]}) cannot be sorted: MongoDB's "cannot sort with keys that are
//     parallel arrays" (ExtractKeyChecked, CheckDocument).
//
// Keys: ExtractKey() computes a document's SortKey once (one walk per path); CompareKeys()
// compares two keys without the documents. A SortKey owns its components (they share the
// document's buffer, so holding a key keeps that buffer alive), so it can live in an
// order-statistic tree or a top-k heap next to the document id. Ties between documents with
// equal keys are for the caller to break (insertion order, `_id`, ...).
//
// Thread safety: a SortSpec is immutable after Compile(); any number of threads may use one
// concurrently. SortKeys are immutable values.
//
// Example:
//   ASSIGN_OR_RETURN(SortSpec spec, SortSpec::Compile(spec_value.view()));
//   std::vector<std::pair<SortKey, size_t>> keyed;
//   for (size_t i = 0; i < docs.size(); ++i) keyed.emplace_back(spec.ExtractKey(docs[i]), i);
//   std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
//     return spec.CompareKeys(a.first, b.first) < 0;
//   });

#ifndef MINIMONGO_QUERY_SORT_SPEC_H_
#define MINIMONGO_QUERY_SORT_SPEC_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "query/value.h"

namespace minimongo::query {

namespace internal {
struct SortCandidate;  // query/internal/sort_key_walker.h
}  // namespace internal

// The sort key of one document under one SortSpec: one component per sort path. Only
// meaningful with the SortSpec that produced it (which knows the directions). Cheap: up to two
// components are stored inline; copying bumps reference counts, never copies documents.
class SortKey {
 public:
  // An empty key (what a spec without paths produces).
  SortKey() = default;

  // Number of components (the number of paths of the spec).
  size_t size() const { return parts_.size(); }

  // True when component `i` is the key of an empty array, which sorts below null.
  // REQUIRES: i < size().
  bool IsEmptyArray(size_t i) const { return parts_[i].empty_array; }

  // Component `i`: the chosen candidate value; null for a missing field, null and the empty
  // array (see IsEmptyArray). The view is valid as long as this key is alive.
  // REQUIRES: i < size().
  ValueView value(size_t i) const { return parts_[i].value.view(); }

 private:
  friend class SortSpec;
  struct Part {
    Value value;
    bool empty_array = false;
  };
  absl::InlinedVector<Part, 2> parts_;
};

class SortSpec {
 public:
  // The empty spec (no sort).
  SortSpec() = default;

  // Compiles one of the forms in the file comment.
  // Errors (InvalidArgument, naming the key): a direction other than 1 or -1
  // (`sort at "a": direction must be 1 or -1`), a $meta or other object direction, a
  // non-string key in the array forms (`sort at index 2: ...`), an empty key or path component,
  // a component starting with '$', a path deeper than kMaxDepth, and a spec that is neither an
  // object, an array nor null.
  static absl::StatusOr<SortSpec> Compile(ValueView spec);

  // True when the spec has no paths (all documents compare equal).
  bool empty() const { return paths_.empty(); }
  // Number of sort paths.
  size_t size() const { return paths_.size(); }

  // The sort paths in priority order, as written (dotted). For write routing: a write that
  // touches none of these paths (nor a prefix or extension of one) cannot change a key.
  const std::vector<std::string>& paths() const { return paths_; }
  // True when path `i` sorts descending. REQUIRES: i < size().
  bool IsDescending(size_t i) const { return compiled_[i].descending; }

  // The key of `doc` under this spec. Never fails: any value (even a non-object) has a key; for
  // a document with parallel arrays (see the file comment) each path is keyed on its own.
  // Complexity: one walk per path, O(fields visited along the path, including every element
  // of the arrays it crosses); when two paths cross the same array, one walk of the other
  // paths per element of it.
  SortKey ExtractKey(ValueView doc) const;
  // ExtractKey, but a document with parallel arrays is an error: InvalidArgument
  // "cannot sort with keys that are parallel arrays". What a query's sort uses.
  absl::StatusOr<SortKey> ExtractKeyChecked(ValueView doc) const;
  // OK when `doc` can be sorted (the error of ExtractKeyChecked otherwise). Free for specs of
  // one path.
  absl::Status CheckDocument(ValueView doc) const;

  // <0, 0 or >0 as the document of key `a` sorts before, equal to or after that of key `b`;
  // always -1, 0 or 1. REQUIRES: both keys were extracted by this spec (or a spec with the same
  // number of paths).
  int CompareKeys(const SortKey& a, const SortKey& b) const;

  // CompareKeys(ExtractKey(a), ExtractKey(b)), without building keys.
  int Compare(ValueView a, ValueView b) const;

  // A strict weak ordering over keys for std::sort, std::priority_queue and ordered
  // containers; it refers to the spec, which must outlive it.
  struct KeyLess {
    const SortSpec* spec;
    bool operator()(const SortKey& a, const SortKey& b) const {
      return spec->CompareKeys(a, b) < 0;
    }
  };
  KeyLess key_less() const { return KeyLess{this}; }

 private:
  struct CompiledPath {
    std::vector<std::string> steps;
    bool descending = false;
  };

  absl::Status AddPath(std::string path, bool descending);
  // One candidate per path (internal::ExtractCompoundSortCandidates).
  absl::Status ExtractCandidates(ValueView doc, std::vector<internal::SortCandidate>* out) const;
  static SortKey KeyFromCandidates(const std::vector<internal::SortCandidate>& candidates);

  std::vector<std::string> paths_;
  std::vector<CompiledPath> compiled_;
};

}  // namespace minimongo::query

#endif  // MINIMONGO_QUERY_SORT_SPEC_H_
