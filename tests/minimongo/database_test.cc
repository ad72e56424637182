#include "minimongo/database.h"

#include <string>
#include <string_view>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "minimongo/collection.h"
#include "query/ejson.h"
#include "query/value.h"
#include "tests/testing/status_matchers.h"

namespace minimongo {
namespace {

using ::minimongo::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

query::Value Parse(std::string_view text) {
  absl::StatusOr<query::Value> v = query::ParseEjson(text);
  EXPECT_THAT(v, IsOk()) << text;
  return v.ok() ? *std::move(v) : query::Value();
}

TEST(DatabaseTest, GetCollectionCreatesOnFirstUseAndReturnsTheSameOne) {
  Database db;
  EXPECT_EQ(db.FindCollection("files"), nullptr);
  Collection& files = db.GetCollection("files");
  EXPECT_EQ(files.name(), "files");
  EXPECT_EQ(files.size(), 0u);
  ASSERT_THAT(files.Insert(Parse(R"({"_id": "a"})")), IsOk());
  Collection& again = db.GetCollection("files");
  EXPECT_EQ(&again, &files);
  EXPECT_EQ(again.size(), 1u);
  EXPECT_EQ(db.FindCollection("files"), &files);
  const Database& const_db = db;
  EXPECT_EQ(const_db.FindCollection("files"), &files);
}

TEST(DatabaseTest, CollectionsAreIndependent) {
  Database db;
  Collection& a = db.GetCollection("a");
  Collection& b = db.GetCollection("b");
  ASSERT_THAT(a.Insert(Parse(R"({"_id": 1})")), IsOk());
  // The same _id in another collection is not a duplicate.
  ASSERT_THAT(b.Insert(Parse(R"({"_id": 1})")), IsOk());
  ASSERT_THAT(b.Insert(Parse(R"({"_id": 2})")), IsOk());
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(b.size(), 2u);
}

TEST(DatabaseTest, CollectionNamesAreSorted) {
  Database db;
  EXPECT_THAT(db.CollectionNames(), IsEmpty());
  db.GetCollection("tasks");
  db.GetCollection("Users");
  db.GetCollection("files");
  EXPECT_THAT(db.CollectionNames(), ElementsAre("Users", "files", "tasks"));
}

TEST(DatabaseTest, DropCollectionRemovesItAndItsDocuments) {
  Database db;
  ASSERT_THAT(db.GetCollection("x").Insert(Parse(R"({"_id": "a"})")), IsOk());
  EXPECT_TRUE(db.DropCollection("x"));
  EXPECT_FALSE(db.DropCollection("x"));
  EXPECT_FALSE(db.DropCollection("never"));
  EXPECT_EQ(db.FindCollection("x"), nullptr);
  EXPECT_THAT(db.CollectionNames(), IsEmpty());
  // Re-created empty.
  EXPECT_EQ(db.GetCollection("x").size(), 0u);
}

TEST(DatabaseTest, DroppingOneLeavesOthersValid) {
  Database db;
  Collection& keep = db.GetCollection("keep");
  db.GetCollection("drop");
  ASSERT_THAT(keep.Insert(Parse(R"({"_id": "k"})")), IsOk());
  EXPECT_TRUE(db.DropCollection("drop"));
  EXPECT_EQ(keep.size(), 1u);
  EXPECT_TRUE(keep.FindById(query::Value::String("k").view()).has_value());
}

TEST(DatabaseTest, DefaultOptionsApplyToNewCollections) {
  CollectionOptions options;
  options.id_kind = IdKind::kObjectId;
  Database db(options);
  absl::StatusOr<query::Value> id = db.GetCollection("c").Insert(Parse(R"({"a": 1})"));
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->type(), query::Type::kObjectId);

  Database meteor;
  id = meteor.GetCollection("c").Insert(Parse(R"({"a": 1})"));
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->type(), query::Type::kString);
}

}  // namespace
}  // namespace minimongo
