// The document model: an immutable, compact representation of BSON-typed values.
//
// A `Value` is a 16-byte handle. Scalars (null, bool, numbers, dates, timestamps, ObjectIds,
// MinKey/MaxKey and strings of up to 10 bytes) live inline in the handle and never touch the
// heap. Everything else (longer strings, binary, regular expressions, objects and arrays) lives
// in one immutable, reference-counted, contiguous buffer: a whole document (all its nested
// objects, arrays and strings) is a single allocation. Copying a Value copies 16 bytes and, for
// buffered values, bumps an atomic reference count; nothing is ever deep-copied on copy.
//
// Buffered values are encoded as follows (little-endian, unaligned), which is what lets a
// document cost little more than its BSON size:
//   bool 1 byte; int32 4; int64, double, date (ms since epoch, signed), timestamp 8; ObjectId 12;
//   string: u32 length, bytes;  binary: u32 length, u8 subtype, bytes;
//   regex: u32 pattern length, pattern, u8 flags length, flags;
//   object: u32 payload size, u32 field count, then per field: u8 type, key, payload, where the
//           key is LEB128(id << 1) for a name interned in the process-wide key dictionary (names
//           of up to 64 bytes, the first 65,536 distinct ones) or LEB128(length << 1 | 1) and
//           the bytes otherwise;
//   array:  u32 payload size, u32 element count, then per element: u8 type, payload.
// Objects keep their key order and never hold the same key twice (ValueBuilder rejects it).
//
// `ValueView` is the non-owning way to read a value: accessors, field lookup and iteration
// never allocate or touch a reference count. A view is valid while the Value it came from (or
// any Value sharing its buffer) is alive. `ValueView::ToValue()` turns a view back into an owning
// Value that shares the buffer (no copy).
//
// Values are built with `ValueBuilder` (streaming, no intermediate tree) or the convenience
// factories below. The order, equality and hash of values are in value_order.h.
//
// Thread safety: a Value is immutable (the one exception, MutablePayloadIfUnique, applies only
// to a buffer no other Value shares); distinct threads may read, copy and destroy Values that
// share a buffer concurrently (the reference count is atomic). A ValueBuilder is not
// thread-safe. The key dictionary is shared by all threads (lock-free reads, a mutex on the
// first sight of a name by a thread) and only grows: it holds at most 65,536 names of at most
// 64 bytes, so a data set with unbounded distinct field names (ids used as keys) costs at most
// a few MB of dictionary and then stores further names inline.
//
// Example:
//   ValueBuilder b;
//   b.BeginObject();
//   b.Key("name"); b.AppendString("report.pdf");
//   b.Key("size"); b.AppendInt32(1024);
//   b.EndObject();
//   Value doc = b.Finish();
//   if (auto size = doc.view().Find("size")) std::cout << size->AsInt32();

#ifndef MINIMONGO_QUERY_VALUE_H_
#define MINIMONGO_QUERY_VALUE_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace minimongo::query {

// The BSON types a Value can hold. The numeric values are stable (they are stored in buffers)
// but are NOT the sort order; see CanonicalTypeOrder() in value_order.h.
enum class Type : uint8_t {
  kMinKey = 0,
  kNull = 1,
  kBool = 2,
  kInt32 = 3,
  kInt64 = 4,
  kDouble = 5,
  kString = 6,
  kObject = 7,
  kArray = 8,
  kBinary = 9,
  kObjectId = 10,
  kDate = 11,
  kTimestamp = 12,
  kRegex = 13,
  kMaxKey = 14,
  // Reserved for Decimal128 (16-byte payload); not produced by anything yet.
  kDecimal128 = 15,
};

// The MongoDB name of a type ("double", "string", "object", "array", "binData", "objectId",
// "bool", "date", "null", "regex", "int", "timestamp", "long", "decimal", "minKey", "maxKey").
std::string_view TypeName(Type type);

// True for int32, int64, double (and, once supported, decimal).
inline bool IsNumberType(Type type) {
  return type == Type::kInt32 || type == Type::kInt64 || type == Type::kDouble ||
         type == Type::kDecimal128;
}

// A 12-byte MongoDB ObjectId.
struct ObjectId {
  std::array<uint8_t, 12> bytes{};

  // Parses 24 hexadecimal digits (either case). Returns nullopt on anything else.
  static std::optional<ObjectId> FromHex(std::string_view hex);
  // 24 lower-case hexadecimal digits.
  std::string ToHex() const;

