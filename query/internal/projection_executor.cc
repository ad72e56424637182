#include "query/internal/projection_executor.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <string>

#include "query/limits.h"

namespace minimongo::query::internal {
namespace {

// The element range [start, start + count) that a $slice keeps of an array of `len` elements,
// as MongoDB computes it (projection_executor_utils.cpp, sliceArray).
void SliceRange(const ProjectionNode& node, int64_t len, int64_t* start, int64_t* count) {
  int64_t limit = node.slice_limit;
  if (!node.slice_skip.has_value()) {
    if (limit < 0) {
      *start = std::max<int64_t>(0, len + limit);
      *count = len - *start;
    } else {
      *start = 0;
      *count = std::min(len, limit);
    }
    return;
  }
  int64_t skip = *node.slice_skip;
  *start = skip < 0 ? std::max<int64_t>(0, len + skip) : std::min(len, skip);
  *count = std::min(len - *start, limit);
}

class Executor {
 public:
  Executor(const ProjectionTree& tree, const MatchDetails* details)
      : tree_(tree),
        inclusion_(tree.inclusion),
        index_(details != nullptr ? details->array_index : std::nullopt) {}

  Value Document(ValueView doc) {
    b_.BeginObject();
    if (std::optional<ValueView> id = doc.Find("_id")) TopLevelField("_id", *id);
    for (const Field& f : doc.fields()) {
      if (f.key != "_id") TopLevelField(f.key, f.value);
    }
    if (inclusion_) {
      // MongoDB 4.4+: $elemMatch fields come after the other included fields.
      for (const std::string& name : tree_.elem_match_fields) {
        std::optional<ValueView> value = doc.Find(name);
        if (!value) continue;
        if (std::optional<ValueView> element = FirstMatch(name, *value)) {
          b_.Key(name);
          AppendSingleton(*element);
        }
      }
    }
    (void)b_.EndObject();  // keys come from one object: no duplicates
    return b_.Finish();
  }

  std::optional<Value> ProjectField(std::string_view key, ValueView value) {
    const ProjectionNode* node = tree_.root.Find(key);
    if (node == nullptr) {
      if (inclusion_) return std::nullopt;
      return value.ToValue();
    }
    if (node->kind == ProjectionNodeKind::kElemMatch) {
      std::optional<ValueView> element = FirstMatch(key, value);
      if (!element) return std::nullopt;
      AppendSingleton(*element);
      return b_.Finish();
    }
    Value reduced;
    if (IsPositionalRoot(key)) {
      std::optional<Value> r = ReducePositional(value, 1);
      if (!r) return std::nullopt;
      reduced = *std::move(r);
      value = reduced.view();
    }
    if (!Emits(value, *node)) return std::nullopt;
    EmitValue(value, *node, 1);
    return b_.Finish();
  }

 private:
  // Writes the output field for the top-level field `key`, if any.
  void TopLevelField(std::string_view key, ValueView value) {
    const ProjectionNode* node = tree_.root.Find(key);
    if (node == nullptr) {
      if (!inclusion_) {
        b_.Key(key);
        b_.Append(value);
      }
      return;
    }
    if (node->kind == ProjectionNodeKind::kElemMatch) {
      if (inclusion_) return;  // written after the other fields
      if (std::optional<ValueView> element = FirstMatch(key, value)) {
        b_.Key(key);
        AppendSingleton(*element);
      }
      return;
    }
    Value reduced;
    if (IsPositionalRoot(key)) {
      std::optional<Value> r = ReducePositional(value, 1);
      if (!r) return;
      reduced = *std::move(r);
      value = reduced.view();
    }
    EmitField(key, value, *node, 1);
  }

  // Whether the projection of `value` under `node` produces a value.
  bool Emits(ValueView value, const ProjectionNode& node) const {
    switch (node.kind) {
      case ProjectionNodeKind::kInclude:
      case ProjectionNodeKind::kSlice:
        return true;
      case ProjectionNodeKind::kExclude:
      case ProjectionNodeKind::kElemMatch:  // handled by the callers, at the top level only
        return false;
      case ProjectionNodeKind::kInner:
        return !inclusion_ || value.IsObject() || value.IsArray();
    }
    return false;
  }

  void EmitField(std::string_view key, ValueView value, const ProjectionNode& node, size_t depth) {
    if (!Emits(value, node)) return;
    b_.Key(key);
    EmitValue(value, node, depth);
  }

  // Writes the projection of `value` under `node`. REQUIRES: Emits(value, node).
  void EmitValue(ValueView value, const ProjectionNode& node, size_t depth) {
    switch (node.kind) {
      case ProjectionNodeKind::kInclude:
        b_.Append(value);
        return;
      case ProjectionNodeKind::kSlice:
        AppendSliced(value, node);
        return;
      case ProjectionNodeKind::kInner:
        if (value.IsObject()) {
          ProjectObject(value, node, depth);
        } else if (value.IsArray()) {
          ProjectArray(value, node, depth);
        } else {
          b_.Append(value);  // exclusion: a scalar where the path goes on is kept
        }
        return;
      case ProjectionNodeKind::kExclude:
      case ProjectionNodeKind::kElemMatch:
        assert(false && "Emits() is false for these kinds");
        return;
    }
  }

