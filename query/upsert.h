// The document an upsert starts from when its selector matches nothing.
//
// MongoDB builds the inserted document from the selector's equality clauses, then applies the
// update to it ("the update creates a base document from the equality clauses in the <query>
// parameter, and then applies the expressions from the <update> parameter"):
//   - {a: 1}, {a: {$eq: 1}}, {a: [1, 2]} and {a: {b: 1}} (a literal sub-document) are
//     equalities and become fields; {"b.c": 2} becomes {b: {c: 2}};
//   - clauses under a top-level $and count, and so does the single clause of a one-clause $or
//     (MongoDB simplifies it to that clause); other $or, $nor, and field operators other than
//     $eq ($gt, $in, $elemMatch, $exists, ...) and regexes do not;
//   - `_id` comes from the selector when it is an equality, and is placed first.
// Two equalities on the same path, or on a path and its prefix ({a: 1, "a.b": 2}), cannot be
// turned into one document: MongoDB's "cannot infer query fields to set, ..." errors.
//
// The store then
//   - for an update-operator modifier: applies it to the seed with
//     ApplyContext::is_upsert_insert = true ($setOnInsert applies; `_id` may be set only when
//     the seed has none);
//   - for a replacement: applies the replacement to the seed, which keeps only the seed's
//     `_id` (MongoDB inserts the replacement plus the query's `_id`, not its other fields);
//   - generates an `_id` when the result still has none.
//
// Thread safety: pure function.
//
// Example:
//   ASSIGN_OR_RETURN(Value seed, SeedUpsertDocument(selector_value.view()));
//   ASSIGN_OR_RETURN(Value doc, modifier.Apply(seed.view(), {.is_upsert_insert = true}));

#ifndef MINIMONGO_QUERY_UPSERT_H_
#define MINIMONGO_QUERY_UPSERT_H_

#include "absl/status/statusor.h"
#include "query/value.h"

namespace minimongo::query {

// The seed document of an upsert with `selector` (see the file comment). REQUIRES: `selector`
// compiles as a Selector (this function does not re-check its operators).
// Errors (InvalidArgument): a non-document selector, conflicting equalities ("cannot infer
// query fields to set, path 'a' is matched twice", "cannot infer query fields to set, both
// paths 'a.b' and 'a' are matched"), equality values with '$'-prefixed or dotted keys, an empty
// path component, nesting beyond kMaxDepth.
absl::StatusOr<Value> SeedUpsertDocument(ValueView selector);

}  // namespace minimongo::query

#endif  // MINIMONGO_QUERY_UPSERT_H_
