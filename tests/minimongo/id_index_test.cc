#include "minimongo/internal/id_index.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "query/value.h"
#include "query/value_order.h"

namespace minimongo::internal {
namespace {

using query::Value;
using query::ValueView;

Value Doc(const Value& id) { return Value::Object({{"_id", id}, {"x", Value::Int32(1)}}); }

TEST(IdIndexTest, FindsInsertedIdsAndNothingElse) {
  std::vector<Value> slots = {Doc(Value::String("a")), Doc(Value::String("b")),
                              Doc(Value::Int32(7))};
  IdIndex index(&slots);
  EXPECT_EQ(index.Find(Value::String("a").view()), -1);  // empty index
  for (uint32_t i = 0; i < slots.size(); ++i) index.Insert(i);
  EXPECT_EQ(index.size(), 3u);
  EXPECT_EQ(index.Find(Value::String("a").view()), 0);
  EXPECT_EQ(index.Find(Value::String("b").view()), 1);
  EXPECT_EQ(index.Find(Value::String("c").view()), -1);
  // Ids compare as values: 7, 7.0 and NumberLong(7) are one id; "7" is another.
  EXPECT_EQ(index.Find(Value::Int32(7).view()), 2);
  EXPECT_EQ(index.Find(Value::Double(7.0).view()), 2);
  EXPECT_EQ(index.Find(Value::Int64(7).view()), 2);
  EXPECT_EQ(index.Find(Value::String("7").view()), -1);
  EXPECT_EQ(index.GuessSlot(IdIndex::Hash(Value::String("b").view())), 1);
}

TEST(IdIndexTest, HashStringIsTheHashOfTheStringValue) {
  // The DDP pipeline hashes ids straight from frame text; its prefetch is only useful when
  // that equals the hash of the stored string id. Includes lengths around the 8-byte words.
  for (const std::string& s : std::vector<std::string>{"", "a", "abcdefg", "abcdefgh", "abcdefghi",
                                                     "T7zmo9YS4XsrpfRtk",
                                                     "\xc3\xa9t\xc3\xa9", std::string(100, 'x')}) {
    EXPECT_EQ(IdIndex::HashString(s), IdIndex::Hash(Value::String(s).view())) << s;
  }
  EXPECT_NE(IdIndex::HashString("1"), IdIndex::Hash(Value::Int32(1).view()));
}

TEST(IdIndexTest, EraseKeepsTheRestReachable) {
  std::vector<Value> slots;
  for (int i = 0; i < 1000; ++i) slots.push_back(Doc(Value::Int32(i)));
  IdIndex index(&slots);
  for (uint32_t i = 0; i < slots.size(); ++i) index.Insert(i);
  for (uint32_t i = 0; i < slots.size(); i += 3) index.Erase(i);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(index.Find(Value::Int32(i).view()), i % 3 == 0 ? -1 : i) << i;
  }
  index.Clear();
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.Find(Value::Int32(1).view()), -1);
}

// Random inserts, erases and lookups against a naive model (a linear search over the slots
// the model says are indexed), with few distinct ids so that probe runs collide, wrap around
// the table's end and are cut by erases. The seed is printed; MINIMONGO_SEED overrides it.
TEST(IdIndexTest, MatchesANaiveModelUnderRandomOperations) {
  uint64_t seed = 20261201;
  if (const char* env = std::getenv("MINIMONGO_SEED")) seed = std::strtoull(env, nullptr, 10);
  std::printf("IdIndexTest seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  std::vector<Value> slots;
  IdIndex index(&slots);
  auto random_id = [&] {
    int k = static_cast<int>(rng() % 600);
    switch (rng() % 3) {
      case 0:
        return Value::Int32(k);
      case 1:
        return Value::Double(k);  // the same id as Int32(k)
      default:
        return Value::String("id" + std::to_string(k));
    }
  };
  std::vector<uint32_t> live_slots;  // the model: which slots are indexed
  auto model_find = [&](ValueView id) -> int64_t {
    for (uint32_t s : live_slots) {
      if (query::ValuesEqual(slots[s].view().fields().begin().value(), id)) return s;
    }
    return -1;
  };
  for (int step = 0; step < 30000; ++step) {
    Value id = random_id();
    int64_t want = model_find(id.view());
    ASSERT_EQ(index.Find(id.view()), want) << "step " << step << " seed " << seed;
    const int op = static_cast<int>(rng() % 10);
    if (op < 5 && want < 0) {
      slots.push_back(Doc(id));
      live_slots.push_back(static_cast<uint32_t>(slots.size() - 1));
      index.Insert(live_slots.back());
    } else if (op < 9 && want >= 0) {
      index.Erase(static_cast<uint32_t>(want));
      live_slots.erase(std::find(live_slots.begin(), live_slots.end(), static_cast<uint32_t>(want)));
    } else if (op == 9 && rng() % 50 == 0) {
      // The collection's compaction: clear, reserve, insert everything again.
      index.Clear();
      index.Reserve(live_slots.size());
      for (uint32_t s : live_slots) index.Insert(s);
    }
    ASSERT_EQ(index.size(), live_slots.size());
  }
}

}  // namespace
}  // namespace minimongo::internal
