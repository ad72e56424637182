// Internal: the path walker that applies one compiled operation to an editable document.
//
// It owns MongoDB's path rules for updates:
//   - through objects, a part names a field; through arrays, a canonical decimal part is an
//     index (a non-numeric part cannot go through an array; there is no implicit traversal);
//   - `$` is the array index the query matched; `$[]` visits every element and `$[ident]` every
//     element its array filter matches; those two need the array to exist ("The path 'a' must
//     exist in the document in order to apply array updates.") and to be an array;
//   - an operator that creates ($set, $inc, $push, ...) builds missing parts as objects, and
//     pads an array with nulls up to a missing index; one that does not ($unset, $pull, $pop,
//     $pullAll) leaves a missing path alone;
//   - creating inside a scalar, or a named field inside an array, fails with MongoDB's
//     "Cannot create field 'b' in element {a: 1}";
//   - $rename moves a value between two paths without arrays on either.
// Recursion follows the parts of the path, which parsing caps at kMaxDepth; never the
// document's depth.
//
// Thread safety: functions over caller-owned state.

#ifndef MINIMONGO_QUERY_INTERNAL_MODIFIER_APPLY_H_
#define MINIMONGO_QUERY_INTERNAL_MODIFIER_APPLY_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "query/internal/modifier_op.h"
#include "query/internal/mutable_value.h"
#include "query/value.h"

namespace minimongo::query {
class Selector;
}  // namespace minimongo::query

namespace minimongo::query::internal {

// One entry of ModifierOptions::array_filters, compiled.
struct CompiledArrayFilter {
  std::string identifier;
  // Matches a document {identifier: element}.
  std::shared_ptr<const Selector> selector;
};

// Everything an Apply shares across its operations.
struct ApplyEnv {
  ValueView doc;                        // the input document (for _id in messages)
  std::optional<size_t> matched_index;  // for `$`
  int64_t now_millis = 0;               // for $currentDate
  const std::vector<CompiledArrayFilter>* filters = nullptr;
  // When set, every concrete path written is appended (for the conflict check of updates with
  // `$`, `$[]` or `$[ident]`, whose paths only become concrete per document).
  std::vector<std::vector<std::string>>* written = nullptr;
};

// Applies `op` to `root` (the document). On error `root` may be partly modified: the caller
// discards it.
absl::Status ApplyModOp(const ModOp& op, MutableValue* root, const ApplyEnv& env);

// Fails with "Update created a conflict at 'a.0'" when one written path equals or is a prefix
// of another. Sorts `written`.
absl::Status CheckWrittenPaths(std::vector<std::vector<std::string>>* written);

}  // namespace minimongo::query::internal

#endif  // MINIMONGO_QUERY_INTERNAL_MODIFIER_APPLY_H_
