#include "minimongo/document_id.h"

#include <chrono>
#include <random>

namespace minimongo {
namespace {

constexpr char kUnmistakable[] = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
constexpr uint64_t kAlphabetSize = sizeof(kUnmistakable) - 1;  // 55

uint64_t SplitMix64(uint64_t* x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

IdGenerator::IdGenerator(uint64_t seed) {
  if (seed == kRandomSeed) {
    std::random_device rd;
    seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    if (seed == kRandomSeed) seed = 1;
  }
  state_[0] = SplitMix64(&seed);
  state_[1] = SplitMix64(&seed);
  uint64_t r = NextRandom();
  for (int i = 0; i < 5; ++i) process_unique_[i] = static_cast<uint8_t>(r >> (8 * i));
  counter_ = static_cast<uint32_t>(NextRandom() & 0xffffff);
}

// xorshift128+: fast and statistically fine for ids (not a cryptographic generator).
uint64_t IdGenerator::NextRandom() {
  uint64_t s1 = state_[0];
  const uint64_t s0 = state_[1];
  state_[0] = s0;
  s1 ^= s1 << 23;
  state_[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
  return state_[1] + s0;
}

std::string IdGenerator::NextMeteorId() {
  std::string id(17, '0');
  for (char& c : id) {
    // Rejection sampling keeps every letter equally likely.
    uint64_t r;
    do {
      r = NextRandom() >> 56;  // 0..255
    } while (r >= 4 * kAlphabetSize);
    c = kUnmistakable[r % kAlphabetSize];
  }
  return id;
}

query::ObjectId IdGenerator::NextObjectId() {
  query::ObjectId oid;
  uint32_t seconds = static_cast<uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  oid.bytes[0] = static_cast<uint8_t>(seconds >> 24);
  oid.bytes[1] = static_cast<uint8_t>(seconds >> 16);
  oid.bytes[2] = static_cast<uint8_t>(seconds >> 8);
  oid.bytes[3] = static_cast<uint8_t>(seconds);
  for (int i = 0; i < 5; ++i) oid.bytes[4 + i] = process_unique_[i];
  uint32_t c = counter_++ & 0xffffff;
  oid.bytes[9] = static_cast<uint8_t>(c >> 16);
  oid.bytes[10] = static_cast<uint8_t>(c >> 8);
  oid.bytes[11] = static_cast<uint8_t>(c);
  return oid;
}

query::Value IdGenerator::Next(IdKind kind) {
  if (kind == IdKind::kObjectId) return query::Value::MakeObjectId(NextObjectId());
  return query::Value::String(NextMeteorId());
}

}  // namespace minimongo
