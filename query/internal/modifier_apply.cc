#include "query/internal/modifier_apply.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "fmt/format.h"
#include "query/internal/modifier_util.h"
#include "query/internal/status_macros.h"
#include "query/selector.h"

namespace minimongo::query::internal {

namespace {

// MongoDB refuses to pad an array by more than this many nulls in one update.
constexpr size_t kMaxPadding = 1500000;

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.push_back('.');
    out += parts[i];
  }
  return out;
}

// The field part that names array element `index` (what `$`, `$[]` and `$[ident]` resolve to).
PathPart IndexPart(size_t index) {
  PathPart p;
  p.kind = PathPart::Kind::kField;
  p.name = std::to_string(index);
  if (index <= UINT32_MAX) p.index = static_cast<uint32_t>(index);
  return p;
}

class Walker {
 public:
  Walker(const ModOp& op, const ApplyEnv& env) : op_(op), env_(env) {}

  absl::Status Run(MutableValue* root) {
    // `$` is resolved once per document: it is a plain index from here on.
    const UpdatePath* path = &op_.path;
    UpdatePath resolved;
    for (size_t i = 0; i < op_.path.size(); ++i) {
      if (op_.path[i].kind != PathPart::Kind::kPositional) continue;
      if (!env_.matched_index.has_value()) {
        return Invalid("The positional operator did not find the match needed from the query.");
      }
      resolved = op_.path;
      resolved[i] = IndexPart(*env_.matched_index);
      path = &resolved;
    }
    path_ = path;
    if (op_.kind == OpKind::kRename) {
      bool found = false;
      RETURN_IF_ERROR(TakeRenameSource(root, &found));
      if (!found) return absl::OkStatus();
    }
    return Walk(0, root, "", env_.doc);
  }

 private:
  bool is_rename() const { return op_.kind == OpKind::kRename; }

  void Record(const std::vector<std::string>& parts) {
    if (env_.written != nullptr) env_.written->push_back(parts);
  }

  // Removes the $rename source from the document and keeps its value in moved_. MongoDB
  // refuses a source inside an array (of any depth); a missing source makes $rename a no-op
  // (and then the destination is not created).
  absl::Status TakeRenameSource(MutableValue* root, bool* found) {
    MutableValue* node = root;
    MutableValue* parent = nullptr;
    std::string_view key;
    for (const PathPart& part : op_.from) {
      if (node->IsArray()) {
        return Invalid(fmt::format(
            "The source field cannot be an array element, '{}' in doc with {} has an array "
            "field called '{}'",
            op_.from_text, DescribeId(env_.doc), key));
      }
      if (!node->IsObject()) return absl::OkStatus();
      MutableValue* child = node->FindField(part.name);
      if (child == nullptr) return absl::OkStatus();
      parent = node;
      key = part.name;
      node = child;
    }
    moved_ = node->ToValue();
    parent->RemoveField(op_.from.back().name);
    std::vector<std::string> from;
    for (const PathPart& p : op_.from) from.push_back(p.name);
    Record(from);
    *found = true;
    return absl::OkStatus();
  }

  absl::Status CannotCreate(MutableValue* container, std::string_view name,
                            std::string_view container_key) {
    return Invalid(fmt::format("Cannot create field '{}' in element {{{}: {}}}", name,
                               container_key, ShortEjson(container->ToValue().view())));
  }

  absl::Status ArrayForbiddenForRename(std::string_view key) {
    return Invalid(fmt::format(
        "The destination field cannot be an array element, '{}' in doc with {} has an array "
        "field called '{}'",
        op_.path_text, DescribeId(env_.doc), key));
  }

  // What the op does with the current value (or its absence). The concrete path is joined only
  // here, for messages.
  absl::Status Outcome(const Value* existing, std::string_view name, LeafOutcome* outcome) {
    if (is_rename()) {
      outcome->action = LeafOutcome::Action::kReplace;
      outcome->value = moved_;
      return absl::OkStatus();
    }
    std::string full = Join(concrete_);
    LeafContext context{name, full, env_.doc, env_.now_millis};
    return ApplyLeaf(op_, existing, context, outcome);
  }

