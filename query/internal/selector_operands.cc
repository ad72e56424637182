#include "query/internal/selector_operands.h"

#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "fmt/format.h"
#include "query/internal/status_macros.h"

namespace minimongo::query::internal {
namespace {

std::string NumberText(ValueView v) {
  if (std::optional<int64_t> i = v.NumberAsInt64()) return fmt::format("{}", *i);
  return fmt::format("{}", v.NumberAsDouble());
}

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(message); }

uint32_t Bit(Type t) { return 1u << static_cast<unsigned>(t); }

// Node::type_mask bits for a MongoDB type code; nullopt for invalid codes.
std::optional<uint32_t> TypeMaskForCode(int64_t code) {
  switch (code) {
    case 1:
      return Bit(Type::kDouble);
    case 2:
      return Bit(Type::kString);
    case 3:
      return Bit(Type::kObject);
    case 4:
      return Bit(Type::kArray);
    case 5:
      return Bit(Type::kBinary);
    case 6:   // undefined
    case 12:  // dbPointer
    case 13:  // javascript
    case 14:  // symbol
    case 15:  // javascriptWithScope
      return 0u;
    case 7:
      return Bit(Type::kObjectId);
    case 8:
      return Bit(Type::kBool);
    case 9:
      return Bit(Type::kDate);
    case 10:
      return Bit(Type::kNull);
    case 11:
      return Bit(Type::kRegex);
    case 16:
      return Bit(Type::kInt32);
    case 17:
      return Bit(Type::kTimestamp);
    case 18:
      return Bit(Type::kInt64);
    case 19:
      return Bit(Type::kDecimal128);
    case -1:
      return Bit(Type::kMinKey);
    case 127:
      return Bit(Type::kMaxKey);
    default:
      return std::nullopt;
  }
}

std::optional<uint32_t> TypeMaskForAlias(std::string_view alias) {
  struct Alias {
    std::string_view name;
    int64_t code;
  };
  static constexpr Alias kAliases[] = {
      {"double", 1},      {"string", 2},     {"object", 3},
      {"array", 4},       {"binData", 5},    {"undefined", 6},
      {"objectId", 7},    {"bool", 8},       {"date", 9},
      {"null", 10},       {"regex", 11},     {"dbPointer", 12},
      {"javascript", 13}, {"symbol", 14},    {"javascriptWithScope", 15},
      {"int", 16},        {"timestamp", 17}, {"long", 18},
      {"decimal", 19},    {"minKey", -1},    {"maxKey", 127},
  };
  if (alias == "number") {
    return Bit(Type::kInt32) | Bit(Type::kInt64) | Bit(Type::kDouble) | Bit(Type::kDecimal128);
  }
  for (const Alias& a : kAliases) {
    if (a.name == alias) return TypeMaskForCode(a.code);
  }
  return std::nullopt;
}

absl::Status AddType(ValueView t, uint32_t* mask) {
  if (t.IsString()) {
    std::optional<uint32_t> m = TypeMaskForAlias(t.AsString());
    if (!m) return Invalid(fmt::format("unknown type name alias: {}", t.AsString()));
    *mask |= *m;
    return absl::OkStatus();
  }
  if (t.IsNumber()) {
    std::optional<int64_t> code = t.NumberAsInt64();
    std::optional<uint32_t> m;
    if (code) m = TypeMaskForCode(*code);
    if (!m) return Invalid(fmt::format("invalid numerical type code: {}", NumberText(t)));
    *mask |= *m;
    return absl::OkStatus();
  }
  return Invalid("type must be represented as a number or a string");
}

// A $mod argument as int64, truncated toward zero (MongoDB 5+), when it is finite and in range.
std::optional<int64_t> ModArgument(ValueView v) {
  if (v.type() != Type::kDouble) return v.NumberAsInt64();
  double d = std::trunc(v.AsDouble());
  // Written so that NaN fails too.
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return std::nullopt;
  return static_cast<int64_t>(d);
}

}  // namespace

absl::StatusOr<uint32_t> ParseTypeOperand(ValueView operand) {
  uint32_t mask = 0;
  if (operand.IsArray()) {
    if (operand.empty()) return Invalid("$type must match at least one type");
    for (ValueView t : operand.elements()) RETURN_IF_ERROR(AddType(t, &mask));
  } else {
    RETURN_IF_ERROR(AddType(operand, &mask));
  }
  return mask;
}

