#include "query/selector.h"

#include <string>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "fmt/format.h"
#include "query/internal/path_walker.h"
#include "query/internal/selector_eval.h"
#include "query/internal/selector_parser.h"
#include "query/internal/selector_tree.h"
#include "query/internal/status_macros.h"
#include "query/value_order.h"

namespace minimongo::query {
namespace {

using internal::Node;
using internal::NodeKind;
using ValueSet = absl::flat_hash_set<Value, ValueHash, ValueEq>;

// The analyses below read the tree the parser simplified: nested $and are flattened, one-clause
// $and/$or are their clause, and trivially true/false clauses are folded away.

bool IsIdLeaf(const Node& n) {
  return !n.self && n.path.size() == 1 && n.path.component(0) == "_id";
}

std::vector<Value> Distinct(std::vector<Value> values) {
  ValueSet seen;
  std::vector<Value> out;
  for (Value& v : values) {
    if (seen.insert(v).second) out.push_back(std::move(v));
  }
  return out;
}

// The _id values `n` restricts matches to (see Selector::id_values). Recursion follows the
// tree, whose depth the parser bounds.
std::optional<std::vector<Value>> IdValues(const Node& n) {
  switch (n.kind) {
    case NodeKind::kFalse:
      return std::vector<Value>();
    case NodeKind::kEq:
      if (!IsIdLeaf(n)) return std::nullopt;
      return std::vector<Value>{n.constant.value};
    case NodeKind::kIn: {
      if (!IsIdLeaf(n) || !n.in->regexes.empty()) return std::nullopt;
      std::vector<Value> values;
      for (const internal::Constant& c : n.in->constants) values.push_back(c.value);
      return Distinct(std::move(values));
    }
    case NodeKind::kAnd:
    case NodeKind::kPathAnd: {
      std::optional<std::vector<Value>> result;
      for (const auto& child : n.children) {
        std::optional<std::vector<Value>> r = IdValues(*child);
        if (!r) continue;
        if (!result) {
          result = std::move(r);
          continue;
        }
        ValueSet other(r->begin(), r->end());
        std::vector<Value> both;
        for (Value& v : *result) {
          if (other.contains(v)) both.push_back(std::move(v));
        }
        result = std::move(both);
      }
      return result;
    }
    case NodeKind::kOr: {
      // Every clause must restrict _id for the union to be a restriction.
      std::vector<Value> all;
      for (const auto& child : n.children) {
        std::optional<std::vector<Value>> r = IdValues(*child);
        if (!r) return std::nullopt;
        for (Value& v : *r) all.push_back(std::move(v));
      }
      return Distinct(std::move(all));
    }
    default:
      return std::nullopt;
  }
}

// Only clauses of the top-level AND are requirements: anything under $or, $nor or $not is not.
void CollectEqualities(const Node& n,
                       std::vector<std::pair<std::string, std::vector<Value>>>* out) {
  if (n.kind == NodeKind::kAnd || n.kind == NodeKind::kPathAnd) {
    for (const auto& child : n.children) CollectEqualities(*child, out);
    return;
  }
  if (n.self || n.path.empty()) return;
  if (n.kind == NodeKind::kEq && n.constant.shape != internal::Constant::Shape::kNull) {
    out->emplace_back(n.path.dotted(), std::vector<Value>{n.constant.value});
  } else if (n.kind == NodeKind::kIn && n.in->regexes.empty() && !n.in->has_null) {
    std::vector<Value> values;
    for (const internal::Constant& c : n.in->constants) values.push_back(c.value);
    out->emplace_back(n.path.dotted(), Distinct(std::move(values)));
  }
}

void CollectPaths(const Node& n, std::vector<std::string>* out,
                  absl::flat_hash_set<std::string>* seen) {
  if (internal::IsLeaf(n.kind)) {
    if (!n.self && !n.path.empty() && seen->insert(n.path.dotted()).second) {
      out->push_back(n.path.dotted());
    }
    // Paths inside $elemMatch are relative to the elements: the array's path covers them.
    if (n.kind == NodeKind::kElemMatchObject || n.kind == NodeKind::kElemMatchValue) return;
  }
  for (const auto& child : n.children) CollectPaths(*child, out, seen);
}

}  // namespace

Selector::Selector() = default;
Selector::Selector(Selector&&) noexcept = default;
Selector& Selector::operator=(Selector&&) noexcept = default;
Selector::~Selector() = default;

absl::StatusOr<Selector> Selector::Compile(ValueView selector) {
  Selector result;
  switch (selector.type()) {
    case Type::kNull:
      result.root_ = std::make_unique<Node>();  // kTrue
      break;
    case Type::kObject: {
      ASSIGN_OR_RETURN(result.root_, internal::ParseDocumentSelector(selector));
      break;
    }
    case Type::kString:
    case Type::kInt32:
    case Type::kInt64:
    case Type::kDouble:
    case Type::kObjectId: {
      // Meteor's shorthand for {_id: value}.
      ValueBuilder b;
      b.BeginObject();
      b.Key("_id");
      b.Append(selector);
      bool unique = b.EndObject();
      (void)unique;  // one key
      Value wrapped = b.Finish();
      ASSIGN_OR_RETURN(result.root_, internal::ParseDocumentSelector(wrapped.view()));
      break;
    }
    default:
      return absl::InvalidArgumentError(fmt::format(
          "selector: must be a document, an _id (string, number or ObjectId) or null, not {}",
          TypeName(selector.type())));
  }
  const Node& root = *result.root_;
  result.matches_everything_ = root.kind == NodeKind::kTrue;
  result.id_values_ = IdValues(root);
  CollectEqualities(root, &result.equality_constants_);
  absl::flat_hash_set<std::string> seen;
  CollectPaths(root, &result.paths_, &seen);
  return result;
}

absl::StatusOr<Selector> Selector::CompileValueCondition(ValueView condition) {
  ASSIGN_OR_RETURN(internal::ValueCondition parsed, internal::ParseValueCondition(condition));
  Selector result;
  result.root_ = std::move(parsed.root);
  result.requires_object_ = parsed.requires_object;
  result.matches_everything_ = !result.requires_object_ && result.root_->kind == NodeKind::kTrue;
  return result;
}

namespace {

bool MatchesView(const Node& root, bool requires_object, const ValueView& doc,
                 MatchDetails* details) {
  if (details == nullptr) {
    if (requires_object && !doc.IsObject()) return false;
    return internal::Evaluate(root, doc, nullptr);
  }
  details->array_index.reset();
  if (requires_object && !doc.IsObject()) return false;
  size_t index = internal::kNoArrayIndex;
  bool matched = internal::Evaluate(root, doc, &index);
  if (matched && index != internal::kNoArrayIndex) details->array_index = index;
  return matched;
}

}  // namespace

bool Selector::Matches(ValueView doc) const {
  return MatchesView(*root_, requires_object_, doc, nullptr);
}

bool Selector::Matches(ValueView doc, MatchDetails* details) const {
  return MatchesView(*root_, requires_object_, doc, details);
}

bool Selector::Matches(const Value& doc) const {
  const ValueView view = doc.view();  // built in place: no copy
  return MatchesView(*root_, requires_object_, view, nullptr);
}

bool Selector::Matches(const Value& doc, MatchDetails* details) const {
  const ValueView view = doc.view();
  return MatchesView(*root_, requires_object_, view, details);
}

}  // namespace minimongo::query
