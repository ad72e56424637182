#include "query/internal/modifier_util.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "fmt/format.h"
#include "query/ejson.h"

namespace minimongo::query::internal {

namespace {

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

}  // namespace

std::string DescribeId(ValueView doc) {
  std::optional<ValueView> id = doc.Find("_id");
  if (!id.has_value()) return "no id";
  return "_id: " + ShortEjson(*id);
}

// Messages stay one line and bounded even for huge values.
std::string ShortEjson(ValueView v) {
  constexpr size_t kMax = 200;
  std::string text = ToEjson(v, EjsonOptions{.mark_doubles = true});
  if (text.size() > kMax) {
    text.resize(kMax);
    text += "...";
  }
  return text;
}

// Depth-first with an explicit stack: Values built in memory can be deeper than the codec
// allows, so no recursion.
size_t ValueDepth(ValueView v) {
  if (!v.IsObject() && !v.IsArray()) return 0;
  struct Frame {
    ValueView value;
    size_t depth;
  };
  std::vector<Frame> stack{{v, 1}};
  size_t max_depth = 1;
  while (!stack.empty()) {
    Frame f = stack.back();
    stack.pop_back();
    max_depth = std::max(max_depth, f.depth);
    auto visit = [&](ValueView child) {
      if (child.IsObject() || child.IsArray()) stack.push_back(Frame{child, f.depth + 1});
    };
    if (f.value.IsObject()) {
      for (const Field& field : f.value.fields()) visit(field.value);
    } else {
      for (ValueView e : f.value.elements()) visit(e);
    }
  }
  return max_depth;
}

// Same walk as ValueDepth, carrying the dotted path of each container for the message.
absl::Status CheckStorable(ValueView v, std::string_view path) {
  if (!v.IsObject() && !v.IsArray()) return absl::OkStatus();
  struct Frame {
    ValueView value;
    std::string path;
  };
  std::vector<Frame> stack{{v, std::string(path)}};
  while (!stack.empty()) {
    Frame f = std::move(stack.back());
    stack.pop_back();
    if (f.value.IsObject()) {
      for (const Field& field : f.value.fields()) {
        std::string child_path =
            f.path.empty() ? std::string(field.key) : fmt::format("{}.{}", f.path, field.key);
        if (!field.key.empty() && field.key[0] == '$') {
          return Invalid(
              fmt::format("The dollar ($) prefixed field '{}' in '{}' is not valid for storage.",
                          field.key, child_path));
        }
        if (field.key.find('.') != std::string_view::npos) {
          return Invalid(fmt::format("The dotted field '{}' in '{}' is not valid for storage.",
                                     field.key, child_path));
        }
        if (field.value.IsObject() || field.value.IsArray()) {
          stack.push_back(Frame{field.value, std::move(child_path)});
        }
      }
    } else {
      size_t i = 0;
      for (ValueView e : f.value.elements()) {
        if (e.IsObject() || e.IsArray()) {
          stack.push_back(Frame{e, fmt::format("{}.{}", f.path, i)});
        }
        ++i;
      }
    }
  }
  return absl::OkStatus();
}

namespace {
bool IsIntegral(Type t) { return t == Type::kInt32 || t == Type::kInt64; }
int64_t IntegralValue(ValueView v) { return v.type() == Type::kInt32 ? v.AsInt32() : v.AsInt64(); }
}  // namespace

// MongoDB's SafeNum rules: int32 arithmetic is done in int64 (it cannot overflow there) and
// narrowed back when it fits; int64 arithmetic checks overflow with the compiler builtins.
std::optional<Value> AddNumbers(ValueView a, ValueView b) {
  if (!IsIntegral(a.type()) || !IsIntegral(b.type())) {
    return Value::Double(a.NumberAsDouble() + b.NumberAsDouble());
  }
  int64_t x = IntegralValue(a);
  int64_t y = IntegralValue(b);
  if (a.type() == Type::kInt32 && b.type() == Type::kInt32) {
    int64_t sum = x + y;  // cannot overflow int64
    if (sum >= INT32_MIN && sum <= INT32_MAX) return Value::Int32(static_cast<int32_t>(sum));
    return Value::Int64(sum);
  }
  int64_t sum;
  if (__builtin_add_overflow(x, y, &sum)) return std::nullopt;
  return Value::Int64(sum);
}

// Same promotion as AddNumbers; int32 * int32 fits in int64 exactly.
std::optional<Value> MultiplyNumbers(ValueView a, ValueView b) {
  if (!IsIntegral(a.type()) || !IsIntegral(b.type())) {
    return Value::Double(a.NumberAsDouble() * b.NumberAsDouble());
  }
  int64_t x = IntegralValue(a);
  int64_t y = IntegralValue(b);
  if (a.type() == Type::kInt32 && b.type() == Type::kInt32) {
    int64_t product = x * y;  // |x|,|y| <= 2^31: cannot overflow int64
    if (product >= INT32_MIN && product <= INT32_MAX) {
      return Value::Int32(static_cast<int32_t>(product));
    }
    return Value::Int64(product);
  }
  int64_t product;
  if (__builtin_mul_overflow(x, y, &product)) return std::nullopt;
  return Value::Int64(product);
}

}  // namespace minimongo::query::internal
