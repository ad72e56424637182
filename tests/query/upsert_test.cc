#include "query/upsert.h"

#include <cstring>
#include <string>
#include <string_view>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/ejson.h"
#include "query/modifier.h"
#include "query/value.h"
#include "tests/testing/status_matchers.h"

namespace minimongo::query {
namespace {

using ::minimongo::testing::IsOk;
using ::minimongo::testing::StatusIs;

Value Parse(std::string_view text) {
  absl::StatusOr<Value> v = ParseEjson(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status();
  return v.ok() ? *v : Value();
}

std::string Text(ValueView v) { return ToEjson(v, EjsonOptions{.mark_doubles = true}); }

bool Identical(ValueView a, ValueView b) {
  return a.type() == b.type() && a.payload_size() == b.payload_size() &&
         std::memcmp(a.payload(), b.payload(), a.payload_size()) == 0;
}

TEST(SeedUpsertDocumentTest, EqualityClausesBecomeFields) {
  struct Case {
    const char* selector;
    const char* seed;
  };
  const Case cases[] = {
      {R"({"a": 1})", R"({"a": 1})"},
      {R"({"_id": "n1"})", R"({"_id": "n1"})"},
      // `_id` first.
      {R"({"a": 5, "_id": "x"})", R"({"_id": "x", "a": 5})"},
      {R"({"a": {"$eq": 1}})", R"({"a": 1})"},
      {R"({"a": {"$eq": 1, "$gt": 0}})", R"({"a": 1})"},
      {R"({"_id": {"$eq": {"k": 1}}})", R"({"_id": {"k": 1}})"},
      {R"({"b.c": 2})", R"({"b": {"c": 2}})"},
      {R"({"b.c": 2, "b.d": 3, "e": 4})", R"({"b": {"c": 2, "d": 3}, "e": 4})"},
      {R"({"a.0": 1})", R"({"a": {"0": 1}})"},
      {R"({"a": [1, 2]})", R"({"a": [1, 2]})"},
      {R"({"a": {"b": 1}})", R"({"a": {"b": 1}})"},
      {R"({"a": {}})", R"({"a": {}})"},
      {R"({"a": null})", R"({"a": null})"},
      {R"({"a": {"$date": 5}})", R"({"a": {"$date": 5}})"},
      // Issue 5: $all is an $and of equalities ({$all: [5]} is {$eq: 5} to MongoDB); its
      // $elemMatch clauses and regexes are not equalities.
      {R"({"a": {"$all": [5]}})", R"({"a": 5})"},
      {R"({"a": {"$all": [[1, 2]]}})", R"({"a": [1, 2]})"},
      {R"({"a": {"$all": [{"k": 1}]}})", R"({"a": {"k": 1}})"},
      {R"({"a": {"$all": []}})", R"({})"},
      {R"({"a": {"$all": [{"$elemMatch": {"k": 1}}]}})", R"({})"},
      {R"({"a": {"$all": [{"$regexp": "x", "$flags": ""}, 3]}})", R"({"a": 3})"},
      // Not equalities.
      {R"({"a": {"$gt": 1}})", R"({})"},
      {R"({"a": {"$in": [1]}})", R"({})"},
      {R"({"_id": {"$in": ["x"]}})", R"({})"},
      {R"({"r": {"$elemMatch": {"a": 1}}})", R"({})"},
      {R"({"a": {"$regexp": "x", "$flags": ""}})", R"({})"},
      {R"({"a": {"$exists": true}, "b": 2})", R"({"b": 2})"},
      // Logical operators: $and clauses count, a one-clause $or counts, others do not.
      {R"({"$and": [{"a": 1}, {"b": 2}]})", R"({"a": 1, "b": 2})"},
      {R"({"$and": [{"$and": [{"a": 1}]}, {"c.d": 1}], "e": 2})",
       R"({"a": 1, "c": {"d": 1}, "e": 2})"},
      {R"({"$or": [{"a": 1}]})", R"({"a": 1})"},
      {R"({"$or": [{"a": 1}, {"b": 2}]})", R"({})"},
      {R"({"$nor": [{"a": 1}]})", R"({})"},
      {R"({"a": 1, "$comment": "x"})", R"({"a": 1})"},
      {R"({})", R"({})"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Value> seed = SeedUpsertDocument(Parse(c.selector).view());
    ASSERT_THAT(seed, IsOk()) << c.selector;
    EXPECT_TRUE(Identical(seed->view(), Parse(c.seed).view()))
        << c.selector << " gave " << Text(seed->view()) << ", want " << c.seed;
  }
}

TEST(SeedUpsertDocumentTest, Rejections) {
  EXPECT_THAT(SeedUpsertDocument(Parse(R"({"a": 1, "a.b": 2})").view()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "cannot infer query fields to set, both paths 'a.b' and 'a' are matched"));
  EXPECT_THAT(SeedUpsertDocument(Parse(R"({"$and": [{"a": 1}, {"a": 2}]})").view()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "cannot infer query fields to set, path 'a' is matched twice"));
  // Issue 5: two $all values on one path are two equalities, as in MongoDB (and Meteor).
  EXPECT_THAT(SeedUpsertDocument(Parse(R"({"a": {"$all": [5, 6]}})").view()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "cannot infer query fields to set, path 'a' is matched twice"));
  EXPECT_THAT(SeedUpsertDocument(Parse(R"({"a": {"$eq": 5, "$all": [5]}})").view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "path 'a' is matched twice"));
  EXPECT_THAT(SeedUpsertDocument(Parse(R"({"a": {"$eq": {"$x": 1}}})").view()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "The dollar ($) prefixed field '$x' in 'a.$x' is not valid for storage."));
  EXPECT_THAT(SeedUpsertDocument(Parse(R"({"a..b": 1})").view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "empty field name"));
  EXPECT_THAT(SeedUpsertDocument(Value::String("id").view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "upsert selector must be a document"));
}

// The seed followed by the modifier, as the store runs an upsert that inserts. Cases from the
// shared conformance sample (upsert.*) and MongoDB's documentation.
TEST(SeedUpsertDocumentTest, SeedThenModifier) {
  struct Case {
    const char* selector;
    const char* modifier;
    const char* result;  // or an error fragment after "error: "
  };
  const Case cases[] = {
      {R"({"_id": "n1"})", R"({"$set": {"b": 1}})", R"({"_id": "n1", "b": 1})"},
      {R"({"a": 5})", R"({"$set": {"b": 1}, "$setOnInsert": {"created": true}})",
       R"({"a": 5, "b": 1, "created": true})"},
      {R"({"a": [1, 2]})", R"({"$set": {"c": 1}})", R"({"a": [1, 2], "c": 1})"},
      {R"({"_id": {"$in": ["x"]}})", R"({"$set": {"b": 1}})", R"({"b": 1})"},
      {R"({"r": {"$elemMatch": {"a": 1}}})", R"({"$set": {"b": 1}})", R"({"b": 1})"},
      {R"({"a.b": 1})", R"({"$inc": {"a.c": 1}})", R"({"a": {"b": 1, "c": 1}})"},
      {R"({"a": 5})", R"({"$set": {"a": 6}})", R"({"a": 6})"},
      {R"({"a": 5})", R"({"$set": {"_id": "mine"}})", R"({"_id": "mine", "a": 5})"},
      // A replacement keeps only the selector's _id.
      {R"({"_id": 1, "a": 1})", R"({"b": 2})", R"({"_id": 1, "b": 2})"},
      {R"({"a": 1})", R"({"b": 2})", R"({"b": 2})"},
      {R"({"_id": "e1"})", R"({"_id": "e2", "z": 1})",
       "error: the (immutable) field '_id' was found to have been altered"},
      {R"({"a": 5})", R"({"$set": {"a.b": 1}})",
       "error: Cannot create field 'b' in element {a: 5}"},
      {R"({"_id": "q"})", R"({"$set": {"_id": "other"}})",
       "error: would modify the immutable field '_id'"},
      {R"({"a": [1]})", R"({"$set": {"a.$": 2}})",
       "error: The positional operator did not find the match needed from the query."},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << c.selector << " " << c.modifier);
    absl::StatusOr<Value> seed = SeedUpsertDocument(Parse(c.selector).view());
    ASSERT_THAT(seed, IsOk());
    absl::StatusOr<Modifier> modifier = Modifier::Compile(Parse(c.modifier).view());
    ASSERT_THAT(modifier, IsOk());
    absl::StatusOr<Value> result = modifier->Apply(seed->view(), {.is_upsert_insert = true});
    std::string_view expected = c.result;
    if (expected.substr(0, 7) == "error: ") {
      EXPECT_THAT(result,
                  StatusIs(absl::StatusCode::kInvalidArgument, std::string(expected.substr(7))));
      continue;
    }
    ASSERT_THAT(result, IsOk());
    EXPECT_TRUE(Identical(result->view(), Parse(c.result).view()))
        << "got " << Text(result->view()) << ", want " << c.result;
  }
}

}  // namespace
}  // namespace minimongo::query
