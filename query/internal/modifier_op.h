// Internal: one compiled update operation ({$inc: {"a.b": 2}} compiles to one ModOp per field)
// and what it does to the single value at its path.
//
// CompileModOp() checks the operator's argument completely (MongoDB's messages); the path walker
// (modifier_apply.h) finds the value(s) the path designates and calls ApplyLeaf() for each.
// ApplyLeaf() sees only the current value (or its absence) and answers: leave it, replace it,
// or remove it. It never sees the rest of the document.
//
// Thread safety: a ModOp is immutable after compilation; ApplyLeaf is a pure function of its
// arguments.

#ifndef MINIMONGO_QUERY_INTERNAL_MODIFIER_OP_H_
#define MINIMONGO_QUERY_INTERNAL_MODIFIER_OP_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "query/internal/modifier_path.h"
#include "query/value.h"

namespace minimongo::query {
class Selector;
class SortSpec;
}  // namespace minimongo::query

namespace minimongo::query::internal {

enum class OpKind : uint8_t {
  kSet,
  kSetOnInsert,
  kUnset,
  kInc,
  kMul,
  kMin,
  kMax,
  kCurrentDate,
  kRename,
  kPush,
  kAddToSet,
  kPop,
  kPull,
  kPullAll,
  kBit,
};

// "$set", "$inc", ...
std::string_view OpName(OpKind kind);
// The operator named `name` ("$set"), or nullopt.
std::optional<OpKind> OpKindFromName(std::string_view name);
// True for operators that create a missing path ($set, $inc, $push, ...); false for those that
// leave a missing path alone ($unset, $pop, $pull, $pullAll, the source of $rename).
bool CreatesPath(OpKind kind);

enum class BitOp : uint8_t { kAnd, kOr, kXor };

struct ModOp {
  OpKind kind = OpKind::kSet;
  std::string path_text;
  UpdatePath path;  // for $rename: the destination

  // $set, $setOnInsert, $min, $max: the value. $inc, $mul: the number. $pull: the value to
  // remove by equality (when `pull_condition` is null). $pullAll: the array.
  Value operand;

  // $push and $addToSet: the values to add (for $addToSet, already without duplicates).
  std::vector<Value> values;
  // $push modifiers.
  std::optional<int64_t> push_position;
  std::optional<int64_t> push_slice;
  enum class PushSort : uint8_t { kNone, kAscending, kDescending, kPattern };
  PushSort push_sort = PushSort::kNone;
  std::shared_ptr<const SortSpec> push_sort_spec;  // kPattern

  // $pull with a condition (an object or a regex; Selector::CompileValueCondition).
  std::shared_ptr<const Selector> pull_condition;

  // $pop: remove the first element (-1) instead of the last (1).
  bool pop_first = false;
  // $currentDate: a timestamp instead of a date.
  bool current_date_timestamp = false;
  // $bit: the operations, in order.
  std::vector<std::pair<BitOp, Value>> bits;

  // $rename: the source.
  std::string from_text;
  UpdatePath from;

  // Nesting depth that a value written by this op adds below its path (0 for scalars; for
  // $push/$addToSet, one more than the deepest value pushed). Used to bound result depth.
  size_t value_depth = 0;
};

// Compiles `{<op>: {<path>: arg}}`. Errors are InvalidArgument with MongoDB's wording, naming
// the path. Array-filter identifiers in the path are resolved later by the modifier compiler.
absl::StatusOr<ModOp> CompileModOp(OpKind kind, std::string_view path, ValueView arg);

// What ApplyLeaf decided.
struct LeafOutcome {
  enum class Action : uint8_t { kKeep, kReplace, kRemove };
  Action action = Action::kKeep;
  Value value;  // kReplace
};

// What ApplyLeaf may need besides the value.
struct LeafContext {
  std::string_view field_name;  // last part of the concrete path ("a" for "x.a")
  std::string_view full_path;   // the concrete dotted path ("x.0.a")
  ValueView doc;                // the original document, for the _id in messages
  int64_t now_millis = 0;       // for $currentDate
};

// Applies `op` to the value at its path: `existing` is that value, or nullptr when the path is
// missing. Errors (InvalidArgument): the wrong type for the operator ($inc on a string, $push on
// a non-array, ...), an int64 overflow. REQUIRES: op.kind != kRename (the walker moves values).
absl::Status ApplyLeaf(const ModOp& op, const Value* existing, const LeafContext& context,
                       LeafOutcome* outcome);

}  // namespace minimongo::query::internal

#endif  // MINIMONGO_QUERY_INTERNAL_MODIFIER_OP_H_