  friend bool operator==(const ObjectId& a, const ObjectId& b) { return a.bytes == b.bytes; }
};

namespace internal {
// The shared, immutable buffer behind buffered values. `data()` holds `size` bytes.
struct ValueNode {
  std::atomic<uint32_t> refs;
  uint32_t size;
  unsigned char* data() { return reinterpret_cast<unsigned char*>(this + 1); }
  const unsigned char* data() const { return reinterpret_cast<const unsigned char*>(this + 1); }

  // Allocates a node with `size` uninitialized data bytes and one reference.
  static ValueNode* Allocate(size_t size);
  void Ref() const { const_cast<ValueNode*>(this)->refs.fetch_add(1, std::memory_order_relaxed); }
  void Unref() const;
};
static_assert(sizeof(ValueNode) == 8);

// Size in bytes of the payload of a value of `type` that starts at `p`.
// (Inline: every field and element step of an iteration calls it.)
inline size_t PayloadSize(Type type, const unsigned char* p) {
  auto u32 = [](const unsigned char* q) {
    uint32_t v;
    std::memcpy(&v, q, 4);
    return v;
  };
  switch (type) {
    case Type::kMinKey:
    case Type::kNull:
    case Type::kMaxKey:
      return 0;
    case Type::kBool:
      return 1;
    case Type::kInt32:
      return 4;
    case Type::kInt64:
    case Type::kDouble:
    case Type::kDate:
    case Type::kTimestamp:
      return 8;
    case Type::kObjectId:
      return 12;
    case Type::kDecimal128:
      return 16;
    case Type::kString:
      return 4 + u32(p);
    case Type::kBinary:
      return 5 + u32(p);
    case Type::kRegex: {
      uint32_t n = u32(p);
      return 4 + n + 1 + p[4 + n];
    }
    case Type::kObject:
    case Type::kArray:
      return u32(p);
  }
  return 0;
}

// The payload of every null view (one zero byte, so a stray read of it is harmless).
inline constexpr unsigned char kNullPayload[1] = {0};

// Reads the LEB128 key code at *p (see FieldKey) and advances *p past it.
inline size_t ReadKeyCode(const unsigned char** p) {
  const unsigned char* q = *p;
  size_t result = *q & 0x7f;
  int shift = 7;
  while ((*q++ & 0x80) != 0) {
    result |= static_cast<size_t>(*q & 0x7f) << shift;
    shift += 7;
  }
  *p = q;
  return result;
}
}  // namespace internal

class Value;
class ObjectRange;
class ArrayRange;
class FieldPath;

// A field name resolved once against the process-wide key dictionary (see the encoding above),
// for lookups repeated over many documents: ValueView::Find(const FieldKey&) compares the
// stored key codes as integers and never reads the name. Constructing one interns the name
// when it fits the dictionary's caps (as building a document with that name would).
// The name's bytes must outlive the FieldKey.
class FieldKey {
 public:
  explicit FieldKey(std::string_view name);
  std::string_view name() const { return name_; }
  // Bytes the name takes in an object's encoding: its key code, plus the name itself when it
  // is stored inline. The field's type byte precedes them and its payload follows.
  size_t encoded_size() const {
    size_t code_bytes = 1;
    for (size_t rest = code_ >> 7; rest != 0; rest >>= 7) ++code_bytes;
    return (code_ & 1) != 0 ? code_bytes + (code_ >> 1) : code_bytes;
  }

 private:
  friend class ValueView;
  friend class ValueBuilder;
  friend class ObjectIterator;
  friend class FieldPath;
  FieldKey(std::string_view name, size_t code) : name_(name), code_(code) {}
  std::string_view name_;
  size_t code_;  // id << 1 when interned, length << 1 | 1 otherwise
};

// Whether a document may store a field of this name: it neither starts with '$' nor contains
// '.' (the store's rule for every key; see minimongo/collection.h).
bool StorableName(std::string_view name);

// Whether `name`, read as a dotted update path, is one plain field name: storable (above), not
// empty, and not made only of digits (which could index an array).
bool PlainFieldName(std::string_view name);

// The key code FieldKey(name) would hold (for types that store codes, like FieldPath).
size_t FieldKeyCode(std::string_view name);

