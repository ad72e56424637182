#include "query/projection.h"

#include <memory>
#include <utility>

#include "query/internal/projection_executor.h"
#include "query/internal/projection_parser.h"
#include "query/internal/projection_tree.h"
#include "query/internal/status_macros.h"

namespace minimongo::query {
namespace {

// One shared identity tree, so that default-constructed projections cost no allocation.
// Intentionally never destroyed (no exit-time destructor ordering issues).
const std::shared_ptr<const internal::ProjectionTree>& IdentityTree() {
  static const auto* tree = new std::shared_ptr<const internal::ProjectionTree>(
      std::make_shared<const internal::ProjectionTree>());
  return *tree;
}

}  // namespace

Projection::Projection() : tree_(IdentityTree()) {}

Projection::Projection(std::shared_ptr<const internal::ProjectionTree> tree)
    : tree_(std::move(tree)) {}

absl::StatusOr<Projection> Projection::Compile(ValueView fields) {
  ASSIGN_OR_RETURN(std::unique_ptr<internal::ProjectionTree> tree,
                   internal::ParseProjection(fields));
  if (tree->identity) return Projection();
  return Projection(std::shared_ptr<const internal::ProjectionTree>(std::move(tree)));
}

Value Projection::Apply(ValueView doc, const MatchDetails* details) const {
  return internal::ApplyProjection(*tree_, doc, details);
}

std::optional<Value> Projection::ApplyToField(std::string_view key, ValueView value,
                                              const MatchDetails* details) const {
  return internal::ApplyProjectionToField(*tree_, key, value, details);
}

bool Projection::MayOutputField(std::string_view key) const {
  return internal::ProjectionMayOutputField(*tree_, key);
}

bool Projection::is_inclusion() const { return tree_->inclusion; }

bool Projection::is_identity() const { return tree_->identity; }

bool Projection::needs_match_details() const { return !tree_->positional.empty(); }

const std::vector<std::string>& Projection::paths() const { return tree_->paths; }

}  // namespace minimongo::query
