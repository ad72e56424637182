#include "query/internal/modifier_op.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "fmt/format.h"
#include "query/ejson.h"
#include "query/internal/status_macros.h"
#include "query/limits.h"
#include "query/selector.h"
#include "query/sort_spec.h"
#include "query/value_order.h"

namespace minimongo::query::internal {

namespace {

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

// MongoDB's "parseIntegerElementToLong": a number with an integral value in int64 range.
std::optional<int64_t> IntegralNumber(ValueView v) {
  if (!v.IsNumber() || v.type() == Type::kDecimal128) return std::nullopt;
  return v.NumberAsInt64();
}

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

absl::Status CompilePush(std::string_view path, ValueView arg, ModOp* op) {
  std::optional<ValueView> each = arg.IsObject() ? arg.Find("$each") : std::nullopt;
  if (!each.has_value()) {
    RETURN_IF_ERROR(CheckStorable(arg, path));
    op->values.push_back(arg.ToValue());
    op->value_depth = 1 + ValueDepth(arg);
    return absl::OkStatus();
  }
  bool seen_slice = false, seen_sort = false, seen_position = false;
  for (const Field& f : arg.fields()) {
    if (f.key == "$each") continue;
    bool* seen = f.key == "$slice"      ? &seen_slice
                 : f.key == "$sort"     ? &seen_sort
                 : f.key == "$position" ? &seen_position
                                        : nullptr;
    if (seen == nullptr) return Invalid(fmt::format("Unrecognized clause in $push: {}", f.key));
    *seen = true;
    if (f.key == "$slice") {
      std::optional<int64_t> n = IntegralNumber(f.value);
      if (!n) {
        return Invalid(
            fmt::format("The value for $slice must be an integer value but was given type: {}",
                        TypeName(f.value.type())));
      }
      op->push_slice = *n;
    } else if (f.key == "$position") {
      std::optional<int64_t> n = IntegralNumber(f.value);
      if (!n) {
        return Invalid(
            fmt::format("The value for $position must be an integer value, not of type: {}",
                        TypeName(f.value.type())));
      }
      op->push_position = *n;
    } else if (f.value.IsObject()) {
      if (f.value.empty()) {
        return Invalid("The $sort pattern is empty when it should be a set of fields.");
      }
      for (const Field& s : f.value.fields()) {
        double dir = s.value.IsNumber() ? s.value.NumberAsDouble() : 0;
        if (dir != 1 && dir != -1) {
          return Invalid("The $sort element value must be either 1 or -1");
        }
        if (s.key.empty()) return Invalid("The $sort field cannot be empty");
        if (s.key.front() == '.' || s.key.back() == '.' ||
            s.key.find("..") != std::string_view::npos) {
          return Invalid(
              fmt::format("The $sort field is a dotted field but has an empty part: {}", s.key));
        }
      }
      absl::StatusOr<SortSpec> spec = SortSpec::Compile(f.value);
      if (!spec.ok()) {
        return Invalid(
            fmt::format("The $sort is invalid: {}", std::string(spec.status().message())));
      }
      op->push_sort = ModOp::PushSort::kPattern;
      op->push_sort_spec = std::make_shared<const SortSpec>(*std::move(spec));
    } else if (f.value.IsNumber()) {
      double dir = f.value.NumberAsDouble();
      if (dir != 1 && dir != -1) {
        return Invalid("The $sort element value must be either 1 or -1");
      }
      op->push_sort = dir == 1 ? ModOp::PushSort::kAscending : ModOp::PushSort::kDescending;
    } else {
      return Invalid(
          "The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort "
          "embedded fields");
    }
  }
  if (!each->IsArray()) {
    return Invalid(
        fmt::format("The argument to $each in $push must be an array but it was of type: {}",
                    TypeName(each->type())));
  }
  size_t depth = 0;
  for (ValueView e : each->elements()) {
    RETURN_IF_ERROR(CheckStorable(e, path));
    depth = std::max(depth, ValueDepth(e));
    op->values.push_back(e.ToValue());
  }
  op->value_depth = 1 + depth;
  return absl::OkStatus();
}

absl::Status CompileAddToSet(std::string_view path, ValueView arg, ModOp* op) {
  std::optional<ValueView> each = arg.IsObject() ? arg.Find("$each") : std::nullopt;
  std::vector<Value> candidates;
  if (!each.has_value()) {
    RETURN_IF_ERROR(CheckStorable(arg, path));
    candidates.push_back(arg.ToValue());
  } else {
    if (arg.size() > 1) {
      return Invalid(
          fmt::format("Found unexpected fields after $each in $addToSet: {}", ShortEjson(arg)));
    }
    if (!each->IsArray()) {
      return Invalid(
          fmt::format("The argument to $each in $addToSet must be an array but it was of type {}",
                      TypeName(each->type())));
    }
    for (ValueView e : each->elements()) {
      RETURN_IF_ERROR(CheckStorable(e, path));
      candidates.push_back(e.ToValue());
    }
  }
  size_t depth = 0;
  for (Value& c : candidates) {
    bool duplicate = std::any_of(op->values.begin(), op->values.end(),
                                 [&](const Value& v) { return ValuesEqual(v.view(), c.view()); });
    if (duplicate) continue;
    depth = std::max(depth, ValueDepth(c.view()));
    op->values.push_back(std::move(c));
  }
  op->value_depth = 1 + depth;
  return absl::OkStatus();
}

// MongoDB's $pull: a primitive or array value removes equal elements; an object or a regex is a
// condition (CompileValueCondition implements MongoDB's two object forms: field operators
// applied to each element, or a query that only document elements can match).
absl::Status CompilePull(ValueView arg, ModOp* op) {
  op->operand = arg.ToValue();
  if (!arg.IsObject() && arg.type() != Type::kRegex) return absl::OkStatus();
  absl::StatusOr<Selector> condition = Selector::CompileValueCondition(arg);
  if (!condition.ok()) return condition.status();
  op->pull_condition = std::make_shared<const Selector>(*std::move(condition));
  return absl::OkStatus();
}

absl::Status CompileCurrentDate(std::string_view path, ValueView arg, ModOp* op) {
  if (arg.type() == Type::kBool) return absl::OkStatus();
  if (arg.IsObject()) {
    bool found_type = false;
    for (const Field& f : arg.fields()) {
      if (f.key != "$type") {
        return Invalid(fmt::format("Unrecognized $currentDate option: {}", f.key));
      }
      if (!f.value.IsString() ||
          (f.value.AsString() != "date" && f.value.AsString() != "timestamp")) {
        break;
      }
      found_type = true;
      op->current_date_timestamp = f.value.AsString() == "timestamp";
    }
    if (found_type) return absl::OkStatus();
    return Invalid(
        "The '$type' string field is required to be 'date' or 'timestamp': "
        "{$currentDate: {field : {$type: 'date'}}}");
  }
  return Invalid(fmt::format(
      "{}: {} is not valid type for $currentDate. Please use a boolean ('true') or a $type "
      "expression ({{$type: 'timestamp/date'}}).",
      path, ShortEjson(arg)));
}

absl::Status CompileBit(std::string_view path, ValueView arg, ModOp* op) {
  if (!arg.IsObject()) {
    return Invalid(fmt::format(
        "The $bit modifier is not compatible with a {}. You must pass in an embedded document: "
        "{{$bit: {{field: {{and/or/xor: #}}}}",
        TypeName(arg.type())));
  }
  if (arg.empty()) {
    return Invalid(
        "You must pass in at least one bitwise operation. The format is: "
        "{$bit: {field: {and/or/xor: #}}");
  }
  for (const Field& f : arg.fields()) {
    BitOp bit;
    if (f.key == "and") {
      bit = BitOp::kAnd;
    } else if (f.key == "or") {
      bit = BitOp::kOr;
    } else if (f.key == "xor") {
      bit = BitOp::kXor;
    } else {
      return Invalid(fmt::format(
          "The $bit modifier only supports 'and', 'or', and 'xor', not '{}' which is an unknown "
          "operator: {{{}: {}}}",
          f.key, f.key, ShortEjson(f.value)));
    }
    if (f.value.type() != Type::kInt32 && f.value.type() != Type::kInt64) {
      return Invalid(fmt::format(
          "The $bit modifier field must be an Integer(32/64 bit); a '{}' is not supported here: "
          "{{{}: {}}}",
          TypeName(f.value.type()), f.key, ShortEjson(f.value)));
    }
    op->bits.emplace_back(bit, f.value.ToValue());
  }
  (void)path;
  return absl::OkStatus();
}

bool IsPrefixPath(const UpdatePath& a, const UpdatePath& b) {
  if (a.size() > b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].kind != b[i].kind) return false;
  }
  return true;
}