absl::Status ParseModOperand(ValueView operand, int64_t* divisor, int64_t* remainder) {
  if (!operand.IsArray()) return Invalid("malformed mod, needs to be an array");
  if (operand.size() < 2) return Invalid("malformed mod, not enough elements");
  if (operand.size() > 2) return Invalid("malformed mod, too many elements");
  ValueView d = *operand.At(0);
  ValueView r = *operand.At(1);
  if (!d.IsNumber()) return Invalid("malformed mod, divisor not a number");
  if (!r.IsNumber()) return Invalid("malformed mod, remainder not a number");
  std::optional<int64_t> dv = ModArgument(d);
  if (!dv) return Invalid("malformed mod, divisor value is invalid");
  std::optional<int64_t> rv = ModArgument(r);
  if (!rv) return Invalid("malformed mod, remainder value is invalid");
  if (*dv == 0) return Invalid("divisor cannot be 0");
  *divisor = *dv;
  *remainder = *rv;
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> ParseSizeOperand(ValueView operand) {
  if (!operand.IsNumber()) return Invalid("$size needs a number");
  std::optional<int64_t> size = operand.NumberAsInt64();
  if (!size) return Invalid("$size must be a whole number");
  if (*size < 0) return Invalid("$size may not be negative");
  if (*size > std::numeric_limits<int32_t>::max()) {
    return Invalid("$size must be representable as a 32-bit integer");
  }
  return static_cast<uint32_t>(*size);
}

absl::StatusOr<BitMask> ParseBitsOperand(std::string_view op, ValueView operand) {
  BitMask mask;
  if (operand.IsArray()) {
    for (ValueView p : operand.elements()) {
      if (!p.IsNumber()) return Invalid(fmt::format("{} bit positions must be integers", op));
      std::optional<int64_t> position = p.NumberAsInt64();
      if (!position) {
        return Invalid(
            fmt::format("{} bit positions must be integers but got {}", op, NumberText(p)));
      }
      if (*position < 0) {
        return Invalid(fmt::format("{} bit positions must be >= 0 but got {}", op, *position));
      }
      if (*position > std::numeric_limits<int32_t>::max()) {
        return Invalid(fmt::format("{} bit positions must fit a 32-bit signed integer", op));
      }
      mask.positions.push_back(static_cast<uint64_t>(*position));
    }
  } else if (operand.IsNumber()) {
    std::optional<int64_t> bitmask = operand.NumberAsInt64();
    if (!bitmask || *bitmask < 0) {
      return Invalid(fmt::format("{} bitmask must be a non-negative integer", op));
    }
    for (uint64_t b = 0; b < 63; ++b) {  // bit 63 is the sign: clear in a non-negative mask
      if ((static_cast<uint64_t>(*bitmask) >> b) & 1) mask.positions.push_back(b);
    }
  } else if (operand.type() == Type::kBinary) {
    // Bit p of a BinData mask is bit p % 8 of byte p / 8.
    std::string_view data = operand.BinaryData();
    for (size_t byte = 0; byte < data.size(); ++byte) {
      for (unsigned bit = 0; bit < 8; ++bit) {
        if ((static_cast<unsigned char>(data[byte]) >> bit) & 1) {
          mask.positions.push_back(byte * 8 + bit);
        }
      }
    }
  } else {
    return Invalid(fmt::format("{} takes an array, a number, or a BinData", op));
  }
  // Numbers are tested as sign-extended 64-bit integers: positions past 63 test the sign bit.
  for (uint64_t p : mask.positions) mask.mask64 |= uint64_t{1} << (p < 63 ? p : 63);
  return mask;
}

bool Truthy(ValueView v) {
  switch (v.type()) {
    case Type::kNull:
      return false;
    case Type::kBool:
      return v.AsBool();
    case Type::kInt32:
    case Type::kInt64:
    case Type::kDouble:
      return v.NumberAsDouble() != 0;
    default:
      return true;
  }
}

bool DepthAtMost(ValueView v, size_t levels) {
  if (!v.IsObject() && !v.IsArray()) return true;
  if (levels == 0) return false;
  if (v.IsObject()) {
    for (const Field& f : v.fields()) {
      if (!DepthAtMost(f.value, levels - 1)) return false;
    }
  } else {
    for (ValueView e : v.elements()) {
      if (!DepthAtMost(e, levels - 1)) return false;
    }
  }
  return true;
}

}  // namespace minimongo::query::internal