  void ProjectObject(ValueView object, const ProjectionNode& node, size_t depth) {
    b_.BeginObject();
    for (const Field& f : object.fields()) {
      const ProjectionNode* child = node.Find(f.key);
      if (child != nullptr) {
        EmitField(f.key, f.value, *child, depth + 1);
      } else if (!inclusion_) {
        b_.Key(f.key);
        b_.Append(f.value);
      }
    }
    (void)b_.EndObject();  // keys come from one object: no duplicates
  }

  // The elements of an array met on a projected path: objects are projected with the same
  // node, nested arrays recursively, other values dropped (inclusion) or kept (exclusion).
  void ProjectArray(ValueView array, const ProjectionNode& node, size_t depth) {
    b_.BeginArray();
    for (ValueView e : array.elements()) {
      if (e.IsObject()) {
        ProjectObject(e, node, depth + 1);
      } else if (e.IsArray() && depth < kMaxDepth) {
        ProjectArray(e, node, depth + 1);
      } else if (!inclusion_) {
        b_.Append(e);
      }
    }
    b_.EndArray();
  }

  void AppendSliced(ValueView value, const ProjectionNode& node) {
    if (!value.IsArray()) {
      b_.Append(value);
      return;
    }
    int64_t start = 0;
    int64_t count = 0;
    SliceRange(node, value.size(), &start, &count);
    b_.BeginArray();
    int64_t i = 0;
    for (ValueView e : value.elements()) {
      if (i >= start + count) break;
      if (i >= start) b_.Append(e);
      ++i;
    }
    b_.EndArray();
  }

  void AppendSingleton(ValueView element) {
    b_.BeginArray();
    b_.Append(element);
    b_.EndArray();
  }

  // The first element of the array `value` such that {"<key>": [element]} matches the
  // $elemMatch selector of field `key`.
  std::optional<ValueView> FirstMatch(std::string_view key, ValueView value) {
    const ProjectionNode* node = tree_.root.Find(key);
    if (node == nullptr || node->kind != ProjectionNodeKind::kElemMatch || !value.IsArray()) {
      return std::nullopt;
    }
    for (ValueView e : value.elements()) {
      wrap_.BeginObject();
      wrap_.Key(key);
      wrap_.BeginArray();
      wrap_.Append(e);
      wrap_.EndArray();
      (void)wrap_.EndObject();  // one key
      Value wrapped = wrap_.Finish();
      if (node->selector->Matches(wrapped.view())) return e;
    }
    return std::nullopt;
  }

  bool IsPositionalRoot(std::string_view key) const {
    return !tree_.positional.empty() && tree_.positional[0] == key;
  }

  // MongoDB's positional projection: the first array along the positional path (the value
  // `v` reached after `i` components included) is replaced by its element at the matched
  // index. Returns nullopt when that array has no such element (no index known, or out of
  // range): the array is then left out. Values without an array on the path are unchanged.
  std::optional<Value> ReducePositional(ValueView v, size_t i) {
    if (v.IsArray()) {
      if (!index_) return std::nullopt;
      std::optional<ValueView> element = v.At(*index_);
      if (!element) return std::nullopt;
      ValueBuilder b;
      b.BeginArray();
      b.Append(*element);
      b.EndArray();
      return b.Finish();
    }
    if (i == tree_.positional.size() || !v.IsObject()) return v.ToValue();
    const std::string& name = tree_.positional[i];
    std::optional<ValueView> child = v.Find(name);
    if (!child) return v.ToValue();
    std::optional<Value> reduced = ReducePositional(*child, i + 1);
    ValueBuilder b;
    b.BeginObject();
    for (const Field& f : v.fields()) {
      if (f.key != name) {
        b.Key(f.key);
        b.Append(f.value);
      } else if (reduced) {
        b.Key(f.key);
        b.Append(reduced->view());
      }
    }
    (void)b.EndObject();  // keys come from one object: no duplicates
    return b.Finish();
  }

  const ProjectionTree& tree_;
  const bool inclusion_;
  const std::optional<size_t> index_;
  ValueBuilder b_;
  ValueBuilder wrap_;
};

// True when an exclusion projection leaves `doc` unchanged: none of the top-level fields it
// names is present and _id, if present, is already first.
bool ExclusionLeavesUnchanged(const ProjectionTree& tree, ValueView doc) {
  bool first = true;
  for (const Field& f : doc.fields()) {
    if (f.key == "_id" && !first) return false;
    if (tree.root.Find(f.key) != nullptr) return false;
    first = false;
  }
  return true;
}

}  // namespace

Value ApplyProjection(const ProjectionTree& tree, ValueView doc, const MatchDetails* details) {
  if (tree.identity || !doc.IsObject()) return doc.ToValue();
  if (!tree.inclusion && ExclusionLeavesUnchanged(tree, doc)) return doc.ToValue();
  return Executor(tree, details).Document(doc);
}

std::optional<Value> ApplyProjectionToField(const ProjectionTree& tree, std::string_view key,
                                            ValueView value, const MatchDetails* details) {
  if (tree.identity) return value.ToValue();
  return Executor(tree, details).ProjectField(key, value);
}

bool ProjectionMayOutputField(const ProjectionTree& tree, std::string_view key) {
  const ProjectionNode* node = tree.root.Find(key);
  if (tree.inclusion) return node != nullptr && node->kind != ProjectionNodeKind::kExclude;
  return node == nullptr || node->kind != ProjectionNodeKind::kExclude;
}

}  // namespace minimongo::query::internal
