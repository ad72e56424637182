#include "query/modifier.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "fmt/format.h"
#include "query/internal/modifier_apply.h"
#include "query/internal/modifier_fast_path.h"
#include "query/internal/modifier_op.h"
#include "query/internal/modifier_path.h"
#include "query/internal/modifier_util.h"
#include "query/internal/mutable_value.h"
#include "query/internal/status_macros.h"
#include "query/limits.h"
#include "query/value_order.h"
#include "query/value_splice.h"

namespace minimongo::query {

using internal::ApplyEnv;
using internal::CompiledArrayFilter;
using internal::FastPlan;
using internal::ModOp;
using internal::MutableValue;
using internal::OpKind;
using internal::PathPart;
using internal::UpdatePath;

// Compile() does all checking and sorting; Apply() only walks. The ops are kept in MongoDB
// 5.0's application order, so applying them one after the other to an editable tree yields the
// document MongoDB's update tree would (paths of one modifier never overlap, so the order only
// decides where new fields are appended and how arrays are padded).
struct Modifier::Impl {
  bool replacement = false;
  Value replacement_doc;

  std::vector<ModOp> ops;  // in application order
  std::vector<CompiledArrayFilter> filters;
  std::unique_ptr<FastPlan> fast;
  bool has_array_updates = false;  // `$`, `$[]` or `$[ident]` somewhere
  bool touches_id = false;         // some path starts at `_id`
  bool needs_depth_check = false;  // the result might nest deeper than kMaxDepth
  bool has_current_date = false;

  std::vector<std::string> paths;

  absl::StatusOr<Value> ApplyOperators(ValueView doc, const ApplyContext& context) const;
  absl::StatusOr<Value> ApplyReplacement(ValueView doc) const;
};

namespace {

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

std::string UnknownModifier(std::string_view name) {
  return fmt::format(
      "Unknown modifier: {}. Expected a valid update modifier or pipeline-style update "
      "specified as an array",
      name);
}

// Detects paths of one modifier that overlap: equal, or one a prefix of the other. The wording
// follows MongoDB, which reports the path being added and where it meets an earlier one.
class ConflictTrie {
 public:
  absl::Status Add(const UpdatePath& path, std::string_view text) {
    Node* node = &root_;
    for (size_t i = 0; i < path.size(); ++i) {
      if (node->terminal) {
        return Invalid(fmt::format("Updating the path '{}' would create a conflict at '{}'", text,
                                   internal::JoinPath(path, i)));
      }
      std::unique_ptr<Node>& child = node->children[internal::JoinPath({path[i]}, 1)];
      if (child == nullptr) child = std::make_unique<Node>();
      node = child.get();
    }
    if (node->terminal || !node->children.empty()) {
      return Invalid(
          fmt::format("Updating the path '{}' would create a conflict at '{}'", text, text));
    }
    node->terminal = true;
    return absl::OkStatus();
  }

 private:
  struct Node {
    std::map<std::string, std::unique_ptr<Node>> children;
    bool terminal = false;
  };
  Node root_;
};

bool IsValidIdentifier(std::string_view ident) {
  if (ident.empty() || ident[0] < 'a' || ident[0] > 'z') return false;
  for (char c : ident) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) return false;
  }
  return true;
}