// A non-owning, read-only view of a value. Cheap to copy (24 bytes). Valid while the Value it
// was obtained from, or another Value sharing its buffer, is alive. Accessors named AsX()
// REQUIRE type() to be X (checked only by assert).
class ValueView {
 public:
  // A view of null.
  ValueView() : payload_(internal::kNullPayload), node_(nullptr), type_(Type::kNull) {}

  Type type() const { return type_; }
  bool IsNull() const { return type_ == Type::kNull; }
  bool IsNumber() const { return IsNumberType(type_); }
  bool IsObject() const { return type_ == Type::kObject; }
  bool IsArray() const { return type_ == Type::kArray; }
  bool IsString() const { return type_ == Type::kString; }

  bool AsBool() const;
  int32_t AsInt32() const;
  int64_t AsInt64() const;
  double AsDouble() const;
  // Any number, converted to double (int64 beyond 2^53 loses precision).
  double NumberAsDouble() const;
  // REQUIRES: an int32 or int64, or a double with an integral value within int64 range.
  // Returns nullopt for other numbers (fractions, NaN, infinities, out of range).
  std::optional<int64_t> NumberAsInt64() const;
  // Milliseconds since the Unix epoch.
  int64_t AsDateMillis() const;
  // Seconds (high 32 bits) and increment (low 32 bits).
  uint64_t AsTimestamp() const;
  ObjectId AsObjectId() const;
  // The bytes of a string (UTF-8). The view is valid as long as this ValueView is.
  std::string_view AsString() const;
  std::string_view BinaryData() const;
  uint8_t BinarySubtype() const;
  std::string_view RegexPattern() const;
  std::string_view RegexFlags() const;

  // Number of fields of an object or elements of an array; 0 for anything else.
  uint32_t size() const;
  bool empty() const { return size() == 0; }

  // The field named `key` of an object, or nullopt when absent or when this is not an object.
  // O(number of fields).
  std::optional<ValueView> Find(std::string_view key) const;
  // The same with a pre-resolved name: integer compares only. O(number of fields).
  std::optional<ValueView> Find(const FieldKey& key) const;
  // Element `index` of an array, or nullopt when out of range or not an array. O(index).
  std::optional<ValueView> At(size_t index) const;

  // Iteration: `for (const Field& f : view.fields())`, `for (ValueView e : view.elements())`.
  // REQUIRES: IsObject() for fields(), IsArray() for elements(); otherwise the range is empty.
  ObjectRange fields() const;
  ArrayRange elements() const;

  // An owning Value equal to this one. Shares the underlying buffer (no copy) for buffered
  // types; small scalars are copied inline.
  Value ToValue() const;

  // Raw payload bytes (see the encoding in the file comment); for the codec and hashing.
  const unsigned char* payload() const { return payload_; }
  size_t payload_size() const { return internal::PayloadSize(type_, payload_); }

 private:
  friend class Value;
  friend class ValueBuilder;
  friend class ObjectIterator;
  friend class ArrayIterator;
  ValueView(Type type, const unsigned char* payload, const internal::ValueNode* node)
      : payload_(payload), node_(node), type_(type) {}

  const unsigned char* payload_;
  const internal::ValueNode* node_;  // owner of payload_, or nullptr for inline payloads
  Type type_;
};

// One field of an object.
struct Field {
  std::string_view key;
  ValueView value;
};

class ObjectIterator {
 public:
  // The name is decoded on first access (a key dictionary lookup for interned names), so
  // loops that only test names with KeyIs() or read values with value() never decode one.
  Field operator*() const {
    if (!key_decoded_) DecodeKey();
    return current_;
  }
  const Field* operator->() const {
    if (!key_decoded_) DecodeKey();
    return &current_;
  }
  // The current field's value. REQUIRES: not at the end.
  ValueView value() const { return current_.value; }
  // Whether the current field is named `key`: compares the stored key code (an integer for
  // interned names) rather than the name. REQUIRES: not at the end.
  bool KeyIs(const FieldKey& key) const;
  // StorableName(current field's name), from a bit the key dictionary keeps for interned names
  // (no decoding). REQUIRES: not at the end.
  bool KeyIsStorable() const;
  // PlainFieldName(current field's name), the same way. REQUIRES: not at the end.
  bool KeyIsPlainFieldName() const;
  // The current field's name as a FieldKey holding the stored key code, so that building it
  // costs no dictionary lookup of the name (only decoding it, as operator* does). Valid while
  // the iterated value is. REQUIRES: not at the end.
  FieldKey key() const;
  // Whether the current fields of this and `other` (possibly of different objects) have the
  // same name, without decoding either: compares key codes, and bytes only for names stored
  // inline. REQUIRES: neither at the end.
  bool SameKeyAs(const ObjectIterator& other) const;
  ObjectIterator& operator++();
  bool operator==(const ObjectIterator& other) const { return remaining_ == other.remaining_; }
  bool operator!=(const ObjectIterator& other) const { return remaining_ != other.remaining_; }