absl::Status CompileRename(std::string_view path, ValueView arg, ModOp* op) {
  if (!arg.IsString()) {
    return Invalid(
        fmt::format("The 'to' field for $rename must be a string: {}: {}", path, ShortEjson(arg)));
  }
  std::string_view to = arg.AsString();
  ASSIGN_OR_RETURN(op->from, ParseUpdatePath(path));
  op->from_text = std::string(path);
  ASSIGN_OR_RETURN(op->path, ParseUpdatePath(to));
  op->path_text = std::string(to);
  if (HasArrayUpdate(op->from)) {
    return Invalid(fmt::format("The source field for $rename may not be dynamic: {}", path));
  }
  if (HasArrayUpdate(op->path)) {
    return Invalid(fmt::format("The destination field for $rename may not be dynamic: {}", to));
  }
  if (path == to) {
    return Invalid(
        fmt::format("The source and target field for $rename must differ: {}: \"{}\"", path, to));
  }
  if (IsPrefixPath(op->from, op->path) || IsPrefixPath(op->path, op->from)) {
    return Invalid(fmt::format(
        "The source and target field for $rename must not be on the same path: {}: \"{}\"", path,
        to));
  }
  if (op->from[0].name == "_id" || op->path[0].name == "_id") {
    return Invalid(
        fmt::format("Performing an update on the path '{}' would modify the immutable field '_id'",
                    op->from[0].name == "_id" ? path : to));
  }
  return absl::OkStatus();
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

bool PullMatches(const ModOp& op, ValueView element) {
  if (op.pull_condition != nullptr) return op.pull_condition->Matches(element);
  return ValuesEqual(op.operand.view(), element);
}

}  // namespace

