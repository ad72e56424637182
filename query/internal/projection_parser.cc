#include "query/internal/projection_parser.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "fmt/format.h"
#include "query/internal/status_macros.h"
#include "query/limits.h"

namespace minimongo::query::internal {
namespace {

std::string Join(const std::vector<std::string>& components, size_t from) {
  std::string out;
  for (size_t i = from; i < components.size(); ++i) {
    if (i > from) out += '.';
    out += components[i];
  }
  return out;
}

absl::Status Error(std::string_view where, std::string_view message) {
  return absl::InvalidArgumentError(fmt::format("projection at \"{}\": {}", where, message));
}

// MongoDB reads $slice arguments as 32-bit integers (truncating toward zero); out-of-range
// values are clamped here rather than wrapped.
int32_t ToInt32(ValueView number) {
  double d = number.NumberAsDouble();
  if (std::isnan(d)) return 0;
  if (number.type() == Type::kInt32) return number.AsInt32();
  if (d >= static_cast<double>(std::numeric_limits<int32_t>::max())) {
    return std::numeric_limits<int32_t>::max();
  }
  if (d <= static_cast<double>(std::numeric_limits<int32_t>::min())) {
    return std::numeric_limits<int32_t>::min();
  }
  return static_cast<int32_t>(d);
}

// The state MongoDB's parser keeps while it walks the projection (projection_parser.cpp's
// ParseContext): the projection type is fixed by the first inclusion or exclusion of a field
// other than the top-level _id; $slice, $elemMatch and _id alone decide only at the end.
class Parser {
 public:
  explicit Parser(ProjectionTree* tree) : tree_(tree) {}

  absl::Status ParseTopLevel(ValueView fields) {
    for (const Field& f : fields.fields()) {
      if (f.key == "_id" || f.key.substr(0, 4) == "_id.") id_specified_ = true;
      RETURN_IF_ERROR(ParseElement(f.key, f.value, {}, 1));
    }
    Finish();
    return absl::OkStatus();
  }

 private:
  // `prefix` holds the components of the enclosing sub-projections; `depth` is the nesting
  // level of the object holding `key` (1 for the projection itself).
  absl::Status ParseElement(std::string_view key, ValueView value,
                            const std::vector<std::string>& prefix, size_t depth) {
    std::string where =
        prefix.empty() ? std::string(key) : Join(prefix, 0) + "." + std::string(key);
    std::vector<std::string> components = prefix;
    bool positional = false;
    RETURN_IF_ERROR(SplitKey(key, where, &components, &positional));
    const bool top_level_id = prefix.empty() && key == "_id";

    if (value.IsObject()) {
      if (positional) {
        return Error(where,
                     "positional projection cannot be used with an expression or sub object");
      }
      if (value.size() == 1) {
        Field op = *value.fields().begin();
        if (!op.key.empty() && op.key[0] == '$') {
          return ParseOperator(where, op.key, op.value, prefix.empty(), std::move(components));
        }
      }
      if (value.empty()) return Error(where, "an empty sub-projection is not a valid value");
      if (depth >= kMaxExpressionDepth) {
        return Error(where, fmt::format("sub-projections nested deeper than {} levels",
                                        kMaxExpressionDepth));
      }
      RETURN_IF_ERROR(EnsureInner(components, where));
      for (const Field& f : value.fields()) {
        RETURN_IF_ERROR(ParseElement(f.key, f.value, components, depth + 1));
      }
      return absl::OkStatus();
    }

    if (value.type() == Type::kBool || value.IsNumber()) {
      // MongoDB's trueValue(): any non-zero number (NaN included) is an inclusion.
      bool include = value.type() == Type::kBool ? value.AsBool() : value.NumberAsDouble() != 0;
      if (include) return ParseInclusion(where, std::move(components), positional, top_level_id);
      if (positional) return Error(where, "positional projection cannot be used in an exclusion");
      return ParseExclusion(where, std::move(components), top_level_id);
    }

    if (positional) return Error(where, "positional projection cannot be used with a literal");
    return Error(where, fmt::format("projection values must be 1, 0, true, false or an operator "
                                    "object, got {} (literal values are not supported)",
                                    TypeName(value.type())));
  }

