#include "minimongo/collection.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/ejson.h"
#include "query/limits.h"
#include "query/sort_spec.h"
#include "query/value.h"
#include "query/value_order.h"
#include "tests/testing/status_matchers.h"

namespace minimongo::query {
// gtest prints Values as EJSON.
void PrintTo(const Value& v, std::ostream* os) { *os << ToEjson(v.view()); }
}  // namespace minimongo::query

namespace minimongo {
namespace {

using ::minimongo::testing::IsOk;
using ::minimongo::testing::StatusIs;
using query::Value;
using query::ValueView;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

constexpr std::string_view kUnmistakable =
    "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

Value Parse(std::string_view text) {
  absl::StatusOr<Value> v = query::ParseEjson(text);
  EXPECT_THAT(v, IsOk()) << text;
  return v.ok() ? *std::move(v) : Value();
}

// The elements of an EJSON array.
std::vector<Value> Docs(std::string_view array_text) {
  std::vector<Value> out;
  Value array = Parse(array_text);
  for (ValueView d : array.view().elements()) out.push_back(d.ToValue());
  return out;
}

void InsertAll(Collection* c, std::string_view array_text) {
  for (const Value& doc : Docs(array_text)) {
    ASSERT_THAT(c->Insert(doc), IsOk()) << query::ToEjson(doc.view());
  }
}

// Every document in insertion order.
std::vector<Value> All(const Collection& c) {
  std::vector<Value> out;
  c.ForEachDocument([&](const Value& doc) { out.push_back(doc); });
  return out;
}

// Exact text of every document in insertion order: key order and number types included, so
// that "unchanged" means byte for byte (1 vs 1.0 is a change).
std::vector<std::string> Snapshot(const Collection& c) {
  query::EjsonOptions exact;
  exact.mark_doubles = true;
  std::vector<std::string> out;
  c.ForEachDocument([&](const Value& doc) { out.push_back(query::ToEjson(doc.view(), exact)); });
  return out;
}

std::vector<Value> Fetch(const Collection& c, std::string_view selector,
                         const FindOptions& options = {}) {
  absl::StatusOr<Cursor> cursor = c.Find(Parse(selector), options);
  EXPECT_THAT(cursor, IsOk()) << selector;
  if (!cursor.ok()) return {};
  return cursor->Fetch();
}

FindOptions Sorted(std::string_view sort, size_t skip = 0,
                   std::optional<size_t> limit = std::nullopt) {
  FindOptions options;
  options.sort = Parse(sort);
  options.skip = skip;
  options.limit = limit;
  return options;
}

FindOptions Projected(std::string_view projection) {
  FindOptions options;
  options.projection = Parse(projection);
  return options;
}

// The _ids of `docs`: strings as themselves, anything else as EJSON.
std::vector<std::string> Ids(const std::vector<Value>& docs) {
  std::vector<std::string> out;
  for (const Value& d : docs) {
    std::optional<ValueView> id = d.view().Find("_id");
    if (!id) {
      out.push_back("<none>");
    } else if (id->IsString()) {
      out.emplace_back(id->AsString());
    } else {
      out.push_back(query::ToEjson(*id));
    }
  }
  return out;
}

bool IsMeteorId(ValueView id) {
  if (!id.IsString() || id.AsString().size() != 17) return false;
  for (char c : id.AsString()) {
    if (kUnmistakable.find(c) == std::string_view::npos) return false;
  }
  return true;
}

// Runs a write that must fail with `code` and a message containing `fragment`, and checks that
// it changed nothing.
template <typename Op>
void ExpectRejected(const Collection& c, Op op, absl::StatusCode code, std::string_view fragment) {
  std::vector<std::string> before = Snapshot(c);
  size_t size_before = c.size();
  auto result = op();
  EXPECT_THAT(result, StatusIs(code, std::string(fragment)));
  EXPECT_EQ(c.size(), size_before);
  EXPECT_THAT(Snapshot(c), ElementsAreArray(before)) << "a rejected write changed the collection";
}

UpdateOptions Multi() {
  UpdateOptions o;
  o.multi = true;
  return o;
}

UpdateOptions Upsert() {
  UpdateOptions o;
  o.upsert = true;
  return o;
}

// `depth` nested objects {"a": {"a": ... {}}}, the outermost counting as level 1.
Value NestedObjects(size_t depth) {
  query::ValueBuilder b;
  for (size_t i = 0; i < depth; ++i) {
    b.BeginObject();
    if (i + 1 < depth) b.Key("a");
  }
  for (size_t i = 0; i < depth; ++i) EXPECT_TRUE(b.EndObject());
  return b.Finish();
}

// {"_id": "deep", "a": [[[...]]]}: the document plus `arrays` nested arrays.
Value DocWithNestedArrays(size_t arrays) {
  query::ValueBuilder b;
  b.BeginObject();
  b.Key("_id");
  b.AppendString("deep");
  b.Key("a");
  for (size_t i = 0; i < arrays; ++i) b.BeginArray();
  for (size_t i = 0; i < arrays; ++i) b.EndArray();
  EXPECT_TRUE(b.EndObject());
  return b.Finish();
}

// ---------------------------------------------------------------------------------------------
// Insert

TEST(CollectionInsertTest, GeneratesMeteorIdsFromTheUnmistakableAlphabet) {
  Collection c("c");
  absl::flat_hash_set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    absl::StatusOr<Value> id = c.Insert(Parse(R"({"a": 1})"));
    ASSERT_THAT(id, IsOk());
    ASSERT_TRUE(IsMeteorId(id->view())) << query::ToEjson(id->view());
    ids.insert(std::string(id->view().AsString()));
    std::optional<Value> stored = c.FindById(id->view());
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(*stored, Value::Object({{"_id", *id}, {"a", Value::Int32(1)}}));
  }
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(c.size(), 1000u);
}

TEST(CollectionInsertTest, SeededCollectionsGenerateTheSameIds) {
  CollectionOptions options;
  options.id_seed = 77;
  Collection a("a", options), b("b", options);
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<Value> x = a.Insert(Parse("{}"));
    absl::StatusOr<Value> y = b.Insert(Parse("{}"));
    ASSERT_THAT(x, IsOk());
    ASSERT_THAT(y, IsOk());
    EXPECT_EQ(*x, *y);
  }
}

TEST(CollectionInsertTest, GeneratesObjectIdsWhenAsked) {
  CollectionOptions options;
  options.id_kind = IdKind::kObjectId;
  Collection c("c", options);
  absl::StatusOr<Value> first = c.Insert(Parse(R"({"a": 1})"));
  absl::StatusOr<Value> second = c.Insert(Parse(R"({"a": 2})"));
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(first->type(), query::Type::kObjectId);
  EXPECT_NE(*first, *second);
  std::vector<Value> docs = All(c);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(DocumentId(docs[0].view()).type(), query::Type::kObjectId);
}

TEST(CollectionInsertTest, ReturnsTheGivenIdAndMovesItFirst) {
  Collection c("c");
  absl::StatusOr<Value> id = c.Insert(Parse(R"({"a": 1, "_id": "x", "b": {"c": 2}})"));
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(*id, Value::String("x"));
  std::vector<Value> docs = All(c);
  ASSERT_EQ(docs.size(), 1u);
  std::vector<std::string> keys;
  for (const query::Field& f : docs[0].view().fields()) keys.emplace_back(f.key);
  EXPECT_THAT(keys, ElementsAre("_id", "a", "b"));
  EXPECT_EQ(docs[0], Parse(R"({"_id": "x", "a": 1, "b": {"c": 2}})"));
  EXPECT_EQ(DocumentId(docs[0].view()).AsString(), "x");
}

TEST(CollectionInsertTest, GeneratedIdGoesFirst) {
  Collection c("c");
  ASSERT_THAT(c.Insert(Parse(R"({"z": 1, "a": 2})")), IsOk());
  std::vector<Value> docs = All(c);
  ASSERT_EQ(docs.size(), 1u);
  std::vector<std::string> keys;
  for (const query::Field& f : docs[0].view().fields()) keys.emplace_back(f.key);
  EXPECT_THAT(keys, ElementsAre("_id", "z", "a"));
}

TEST(CollectionInsertTest, AcceptsAnyNonArrayNonRegexId) {
  Collection c("c");
  const std::vector<std::string_view> ids = {
      R"(7)",
      R"(-2.5)",
      R"({"$numberLong": "9007199254740993"})",
      R"("a string id")",
      R"("")",
      R"({"x": 1, "y": 2})",
      R"({"y": 2, "x": 1})",  // key order matters: a different id
      R"({"$type": "oid", "$value": "5f1a2b3c4d5e6f7a8b9c0d1e"})",
      R"({"$date": 86400000})",
      R"({"$binary": "AQID"})",
      R"(true)",
      R"(null)",
  };
  for (std::string_view id_text : ids) {
    Value id = Parse(id_text);
    Value doc = Value::Object({{"v", Value::String(id_text)}, {"_id", id}});
    absl::StatusOr<Value> got = c.Insert(doc);
    ASSERT_THAT(got, IsOk()) << id_text;
    EXPECT_EQ(*got, id);
    std::optional<Value> stored = c.FindById(id.view());
    ASSERT_TRUE(stored.has_value()) << id_text;
    EXPECT_EQ(*stored, Value::Object({{"_id", id}, {"v", Value::String(id_text)}}));
  }
  EXPECT_EQ(c.size(), ids.size());
}

TEST(CollectionInsertTest, RejectsArrayAndRegexIds) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "keep"}])");
  ExpectRejected(
      c, [&] { return c.Insert(Parse(R"({"_id": [1, 2]})")); }, kInvalid, "array");
  ExpectRejected(
      c, [&] { return c.Insert(Parse(R"({"_id": []})")); }, kInvalid, "array");
  ExpectRejected(
      c, [&] { return c.Insert(Parse(R"({"_id": {"$regexp": "^a", "$flags": ""}})")); }, kInvalid,
      "regex");
}

TEST(CollectionInsertTest, RejectsDuplicateIds) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "a", "n": 1}, {"_id": 1}, {"_id": {"k": "v"}}])");
  ExpectRejected(
      c, [&] { return c.Insert(Parse(R"({"_id": "a", "n": 2})")); },
      absl::StatusCode::kAlreadyExists, "duplicate key");
  ExpectRejected(
      c, [&] { return c.Insert(Parse(R"({"_id": {"k": "v"}, "other": 1})")); },
      absl::StatusCode::kAlreadyExists, "duplicate key");
}