// The identifier a filter document is about: the part before the first '.' of its top-level
// keys, looking through $and/$or/$nor clauses.
absl::StatusOr<std::string> FilterIdentifier(ValueView filter) {
  std::optional<std::string> ident;
  struct Frame {
    ValueView doc;
    size_t depth;
  };
  std::vector<Frame> stack{{filter, 0}};
  while (!stack.empty()) {
    Frame f = stack.back();
    stack.pop_back();
    if (f.depth > kMaxExpressionDepth) {
      return Invalid(fmt::format("array filter nests deeper than {} levels", kMaxExpressionDepth));
    }
    for (const Field& field : f.doc.fields()) {
      if (!field.key.empty() && field.key[0] == '$') {
        if (field.key == "$and" || field.key == "$or" || field.key == "$nor") {
          for (ValueView clause : field.value.elements()) {
            if (clause.IsObject()) stack.push_back(Frame{clause, f.depth + 1});
          }
        }
        continue;  // other operators: the selector compiler judges them
      }
      std::string name(field.key.substr(0, field.key.find('.')));
      if (ident.has_value() && *ident != name) {
        return Invalid(fmt::format(
            "Error parsing array filter :: caused by :: Expected a single top-level field name, "
            "found '{}' and '{}'",
            *ident, name));
      }
      ident = std::move(name);
    }
  }
  if (!ident.has_value()) {
    return Invalid("Cannot use an expression without a top-level field name in arrayFilters");
  }
  if (!IsValidIdentifier(*ident)) {
    return Invalid(fmt::format(
        "Error parsing array filter :: caused by :: The top-level field name must be an "
        "alphanumeric string beginning with a lowercase letter, found '{}'",
        *ident));
  }
  return *ident;
}

absl::StatusOr<std::vector<CompiledArrayFilter>> CompileArrayFilters(
    const std::vector<Value>& filters) {
  std::vector<CompiledArrayFilter> out;
  for (const Value& filter : filters) {
    if (!filter.IsObject()) {
      return Invalid(
          fmt::format("an array filter must be a document, not {}", TypeName(filter.type())));
    }
    ASSIGN_OR_RETURN(std::string ident, FilterIdentifier(filter.view()));
    for (const CompiledArrayFilter& f : out) {
      if (f.identifier == ident) {
        return Invalid(fmt::format(
            "Found multiple array filters with the same top-level field name {}", ident));
      }
    }
    ASSIGN_OR_RETURN(Selector selector, Selector::Compile(filter.view()));
    out.push_back(CompiledArrayFilter{std::move(ident),
                                      std::make_shared<const Selector>(std::move(selector))});
  }
  return out;
}

// The routing path of an update path: cut before its first positional part, because which
// element `$`/`$[]`/`$[ident]` reach is only known per document.
std::string RoutingPath(const UpdatePath& path) {
  size_t n = 0;
  while (n < path.size() && !path[n].is_array_update()) ++n;
  return internal::JoinPath(path, n);
}

int64_t SystemMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

