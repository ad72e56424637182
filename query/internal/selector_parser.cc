#include "query/internal/selector_parser.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "fmt/format.h"
#include "query/internal/selector_operands.h"
#include "query/internal/status_macros.h"
#include "query/limits.h"

namespace minimongo::query::internal {
namespace {

using NodePtr = std::unique_ptr<Node>;

std::string_view ToStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

std::string Located(const std::string& where, std::string_view message) {
  if (where.empty()) return fmt::format("selector: {}", message);
  return fmt::format("selector at \"{}\": {}", where, message);
}

absl::Status Error(const std::string& where, std::string_view message) {
  return absl::InvalidArgumentError(Located(where, message));
}

absl::Status NotSupported(const std::string& where, std::string_view message) {
  return absl::UnimplementedError(Located(where, message));
}

// Re-issues a status from a helper (field paths, regexes) with the location in front.
absl::Status WithWhere(const absl::Status& s, const std::string& where) {
  return absl::Status(s.code(), Located(where, ToStd(s.message())));
}

bool StartsWithDollar(std::string_view key) { return !key.empty() && key[0] == '$'; }

// Operators that take a whole document rather than a field ($elemMatch's object form, $pull's
// document conditions and the top level tell them apart by these).
bool IsDocumentOperator(std::string_view key) {
  return key == "$and" || key == "$or" || key == "$nor" || key == "$comment" || key == "$where" ||
         key == "$expr" || key == "$text" || key == "$jsonSchema";
}

bool IsGeoOperator(std::string_view key) {
  return key == "$near" || key == "$nearSphere" || key == "$geoWithin" || key == "$geoIntersects" ||
         key == "$within" || key == "$maxDistance" || key == "$minDistance" || key == "$box" ||
         key == "$center" || key == "$centerSphere" || key == "$polygon" || key == "$geometry";
}

NodePtr MakeNode(NodeKind kind) {
  auto n = std::make_unique<Node>();
  n->kind = kind;
  return n;
}

NodePtr MakeConstant(bool value) { return MakeNode(value ? NodeKind::kTrue : NodeKind::kFalse); }

NodePtr MakeLeaf(NodeKind kind, const FieldPath& path, bool self) {
  NodePtr n = MakeNode(kind);
  n->path = path;
  n->self = self;
  return n;
}

// $and/$or/$nor with constant folding and flattening of nested clauses of the same kind.
NodePtr MakeLogical(NodeKind kind, std::vector<NodePtr> children) {
  std::vector<NodePtr> kept;
  for (NodePtr& c : children) {
    if (kind == NodeKind::kAnd) {
      if (c->kind == NodeKind::kTrue) continue;
      if (c->kind == NodeKind::kFalse) return MakeConstant(false);
    } else {  // kOr, kNor
      if (c->kind == NodeKind::kFalse) continue;
      if (c->kind == NodeKind::kTrue) return MakeConstant(kind == NodeKind::kOr);
    }
    if (c->kind == kind && kind != NodeKind::kNor) {
      for (NodePtr& g : c->children) kept.push_back(std::move(g));
    } else {
      kept.push_back(std::move(c));
    }
  }
  if (kept.empty()) return MakeConstant(kind != NodeKind::kOr);
  if (kept.size() == 1 && kind != NodeKind::kNor) return std::move(kept[0]);
  NodePtr n = MakeNode(kind);
  n->children = std::move(kept);
  return n;
}

NodePtr MakeNot(NodePtr child) {
  if (child->kind == NodeKind::kTrue) return MakeConstant(false);
  if (child->kind == NodeKind::kFalse) return MakeConstant(true);
  NodePtr n = MakeNode(NodeKind::kNot);
  n->children.push_back(std::move(child));
  return n;
}

bool IsValueLeaf(const Node& n) {
  switch (n.kind) {
    case NodeKind::kEq:
    case NodeKind::kLt:
    case NodeKind::kLte:
    case NodeKind::kGt:
    case NodeKind::kGte:
    case NodeKind::kIn:
    case NodeKind::kRegex:
    case NodeKind::kExists:
    case NodeKind::kType:
    case NodeKind::kMod:
    case NodeKind::kBitsAllSet:
    case NodeKind::kBitsAnySet:
    case NodeKind::kBitsAllClear:
    case NodeKind::kBitsAnyClear:
      return !n.self;
    default:
      return false;
  }
}

// The operators of one field ({a: {$gte: 1, $lt: 5}}) as one walk of the path instead of one
// per operator, when they all test values one by one.
NodePtr FuseSamePath(NodePtr n, const FieldPath& path) {
  if (n->kind != NodeKind::kAnd || n->children.size() > 64) return n;
  for (const NodePtr& c : n->children) {
    if (!IsValueLeaf(*c) || c->path != path) return n;
  }
  n->kind = NodeKind::kPathAnd;
  n->path = path;
  return n;
}

// Whether an object value is an operator document ({$gt: 1}) rather than a literal ({a: 1}).
// MongoDB decides by the first key alone and Meteor throws on a mix; a mix is refused here
// because either reading would silently ignore part of what was written.
absl::StatusOr<bool> IsOperatorDocument(ValueView v, const std::string& where) {
  if (!v.IsObject() || v.empty()) return false;
  bool first = true;
  bool operators = false;
  std::string_view first_key;
  for (const Field& f : v.fields()) {
    bool is_operator = StartsWithDollar(f.key);
    if (first) {
      operators = is_operator;
      first_key = f.key;
      first = false;
    } else if (is_operator != operators) {
      return Error(where, fmt::format("cannot mix operators and fields in one object (\"{}\" and "
                                      "\"{}\")",
                                      first_key, f.key));
    }
  }
  return operators;
}

class Parser {
 public:
  absl::StatusOr<NodePtr> ParseDocument(ValueView doc, const std::string& prefix, size_t depth);
  absl::Status ParseOperators(const FieldPath& path, bool self, ValueView ops,
                              const std::string& where, size_t depth, std::vector<NodePtr>* out);
  absl::StatusOr<NodePtr> ParseRegex(const FieldPath& path, bool self, std::string_view pattern,
                                     std::string_view options, const std::string& where);
  absl::StatusOr<NodePtr> ParseConstantLeaf(NodeKind kind, const FieldPath& path, bool self,
                                            ValueView operand, const std::string& where);