TEST(CollectionInsertTest, OneAndOnePointZeroAreTheSameId) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": 1, "kind": "int"}])");
  ExpectRejected(
      c, [&] { return c.Insert(Parse(R"({"_id": 1.0})")); }, absl::StatusCode::kAlreadyExists,
      "duplicate key");
  ExpectRejected(
      c, [&] { return c.Insert(Parse(R"({"_id": {"$numberLong": "1"}})")); },
      absl::StatusCode::kAlreadyExists, "duplicate key");
  std::optional<Value> found = c.FindById(Value::Double(1.0).view());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->view().Find("kind")->AsString(), "int");
  EXPECT_TRUE(c.FindById(Value::Int64(1).view()).has_value());
  EXPECT_FALSE(c.FindById(Value::String("1").view()).has_value());
  // -0.0 and 0 are one id too.
  InsertAll(&c, R"([{"_id": 0}])");
  EXPECT_THAT(c.Insert(Parse(R"({"_id": -0.0})")), StatusIs(absl::StatusCode::kAlreadyExists, ""));
}

TEST(CollectionInsertTest, RejectsDollarPrefixedTopLevelKeys) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "keep"}])");
  ExpectRejected(
      c, [&] { return c.Insert(Parse(R"({"$set": {"a": 1}})")); }, kInvalid, "$set");
  ExpectRejected(
      c, [&] { return c.Insert(Parse(R"({"a": 1, "$b": 2})")); }, kInvalid, "$b");
  // Nested $-prefixed keys are allowed (only top-level ones are reserved for operators).
  EXPECT_THAT(c.Insert(Parse(R"({"_id": "n", "a": {"$b": 1}})")), IsOk());
}

TEST(CollectionInsertTest, RejectsDottedKeysAtAnyDepth) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "keep"}])");
  ExpectRejected(
      c, [&] { return c.Insert(Parse(R"({"a.b": 1})")); }, kInvalid, "a.b");
  ExpectRejected(
      c, [&] { return c.Insert(Parse(R"({"a": {"b.c": 1}})")); }, kInvalid, "b.c");
  ExpectRejected(
      c, [&] { return c.Insert(Parse(R"({"a": [1, {"x.y": 1}]})")); }, kInvalid, "x.y");
  ExpectRejected(
      c, [&] { return c.Insert(Parse(R"({"a": [[{"p": {"q.r": 1}}]]})")); }, kInvalid, "q.r");
  ExpectRejected(
      c, [&] { return c.Insert(Parse(R"({"_id": {"i.d": 1}})")); }, kInvalid, "i.d");
}

TEST(CollectionInsertTest, RejectsNonObjects) {
  Collection c("c");
  ExpectRejected(
      c, [&] { return c.Insert(Value::Int32(1)); }, kInvalid, "object");
  ExpectRejected(
      c, [&] { return c.Insert(Parse("[{}]")); }, kInvalid, "object");
  ExpectRejected(
      c, [&] { return c.Insert(Value()); }, kInvalid, "object");
}

TEST(CollectionInsertTest, NestingLimitIsOneHundredLevels) {
  Collection c("c");
  // The document itself is level 1.
  EXPECT_THAT(c.Insert(NestedObjects(query::kMaxDepth)), IsOk());
  ExpectRejected(
      c, [&] { return c.Insert(NestedObjects(query::kMaxDepth + 1)); }, kInvalid, "deeper");
  ExpectRejected(
      c, [&] { return c.Insert(DocWithNestedArrays(query::kMaxDepth)); }, kInvalid, "deeper");
  EXPECT_THAT(c.Insert(DocWithNestedArrays(query::kMaxDepth - 1)), IsOk());
  EXPECT_EQ(c.size(), 2u);
}

TEST(CollectionInsertTest, ValidateDocumentStatesTheInvariants) {
  EXPECT_THAT(Collection::ValidateDocument(Parse(R"({"_id": 1, "a": [{"b": 2}]})").view()), IsOk());
  EXPECT_THAT(Collection::ValidateDocument(Parse(R"({"a": 1})").view()), IsOk());
  EXPECT_THAT(Collection::ValidateDocument(Parse(R"({"_id": [1]})").view()),
              StatusIs(kInvalid, "array"));
  EXPECT_THAT(Collection::ValidateDocument(Parse(R"({"a": {"b.c": 1}})").view()),
              StatusIs(kInvalid, "b.c"));
  EXPECT_THAT(Collection::ValidateDocument(Parse(R"({"$x": 1})").view()), StatusIs(kInvalid, "$x"));
  EXPECT_THAT(Collection::ValidateDocument(Value::String("doc").view()),
              StatusIs(kInvalid, "object"));
}

// ---------------------------------------------------------------------------------------------
// Find

TEST(CollectionFindTest, ResultsComeInInsertionOrder) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "c", "k": 1}, {"_id": "a", "k": 2}, {"_id": "b", "k": 1},
                    {"_id": 3, "k": 1}])");
  EXPECT_THAT(Ids(Fetch(c, "{}")), ElementsAre("c", "a", "b", "3"));
  EXPECT_THAT(Ids(Fetch(c, R"({"k": 1})")), ElementsAre("c", "b", "3"));
  EXPECT_THAT(Ids(Fetch(c, R"({"k": 5})")), IsEmpty());
  EXPECT_THAT(Fetch(c, R"({"k": 2})"), ElementsAre(Parse(R"({"_id": "a", "k": 2})")));
}

TEST(CollectionFindTest, EmptyCollection) {
  Collection c("c");
  EXPECT_THAT(Fetch(c, "{}"), IsEmpty());
  EXPECT_THAT(Fetch(c, "{}", Sorted(R"({"a": 1})", 0, 5)), IsEmpty());
  EXPECT_FALSE(c.FindById(Value::String("x").view()).has_value());
}

TEST(CollectionFindTest, SortAscendingDescendingWithMixedTypes) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "d1", "a": "x"}, {"_id": "d2", "a": 2}, {"_id": "d3"},
                    {"_id": "d4", "a": [1, 5]}, {"_id": "d5", "a": null}, {"_id": "d6", "a": 2}])");
  // Missing sorts like null (ties keep insertion order), numbers before strings, an array by
  // its smallest element ascending and its largest descending.
  EXPECT_THAT(Ids(Fetch(c, "{}", Sorted(R"({"a": 1})"))),
              ElementsAre("d3", "d5", "d4", "d2", "d6", "d1"));
  EXPECT_THAT(Ids(Fetch(c, "{}", Sorted(R"({"a": -1})"))),
              ElementsAre("d1", "d4", "d2", "d6", "d3", "d5"));
  // Meteor's array form.
  EXPECT_THAT(Ids(Fetch(c, "{}", Sorted(R"([["a", "desc"]])"))),
              ElementsAre("d1", "d4", "d2", "d6", "d3", "d5"));
}

TEST(CollectionFindTest, SortOnSeveralKeysAndTiesKeepInsertionOrder) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": 1, "g": 2, "v": "b"}, {"_id": 2, "g": 1, "v": "a"},
                    {"_id": 3, "g": 2, "v": "a"}, {"_id": 4, "g": 1, "v": "a"},
                    {"_id": 5, "g": 2, "v": "b"}])");
  EXPECT_THAT(Ids(Fetch(c, "{}", Sorted(R"({"g": 1, "v": -1})"))),
              ElementsAre("2", "4", "1", "5", "3"));
  EXPECT_THAT(Ids(Fetch(c, "{}", Sorted(R"({"v": 1, "g": -1})"))),
              ElementsAre("3", "2", "4", "1", "5"));
  EXPECT_THAT(Ids(Fetch(c, "{}", Sorted(R"({"g": 1})"))), ElementsAre("2", "4", "1", "3", "5"));
  // An empty sort is insertion order.
  EXPECT_THAT(Ids(Fetch(c, "{}", Sorted("{}"))), ElementsAre("1", "2", "3", "4", "5"));
}

TEST(CollectionFindTest, SkipAndLimitWithoutSort) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "a"}, {"_id": "b"}, {"_id": "c"}, {"_id": "d"}, {"_id": "e"}])");
  FindOptions o;
  o.skip = 1;
  o.limit = 2;
  EXPECT_THAT(Ids(Fetch(c, "{}", o)), ElementsAre("b", "c"));
  o.skip = 4;
  o.limit = 10;
  EXPECT_THAT(Ids(Fetch(c, "{}", o)), ElementsAre("e"));
  o.skip = 5;
  EXPECT_THAT(Ids(Fetch(c, "{}", o)), IsEmpty());
  o.skip = 100;
  o.limit.reset();
  EXPECT_THAT(Ids(Fetch(c, "{}", o)), IsEmpty());
  o.skip = 0;
  o.limit = 0;  // FindOptions::limit is a count: 0 means no results (nullopt means all)
  EXPECT_THAT(Ids(Fetch(c, "{}", o)), IsEmpty());
  o.limit = 3;
  EXPECT_THAT(Ids(Fetch(c, R"({"_id": {"$ne": "a"}})", o)), ElementsAre("b", "c", "d"));
}

TEST(CollectionFindTest, HugeLimitDoesNotOverflowWithSkip) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "a", "k": 3}, {"_id": "b", "k": 1}, {"_id": "c", "k": 2}])");
  FindOptions o;
  o.skip = 1;
  o.limit = SIZE_MAX;
  EXPECT_THAT(Ids(Fetch(c, "{}", o)), ElementsAre("b", "c"));
  o.sort = Parse(R"({"k": 1})");
  EXPECT_THAT(Ids(Fetch(c, "{}", o)), ElementsAre("c", "a"));
  o.skip = SIZE_MAX;
  EXPECT_THAT(Ids(Fetch(c, "{}", o)), IsEmpty());
}

