#include "minimongo/internal/id_index.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "query/value_order.h"

namespace minimongo::internal {

using query::Value;
using query::Type;
using query::ValueView;

namespace {

// Occupancy stays at or below 3/4: linear probing's probe lengths grow quickly beyond it.
constexpr size_t kMinCapacity = 16;

size_t CapacityFor(size_t n) {
  size_t capacity = kMinCapacity;
  while (capacity / 4 * 3 < n) capacity *= 2;
  return capacity;
}

ValueView IdOf(const Value& doc) { return doc.view().fields().begin().value(); }

// ValuesEqual for ids, with the common case (two strings: equal exactly when their bytes are)
// decided by one comparison of the encoded bytes.
bool SameId(ValueView a, ValueView b) {
  if (a.type() == Type::kString && b.type() == Type::kString) {
    const size_t size = a.payload_size();
    return size == b.payload_size() && std::memcmp(a.payload(), b.payload(), size) == 0;
  }
  return query::ValuesEqual(a, b);
}

}  // namespace

IdIndex::IdIndex(const std::vector<Value>* slots) : slots_(slots) {}

namespace {

// A finalizer over HashValue: its low bits pick the home entry, so they must all depend on
// every input bit.
uint64_t Finalize(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

uint64_t IdIndex::Hash(ValueView id) {
  // String ids, the common kind, skip HashValue's dispatch on the type (the same value).
  if (id.IsString()) return Finalize(query::HashStringValue(id.AsString()));
  return Finalize(query::HashValue(id));
}

uint64_t IdIndex::HashString(std::string_view id) {
  return Finalize(query::HashStringValue(id));
}

int64_t IdIndex::Find(ValueView id, uint64_t hash) const {
  if (size_ == 0) return -1;
  const uint32_t bits = static_cast<uint32_t>(hash);
  for (size_t i = bits & mask_;; i = (i + 1) & mask_) {
    const Entry& e = entries_[i];
    if (e.slot == kEmpty) return -1;
    if (e.hash == bits && SameId(id, IdOf((*slots_)[e.slot]))) return e.slot;
  }
}

void IdIndex::PrefetchEntry(uint64_t hash) const {
  if (entries_.empty()) return;
  __builtin_prefetch(&entries_[static_cast<uint32_t>(hash) & mask_]);
}

int64_t IdIndex::GuessSlot(uint64_t hash) const {
  if (size_ == 0) return -1;
  const uint32_t bits = static_cast<uint32_t>(hash);
  for (size_t i = bits & mask_;; i = (i + 1) & mask_) {
    const Entry& e = entries_[i];
    if (e.slot == kEmpty) return -1;
    if (e.hash == bits) return e.slot;
  }
}

uint32_t IdIndex::HashOfSlot(uint32_t slot) const {
  return static_cast<uint32_t>(Hash(IdOf((*slots_)[slot])));
}

void IdIndex::InsertEntry(Entry e) {
  for (size_t i = e.hash & mask_;; i = (i + 1) & mask_) {
    if (entries_[i].slot == kEmpty) {
      entries_[i] = e;
      return;
    }
  }
}

void IdIndex::Insert(uint32_t slot) { Insert(slot, HashOfSlot(slot)); }

void IdIndex::Insert(uint32_t slot, uint64_t hash) {
  assert(slot != kEmpty);
  assert(static_cast<uint32_t>(hash) == HashOfSlot(slot));
  if (size_ + 1 > entries_.size() / 4 * 3) Rehash(CapacityFor(size_ + 1));
  InsertEntry(Entry{slot, static_cast<uint32_t>(hash)});
  ++size_;
}

void IdIndex::Erase(uint32_t slot) { Erase(slot, HashOfSlot(slot)); }

void IdIndex::Erase(uint32_t slot, uint64_t hash) {
  assert(size_ > 0 && "Erase of a slot the index does not hold");
  assert(static_cast<uint32_t>(hash) == HashOfSlot(slot));
  if (size_ == 0) return;
  const uint32_t bits = static_cast<uint32_t>(hash);
  size_t i = bits & mask_;
  while (entries_[i].slot != slot) {
    if (entries_[i].slot == kEmpty) {
      assert(false && "Erase of a slot the index does not hold");
      return;  // (release builds) nothing to erase
    }
    i = (i + 1) & mask_;
  }
  // Backward-shift deletion: move later entries of the run into the hole when their home
  // position allows it, so lookups never need tombstones.
  for (size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
    const Entry& e = entries_[j];
    if (e.slot == kEmpty) break;
    const size_t home = e.hash & mask_;
    // `e` may fill the hole at i unless its home lies cyclically in (i, j].
    const bool home_after_hole = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (home_after_hole) continue;
    entries_[i] = e;
    i = j;
  }
  entries_[i].slot = kEmpty;
  --size_;
}

void IdIndex::Clear() {
  std::fill(entries_.begin(), entries_.end(), Entry{kEmpty, 0});
  size_ = 0;
}

void IdIndex::Reserve(size_t n) {
  if (n > entries_.size() / 4 * 3) Rehash(CapacityFor(n));
}

void IdIndex::Rehash(size_t capacity) {
  std::vector<Entry> old = std::move(entries_);
  entries_.assign(capacity, Entry{kEmpty, 0});
  mask_ = capacity - 1;
  for (const Entry& e : old) {
    if (e.slot != kEmpty) InsertEntry(e);
  }
}

}  // namespace minimongo::internal
