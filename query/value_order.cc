#include "query/value_order.h"

#include <cmath>
#include <cstring>
#include <string_view>

namespace minimongo::query {
namespace {

int Sign(int64_t a, int64_t b) { return a < b ? -1 : (a > b ? 1 : 0); }

int CompareBytes(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// Exact comparison of an integer with a double. NaN is below every number.
int CompareInt64Double(int64_t i, double d) {
  if (std::isnan(d)) return 1;
  if (d >= 9223372036854775808.0) return -1;
  if (d < -9223372036854775808.0) return 1;
  // d is within int64 range, so truncation is exact and the remainder is representable.
  int64_t whole = static_cast<int64_t>(d);
  if (i != whole) return i < whole ? -1 : 1;
  double frac = d - static_cast<double>(whole);
  if (frac > 0) return -1;
  if (frac < 0) return 1;
  return 0;
}

int CompareDoubles(double a, double b) {
  bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb) return na && nb ? 0 : (na ? -1 : 1);
  return a < b ? -1 : (a > b ? 1 : 0);  // -0 == 0
}

uint64_t Mix(uint64_t h, uint64_t v) {
  // A 64-bit mix step (from MurmurHash3's finalizer), good enough for hash tables.
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

uint64_t HashBytes(std::string_view s) {
  // FNV-1a over 8-byte words, then the tail.
  uint64_t h = 0xcbf29ce484222325ULL ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0x100000001b3ULL;
    h ^= h >> 29;
  }
  for (; i < s.size(); ++i) h = (h ^ static_cast<unsigned char>(s[i])) * 0x100000001b3ULL;
  return h;
}

uint64_t HashImpl(ValueView v) {
  uint64_t h = static_cast<uint64_t>(CanonicalTypeOrder(v.type())) * 0x9e3779b97f4a7c15ULL;
  switch (v.type()) {
    case Type::kMinKey:
    case Type::kNull:
    case Type::kMaxKey:
      return h;
    case Type::kInt32:
    case Type::kInt64:
    case Type::kDouble: {
      if (auto i = v.NumberAsInt64()) return Mix(h, static_cast<uint64_t>(*i));
      double d = v.AsDouble();  // only doubles are non-integral
      if (std::isnan(d)) return Mix(h, 0x7ff8000000000000ULL);
      uint64_t bits;
      std::memcpy(&bits, &d, 8);
      return Mix(h, bits);
    }
    case Type::kDecimal128:
      return Mix(h, HashBytes(std::string_view(reinterpret_cast<const char*>(v.payload()), 16)));
    case Type::kString:
      return Mix(h, HashBytes(v.AsString()));
    case Type::kBinary:
      return Mix(Mix(h, v.BinarySubtype()), HashBytes(v.BinaryData()));
    case Type::kObjectId:
      return Mix(h, HashBytes(std::string_view(reinterpret_cast<const char*>(v.payload()), 12)));
    case Type::kBool:
      return Mix(h, v.AsBool() ? 1 : 0);
    case Type::kDate:
      return Mix(h, static_cast<uint64_t>(v.AsDateMillis()));
    case Type::kTimestamp:
      return Mix(h, v.AsTimestamp());
    case Type::kRegex:
      return Mix(Mix(h, HashBytes(v.RegexPattern())), HashBytes(v.RegexFlags()));
    case Type::kObject:
      for (const Field& f : v.fields()) h = Mix(Mix(h, HashBytes(f.key)), HashImpl(f.value));
      return h;
    case Type::kArray:
      for (ValueView e : v.elements()) h = Mix(h, HashImpl(e));
      return Mix(h, v.size());
  }
  return h;
}

}  // namespace

int CanonicalTypeOrder(Type type) {
  switch (type) {
    case Type::kMinKey:
      return -1;
    case Type::kNull:
      return 5;
    case Type::kInt32:
    case Type::kInt64:
    case Type::kDouble:
    case Type::kDecimal128:
      return 10;
    case Type::kString:
      return 15;
    case Type::kObject:
      return 20;
    case Type::kArray:
      return 25;
    case Type::kBinary:
      return 30;
    case Type::kObjectId:
      return 35;
    case Type::kBool:
      return 40;
    case Type::kDate:
      return 45;
    case Type::kTimestamp:
      return 47;
    case Type::kRegex:
      return 50;
    case Type::kMaxKey:
      return 127;
  }
  return 0;
}

int CompareNumbers(ValueView a, ValueView b) {
  Type ta = a.type(), tb = b.type();
  if (ta != Type::kDouble && tb != Type::kDouble) {
    int64_t ia = ta == Type::kInt32 ? a.AsInt32() : a.AsInt64();
    int64_t ib = tb == Type::kInt32 ? b.AsInt32() : b.AsInt64();
    return Sign(ia, ib);
  }
  if (ta == Type::kDouble && tb == Type::kDouble) return CompareDoubles(a.AsDouble(), b.AsDouble());
  if (ta == Type::kDouble) {
    int64_t ib = tb == Type::kInt32 ? b.AsInt32() : b.AsInt64();
    return -CompareInt64Double(ib, a.AsDouble());
  }
  int64_t ia = ta == Type::kInt32 ? a.AsInt32() : a.AsInt64();
  return CompareInt64Double(ia, b.AsDouble());
}

int CompareValues(ValueView a, ValueView b) {
  int ra = CanonicalTypeOrder(a.type()), rb = CanonicalTypeOrder(b.type());
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (a.type()) {
    case Type::kMinKey:
    case Type::kNull:
    case Type::kMaxKey:
      return 0;
    case Type::kInt32:
    case Type::kInt64:
    case Type::kDouble:
    case Type::kDecimal128:
      return CompareNumbers(a, b);
    case Type::kString:
      return CompareBytes(a.AsString(), b.AsString());
    case Type::kObject: {
      ObjectRange ra_fields = a.fields(), rb_fields = b.fields();
      auto ia = ra_fields.begin(), ea = ra_fields.end();
      auto ib = rb_fields.begin(), eb = rb_fields.end();
      for (; ia != ea && ib != eb; ++ia, ++ib) {
        int ta = CanonicalTypeOrder(ia->value.type()), tb = CanonicalTypeOrder(ib->value.type());
        if (ta != tb) return ta < tb ? -1 : 1;
        if (int c = CompareBytes(ia->key, ib->key); c != 0) return c;
        if (int c = CompareValues(ia->value, ib->value); c != 0) return c;
      }
      if (ia == ea && ib == eb) return 0;
      return ia == ea ? -1 : 1;
    }
    case Type::kArray: {
      ArrayRange ra_el = a.elements(), rb_el = b.elements();
      auto ia = ra_el.begin(), ea = ra_el.end();
      auto ib = rb_el.begin(), eb = rb_el.end();
      for (; ia != ea && ib != eb; ++ia, ++ib) {
        if (int c = CompareValues(*ia, *ib); c != 0) return c;
      }
      if (ia == ea && ib == eb) return 0;
      return ia == ea ? -1 : 1;
    }
    case Type::kBinary: {
      std::string_view da = a.BinaryData(), db = b.BinaryData();
      if (da.size() != db.size()) return da.size() < db.size() ? -1 : 1;
      if (a.BinarySubtype() != b.BinarySubtype()) {
        return a.BinarySubtype() < b.BinarySubtype() ? -1 : 1;
      }
      return CompareBytes(da, db);
    }
    case Type::kObjectId: {
      int c = std::memcmp(a.payload(), b.payload(), 12);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case Type::kBool:
      return Sign(a.AsBool(), b.AsBool());
    case Type::kDate:
      return Sign(a.AsDateMillis(), b.AsDateMillis());
    case Type::kTimestamp: {
      uint64_t x = a.AsTimestamp(), y = b.AsTimestamp();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    case Type::kRegex: {
      if (int c = CompareBytes(a.RegexPattern(), b.RegexPattern()); c != 0) return c;
      return CompareBytes(a.RegexFlags(), b.RegexFlags());
    }
  }
  return 0;
}

size_t HashValue(ValueView v) { return static_cast<size_t>(HashImpl(v)); }

size_t HashStringValue(std::string_view s) {
  const uint64_t h = static_cast<uint64_t>(CanonicalTypeOrder(Type::kString)) * 0x9e3779b97f4a7c15ULL;
  return static_cast<size_t>(Mix(h, HashBytes(s)));
}

}  // namespace minimongo::query