absl::StatusOr<Modifier> Modifier::Compile(ValueView modifier, const ModifierOptions& options) {
  if (!modifier.IsObject()) {
    return Invalid(fmt::format("modifier must be a document, not {}", TypeName(modifier.type())));
  }
  auto impl = std::make_unique<Impl>();
  ASSIGN_OR_RETURN(impl->filters, CompileArrayFilters(options.array_filters));
  std::vector<bool> filter_used(impl->filters.size(), false);

  // MongoDB decides by the first key: '$' means an operator document (and then every key must
  // be an operator), anything else a replacement (and then no key may be an operator).
  bool operators = !modifier.empty() && modifier.fields().begin()->key.substr(0, 1) == "$";
  if (!operators) {
    // A replacement document.
    for (const Field& f : modifier.fields()) {
      if (!f.key.empty() && f.key[0] == '$') {
        return Invalid(fmt::format(
            "The dollar ($) prefixed field '{}' in '{}' is not valid for storage.", f.key, f.key));
      }
    }
    RETURN_IF_ERROR(internal::CheckStorable(modifier, ""));
    if (internal::ValueDepth(modifier) > kMaxDepth) {
      return Invalid(fmt::format("replacement document nests deeper than {} levels", kMaxDepth));
    }
    if (std::optional<ValueView> id = modifier.Find("_id"); id && id->IsArray()) {
      return Invalid("The '_id' value cannot be of type array");
    }
    impl->replacement = true;
    impl->replacement_doc = modifier.ToValue();
    for (const Field& f : modifier.fields()) {
      if (f.key != "_id") impl->paths.emplace_back(f.key);
    }
  } else {
    ConflictTrie conflicts;
    for (const Field& group : modifier.fields()) {
      if (group.key.empty() || group.key[0] != '$') return Invalid(UnknownModifier(group.key));
      std::optional<OpKind> kind = internal::OpKindFromName(group.key);
      if (!kind.has_value()) return Invalid(UnknownModifier(group.key));
      // MongoDB rejects a non-document argument; Meteor (and the conformance corpus) ignore
      // one, except null, which both reject.
      if (group.value.IsNull()) {
        return Invalid(fmt::format(
            "Modifiers operate on fields but we found type null instead. For example: "
            "{{$mod: {{<field>: ...}}}} not {{{}: null}}",
            group.key));
      }
      if (!group.value.IsObject()) continue;
      for (const Field& f : group.value.fields()) {
        ASSIGN_OR_RETURN(ModOp op, internal::CompileModOp(*kind, f.key, f.value));
        for (PathPart& part : op.path) {
          if (part.kind != PathPart::Kind::kFiltered) continue;
          auto it = std::find_if(
              impl->filters.begin(), impl->filters.end(),
              [&](const CompiledArrayFilter& cf) { return cf.identifier == part.name; });
          if (it == impl->filters.end()) {
            return Invalid(fmt::format("No array filter found for identifier '{}' in path '{}'",
                                       part.name, op.path_text));
          }
          part.filter = static_cast<size_t>(it - impl->filters.begin());
          filter_used[part.filter] = true;
        }
        // Conflicts are checked in document order, which is what MongoDB's messages name (the
        // path being added, and where it meets an earlier one). $rename occupies both paths.
        if (*kind == OpKind::kRename) {
          RETURN_IF_ERROR(conflicts.Add(op.from, op.from_text));
          impl->paths.push_back(op.from_text);
        }
        RETURN_IF_ERROR(conflicts.Add(op.path, op.path_text));
        impl->paths.push_back(RoutingPath(op.path));
        impl->ops.push_back(std::move(op));
      }
    }
    // Stable: equal paths cannot occur (conflicts), but keep the sort deterministic anyway.
    std::stable_sort(impl->ops.begin(), impl->ops.end(), [](const ModOp& a, const ModOp& b) {
      return internal::CompareUpdatePaths(a.path, b.path) < 0;
    });
    // Input documents nest at most kMaxDepth levels (the codec and store enforce it), so a
    // result can only be deeper when a path plus the value it writes is; only then is the
    // result measured. $rename moves a subtree of unknown depth to a deeper place.
    for (const ModOp& op : impl->ops) {
      if (internal::HasArrayUpdate(op.path)) impl->has_array_updates = true;
      if (op.path[0].name == "_id") impl->touches_id = true;
      if (op.kind == OpKind::kCurrentDate) impl->has_current_date = true;
      if (op.kind == OpKind::kRename) {
        if (op.path.size() > op.from.size()) impl->needs_depth_check = true;
      } else if (op.path.size() + op.value_depth > kMaxDepth) {
        impl->needs_depth_check = true;
      }
    }
    if (!impl->needs_depth_check) impl->fast = FastPlan::Build(impl->ops);
  }
  for (size_t i = 0; i < filter_used.size(); ++i) {
    if (!filter_used[i]) {
      return Invalid(
          fmt::format("The array filter for identifier '{}' was not used in the update {}",
                      impl->filters[i].identifier, internal::ShortEjson(modifier)));
    }
  }
  std::sort(impl->paths.begin(), impl->paths.end());
  impl->paths.erase(std::unique(impl->paths.begin(), impl->paths.end()), impl->paths.end());
  return Modifier(std::move(impl));
}

Modifier::Modifier(std::unique_ptr<const Impl> impl) : impl_(std::move(impl)) {}
Modifier::Modifier(Modifier&&) noexcept = default;
Modifier& Modifier::operator=(Modifier&&) noexcept = default;
Modifier::~Modifier() = default;

