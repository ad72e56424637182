// Internal: the fast path of Modifier::Apply for the common updates.
//
// A modifier made only of $set, $unset and $inc on plain paths (no numeric, positional or
// `_id` parts) is compiled into a small trie of its paths. Apply then writes the result
// straight from the packed input with one ValueBuilder pass: untouched fields are copied as
// blocks (ValueBuilder::Append, one memcpy each), modified fields are written in place, missing
// ones are appended in the modifier's application order, so the result is byte-identical to the
// general path's. No editable tree is built.
//
// Whenever the document's shape is not the simple one (a path goes through an array or a
// scalar, $inc meets a non-number or overflows), the fast path declines and the caller runs
// the general path, which produces the result or the error. So the fast path never fails.
//
// Thread safety: a FastPlan is immutable; Apply may run concurrently (it uses a thread-local
// builder).

#ifndef MINIMONGO_QUERY_INTERNAL_MODIFIER_FAST_PATH_H_
#define MINIMONGO_QUERY_INTERNAL_MODIFIER_FAST_PATH_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/internal/modifier_op.h"
#include "query/value.h"

namespace minimongo::query::internal {

class FastPlan {
 public:
  // A plan for `ops` (sorted in application order, free of conflicts), or nullptr when some op
  // is not eligible. `ops` must outlive the plan.
  static std::unique_ptr<FastPlan> Build(const std::vector<ModOp>& ops);

  // The updated document, or nullopt when the general path must handle `doc`.
  // REQUIRES: doc.IsObject().
  std::optional<Value> Apply(ValueView doc) const;

 private:
  struct Node;
  struct Child {
    std::string name;
    const ModOp* op = nullptr;   // a leaf
    std::unique_ptr<Node> node;  // an intermediate object
    bool creates = false;        // the subtree writes something when the field is missing
  };
  struct Node {
    std::vector<Child> children;  // in application order
  };

  // Most fields one object of the plan may have (the width of Emit's bitmask).
  static constexpr size_t kMaxChildren = 64;

  static int FindChild(const Node& node, std::string_view key);
  static bool Emit(ValueBuilder* b, ValueView object, const Node& node);
  static void EmitMissing(ValueBuilder* b, const Node& node);

  Node root_;
};

}  // namespace minimongo::query::internal

#endif  // MINIMONGO_QUERY_INTERNAL_MODIFIER_FAST_PATH_H_