TEST(CollectionFindTest, SortedSkipLimit) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "a", "k": 5}, {"_id": "b", "k": 1}, {"_id": "c", "k": 4},
                    {"_id": "d", "k": 2}, {"_id": "e", "k": 3}])");
  EXPECT_THAT(Ids(Fetch(c, "{}", Sorted(R"({"k": 1})", 1, 2))), ElementsAre("d", "e"));
  EXPECT_THAT(Ids(Fetch(c, "{}", Sorted(R"({"k": -1})", 0, 1))), ElementsAre("a"));
  EXPECT_THAT(Ids(Fetch(c, "{}", Sorted(R"({"k": -1})", 3))), ElementsAre("d", "b"));
  EXPECT_THAT(Ids(Fetch(c, "{}", Sorted(R"({"k": 1})", 5, 1))), IsEmpty());
  EXPECT_THAT(Ids(Fetch(c, "{}", Sorted(R"({"k": 1})", 0, 0))), IsEmpty());
  EXPECT_THAT(Ids(Fetch(c, R"({"k": {"$gte": 2}})", Sorted(R"({"k": 1})", 1, 2))),
              ElementsAre("e", "c"));
}

// The bounded top-k path (sort with a limit) must give exactly a full sort then a slice, with
// ties in insertion order, and the full sort must be a stable sort of insertion order.
TEST(CollectionFindTest, SortWithLimitEqualsFullSortThenSlice) {
  Collection c("c");
  std::vector<Value> inserted;
  for (int i = 0; i < 400; ++i) {
    // Many ties on k; m distinguishes some of them; some documents lack k.
    std::vector<std::pair<std::string, Value>> fields = {{"_id", Value::Int32(i)}};
    if (i % 11 != 0) fields.emplace_back("k", Value::Int32((i * 7) % 13));
    fields.emplace_back("m", Value::Int32((i * 5) % 3));
    Value doc = Value::Object(fields);
    ASSERT_THAT(c.Insert(doc), IsOk());
    inserted.push_back(doc);
  }
  for (std::string_view sort_text :
       {R"({"k": 1})", R"({"k": -1})", R"({"k": 1, "m": -1})", R"({"m": 1})"}) {
    SCOPED_TRACE(sort_text);
    absl::StatusOr<query::SortSpec> spec = query::SortSpec::Compile(Parse(sort_text).view());
    ASSERT_THAT(spec, IsOk());
    std::vector<Value> reference = inserted;
    std::stable_sort(reference.begin(), reference.end(), [&](const Value& a, const Value& b) {
      return spec->Compare(a.view(), b.view()) < 0;
    });
    std::vector<Value> full = Fetch(c, "{}", Sorted(sort_text));
    ASSERT_THAT(full, ElementsAreArray(reference));
    for (size_t skip : {0, 1, 7, 50, 399, 400, 401}) {
      for (size_t limit : {1, 2, 13, 31, 100, 1000}) {
        std::vector<Value> expected;
        for (size_t i = skip; i < full.size() && i < skip + limit; ++i) expected.push_back(full[i]);
        ASSERT_THAT(Fetch(c, "{}", Sorted(sort_text, skip, limit)), ElementsAreArray(expected))
            << "skip " << skip << " limit " << limit;
      }
    }
  }
}

TEST(CollectionFindTest, Projection) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "a", "x": 1, "y": {"p": 1, "q": 2}, "z": [1, 3, 5]}])");
  EXPECT_THAT(Fetch(c, "{}", Projected(R"({"x": 1})")),
              ElementsAre(Parse(R"({"_id": "a", "x": 1})")));
  EXPECT_THAT(Fetch(c, "{}", Projected(R"({"_id": 0, "x": 1})")),
              ElementsAre(Parse(R"({"x": 1})")));
  EXPECT_THAT(Fetch(c, "{}", Projected(R"({"x": 0, "z": 0})")),
              ElementsAre(Parse(R"({"_id": "a", "y": {"p": 1, "q": 2}})")));
  EXPECT_THAT(Fetch(c, "{}", Projected(R"({"y.q": 1})")),
              ElementsAre(Parse(R"({"_id": "a", "y": {"q": 2}})")));
  // The positional projection needs the matched array index from the store's match.
  EXPECT_THAT(Fetch(c, R"({"z": {"$gt": 2}})", Projected(R"({"z.$": 1})")),
              ElementsAre(Parse(R"({"_id": "a", "z": [3]})")));
  EXPECT_THAT(Fetch(c, R"({"z": 5})", Projected(R"({"z.$": 1})")),
              ElementsAre(Parse(R"({"_id": "a", "z": [5]})")));
  // The stored document is not affected.
  EXPECT_THAT(All(c), ElementsAre(Parse(R"({"_id": "a", "x": 1, "y": {"p": 1, "q": 2},
                                            "z": [1, 3, 5]})")));
}

TEST(CollectionFindTest, PositionalProjectionNeedsTheArrayInTheSelector) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "a", "z": [1, 3, 5], "w": {"v": [1, 2]}}])");
  auto find = [&](std::string_view selector, std::string_view projection) {
    FindOptions options;
    options.projection = Parse(projection);
    return c.Find(Parse(selector), options).status();
  };
  // MongoDB's error 31277: the query must name the projected array (or a prefix or an
  // extension of its path).
  EXPECT_THAT(find("{}", R"({"z.$": 1})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "positional projection 'z.$' does not match the query document"));
  EXPECT_THAT(find(R"({"w.v": 2})", R"({"z.$": 1})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "'z.$'"));
  EXPECT_THAT(find(R"("a")", R"({"z.$": 1})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "does not match the query document"));
  EXPECT_THAT(find(R"({"z": 3})", R"({"z.$": 1})"), IsOk());
  EXPECT_THAT(find(R"({"w": {"v": [1, 2]}})", R"({"w.v.$": 1})"), IsOk());  // a prefix
  EXPECT_THAT(find(R"({"w.v.0": 1})", R"({"w.v.$": 1})"), IsOk());          // an extension
  EXPECT_THAT(find(R"({"w.vv": 1})", R"({"w.v.$": 1})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "'w.v.$'"));  // not a path prefix
}

TEST(CollectionFindTest, ProjectionWithSortAndLimit) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": 1, "k": 3, "t": "c"}, {"_id": 2, "k": 1, "t": "a"},
                    {"_id": 3, "k": 2, "t": "b"}])");
  FindOptions o = Sorted(R"({"k": -1})", 0, 2);
  o.projection = Parse(R"({"t": 1, "_id": 0})");
  EXPECT_THAT(Fetch(c, "{}", o), ElementsAre(Parse(R"({"t": "c"})"), Parse(R"({"t": "b"})")));
}

TEST(CollectionFindTest, FindOneReturnsTheFirstResult) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "a", "k": 2}, {"_id": "b", "k": 1}, {"_id": "c", "k": 1}])");
  absl::StatusOr<std::optional<Value>> one = c.FindOne(Parse(R"({"k": 1})"));
  ASSERT_THAT(one, IsOk());
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ(**one, Parse(R"({"_id": "b", "k": 1})"));
  one = c.FindOne(Parse("{}"), Sorted(R"({"k": 1})"));
  ASSERT_THAT(one, IsOk());
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ(**one, Parse(R"({"_id": "b", "k": 1})"));
  one = c.FindOne(Parse("{}"), Sorted(R"({"k": -1})", 1));
  ASSERT_THAT(one, IsOk());
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ(**one, Parse(R"({"_id": "b", "k": 1})"));
  one = c.FindOne(Parse(R"({"k": 9})"));
  ASSERT_THAT(one, IsOk());
  EXPECT_FALSE(one->has_value());
  EXPECT_THAT(c.FindOne(Parse(R"({"k": {"$bad": 1}})")), StatusIs(kInvalid, "$bad"));
}

TEST(CollectionFindTest, IdSelectorsGiveTheSameResultsAsAScan) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "c", "k": 1}, {"_id": 1, "k": 2}, {"_id": "a", "k": 1},
                    {"_id": {"o": 1}, "k": 3}, {"_id": "b", "k": 2}])");
  // Results are in insertion order, whatever the order of the $in list; unknown ids and
  // duplicates in the list change nothing.
  EXPECT_THAT(Ids(Fetch(c, R"({"_id": "a"})")), ElementsAre("a"));
  EXPECT_THAT(Ids(Fetch(c, R"({"_id": {"$in": ["a", "zz", "c", "a"]}})")), ElementsAre("c", "a"));
  EXPECT_THAT(Ids(Fetch(c, R"({"_id": {"$in": ["b", 1.0, {"o": 1}]}})")),
              ElementsAre("1", R"({"o":1})", "b"));
  EXPECT_THAT(Ids(Fetch(c, R"({"_id": 1.0})")), ElementsAre("1"));
  EXPECT_THAT(Ids(Fetch(c, R"({"_id": {"$numberLong": "1"}})")), ElementsAre("1"));
  EXPECT_THAT(Ids(Fetch(c, R"({"_id": "missing"})")), IsEmpty());
  // The rest of the selector still applies.
  EXPECT_THAT(Ids(Fetch(c, R"({"_id": "a", "k": 2})")), IsEmpty());
  EXPECT_THAT(Ids(Fetch(c, R"({"_id": {"$in": ["a", "b", "c"]}, "k": 1})")), ElementsAre("c", "a"));
  EXPECT_THAT(Ids(Fetch(c, R"({"$and": [{"_id": {"$in": ["a", "b"]}}, {"k": {"$gt": 1}}]})")),
              ElementsAre("b"));
  // Meteor's shorthand: a string selector is {_id: string}.
  absl::StatusOr<Cursor> shorthand = c.Find(Value::String("b"));
  ASSERT_THAT(shorthand, IsOk());
  EXPECT_THAT(Ids(shorthand->Fetch()), ElementsAre("b"));
  // With sort, skip and limit.
  EXPECT_THAT(
      Ids(Fetch(c, R"({"_id": {"$in": ["a", "b", "c", 1]}})", Sorted(R"({"k": -1})", 0, 2))),
      ElementsAre("1", "b"));
  EXPECT_THAT(Ids(Fetch(c, R"({"_id": {"$in": ["a", "b", "c", 1]}})", Sorted("{}", 1, 2))),
              ElementsAre("1", "a"));

  // A scan that the id index cannot answer agrees with every id query above.
  for (std::string_view ids : {R"(["a"])", R"(["a", "zz", "c", "a"])", R"(["b", 1.0, {"o": 1}])",
                               R"([1.0])", R"(["missing"])", R"([])"}) {
    std::string via_index = std::string(R"({"_id": {"$in": )") + std::string(ids) + "}}";
    std::string via_scan =
        std::string(R"({"$nor": [{"_id": {"$nin": )") + std::string(ids) + "}}]}";
    EXPECT_THAT(Fetch(c, via_index), ElementsAreArray(Fetch(c, via_scan))) << ids;
  }
}