bool Modifier::is_replacement() const { return impl_->replacement; }

const std::vector<std::string>& Modifier::paths() const { return impl_->paths; }

absl::StatusOr<Value> Modifier::Apply(ValueView doc, const ApplyContext& context) const {
  if (!doc.IsObject()) {
    return Invalid(fmt::format("update target must be a document, not {}", TypeName(doc.type())));
  }
  if (impl_->replacement) return impl_->ApplyReplacement(doc);
  // The fast path ignores the context: $set/$unset/$inc do not depend on it.
  if (impl_->fast != nullptr) {
    std::optional<Value> result = impl_->fast->Apply(doc);
    if (result.has_value()) return *std::move(result);
  }
  return impl_->ApplyOperators(doc, context);
}

absl::StatusOr<Value> Modifier::Impl::ApplyOperators(ValueView doc,
                                                     const ApplyContext& context) const {
  MutableValue root = MutableValue::FromValue(doc);
  std::vector<std::vector<std::string>> written;
  ApplyEnv env;
  env.doc = doc;
  if (context.match != nullptr) env.matched_index = context.match->array_index;
  env.now_millis = context.now_millis;
  if (has_current_date && env.now_millis == 0) env.now_millis = SystemMillis();
  env.filters = &filters;
  if (has_array_updates) env.written = &written;

  for (const ModOp& op : ops) {
    if (op.kind == OpKind::kSetOnInsert && !context.is_upsert_insert) continue;
    RETURN_IF_ERROR(internal::ApplyModOp(op, &root, env));
  }
  // Two array-update paths ("a.$[]" and "a.0") may reach the same element only per document.
  if (has_array_updates) RETURN_IF_ERROR(internal::CheckWrittenPaths(&written));

  // `_id` is immutable: compared after the fact (MongoDB allows setting it to its current
  // value). Same type is required too: 1 -> 1.0 would change the stored bytes.
  if (touches_id) {
    std::optional<ValueView> old_id = doc.Find("_id");
    MutableValue* new_id = root.FindField("_id");
    if (old_id.has_value()) {
      if (new_id == nullptr || new_id->type() != old_id->type() ||
          !ValuesEqual(new_id->ToValue().view(), *old_id)) {
        return Invalid(
            "Performing an update on the path '_id' would modify the immutable field '_id'");
      }
    } else if (new_id != nullptr) {
      if (new_id->IsArray()) return Invalid("The '_id' value cannot be of type array");
      // MongoDB stores `_id` first in an inserted document.
      std::vector<MutableValue::Member>& fields = root.Fields();
      auto it = std::find_if(fields.begin(), fields.end(),
                             [](const MutableValue::Member& m) { return m.key == "_id"; });
      std::rotate(fields.begin(), it, it + 1);
    }
  }
  Value result = root.ToValue();
  if (needs_depth_check && internal::ValueDepth(result.view()) > kMaxDepth) {
    return Invalid(fmt::format("the updated document nests deeper than {} levels", kMaxDepth));
  }
  return result;
}

absl::StatusOr<Value> Modifier::Impl::ApplyReplacement(ValueView doc) const {
  std::optional<ValueView> old_id = doc.Find("_id");
  std::optional<ValueView> new_id = replacement_doc.view().Find("_id");
  if (old_id.has_value() && new_id.has_value() &&
      (old_id->type() != new_id->type() || !ValuesEqual(*old_id, *new_id))) {
    return Invalid(fmt::format(
        "After applying the update, the (immutable) field '_id' was found to have been altered "
        "to _id: {}",
        internal::ShortEjson(*new_id)));
  }
  ValueBuilder b;
  b.BeginObject();
  if (old_id.has_value() || new_id.has_value()) {
    b.Key("_id");
    b.Append(old_id.has_value() ? *old_id : *new_id);
  }
  for (const Field& f : replacement_doc.view().fields()) {
    if (f.key == "_id") continue;
    b.Key(f.key);
    b.Append(f.value);
  }
  bool unique = b.EndObject();
  (void)unique;  // the replacement's keys are unique and `_id` is written once
  return b.Finish();
}