std::string_view OpName(OpKind kind) {
  switch (kind) {
    case OpKind::kSet:
      return "$set";
    case OpKind::kSetOnInsert:
      return "$setOnInsert";
    case OpKind::kUnset:
      return "$unset";
    case OpKind::kInc:
      return "$inc";
    case OpKind::kMul:
      return "$mul";
    case OpKind::kMin:
      return "$min";
    case OpKind::kMax:
      return "$max";
    case OpKind::kCurrentDate:
      return "$currentDate";
    case OpKind::kRename:
      return "$rename";
    case OpKind::kPush:
      return "$push";
    case OpKind::kAddToSet:
      return "$addToSet";
    case OpKind::kPop:
      return "$pop";
    case OpKind::kPull:
      return "$pull";
    case OpKind::kPullAll:
      return "$pullAll";
    case OpKind::kBit:
      return "$bit";
  }
  return "$unknown";
}

std::optional<OpKind> OpKindFromName(std::string_view name) {
  static constexpr OpKind kAll[] = {
      OpKind::kSet,    OpKind::kSetOnInsert, OpKind::kUnset,    OpKind::kInc,
      OpKind::kMul,    OpKind::kMin,         OpKind::kMax,      OpKind::kCurrentDate,
      OpKind::kRename, OpKind::kPush,        OpKind::kAddToSet, OpKind::kPop,
      OpKind::kPull,   OpKind::kPullAll,     OpKind::kBit,
  };
  for (OpKind k : kAll) {
    if (OpName(k) == name) return k;
  }
  return std::nullopt;
}

bool CreatesPath(OpKind kind) {
  switch (kind) {
    case OpKind::kUnset:
    case OpKind::kPop:
    case OpKind::kPull:
    case OpKind::kPullAll:
      return false;
    default:
      return true;
  }
}