 private:
  friend class ObjectRange;
  friend class ValueBuilder;
  ObjectIterator(const unsigned char* p, uint32_t remaining, const internal::ValueNode* node,
                 const unsigned char* end);
  void Load();
  void DecodeKey() const;
  const unsigned char* entry_;  // start of the current field's bytes; the object's end when done
  const unsigned char* next_;
  uint32_t remaining_;
  const internal::ValueNode* node_;
  size_t key_code_ = 0;  // the current field's key code (see FieldKey)
  mutable bool key_decoded_ = false;
  mutable Field current_;  // current_.key is valid once key_decoded_
};

class ObjectRange {
 public:
  ObjectIterator begin() const { return ObjectIterator(first_, count_, node_, end_); }
  ObjectIterator end() const { return ObjectIterator(end_, 0, node_, end_); }

 private:
  friend class ValueView;
  ObjectRange(const unsigned char* first, uint32_t count, const internal::ValueNode* node,
              const unsigned char* end)
      : first_(first), end_(end), count_(count), node_(node) {}
  const unsigned char* first_;
  const unsigned char* end_;
  uint32_t count_;
  const internal::ValueNode* node_;
};

inline ObjectIterator::ObjectIterator(const unsigned char* p, uint32_t remaining,
                                      const internal::ValueNode* node, const unsigned char* end)
    : entry_(remaining > 0 ? p : end), next_(p), remaining_(remaining), node_(node) {
  if (remaining_ > 0) Load();
}

inline void ObjectIterator::Load() {
  const unsigned char* p = next_;
  entry_ = p;
  Type t = static_cast<Type>(*p++);
  key_code_ = internal::ReadKeyCode(&p);
  if ((key_code_ & 1) != 0) p += key_code_ >> 1;  // the name's bytes, stored inline
  key_decoded_ = false;
  current_.value = ValueView(t, p, node_);
  next_ = p + internal::PayloadSize(t, p);
}

inline bool ObjectIterator::KeyIs(const FieldKey& key) const {
  // Equal codes of inline names mean equal lengths; see ValueView::Find(const FieldKey&) for
  // why an interned name never also appears inline.
  if (key_code_ != key.code_) return false;
  if ((key_code_ & 1) == 0) return true;
  const size_t length = key_code_ >> 1;
  return std::memcmp(current_.value.payload() - length, key.name_.data(), length) == 0;
}

inline FieldKey ObjectIterator::key() const {
  if (!key_decoded_) DecodeKey();
  return FieldKey(current_.key, key_code_);
}

inline uint32_t ValueView::size() const {
  if (type_ != Type::kObject && type_ != Type::kArray) return 0;
  uint32_t count;
  std::memcpy(&count, payload_ + 4, 4);
  return count;
}

inline ObjectRange ValueView::fields() const {
  if (type_ != Type::kObject) return ObjectRange(nullptr, 0, node_, nullptr);
  uint32_t bytes, count;
  std::memcpy(&bytes, payload_, 4);
  std::memcpy(&count, payload_ + 4, 4);
  return ObjectRange(payload_ + 8, count, node_, payload_ + bytes);
}

inline ObjectIterator& ObjectIterator::operator++() {
  if (--remaining_ > 0) {
    Load();
  } else {
    entry_ = next_;
  }
  return *this;
}

class ArrayIterator {
 public:
  ValueView operator*() const { return current_; }
  const ValueView* operator->() const { return &current_; }
  ArrayIterator& operator++();
  bool operator==(const ArrayIterator& other) const { return remaining_ == other.remaining_; }
  bool operator!=(const ArrayIterator& other) const { return remaining_ != other.remaining_; }

 private:
  friend class ArrayRange;
  ArrayIterator(const unsigned char* p, uint32_t remaining, const internal::ValueNode* node);
  void Load();
  const unsigned char* next_;
  uint32_t remaining_;
  const internal::ValueNode* node_;
  ValueView current_;
};

