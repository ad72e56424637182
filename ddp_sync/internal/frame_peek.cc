#include "ddp_sync/internal/frame_peek.h"

#include <cstddef>
#include <cstring>

namespace minimongo::ddp::internal {

namespace {

// The string starting at `begin` up to its closing quote; nullopt when it holds a backslash or
// never ends.
std::optional<std::string_view> StringAt(std::string_view text, size_t begin) {
  for (size_t i = begin; i < text.size(); ++i) {
    if (text[i] == '"') return text.substr(begin, i - begin);
    if (text[i] == '\\') return std::nullopt;
  }
  return std::nullopt;
}

// The position right after the first occurrence of `key` at or after `from`, or npos. Scans
// for the key's second byte (its first letter) rather than its opening quote: quotes are the
// most frequent byte of JSON text, and a memchr per quote costs more than the whole search.
size_t After(std::string_view text, std::string_view key, size_t from) {
  const char* data = text.data();
  const size_t n = text.size();
  size_t i = from + 1;
  while (i + key.size() - 1 <= n) {
    const void* hit = std::memchr(data + i, key[1], n - i);
    if (hit == nullptr) return std::string_view::npos;
    size_t at = static_cast<size_t>(static_cast<const char*>(hit) - data) - 1;
    if (at + key.size() <= n && std::memcmp(data + at, key.data(), key.size()) == 0) {
      return at + key.size();
    }
    i = at + 2;
  }
  return std::string_view::npos;
}

constexpr std::string_view kCollectionKey = "\"collection\":\"";
constexpr std::string_view kIdKey = "\"id\":\"";

}  // namespace

std::optional<FrameTarget> PeekFrameTarget(std::string_view text) {
  size_t collection_at = After(text, kCollectionKey, 0);
  if (collection_at == std::string_view::npos) return std::nullopt;
  std::optional<std::string_view> collection = StringAt(text, collection_at);
  if (!collection) return std::nullopt;
  // Meteor writes "id" right after "collection"; look there first.
  size_t id_at = collection_at + collection->size() + 1;
  if (text.substr(id_at, 1 + kIdKey.size()) == ",\"id\":\"") {
    id_at += 1 + kIdKey.size();
  } else {
    id_at = After(text, kIdKey, 0);
    if (id_at == std::string_view::npos) return std::nullopt;
  }
  std::optional<std::string_view> id = StringAt(text, id_at);
  if (!id) return std::nullopt;
  return FrameTarget{*collection, *id};
}

}  // namespace minimongo::ddp::internal