TEST(CollectionFindTest, CursorRunsAgainstCurrentContents) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "a", "k": 1}])");
  absl::StatusOr<Cursor> cursor = c.Find(Parse(R"({"k": 1})"));
  ASSERT_THAT(cursor, IsOk());
  EXPECT_EQ(cursor->Count(), 1u);
  InsertAll(&c, R"([{"_id": "b", "k": 1}, {"_id": "c", "k": 2}])");
  EXPECT_EQ(cursor->Count(), 2u);
  EXPECT_THAT(Ids(cursor->Fetch()), ElementsAre("a", "b"));
  ASSERT_THAT(c.Remove(Parse(R"({"_id": "a"})")), IsOk());
  EXPECT_THAT(Ids(cursor->Fetch()), ElementsAre("b"));
}

TEST(CollectionFindTest, ForEachMapAndCountAgreeWithFetch) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "a", "k": 3}, {"_id": "b", "k": 1}, {"_id": "c", "k": 2},
                    {"_id": "d", "k": 0}])");
  absl::StatusOr<Cursor> cursor = c.Find(Parse(R"({"k": {"$gt": 0}})"), Sorted(R"({"k": 1})", 1));
  ASSERT_THAT(cursor, IsOk());
  std::vector<std::string> seen;
  cursor->ForEach([&](const Value& doc) { seen.emplace_back(DocumentId(doc.view()).AsString()); });
  EXPECT_THAT(seen, ElementsAre("c", "a"));
  std::vector<int32_t> ks =
      cursor->Map([](const Value& doc) { return doc.view().Find("k")->AsInt32(); });
  EXPECT_THAT(ks, ElementsAre(2, 3));
  EXPECT_EQ(cursor->Count(), 2u);
  EXPECT_THAT(Ids(cursor->Fetch()), ElementsAre("c", "a"));

  absl::StatusOr<Cursor> limited = c.Find(Parse("{}"), Sorted("{}", 1, 2));
  ASSERT_THAT(limited, IsOk());
  EXPECT_EQ(limited->Count(), 2u);  // Count honours skip and limit
}

TEST(CollectionFindTest, RejectsBadQueries) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "a", "k": 1}])");
  EXPECT_THAT(c.Find(Parse(R"({"k": {"$foo": 1}})")), StatusIs(kInvalid, "$foo"));
  EXPECT_THAT(c.Find(Parse(R"({"$foo": [{"k": 1}]})")), StatusIs(kInvalid, "$foo"));
  EXPECT_THAT(c.Find(Parse(R"({"k": {"$in": 5}})")), StatusIs(kInvalid, "$in"));
  EXPECT_THAT(c.Find(Parse(R"({"$where": "this.k == 1"})")),
              StatusIs(absl::StatusCode::kUnimplemented, "$where"));
  EXPECT_THAT(c.Find(Parse("{}"), Sorted(R"({"k": 2})")), StatusIs(kInvalid, "direction"));
  EXPECT_THAT(c.Find(Parse("{}"), Sorted(R"({"k": "up"})")), StatusIs(kInvalid, "k"));
  EXPECT_THAT(c.Find(Parse("{}"), Projected(R"({"a": 1, "b": 0})")),
              StatusIs(kInvalid, "exclusion on field b in inclusion projection"));
  EXPECT_THAT(c.Find(Parse("{}"), Projected(R"({"a": 1, "a.b": 1})")),
              StatusIs(kInvalid, "collision at a.b"));
  EXPECT_THAT(Snapshot(c), ElementsAre(R"({"_id":"a","k":1})"));
}

// ---------------------------------------------------------------------------------------------
// Update

constexpr std::string_view kFourDocs = R"([
  {"_id": "d", "k": 1, "n": 0}, {"_id": "a", "k": 1, "n": 0},
  {"_id": "c", "k": 2, "n": 0}, {"_id": "b", "k": 1, "n": 0}])";

TEST(CollectionUpdateTest, UpdatesTheFirstMatchInInsertionOrder) {
  Collection c("c");
  InsertAll(&c, kFourDocs);
  absl::StatusOr<UpdateResult> r = c.Update(Parse(R"({"k": 1})"), Parse(R"({"$inc": {"n": 1}})"));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 1u);
  EXPECT_EQ(r->modified, 1u);
  EXPECT_FALSE(r->upserted_id.has_value());
  EXPECT_THAT(All(c), ElementsAreArray(Docs(R"([
    {"_id": "d", "k": 1, "n": 1}, {"_id": "a", "k": 1, "n": 0},
    {"_id": "c", "k": 2, "n": 0}, {"_id": "b", "k": 1, "n": 0}])")));
}

TEST(CollectionUpdateTest, MultiUpdatesEveryMatch) {
  Collection c("c");
  InsertAll(&c, kFourDocs);
  absl::StatusOr<UpdateResult> r =
      c.Update(Parse(R"({"k": 1})"), Parse(R"({"$inc": {"n": 5}})"), Multi());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 3u);
  EXPECT_EQ(r->modified, 3u);
  // Updated documents keep their place in insertion order.
  EXPECT_THAT(All(c), ElementsAreArray(Docs(R"([
    {"_id": "d", "k": 1, "n": 5}, {"_id": "a", "k": 1, "n": 5},
    {"_id": "c", "k": 2, "n": 0}, {"_id": "b", "k": 1, "n": 5}])")));
}

TEST(CollectionUpdateTest, MultiByIdList) {
  Collection c("c");
  InsertAll(&c, kFourDocs);
  absl::StatusOr<UpdateResult> r = c.Update(Parse(R"({"_id": {"$in": ["b", "c", "x"]}})"),
                                            Parse(R"({"$set": {"n": 9}})"), Multi());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 2u);
  EXPECT_EQ(r->modified, 2u);
  EXPECT_THAT(All(c), ElementsAreArray(Docs(R"([
    {"_id": "d", "k": 1, "n": 0}, {"_id": "a", "k": 1, "n": 0},
    {"_id": "c", "k": 2, "n": 9}, {"_id": "b", "k": 1, "n": 9}])")));
}

TEST(CollectionUpdateTest, ModifiedCountsOnlyDocumentsThatChanged) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": 1, "v": 5}, {"_id": 2, "v": 7}, {"_id": 3, "v": 5}])");
  absl::StatusOr<UpdateResult> r = c.Update(Parse("{}"), Parse(R"({"$set": {"v": 5}})"), Multi());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 3u);
  EXPECT_EQ(r->modified, 1u);
  // Nothing to change at all.
  r = c.Update(Parse(R"({"_id": 2})"), Parse(R"({"$set": {"v": 5}})"));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 1u);
  EXPECT_EQ(r->modified, 0u);
  r = c.Update(Parse(R"({"_id": 2})"), Parse(R"({"$unset": {"absent": ""}})"));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 1u);
  EXPECT_EQ(r->modified, 0u);
  EXPECT_THAT(Snapshot(c),
              ElementsAre(R"({"_id":1,"v":5})", R"({"_id":2,"v":5})", R"({"_id":3,"v":5})"));
}

// Updates by plain `_id` with $set/$unset/$inc take the store's direct path; the same update
// through a selector that is not a plain `_id` ({_id: {$in: [id]}}) takes the general path.
// Both must give the same result, the same documents byte for byte, and the same errors.
TEST(CollectionUpdateTest, UpdateByIdDirectPathAgreesWithTheGeneralPath) {
  const char* const docs = R"([{"_id": 1, "a": 1, "m": {"v": 1}, "arr": [1, 2], "s": "x"},
                              {"_id": "b", "a": {"$numberLong": "9223372036854775807"}}])";
  const char* const modifiers[] = {
      R"({"$set": {"a": 2}})",
      R"({"$set": {"a": 1.0}})",
      R"({"$set": {"z": 1, "c": {"d": [1, {"e": null}]}}})",
      R"({"$set": {"m.v": 2, "m.w": 3, "n.o.p": 4}})",
      R"({"$unset": {"s": 1, "absent": 1, "m.v": ""}})",
      R"({"$inc": {"a": 1, "new": 2.5}})",
      R"({"$inc": {"a": {"$numberLong": "1"}}})",  // int64 overflow on "b"
      R"({"$set": {"arr.x": 1}})",                  // through an array: an error
      R"({"$set": {"s.t": 1}})",                    // through a string: an error
      R"({"$inc": {"s": 1}})",                      // $inc of a string: an error
      R"({"$set": {"a": 1}, "$unset": {"s": 1}, "$inc": {"m.v": 1}})",
      R"({"$set": {}})",
  };
  for (const char* text : modifiers) {
    for (const char* id : {"1", "\"b\""}) {
      SCOPED_TRACE(::testing::Message() << "modifier " << text << " on _id " << id);
      Collection direct("direct");
      Collection general("general");
      InsertAll(&direct, docs);
      InsertAll(&general, docs);
      absl::StatusOr<UpdateResult> a =
          direct.Update(Parse(fmt::format(R"({{"_id": {}}})", id)), Parse(text));
      absl::StatusOr<UpdateResult> b =
          general.Update(Parse(fmt::format(R"({{"_id": {{"$in": [{}]}}}})", id)), Parse(text));
      ASSERT_EQ(a.ok(), b.ok()) << a.status() << " vs " << b.status();
      if (!a.ok()) {
        EXPECT_EQ(a.status(), b.status());
      } else {
        EXPECT_EQ(a->matched, b->matched);
        EXPECT_EQ(a->modified, b->modified);
      }
      EXPECT_THAT(Snapshot(direct), ElementsAreArray(Snapshot(general)));
    }
  }
}

