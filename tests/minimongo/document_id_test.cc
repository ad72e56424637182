#include "minimongo/document_id.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/value.h"

namespace minimongo {
namespace {

// Meteor's Random.id() alphabet: digits and letters without the easily confused 0, 1, I, O,
// U, V and l.
constexpr std::string_view kUnmistakable =
    "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";

uint32_t Seconds(const query::ObjectId& oid) {
  return (uint32_t{oid.bytes[0]} << 24) | (uint32_t{oid.bytes[1]} << 16) |
         (uint32_t{oid.bytes[2]} << 8) | uint32_t{oid.bytes[3]};
}

uint32_t Counter(const query::ObjectId& oid) {
  return (uint32_t{oid.bytes[9]} << 16) | (uint32_t{oid.bytes[10]} << 8) | uint32_t{oid.bytes[11]};
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(DocumentIdTest, AlphabetIsMeteorsFiftyFiveLetters) {
  ASSERT_EQ(kUnmistakable.size(), 55u);
  for (char c : std::string_view("01IOUVl")) {
    EXPECT_EQ(kUnmistakable.find(c), std::string_view::npos) << c;
  }
}

TEST(DocumentIdTest, MeteorIdIsSeventeenUnmistakableCharacters) {
  IdGenerator ids(42);
  for (int i = 0; i < 1000; ++i) {
    std::string id = ids.NextMeteorId();
    ASSERT_EQ(id.size(), 17u) << id;
    for (char c : id) ASSERT_NE(kUnmistakable.find(c), std::string_view::npos) << id;
  }
}

TEST(DocumentIdTest, MeteorIdsAreDistinct) {
  IdGenerator ids(7);
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(seen.insert(ids.NextMeteorId()).second) << i;
}

TEST(DocumentIdTest, EveryLetterIsRoughlyEquallyLikely) {
  IdGenerator ids(2024);
  std::map<char, int> counts;
  const int kIds = 60000;  // 1,020,000 letters, about 18,545 per letter
  for (int i = 0; i < kIds; ++i) {
    for (char c : ids.NextMeteorId()) ++counts[c];
  }
  EXPECT_EQ(counts.size(), kUnmistakable.size());
  const double expected = 17.0 * kIds / kUnmistakable.size();
  for (const auto& [c, n] : counts) {
    // Six standard deviations (about 135 letters each) either side, 4.4% of the mean: a
    // biased mapping such as `byte % 55` without rejection sampling is off by +7.5% for the
    // first 36 letters and -14% for the others.
    EXPECT_NEAR(n, expected, 6 * 135) << "letter " << c;
  }
}

TEST(DocumentIdTest, SameSeedGivesSameSequence) {
  IdGenerator a(123), b(123), c(124);
  bool differs = false;
  for (int i = 0; i < 50; ++i) {
    std::string x = a.NextMeteorId();
    EXPECT_EQ(x, b.NextMeteorId());
    if (x != c.NextMeteorId()) differs = true;
  }
  EXPECT_TRUE(differs);
}

TEST(DocumentIdTest, RandomSeedGeneratorsDiffer) {
  IdGenerator a(IdGenerator::kRandomSeed), b(IdGenerator::kRandomSeed);
  EXPECT_NE(a.NextMeteorId(), b.NextMeteorId());
}

TEST(DocumentIdTest, ObjectIdLayoutTimestampMachineCounter) {
  IdGenerator ids(99);
  int64_t before = NowSeconds();
  query::ObjectId first = ids.NextObjectId();
  query::ObjectId second = ids.NextObjectId();
  int64_t after = NowSeconds();
  // Bytes 0-3: seconds since the epoch, big-endian.
  EXPECT_GE(Seconds(first), before);
  EXPECT_LE(Seconds(first), after);
  // Bytes 4-8: a per-generator random value, the same for every id of the generator.
  for (int i = 4; i < 9; ++i) EXPECT_EQ(first.bytes[i], second.bytes[i]) << i;
  // Bytes 9-11: a big-endian counter, incremented per id (modulo 2^24).
  EXPECT_EQ(Counter(second), (Counter(first) + 1) & 0xffffff);
}

TEST(DocumentIdTest, ObjectIdsAreDistinct) {
  IdGenerator ids(5);
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(seen.insert(ids.NextObjectId().ToHex()).second);
}

TEST(DocumentIdTest, NextReturnsTheRequestedKind) {
  IdGenerator ids(8);
  query::Value s = ids.Next(IdKind::kMeteorString);
  ASSERT_EQ(s.type(), query::Type::kString);
  EXPECT_EQ(s.view().AsString().size(), 17u);
  query::Value o = ids.Next(IdKind::kObjectId);
  EXPECT_EQ(o.type(), query::Type::kObjectId);
}

}  // namespace
}  // namespace minimongo