// ---------------------------------------------------------------------------------------------
// DirectModifier: the same rules as Compile for the subset it accepts, and the same output as
// the compiled fast path (FastPlan), read straight from the modifier's bytes.

namespace {

// CheckStorable's rule (no key starting with '$' or containing '.') as a yes/no answer, within
// `depth_left` levels of nesting. Recursion is bounded by DirectModifier::kMaxValueDepth.
bool StorableWithin(ValueView v, size_t depth_left) {
  if (!v.IsObject() && !v.IsArray()) return true;
  if (depth_left == 0) return false;
  if (v.IsObject()) {
    const ObjectRange fields = v.fields();
    for (ObjectIterator it = fields.begin(); it != fields.end(); ++it) {
      if (!it.KeyIsStorable()) return false;  // StorableName, without decoding the name
      if (!StorableWithin(it.value(), depth_left - 1)) return false;
    }
  } else {
    for (ValueView e : v.elements()) {
      if (!StorableWithin(e, depth_left - 1)) return false;
    }
  }
  return true;
}

}  // namespace

bool DirectModifier::Parse(ValueView modifier) {
  static const FieldKey kRootKey{std::string_view()};
  InitNode(0, kRootKey);
  node_count_ = 1;
  // An empty document is a replacement; Compile decides the rest by the first key, and every
  // key must then be an operator: accepting only these three keeps both rules.
  if (!modifier.IsObject() || modifier.empty()) return false;
  static const FieldKey kSetKey("$set"), kUnsetKey("$unset"), kIncKey("$inc"), kIdKey("_id");
  const ObjectRange groups = modifier.fields();
  for (ObjectIterator group = groups.begin(), end = groups.end(); group != end; ++group) {
    Kind kind;
    if (group.KeyIs(kSetKey)) {
      kind = Kind::kSet;
    } else if (group.KeyIs(kUnsetKey)) {
      kind = Kind::kUnset;
    } else if (group.KeyIs(kIncKey)) {
      kind = Kind::kInc;
    } else {
      return false;
    }
    // Compile skips a non-document argument; declining keeps this path simple.
    const ValueView paths = group.value();
    if (!paths.IsObject()) return false;
    const ObjectRange fields = paths.fields();
    for (ObjectIterator f = fields.begin(), fields_end = fields.end(); f != fields_end; ++f) {
      const ValueView operand = f.value();
      if (kind == Kind::kSet && !StorableWithin(operand, kMaxValueDepth)) return false;
      if (kind == Kind::kInc && (!operand.IsNumber() || operand.type() == Type::kDecimal128)) {
        return false;
      }
      // A plain name other than `_id` is a one-part path: no split, no checks of its parts.
      const bool one_part = f.KeyIsPlainFieldName() && !f.KeyIs(kIdKey);
      if (!AddPath(kind, f.key(), operand, one_part)) return false;
    }
  }
  return true;
}