TEST(CollectionUpdateTest, UpdateByIdWritesWhatMongoDbDocuments) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": 1, "name": "a", "size": 1, "meta": {"created": 5, "version": 2}}])");
  absl::StatusOr<UpdateResult> r = c.Update(
      Parse(R"({"_id": 1})"), Parse(R"({"$set": {"size": 7, "meta.version": 3, "b": 1, "a": 2}})"));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 1u);
  EXPECT_EQ(r->modified, 1u);
  EXPECT_THAT(Snapshot(c), ElementsAre(R"({"_id":1,"name":"a","size":7,)"
                                       R"("meta":{"created":5,"version":3},"a":2,"b":1})"));
  // The same value of another type is a change (1 -> 1.0), the same bytes are not.
  r = c.Update(Parse(R"({"_id": 1})"), Parse(R"({"$set": {"size": 7.0}})"));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->modified, 1u);
  r = c.Update(Parse(R"({"_id": 1})"), Parse(R"({"$set": {"size": 7.0}})"));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 1u);
  EXPECT_EQ(r->modified, 0u);
  // The shorthand selector (a bare id) takes the same path.
  r = c.Update(Parse("1"), Parse(R"({"$inc": {"size": 1}, "$unset": {"name": 1}})"));
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(Snapshot(c), ElementsAre(R"({"_id":1,"size":8.0,)"
                                       R"("meta":{"created":5,"version":3},"a":2,"b":1})"));
}

TEST(CollectionUpdateTest, UpdateByMissingIdStillRejectsABadModifier) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": 1, "a": 1}])");
  absl::StatusOr<UpdateResult> r = c.Update(Parse(R"({"_id": 2})"), Parse(R"({"$set": {"a": 2}})"));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 0u);
  EXPECT_EQ(r->modified, 0u);
  ExpectRejected(
      c, [&] { return c.Update(Parse(R"({"_id": 2})"), Parse(R"({"$set": {"a..b": 2}})")); },
      kInvalid, "contains an empty field name");
  ExpectRejected(
      c, [&] { return c.Update(Parse(R"({"_id": 2})"), Parse(R"({"$set": {"a": {"$x": 1}}})")); },
      kInvalid, "The dollar ($) prefixed field '$x' in 'a.$x' is not valid for storage.");
  ExpectRejected(
      c, [&] { return c.Update(Parse(R"({"_id": 1})"), Parse(R"({"$set": {"a": 1, "a.b": 1}})")); },
      kInvalid, "Updating the path 'a.b' would create a conflict at 'a'");
  ExpectRejected(
      c, [&] { return c.Update(Parse(R"({"_id": 1})"), Parse(R"({"$set": {"_id": 2}})")); },
      kInvalid, "would modify the immutable field '_id'");
  // An upsert with a direct modifier inserts when the id is missing.
  UpdateOptions upsert;
  upsert.upsert = true;
  r = c.Update(Parse(R"({"_id": 2})"), Parse(R"({"$set": {"a": 2}, "$inc": {"n": 1}})"), upsert);
  ASSERT_THAT(r, IsOk());
  ASSERT_TRUE(r->upserted_id.has_value());
  EXPECT_THAT(Snapshot(c), ElementsAre(R"({"_id":1,"a":1})", R"({"_id":2,"a":2,"n":1})"));
}

TEST(CollectionUpdateTest, UpdateByIdReportsTheChangeToObservers) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": 1, "a": 1, "b": 1}, {"_id": 2, "a": 5}])");
  std::vector<std::string> events;
  ObserveChangesCallbacks callbacks;
  callbacks.changed = [&](ValueView id, ValueView fields, const std::vector<std::string>& cleared) {
    std::string event = fmt::format("changed {} {}", query::ToEjson(id), query::ToEjson(fields));
    for (const std::string& name : cleared) event += " -" + name;
    events.push_back(event);
  };
  callbacks.removed = [&](ValueView id) { events.push_back("removed " + query::ToEjson(id)); };
  absl::StatusOr<ObserveHandle> handle =
      c.ObserveChanges(Parse(R"({"a": {"$lt": 3}})"), ObserveOptions(), std::move(callbacks));
  ASSERT_THAT(handle, IsOk());
  ASSERT_THAT(c.Update(Parse(R"({"_id": 1})"), Parse(R"({"$set": {"a": 2}, "$unset": {"b": 1}})")),
              IsOk());
  ASSERT_THAT(c.Update(Parse(R"({"_id": 1})"), Parse(R"({"$set": {"a": 2}})")), IsOk());  // no-op
  ASSERT_THAT(c.Update(Parse(R"({"_id": 1})"), Parse(R"({"$inc": {"a": 10}})")), IsOk());
  EXPECT_THAT(events, ElementsAre(R"(changed 1 {"a":2} -b)", "removed 1"));
}

// An update that keeps every size (here int32 over int32, a same-length string, a bool) is
// written over the stored bytes when nothing else holds the document; a Value returned earlier
// shares the buffer and must keep its contents (copy-on-write).
TEST(CollectionUpdateTest, UpdateByIdNeverChangesADocumentReturnedEarlier) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "x", "n": 1, "s": "abc", "f": false, "m": {"v": 1}}])");
  std::optional<Value> held = c.FindById(Value::String("x").view());
  ASSERT_TRUE(held.has_value());
  absl::StatusOr<Cursor> cursor = c.Find(Parse("{}"));
  ASSERT_THAT(cursor, IsOk());
  std::vector<Value> fetched = cursor->Fetch();
  const char* const modifier = R"({"$set": {"n": 2, "s": "xyz", "f": true}, "$inc": {"m.v": 1}})";
  absl::StatusOr<UpdateResult> r = c.Update(Parse(R"({"_id": "x"})"), Parse(modifier));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->modified, 1u);
  const std::string before = R"({"_id":"x","n":1,"s":"abc","f":false,"m":{"v":1}})";
  const std::string after = R"({"_id":"x","n":2,"s":"xyz","f":true,"m":{"v":2}})";
  EXPECT_EQ(query::ToEjson(held->view()), before);
  EXPECT_EQ(query::ToEjson(fetched[0].view()), before);
  EXPECT_THAT(Snapshot(c), ElementsAre(after));
  // Nothing holds the new document now: the next same-size update may go in place, and the
  // store must read back exactly what was written (and report "unchanged" for a repeat).
  held.reset();
  fetched.clear();
  r = c.Update(Parse(R"({"_id": "x"})"), Parse(R"({"$set": {"n": 3, "s": "abc"}})"));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->modified, 1u);
  r = c.Update(Parse(R"({"_id": "x"})"), Parse(R"({"$set": {"n": 3, "s": "abc"}})"));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 1u);
  EXPECT_EQ(r->modified, 0u);
  EXPECT_THAT(Snapshot(c), ElementsAre(R"({"_id":"x","n":3,"s":"abc","f":true,"m":{"v":2}})"));
  // A value taken while a later update runs in place still keeps its own bytes.
  held = c.FindById(Value::String("x").view());
  r = c.Update(Parse(R"({"_id": "x"})"), Parse(R"({"$inc": {"n": 1}})"));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(held->view().Find("n")->AsInt32(), 3);
  EXPECT_EQ(c.FindById(Value::String("x").view())->view().Find("n")->AsInt32(), 4);
}

TEST(CollectionUpdateTest, NoMatchChangesNothing) {
  Collection c("c");
  InsertAll(&c, kFourDocs);
  std::vector<std::string> before = Snapshot(c);
  absl::StatusOr<UpdateResult> r =
      c.Update(Parse(R"({"k": 7})"), Parse(R"({"$set": {"n": 1}})"), Multi());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 0u);
  EXPECT_EQ(r->modified, 0u);
  EXPECT_FALSE(r->upserted_id.has_value());
  EXPECT_THAT(Snapshot(c), ElementsAreArray(before));
}

TEST(CollectionUpdateTest, ReplacementKeepsTheId) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "x", "a": 1, "b": 2}, {"_id": "y", "a": 1}])");
  absl::StatusOr<UpdateResult> r = c.Update(Parse(R"({"a": 1})"), Parse(R"({"c": 3})"));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 1u);
  EXPECT_EQ(r->modified, 1u);
  EXPECT_THAT(Snapshot(c), ElementsAre(R"({"_id":"x","c":3})", R"({"_id":"y","a":1})"));
  // A replacement may repeat the same _id, anywhere: it is stored first.
  r = c.Update(Parse(R"({"_id": "y"})"), Parse(R"({"d": 4, "_id": "y"})"));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->modified, 1u);
  EXPECT_THAT(Snapshot(c), ElementsAre(R"({"_id":"x","c":3})", R"({"_id":"y","d":4})"));
  // Replacing with identical content modifies nothing.
  r = c.Update(Parse(R"({"_id": "y"})"), Parse(R"({"d": 4})"));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 1u);
  EXPECT_EQ(r->modified, 0u);
  // An empty replacement leaves only the _id.
  r = c.Update(Parse(R"({"_id": "x"})"), Parse("{}"));
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(Snapshot(c), ElementsAre(R"({"_id":"x"})", R"({"_id":"y","d":4})"));
  EXPECT_TRUE(c.FindById(Value::String("x").view()).has_value());
}

TEST(CollectionUpdateTest, SettingIdToItsOwnValueIsAllowed) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "x", "a": 1}])");
  absl::StatusOr<UpdateResult> r =
      c.Update(Parse(R"({"_id": "x"})"), Parse(R"({"$set": {"_id": "x", "a": 2}})"));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->modified, 1u);
  EXPECT_THAT(Snapshot(c), ElementsAre(R"({"_id":"x","a":2})"));
}

TEST(CollectionUpdateTest, RejectsChangingTheId) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "x", "a": 1}, {"_id": "y", "a": 1}])");
  ExpectRejected(
      c, [&] { return c.Update(Parse(R"({"_id": "x"})"), Parse(R"({"$set": {"_id": "z"}})")); },
      kInvalid, "immutable field '_id'");
  // MongoDB: "After applying the update, the (immutable) field '_id' was found to have been
  // altered to _id: "z"".
  ExpectRejected(
      c, [&] { return c.Update(Parse(R"({"_id": "x"})"), Parse(R"({"_id": "z", "a": 1})")); },
      kInvalid, "(immutable) field '_id'");
  ExpectRejected(
      c, [&] { return c.Update(Parse(R"({"_id": "x"})"), Parse(R"({"$unset": {"_id": 1}})")); },
      kInvalid, "_id");
  ExpectRejected(
      c, [&] { return c.Update(Parse(R"({"_id": "x"})"), Parse(R"({"$rename": {"_id": "i"}})")); },
      kInvalid, "_id");
}