  // Appends the components of `key` to `components`. A last component "$" is the positional
  // operator: it is not appended and `*positional` is set.
  static absl::Status SplitKey(std::string_view key, std::string_view where,
                               std::vector<std::string>* components, bool* positional) {
    if (key.empty()) return Error(where, "empty field name");
    size_t start = 0;
    size_t own = 0;
    while (true) {
      size_t dot = key.find('.', start);
      bool last = dot == std::string_view::npos;
      std::string_view name = key.substr(start, last ? std::string_view::npos : dot - start);
      if (name.empty()) return Error(where, "field path components may not be empty");
      if (name[0] == '$') {
        if (name != "$") return Error(where, "field names may not start with '$'");
        if (!last) return Error(where, "the positional operator '.$' must end the path");
        if (own == 0) return Error(where, "the positional operator needs a field path before it");
        *positional = true;
        return absl::OkStatus();
      }
      if (components->size() == kMaxDepth) {
        return Error(where, fmt::format("path has more than {} components", kMaxDepth));
      }
      components->emplace_back(name);
      ++own;
      if (last) return absl::OkStatus();
      start = dot + 1;
    }
  }

  absl::Status ParseInclusion(std::string_view where, std::vector<std::string> components,
                              bool positional, bool top_level_id) {
    if (positional) {
      if (has_positional_) {
        return Error(where, "cannot specify more than one positional projection per query");
      }
      if (has_elem_match_) return Error(where, "cannot specify positional operator and $elemMatch");
    }
    auto leaf = std::make_unique<ProjectionNode>();
    leaf->kind = ProjectionNodeKind::kInclude;
    RETURN_IF_ERROR(AddLeaf(components, std::move(leaf), where));
    if (positional) {
      has_positional_ = true;
      tree_->positional = components;
    }
    if (top_level_id) {
      id_included_entirely_ = true;
    } else {
      if (inclusion_.has_value() && !*inclusion_) {
        return Error(where, fmt::format("cannot do inclusion on field {} in exclusion projection",
                                        Join(components, 0)));
      }
      inclusion_ = true;
    }
    tree_->paths.push_back(Join(components, 0));
    return absl::OkStatus();
  }

  absl::Status ParseExclusion(std::string_view where, std::vector<std::string> components,
                              bool top_level_id) {
    auto leaf = std::make_unique<ProjectionNode>();
    leaf->kind = ProjectionNodeKind::kExclude;
    RETURN_IF_ERROR(AddLeaf(components, std::move(leaf), where));
    if (top_level_id) {
      id_excluded_entirely_ = true;
    } else {
      if (inclusion_.has_value() && *inclusion_) {
        return Error(where, fmt::format("cannot do exclusion on field {} in inclusion projection",
                                        Join(components, 0)));
      }
      inclusion_ = false;
    }
    tree_->paths.push_back(Join(components, 0));
    return absl::OkStatus();
  }

  absl::Status ParseOperator(std::string_view where, std::string_view op, ValueView arg,
                             bool at_root, std::vector<std::string> components) {
    if (op == "$slice") return ParseSlice(where, arg, std::move(components));
    if (op == "$elemMatch") return ParseElemMatch(where, arg, at_root, std::move(components));
    if (op == "$meta") {
      return absl::UnimplementedError(
          fmt::format("projection at \"{}\": $meta is not supported", where));
    }
    return Error(where, fmt::format("unknown expression {}", op));
  }

  absl::Status ParseSlice(std::string_view where, ValueView arg,
                          std::vector<std::string> components) {
    auto leaf = std::make_unique<ProjectionNode>();
    leaf->kind = ProjectionNodeKind::kSlice;
    if (arg.IsNumber()) {
      leaf->slice_limit = ToInt32(arg);
    } else if (arg.IsArray()) {
      if (arg.size() != 2)
        return Error(where, "$slice array argument should be of form [skip, limit]");
      ValueView skip = *arg.At(0);
      ValueView limit = *arg.At(1);
      if (!skip.IsNumber()) {
        return Error(where, fmt::format("$slice expects the skip argument to be a number, got {}",
                                        TypeName(skip.type())));
      }
      if (!limit.IsNumber()) {
        return Error(where, fmt::format("$slice expects the limit argument to be a number, got {}",
                                        TypeName(limit.type())));
      }
      leaf->slice_skip = ToInt32(skip);
      leaf->slice_limit = ToInt32(limit);
      if (leaf->slice_limit <= 0) {
        return Error(where,
                     fmt::format("$slice limit must be positive, got {}", leaf->slice_limit));
      }
    } else {
      return Error(where, "$slice only supports numbers and [skip, limit] arrays");
    }
    RETURN_IF_ERROR(AddLeaf(components, std::move(leaf), where));
    has_slice_ = true;
    tree_->paths.push_back(Join(components, 0));
    return absl::OkStatus();
  }

