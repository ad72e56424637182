#include "query/value_splice.h"

#include <cassert>
#include <cstring>

namespace minimongo::query {

ByteEdit ObjectHeaderEdit(ValueView object, int64_t bytes_delta, int64_t count_delta) {
  assert(object.IsObject());
  ByteEdit edit{object.payload(), nullptr, 0, 0, {}};
  if (bytes_delta == 0 && count_delta == 0) return edit;
  uint32_t bytes, count;
  std::memcpy(&bytes, object.payload(), 4);
  std::memcpy(&count, object.payload() + 4, 4);
  bytes = static_cast<uint32_t>(int64_t{bytes} + bytes_delta);
  count = static_cast<uint32_t>(int64_t{count} + count_delta);
  std::memcpy(edit.bytes, &bytes, 4);
  std::memcpy(edit.bytes + 4, &count, 4);
  edit.old_size = edit.new_size = 8;
  return edit;
}

Value SpliceObject(ValueView object, std::span<const ByteEdit> edits) {
  assert(object.IsObject());
  const unsigned char* const begin = object.payload();
  const unsigned char* const end = begin + object.payload_size();
  int64_t size = end - begin;
  for (const ByteEdit& e : edits) size += int64_t{e.new_size} - int64_t{e.old_size};
  unsigned char* out;
  Value result = Value::UninitializedObject(static_cast<size_t>(size), &out);
  const unsigned char* from = begin;
  for (const ByteEdit& e : edits) {
    assert(e.at >= from && e.at + e.old_size <= end && "edits sorted, disjoint, inside");
    const size_t kept = static_cast<size_t>(e.at - from);
    std::memcpy(out, from, kept);
    out += kept;
    std::memcpy(out, e.source(), e.new_size);
    out += e.new_size;
    from = e.at + e.old_size;
  }
  std::memcpy(out, from, static_cast<size_t>(end - from));
  return result;
}

}  // namespace minimongo::query