// Splits `path` as ParseUpdatePath does and inserts it into the trie; a path that meets an
// existing leaf, or ends on an existing node, conflicts (ConflictTrie's rule).
bool DirectModifier::AddPath(Kind kind, const FieldKey& path_key, ValueView operand,
                             bool one_plain_part) {
  const std::string_view path = path_key.name();
  int parent = 0;
  size_t start = 0;
  for (size_t depth = 1;; ++depth) {
    if (depth > kMaxParts) return false;
    size_t dot = std::string_view::npos;
    std::string_view part = path;
    if (!one_plain_part) {
      dot = path.find('.', start);
      part = path.substr(start, dot == std::string_view::npos ? std::string_view::npos
                                                               : dot - start);
      // Empty, '$' (positional or invalid) and array-index parts are the compiler's business.
      if (part.empty() || part[0] == '$' || internal::ParseArrayIndex(part).has_value()) {
        return false;
      }
      if (parent == 0 && part == "_id") return false;  // the immutability check
    }
    const bool last = dot == std::string_view::npos;
    // Siblings are kept sorted by name: the application order of plain names (byte order).
    int8_t* link = &node(parent).first_child;
    while (*link >= 0 && node(*link).key.name().compare(part) < 0) link = &node(*link).next;
    int child = *link;
    if (child >= 0 && node(child).key.name() == part) {
      if (last || node(child).kind != Kind::kInner) return false;  // conflict
    } else {
      if (node_count_ == kMaxNodes) return false;
      child = static_cast<int>(node_count_++);
      // A one-part path is its own key: the stored code, no dictionary lookup.
      Node& n = InitNode(child, start == 0 && last ? path_key : FieldKey(part));
      n.next = *link;
      *link = static_cast<int8_t>(child);
      if (last) {
        n.kind = kind;
        n.operand = operand;
      }
    }
    if (kind != Kind::kUnset) node(child).creates = true;
    if (last) return true;
    parent = child;
    start = dot + 1;
  }
}

DirectModifier::Node& DirectModifier::InitNode(size_t i, const FieldKey& key) {
  Node* n = new (&slots_[i].node) Node{key, ValueView(), -1, -1, Kind::kInner, false};
  return *n;
}

int DirectModifier::FindChild(int parent, const ObjectIterator& field) const {
  for (int c = node(parent).first_child; c >= 0; c = node(c).next) {
    if (field.KeyIs(node(c).key)) return c;
  }
  return -1;
}

// A subtree whose object is missing from the document: only its creating leaves write.
void DirectModifier::EmitMissing(ValueBuilder* b, int parent) const {
  b->BeginObject();
  for (int c = node(parent).first_child; c >= 0; c = node(c).next) {
    const Node& n = node(c);
    if (!n.creates) continue;
    b->Key(n.key);
    if (n.kind == Kind::kInner) {
      EmitMissing(b, c);
    } else {
      b->Append(n.operand);  // the $set value, or the $inc amount on a missing field
    }
  }
  b->EndObjectWithUniqueKeys();  // sibling names are distinct
}

// FastPlan::Emit's algorithm: one pass over `object`, untouched runs copied as blocks, targets
// rewritten in place, missing creating children appended in application order.
bool DirectModifier::Emit(ValueBuilder* b, ValueView object, int parent, uint64_t* seen) const {
  b->BeginObject();
  ObjectRange fields = object.fields();
  ObjectIterator run = fields.begin();
  for (ObjectIterator it = fields.begin(); it != fields.end(); ++it) {
    int c = FindChild(parent, it);
    if (c < 0) continue;
    const ValueView value = it.value();  // only for the fields the plan touches
    b->AppendFields(run, it);
    run = it;
    ++run;
    *seen |= uint64_t{1} << c;
    const Node& n = node(c);
    switch (n.kind) {
      case Kind::kInner:
        if (!value.IsObject()) return false;  // arrays and scalars: general path
        b->Key(n.key);
        if (!Emit(b, value, c, seen)) return false;
        break;
      case Kind::kSet:
        b->Key(n.key);
        b->Append(n.operand);
        break;
      case Kind::kUnset:
        break;
      case Kind::kInc: {
        if (!value.IsNumber() || value.type() == Type::kDecimal128) return false;
        std::optional<Value> sum = internal::AddNumbers(value, n.operand);
        if (!sum.has_value()) return false;  // int64 overflow: the general path's error
        b->Key(n.key);
        b->Append(sum->view());
        break;
      }
    }
  }
  b->AppendFields(run, fields.end());
  for (int c = node(parent).first_child; c >= 0; c = node(c).next) {
    const Node& n = node(c);
    if ((*seen & (uint64_t{1} << c)) != 0 || !n.creates) continue;
    b->Key(n.key);
    if (n.kind == Kind::kInner) {
      EmitMissing(b, c);
    } else {
      b->Append(n.operand);
    }
  }
  // The document's keys are unique and each plan child is written once, in place of its field
  // or after the copied ones when the field is missing.
  b->EndObjectWithUniqueKeys();
  return true;
}

