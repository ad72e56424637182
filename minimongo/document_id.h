// Generation of document ids: Meteor-style random string ids and MongoDB ObjectIds.
//
// A Meteor id is 17 characters from the 55-letter "unmistakable" alphabet (no 0/O, 1/l/I...),
// about 98 bits of randomness, as Meteor's Random.id() makes them. ObjectIds follow MongoDB's
// layout: 4 bytes of seconds since the epoch, 5 random bytes fixed per generator, and a 3-byte
// counter that starts at a random value.
//
// Thread safety: an IdGenerator is not thread-safe; give each thread (or each Database) its own.
//
// Example:
//   IdGenerator ids(IdGenerator::kRandomSeed);
//   std::string id = ids.NextMeteorId();   // e.g. "9fKpXqA2bZr7TmWc3"

#ifndef MINIMONGO_MINIMONGO_DOCUMENT_ID_H_
#define MINIMONGO_MINIMONGO_DOCUMENT_ID_H_

#include <cstdint>
#include <string>

#include "query/value.h"

namespace minimongo {

// How a collection makes the `_id` of a document inserted without one.
enum class IdKind {
  kMeteorString,  // 17-character random string (Meteor's default)
  kObjectId,      // MongoDB ObjectId
};

class IdGenerator {
 public:
  // Seeds from the operating system's entropy source.
  static constexpr uint64_t kRandomSeed = 0;

  // `seed` != kRandomSeed makes the sequence of ids deterministic (tests, replays).
  explicit IdGenerator(uint64_t seed = kRandomSeed);

  std::string NextMeteorId();
  query::ObjectId NextObjectId();
  // An id of `kind`, as a Value.
  query::Value Next(IdKind kind);

 private:
  uint64_t NextRandom();

  uint64_t state_[2];
  uint8_t process_unique_[5];
  uint32_t counter_;
};

}  // namespace minimongo

#endif  // MINIMONGO_MINIMONGO_DOCUMENT_ID_H_