class ArrayRange {
 public:
  ArrayIterator begin() const { return ArrayIterator(first_, count_, node_); }
  ArrayIterator end() const { return ArrayIterator(nullptr, 0, node_); }

 private:
  friend class ValueView;
  ArrayRange(const unsigned char* first, uint32_t count, const internal::ValueNode* node)
      : first_(first), count_(count), node_(node) {}
  const unsigned char* first_;
  uint32_t count_;
  const internal::ValueNode* node_;
};

// An owning, immutable value. 16 bytes; copy is O(1) (an atomic increment for buffered
// values), move is free. Default-constructed Values are null.
class Value {
 public:
  Value() : heap_(false), type_(Type::kNull) {}
  Value(const Value& other);
  Value(Value&& other) noexcept;
  Value& operator=(const Value& other);
  Value& operator=(Value&& other) noexcept;
  ~Value() {
    if (heap_) node()->Unref();
  }

  static Value Null() { return Value(); }
  static Value MinKey();
  static Value MaxKey();
  static Value Bool(bool b);
  static Value Int32(int32_t i);
  static Value Int64(int64_t i);
  static Value Double(double d);
  static Value String(std::string_view s);
  static Value Binary(uint8_t subtype, std::string_view data);
  static Value MakeObjectId(const ObjectId& oid);
  static Value Date(int64_t millis);
  static Value Timestamp(uint64_t ts);
  // `flags` are kept as given; the codec and selector compiler validate them.
  static Value Regex(std::string_view pattern, std::string_view flags);
  // Objects and arrays from parts. An object with a repeated key is not representable: the
  // later duplicate is dropped (use ValueBuilder to detect duplicates).
  static Value Object(std::initializer_list<std::pair<std::string_view, Value>> fields);
  static Value Object(const std::vector<std::pair<std::string, Value>>& fields);
  static Value Array(std::initializer_list<Value> elements);
  static Value Array(const std::vector<Value>& elements);

  ValueView view() const;
  Type type() const { return type_; }

  // Convenience forwards to view().
  bool IsNull() const { return type_ == Type::kNull; }
  bool IsNumber() const { return IsNumberType(type_); }
  bool IsObject() const { return type_ == Type::kObject; }
  bool IsArray() const { return type_ == Type::kArray; }
  bool IsString() const { return type_ == Type::kString; }
  uint32_t size() const { return view().size(); }
  std::optional<ValueView> Find(std::string_view key) const { return view().Find(key); }

  // Bytes of heap memory this value owns or shares (0 for inline values). Shared buffers are
  // counted in full by each Value that shares them.
  size_t HeapBytes() const;

  // A new object whose `size` payload bytes the caller writes through `*bytes` before the
  // Value is read, copied or shared; they must be a valid object encoding (see the file
  // comment) of at most the nesting depth a ValueBuilder allows. For update paths that splice a
  // new document from an old one's bytes (DirectModifier::ApplyTo); everything else builds
  // with ValueBuilder, which checks what it writes.
  static Value UninitializedObject(size_t size, unsigned char** bytes);

  // The payload bytes of a buffered value whose buffer no other Value shares, for a store that
  // rewrites a value it alone holds without changing any size (DirectModifier::ApplyTo);
  // nullptr for inline values and shared buffers. Views of this value see the rewrite, so the
  // caller must know no reader holds one (a store's documents: see collection.h).
  unsigned char* MutablePayloadIfUnique() {
    if (!heap_) return nullptr;
    internal::ValueNode* n = node();
    if (n->refs.load(std::memory_order_acquire) != 1) return nullptr;
    return n->data() + offset();
  }

 private:
  friend class ValueView;
  friend class ValueBuilder;

  // Takes ownership of one reference to `node`; the value's payload is at `offset`.
  static Value FromNode(Type type, const internal::ValueNode* node, uint32_t offset);
  static Value FromInline(Type type, const void* payload, size_t size);

  internal::ValueNode* node() const {
    internal::ValueNode* n;
    std::memcpy(&n, rep_, sizeof(n));
    return n;
  }
  uint32_t offset() const {
    uint32_t o;
    std::memcpy(&o, rep_ + 8, sizeof(o));
    return o;
  }

  static constexpr size_t kInlineCapacity = 14;
  alignas(8) unsigned char rep_[kInlineCapacity];  // inline payload, or node pointer + offset
  bool heap_;
  Type type_;
};
static_assert(sizeof(Value) == 16);

