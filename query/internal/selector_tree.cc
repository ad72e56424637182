#include "query/internal/selector_tree.h"

#include <cmath>
#include <utility>

namespace minimongo::query::internal {

// The shapes let the evaluator compare the common constants (integers, strings, dates) with
// typed loads instead of the general BSON comparison; everything else keeps CompareValues.
Constant Constant::Make(Value v) {
  Constant c;
  c.canonical_type = CanonicalTypeOrder(v.type());
  ValueView view = v.view();
  if (view.IsNull()) {
    c.shape = Shape::kNull;
  } else if (view.IsNumber()) {
    if (std::optional<int64_t> i = view.NumberAsInt64()) {
      c.shape = Shape::kInteger;
      c.integer = *i;
    } else {
      c.shape = Shape::kNumber;
      c.is_nan = view.type() == Type::kDouble && std::isnan(view.AsDouble());
    }
    c.number = view.NumberAsDouble();
  } else if (view.type() == Type::kDate) {
    c.shape = Shape::kDate;
    c.integer = view.AsDateMillis();
  } else if (view.IsString()) {
    c.shape = Shape::kString;
    c.text = std::string(view.AsString());
  }
  c.value = std::move(v);
  return c;
}

}  // namespace minimongo::query::internal
