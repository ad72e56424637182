#include "query/internal/mutable_value.h"

#include <cassert>

namespace minimongo::query::internal {

MutableValue MutableValue::EmptyObject() {
  MutableValue v;
  v.kind_ = Kind::kObject;
  return v;
}

MutableValue MutableValue::EmptyArray() {
  MutableValue v;
  v.kind_ = Kind::kArray;
  return v;
}

Type MutableValue::type() const {
  switch (kind_) {
    case Kind::kObject:
      return Type::kObject;
    case Kind::kArray:
      return Type::kArray;
    case Kind::kPacked:
      break;
  }
  return value_.type();
}

size_t MutableValue::size() const {
  switch (kind_) {
    case Kind::kObject:
      return fields_.size();
    case Kind::kArray:
      return elements_.size();
    case Kind::kPacked:
      break;
  }
  return value_.size();
}

std::vector<MutableValue::Member>& MutableValue::Fields() {
  assert(IsObject() && "Fields() on a non-object");
  if (kind_ == Kind::kPacked) {
    // Children keep sharing the packed buffer; only this level is copied.
    ValueView view = value_.view();
    fields_.reserve(view.size());
    for (const Field& f : view.fields()) {
      fields_.push_back(Member{std::string(f.key), MutableValue(f.value.ToValue())});
    }
    kind_ = Kind::kObject;
    value_ = Value();
  }
  return fields_;
}

std::vector<MutableValue>& MutableValue::Elements() {
  assert(IsArray() && "Elements() on a non-array");
  if (kind_ == Kind::kPacked) {
    ValueView view = value_.view();
    elements_.reserve(view.size());
    for (ValueView e : view.elements()) elements_.emplace_back(e.ToValue());
    kind_ = Kind::kArray;
    value_ = Value();
  }
  return elements_;
}

MutableValue* MutableValue::FindField(std::string_view key) {
  for (Member& m : Fields()) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

MutableValue* MutableValue::AppendField(std::string_view key, MutableValue value) {
  std::vector<Member>& fields = Fields();
  fields.push_back(Member{std::string(key), std::move(value)});
  return &fields.back().value;
}

bool MutableValue::RemoveField(std::string_view key) {
  std::vector<Member>& fields = Fields();
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    if (it->key == key) {
      fields.erase(it);
      return true;
    }
  }
  return false;
}

void MutableValue::Assign(Value value) {
  kind_ = Kind::kPacked;
  value_ = std::move(value);
  fields_.clear();
  elements_.clear();
}

// Packed nodes are returned as they are (sharing the buffer): an untouched document costs
// nothing to "re-encode".
Value MutableValue::ToValue() const {
  if (kind_ == Kind::kPacked) return value_;
  ValueBuilder builder;
  AppendTo(&builder);
  return builder.Finish();
}

// Pre-order walk of the expanded part of the tree; every packed node, however large, is one
// ValueBuilder::Append (one memcpy).
void MutableValue::AppendTo(ValueBuilder* builder) const {
  // Explicit stack of open containers: the tree may be as deep as the caller expanded it.
  struct Frame {
    const MutableValue* node;
    size_t next;
  };
  std::vector<Frame> stack;
  auto open = [&](const MutableValue* node) {
    if (node->kind_ == Kind::kPacked) {
      builder->Append(node->value_.view());
      return;
    }
    if (node->kind_ == Kind::kObject) {
      builder->BeginObject();
    } else {
      builder->BeginArray();
    }
    stack.push_back(Frame{node, 0});
  };
  open(this);
  while (!stack.empty()) {
    Frame& top = stack.back();
    const MutableValue* node = top.node;
    if (node->kind_ == Kind::kObject) {
      if (top.next == node->fields_.size()) {
        bool unique = builder->EndObject();
        assert(unique && "an expanded object never holds a key twice");
        (void)unique;
        stack.pop_back();
        continue;
      }
      const Member& m = node->fields_[top.next++];
      builder->Key(m.key);
      open(&m.value);  // may invalidate `top`
    } else {
      if (top.next == node->elements_.size()) {
        builder->EndArray();
        stack.pop_back();
        continue;
      }
      open(&node->elements_[top.next++]);
    }
  }
}

}  // namespace minimongo::query::internal
