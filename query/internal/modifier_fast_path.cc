#include "query/internal/modifier_fast_path.h"

#include <cassert>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include "query/internal/modifier_util.h"

namespace minimongo::query::internal {

// Only $set/$unset/$inc of plain field paths qualify: numeric parts would need array handling,
// `_id` the immutability check, and the other operators the editable tree.
std::unique_ptr<FastPlan> FastPlan::Build(const std::vector<ModOp>& ops) {
  auto plan = std::unique_ptr<FastPlan>(new FastPlan());
  for (const ModOp& op : ops) {
    if (op.kind != OpKind::kSet && op.kind != OpKind::kUnset && op.kind != OpKind::kInc) {
      return nullptr;
    }
    for (const PathPart& part : op.path) {
      if (part.kind != PathPart::Kind::kField || part.index.has_value()) return nullptr;
    }
    if (op.path[0].name == "_id") return nullptr;
    // Ops arrive in application order, so appending keeps every child list in that order.
    Node* node = &plan->root_;
    for (size_t i = 0; i < op.path.size(); ++i) {
      const std::string& name = op.path[i].name;
      bool last = i + 1 == op.path.size();
      Child* child = nullptr;
      for (Child& c : node->children) {
        if (c.name == name) child = &c;
      }
      if (child == nullptr) {
        if (node->children.size() == kMaxChildren) return nullptr;
        node->children.push_back(Child{name, nullptr, nullptr, false});
        child = &node->children.back();
      }
      if (op.kind != OpKind::kUnset) child->creates = true;
      if (last) {
        assert(child->node == nullptr && child->op == nullptr && "conflicts were rejected");
        child->op = &op;
      } else {
        if (child->node == nullptr) child->node = std::make_unique<Node>();
        node = child->node.get();
      }
    }
  }
  return plan;
}

// A whole subtree of the plan whose object is missing from the document: only its creating
// ops write something ($unset of a missing path does nothing).
void FastPlan::EmitMissing(ValueBuilder* b, const Node& node) {
  b->BeginObject();
  for (const Child& c : node.children) {
    if (!c.creates) continue;
    b->Key(c.name);
    if (c.node != nullptr) {
      EmitMissing(b, *c.node);
    } else {
      b->Append(c.op->operand.view());  // $set value, or $inc amount on a missing field
    }
  }
  bool unique = b->EndObject();
  assert(unique && "plan children have distinct names");
  (void)unique;
}

// The child of `node` named `key`, or -1. Names are compared by length first: most fields
// of a document are not targets.
int FastPlan::FindChild(const Node& node, std::string_view key) {
  for (size_t i = 0; i < node.children.size(); ++i) {
    const std::string& name = node.children[i].name;
    if (name.size() == key.size() && std::memcmp(name.data(), key.data(), key.size()) == 0) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// One pass over `object`: untouched fields are copied (one memcpy each), targets rewritten in
// place, then the plan's missing children appended in plan order, which is the general path's
// application order. Returns false, leaving the builder mid-value, to decline the document.
bool FastPlan::Emit(ValueBuilder* b, ValueView object, const Node& node) {
  uint64_t seen = 0;  // Build() keeps every node to at most 64 children
  b->BeginObject();
  // Untouched fields are copied in runs, one block copy per run between targets.
  ObjectRange fields = object.fields();
  ObjectIterator run = fields.begin();
  for (ObjectIterator it = fields.begin(); it != fields.end(); ++it) {
    const Field& f = *it;
    int index = FindChild(node, f.key);
    if (index < 0) continue;
    b->AppendFields(run, it);
    run = it;
    ++run;
    seen |= uint64_t{1} << index;
    const Child& child = node.children[index];
    if (child.node != nullptr) {
      if (!f.value.IsObject()) return false;  // arrays and scalars: general path
      b->Key(f.key);
      if (!Emit(b, f.value, *child.node)) return false;
      continue;
    }
    switch (child.op->kind) {
      case OpKind::kSet:
        b->Key(f.key);
        b->Append(child.op->operand.view());
        break;
      case OpKind::kUnset:
        break;
      case OpKind::kInc: {
        if (!f.value.IsNumber() || f.value.type() == Type::kDecimal128) return false;
        std::optional<Value> sum = AddNumbers(f.value, child.op->operand.view());
        if (!sum.has_value()) return false;
        b->Key(f.key);
        b->Append(sum->view());
        break;
      }
      default:
        return false;
    }
  }
  b->AppendFields(run, fields.end());
  for (size_t i = 0; i < node.children.size(); ++i) {
    const Child& c = node.children[i];
    if ((seen & (uint64_t{1} << i)) != 0 || !c.creates) continue;
    b->Key(c.name);
    if (c.node != nullptr) {
      EmitMissing(b, *c.node);
    } else {
      b->Append(c.op->operand.view());
    }
  }
  bool unique = b->EndObject();
  assert(unique && "fields are written once each");
  (void)unique;
  return true;
}

std::optional<Value> FastPlan::Apply(ValueView doc) const {
  // One builder per thread keeps its buffer's capacity across updates.
  thread_local ValueBuilder builder;
  // The result is about the input's size: one allocation instead of a growth sequence.
  builder.Reserve(doc.payload_size() + 64);
  if (!Emit(&builder, doc, root_)) {
    builder.Reset();
    return std::nullopt;
  }
  return builder.Finish();
}

}  // namespace minimongo::query::internal