// At most one header edit per plan node and two edits (type byte, payload) per leaf.
struct DirectModifier::EditList {
  static constexpr size_t kCapacity = 2 * kMaxNodes;
  ByteEdit* Add() { return count < kCapacity ? &edits[count++] : nullptr; }
  std::span<const ByteEdit> view() const { return std::span<const ByteEdit>(edits, count); }
  size_t count = 0;
  ByteEdit edits[kCapacity];  // the first `count` are set
};

// The edits of `object` under plan node `parent`, its header's first: the header edit is
// reserved before the fields' and filled once their size changes are known. `*delta`
// accumulates the change of the document's size.
bool DirectModifier::CollectEdits(ValueView object, int parent, EditList* edits,
                                  int64_t* delta) const {
  // Reserved first (the header precedes the fields), written once the deltas are known.
  const size_t header = edits->count;
  if (edits->Add() == nullptr) return false;
  int64_t object_delta = 0;
  int32_t count_delta = 0;
  const int first = node(parent).first_child;
  if (first >= 0 && node(first).next < 0) {
    // One child, the common case (one path per level): the packed field search, which skips
    // fields without building an iterator.
    const std::optional<ValueView> value = object.Find(node(first).key);
    if (!value.has_value()) {
      if (node(first).creates) return false;  // a missing field it would create
    } else if (!CollectField(*value, first, edits, &object_delta, &count_delta)) {
      return false;
    }
  } else if (first >= 0) {
    uint64_t seen = 0;
    size_t unseen = 0;  // children not met yet: the scan stops when none is left
    for (int c = first; c >= 0; c = node(c).next) ++unseen;
    const ObjectRange fields = object.fields();
    for (ObjectIterator it = fields.begin(), end = fields.end(); unseen > 0 && it != end; ++it) {
      const int c = FindChild(parent, it);
      if (c < 0) continue;
      seen |= uint64_t{1} << c;
      --unseen;
      if (!CollectField(it.value(), c, edits, &object_delta, &count_delta)) return false;
    }
    for (int c = first; c >= 0; c = node(c).next) {
      if ((seen & (uint64_t{1} << c)) == 0 && node(c).creates) return false;
    }
  }
  if (int64_t{object.payload_size()} + object_delta > int64_t{UINT32_MAX}) {
    return false;  // the general path reports the size
  }
  edits->edits[header] = ObjectHeaderEdit(object, object_delta, count_delta);
  *delta += object_delta;
  return true;
}