inline ValueView Value::view() const {
  if (heap_) {
    internal::ValueNode* n = node();
    return ValueView(type_, n->data() + offset(), n);
  }
  return ValueView(type_, rep_, nullptr);
}

// True when `a` and `b` have the same type and the same encoded payload bytes (the encoding in
// the file comment): what a store compares to tell "unchanged" from "changed". Stricter than
// ValuesEqual (value_order.h): 1 and 1.0, 0.0 and -0.0, two NaN bit patterns, or the same
// fields in another order all differ. A field name is encoded the same way in every value (the
// key dictionary never reassigns an id), so the same document built twice is identical.
// O(payload size).
bool BytesIdentical(ValueView a, ValueView b);

// Longest string stored inline in a Value (4 bytes of length + the bytes).
inline constexpr size_t kMaxInlineStringBytes = 10;

// Builds a Value by streaming, without an intermediate tree: the bytes go straight into the
// buffer that the finished Value owns.
//
// Usage: a sequence of Append*/Begin*/End* calls describing exactly one top-level value, with
// Key() before each value inside an object; then Finish(). Misuse (a value without a key in an
// object, unbalanced Begin/End) is a programming error, caught by assert.
class ValueBuilder {
 public:
  ValueBuilder() = default;
  ValueBuilder(const ValueBuilder&) = delete;
  ValueBuilder& operator=(const ValueBuilder&) = delete;

  void BeginObject();
  // Closes the innermost object. Returns false when it holds the same key twice; the object is
  // still closed, and `duplicate_key()` names the key. O(1) when the object's keys are interned
  // names whose ids differ in their low 6 bits (the usual case, tracked as keys are written);
  // otherwise O(fields) for small objects, O(f log f) for large ones.
  [[nodiscard]] bool EndObject();
  // EndObject for callers that know their keys are distinct (e.g. fields copied from one
  // object, plus names not among them): skips the O(fields) duplicate check, which debug
  // builds still run, asserting.
  void EndObjectWithUniqueKeys();
  void BeginArray();
  void EndArray();
  // The key of the next value. REQUIRES: directly inside an object.
  void Key(std::string_view key);
  // The same with a pre-resolved name: no dictionary lookup. `key`'s name must outlive the
  // next value's Begin*/Append* call.
  void Key(const FieldKey& key);

  void AppendNull();
  void AppendMinKey();
  void AppendMaxKey();
  void AppendBool(bool b);
  void AppendInt32(int32_t i);
  void AppendInt64(int64_t i);
  void AppendDouble(double d);
  void AppendString(std::string_view s);
  void AppendBinary(uint8_t subtype, std::string_view data);
  void AppendObjectId(const ObjectId& oid);
  void AppendDate(int64_t millis);
  void AppendTimestamp(uint64_t ts);
  void AppendRegex(std::string_view pattern, std::string_view flags);
  // Appends a deep copy of `v` (one memcpy of its payload).
  void Append(ValueView v);

  // Fused Key(key) + Append*(value), for decoders that write one field at a time: the same
  // bytes as the two calls (so the same Value), with one capacity check for the type byte,
  // key and payload. REQUIRES: directly inside an object, no pending Key().
  void AppendStringField(std::string_view key, std::string_view value);
  void AppendInt32Field(std::string_view key, int32_t value);
  void AppendInt64Field(std::string_view key, int64_t value);
  void AppendDoubleField(std::string_view key, double value);
  void AppendBoolField(std::string_view key, bool value);
  void AppendDateField(std::string_view key, int64_t millis);
  // Key(key) + BeginObject() / BeginArray(), fused likewise.
  void BeginObjectField(std::string_view key);
  void BeginArrayField(std::string_view key);
  // Appends the fields [from, to) of one object, keys and values, as one block copy (no key is
  // looked at). REQUIRES: directly inside an object, no pending Key(), `from` and `to` iterate
  // the same object and `from` is not after `to`. The caller keeps keys unique.
  void AppendFields(const ObjectIterator& from, const ObjectIterator& to);

  // Depth of open objects/arrays.
  size_t depth() const { return stack_.size(); }
  // Makes room for `bytes` more bytes of output (an optimization; never required).
  void Reserve(size_t bytes) { buf_.reserve(buf_.size() + bytes); }
  const std::string& duplicate_key() const { return duplicate_key_; }

