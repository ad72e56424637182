#include "query/upsert.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "fmt/format.h"
#include "query/internal/modifier_op.h"
#include "query/internal/modifier_util.h"
#include "query/internal/mutable_value.h"
#include "query/internal/status_macros.h"
#include "query/limits.h"

namespace minimongo::query {

namespace {

using internal::MutableValue;

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

struct Equality {
  std::vector<std::string> parts;
  std::string path;
  ValueView value;
};

// Collects the equality clauses of `selector` in document order. Recursion follows $and/$or
// nesting, capped at kMaxExpressionDepth.
absl::Status Collect(ValueView selector, size_t depth, std::vector<Equality>* out) {
  // A one-clause $or is what MongoDB's expression simplification turns into its clause; a
  // multi-clause $or, $nor and the other top-level operators constrain nothing to one value.
  if (depth > kMaxExpressionDepth) {
    return Invalid(fmt::format("upsert selector nests deeper than {} levels", kMaxExpressionDepth));
  }
  for (const Field& f : selector.fields()) {
    if (!f.key.empty() && f.key[0] == '$') {
      bool single_or = f.key == "$or" && f.value.IsArray() && f.value.size() == 1;
      if (f.key == "$and" || single_or) {
        for (ValueView clause : f.value.elements()) {
          if (clause.IsObject()) RETURN_IF_ERROR(Collect(clause, depth + 1, out));
        }
      }
      continue;  // $nor, multi-clause $or, $comment, $where, ...: no fields
    }
    // An object whose first key is an operator is an operator document (the selector compiler
    // rejects mixing operators and fields); its $eq is an equality, and so is each plain value
    // of its $all (MongoDB parses $all as an $and of equalities: {$all: [5]} seeds 5, two values
    // on one path are "matched twice"). Any other object or array is a literal compared as a
    // whole, so it is the field's value.
    std::vector<ValueView> values;
    if (f.value.IsObject() && !f.value.empty() &&
        f.value.fields().begin()->key.substr(0, 1) == "$") {
      if (std::optional<ValueView> eq = f.value.Find("$eq")) values.push_back(*eq);
      if (std::optional<ValueView> all = f.value.Find("$all"); all && all->IsArray()) {
        for (ValueView v : all->elements()) {
          bool op_object =
              v.IsObject() && !v.empty() && v.fields().begin()->key.substr(0, 1) == "$";
          if (!op_object && v.type() != Type::kRegex) values.push_back(v);  // not $elemMatch
        }
      }
      // $gt, $in, $elemMatch, ...: no equality
    } else if (f.value.type() != Type::kRegex) {  // a regex matches strings; not an equality
      values.push_back(f.value);
    }
    for (ValueView value : values) {
      Equality e;
      e.path = std::string(f.key);
      e.value = value;
      size_t start = 0;
      while (true) {
        size_t dot = f.key.find('.', start);
        std::string_view part = f.key.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (part.empty()) {
          return Invalid(fmt::format("upsert selector path '{}' has an empty field name", f.key));
        }
        e.parts.emplace_back(part);
        if (dot == std::string_view::npos) break;
        start = dot + 1;
      }
      if (e.parts.size() + internal::ValueDepth(value) > kMaxDepth) {
        return Invalid(fmt::format("upsert document at '{}' would nest deeper than {} levels",
                                   f.key, kMaxDepth));
      }
      RETURN_IF_ERROR(internal::CheckStorable(value, f.key));
      out->push_back(std::move(e));
    }
  }
  return absl::OkStatus();
}

bool IsPrefix(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

absl::StatusOr<Value> SeedUpsertDocument(ValueView selector) {
  if (!selector.IsObject()) {
    return Invalid(
        fmt::format("upsert selector must be a document, not {}", TypeName(selector.type())));
  }
  std::vector<Equality> equalities;
  RETURN_IF_ERROR(Collect(selector, 0, &equalities));
  // Quadratic, but selectors have a handful of clauses.
  for (size_t i = 0; i < equalities.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const Equality& a = equalities[j];
      const Equality& b = equalities[i];
      if (a.parts == b.parts) {
        return Invalid(
            fmt::format("cannot infer query fields to set, path '{}' is matched twice", b.path));
      }
      if (IsPrefix(a.parts, b.parts) || IsPrefix(b.parts, a.parts)) {
        return Invalid(
            fmt::format("cannot infer query fields to set, both paths '{}' and '{}' are matched",
                        b.path, a.path));
      }
    }
  }
  // `_id` first, as MongoDB stores inserted documents.
  std::stable_partition(equalities.begin(), equalities.end(),
                        [](const Equality& e) { return e.parts[0] == "_id"; });
  MutableValue root = MutableValue::EmptyObject();
  for (const Equality& e : equalities) {
    MutableValue* node = &root;
    for (size_t i = 0; i + 1 < e.parts.size(); ++i) {
      MutableValue* child = node->FindField(e.parts[i]);
      // Paths are prefix-free, so an existing intermediate was created here as an object.
      if (child == nullptr) child = node->AppendField(e.parts[i], MutableValue::EmptyObject());
      node = child;
    }
    node->AppendField(e.parts.back(), MutableValue(e.value.ToValue()));
  }
  return root.ToValue();
}

}  // namespace minimongo::query