 private:
  absl::Status CheckDepth(const std::string& where, size_t depth) {
    if (depth > kMaxExpressionDepth) {
      return Error(where, fmt::format("nesting deeper than {} levels", kMaxExpressionDepth));
    }
    return absl::OkStatus();
  }
  absl::Status CheckOperand(ValueView v, const std::string& where) {
    if (!DepthAtMost(v, kMaxDepth)) {
      return Error(where, fmt::format("value nests deeper than {} levels", kMaxDepth));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<NodePtr> ParseLogical(std::string_view op, ValueView operand,
                                       const std::string& prefix, size_t depth);
  absl::Status ParseField(const FieldPath& path, ValueView value, const std::string& where,
                          size_t depth, std::vector<NodePtr>* out);
  absl::StatusOr<NodePtr> ParseOperator(const FieldPath& path, bool self, std::string_view op,
                                        ValueView operand, ValueView ops, const std::string& where,
                                        size_t depth);
  absl::StatusOr<NodePtr> ParseIn(const FieldPath& path, bool self, std::string_view op,
                                  ValueView operand, const std::string& where);
  absl::StatusOr<NodePtr> ParseType(const FieldPath& path, bool self, ValueView operand,
                                    const std::string& where);
  absl::StatusOr<NodePtr> ParseMod(const FieldPath& path, bool self, ValueView operand,
                                   const std::string& where);
  absl::StatusOr<NodePtr> ParseSize(const FieldPath& path, bool self, ValueView operand,
                                    const std::string& where);
  absl::StatusOr<NodePtr> ParseBits(NodeKind kind, const FieldPath& path, bool self,
                                    std::string_view op, ValueView operand,
                                    const std::string& where);
  absl::StatusOr<NodePtr> ParseAll(const FieldPath& path, bool self, ValueView operand,
                                   const std::string& where, size_t depth);
  absl::StatusOr<NodePtr> ParseElemMatch(const FieldPath& path, bool self, ValueView operand,
                                         const std::string& where, size_t depth);
  absl::StatusOr<NodePtr> ParseNot(const FieldPath& path, bool self, ValueView operand,
                                   const std::string& where, size_t depth);
  absl::StatusOr<NodePtr> ParseRegexOperator(const FieldPath& path, bool self, ValueView operand,
                                             ValueView ops, const std::string& where);
};

// `depth` counts nested document selectors, $not and $elemMatch. It is checked before
// descending, so the parser's own recursion is bounded by kMaxExpressionDepth whatever the
// input (a 100,000-deep $and is refused after 100 levels).
absl::StatusOr<NodePtr> Parser::ParseDocument(ValueView doc, const std::string& prefix,
                                              size_t depth) {
  RETURN_IF_ERROR(CheckDepth(prefix, depth));
  std::vector<NodePtr> children;
  for (const Field& f : doc.fields()) {
    if (StartsWithDollar(f.key)) {
      if (f.key == "$and" || f.key == "$or" || f.key == "$nor") {
        ASSIGN_OR_RETURN(NodePtr n, ParseLogical(f.key, f.value, prefix, depth));
        children.push_back(std::move(n));
      } else if (f.key == "$comment") {
        continue;
      } else if (f.key == "$where" || f.key == "$expr" || f.key == "$jsonSchema" ||
                 f.key == "$text") {
        return NotSupported(prefix, fmt::format("{} is not supported", f.key));
      } else {
        return Error(prefix, fmt::format("unknown top level operator: {}", f.key));
      }
      continue;
    }
    std::string where = prefix.empty() ? std::string(f.key) : fmt::format("{}.{}", prefix, f.key);
    absl::StatusOr<FieldPath> path = FieldPath::Parse(f.key);
    if (!path.ok()) return WithWhere(path.status(), where);
    RETURN_IF_ERROR(ParseField(*path, f.value, where, depth, &children));
  }
  return MakeLogical(NodeKind::kAnd, std::move(children));
}

// $and/$or/$nor: a non-empty array of document selectors on the same root.
absl::StatusOr<NodePtr> Parser::ParseLogical(std::string_view op, ValueView operand,
                                             const std::string& prefix, size_t depth) {
  std::string where = prefix.empty() ? std::string(op) : fmt::format("{}.{}", prefix, op);
  if (!operand.IsArray() || operand.empty()) {
    return Error(where, fmt::format("{} must be a nonempty array", op));
  }
  std::vector<NodePtr> clauses;
  for (ValueView clause : operand.elements()) {
    if (!clause.IsObject()) {
      return Error(where, fmt::format("{} entries need to be full objects", op));
    }
    ASSIGN_OR_RETURN(NodePtr n, ParseDocument(clause, prefix, depth + 1));
    clauses.push_back(std::move(n));
  }
  NodeKind kind = op == "$and" ? NodeKind::kAnd : (op == "$or" ? NodeKind::kOr : NodeKind::kNor);
  return MakeLogical(kind, std::move(clauses));
}

// {path: value}: a regex literal matches strings (and equal regex values), an operator document
// is the AND of its operators, anything else is equality.
absl::Status Parser::ParseField(const FieldPath& path, ValueView value, const std::string& where,
                                size_t depth, std::vector<NodePtr>* out) {
  if (value.type() == Type::kRegex) {
    ASSIGN_OR_RETURN(NodePtr n,
                     ParseRegex(path, false, value.RegexPattern(), value.RegexFlags(), where));
    out->push_back(std::move(n));
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(bool operators, IsOperatorDocument(value, where));
  if (operators) {
    std::vector<NodePtr> ops;
    RETURN_IF_ERROR(ParseOperators(path, false, value, where, depth, &ops));
    out->push_back(FuseSamePath(MakeLogical(NodeKind::kAnd, std::move(ops)), path));
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(NodePtr n, ParseConstantLeaf(NodeKind::kEq, path, false, value, where));
  out->push_back(std::move(n));
  return absl::OkStatus();
}

// $eq, $ne's equality and the comparisons: the operand is kept as a Constant with its typed fast
// forms precomputed.
absl::StatusOr<NodePtr> Parser::ParseConstantLeaf(NodeKind kind, const FieldPath& path, bool self,
                                                  ValueView operand, const std::string& where) {
  RETURN_IF_ERROR(CheckOperand(operand, where));
  NodePtr n = MakeLeaf(kind, path, self);
  n->constant = Constant::Make(operand.ToValue());
  return n;
}

absl::StatusOr<NodePtr> Parser::ParseRegex(const FieldPath& path, bool self,
                                           std::string_view pattern, std::string_view options,
                                           const std::string& where) {
  absl::StatusOr<std::unique_ptr<RegexMatcher>> re = RegexMatcher::Create(pattern, options);
  if (!re.ok()) return WithWhere(re.status(), where);
  NodePtr n = MakeLeaf(NodeKind::kRegex, path, self);
  n->regex = std::move(*re);
  return n;
}

absl::Status Parser::ParseOperators(const FieldPath& path, bool self, ValueView ops,
                                    const std::string& where, size_t depth,
                                    std::vector<NodePtr>* out) {
  RETURN_IF_ERROR(CheckDepth(where, depth));
  for (const Field& f : ops.fields()) {
    ASSIGN_OR_RETURN(NodePtr n, ParseOperator(path, self, f.key, f.value, ops, where, depth));
    if (n != nullptr) out->push_back(std::move(n));
  }
  return absl::OkStatus();
}

// One operator of an operator document `ops`. Returns nullptr for operators that only qualify
// another one ($options).
absl::StatusOr<NodePtr> Parser::ParseOperator(const FieldPath& path, bool self, std::string_view op,
                                              ValueView operand, ValueView ops,
                                              const std::string& where, size_t depth) {
  if (op == "$eq") return ParseConstantLeaf(NodeKind::kEq, path, self, operand, where);
  if (op == "$ne") {
    if (operand.type() == Type::kRegex) {  // MongoDB refuses it too (SERVER-1705)
      return Error(where, "can't have a regex as the argument of $ne");
    }
    ASSIGN_OR_RETURN(NodePtr eq, ParseConstantLeaf(NodeKind::kEq, path, self, operand, where));
    return MakeNot(std::move(eq));
  }
  if (op == "$gt" || op == "$gte" || op == "$lt" || op == "$lte") {
    if (operand.type() == Type::kRegex) {
      return Error(where, fmt::format("can't have a regex as the argument of {}", op));
    }
    NodeKind kind = op == "$gt"    ? NodeKind::kGt
                    : op == "$gte" ? NodeKind::kGte
                    : op == "$lt"  ? NodeKind::kLt
                                   : NodeKind::kLte;
    return ParseConstantLeaf(kind, path, self, operand, where);
  }
  if (op == "$in") return ParseIn(path, self, op, operand, where);
  if (op == "$nin") {
    ASSIGN_OR_RETURN(NodePtr in, ParseIn(path, self, op, operand, where));
    return MakeNot(std::move(in));
  }
  if (op == "$exists") {
    NodePtr exists = MakeLeaf(NodeKind::kExists, path, self);
    if (Truthy(operand)) return exists;
    return MakeNot(std::move(exists));
  }
  if (op == "$type") return ParseType(path, self, operand, where);
  if (op == "$regex") return ParseRegexOperator(path, self, operand, ops, where);
  if (op == "$options") {
    if (!ops.Find("$regex")) return Error(where, "$options needs a $regex");
    return NodePtr();
  }
  if (op == "$mod") return ParseMod(path, self, operand, where);
  if (op == "$size") return ParseSize(path, self, operand, where);
  if (op == "$all") return ParseAll(path, self, operand, where, depth);
  if (op == "$elemMatch") return ParseElemMatch(path, self, operand, where, depth);
  if (op == "$not") return ParseNot(path, self, operand, where, depth);
  if (op == "$bitsAllSet") return ParseBits(NodeKind::kBitsAllSet, path, self, op, operand, where);
  if (op == "$bitsAnySet") return ParseBits(NodeKind::kBitsAnySet, path, self, op, operand, where);
  if (op == "$bitsAllClear") {
    return ParseBits(NodeKind::kBitsAllClear, path, self, op, operand, where);
  }
  if (op == "$bitsAnyClear") {
    return ParseBits(NodeKind::kBitsAnyClear, path, self, op, operand, where);
  }
  if (IsGeoOperator(op)) {
    return NotSupported(where, fmt::format("{} is not supported (geospatial queries)", op));
  }
  if (op == "$where") return Error(where, "$where cannot be applied to a field");
  return Error(where, fmt::format("unknown operator: {}", op));
}

// {$regex: "re" or /re/flags, $options: "flags"}: flags may come from either side, not both
// (MongoDB: "options set in both $regex and $options").
absl::StatusOr<NodePtr> Parser::ParseRegexOperator(const FieldPath& path, bool self,
                                                   ValueView operand, ValueView ops,
                                                   const std::string& where) {
  std::string_view pattern;
  std::string_view options;
  if (operand.IsString()) {
    pattern = operand.AsString();
  } else if (operand.type() == Type::kRegex) {
    pattern = operand.RegexPattern();
    options = operand.RegexFlags();
  } else {
    return Error(where, "$regex has to be a string");
  }
  if (std::optional<ValueView> o = ops.Find("$options")) {
    if (!o->IsString()) return Error(where, "$options has to be a string");
    if (o->AsString().find('y') != std::string_view::npos) {
      return Error(where, "invalid regex option \"y\" in $options, only i, m and s are supported");
    }
    if (!options.empty() && !o->AsString().empty()) {
      return Error(where, "options set in both $regex and $options");
    }
    if (options.empty()) options = o->AsString();
  }
  return ParseRegex(path, self, pattern, options, where);
}

// $in/$nin: constants and regexes; operator documents inside are refused as MongoDB does.
absl::StatusOr<NodePtr> Parser::ParseIn(const FieldPath& path, bool self, std::string_view op,
                                        ValueView operand, const std::string& where) {
  if (!operand.IsArray()) return Error(where, fmt::format("{} needs an array", op));
  auto in = std::make_unique<InSet>();
  for (ValueView e : operand.elements()) {
    if (e.type() == Type::kRegex) {
      absl::StatusOr<std::unique_ptr<RegexMatcher>> re =
          RegexMatcher::Create(e.RegexPattern(), e.RegexFlags());
      if (!re.ok()) return WithWhere(re.status(), where);
      in->regexes.push_back(std::move(*re));
      continue;
    }
    if (e.IsObject() && !e.empty() && StartsWithDollar(e.fields().begin()->key)) {
      return Error(where, fmt::format("cannot nest $ under {}", op));
    }
    RETURN_IF_ERROR(CheckOperand(e, where));
    if (e.IsNull()) in->has_null = true;  // like {$eq: null}, also matches a missing field
    in->constants.push_back(Constant::Make(e.ToValue()));
  }
  if (in->constants.empty() && in->regexes.empty()) return MakeConstant(false);
  // A short list is faster to scan with the typed comparisons than to hash a value against.
  if (in->constants.size() > InSet::kHashThreshold) {
    for (const Constant& c : in->constants) in->hashed.insert(c.value);
  }
  NodePtr n = MakeLeaf(NodeKind::kIn, path, self);
  n->in = std::move(in);
  return n;
}

absl::StatusOr<NodePtr> Parser::ParseType(const FieldPath& path, bool self, ValueView operand,
                                          const std::string& where) {
  absl::StatusOr<uint32_t> mask = ParseTypeOperand(operand);
  if (!mask.ok()) return WithWhere(mask.status(), where);
  NodePtr n = MakeLeaf(NodeKind::kType, path, self);
  n->type_mask = *mask;
  return n;
}

absl::StatusOr<NodePtr> Parser::ParseMod(const FieldPath& path, bool self, ValueView operand,
                                         const std::string& where) {
  NodePtr n = MakeLeaf(NodeKind::kMod, path, self);
  absl::Status s = ParseModOperand(operand, &n->divisor, &n->remainder);
  if (!s.ok()) return WithWhere(s, where);
  return n;
}

absl::StatusOr<NodePtr> Parser::ParseSize(const FieldPath& path, bool self, ValueView operand,
                                          const std::string& where) {
  absl::StatusOr<uint32_t> size = ParseSizeOperand(operand);
  if (!size.ok()) return WithWhere(size.status(), where);
  NodePtr n = MakeLeaf(NodeKind::kSize, path, self);
  n->size = *size;
  return n;
}

absl::StatusOr<NodePtr> Parser::ParseBits(NodeKind kind, const FieldPath& path, bool self,
                                          std::string_view op, ValueView operand,
                                          const std::string& where) {
  absl::StatusOr<BitMask> mask = ParseBitsOperand(op, operand);
  if (!mask.ok()) return WithWhere(mask.status(), where);
  NodePtr n = MakeLeaf(kind, path, self);
  n->bits = *std::move(mask);
  return n;
}

// $all: the AND of equalities (or regex matches) with each value, which may match different
// elements; or, when its first element is an $elemMatch, the AND of $elemMatch clauses.
// $all: [] matches nothing (MongoDB).
absl::StatusOr<NodePtr> Parser::ParseAll(const FieldPath& path, bool self, ValueView operand,
                                         const std::string& where, size_t depth) {
  if (!operand.IsArray()) return Error(where, "$all needs an array");
  if (operand.empty()) return MakeConstant(false);
  auto is_elem_match = [](ValueView e) {
    return e.IsObject() && !e.empty() && e.fields().begin()->key == "$elemMatch";
  };
  std::vector<NodePtr> clauses;
  if (is_elem_match(*operand.At(0))) {
    for (ValueView e : operand.elements()) {
      if (!is_elem_match(e)) return Error(where, "$all/$elemMatch has to be consistent");
      ASSIGN_OR_RETURN(NodePtr n,
                       ParseElemMatch(path, self, e.fields().begin()->value, where, depth));
      clauses.push_back(std::move(n));
    }
    return MakeLogical(NodeKind::kAnd, std::move(clauses));
  }
  for (ValueView e : operand.elements()) {
    if (e.type() == Type::kRegex) {
      ASSIGN_OR_RETURN(NodePtr n, ParseRegex(path, self, e.RegexPattern(), e.RegexFlags(), where));
      clauses.push_back(std::move(n));
    } else if (e.IsObject() && !e.empty() && StartsWithDollar(e.fields().begin()->key)) {
      return Error(where, "no $ expressions in $all");
    } else {
      ASSIGN_OR_RETURN(NodePtr n, ParseConstantLeaf(NodeKind::kEq, path, self, e, where));
      clauses.push_back(std::move(n));
    }
  }
  return MakeLogical(NodeKind::kAnd, std::move(clauses));
}

absl::StatusOr<NodePtr> Parser::ParseElemMatch(const FieldPath& path, bool self, ValueView operand,
                                               const std::string& where, size_t depth) {
  if (!operand.IsObject()) return Error(where, "$elemMatch needs an object");
  // The value form ({$gt: 1, $lt: 5}) applies operators to each element; the document form
  // ({a: 1}, {$or: [...]}) matches each element as a document. MongoDB decides by the first key.
  bool value_form = !operand.empty() && StartsWithDollar(operand.fields().begin()->key) &&
                    !IsDocumentOperator(operand.fields().begin()->key);
  if (value_form) {
    ASSIGN_OR_RETURN(bool operators, IsOperatorDocument(operand, where));
    (void)operators;
    NodePtr n = MakeLeaf(NodeKind::kElemMatchValue, path, self);
    RETURN_IF_ERROR(
        ParseOperators(FieldPath(), /*self=*/true, operand, where, depth + 1, &n->children));
    return n;
  }
  ASSIGN_OR_RETURN(NodePtr doc, ParseDocument(operand, where, depth + 1));
  NodePtr n = MakeLeaf(NodeKind::kElemMatchObject, path, self);
  n->children.push_back(std::move(doc));
  return n;
}

// $not: the negation of a regex or of an operator document as a whole (so over the whole
// expansion of the path: {$not: {$gt: 5}} matches missing fields and non-numbers).
absl::StatusOr<NodePtr> Parser::ParseNot(const FieldPath& path, bool self, ValueView operand,
                                         const std::string& where, size_t depth) {
  if (operand.type() == Type::kRegex) {
    ASSIGN_OR_RETURN(NodePtr re,
                     ParseRegex(path, self, operand.RegexPattern(), operand.RegexFlags(), where));
    return MakeNot(std::move(re));
  }
  if (!operand.IsObject()) return Error(where, "$not needs a regex or a document");
  if (operand.empty()) return Error(where, "$not cannot be empty");
  ASSIGN_OR_RETURN(bool operators, IsOperatorDocument(operand, where));
  if (!operators) {
    return Error(where, fmt::format("unknown operator: {}", operand.fields().begin()->key));
  }
  std::vector<NodePtr> ops;
  RETURN_IF_ERROR(ParseOperators(path, self, operand, where, depth + 1, &ops));
  return MakeNot(FuseSamePath(MakeLogical(NodeKind::kAnd, std::move(ops)), path));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Node>> ParseDocumentSelector(ValueView selector) {
  Parser parser;
  return parser.ParseDocument(selector, std::string(), 1);
}

// The three forms of MongoDB's $pull condition (its PullNode): operator documents and regexes
// match the element as the field "" of a document, other objects are document selectors on
// object elements, and everything else is exact equality.
absl::StatusOr<ValueCondition> ParseValueCondition(ValueView condition) {
  Parser parser;
  ValueCondition result;
  const std::string where;
  if (condition.type() == Type::kRegex) {
    ASSIGN_OR_RETURN(result.root, parser.ParseRegex(FieldPath(), false, condition.RegexPattern(),
                                                    condition.RegexFlags(), where));
    return result;
  }
  if (condition.IsObject()) {
    bool operators = !condition.empty() && StartsWithDollar(condition.fields().begin()->key) &&
                     !IsDocumentOperator(condition.fields().begin()->key);
    if (operators) {
      ASSIGN_OR_RETURN(bool checked, IsOperatorDocument(condition, where));
      (void)checked;
      std::vector<NodePtr> ops;
      RETURN_IF_ERROR(parser.ParseOperators(FieldPath(), false, condition, where, 1, &ops));
      result.root = FuseSamePath(MakeLogical(NodeKind::kAnd, std::move(ops)), FieldPath());
      return result;
    }
    ASSIGN_OR_RETURN(result.root, parser.ParseDocument(condition, where, 1));
    result.requires_object = true;
    return result;
  }
  ASSIGN_OR_RETURN(result.root, parser.ParseConstantLeaf(NodeKind::kEq, FieldPath(), /*self=*/true,
                                                         condition, where));
  return result;
}

}  // namespace minimongo::query::internal