  // Appends nulls to `array` so that `index` is its size. REQUIRES: index >= size.
  absl::Status Pad(std::vector<MutableValue>* array, size_t index) {
    if (index - array->size() > kMaxPadding) {
      return Invalid(fmt::format("can't backfill array to larger than {} elements", kMaxPadding));
    }
    array->resize(index);
    return absl::OkStatus();
  }

  // Writes `value` as member/element `part` of `container`, which does not have it yet.
  absl::Status Insert(MutableValue* container, const PathPart& part, MutableValue value) {
    if (container->IsObject()) {
      container->AppendField(part.name, std::move(value));
      return absl::OkStatus();
    }
    std::vector<MutableValue>& elements = container->Elements();
    RETURN_IF_ERROR(Pad(&elements, *part.index));
    elements.push_back(std::move(value));
    return absl::OkStatus();
  }

  // The last part of the path: `container` holds (or would hold) the target.
  absl::Status Leaf(MutableValue* container, const PathPart& part, std::string_view container_key) {
    bool creates = CreatesPath(op_.kind);
    MutableValue* existing = nullptr;
    if (container->IsObject()) {
      existing = container->FindField(part.name);
    } else if (container->IsArray()) {
      if (is_rename()) return ArrayForbiddenForRename(container_key);
      if (!part.index.has_value()) {
        return creates ? CannotCreate(container, part.name, container_key) : absl::OkStatus();
      }
      std::vector<MutableValue>& elements = container->Elements();
      if (*part.index < elements.size()) existing = &elements[*part.index];
    } else {
      return creates ? CannotCreate(container, part.name, container_key) : absl::OkStatus();
    }
    concrete_.push_back(part.name);
    Record(concrete_);
    Value existing_value;
    if (existing != nullptr) existing_value = existing->ToValue();
    LeafOutcome outcome;
    absl::Status s = Outcome(existing != nullptr ? &existing_value : nullptr, part.name, &outcome);
    concrete_.pop_back();
    RETURN_IF_ERROR(s);
    switch (outcome.action) {
      case LeafOutcome::Action::kKeep:
        return absl::OkStatus();
      case LeafOutcome::Action::kReplace:
        if (existing != nullptr) {
          existing->Assign(std::move(outcome.value));
          return absl::OkStatus();
        }
        return Insert(container, part, MutableValue(std::move(outcome.value)));
      case LeafOutcome::Action::kRemove:
        if (existing == nullptr) return absl::OkStatus();
        if (container->IsObject()) {
          container->RemoveField(part.name);
        } else {
          existing->Assign(Value::Null());  // $unset of an array element leaves null
        }
        return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  // Part `i` is missing from `node` (an intermediate part): create the rest of the path. The
  // leaf value is computed first (with "missing" as the current value), then wrapped in one new
  // object per remaining part, innermost first, and inserted with one append.
  absl::Status CreateMissing(size_t i, MutableValue* node, std::string_view node_key) {
    const UpdatePath& path = *path_;
    for (size_t k = i + 1; k < path.size(); ++k) {
      if (path[k].is_array_update()) {
        std::vector<std::string> upto = concrete_;
        for (size_t m = i; m < k; ++m) upto.push_back(path[m].name);
        return Invalid(
            fmt::format("The path '{}' must exist in the document in order to apply array updates.",
                        Join(upto)));
      }
    }
    if (!CreatesPath(op_.kind)) return absl::OkStatus();
    const PathPart& part = path[i];
    bool can_hold = node->IsObject() || (node->IsArray() && part.index.has_value());
    if (node->IsArray() && is_rename()) return ArrayForbiddenForRename(node_key);
    if (!can_hold) return CannotCreate(node, part.name, node_key);
    size_t depth = concrete_.size();
    for (size_t k = i; k < path.size(); ++k) concrete_.push_back(path[k].name);
    Record(concrete_);
    LeafOutcome outcome;
    absl::Status s = Outcome(nullptr, path.back().name, &outcome);
    concrete_.resize(depth);
    RETURN_IF_ERROR(s);
    if (outcome.action != LeafOutcome::Action::kReplace) return absl::OkStatus();
    // Missing parts are created as objects, numeric names included (MongoDB).
    MutableValue chain(std::move(outcome.value));
    for (size_t k = path.size() - 1; k > i; --k) {
      MutableValue object = MutableValue::EmptyObject();
      object.AppendField(path[k].name, std::move(chain));
      chain = std::move(object);
    }
    return Insert(node, part, std::move(chain));
  }

  // `node` is the value at parts [0, i) of the path; `node_key` its key in its parent;
  // `original` the value at the same place in the input document, if any. Array filters match
  // the original elements: MongoDB selects every element an update touches before changing any.
  absl::Status Walk(size_t i, MutableValue* node, std::string_view node_key,
                    std::optional<ValueView> original) {
    const UpdatePath& path = *path_;
    const PathPart& part = path[i];
    bool last = i + 1 == path.size();
    if (part.kind == PathPart::Kind::kAllElements || part.kind == PathPart::Kind::kFiltered) {
      if (!node->IsArray()) {
        return Invalid(fmt::format("Cannot apply array updates to non-array element {}: {}",
                                   node_key, ShortEjson(node->ToValue().view())));
      }
      const Selector* filter = nullptr;
      if (part.kind == PathPart::Kind::kFiltered) {
        filter = (*env_.filters)[part.filter].selector.get();
      }
      std::vector<ValueView> originals;
      if (original.has_value() && original->IsArray()) {
        originals.reserve(original->size());
        for (ValueView e : original->elements()) originals.push_back(e);
      }
      std::vector<MutableValue>& elements = node->Elements();
      for (size_t j = 0; j < elements.size(); ++j) {
        std::optional<ValueView> element_original;
        if (j < originals.size()) element_original = originals[j];
        if (filter != nullptr) {
          const std::string& ident = (*env_.filters)[part.filter].identifier;
          bool match = element_original.has_value()
                           ? MatchesFilter(*filter, ident, *element_original)
                           : MatchesFilter(*filter, ident, elements[j].ToValue().view());
          if (!match) continue;
        }
        PathPart index = IndexPart(j);
        if (last) {
          RETURN_IF_ERROR(Leaf(node, index, node_key));
        } else {
          concrete_.push_back(index.name);
          absl::Status s = Walk(i + 1, &elements[j], index.name, element_original);
          concrete_.pop_back();
          RETURN_IF_ERROR(s);
        }
      }
      return absl::OkStatus();
    }
    if (last) return Leaf(node, part, node_key);
    MutableValue* child = nullptr;
    if (node->IsObject()) {
      child = node->FindField(part.name);
    } else if (node->IsArray()) {
      if (is_rename()) return ArrayForbiddenForRename(node_key);
      std::vector<MutableValue>& elements = node->Elements();
      if (part.index.has_value() && *part.index < elements.size()) {
        child = &elements[*part.index];
      }
    }
    if (child == nullptr) return CreateMissing(i, node, node_key);
    std::optional<ValueView> child_original;
    if (original.has_value()) {
      child_original = original->IsArray() && part.index.has_value() ? original->At(*part.index)
                                                                     : original->Find(part.name);
    }
    concrete_.push_back(part.name);
    absl::Status s = Walk(i + 1, child, part.name, child_original);
    concrete_.pop_back();
    return s;
  }

  static bool MatchesFilter(const Selector& filter, const std::string& identifier,
                            ValueView element) {
    ValueBuilder b;
    b.BeginObject();
    b.Key(identifier);
    b.Append(element);
    (void)b.EndObject();
    Value wrapped = b.Finish();
    return filter.Matches(wrapped.view());
  }

  const ModOp& op_;
  const ApplyEnv& env_;
  const UpdatePath* path_ = nullptr;
  std::vector<std::string> concrete_;
  Value moved_;  // $rename: the value taken from the source
};

}  // namespace

absl::Status ApplyModOp(const ModOp& op, MutableValue* root, const ApplyEnv& env) {
  Walker walker(op, env);
  return walker.Run(root);
}

absl::Status CheckWrittenPaths(std::vector<std::vector<std::string>>* written) {
  // Component-wise order puts every extension of a path right after it (and its equal).
  std::sort(written->begin(), written->end());
  for (size_t i = 1; i < written->size(); ++i) {
    const std::vector<std::string>& a = (*written)[i - 1];
    const std::vector<std::string>& b = (*written)[i];
    if (a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin())) {
      return absl::InvalidArgumentError(fmt::format("Update created a conflict at '{}'", Join(a)));
    }
  }
  return absl::OkStatus();
}

}  // namespace minimongo::query::internal