// The edits of plan node `c`, whose field holds `value`. The field's type byte and name
// precede its payload (FieldKey::encoded_size).
bool DirectModifier::CollectField(ValueView value, int c, EditList* edits, int64_t* delta,
                                  int32_t* count_delta) const {
  const Node& n = node(c);
  const unsigned char* type_byte = FieldEntryBegin(value, n.key);
  const size_t size = value.payload_size();
  ValueView replacement;
  std::optional<Value> sum;
  switch (n.kind) {
    case Kind::kInner: {
      if (!value.IsObject()) return false;  // arrays and scalars: the general path
      int64_t inner_delta = 0;
      if (!CollectEdits(value, c, edits, &inner_delta)) return false;
      *delta += inner_delta;
      return true;
    }
    case Kind::kUnset: {
      ByteEdit* e = edits->Add();
      if (e == nullptr) return false;
      *e = ByteEdit{type_byte, nullptr, static_cast<uint32_t>(FieldEntryEnd(value) - type_byte), 0,
                    {}};
      *delta -= e->old_size;
      *count_delta -= 1;
      return true;
    }
    case Kind::kSet:
      replacement = n.operand;
      break;
    case Kind::kInc:
      if (!value.IsNumber() || value.type() == Type::kDecimal128) return false;
      sum = internal::AddNumbers(value, n.operand);
      if (!sum.has_value()) return false;  // int64 overflow: the general path's error
      replacement = sum->view();
      break;
  }
  if (replacement.type() != value.type()) {
    ByteEdit* e = edits->Add();
    if (e == nullptr) return false;
    *e = ByteEdit{type_byte, nullptr, 1, 1, {static_cast<unsigned char>(replacement.type())}};
  }
  const size_t new_size = replacement.payload_size();
  if (new_size > UINT32_MAX) return false;
  ByteEdit* e = edits->Add();
  if (e == nullptr) return false;
  *e = ByteEdit{value.payload(), replacement.payload(), static_cast<uint32_t>(size),
                static_cast<uint32_t>(new_size), {}};
  if (sum.has_value()) {
    // A number's payload is at most 8 bytes; the sum Value dies with this frame.
    if (new_size > sizeof(e->bytes)) return false;
    std::memcpy(e->bytes, replacement.payload(), new_size);
    e->from = nullptr;
  }
  *delta += static_cast<int64_t>(new_size) - static_cast<int64_t>(size);
  return true;
}

std::optional<Value> DirectModifier::Apply(ValueView doc) const {
  assert(node_count_ > 0 && "Parse() accepted the modifier");
  {
    // Every path exists: the result is the document's bytes with a few edits.
    EditList edits;
    int64_t delta = 0;
    if (CollectEdits(doc, 0, &edits, &delta)) return SpliceObject(doc, edits.view());
  }
  // The builder is never finished: it keeps its buffer, and the result is copied out into a
  // block of exactly its size (ToValue of a builder view copies). Finish() would shrink an
  // oversized block in place, and the freed tail costs the allocator more than the copy.
  thread_local ValueBuilder builder;
  builder.Reset();
  builder.Reserve(doc.payload_size() + 64);
  uint64_t seen = 0;
  bool done = Emit(&builder, doc, 0, &seen);
  std::optional<Value> result;
  if (done) result = builder.LastValue().ToValue();
  builder.Reset();
  return result;
}

namespace {

// memcmp(a, b, n) != 0 without a library call for the few bytes of a number or a header.
bool BytesDiffer(const unsigned char* a, const unsigned char* b, size_t n) {
  if (n > 8) return std::memcmp(a, b, n) != 0;
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return true;
  }
  return false;
}

}  // namespace

DirectModifier::Outcome DirectModifier::ApplyTo(Value* doc) const {
  assert(node_count_ > 0 && "Parse() accepted the modifier");
  const ValueView view = doc->view();
  EditList edits;
  int64_t delta = 0;
  if (!CollectEdits(view, 0, &edits, &delta)) return Outcome::kDeclined;
  bool same_sizes = true;
  bool changed = false;
  for (size_t i = 0; i < edits.count; ++i) {
    const ByteEdit& e = edits.edits[i];
    if (e.old_size != e.new_size) {
      same_sizes = false;
      changed = true;
      break;
    }
    changed = changed || BytesDiffer(e.at, e.source(), e.new_size);
  }
  if (!changed) return Outcome::kUnchanged;
  unsigned char* mutable_bytes = same_sizes ? doc->MutablePayloadIfUnique() : nullptr;
  if (mutable_bytes == nullptr) {
    *doc = SpliceObject(view, edits.view());
    return Outcome::kApplied;
  }
  for (size_t i = 0; i < edits.count; ++i) {
    const ByteEdit& e = edits.edits[i];
    std::memmove(mutable_bytes + (e.at - view.payload()), e.source(), e.new_size);
  }
  return Outcome::kApplied;
}

}  // namespace minimongo::query
