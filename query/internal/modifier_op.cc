#include "query/internal/modifier_op.h"

#include <algorithm>
#include <utility>

#include "fmt/format.h"
#include "query/internal/modifier_util.h"
#include "query/internal/status_macros.h"
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
// $push takes a value, or (when the argument is an object with $each) the modifier form with
// $slice/$sort/$position. Without $each, an object with '$' keys is just an invalid value.
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
      // MongoDB's own checks came first (its messages); SortSpec then compiles the pattern.
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

// $addToSet with $each accepts no other clause. Duplicates among the values are dropped here
// once, so Apply only compares against the existing elements.
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

// true/false (both mean a date, as in MongoDB) or {$type: "date"|"timestamp"}.
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

// The op's `path` is the destination (where MongoDB places the rename in its update tree, so
// it is also what orders it); `from` is the source.
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

// Values an op will store are checked here once (CheckStorable), so Apply never has to look
// inside them; conditions ($pull, $pullAll) are not stored and not checked.
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
    // The argument of $unset is ignored (MongoDB). `_id` can never be unset.
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
    // 1 and -1 of any numeric type (MongoDB accepts 1.0 and NumberLong(1)).
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

}  // namespace minimongo::query::internal
