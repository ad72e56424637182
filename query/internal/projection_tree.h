// Internal: the compiled form of a find() projection.
//
// The parser (projection_parser.h) turns a projection document into a tree of field names,
// following MongoDB's projection AST: inner nodes are path components, leaves say what happens
// to the value at that path. Every dotted key and every nested sub-projection ({a: {b: 1}})
// lands in the same tree, so {"a.b": 1, "a.c": 1} and {a: {b: 1, c: 1}} compile alike. The
// executor (projection_executor.h) walks a document and the tree side by side.
//
// Invariants established by the parser:
//   - An inclusion tree has no kExclude leaf except a top-level "_id"; an exclusion tree has no
//     kInclude leaf (an explicit {_id: 1} is dropped, _id is kept by default anyway).
//   - kElemMatch leaves are children of the root only, and `selector` is set on them.
//   - At most one positional path; its components name an existing kInclude leaf.
//   - Depth of the tree <= kMaxDepth.
//
// Thread safety: immutable after parsing; shared by const pointer across threads.

#ifndef MINIMONGO_QUERY_INTERNAL_PROJECTION_TREE_H_
#define MINIMONGO_QUERY_INTERNAL_PROJECTION_TREE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/selector.h"

namespace minimongo::query::internal {

enum class ProjectionNodeKind {
  kInner,      // a path component with children
  kInclude,    // keep the value
  kExclude,    // drop the value
  kSlice,      // keep a slice of the array (other values unchanged)
  kElemMatch,  // keep the first array element that matches `selector`
};

struct ProjectionNode {
  ProjectionNodeKind kind = ProjectionNodeKind::kInner;

  // kInner: children by field name (ordered, so lookups take a string_view).
  std::map<std::string, std::unique_ptr<ProjectionNode>, std::less<>> children;

  // kSlice: {$slice: limit} when `slice_skip` is unset (a negative limit counts from the end),
  // {$slice: [skip, limit]} otherwise (limit > 0).
  std::optional<int32_t> slice_skip;
  int32_t slice_limit = 0;

  // kElemMatch: the compiled selector {"<field>": {$elemMatch: <condition>}}.
  std::unique_ptr<Selector> selector;

  // The child named `name`, or nullptr.
  const ProjectionNode* Find(std::string_view name) const {
    auto it = children.find(name);
    return it == children.end() ? nullptr : it->second.get();
  }
};

struct ProjectionTree {
  // True for inclusion projections (only the named fields, plus _id by default), false for
  // exclusion projections (everything but the named fields).
  bool inclusion = false;
  // True when applying the projection returns the document unchanged ({} or null).
  bool identity = true;
  ProjectionNode root;
  // Paths named by the projection, dotted, in specification order (positional ones without
  // the trailing ".$").
  std::vector<std::string> paths;
  // Components of the positional path ("a.b.$" -> {"a", "b"}), empty when there is none.
  std::vector<std::string> positional;
  // Top-level fields with an $elemMatch projection, in specification order.
  std::vector<std::string> elem_match_fields;
};

}  // namespace minimongo::query::internal

#endif  // MINIMONGO_QUERY_INTERNAL_PROJECTION_TREE_H_