absl::StatusOr<ModOp> CompileModOp(OpKind kind, std::string_view path, ValueView arg) {
  ModOp op;
  op.kind = kind;
  if (kind == OpKind::kRename) {
    RETURN_IF_ERROR(CompileRename(path, arg, &op));
    return op;
  }
  op.path_text = std::string(path);
  ASSIGN_OR_RETURN(op.path, ParseUpdatePath(path));
  switch (kind) {
    case OpKind::kSet:
    case OpKind::kSetOnInsert:
    case OpKind::kMin:
    case OpKind::kMax:
      RETURN_IF_ERROR(CheckStorable(arg, path));
      op.operand = arg.ToValue();
      op.value_depth = ValueDepth(arg);
      break;
    case OpKind::kUnset:
      if (op.path.size() == 1 && op.path[0].name == "_id") {
        return Invalid(
            "Performing an update on the path '_id' would modify the immutable field '_id'");
      }
      break;
    case OpKind::kInc:
    case OpKind::kMul:
      if (!arg.IsNumber()) {
        return Invalid(fmt::format("Cannot {} with non-numeric argument: {{{}: {}}}",
                                   kind == OpKind::kInc ? "increment" : "multiply", path,
                                   ShortEjson(arg)));
      }
      if (arg.type() == Type::kDecimal128) {
        return absl::UnimplementedError(
            fmt::format("{} at '{}': decimal numbers are not supported", OpName(kind), path));
      }
      op.operand = arg.ToValue();
      break;
    case OpKind::kCurrentDate:
      RETURN_IF_ERROR(CompileCurrentDate(path, arg, &op));
      break;
    case OpKind::kPush:
      RETURN_IF_ERROR(CompilePush(path, arg, &op));
      break;
    case OpKind::kAddToSet:
      RETURN_IF_ERROR(CompileAddToSet(path, arg, &op));
      break;
    case OpKind::kPop: {
      if (!arg.IsNumber()) {
        return Invalid(fmt::format("Expected a number in: {}: {}", path, ShortEjson(arg)));
      }
      double d = arg.NumberAsDouble();
      if (d != 1 && d != -1) {
        return Invalid(fmt::format("$pop expects 1 or -1, found: {}", ShortEjson(arg)));
      }
      op.pop_first = d == -1;
      break;
    }
    case OpKind::kPull:
      RETURN_IF_ERROR(CompilePull(arg, &op));
      break;
    case OpKind::kPullAll:
      if (!arg.IsArray()) {
        return Invalid(fmt::format("$pullAll requires an array argument but was given a {}",
                                   TypeName(arg.type())));
      }
      op.operand = arg.ToValue();
      break;
    case OpKind::kBit:
      RETURN_IF_ERROR(CompileBit(path, arg, &op));
      break;
    case OpKind::kRename:
      break;  // handled above
  }
  return op;
}

