#include "query/value.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <new>

#include "query/internal/key_dictionary.h"

namespace minimongo::query {
namespace internal {

ValueNode* ValueNode::Allocate(size_t size) {
  void* mem = std::malloc(sizeof(ValueNode) + size);
  if (mem == nullptr) throw std::bad_alloc();
  ValueNode* node = new (mem) ValueNode;
  node->refs.store(1, std::memory_order_relaxed);
  node->size = static_cast<uint32_t>(size);
  return node;
}

void ValueNode::Unref() const {
  // acq_rel: the last owner must see every write made through other owners before freeing.
  if (const_cast<ValueNode*>(this)->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    ValueNode* self = const_cast<ValueNode*>(this);
    self->~ValueNode();
    std::free(self);
  }
}

}  // namespace internal

using internal::KeyDictionary;
using internal::ValueNode;

namespace {

uint32_t LoadU32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

template <typename T>
T Load(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Reads a field name at *p and advances *p past it.
std::string_view ReadKey(const unsigned char** p) {
  size_t k = internal::ReadKeyCode(p);
  if ((k & 1) == 0) return KeyDictionary::Name(static_cast<uint32_t>(k >> 1));
  size_t len = k >> 1;
  std::string_view key(reinterpret_cast<const char*>(*p), len);
  *p += len;
  return key;
}

// Payload sizes that fit inline in a Value.
bool FitsInline(Type type, const unsigned char* payload) {
  switch (type) {
    case Type::kObject:
    case Type::kArray:
    case Type::kBinary:
    case Type::kRegex:
    case Type::kDecimal128:
      return false;
    case Type::kString:
      return LoadU32(payload) <= kMaxInlineStringBytes;
    default:
      return true;
  }
}


}  // namespace

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kMinKey:
      return "minKey";
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "bool";
    case Type::kInt32:
      return "int";
    case Type::kInt64:
      return "long";
    case Type::kDouble:
      return "double";
    case Type::kString:
      return "string";
    case Type::kObject:
      return "object";
    case Type::kArray:
      return "array";
    case Type::kBinary:
      return "binData";
    case Type::kObjectId:
      return "objectId";
    case Type::kDate:
      return "date";
    case Type::kTimestamp:
      return "timestamp";
    case Type::kRegex:
      return "regex";
    case Type::kMaxKey:
      return "maxKey";
    case Type::kDecimal128:
      return "decimal";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// ObjectId

std::optional<ObjectId> ObjectId::FromHex(std::string_view hex) {
  if (hex.size() != 24) return std::nullopt;
  ObjectId oid;
  for (size_t i = 0; i < 24; ++i) {
    char c = hex[i];
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    if (i % 2 == 0) {
      oid.bytes[i / 2] = static_cast<uint8_t>(v << 4);
    } else {
      oid.bytes[i / 2] |= static_cast<uint8_t>(v);
    }
  }
  return oid;
}

std::string ObjectId::ToHex() const {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(24, '0');
  for (size_t i = 0; i < 12; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// ValueView


bool ValueView::AsBool() const {
  assert(type_ == Type::kBool);
  return payload_[0] != 0;
}
int32_t ValueView::AsInt32() const {
  assert(type_ == Type::kInt32);
  return Load<int32_t>(payload_);
}
int64_t ValueView::AsInt64() const {
  assert(type_ == Type::kInt64);
  return Load<int64_t>(payload_);
}
double ValueView::AsDouble() const {
  assert(type_ == Type::kDouble);
  return Load<double>(payload_);
}
double ValueView::NumberAsDouble() const {
  switch (type_) {
    case Type::kInt32:
      return Load<int32_t>(payload_);
    case Type::kInt64:
      return static_cast<double>(Load<int64_t>(payload_));
    case Type::kDouble:
      return Load<double>(payload_);
    default:
      assert(false && "NumberAsDouble on a non-number");
      return 0;
  }
}
std::optional<int64_t> ValueView::NumberAsInt64() const {
  switch (type_) {
    case Type::kInt32:
      return Load<int32_t>(payload_);
    case Type::kInt64:
      return Load<int64_t>(payload_);
    case Type::kDouble: {
      double d = Load<double>(payload_);
      // The range check is written so that NaN fails it.
      if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return std::nullopt;
      int64_t i = static_cast<int64_t>(d);
      if (static_cast<double>(i) != d) return std::nullopt;
      return i;
    }
    default:
      return std::nullopt;
  }
}
int64_t ValueView::AsDateMillis() const {
  assert(type_ == Type::kDate);
  return Load<int64_t>(payload_);
}
uint64_t ValueView::AsTimestamp() const {
  assert(type_ == Type::kTimestamp);
  return Load<uint64_t>(payload_);
}
ObjectId ValueView::AsObjectId() const {
  assert(type_ == Type::kObjectId);
  ObjectId oid;
  std::memcpy(oid.bytes.data(), payload_, 12);
  return oid;
}
std::string_view ValueView::AsString() const {
  assert(type_ == Type::kString);
  return std::string_view(reinterpret_cast<const char*>(payload_ + 4), LoadU32(payload_));
}
std::string_view ValueView::BinaryData() const {
  assert(type_ == Type::kBinary);
  return std::string_view(reinterpret_cast<const char*>(payload_ + 5), LoadU32(payload_));
}
uint8_t ValueView::BinarySubtype() const {
  assert(type_ == Type::kBinary);
  return payload_[4];
}
std::string_view ValueView::RegexPattern() const {
  assert(type_ == Type::kRegex);
  return std::string_view(reinterpret_cast<const char*>(payload_ + 4), LoadU32(payload_));
}
std::string_view ValueView::RegexFlags() const {
  assert(type_ == Type::kRegex);
  uint32_t n = LoadU32(payload_);
  return std::string_view(reinterpret_cast<const char*>(payload_ + 5 + n), payload_[4 + n]);
}

std::optional<ValueView> ValueView::Find(std::string_view key) const {
  if (type_ != Type::kObject) return std::nullopt;
  return Find(FieldKey(key));
}

std::optional<ValueView> ValueView::Find(const FieldKey& key) const {
  if (type_ != Type::kObject) return std::nullopt;
  uint32_t count = LoadU32(payload_ + 4);
  const unsigned char* p = payload_ + 8;
  const size_t want = key.code_;
  // An interned name is stored as its id in every document built since it was interned, and a
  // name that could not be interned is stored inline everywhere (the dictionary never forgets
  // and never admits a name it once refused), so one comparison of codes decides, plus the
  // bytes for inline names.
  if (want < 0x80 && (want & 1) == 0) {
    // The common case, an interned name whose code is one byte: a field matches exactly when
    // its code's first byte equals it (a longer code's first byte has the high bit set), so
    // the scan reads one byte per name unless the name is stored inline or has a long code.
    for (uint32_t i = 0; i < count; ++i) {
      const Type t = static_cast<Type>(p[0]);
      const unsigned char first = p[1];
      if (first == want) return ValueView(t, p + 2, node_);
      p += 1;
      if ((first & 0x81) == 0) {
        p += 1;
      } else {
        const size_t code = internal::ReadKeyCode(&p);
        if ((code & 1) != 0) p += code >> 1;
      }
      p += internal::PayloadSize(t, p);
    }
    return std::nullopt;
  }
  const bool inline_name = (want & 1) != 0;
  for (uint32_t i = 0; i < count; ++i) {
    Type t = static_cast<Type>(*p++);
    size_t code = internal::ReadKeyCode(&p);
    bool match = code == want;
    if (code & 1) {
      size_t len = code >> 1;
      match = match && inline_name && std::memcmp(p, key.name_.data(), len) == 0;
      p += len;
    }
    if (match) return ValueView(t, p, node_);
    p += internal::PayloadSize(t, p);
  }
  return std::nullopt;
}

size_t FieldKeyCode(std::string_view name) {
  int64_t id = KeyDictionary::Intern(name);
  return id >= 0 ? static_cast<size_t>(id) << 1 : (name.size() << 1) | 1;
}

FieldKey::FieldKey(std::string_view name) : name_(name), code_(FieldKeyCode(name)) {}

std::optional<ValueView> ValueView::At(size_t index) const {
  if (type_ != Type::kArray) return std::nullopt;
  uint32_t count = LoadU32(payload_ + 4);
  if (index >= count) return std::nullopt;
  const unsigned char* p = payload_ + 8;
  for (size_t i = 0;; ++i) {
    Type t = static_cast<Type>(*p++);
    if (i == index) return ValueView(t, p, node_);
    p += internal::PayloadSize(t, p);
  }
}

ArrayRange ValueView::elements() const {
  if (type_ != Type::kArray) return ArrayRange(nullptr, 0, node_);
  return ArrayRange(payload_ + 8, LoadU32(payload_ + 4), node_);
}

Value ValueView::ToValue() const {
  size_t size = internal::PayloadSize(type_, payload_);
  if (FitsInline(type_, payload_)) return Value::FromInline(type_, payload_, size);
  if (node_ == nullptr) {
    // A view into memory no node owns (a ValueBuilder's buffer): copy the payload.
    ValueNode* node = ValueNode::Allocate(size);
    std::memcpy(node->data(), payload_, size);
    return Value::FromNode(type_, node, 0);
  }
  node_->Ref();
  return Value::FromNode(type_, node_, static_cast<uint32_t>(payload_ - node_->data()));
}

bool BytesIdentical(ValueView a, ValueView b) {
  if (a.type() != b.type()) return false;
  const size_t size = a.payload_size();
  return size == b.payload_size() &&
         (a.payload() == b.payload() || std::memcmp(a.payload(), b.payload(), size) == 0);
}

// ---------------------------------------------------------------------------------------------
// Iterators

bool StorableName(std::string_view name) {
  return !name.starts_with('$') && name.find('.') == std::string_view::npos;
}

bool PlainFieldName(std::string_view name) {
  if (name.empty() || !StorableName(name)) return false;
  for (char c : name) {
    if (c < '0' || c > '9') return true;
  }
  return false;
}

bool ObjectIterator::KeyIsPlainFieldName() const {
  if ((key_code_ & 1) == 0) {
    return KeyDictionary::PlainField(static_cast<uint32_t>(key_code_ >> 1));
  }
  const size_t length = key_code_ >> 1;
  return PlainFieldName(
      std::string_view(reinterpret_cast<const char*>(current_.value.payload() - length), length));
}

bool ObjectIterator::KeyIsStorable() const {
  if ((key_code_ & 1) == 0) return KeyDictionary::Storable(static_cast<uint32_t>(key_code_ >> 1));
  const size_t length = key_code_ >> 1;
  return StorableName(
      std::string_view(reinterpret_cast<const char*>(current_.value.payload() - length), length));
}

void ObjectIterator::DecodeKey() const {
  assert(remaining_ > 0);
  if ((key_code_ & 1) == 0) {
    current_.key = KeyDictionary::Name(static_cast<uint32_t>(key_code_ >> 1));
  } else {
    // An inline name ends where the value's payload begins.
    const size_t length = key_code_ >> 1;
    current_.key =
        std::string_view(reinterpret_cast<const char*>(current_.value.payload() - length), length);
  }
  key_decoded_ = true;
}

bool ObjectIterator::SameKeyAs(const ObjectIterator& other) const {
  assert(remaining_ > 0 && other.remaining_ > 0);
  if (key_code_ != other.key_code_) return false;
  if ((key_code_ & 1) == 0) return true;
  const size_t length = key_code_ >> 1;
  return std::memcmp(current_.value.payload() - length, other.current_.value.payload() - length,
                     length) == 0;
}

ArrayIterator::ArrayIterator(const unsigned char* p, uint32_t remaining,
                             const internal::ValueNode* node)
    : next_(p), remaining_(remaining), node_(node) {
  if (remaining_ > 0) Load();
}

void ArrayIterator::Load() {
  const unsigned char* p = next_;
  Type t = static_cast<Type>(*p++);
  current_ = ValueView(t, p, node_);
  next_ = p + internal::PayloadSize(t, p);
}

ArrayIterator& ArrayIterator::operator++() {
  if (--remaining_ > 0) Load();
  return *this;
}

// ---------------------------------------------------------------------------------------------
// Value

Value::Value(const Value& other) : heap_(other.heap_), type_(other.type_) {
  std::memcpy(rep_, other.rep_, kInlineCapacity);
  if (heap_) node()->Ref();
}

Value::Value(Value&& other) noexcept : heap_(other.heap_), type_(other.type_) {
  std::memcpy(rep_, other.rep_, kInlineCapacity);
  other.heap_ = false;
  other.type_ = Type::kNull;
}

Value& Value::operator=(const Value& other) {
  if (this != &other) {
    if (other.heap_) other.node()->Ref();
    if (heap_) node()->Unref();
    std::memcpy(rep_, other.rep_, kInlineCapacity);
    heap_ = other.heap_;
    type_ = other.type_;
  }
  return *this;
}

Value& Value::operator=(Value&& other) noexcept {
  if (this != &other) {
    if (heap_) node()->Unref();
    std::memcpy(rep_, other.rep_, kInlineCapacity);
    heap_ = other.heap_;
    type_ = other.type_;
    other.heap_ = false;
    other.type_ = Type::kNull;
  }
  return *this;
}

Value Value::FromNode(Type type, const internal::ValueNode* node, uint32_t offset) {
  Value v;
  v.heap_ = true;
  v.type_ = type;
  std::memcpy(v.rep_, &node, sizeof(node));
  std::memcpy(v.rep_ + 8, &offset, sizeof(offset));
  return v;
}

Value Value::UninitializedObject(size_t size, unsigned char** bytes) {
  assert(size >= 8 && size <= UINT32_MAX);
  internal::ValueNode* node = internal::ValueNode::Allocate(size);
  *bytes = node->data();
  return FromNode(Type::kObject, node, 0);
}

Value Value::FromInline(Type type, const void* payload, size_t size) {
  assert(size <= kInlineCapacity);
  Value v;
  v.type_ = type;
  std::memcpy(v.rep_, payload, size);
  return v;
}

size_t Value::HeapBytes() const {
  if (!heap_) return 0;
  return sizeof(ValueNode) + node()->size;
}

Value Value::MinKey() {
  Value v;
  v.type_ = Type::kMinKey;
  return v;
}
Value Value::MaxKey() {
  Value v;
  v.type_ = Type::kMaxKey;
  return v;
}
Value Value::Bool(bool b) {
  unsigned char c = b ? 1 : 0;
  return FromInline(Type::kBool, &c, 1);
}
Value Value::Int32(int32_t i) { return FromInline(Type::kInt32, &i, 4); }
Value Value::Int64(int64_t i) { return FromInline(Type::kInt64, &i, 8); }
Value Value::Double(double d) { return FromInline(Type::kDouble, &d, 8); }
Value Value::Date(int64_t millis) { return FromInline(Type::kDate, &millis, 8); }
Value Value::Timestamp(uint64_t ts) { return FromInline(Type::kTimestamp, &ts, 8); }
Value Value::MakeObjectId(const ObjectId& oid) {
  return FromInline(Type::kObjectId, oid.bytes.data(), 12);
}
Value Value::String(std::string_view s) {
  ValueBuilder b;
  b.AppendString(s);
  return b.Finish();
}
Value Value::Binary(uint8_t subtype, std::string_view data) {
  ValueBuilder b;
  b.AppendBinary(subtype, data);
  return b.Finish();
}
Value Value::Regex(std::string_view pattern, std::string_view flags) {
  ValueBuilder b;
  b.AppendRegex(pattern, flags);
  return b.Finish();
}

namespace {
template <typename Fields>
Value BuildObject(const Fields& fields) {
  ValueBuilder b;
  b.BeginObject();
  std::vector<std::string_view> seen;
  for (const auto& [key, value] : fields) {
    std::string_view k(key);
    if (std::find(seen.begin(), seen.end(), k) != seen.end()) continue;
    seen.push_back(k);
    b.Key(k);
    b.Append(value.view());
  }
  bool unique = b.EndObject();
  assert(unique && "duplicates were filtered above");
  (void)unique;
  return b.Finish();
}

template <typename Elements>
Value BuildArray(const Elements& elements) {
  ValueBuilder b;
  b.BeginArray();
  for (const Value& v : elements) b.Append(v.view());
  b.EndArray();
  return b.Finish();
}
}  // namespace

Value Value::Object(std::initializer_list<std::pair<std::string_view, Value>> fields) {
  return BuildObject(fields);
}
Value Value::Object(const std::vector<std::pair<std::string, Value>>& fields) {
  return BuildObject(fields);
}
Value Value::Array(std::initializer_list<Value> elements) { return BuildArray(elements); }
Value Value::Array(const std::vector<Value>& elements) { return BuildArray(elements); }

// ---------------------------------------------------------------------------------------------
// ValueBuilder

void ValueBuilder::Write(const void* p, size_t n) { buf_.append(static_cast<const char*>(p), n); }

void ValueBuilder::BeginValue(Type type) {
  if (stack_.empty()) {
    assert(!has_top_ && "a builder describes exactly one top-level value");
    has_top_ = true;
    top_type_ = type;
  } else {
    Frame& f = stack_.back();
    if (f.is_object) {
      assert(has_pending_key_ && "Key() must precede each value in an object");
      // The type byte and the LEB128 code in one write (a code of a size_t is at most 10 bytes).
      const size_t code = pending_code_;
      char* out = buf_.Extend(11);
      out[0] = static_cast<char>(type);
      if (code < 0x80) {
        out[1] = static_cast<char>(code);  // ids below 64: nearly every key
        buf_.Commit(2);
      } else {
        size_t k = 1;
        size_t n = code;
        while (n >= 0x80) {
          out[k++] = static_cast<char>((n & 0x7f) | 0x80);
          n >>= 7;
        }
        out[k++] = static_cast<char>(n);
        buf_.Commit(k);
      }
      if ((code & 1) != 0) {
        buf_.append(pending_key_);
        f.needs_exact_check = true;
      } else {
        const uint64_t bit = uint64_t{1} << ((code >> 1) & 63);
        if ((f.key_bits & bit) != 0) f.needs_exact_check = true;
        f.key_bits |= bit;
      }
      has_pending_key_ = false;
    } else {
      buf_.push_back(static_cast<char>(type));
    }
    ++f.count;
  }
  last_value_pos_ = buf_.size();
  last_value_type_ = type;
}

void ValueBuilder::Key(std::string_view key) {
  assert(!stack_.empty() && stack_.back().is_object);
  // Resolved now, so that an interned name (nearly every one) is never copied.
  pending_code_ = FieldKeyCode(key);
  if ((pending_code_ & 1) != 0) pending_key_.assign(key.data(), key.size());
  has_pending_key_ = true;
}

void ValueBuilder::Key(const FieldKey& key) {
  assert(!stack_.empty() && stack_.back().is_object);
  // Only a name stored inline needs its bytes; an interned one is written as its code.
  if ((key.code_ & 1) != 0) pending_key_.assign(key.name_.data(), key.name_.size());
  pending_code_ = key.code_;
  has_pending_key_ = true;
}

void ValueBuilder::BeginObject() {
  BeginValue(Type::kObject);
  stack_.push_back(Frame{buf_.size(), 0, true, false, 0});
  buf_.append(8, '\0');
}

void ValueBuilder::BeginArray() {
  BeginValue(Type::kArray);
  stack_.push_back(Frame{buf_.size(), 0, false, false, 0});
  buf_.append(8, '\0');
}

namespace {
template <typename Buf>
void StoreU32(Buf& buf, size_t pos, uint32_t v) {
  std::memcpy(&buf[pos], &v, 4);
}
}  // namespace

ValueBuilder::Buffer::~Buffer() { std::free(block_); }

// Out of line, so that the callers' fast paths stay small.
[[gnu::noinline]] void ValueBuilder::Buffer::Grow(size_t needed) {
  size_t capacity = std::max({needed, capacity_ * 2, last_released_, size_t{56}});
  char* block = static_cast<char*>(std::realloc(block_, kHeader + capacity));
  if (block == nullptr) throw std::bad_alloc();
  block_ = block;
  capacity_ = capacity;
}

ValueNode* ValueBuilder::Buffer::Release() {
  if (block_ == nullptr) Grow(0);
  // Give back the slack; glibc shrinks in place, so this does not copy.
  char* block = static_cast<char*>(std::realloc(block_, kHeader + size_));
  if (block == nullptr) block = block_;
  ValueNode* node = new (block) ValueNode;
  node->refs.store(1, std::memory_order_relaxed);
  node->size = static_cast<uint32_t>(size_);
  last_released_ = size_;
  block_ = nullptr;
  size_ = 0;
  capacity_ = 0;
  return node;
}

ValueBuilder::Frame ValueBuilder::CloseObject() {
  assert(!stack_.empty() && stack_.back().is_object);
  Frame f = stack_.back();
  stack_.pop_back();
  StoreU32(buf_, f.start, static_cast<uint32_t>(buf_.size() - f.start));
  StoreU32(buf_, f.start + 4, f.count);
  last_value_pos_ = f.start;
  last_value_type_ = Type::kObject;
  return f;
}

void ValueBuilder::EndObjectWithUniqueKeys() {
#ifndef NDEBUG
  bool unique = EndObject();
  assert(unique && "EndObjectWithUniqueKeys: the caller's keys are unique");
  (void)unique;
#else
  CloseObject();
#endif
}

bool ValueBuilder::EndObject() {
  Frame f = CloseObject();
  // Distinct bits of interned ids prove distinct keys (see Frame); the exact check is for the
  // rest.
  if (f.count < 2 || !f.needs_exact_check) return true;
  // Duplicate detection over the keys just written. Interned names compare by id; a name stored
  // inline (too long, or the dictionary was full) compares by its bytes.
  std::vector<KeyRef>& keys = key_scratch_;
  keys.clear();
  const unsigned char* base = reinterpret_cast<const unsigned char*>(buf_.data());
  const unsigned char* const first = base + f.start + 8;
  auto report = [&](std::string_view name) {
    duplicate_key_ = std::string(name);
    return false;
  };
  // Interned names only (the usual case): distinct ids are distinct names, so the check is on
  // the codes, and no name is decoded unless one repeats.
  if (f.count <= 16) {
    size_t codes[16];
    const unsigned char* p = first;
    bool any_inline = false;
    for (uint32_t i = 0; i < f.count; ++i) {
      Type t = static_cast<Type>(*p++);
      codes[i] = internal::ReadKeyCode(&p);
      if ((codes[i] & 1) != 0) {  // a name stored inline: the general check below
        any_inline = true;
        break;
      }
      p += internal::PayloadSize(t, p);
    }
    if (!any_inline) {
      for (uint32_t i = 1; i < f.count; ++i) {
        for (uint32_t j = 0; j < i; ++j) {
          if (codes[i] != codes[j]) continue;
          const unsigned char* q = first;  // decode the repeated name for the message
          for (uint32_t k = 0; k < i; ++k) {
            Type t = static_cast<Type>(*q++);
            internal::ReadKeyCode(&q);
            q += internal::PayloadSize(t, q);
          }
          ++q;
          return report(ReadKey(&q));
        }
      }
      return true;
    }
  }
  const unsigned char* p = first;
  bool any_inline = false;
  for (uint32_t i = 0; i < f.count; ++i) {
    Type t = static_cast<Type>(*p++);
    const unsigned char* key_start = p;
    size_t code = internal::ReadKeyCode(&key_start);
    any_inline |= (code & 1) != 0;
    std::string_view name = ReadKey(&p);
    keys.push_back(KeyRef{code, name});
    p += internal::PayloadSize(t, p);
  }
  if (keys.size() <= 16) {
    for (size_t i = 1; i < keys.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        bool same = any_inline ? keys[i].name == keys[j].name : keys[i].code == keys[j].code;
        if (same) return report(keys[i].name);
      }
    }
    return true;
  }
  std::sort(keys.begin(), keys.end(),
            [](const KeyRef& a, const KeyRef& b) { return a.name < b.name; });
  for (size_t i = 1; i < keys.size(); ++i) {
    if (keys[i].name == keys[i - 1].name) return report(keys[i].name);
  }
  return true;
}

void ValueBuilder::EndArray() {
  assert(!stack_.empty() && !stack_.back().is_object);
  Frame f = stack_.back();
  stack_.pop_back();
  StoreU32(buf_, f.start, static_cast<uint32_t>(buf_.size() - f.start));
  StoreU32(buf_, f.start + 4, f.count);
  last_value_pos_ = f.start;
  last_value_type_ = Type::kArray;
}

void ValueBuilder::AppendNull() { BeginValue(Type::kNull); }
void ValueBuilder::AppendMinKey() { BeginValue(Type::kMinKey); }
void ValueBuilder::AppendMaxKey() { BeginValue(Type::kMaxKey); }
void ValueBuilder::AppendBool(bool b) {
  BeginValue(Type::kBool);
  buf_.push_back(b ? 1 : 0);
}
void ValueBuilder::AppendInt32(int32_t i) {
  BeginValue(Type::kInt32);
  WritePod(i);
}
void ValueBuilder::AppendInt64(int64_t i) {
  BeginValue(Type::kInt64);
  WritePod(i);
}
void ValueBuilder::AppendDouble(double d) {
  BeginValue(Type::kDouble);
  WritePod(d);
}
void ValueBuilder::AppendString(std::string_view s) {
  BeginValue(Type::kString);
  WritePod(static_cast<uint32_t>(s.size()));
  Write(s.data(), s.size());
}
void ValueBuilder::AppendBinary(uint8_t subtype, std::string_view data) {
  BeginValue(Type::kBinary);
  WritePod(static_cast<uint32_t>(data.size()));
  buf_.push_back(static_cast<char>(subtype));
  Write(data.data(), data.size());
}
void ValueBuilder::AppendObjectId(const ObjectId& oid) {
  BeginValue(Type::kObjectId);
  Write(oid.bytes.data(), 12);
}
void ValueBuilder::AppendDate(int64_t millis) {
  BeginValue(Type::kDate);
  WritePod(millis);
}
void ValueBuilder::AppendTimestamp(uint64_t ts) {
  BeginValue(Type::kTimestamp);
  WritePod(ts);
}
void ValueBuilder::AppendRegex(std::string_view pattern, std::string_view flags) {
  BeginValue(Type::kRegex);
  WritePod(static_cast<uint32_t>(pattern.size()));
  Write(pattern.data(), pattern.size());
  // Flags are a handful of letters; longer input is cut (the codec rejects it before).
  size_t n = std::min<size_t>(flags.size(), 255);
  buf_.push_back(static_cast<char>(n));
  Write(flags.data(), n);
}
void ValueBuilder::Append(ValueView v) {
  BeginValue(v.type());
  Write(v.payload(), v.payload_size());
}

namespace {
// Copies n bytes with at most two overlapping loads and stores for n <= 16 (the usual field
// value), memcpy beyond: a call to memcpy costs more than the copy of a short string.
[[gnu::always_inline]] inline void CopyBytes(char* dst, const char* src, size_t n) {
  if (n >= 8 && n <= 16) {
    uint64_t a, b;
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + n - 8, 8);
    std::memcpy(dst, &a, 8);
    std::memcpy(dst + n - 8, &b, 8);
  } else if (n >= 4 && n < 8) {
    uint32_t a, b;
    std::memcpy(&a, src, 4);
    std::memcpy(&b, src + n - 4, 4);
    std::memcpy(dst, &a, 4);
    std::memcpy(dst + n - 4, &b, 4);
  } else if (n > 16) {
    std::memcpy(dst, src, n);
  } else {
    for (size_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}
}  // namespace

// Key(key) followed by BeginValue(type), without the pending key in between: the same bytes.
// Inlined into each Append*Field: one call per field.
[[gnu::always_inline]] inline char* ValueBuilder::BeginField(Type type, std::string_view key, size_t payload_size) {
  assert(!stack_.empty() && stack_.back().is_object && !has_pending_key_);
  Frame& f = stack_.back();
  const size_t code = FieldKeyCode(key);
  const size_t name_bytes = (code & 1) != 0 ? key.size() : 0;
  // Type byte, LEB128 code (at most 10 bytes for a size_t), inline name, payload.
  char* out = buf_.Extend(11 + name_bytes + payload_size);
  out[0] = static_cast<char>(type);
  size_t k = 1;
  if (code < 0x80) {
    out[k++] = static_cast<char>(code);
  } else {
    size_t n = code;
    while (n >= 0x80) {
      out[k++] = static_cast<char>((n & 0x7f) | 0x80);
      n >>= 7;
    }
    out[k++] = static_cast<char>(n);
  }
  if ((code & 1) != 0) {
    CopyBytes(out + k, key.data(), name_bytes);
    k += name_bytes;
    f.needs_exact_check = true;
  } else {
    const uint64_t bit = uint64_t{1} << ((code >> 1) & 63);
    if ((f.key_bits & bit) != 0) f.needs_exact_check = true;
    f.key_bits |= bit;
  }
  ++f.count;
  last_value_pos_ = buf_.size() + k;
  last_value_type_ = type;
  buf_.Commit(k + payload_size);
  return out + k;
}

void ValueBuilder::AppendStringField(std::string_view key, std::string_view value) {
  char* out = BeginField(Type::kString, key, 4 + value.size());
  const uint32_t n = static_cast<uint32_t>(value.size());
  std::memcpy(out, &n, 4);
  CopyBytes(out + 4, value.data(), value.size());
}
void ValueBuilder::AppendInt32Field(std::string_view key, int32_t value) {
  std::memcpy(BeginField(Type::kInt32, key, 4), &value, 4);
}
void ValueBuilder::AppendInt64Field(std::string_view key, int64_t value) {
  std::memcpy(BeginField(Type::kInt64, key, 8), &value, 8);
}
void ValueBuilder::AppendDoubleField(std::string_view key, double value) {
  std::memcpy(BeginField(Type::kDouble, key, 8), &value, 8);
}
void ValueBuilder::AppendBoolField(std::string_view key, bool value) {
  *BeginField(Type::kBool, key, 1) = value ? 1 : 0;
}

void ValueBuilder::AppendDateField(std::string_view key, int64_t millis) {
  std::memcpy(BeginField(Type::kDate, key, 8), &millis, 8);
}
void ValueBuilder::BeginObjectField(std::string_view key) {
  std::memset(BeginField(Type::kObject, key, 8), 0, 8);
  stack_.push_back(Frame{buf_.size() - 8, 0, true, false, 0});
}
void ValueBuilder::BeginArrayField(std::string_view key) {
  std::memset(BeginField(Type::kArray, key, 8), 0, 8);
  stack_.push_back(Frame{buf_.size() - 8, 0, false, false, 0});
}

void ValueBuilder::AppendFields(const ObjectIterator& from, const ObjectIterator& to) {
  assert(!stack_.empty() && stack_.back().is_object && !has_pending_key_);
  if (from.remaining_ == to.remaining_) return;
  Write(from.entry_, static_cast<size_t>(to.entry_ - from.entry_));
  stack_.back().count += from.remaining_ - to.remaining_;
  stack_.back().needs_exact_check = true;  // keys BeginValue did not see
  // The last field copied is the last value begun at this depth.
  last_value_pos_ = buf_.size();
  last_value_type_ = Type::kNull;
}

ValueBuilder::Mark ValueBuilder::GetMark() const { return Mark{buf_.size(), stack_.size()}; }

void ValueBuilder::TruncateTo(const Mark& mark) {
  bool value_added = buf_.size() > mark.pos || stack_.size() > mark.depth;
  stack_.resize(mark.depth);
  buf_.resize(mark.pos);
  if (!value_added) return;
  if (stack_.empty()) {
    has_top_ = false;
  } else {
    --stack_.back().count;
  }
}

ValueView ValueBuilder::LastValue() const {
  return ValueView(last_value_type_,
                   reinterpret_cast<const unsigned char*>(buf_.data()) + last_value_pos_, nullptr);
}

Value ValueBuilder::Finish() {
  assert(stack_.empty() && has_top_ && "Finish() needs one complete value");
  Value result;
  const unsigned char* payload = reinterpret_cast<const unsigned char*>(buf_.data());
  if (FitsInline(top_type_, payload)) {
    result = Value::FromInline(top_type_, payload, buf_.size());
  } else {
    result = Value::FromNode(top_type_, buf_.Release(), 0);
  }
  Reset();
  return result;
}

void ValueBuilder::Reset() {
  buf_.clear();
  stack_.clear();
  has_pending_key_ = false;
  has_top_ = false;
  last_value_pos_ = 0;
  last_value_type_ = Type::kNull;
  duplicate_key_.clear();
}

}  // namespace minimongo::query
