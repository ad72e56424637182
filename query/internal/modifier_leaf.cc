// ApplyLeaf: what each operator does to the one value at its path.

#include <algorithm>
#include <utility>

#include "fmt/format.h"
#include "query/internal/modifier_op.h"
#include "query/internal/modifier_util.h"
#include "query/selector.h"
#include "query/sort_spec.h"
#include "query/value_order.h"

namespace minimongo::query::internal {

namespace {

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

const Value& EmptyObjectValue() {
  static const Value empty = [] {
    ValueBuilder b;
    b.BeginObject();
    (void)b.EndObject();
    return b.Finish();
  }();
  return empty;
}

Value BuildArray(const std::vector<Value>& elements) { return Value::Array(elements); }

std::vector<Value> ArrayElements(ValueView array) {
  std::vector<Value> out;
  out.reserve(array.size());
  for (ValueView e : array.elements()) out.push_back(e.ToValue());
  return out;
}
absl::Status TypeError(std::string_view op_name, const LeafContext& context, ValueView existing,
                       std::string_view what) {
  return Invalid(fmt::format(
      "Cannot apply {} to a value of non-{} type. {{{}}} has the field '{}' of non-{} type {}",
      op_name, what, DescribeId(context.doc), context.field_name, what, TypeName(existing.type())));
}

int64_t BitApply(BitOp op, int64_t a, int64_t b) {
  switch (op) {
    case BitOp::kAnd:
      return a & b;
    case BitOp::kOr:
      return a | b;
    case BitOp::kXor:
      return a ^ b;
  }
  return a;
}

// Stable sorts: MongoDB does not promise an order for ties, stability makes ours deterministic.
void SortForPush(const ModOp& op, std::vector<Value>* elements) {
  switch (op.push_sort) {
    case ModOp::PushSort::kNone:
      return;
    case ModOp::PushSort::kAscending:
    case ModOp::PushSort::kDescending: {
      bool descending = op.push_sort == ModOp::PushSort::kDescending;
      std::stable_sort(elements->begin(), elements->end(), [&](const Value& a, const Value& b) {
        int c = CompareValues(a.view(), b.view());
        return descending ? c > 0 : c < 0;
      });
      return;
    }
    case ModOp::PushSort::kPattern: {
      // MongoDB sorts a non-document element as a document without the pattern's fields.
      const SortSpec& spec = *op.push_sort_spec;
      ValueView empty = EmptyObjectValue().view();
      std::stable_sort(elements->begin(), elements->end(), [&](const Value& a, const Value& b) {
        ValueView va = a.IsObject() ? a.view() : empty;
        ValueView vb = b.IsObject() ? b.view() : empty;
        return spec.Compare(va, vb) < 0;
      });
      return;
    }
  }
}

absl::Status ApplyPush(const ModOp& op, const Value* existing, const LeafContext& context,
                       LeafOutcome* outcome) {
  std::vector<Value> elements;
  if (existing != nullptr) {
    if (!existing->IsArray()) {
      return Invalid(
          fmt::format("The field '{}' must be an array but is of type {} in document {{{}}}",
                      context.full_path, TypeName(existing->type()), DescribeId(context.doc)));
    }
    elements = ArrayElements(existing->view());
  }
  // Insert at $position (default: the end; negative counts from the end), then $sort, then
  // $slice: MongoDB's order.
  int64_t size = static_cast<int64_t>(elements.size());
  int64_t at = size;
  if (op.push_position.has_value()) {
    int64_t p = *op.push_position;
    if (p >= 0) {
      at = std::min(p, size);
    } else {
      at = p < -size ? 0 : size + p;
    }
  }
  elements.insert(elements.begin() + at, op.values.begin(), op.values.end());
  SortForPush(op, &elements);
  if (op.push_slice.has_value()) {
    int64_t s = *op.push_slice;
    // |INT64_MIN| is not representable; anything that large keeps everything anyway.
    uint64_t keep = s >= 0 ? static_cast<uint64_t>(s) : ~static_cast<uint64_t>(s) + 1;
    if (keep < elements.size()) {
      if (s >= 0) {
        elements.resize(keep);
      } else {
        elements.erase(elements.begin(), elements.end() - static_cast<ptrdiff_t>(keep));
      }
    }
  }
  outcome->action = LeafOutcome::Action::kReplace;
  outcome->value = BuildArray(elements);
  return absl::OkStatus();
}

// A condition (object or regex) goes through the selector; any other value is MongoDB's
// EqualityMatcher: exact BSON equality, no array expansion.
bool PullMatches(const ModOp& op, ValueView element) {
  if (op.pull_condition != nullptr) return op.pull_condition->Matches(element);
  return ValuesEqual(op.operand.view(), element);
}

}  // namespace

absl::Status ApplyLeaf(const ModOp& op, const Value* existing, const LeafContext& context,
                       LeafOutcome* outcome) {
  outcome->action = LeafOutcome::Action::kKeep;
  auto replace = [&](Value v) {
    outcome->action = LeafOutcome::Action::kReplace;
    outcome->value = std::move(v);
    return absl::OkStatus();
  };
  switch (op.kind) {
    // $set writes even an equal value: a no-op is not worth detecting here (the store can
    // compare documents if it cares).
    case OpKind::kSet:
    case OpKind::kSetOnInsert:
      return replace(op.operand);
    // On an array element the walker turns kRemove into null (MongoDB keeps positions).
    case OpKind::kUnset:
      if (existing != nullptr) outcome->action = LeafOutcome::Action::kRemove;
      return absl::OkStatus();
    case OpKind::kInc:
    case OpKind::kMul: {
      bool inc = op.kind == OpKind::kInc;
      if (existing == nullptr) {
        // $mul of a missing field writes 0 of the multiplier's type (also for an infinite or
        // NaN double multiplier, where multiplying 0 would give NaN).
        if (inc) return replace(op.operand);
        if (op.operand.type() == Type::kDouble) return replace(Value::Double(0.0));
        return replace(*MultiplyNumbers(op.operand.view(), Value::Int32(0).view()));
      }
      if (!existing->IsNumber() || existing->type() == Type::kDecimal128) {
        return TypeError(OpName(op.kind), context, existing->view(), "numeric");
      }
      std::optional<Value> result = inc ? AddNumbers(existing->view(), op.operand.view())
                                        : MultiplyNumbers(existing->view(), op.operand.view());
      if (!result.has_value()) {
        return Invalid(
            fmt::format("Failed to apply {} operations to current value ({}) for document {{{}}}",
                        OpName(op.kind), ShortEjson(existing->view()), DescribeId(context.doc)));
      }
      return replace(*std::move(result));
    }
    // Any two values are comparable in BSON order; equal values keep the stored one (and its
    // numeric type).
    case OpKind::kMin:
    case OpKind::kMax: {
      if (existing == nullptr) return replace(op.operand);
      int c = CompareValues(op.operand.view(), existing->view());
      if ((op.kind == OpKind::kMin && c < 0) || (op.kind == OpKind::kMax && c > 0)) {
        return replace(op.operand);
      }
      return absl::OkStatus();
    }
    case OpKind::kCurrentDate:
      if (op.current_date_timestamp) {
        // Seconds in the high 32 bits; increment 1 (one timestamp per update).
        uint64_t seconds = static_cast<uint64_t>(std::max<int64_t>(context.now_millis, 0) / 1000);
        return replace(Value::Timestamp((seconds << 32) | 1));
      }
      return replace(Value::Date(context.now_millis));
    case OpKind::kPush:
      return ApplyPush(op, existing, context, outcome);
    case OpKind::kAddToSet: {
      // Quadratic in the worst case; arrays updated with $addToSet are usually small sets.
      if (existing == nullptr) return replace(BuildArray(op.values));
      if (!existing->IsArray()) {
        return Invalid(fmt::format(
            "Cannot apply $addToSet to non-array field. Field named '{}' has non-array type {}",
            context.field_name, TypeName(existing->type())));
      }
      std::vector<Value> elements = ArrayElements(existing->view());
      size_t original = elements.size();
      for (const Value& v : op.values) {
        bool present = false;
        for (size_t i = 0; i < original && !present; ++i) {
          present = ValuesEqual(elements[i].view(), v.view());
        }
        if (!present) elements.push_back(v);
      }
      if (elements.size() == original) return absl::OkStatus();
      return replace(BuildArray(elements));
    }
    // Missing and empty arrays are no-ops; anything else that is not an array is an error.
    case OpKind::kPop: {
      if (existing == nullptr) return absl::OkStatus();
      if (!existing->IsArray()) {
        return Invalid(fmt::format("Path '{}' contains an element of non-array type '{}'",
                                   context.full_path, TypeName(existing->type())));
      }
      if (existing->view().empty()) return absl::OkStatus();
      std::vector<Value> elements = ArrayElements(existing->view());
      if (op.pop_first) {
        elements.erase(elements.begin());
      } else {
        elements.pop_back();
      }
      return replace(BuildArray(elements));
    }
    // One pass that keeps the survivors; an unchanged array is reported as kKeep so that the
    // document keeps sharing its buffer there.
    case OpKind::kPull:
    case OpKind::kPullAll: {
      if (existing == nullptr) return absl::OkStatus();
      if (!existing->IsArray()) {
        return Invalid(fmt::format("Cannot apply {} to a non-array value", OpName(op.kind)));
      }
      std::vector<Value> kept;
      size_t removed = 0;
      for (ValueView e : existing->view().elements()) {
        bool remove = false;
        if (op.kind == OpKind::kPull) {
          remove = PullMatches(op, e);
        } else {
          for (ValueView r : op.operand.view().elements()) {
            if (ValuesEqual(r, e)) {
              remove = true;
              break;
            }
          }
        }
        if (remove) {
          ++removed;
        } else {
          kept.push_back(e.ToValue());
        }
      }
      if (removed == 0) return absl::OkStatus();
      return replace(BuildArray(kept));
    }
    // MongoDB applies $bit to a missing field as to int32 0, and widens to int64 as soon as one
    // side is int64.
    case OpKind::kBit: {
      Type type = Type::kInt32;
      int64_t value = 0;
      if (existing != nullptr) {
        type = existing->type();
        if (type == Type::kInt32) {
          value = existing->view().AsInt32();
        } else if (type == Type::kInt64) {
          value = existing->view().AsInt64();
        } else {
          return Invalid(fmt::format(
              "Cannot apply $bit to a value of non-integral type.{{{}}} has the field {} of "
              "non-integer type {}",
              DescribeId(context.doc), context.field_name, TypeName(type)));
        }
      }
      for (const auto& [bit, operand] : op.bits) {
        int64_t rhs =
            operand.type() == Type::kInt32 ? operand.view().AsInt32() : operand.view().AsInt64();
        if (operand.type() == Type::kInt64) type = Type::kInt64;
        // int32 operands stay within int32 under and/or/xor (sign-extended both sides).
        value = BitApply(bit, value, rhs);
      }
      return replace(type == Type::kInt32 ? Value::Int32(static_cast<int32_t>(value))
                                          : Value::Int64(value));
    }
    case OpKind::kRename:
      break;
  }
  return absl::InternalError("ApplyLeaf called for $rename");
}

}  // namespace minimongo::query::internal
