// Internal: the `_id` index of a Collection.
//
// Maps a document's `_id` to the slot of Collection::slots_ that holds it. The ids are not
// stored twice: an entry is 8 bytes, {slot, 32 bits of the id's hash}, in one open-addressing
// table with linear probing, and a lookup reads a document only to confirm an entry whose hash
// bits match (so about once per lookup). Growth rehashes from the stored bits and reads no
// document.
//
// Why not absl::flat_hash_set: an update by `_id` is three dependent cache misses (the index,
// the slot, the document). With the entry's address computable from the hash, a caller that
// knows its next ids (Collection::UpdateMany, a DDP batch) can start all three loads for
// later ids while it works on the current one: PrefetchEntry, then GuessSlot.
//
// Equality is query::ValuesEqual and the hash is consistent with it (1, 1.0 and
// NumberLong(1) are one id). A stored document's `_id` is its first field.
//
// Thread safety: none of its own; the Collection's rules apply (const methods may run
// concurrently with each other).

#ifndef MINIMONGO_MINIMONGO_INTERNAL_ID_INDEX_H_
#define MINIMONGO_MINIMONGO_INTERNAL_ID_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "query/value.h"

namespace minimongo::internal {

class IdIndex {
 public:
  // `slots` is the collection's slot array; it must outlive the index. Every slot the index
  // holds must contain a document (an object whose first field is `_id`).
  explicit IdIndex(const std::vector<query::Value>* slots);

  IdIndex(const IdIndex&) = delete;
  IdIndex& operator=(const IdIndex&) = delete;

  // The index's hash of an id (well mixed; equal ids hash equal).
  static uint64_t Hash(query::ValueView id);
  // Hash() of the string id whose bytes are `id`, without building a Value.
  static uint64_t HashString(std::string_view id);

  // The slot holding the document with `_id` equal to `id`, or -1. `hash` is Hash(id).
  int64_t Find(query::ValueView id, uint64_t hash) const;
  int64_t Find(query::ValueView id) const { return Find(id, Hash(id)); }

  // Hints for pipelined lookups; neither changes anything, and a wrong guess only costs speed.
  // Starts loading the table entry where a lookup of `hash` begins.
  void PrefetchEntry(uint64_t hash) const;
  // The slot of the first entry whose hash bits match, without reading any document (so it
  // may name a different id); -1 when none does.
  int64_t GuessSlot(uint64_t hash) const;

  // Adds `slot`, whose document's id is not in the index yet (the caller checked).
  void Insert(uint32_t slot);
  // The same when the caller knows Hash() of the slot's id.
  void Insert(uint32_t slot, uint64_t hash);
  // Removes `slot`'s entry. REQUIRES: `slot` is in the index and still holds its document.
  void Erase(uint32_t slot);
  // The same when the caller knows Hash() of the slot's id (it just looked the id up).
  void Erase(uint32_t slot, uint64_t hash);
  // Forgets every entry; keeps the table.
  void Clear();
  // Makes room for `n` entries without growing again.
  void Reserve(size_t n);

  size_t size() const { return size_; }
  // Bytes of the table.
  size_t MemoryBytes() const { return entries_.capacity() * sizeof(Entry); }

 private:
  static constexpr uint32_t kEmpty = 0xffffffffu;
  struct Entry {
    uint32_t slot;  // kEmpty marks a free entry
    uint32_t hash;  // the low 32 bits of Hash(id): the home position, then a filter
  };

  uint32_t HashOfSlot(uint32_t slot) const;
  void InsertEntry(Entry e);
  void Rehash(size_t capacity);

  const std::vector<query::Value>* slots_;
  std::vector<Entry> entries_;  // size is a power of two (or zero)
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace minimongo::internal

#endif  // MINIMONGO_MINIMONGO_INTERNAL_ID_INDEX_H_