TEST(CollectionUpdateTest, MultiUpdateIsAllOrNothing) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": 1, "n": 1}, {"_id": 2, "n": 2}, {"_id": 3, "n": "three"},
                    {"_id": 4, "n": 4}])");
  ExpectRejected(
      c, [&] { return c.Update(Parse("{}"), Parse(R"({"$inc": {"n": 1}})"), Multi()); }, kInvalid,
      "Cannot apply $inc to a value of non-numeric type");
  // Without multi, only the first document is touched, and it can be incremented.
  absl::StatusOr<UpdateResult> r = c.Update(Parse("{}"), Parse(R"({"$inc": {"n": 1}})"));
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(Snapshot(c), ElementsAre(R"({"_id":1,"n":2})", R"({"_id":2,"n":2})",
                                       R"({"_id":3,"n":"three"})", R"({"_id":4,"n":4})"));
}

TEST(CollectionUpdateTest, RejectsBadSelectorsAndModifiers) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": 1, "a": 5, "arr": 5, "o": {"p": {"q": {"r": {}}}}}])");
  ExpectRejected(
      c, [&] { return c.Update(Parse(R"({"a": {"$foo": 1}})"), Parse(R"({"$set": {"a": 1}})")); },
      kInvalid, "$foo");
  ExpectRejected(
      c, [&] { return c.Update(Parse("{}"), Parse(R"({"$foo": {"a": 1}})")); }, kInvalid, "$foo");
  ExpectRejected(
      c, [&] { return c.Update(Parse("{}"), Parse(R"({"$set": {"a": 1}, "$inc": {"a": 1}})")); },
      kInvalid, "conflict");
  ExpectRejected(
      c, [&] { return c.Update(Parse("{}"), Parse(R"({"$inc": {"a": "x"}})")); }, kInvalid,
      "non-numeric");
  ExpectRejected(
      c, [&] { return c.Update(Parse("{}"), Parse(R"({"$push": {"arr": 1}})")); }, kInvalid,
      "must be an array");
  ExpectRejected(
      c, [&] { return c.Update(Parse("{}"), Parse(R"({"$set": {"a.b": 1}})")); }, kInvalid,
      "Cannot create field 'b'");
  ExpectRejected(
      c, [&] { return c.Update(Parse("{}"), Parse(R"({"$set": {"a": {"x.y": 1}}})")); }, kInvalid,
      "x.y");
  ExpectRejected(
      c, [&] { return c.Update(Parse("{}"), Parse(R"({"x": {"y.z": 1}})")); }, kInvalid, "y.z");
  ExpectRejected(
      c, [&] { return c.Update(Parse(R"({"arr": 5})"), Parse(R"({"$set": {"arr.$": 1}})")); },
      kInvalid, "positional operator did not find the match");
  // A result nested deeper than the limit: o.p.q.r.s is level 6, 96 levels deep from there.
  Value deep = Value::Object({{"$set", Value::Object({{"o.p.q.r.s", NestedObjects(96)}})}});
  ExpectRejected(
      c, [&] { return c.Update(Parse("{}"), deep); }, kInvalid, "deeper");
  // 95 levels from level 6 is exactly 100.
  Value at_limit = Value::Object({{"$set", Value::Object({{"o.p.q.r.s", NestedObjects(95)}})}});
  EXPECT_THAT(c.Update(Parse("{}"), at_limit), IsOk());
}

TEST(CollectionUpdateTest, PositionalUsesTheMatchedIndex) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": 1, "arr": [1, 2, 3]}, {"_id": 2, "arr": [4, 2, 2]},
                    {"_id": 3, "grades": [{"g": 80, "m": 1}, {"g": 90, "m": 2}]}])");
  absl::StatusOr<UpdateResult> r =
      c.Update(Parse(R"({"arr": 2})"), Parse(R"({"$set": {"arr.$": 20}})"), Multi());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 2u);
  r = c.Update(Parse(R"({"grades.g": 90})"), Parse(R"({"$inc": {"grades.$.m": 10}})"));
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(All(c), ElementsAreArray(Docs(R"([{"_id": 1, "arr": [1, 20, 3]},
      {"_id": 2, "arr": [4, 20, 2]},
      {"_id": 3, "grades": [{"g": 80, "m": 1}, {"g": 90, "m": 12}]}])")));
}

TEST(CollectionUpdateTest, ArrayFiltersArePassedToTheModifier) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": 1, "arr": [1, 5, 2, 7]}])");
  UpdateOptions o;
  o.array_filters.push_back(Parse(R"({"x": {"$gt": 2}})"));
  absl::StatusOr<UpdateResult> r = c.Update(Parse("{}"), Parse(R"({"$set": {"arr.$[x]": 0}})"), o);
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(All(c), ElementsAreArray(Docs(R"([{"_id": 1, "arr": [1, 0, 2, 0]}])")));
}

TEST(CollectionUpdateTest, CurrentDateUsesTheCollectionClock) {
  CollectionOptions options;
  options.now_millis = [] { return int64_t{1234567}; };
  Collection c("c", options);
  InsertAll(&c, R"([{"_id": 1}])");
  ASSERT_THAT(c.Update(Parse("{}"), Parse(R"({"$currentDate": {"t": true}})")), IsOk());
  EXPECT_THAT(All(c), ElementsAre(Parse(R"({"_id": 1, "t": {"$date": 1234567}})")));
}

// ---------------------------------------------------------------------------------------------
// Upsert

TEST(CollectionUpsertTest, InsertsTheSelectorsEqualitiesPlusTheModifier) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "other", "a": 2}])");
  absl::StatusOr<UpdateResult> r = c.Update(Parse(R"({"a": 1, "b.c": 2, "d": {"$gt": 5}})"),
                                            Parse(R"({"$set": {"e": 3}})"), Upsert());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 0u);
  EXPECT_EQ(r->modified, 0u);
  ASSERT_TRUE(r->upserted_id.has_value());
  EXPECT_TRUE(IsMeteorId(r->upserted_id->view())) << query::ToEjson(r->upserted_id->view());
  std::optional<Value> doc = c.FindById(r->upserted_id->view());
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(*doc, Value::Object({{"_id", *r->upserted_id},
                                 {"a", Value::Int32(1)},
                                 {"b", Parse(R"({"c": 2})")},
                                 {"e", Value::Int32(3)}}));
  // Appended after the existing documents.
  EXPECT_THAT(Ids(All(c)), ElementsAre("other", std::string(r->upserted_id->view().AsString())));
}

TEST(CollectionUpsertTest, SeedsFromEqAndAndClauses) {
  Collection c("c");
  absl::StatusOr<UpdateResult> r =
      c.Update(Parse(R"({"$and": [{"a": 1}, {"b": {"$eq": "x"}}, {"n": {"$lt": 0}}]})"),
               Parse(R"({"$inc": {"n": 5}})"), Upsert());
  ASSERT_THAT(r, IsOk());
  ASSERT_TRUE(r->upserted_id.has_value());
  std::vector<Value> docs = All(c);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0], Value::Object({{"_id", *r->upserted_id},
                                    {"a", Value::Int32(1)},
                                    {"b", Value::String("x")},
                                    {"n", Value::Int32(5)}}));
}

TEST(CollectionUpsertTest, SetOnInsertAppliesOnlyWhenInserting) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "a", "k": "old"}])");
  Value modifier = Parse(R"({"$set": {"s": 1}, "$setOnInsert": {"t": 2}})");
  absl::StatusOr<UpdateResult> r = c.Update(Parse(R"({"k": "old"})"), modifier, Upsert());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 1u);
  EXPECT_EQ(r->modified, 1u);
  EXPECT_FALSE(r->upserted_id.has_value());
  r = c.Update(Parse(R"({"k": "new"})"), modifier, Upsert());
  ASSERT_THAT(r, IsOk());
  ASSERT_TRUE(r->upserted_id.has_value());
  std::vector<Value> docs = All(c);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0], Parse(R"({"_id": "a", "k": "old", "s": 1})"));
  EXPECT_EQ(docs[1], Value::Object({{"_id", *r->upserted_id},
                                    {"k", Value::String("new")},
                                    {"s", Value::Int32(1)},
                                    {"t", Value::Int32(2)}}));
}

TEST(CollectionUpsertTest, TakesTheIdFromTheSelector) {
  Collection c("c");
  absl::StatusOr<UpdateResult> r =
      c.Update(Parse(R"({"_id": "new", "k": 1})"), Parse(R"({"$set": {"a": 2}})"), Upsert());
  ASSERT_THAT(r, IsOk());
  ASSERT_TRUE(r->upserted_id.has_value());
  EXPECT_EQ(*r->upserted_id, Value::String("new"));
  r = c.Update(Parse(R"({"_id": 5})"), Parse(R"({"$set": {"a": 3}})"), Upsert());
  ASSERT_THAT(r, IsOk());
  ASSERT_TRUE(r->upserted_id.has_value());
  EXPECT_EQ(*r->upserted_id, Value::Int32(5));
  EXPECT_THAT(Snapshot(c), ElementsAre(R"({"_id":"new","k":1,"a":2})", R"({"_id":5,"a":3})"));
}

TEST(CollectionUpsertTest, ShorthandIdSelectorGivesTheId) {
  // Meteor's shorthand: a string selector is {_id: string}, also for upserts.
  Collection c("c");
  absl::StatusOr<UpdateResult> r =
      c.Update(Value::String("s1"), Parse(R"({"$set": {"a": 1}})"), Upsert());
  ASSERT_THAT(r, IsOk());
  ASSERT_TRUE(r->upserted_id.has_value());
  EXPECT_EQ(*r->upserted_id, Value::String("s1"));
  r = c.Update(Value::String("s1"), Parse(R"({"$set": {"a": 2}})"), Upsert());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 1u);
  EXPECT_FALSE(r->upserted_id.has_value());
  EXPECT_THAT(Snapshot(c), ElementsAre(R"({"_id":"s1","a":2})"));
  r = c.Update(Value::Int32(7), Parse(R"({"$set": {"a": 3}})"), Upsert());
  ASSERT_THAT(r, IsOk());
  ASSERT_TRUE(r->upserted_id.has_value());
  EXPECT_EQ(*r->upserted_id, Value::Int32(7));
  EXPECT_THAT(Snapshot(c), ElementsAre(R"({"_id":"s1","a":2})", R"({"_id":7,"a":3})"));
}