  absl::Status ParseElemMatch(std::string_view where, ValueView arg, bool at_root,
                              std::vector<std::string> components) {
    if (!arg.IsObject()) {
      return Error(where, fmt::format("elemMatch: invalid argument, object required, but got {}",
                                      TypeName(arg.type())));
    }
    if (has_positional_) return Error(where, "cannot specify positional operator and $elemMatch");
    if (!at_root || components.size() != 1) {
      return Error(where, "cannot use $elemMatch projection on a nested field");
    }
    // The element test: {"<field>": {$elemMatch: <arg>}} against {"<field>": [element]}.
    ValueBuilder b;
    b.BeginObject();
    b.Key(components[0]);
    b.BeginObject();
    b.Key("$elemMatch");
    b.Append(arg);
    (void)b.EndObject();  // one key: no duplicate possible
    (void)b.EndObject();  // one key: no duplicate possible
    Value selector_value = b.Finish();
    absl::StatusOr<Selector> selector = Selector::Compile(selector_value.view());
    if (!selector.ok()) {
      return absl::Status(selector.status().code(),
                          fmt::format("projection at \"{}\": $elemMatch: {}", where,
                                      std::string(selector.status().message())));
    }
    auto leaf = std::make_unique<ProjectionNode>();
    leaf->kind = ProjectionNodeKind::kElemMatch;
    leaf->selector = std::make_unique<Selector>(*std::move(selector));
    RETURN_IF_ERROR(AddLeaf(components, std::move(leaf), where));
    has_elem_match_ = true;
    tree_->elem_match_fields.push_back(components[0]);
    tree_->paths.push_back(components[0]);
    return absl::OkStatus();
  }

  // Adds `leaf` at `components`, creating inner nodes on the way. A leaf already on the way,
  // or anything already at the place, is MongoDB's path collision.
  absl::Status AddLeaf(const std::vector<std::string>& components,
                       std::unique_ptr<ProjectionNode> leaf, std::string_view where) {
    ProjectionNode* node = &tree_->root;
    std::string full = Join(components, 0);
    for (size_t i = 0; i + 1 < components.size(); ++i) {
      auto it = node->children.find(components[i]);
      if (it == node->children.end()) {
        it = node->children.emplace(components[i], std::make_unique<ProjectionNode>()).first;
      } else if (it->second->kind != ProjectionNodeKind::kInner) {
        return Error(where, fmt::format("path collision at {} remaining portion {}", full,
                                        Join(components, 1)));
      }
      node = it->second.get();
    }
    if (!node->children.emplace(components.back(), std::move(leaf)).second) {
      return Error(where, fmt::format("path collision at {}", full));
    }
    return absl::OkStatus();
  }

  // Makes sure an inner node exists at `components` (for a sub-projection).
  absl::Status EnsureInner(const std::vector<std::string>& components, std::string_view where) {
    ProjectionNode* node = &tree_->root;
    for (const std::string& name : components) {
      auto it = node->children.find(name);
      if (it == node->children.end()) {
        it = node->children.emplace(name, std::make_unique<ProjectionNode>()).first;
      } else if (it->second->kind != ProjectionNodeKind::kInner) {
        return Error(where, fmt::format("path collision at {}", Join(components, 0)));
      }
      node = it->second.get();
    }
    return absl::OkStatus();
  }

  // MongoDB's computeProjectionType() for projections that named no field but _id, then the
  // default _id inclusion, and dropping an explicit {_id: 1} from exclusions.
  void Finish() {
    bool inclusion;
    if (inclusion_.has_value()) {
      inclusion = *inclusion_;
    } else if (has_slice_) {
      inclusion = id_included_entirely_;
    } else if (has_elem_match_) {
      inclusion = true;
    } else if (id_excluded_entirely_) {
      inclusion = false;
    } else {
      inclusion = id_included_entirely_;  // {_id: 1} alone, or the empty projection
    }
    tree_->inclusion = inclusion;
    if (inclusion && !id_specified_) {
      auto leaf = std::make_unique<ProjectionNode>();
      leaf->kind = ProjectionNodeKind::kInclude;
      tree_->root.children.emplace("_id", std::move(leaf));
    }
    if (!inclusion && id_included_entirely_) tree_->root.children.erase("_id");
    tree_->identity = !inclusion && tree_->root.children.empty();
  }

  ProjectionTree* tree_;
  std::optional<bool> inclusion_;
  bool has_positional_ = false;
  bool has_elem_match_ = false;
  bool has_slice_ = false;
  bool id_included_entirely_ = false;
  bool id_excluded_entirely_ = false;
  bool id_specified_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ProjectionTree>> ParseProjection(ValueView fields) {
  auto tree = std::make_unique<ProjectionTree>();
  if (fields.IsNull()) return tree;
  if (!fields.IsObject()) {
    return absl::InvalidArgumentError(
        fmt::format("projection must be an object, got {}", TypeName(fields.type())));
  }
  Parser parser(tree.get());
  RETURN_IF_ERROR(parser.ParseTopLevel(fields));
  return tree;
}

}  // namespace minimongo::query::internal
