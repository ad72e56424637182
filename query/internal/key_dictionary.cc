#include "query/internal/key_dictionary.h"

#include "query/value.h"

namespace minimongo::query::internal {

// The first sight of a name by a thread: the shared map under the mutex, then a new entry.
int64_t KeyDictionary::InternSlow(std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ids_.find(key);
  if (it != ids_.end()) return it->second;
  if (count_ >= kMaxInternedKeys) return -1;
  uint32_t id = count_++;
  char* copy = new char[key.size() + 1];  // never freed: ids are forever
  if (!key.empty()) std::memcpy(copy, key.data(), key.size());  // "" may have a null data()
  copy[key.size()] = '\0';
  uint32_t chunk_index = id >> kChunkBits;
  Entry* chunk = chunks_[chunk_index].load(std::memory_order_relaxed);
  if (chunk == nullptr) chunk = new Entry[kChunkSize];
  chunk[id & (kChunkSize - 1)] = Entry{copy, static_cast<uint32_t>(key.size()), StorableName(key),
                                        PlainFieldName(key)};
  chunks_[chunk_index].store(chunk, std::memory_order_release);
  ids_.emplace(std::string_view(copy, key.size()), id);
  return id;
}

}  // namespace minimongo::query::internal