TEST(CollectionUpsertTest, NullSelectorMatchesEverything) {
  Collection c("c");
  // Nothing to match: inserts {a: 1} with a generated id.
  absl::StatusOr<UpdateResult> r = c.Update(Value(), Parse(R"({"$set": {"a": 1}})"), Upsert());
  ASSERT_THAT(r, IsOk());
  ASSERT_TRUE(r->upserted_id.has_value());
  EXPECT_TRUE(IsMeteorId(r->upserted_id->view()));
  // Now it matches that document.
  r = c.Update(Value(), Parse(R"({"$set": {"a": 2}})"), Upsert());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 1u);
  EXPECT_FALSE(r->upserted_id.has_value());
  EXPECT_EQ(c.size(), 1u);
}

TEST(CollectionUpsertTest, ReplacementUpsertKeepsOnlyTheSelectorsId) {
  Collection c("c");
  absl::StatusOr<UpdateResult> r =
      c.Update(Parse(R"({"_id": "r", "a": 5})"), Parse(R"({"b": 1})"), Upsert());
  ASSERT_THAT(r, IsOk());
  ASSERT_TRUE(r->upserted_id.has_value());
  EXPECT_EQ(*r->upserted_id, Value::String("r"));
  r = c.Update(Parse(R"({"a": 6})"), Parse(R"({"b": 2})"), Upsert());
  ASSERT_THAT(r, IsOk());
  ASSERT_TRUE(r->upserted_id.has_value());
  std::vector<Value> docs = All(c);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0], Parse(R"({"_id": "r", "b": 1})"));
  EXPECT_EQ(docs[1], Value::Object({{"_id", *r->upserted_id}, {"b", Value::Int32(2)}}));
}

TEST(CollectionUpsertTest, GeneratesTheCollectionsIdKind) {
  CollectionOptions options;
  options.id_kind = IdKind::kObjectId;
  Collection c("c", options);
  absl::StatusOr<UpdateResult> r =
      c.Update(Parse(R"({"a": 1})"), Parse(R"({"$set": {"b": 1}})"), Upsert());
  ASSERT_THAT(r, IsOk());
  ASSERT_TRUE(r->upserted_id.has_value());
  EXPECT_EQ(r->upserted_id->type(), query::Type::kObjectId);
}

TEST(CollectionUpsertTest, MatchingUpdatesInsteadOfInserting) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": 1, "k": 1}, {"_id": 2, "k": 1}])");
  UpdateOptions o = Upsert();
  o.multi = true;
  absl::StatusOr<UpdateResult> r =
      c.Update(Parse(R"({"k": 1})"), Parse(R"({"$set": {"x": 1}})"), o);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->matched, 2u);
  EXPECT_EQ(r->modified, 2u);
  EXPECT_FALSE(r->upserted_id.has_value());
  EXPECT_EQ(c.size(), 2u);
}

TEST(CollectionUpsertTest, RejectionsInsertNothing) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": "a", "x": 1}])");
  // The seeded _id exists (the rest of the selector did not match): duplicate key.
  ExpectRejected(
      c,
      [&] {
        return c.Update(Parse(R"({"_id": "a", "x": 5})"), Parse(R"({"$set": {"y": 1}})"), Upsert());
      },
      absl::StatusCode::kAlreadyExists, "duplicate key");
  // The modifier cannot apply to the seed.
  ExpectRejected(
      c,
      [&] { return c.Update(Parse(R"({"s": "str"})"), Parse(R"({"$inc": {"s": 1}})"), Upsert()); },
      kInvalid, "$inc");
  ExpectRejected(
      c,
      [&] {
        return c.Update(Parse(R"({"s": 1})"), Parse(R"({"$set": {"t.u": 1, "t": 2}})"), Upsert());
      },
      kInvalid, "conflict");
}

// ---------------------------------------------------------------------------------------------
// Remove

TEST(CollectionRemoveTest, RemovesEveryMatch) {
  Collection c("c");
  InsertAll(&c, kFourDocs);
  absl::StatusOr<size_t> n = c.Remove(Parse(R"({"k": 1})"));
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(*n, 3u);
  EXPECT_THAT(Ids(All(c)), ElementsAre("c"));
  EXPECT_EQ(c.size(), 1u);
  EXPECT_FALSE(c.FindById(Value::String("a").view()).has_value());
  n = c.Remove(Parse(R"({"k": 1})"));
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(*n, 0u);
}

TEST(CollectionRemoveTest, IdInRemovesEveryListedDocument) {
  // Meteor's minimongo removes only the first listed document here; MongoDB removes them all.
  Collection c("c");
  InsertAll(&c, kFourDocs);
  absl::StatusOr<size_t> n = c.Remove(Parse(R"({"_id": {"$in": ["a", "zz", "b", "d"]}})"));
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(*n, 3u);
  EXPECT_THAT(Ids(All(c)), ElementsAre("c"));
}

TEST(CollectionRemoveTest, RemoveByIdAndShorthand) {
  Collection c("c");
  InsertAll(&c, kFourDocs);
  absl::StatusOr<size_t> n = c.Remove(Parse(R"({"_id": "a"})"));
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(*n, 1u);
  n = c.Remove(Value::String("c"));
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(*n, 1u);
  EXPECT_THAT(Ids(All(c)), ElementsAre("d", "b"));
  n = c.Remove(Parse("{}"));
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(c.size(), 0u);
  EXPECT_THAT(All(c), IsEmpty());
}

TEST(CollectionRemoveTest, RemovedIdCanBeInsertedAgainAtTheEnd) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": 1, "v": "old"}, {"_id": 2}])");
  ASSERT_THAT(c.Remove(Parse(R"({"_id": 1})")), IsOk());
  EXPECT_FALSE(c.FindById(Value::Int32(1).view()).has_value());
  ASSERT_THAT(c.Insert(Parse(R"({"_id": 1.0, "v": "new"})")), IsOk());
  EXPECT_THAT(Snapshot(c), ElementsAre(R"({"_id":2})", R"({"_id":1.0,"v":"new"})"));
  EXPECT_EQ(c.FindById(Value::Int32(1).view())->view().Find("v")->AsString(), "new");
}

TEST(CollectionRemoveTest, RejectsBadSelectors) {
  Collection c("c");
  InsertAll(&c, kFourDocs);
  ExpectRejected(
      c, [&] { return c.Remove(Parse(R"({"k": {"$foo": 1}})")); }, kInvalid, "$foo");
  ExpectRejected(
      c, [&] { return c.Remove(Parse(R"({"$or": []})")); }, kInvalid, "$or");
  ExpectRejected(
      c, [&] { return c.Remove(Parse(R"({"$where": "true"})")); }, absl::StatusCode::kUnimplemented,
      "$where");
}

// Removing most documents compacts the slots; order, the id index and later writes survive.
TEST(CollectionRemoveTest, CompactionKeepsOrderAndIndex) {
  Collection c("c");
  const int kDocs = 3000;
  for (int i = 0; i < kDocs; ++i) {
    Value doc = Value::Object({{"_id", Value::Int32(i)},
                               {"keep", Value::Bool(i % 7 == 3)},
                               {"pad", Value::String("a string long enough to live on the heap")}});
    ASSERT_THAT(c.Insert(doc), IsOk());
  }
  size_t bytes_full = c.MemoryBytes();
  absl::StatusOr<size_t> n = c.Remove(Parse(R"({"keep": false})"));
  ASSERT_THAT(n, IsOk());
  std::vector<int> kept;
  for (int i = 0; i < kDocs; ++i) {
    if (i % 7 == 3) kept.push_back(i);
  }
  EXPECT_EQ(*n, kDocs - kept.size());
  EXPECT_EQ(c.size(), kept.size());
  EXPECT_LT(c.MemoryBytes(), bytes_full / 2);
  for (int i = 0; i < kDocs; ++i) {
    std::optional<Value> doc = c.FindById(Value::Int32(i).view());
    ASSERT_EQ(doc.has_value(), i % 7 == 3) << i;
    if (doc) EXPECT_EQ(DocumentId(doc->view()).AsInt32(), i);
  }
  std::vector<int> order;
  c.ForEachDocument([&](const Value& d) { order.push_back(DocumentId(d.view()).AsInt32()); });
  EXPECT_EQ(order, kept);
  // Writes after the compaction.
  ASSERT_THAT(c.Insert(Parse(R"({"_id": 3, "keep": true})")),
              StatusIs(absl::StatusCode::kAlreadyExists, "duplicate key"));
  ASSERT_THAT(c.Insert(Parse(R"({"_id": 0, "keep": true})")), IsOk());
  ASSERT_THAT(c.Update(Parse(R"({"_id": 10})"), Parse(R"({"$set": {"x": 1}})")), IsOk());
  EXPECT_EQ(c.FindById(Value::Int32(10).view())->view().Find("x")->AsInt32(), 1);
  std::vector<Value> last = Fetch(c, "{}", Sorted("{}", c.size() - 1));
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(DocumentId(last[0].view()).AsInt32(), 0);
  EXPECT_THAT(Ids(Fetch(c, R"({"_id": {"$in": [0, 3, 4, 10]}})")), ElementsAre("3", "10", "0"));
}

TEST(CollectionTest, NameSizeAndMemory) {
  Collection c("files");
  EXPECT_EQ(c.name(), "files");
  EXPECT_EQ(c.size(), 0u);
  size_t empty = c.MemoryBytes();
  InsertAll(&c, R"([{"_id": "a", "text": "more than ten bytes of text"}, {"_id": "b"}])");
  EXPECT_EQ(c.size(), 2u);
  EXPECT_GT(c.MemoryBytes(), empty);
}

// MergeTopLevelFields (a DDP "changed"): the result and whether it reports a change.
struct MergeCase {
  std::string_view before;
  std::string_view set;
  std::vector<std::string_view> cleared;
  std::string_view after;
  bool changed;
};

