// Internal: an editable document tree for applying update modifiers.
//
// Values are immutable packed buffers, so a modifier that changes a document works on a
// MutableValue and encodes the result once at the end. A MutableValue is one of:
//   - packed: any Value (a scalar, or a whole object/array still in its packed form);
//   - an expanded object: an ordered vector of (key, MutableValue) members;
//   - an expanded array: a vector of MutableValue elements.
// `FromValue()` makes a packed node in O(1) (it shares the input's buffer). Objects and arrays
// are expanded one level at a time, on demand, by `Fields()`/`Elements()`; their children
// start packed again. So applying `$set: {"a.b": 1}` to a large document expands only the root
// and `a`, and `ToValue()` copies every untouched subtree as one block.
//
// Invariants: an expanded object never holds the same key twice (callers look a key up before
// appending it); packed nodes are never mutated in place.
//
// Thread safety: not thread-safe; a MutableValue is a private scratch tree of one Apply().
//
// Example:
//   MutableValue doc = MutableValue::FromValue(value.view());
//   MutableValue* a = doc.FindField("a");
//   if (a == nullptr) a = doc.AppendField("a", MutableValue::EmptyObject());
//   a->AppendField("b", MutableValue(Value::Int32(1)));
//   Value result = doc.ToValue();

#ifndef MINIMONGO_QUERY_INTERNAL_MUTABLE_VALUE_H_
#define MINIMONGO_QUERY_INTERNAL_MUTABLE_VALUE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "query/value.h"

namespace minimongo::query::internal {

class MutableValue {
 public:
  struct Member;

  // Null.
  MutableValue() = default;
  // A packed node holding `value` (which may be an object or array).
  explicit MutableValue(Value value) : value_(std::move(value)) {}

  MutableValue(MutableValue&&) noexcept = default;
  MutableValue& operator=(MutableValue&&) noexcept = default;
  MutableValue(const MutableValue&) = delete;
  MutableValue& operator=(const MutableValue&) = delete;

  // A packed node sharing `view`'s buffer. O(1).
  static MutableValue FromValue(ValueView view) { return MutableValue(view.ToValue()); }
  // Expanded, empty containers.
  static MutableValue EmptyObject();
  static MutableValue EmptyArray();

  // The BSON type of the node (kObject/kArray for expanded containers too).
  Type type() const;
  bool IsObject() const { return type() == Type::kObject; }
  bool IsArray() const { return type() == Type::kArray; }
  bool is_packed() const { return kind_ == Kind::kPacked; }
  // The packed value. REQUIRES: is_packed().
  const Value& packed() const { return value_; }

  // Number of members or elements (0 for scalars). Does not expand.
  size_t size() const;

  // Expand (if packed) and return the members / elements for editing.
  // REQUIRES: IsObject() for Fields(), IsArray() for Elements().
  std::vector<Member>& Fields();
  std::vector<MutableValue>& Elements();

  // The member named `key`, or nullptr. REQUIRES: IsObject(). Expands this node.
  MutableValue* FindField(std::string_view key);
  // Appends a member (the caller has checked that `key` is absent) and returns it.
  // REQUIRES: IsObject(). Expands this node.
  MutableValue* AppendField(std::string_view key, MutableValue value);
  // Removes the member named `key` if present; returns whether it was. REQUIRES: IsObject().
  bool RemoveField(std::string_view key);

  // Replaces this node (whatever it was) with a packed `value`.
  void Assign(Value value);

  // The value of the whole subtree. O(1) for packed nodes; otherwise one encoding pass that
  // copies packed subtrees as blocks. Iterative: no recursion on the tree's depth.
  Value ToValue() const;
  // Appends the subtree to `builder` as one value (after the caller's Key() inside objects).
  void AppendTo(ValueBuilder* builder) const;

 private:
  enum class Kind : uint8_t { kPacked, kObject, kArray };

  Kind kind_ = Kind::kPacked;
  Value value_;  // when kPacked
  std::vector<Member> fields_;
  std::vector<MutableValue> elements_;
};

struct MutableValue::Member {
  std::string key;
  MutableValue value;
};

}  // namespace minimongo::query::internal

#endif  // MINIMONGO_QUERY_INTERNAL_MUTABLE_VALUE_H_