  // The finished value. REQUIRES: exactly one complete top-level value was described. The
  // builder is reset and may be reused.
  Value Finish();
  // Forgets everything described so far.
  void Reset();

  // For codecs that rewrite what they just built: Mark() is the position before the next
  // value (including its type byte and key); TruncateTo(mark) forgets everything after it,
  // and the container the mark was taken in loses the element.
  struct Mark {
    size_t pos;
    size_t depth;
  };
  Mark GetMark() const;
  void TruncateTo(const Mark& mark);
  // A view of the most recently completed value at the current depth (after End*/Append*).
  // Valid until the next call that changes the builder.
  ValueView LastValue() const;

 private:
  struct Frame {
    size_t start;  // position of the u32 payload size
    uint32_t count;
    bool is_object;
    // EndObject's duplicate check, tracked as keys are written: bit (id & 63) is set for each
    // interned key written by BeginValue. While no two keys set the same bit and every key
    // went through BeginValue as an interned name, the keys are distinct and EndObject skips
    // the exact check; otherwise (a shared bit, an inline name, AppendFields) it runs it.
    bool needs_exact_check = false;
    uint64_t key_bits = 0;
  };
  // Writes the type byte (and pending key) of a new value in the current container, or
  // records the top-level type.
  void BeginValue(Type type);
  // The fused fields' BeginValue: writes the type byte and `key` of a field in the current
  // object, makes room for `payload_size` payload bytes and returns where they go (counted as
  // written: the caller fills exactly that many).
  char* BeginField(Type type, std::string_view key, size_t payload_size);
  // Pops the innermost object's frame and writes its size and count.
  Frame CloseObject();
  void Write(const void* p, size_t n);
  template <typename T>
  void WritePod(T v) {
    Write(&v, sizeof(v));
  }

  // A growable byte buffer laid out as a future ValueNode: Finish() hands the block over to the
  // Value without copying the payload.
  class Buffer {
   public:
    Buffer() = default;
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ~Buffer();
    size_t size() const { return size_; }
    char* data() { return block_ + kHeader; }
    const char* data() const { return block_ + kHeader; }
    char& operator[](size_t i) { return data()[i]; }
    void push_back(char c) {
      if (size_ == capacity_) Grow(size_ + 1);
      data()[size_++] = c;
    }
    void append(const char* p, size_t n) {
      if (size_ + n > capacity_) Grow(size_ + n);
      std::memcpy(data() + size_, p, n);
      size_ += n;
    }
    void append(const std::string& s) { append(s.data(), s.size()); }
    // Room for `n` more bytes at the returned position, written by the caller and kept by
    // Commit(k), k <= n.
    char* Extend(size_t n) {
      if (size_ + n > capacity_) Grow(size_ + n);
      return data() + size_;
    }
    void Commit(size_t k) { size_ += k; }
    void append(size_t n, char c) {
      if (size_ + n > capacity_) Grow(size_ + n);
      std::memset(data() + size_, c, n);
      size_ += n;
    }
    void resize(size_t n) {
      if (n > capacity_) Grow(n);
      size_ = n;
    }
    void clear() { size_ = 0; }
    void reserve(size_t n) {
      if (n > capacity_) Grow(n);
    }
    // Turns the contents into a node with one reference; the buffer is empty afterwards.
    internal::ValueNode* Release();

   private:
    static constexpr size_t kHeader = sizeof(internal::ValueNode);
    void Grow(size_t needed);
    char* block_ = nullptr;
    size_t size_ = 0;
    size_t capacity_ = 0;
    size_t last_released_ = 0;  // size of the last released node: the next capacity hint
  };

  Buffer buf_;
  std::vector<Frame> stack_;
  std::string pending_key_;  // the pending key's bytes, only when it is stored inline
  size_t pending_code_ = 0;  // the pending key's code (see FieldKey)
  bool has_pending_key_ = false;
  Type top_type_ = Type::kNull;
  bool has_top_ = false;
  size_t last_value_pos_ = 0;  // payload position of the last value begun at current depth
  Type last_value_type_ = Type::kNull;
  std::string duplicate_key_;
  // Scratch space of EndObject's duplicate check.
  struct KeyRef {
    size_t code;  // the key's LEB128 code: id << 1, or length << 1 | 1
    std::string_view name;
  };
  std::vector<KeyRef> key_scratch_;
};

}  // namespace minimongo::query

#endif  // MINIMONGO_QUERY_VALUE_H_