// A merge whose values keep their type and size is written over the stored bytes when no one
// else holds the document; a Value returned before keeps its own.
TEST(CollectionMergeTest, SameSizeMergeNeverChangesADocumentReturnedEarlier) {
  Collection c("c");
  InsertAll(&c, R"([{"_id": 1, "n": 1, "f": false, "s": "abc", "t": [1]}])");
  auto stored_payload = [&] {
    const unsigned char* p = nullptr;
    c.ForEachDocument([&](const Value& doc) { p = doc.view().payload(); });
    return p;
  };
  std::optional<Value> held = c.FindById(Value::Int32(1).view());
  absl::StatusOr<bool> changed = c.MergeTopLevelFields(
      Value::Int32(1).view(), Parse(R"({"n": 2, "f": true, "s": "xyz"})").view(), {});
  ASSERT_THAT(changed, IsOk());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(query::ToEjson(held->view()), R"({"_id":1,"n":1,"f":false,"s":"abc","t":[1]})");
  EXPECT_THAT(Snapshot(c), ElementsAre(R"({"_id":1,"n":2,"f":true,"s":"xyz","t":[1]})"));
  held.reset();
  // Alone now: same-size merges keep the block, a repeat is "unchanged", a larger value or a
  // new field builds a new document.
  const unsigned char* before = stored_payload();
  changed = c.MergeTopLevelFields(Value::Int32(1).view(), Parse(R"({"n": 3, "t": [2]})").view(), {});
  ASSERT_THAT(changed, IsOk());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(stored_payload(), before);
  changed = c.MergeTopLevelFields(Value::Int32(1).view(), Parse(R"({"n": 3})").view(), {});
  ASSERT_THAT(changed, IsOk());
  EXPECT_FALSE(*changed);
  changed = c.MergeTopLevelFields(Value::Int32(1).view(), Parse(R"({"n": 4, "s": "abcd"})").view(), {});
  ASSERT_THAT(changed, IsOk());
  EXPECT_TRUE(*changed);
  EXPECT_THAT(Snapshot(c), ElementsAre(R"({"_id":1,"n":4,"f":true,"s":"abcd","t":[2]})"));
  changed = c.MergeTopLevelFields(Value::Int32(1).view(), Parse(R"({"n": 5, "new": 1})").view(), {});
  ASSERT_THAT(changed, IsOk());
  EXPECT_THAT(Snapshot(c), ElementsAre(R"({"_id":1,"n":5,"f":true,"s":"abcd","t":[2],"new":1})"));
}

TEST(CollectionMergeTest, FieldsReplacedAppendedClearedInPlace) {
  const std::string long_a(70, 'a');  // longer than the key dictionary keeps: stored inline
  const std::string long_b = std::string(69, 'a') + "b";
  const std::string long_before = fmt::format(R"({{"_id": 1, "{}": 1, "{}": 2}})", long_a, long_b);
  const std::string long_set = fmt::format(R"({{"{}": 3}})", long_b);
  const std::string long_after = fmt::format(R"({{"_id": 1, "{}": 1, "{}": 3}})", long_a, long_b);
  const std::string long_cleared = fmt::format(R"({{"_id": 1, "{}": 2, "x": 0}})", long_b);
  const std::vector<MergeCase> cases = {
      {R"({"_id": 1, "a": 1, "b": 2})", R"({"b": 3})", {}, R"({"_id": 1, "a": 1, "b": 3})", true},
      {R"({"_id": 1, "a": 1, "b": 2})", R"({"b": 2})", {}, R"({"_id": 1, "a": 1, "b": 2})", false},
      // Same number, other type: the bytes differ, so it is a change.
      {R"({"_id": 1, "a": 1})", R"({"a": {"$numberLong": "1"}})", {},
       R"({"_id": 1, "a": {"$numberLong": "1"}})", true},
      {R"({"_id": 1, "a": 1})", R"({"c": [1], "b": {"x": 1}})", {},
       R"({"_id": 1, "a": 1, "c": [1], "b": {"x": 1}})", true},
      {R"({"_id": 1, "a": 1, "b": 2})", R"({})", {"a"}, R"({"_id": 1, "b": 2})", true},
      {R"({"_id": 1, "a": 1, "b": 2})", R"({})", {"zz"}, R"({"_id": 1, "a": 1, "b": 2})", false},
      {R"({"_id": 1, "a": 1, "b": 2})", R"({"a": 5, "n": 1})", {"a", "n"}, R"({"_id": 1, "b": 2})",
       true},
      {R"({"_id": 1, "a": 1, "b": 2})", R"({"b": 2, "a": 1})", {}, R"({"_id": 1, "a": 1, "b": 2})",
       false},
      {R"({"_id": 1, "a": 1, "b": 2})", R"({"b": 2})", {"b"}, R"({"_id": 1, "a": 1})", true},
      {long_before, long_set, {}, long_after, true},
      {long_before, R"({"x": 0})", {long_a}, long_cleared, true},
  };
  for (const MergeCase& mc : cases) {
    Collection c("c");
    ASSERT_THAT(c.Insert(Parse(mc.before)), IsOk()) << mc.before;
    std::vector<std::string_view> cleared(mc.cleared.begin(), mc.cleared.end());
    absl::StatusOr<bool> changed =
        c.MergeTopLevelFields(Value::Int32(1).view(), Parse(mc.set).view(), cleared);
    ASSERT_THAT(changed, IsOk()) << mc.before << " + " << mc.set;
    EXPECT_EQ(*changed, mc.changed) << mc.before << " + " << mc.set;
    std::optional<Value> doc = c.FindById(Value::Int32(1).view());
    ASSERT_TRUE(doc.has_value());
    EXPECT_TRUE(query::BytesIdentical(doc->view(), Parse(mc.after).view()))
        << mc.before << " + " << mc.set << " -> " << query::ToEjson(doc->view());
  }
}

// Random merges (fields replaced by values of other types and sizes, appended, cleared, cleared
// twice, both set and cleared; names interned and stored inline; documents shared or not)
// against a naive reference: the document rebuilt field by field as the contract states.
TEST(CollectionMergeTest, AgreesWithANaiveMergeOnRandomMerges) {
  std::mt19937 rng(20261202);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const std::string long_name(70, 'l');  // stored inline
  const std::vector<std::string> names = {"a", "b", "c", "dd", "name", long_name};
  auto random_value = [&]() -> Value {
    switch (pick(0, 6)) {
      case 0:
        return Value::Int32(pick(-5, 5));
      case 1:
        return Value::Double(pick(-5, 5) / 2.0);
      case 2:
        return Value::String(std::string(static_cast<size_t>(pick(0, 30)), 'x'));
      case 3:
        return Value::Bool(pick(0, 1) == 1);
      case 4:
        return Value::Null();
      case 5:
        return Value::Array({Value::Int32(pick(0, 9)), Value::String("element")});
      default:
        return Value::Object({{"k", Value::Int32(pick(0, 9))}});
    }
  };
  int in_place = 0, spliced = 0, unchanged = 0;
  for (int iteration = 0; iteration < 3000; ++iteration) {
    std::vector<std::pair<std::string, Value>> fields = {{"_id", Value::Int32(1)}};
    for (const std::string& name : names) {
      if (pick(0, 2) > 0) fields.emplace_back(name, random_value());
    }
    std::shuffle(fields.begin() + 1, fields.end(), rng);
    std::vector<std::pair<std::string, Value>> set;
    for (const std::string& name : names) {
      if (pick(0, 3) == 0) set.emplace_back(name, random_value());
    }
    // Often a value equal to the stored one, so that "unchanged" and same-size writes occur.
    for (auto& [name, value] : set) {
      for (const auto& [stored_name, stored] : fields) {
        if (stored_name == name && pick(0, 2) == 0) value = stored;
      }
    }
    std::vector<std::string_view> cleared;
    for (int k = pick(0, 2); k > 0; --k) cleared.push_back(names[pick(0, 5)]);
    // The reference: replace in place, append the rest in set order, then delete the cleared.
    std::vector<std::pair<std::string, Value>> want = fields;
    for (const auto& [name, value] : set) {
      bool found = false;
      for (auto& [stored_name, stored] : want) {
        if (stored_name == name) {
          stored = value;
          found = true;
        }
      }
      if (!found) want.emplace_back(name, value);
    }
    std::erase_if(want, [&](const auto& f) {
      return std::find(cleared.begin(), cleared.end(), f.first) != cleared.end();
    });
    const Value before = Value::Object(fields), after = Value::Object(want);
    SCOPED_TRACE(::testing::Message() << "iteration " << iteration << " doc "
                                      << query::ToEjson(before.view()) << " set "
                                      << query::ToEjson(Value::Object(set).view()));
    Collection c("c");
    // A copy of its own, so that the stored buffer is unshared unless `held` shares it.
    query::ValueBuilder copy;
    copy.Append(before.view());
    ASSERT_THAT(c.Insert(copy.Finish()), IsOk());
    std::optional<Value> held;
    if (iteration % 3 == 0) held = c.FindById(Value::Int32(1).view());
    const unsigned char* stored_before = nullptr;
    c.ForEachDocument([&](const Value& doc) { stored_before = doc.view().payload(); });
    absl::StatusOr<bool> changed =
        c.MergeTopLevelFields(Value::Int32(1).view(), Value::Object(set).view(), cleared);
    ASSERT_THAT(changed, IsOk());
    std::optional<Value> doc = c.FindById(Value::Int32(1).view());
    ASSERT_TRUE(doc.has_value());
    ASSERT_TRUE(query::BytesIdentical(doc->view(), after.view()))
        << "got " << query::ToEjson(doc->view()) << "\nwant " << query::ToEjson(after.view());
    ASSERT_EQ(*changed, !query::BytesIdentical(before.view(), after.view()));
    if (held.has_value()) {
      ASSERT_TRUE(query::BytesIdentical(held->view(), before.view())) << "a held Value changed";
    }
    if (!*changed) {
      ++unchanged;
    } else {
      ++(doc->view().payload() == stored_before ? in_place : spliced);
    }
  }
  // (This seed: 20 in place; most random merges change a size.)
  EXPECT_GT(in_place, 10);
  EXPECT_GT(spliced, 1000);
  EXPECT_GT(unchanged, 50);
}

}  // namespace
}  // namespace minimongo