absl::Status ApplyLeaf(const ModOp& op, const Value* existing, const LeafContext& context,
                       LeafOutcome* outcome) {
  outcome->action = LeafOutcome::Action::kKeep;
  auto replace = [&](Value v) {
    outcome->action = LeafOutcome::Action::kReplace;
    outcome->value = std::move(v);
    return absl::OkStatus();
  };
  switch (op.kind) {
    case OpKind::kSet:
    case OpKind::kSetOnInsert:
      return replace(op.operand);
    case OpKind::kUnset:
      if (existing != nullptr) outcome->action = LeafOutcome::Action::kRemove;
      return absl::OkStatus();
    case OpKind::kInc:
    case OpKind::kMul: {
      bool inc = op.kind == OpKind::kInc;
      if (existing == nullptr) {
        // $mul of a missing field writes 0 of the multiplier's type.
        if (inc) return replace(op.operand);
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

// ---------------------------------------------------------------------------------------------
// Helpers

std::string DescribeId(ValueView doc) {
  std::optional<ValueView> id = doc.Find("_id");
  if (!id.has_value()) return "no id";
  return "_id: " + ShortEjson(*id);
}

std::string ShortEjson(ValueView v) {
  constexpr size_t kMax = 200;
  std::string text = ToEjson(v, EjsonOptions{.mark_doubles = true});
  if (text.size() > kMax) {
    text.resize(kMax);
    text += "...";
  }
  return text;
}

size_t ValueDepth(ValueView v) {
  if (!v.IsObject() && !v.IsArray()) return 0;
  struct Frame {
    ValueView value;
    size_t depth;
  };
  std::vector<Frame> stack{{v, 1}};
  size_t max_depth = 1;
  while (!stack.empty()) {
    Frame f = stack.back();
    stack.pop_back();
    max_depth = std::max(max_depth, f.depth);
    auto visit = [&](ValueView child) {
      if (child.IsObject() || child.IsArray()) stack.push_back(Frame{child, f.depth + 1});
    };
    if (f.value.IsObject()) {
      for (const Field& field : f.value.fields()) visit(field.value);
    } else {
      for (ValueView e : f.value.elements()) visit(e);
    }
  }
  return max_depth;
}

absl::Status CheckStorable(ValueView v, std::string_view path) {
  if (!v.IsObject() && !v.IsArray()) return absl::OkStatus();
  struct Frame {
    ValueView value;
    std::string path;
  };
  std::vector<Frame> stack{{v, std::string(path)}};
  while (!stack.empty()) {
    Frame f = std::move(stack.back());
    stack.pop_back();
    if (f.value.IsObject()) {
      for (const Field& field : f.value.fields()) {
        std::string child_path =
            f.path.empty() ? std::string(field.key) : fmt::format("{}.{}", f.path, field.key);
        if (!field.key.empty() && field.key[0] == '$') {
          return Invalid(
              fmt::format("The dollar ($) prefixed field '{}' in '{}' is not valid for storage.",
                          field.key, child_path));
        }
        if (field.key.find('.') != std::string_view::npos) {
          return Invalid(fmt::format("The dotted field '{}' in '{}' is not valid for storage.",
                                     field.key, child_path));
        }
        if (field.value.IsObject() || field.value.IsArray()) {
          stack.push_back(Frame{field.value, std::move(child_path)});
        }
      }
    } else {
      size_t i = 0;
      for (ValueView e : f.value.elements()) {
        if (e.IsObject() || e.IsArray()) {
          stack.push_back(Frame{e, fmt::format("{}.{}", f.path, i)});
        }
        ++i;
      }
    }
  }
  return absl::OkStatus();
}

namespace {
bool IsIntegral(Type t) { return t == Type::kInt32 || t == Type::kInt64; }
int64_t IntegralValue(ValueView v) { return v.type() == Type::kInt32 ? v.AsInt32() : v.AsInt64(); }
}  // namespace

std::optional<Value> AddNumbers(ValueView a, ValueView b) {
  if (!IsIntegral(a.type()) || !IsIntegral(b.type())) {
    return Value::Double(a.NumberAsDouble() + b.NumberAsDouble());
  }
  int64_t x = IntegralValue(a);
  int64_t y = IntegralValue(b);
  if (a.type() == Type::kInt32 && b.type() == Type::kInt32) {
    int64_t sum = x + y;  // cannot overflow int64
    if (sum >= INT32_MIN && sum <= INT32_MAX) return Value::Int32(static_cast<int32_t>(sum));
    return Value::Int64(sum);
  }
  int64_t sum;
  if (__builtin_add_overflow(x, y, &sum)) return std::nullopt;
  return Value::Int64(sum);
}

std::optional<Value> MultiplyNumbers(ValueView a, ValueView b) {
  if (!IsIntegral(a.type()) || !IsIntegral(b.type())) {
    return Value::Double(a.NumberAsDouble() * b.NumberAsDouble());
  }
  int64_t x = IntegralValue(a);
  int64_t y = IntegralValue(b);
  if (a.type() == Type::kInt32 && b.type() == Type::kInt32) {
    int64_t product = x * y;  // |x|,|y| <= 2^31: cannot overflow int64
    if (product >= INT32_MIN && product <= INT32_MAX) {
      return Value::Int32(static_cast<int32_t>(product));
    }
    return Value::Int64(product);
  }
  int64_t product;
  if (__builtin_mul_overflow(x, y, &product)) return std::nullopt;
  return Value::Int64(product);
}

}  // namespace minimongo::query::internal
