// Splicing: a new object made of an old one's encoded bytes plus a few byte edits.
//
// An update that changes a handful of fields of a document (a $set by `_id`, a DDP merge) knows
// where the changed bytes are once it has found its fields. Building the result from scratch
// walks and copies every field; a splice copies the runs of old bytes between the edits with
// one memcpy each and writes the edits' bytes: one allocation and a few copies.
//
// The caller owns the encoding: the edits must leave a valid object (value.h's file comment),
// which means fixing the header (payload size, field count) of every object whose size or
// field count changes, the top-level one included (ObjectHeaderEdit). The helpers below give
// the positions inside an encoded object; everything here is about bytes, nothing is checked.
//
// Thread safety: pure functions over immutable input.

#ifndef MINIMONGO_QUERY_VALUE_SPLICE_H_
#define MINIMONGO_QUERY_VALUE_SPLICE_H_

#include <cstdint>
#include <span>

#include "query/value.h"

namespace minimongo::query {

// One edit: the `old_size` bytes at `at` (inside the edited object's payload) become the
// `new_size` bytes at `from`, or the first `new_size` of `bytes` when `from` is null (a header,
// a type byte, a small number). An edit with both sizes zero does nothing; one with
// `old_size` zero inserts before `at`.
struct ByteEdit {
  const unsigned char* at;
  const unsigned char* from;
  uint32_t old_size;
  uint32_t new_size;
  unsigned char bytes[8];

  const unsigned char* source() const { return from != nullptr ? from : bytes; }
};

// Where the field holding `value`, found in an object under `key` (ValueView::Find), begins:
// at its type byte. A field is encoded as the type byte, the name (FieldKey::encoded_size
// bytes), then the payload.
inline const unsigned char* FieldEntryBegin(ValueView value, const FieldKey& key) {
  return value.payload() - key.encoded_size() - 1;
}

// Where the field holding `value` ends (its payload's end).
inline const unsigned char* FieldEntryEnd(ValueView value) {
  return value.payload() + value.payload_size();
}

// The edit that rewrites `object`'s header for a payload `bytes_delta` bytes longer and
// `count_delta` more fields; a no-op edit (sizes zero) when both are zero.
// REQUIRES: object.IsObject() and a result size that fits 32 bits.
ByteEdit ObjectHeaderEdit(ValueView object, int64_t bytes_delta, int64_t count_delta);

// `object` with `edits` applied: a new buffered object whose payload is the old one's with
// each edit's bytes in place of the bytes it covers. REQUIRES: object.IsObject(); the edits
// are sorted by `at`, do not overlap, lie within the payload (an insertion may sit at its
// end), and leave a valid encoding. O(payload bytes).
Value SpliceObject(ValueView object, std::span<const ByteEdit> edits);

}  // namespace minimongo::query

#endif  // MINIMONGO_QUERY_VALUE_SPLICE_H_
