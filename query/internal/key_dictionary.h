// Internal: the process-wide key dictionary behind the object encoding of query/value.h.
//
// Field names are interned: a process-wide dictionary maps each distinct name (up to
// kMaxInternedKeyBytes long, up to kMaxInternedKeys of them) to a small id, and an object field
// stores LEB128(id << 1) instead of the name. Names beyond either cap are stored inline as
// LEB128(length << 1 | 1) followed by the bytes. Workload documents repeat the same dozen
// names in every document, so this removes about a third of each document's bytes.
//
// Reads (id -> name) are lock-free: entries are written once, before the id is handed out, and
// published with a release store of the chunk pointer; an id can only be read from a document
// built after it was published. Interning takes a mutex only on a miss of a thread-local cache.

#ifndef MINIMONGO_QUERY_INTERNAL_KEY_DICTIONARY_H_
#define MINIMONGO_QUERY_INTERNAL_KEY_DICTIONARY_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace minimongo::query::internal {

constexpr size_t kMaxInternedKeyBytes = 64;
constexpr uint32_t kMaxInternedKeys = 1 << 16;
constexpr uint32_t kChunkBits = 10;
constexpr uint32_t kChunkSize = 1u << kChunkBits;

class KeyDictionary {
 public:
  struct Entry {
    const char* data;
    uint32_t size;
    bool storable;     // StorableName(name), computed once
    bool plain_field;  // PlainFieldName(name)
  };

  static KeyDictionary& Global() {
    static KeyDictionary* dictionary = new KeyDictionary();  // never destroyed
    return *dictionary;
  }

  // Static, so that a lookup is two dependent loads (chunk, entry) from a fixed address,
  // without the function-local static's guard: documents decode names in every field read.
  static std::string_view Name(uint32_t id) {
    const Entry& e = At(id);
    return std::string_view(e.data, e.size);
  }
  static bool Storable(uint32_t id) { return At(id).storable; }
  static bool PlainField(uint32_t id) { return At(id).plain_field; }

  // The id of `key`, or -1 when it is not interned (too long, or the dictionary is full).
  // Inline: the hit of a short name in the cache, the common case, is a few loads and
  // compares; everything else is InternCached's.
  static int64_t Intern(std::string_view key) {
    const size_t n = key.size();
    if (n > 16) return n > kMaxInternedKeyBytes ? -1 : InternCached(key);
    uint64_t head[2];
    LoadHead(key.data(), n, head);
    const Slot* set = cache_[SetIndex(head, n)];
    if (set[0].head[0] == head[0] && set[0].head[1] == head[1] &&
        set[0].size_plus_one == n + 1) {
      return set[0].id;
    }
    // The second way too: two frequent names of one set then both hit here.
    if (set[1].head[0] == head[0] && set[1].head[1] == head[1] &&
        set[1].size_plus_one == n + 1) {
      return set[1].id;
    }
    return InternCached(key);
  }

 private:
  KeyDictionary() = default;

  static uint64_t Load8(const char* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }

  static uint64_t Load4(const char* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }

  // The first min(n, 16) bytes of p[0, n) as two little-endian words, zero-padded: equal heads and
  // lengths mean equal strings for n <= 16. Reads only p[0, n).
  [[gnu::always_inline]] static void LoadHead(const char* p, size_t n, uint64_t head[2]) {
    if (n >= 8) {
      head[0] = Load8(p);
      if (n >= 16) {
        head[1] = Load8(p + 8);
      } else {
        // p[n-8, n) shifted down past the bytes head[0] already holds.
        head[1] = n == 8 ? 0 : Load8(p + n - 8) >> (8 * (16 - n));
      }
      return;
    }
    head[1] = 0;
    if (n >= 4) {
      // Two overlapping 4-byte loads.
      head[0] = Load4(p) | (Load4(p + n - 4) << (8 * (n - 4)));
    } else if (n > 0) {
      const auto byte = [p](size_t i) {
        return uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
      };
      head[0] = byte(0) | byte(n / 2) | byte(n - 1);
    } else {
      head[0] = 0;
    }
  }

  static const Entry& At(uint32_t id) {
    const Entry* chunk = chunks_[id >> kChunkBits].load(std::memory_order_acquire);
    return chunk[id & (kChunkSize - 1)];
  }

  // The per-thread cache of Intern: the hot path takes no lock. Two-way set-associative, so
  // that two frequent names of one set do not evict each other on every use. A slot holds the
  // name's length and first 16 bytes (zero-padded), so a hit on a name of up to 16 bytes is
  // decided without reading the dictionary; a longer one compares its remaining bytes too.
  struct Slot {
    uint64_t head[2];
    uint32_t size_plus_one;  // 0 marks an empty slot
    uint32_t id;
  };
  static constexpr int kSetBits = 7;
  static inline thread_local Slot cache_[1 << kSetBits][2] = {};

  // Set of a name by a multiplicative hash of its head and length (longer names: see
  // InternCached).
  static size_t SetIndex(const uint64_t head[2], size_t n) {
    const uint64_t h = head[0] ^ (head[1] * 0x9e3779b97f4a7c15ULL) ^ n;
    return (h * 0xc2b2ae3d27d4eb4fULL) >> (64 - kSetBits);
  }

  // Intern past the inline hit: both ways, names longer than 16 bytes (whose set also mixes
  // in their 8-byte words after the head, the last one overlapping), then the dictionary.
  // REQUIRES: key.size() <= kMaxInternedKeyBytes.
  [[gnu::noinline]] static int64_t InternCached(std::string_view key) {
    const size_t n = key.size();
    const char* p = key.data();
    uint64_t head[2];
    LoadHead(p, n, head);
    size_t index = SetIndex(head, n);
    if (n > 16) {
      uint64_t h = index;
      for (size_t i = 16; i < n; i += 8) {
        h = (h ^ Load8(p + (i + 8 <= n ? i : n - 8))) * 0xff51afd7ed558ccdULL;
      }
      index = h >> (64 - kSetBits);
    }
    Slot* set = cache_[index];
    auto hit = [&](const Slot& slot) {
      return slot.head[0] == head[0] && slot.head[1] == head[1] && slot.size_plus_one == n + 1 &&
             (n <= 16 || std::memcmp(Name(slot.id).data() + 16, p + 16, n - 16) == 0);
    };
    if (hit(set[0])) return set[0].id;
    if (hit(set[1])) {
      std::swap(set[0], set[1]);  // most recently used first
      return set[0].id;
    }
    int64_t id = Global().InternSlow(key);
    if (id >= 0) {
      set[1] = set[0];
      set[0] = Slot{{head[0], head[1]}, static_cast<uint32_t>(n + 1), static_cast<uint32_t>(id)};
    }
    return id;
  }

  // Out of line and cold: the first sight of a name by a thread.
  [[gnu::noinline, gnu::cold]] int64_t InternSlow(std::string_view key);

  std::mutex mu_;
  std::unordered_map<std::string_view, uint32_t> ids_;
  uint32_t count_ = 0;
  // Constant-initialized to null pointers (no dynamic initialization, no guard).
  static inline std::atomic<Entry*> chunks_[kMaxInternedKeys / kChunkSize] = {};
};

}  // namespace minimongo::query::internal

#endif  // MINIMONGO_QUERY_INTERNAL_KEY_DICTIONARY_H_
