// Collection::BulkUpdate: the same effects as Update called on each request in turn, stopping
// at the first failure.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "minimongo/collection.h"
#include "query/ejson.h"
#include "query/value.h"
#include "tests/testing/status_matchers.h"

namespace minimongo {
namespace {

using ::minimongo::testing::StatusIs;
using query::Value;

Value Parse(const std::string& text) {
  absl::StatusOr<Value> v = query::ParseEjson(text);
  if (!v.ok()) {
    ADD_FAILURE() << "bad EJSON in test: " << text;
    return Value();
  }
  return *std::move(v);
}

UpdateRequest Request(const std::string& selector, const std::string& modifier,
                      UpdateOptions options = {}) {
  return UpdateRequest{Parse(selector), Parse(modifier), std::move(options)};
}

// Every document as EJSON, in the collection's natural order.
std::vector<std::string> Contents(const Collection& c) {
  std::vector<std::string> out;
  absl::StatusOr<Cursor> cursor = c.Find(Value::Object({}));
  if (!cursor.ok()) return out;
  for (const Value& doc : cursor->Fetch()) out.push_back(query::ToEjson(doc.view()));
  return out;
}

CollectionOptions Fixed() {
  CollectionOptions o;
  o.id_seed = 7;  // generated upsert ids are reproducible
  o.now_millis = [] { return int64_t{1700000000000}; };
  return o;
}

TEST(BulkUpdateTest, AppliesInOrderAndSumsTheCounts) {
  Collection c("c", Fixed());
  ASSERT_TRUE(c.Insert(Parse(R"({"_id": "a", "n": 1})")).ok());
  ASSERT_TRUE(c.Insert(Parse(R"({"_id": "b", "n": 2})")).ok());
  std::vector<UpdateRequest> requests = {
      Request(R"({"_id": "a"})", R"({"$inc": {"n": 10}})"),
      Request(R"({"_id": "a"})", R"({"$set": {"n": 11}})"),  // already 11: matched, not modified
      Request(R"({"n": {"$gte": 2}})", R"({"$set": {"big": true}})", {.multi = true}),
      Request(R"({"_id": "z"})", R"({"$set": {"n": 0}})", {.upsert = true}),
      Request(R"({"_id": "nope"})", R"({"$set": {"n": 0}})"),  // matches nothing
  };
  BulkUpdateResult r = c.BulkUpdate(requests);
  ASSERT_TRUE(r.error.ok()) << r.error;
  EXPECT_EQ(r.applied, 5u);
  EXPECT_EQ(r.matched, 4u);   // 1 + 1 + 2 (a and b) + 0 (the upsert) + 0
  EXPECT_EQ(r.modified, 3u);  // the $inc and both $set big
  ASSERT_EQ(r.upserted.size(), 1u);
  EXPECT_EQ(r.upserted[0].first, 3u);
  EXPECT_EQ(query::ToEjson(r.upserted[0].second.view()), R"("z")");
  EXPECT_EQ(Contents(c), (std::vector<std::string>{R"({"_id":"a","n":11,"big":true})",
                                                   R"({"_id":"b","n":2,"big":true})",
                                                   R"({"_id":"z","n":0})"}));
}

TEST(BulkUpdateTest, StopsAtTheFirstFailureAndKeepsWhatCameBefore) {
  Collection c("c", Fixed());
  ASSERT_TRUE(c.Insert(Parse(R"({"_id": "a", "n": 1, "s": "text"})")).ok());
  std::vector<UpdateRequest> requests = {
      Request(R"({"_id": "a"})", R"({"$set": {"n": 2}})"),
      Request(R"({"_id": "a"})", R"({"$inc": {"s": 1}})"),  // $inc of a string
      Request(R"({"_id": "a"})", R"({"$set": {"n": 3}})"),
  };
  BulkUpdateResult r = c.BulkUpdate(requests);
  EXPECT_THAT(r.error, StatusIs(absl::StatusCode::kInvalidArgument, "update 1: "));
  EXPECT_NE(r.error.message().find("non-numeric"), std::string::npos) << r.error;
  EXPECT_EQ(r.applied, 1u);
  EXPECT_EQ(r.matched, 1u);
  EXPECT_EQ(Contents(c), (std::vector<std::string>{R"({"_id":"a","n":2,"s":"text"})"}));

  BulkUpdateResult none = c.BulkUpdate({});
  EXPECT_TRUE(none.error.ok());
  EXPECT_EQ(none.applied, 0u);
}

// Random request lists (mostly by _id, as the prefetch pipeline expects, with selector, upsert
// and failing requests mixed in) against the same requests through Update one by one. The
// seed is printed; MINIMONGO_SEED overrides it.
TEST(BulkUpdateTest, MatchesUpdateCalledInTurnOnRandomRequests) {
  uint64_t seed = 20261202;
  if (const char* env = std::getenv("MINIMONGO_SEED")) seed = std::strtoull(env, nullptr, 10);
  std::printf("BulkUpdateTest seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 40; ++round) {
    Collection bulk("bulk", Fixed()), serial("serial", Fixed());
    const int docs = 1 + static_cast<int>(rng() % 300);
    for (int i = 0; i < docs; ++i) {
      Value doc = Parse(fmt::format(R"({{"_id": "d{}", "n": {}, "g": {}, "s": "x"}})", i, i, i % 7));
      ASSERT_TRUE(bulk.Insert(doc).ok());
      ASSERT_TRUE(serial.Insert(doc).ok());
    }
    std::vector<UpdateRequest> requests;
    const int count = static_cast<int>(rng() % 400);
    for (int k = 0; k < count; ++k) {
      const int target = static_cast<int>(rng() % (docs + 20));  // some ids do not exist
      const int kind = static_cast<int>(rng() % 20);
      if (kind < 12) {
        requests.push_back(Request(fmt::format(R"({{"_id": "d{}"}})", target),
                                   fmt::format(R"({{"$set": {{"n": {}}}}})", rng() % 50)));
      } else if (kind < 15) {
        requests.push_back(Request(fmt::format(R"({{"_id": "d{}"}})", target),
                                   R"({"$inc": {"n": 1}, "$push": {"log": 1}})"));
      } else if (kind < 17) {
        requests.push_back(Request(fmt::format(R"({{"g": {}}})", rng() % 7),
                                   R"({"$inc": {"n": 100}})", {.multi = rng() % 2 == 0}));
      } else if (kind < 19) {
        requests.push_back(Request(fmt::format(R"({{"_id": "d{}"}})", target),
                                   R"({"$setOnInsert": {"fresh": true}, "$inc": {"n": 1}})",
                                   {.upsert = true}));
      } else if (rng() % 4 == 0) {
        requests.push_back(Request(fmt::format(R"({{"_id": "d{}"}})", target),
                                   R"({"$inc": {"s": 1}})"));  // fails when d<target> exists
      }
    }
    BulkUpdateResult r = bulk.BulkUpdate(requests);
    size_t applied = 0, matched = 0, modified = 0;
    absl::Status error;
    for (const UpdateRequest& q : requests) {
      absl::StatusOr<UpdateResult> one = serial.Update(q.selector, q.modifier, q.options);
      if (!one.ok()) {
        error = one.status();
        break;
      }
      ++applied;
      matched += one->matched;
      modified += one->modified;
    }
    SCOPED_TRACE(fmt::format("round {} seed {}", round, seed));
    EXPECT_EQ(r.applied, applied);
    EXPECT_EQ(r.matched, matched);
    EXPECT_EQ(r.modified, modified);
    EXPECT_EQ(r.error.code(), error.code());
    if (!error.ok()) {
      EXPECT_EQ(std::string(r.error.message()),
                fmt::format("update {}: {}", applied, std::string(error.message())));
    }
    ASSERT_EQ(Contents(bulk), Contents(serial));
  }
}

}  // namespace
}  // namespace minimongo
