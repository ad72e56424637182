// Array update operators ($push $addToSet $pop $pull $pullAll) and positional paths ($, $[],
// $[ident] with arrayFilters), table-driven from MongoDB's documentation. Expected documents
// are compared exactly (types and key order).

#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/ejson.h"
#include "query/modifier.h"
#include "query/selector.h"
#include "query/value.h"
#include "tests/testing/status_matchers.h"

namespace minimongo::query {
namespace {

using ::minimongo::testing::StatusIs;

Value Parse(std::string_view text) {
  absl::StatusOr<Value> v = ParseEjson(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status();
  return v.ok() ? *v : Value();
}

std::string Text(ValueView v) { return ToEjson(v, EjsonOptions{.mark_doubles = true}); }

struct Case {
  const char* doc;
  const char* modifier;
  const char* expected;           // a document, or an error fragment after "error: "
  const char* query = nullptr;    // when set, its MatchDetails feed `$`
  const char* filters = nullptr;  // when set, an EJSON array of array filters
};

absl::StatusOr<Value> Run(const Case& c) {
  Value doc = Parse(c.doc);
  ModifierOptions options;
  if (c.filters != nullptr) {
    Value filters = Parse(c.filters);
    for (ValueView f : filters.view().elements()) options.array_filters.push_back(f.ToValue());
  }
  absl::StatusOr<Modifier> modifier = Modifier::Compile(Parse(c.modifier).view(), options);
  if (!modifier.ok()) return modifier.status();
  MatchDetails details;
  ApplyContext context;
  if (c.query != nullptr) {
    absl::StatusOr<Selector> selector = Selector::Compile(Parse(c.query).view());
    EXPECT_TRUE(selector.ok()) << selector.status();
    EXPECT_TRUE(selector->Matches(doc.view(), &details)) << "the query must match the doc";
    context.match = &details;
  }
  std::string before = Text(doc.view());
  absl::StatusOr<Value> result = modifier->Apply(doc.view(), context);
  EXPECT_EQ(Text(doc.view()), before) << "Apply changed its input";
  return result;
}

void RunCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "doc " << c.doc << " modifier " << c.modifier);
    absl::StatusOr<Value> result = Run(c);
    std::string_view expected = c.expected;
    if (expected.substr(0, 7) == "error: ") {
      EXPECT_THAT(result,
                  StatusIs(absl::StatusCode::kInvalidArgument, std::string(expected.substr(7))));
      continue;
    }
    ASSERT_TRUE(result.ok()) << result.status();
    Value want = Parse(c.expected);
    EXPECT_TRUE(BytesIdentical(result->view(), want.view()))
        << "got " << Text(result->view()) << "\nwant " << Text(want.view());
  }
}

TEST(ModifierPushTest, Table) {
  RunCases({
      {R"({"_id": 1, "arr": [1]})", R"({"$push": {"arr": 2}})", R"({"_id": 1, "arr": [1, 2]})"},
      {R"({"_id": 1})", R"({"$push": {"arr": 2}})", R"({"_id": 1, "arr": [2]})"},
      {R"({"_id": 1, "arr": [1]})", R"({"$push": {"arr": [3, 4]}})",
       R"({"_id": 1, "arr": [1, [3, 4]]})"},
      {R"({"_id": 1, "arr": [1]})", R"({"$push": {"arr": {"k": 1}}})",
       R"({"_id": 1, "arr": [1, {"k": 1}]})"},
      {R"({"_id": 1, "arr": [1]})", R"({"$push": {"arr": {"$each": [5, 6]}}})",
       R"({"_id": 1, "arr": [1, 5, 6]})"},
      {R"({"_id": 1, "arr": [1]})", R"({"$push": {"arr": {"$each": []}}})",
       R"({"_id": 1, "arr": [1]})"},
      {R"({"_id": 1})", R"({"$push": {"arr": {"$each": []}}})", R"({"_id": 1, "arr": []})"},
      // $slice keeps the first (positive) or last (negative) elements after the insertion.
      {R"({"_id": "p1", "arr": [3, 1, 2]})",
       R"({"$push": {"arr": {"$each": [5, 6], "$slice": 3}}})",
       R"({"_id": "p1", "arr": [3, 1, 2]})"},
      {R"({"_id": 1, "arr": [1, 2, 3]})", R"({"$push": {"arr": {"$each": [4], "$slice": -2}}})",
       R"({"_id": 1, "arr": [3, 4]})"},
      {R"({"_id": 1, "arr": [1, 2, 3]})", R"({"$push": {"arr": {"$each": [4], "$slice": 0}}})",
       R"({"_id": 1, "arr": []})"},
      {R"({"_id": 1, "arr": [1, 2]})", R"({"$push": {"arr": {"$each": [3], "$slice": 10}}})",
       R"({"_id": 1, "arr": [1, 2, 3]})"},
      {R"({"_id": 1, "arr": [1, 2]})", R"({"$push": {"arr": {"$each": [3], "$slice": 2.0}}})",
       R"({"_id": 1, "arr": [1, 2]})"},
      {R"({"_id": 1})", R"({"$push": {"arr": {"$each": [1, 2, 3], "$slice": -2}}})",
       R"({"_id": 1, "arr": [2, 3]})"},
      // $position: an index, from the end when negative; clamped.
      {R"({"_id": "p1", "arr": [3, 1, 2]})",
       R"({"$push": {"arr": {"$each": [8, 9], "$position": 1}}})",
       R"({"_id": "p1", "arr": [3, 8, 9, 1, 2]})"},
      {R"({"_id": 1, "arr": [1, 2, 3]})", R"({"$push": {"arr": {"$each": [9], "$position": 0}}})",
       R"({"_id": 1, "arr": [9, 1, 2, 3]})"},
      {R"({"_id": 1, "arr": [1, 2, 3]})", R"({"$push": {"arr": {"$each": [9], "$position": -1}}})",
       R"({"_id": 1, "arr": [1, 2, 9, 3]})"},
      {R"({"_id": 1, "arr": [1, 2, 3]})", R"({"$push": {"arr": {"$each": [9], "$position": -5}}})",
       R"({"_id": 1, "arr": [9, 1, 2, 3]})"},
      {R"({"_id": 1, "arr": [1, 2, 3]})", R"({"$push": {"arr": {"$each": [9], "$position": 10}}})",
       R"({"_id": 1, "arr": [1, 2, 3, 9]})"},
      // $sort of whole elements, in BSON order.
      {R"({"_id": 1, "arr": [3, 1, 2]})", R"({"$push": {"arr": {"$each": [0], "$sort": 1}}})",
       R"({"_id": 1, "arr": [0, 1, 2, 3]})"},
      {R"({"_id": 1, "arr": [3, 1, 2]})", R"({"$push": {"arr": {"$each": [], "$sort": -1}}})",
       R"({"_id": 1, "arr": [3, 2, 1]})"},
      {R"({"_id": 1, "arr": ["b", 2, null, {"x": 1}]})",
       R"({"$push": {"arr": {"$each": [1.5], "$sort": 1}}})",
       R"({"_id": 1, "arr": [null, 1.5, 2, "b", {"x": 1}]})"},
      // $sort by fields (MongoDB's quiz example), stable for ties, then $slice.
      {R"({"_id": 5, "quizzes": [{"wk": 1, "score": 10}, {"wk": 2, "score": 8},
                                 {"wk": 3, "score": 5}, {"wk": 4, "score": 6}]})",
       R"({"$push": {"quizzes": {"$each": [{"wk": 5, "score": 8}, {"wk": 6, "score": 7},
                                           {"wk": 7, "score": 6}],
                                 "$sort": {"score": -1}, "$slice": 3}}})",
       R"({"_id": 5, "quizzes": [{"wk": 1, "score": 10}, {"wk": 2, "score": 8},
                                 {"wk": 5, "score": 8}]})"},
      {R"({"_id": 1, "s": [{"id": 1, "score": 6}, {"id": 2, "score": 9}]})",
       R"({"$push": {"s": {"$each": [{"id": 3, "score": 8}, {"id": 4, "score": 7},
                                     {"id": 5, "score": 6}], "$sort": {"score": 1}}}})",
       R"({"_id": 1, "s": [{"id": 1, "score": 6}, {"id": 5, "score": 6}, {"id": 4, "score": 7},
                           {"id": 3, "score": 8}, {"id": 2, "score": 9}]})"},
      // Non-document elements sort as documents without the field (like null).
      {R"({"_id": 1, "s": [{"v": 2}, 7, {"v": 1}]})",
       R"({"$push": {"s": {"$each": [], "$sort": {"v": 1}}}})",
       R"({"_id": 1, "s": [7, {"v": 1}, {"v": 2}]})"},
      // Insert at $position, then $sort, then $slice.
      {R"({"_id": 1, "arr": [1, 5]})",
       R"({"$push": {"arr": {"$each": [3], "$position": 0, "$sort": -1, "$slice": 2}}})",
       R"({"_id": 1, "arr": [5, 3]})"},
      {R"({"_id": 1, "n": {"l": [1]}})", R"({"$push": {"n.l": 2, "n.m": 3}})",
       R"({"_id": 1, "n": {"l": [1, 2], "m": [3]}})"},
  });
}

TEST(ModifierPushTest, Rejections) {
  RunCases({
      {R"({"_id": 1, "str": "x"})", R"({"$push": {"str": 1}})",
       "error: The field 'str' must be an array but is of type string in document {_id: 1}"},
      {R"({"_id": 1, "n": {"v": 1}})", R"({"$push": {"n.v": 1}})",
       "error: The field 'n.v' must be an array but is of type int in document {_id: 1}"},
      {R"({"_id": 1})", R"({"$push": {"a": {"$each": 5}}})",
       "error: The argument to $each in $push must be an array but it was of type: int"},
      {R"({"_id": 1})", R"({"$push": {"a": {"$each": [1], "$slice": "x"}}})",
       "error: The value for $slice must be an integer value but was given type: string"},
      {R"({"_id": 1})", R"({"$push": {"a": {"$each": [1], "$slice": 1.5}}})",
       "error: The value for $slice must be an integer value"},
      {R"({"_id": 1})", R"({"$push": {"a": {"$each": [1], "$position": 1.5}}})",
       "error: The value for $position must be an integer value, not of type: double"},
      {R"({"_id": 1})", R"({"$push": {"a": {"$each": [1], "$sort": 2}}})",
       "error: The $sort element value must be either 1 or -1"},
      {R"({"_id": 1})", R"({"$push": {"a": {"$each": [1], "$sort": {"x": 0}}}})",
       "error: The $sort element value must be either 1 or -1"},
      {R"({"_id": 1})", R"({"$push": {"a": {"$each": [1], "$sort": {}}}})",
       "error: The $sort pattern is empty when it should be a set of fields."},
      {R"({"_id": 1})", R"({"$push": {"a": {"$each": [1], "$sort": {"x..y": 1}}}})",
       "error: The $sort field is a dotted field but has an empty part: x..y"},
      {R"({"_id": 1})", R"({"$push": {"a": {"$each": [1], "$sort": "up"}}})",
       "error: The $sort is invalid: use 1/-1 to sort the whole element"},
      {R"({"_id": 1})", R"({"$push": {"a": {"$each": [1], "$foo": 1}}})",
       "error: Unrecognized clause in $push: $foo"},
      // Without $each, modifiers are just (invalid) field names of the pushed value.
      {R"({"_id": 1})", R"({"$push": {"a": {"$slice": 1}}})",
       "error: The dollar ($) prefixed field '$slice' in 'a.$slice' is not valid for storage."},
      {R"({"_id": 1})", R"({"$push": {"a": {"$each": [{"$x": 1}]}}})",
       "error: The dollar ($) prefixed field '$x'"},
  });
}

TEST(ModifierAddToSetTest, Table) {
  RunCases({
      {R"({"_id": "a1", "tags": ["a", "b"]})", R"({"$addToSet": {"tags": "c"}})",
       R"({"_id": "a1", "tags": ["a", "b", "c"]})"},
      {R"({"_id": 1, "tags": ["a", "b"]})", R"({"$addToSet": {"tags": "a"}})",
       R"({"_id": 1, "tags": ["a", "b"]})"},
      {R"({"_id": 1, "tags": ["a", "b"]})",
       R"({"$addToSet": {"tags": {"$each": ["c", "a", "d", "c"]}}})",
       R"({"_id": 1, "tags": ["a", "b", "c", "d"]})"},
      {R"({"_id": 1})", R"({"$addToSet": {"tags": {"$each": [1, 1, 2]}}})",
       R"({"_id": 1, "tags": [1, 2]})"},
      {R"({"_id": 1})", R"({"$addToSet": {"tags": "x"}})", R"({"_id": 1, "tags": ["x"]})"},
      // Equality is BSON equality: numbers by value, documents with their key order.
      {R"({"_id": 1, "t": [1]})", R"({"$addToSet": {"t": 1.0}})", R"({"_id": 1, "t": [1]})"},
      {R"({"_id": 1, "o": [{"x": 1, "y": 2}]})", R"({"$addToSet": {"o": {"x": 1, "y": 2}}})",
       R"({"_id": 1, "o": [{"x": 1, "y": 2}]})"},
      {R"({"_id": 1, "o": [{"x": 1, "y": 2}]})", R"({"$addToSet": {"o": {"y": 2, "x": 1}}})",
       R"({"_id": 1, "o": [{"x": 1, "y": 2}, {"y": 2, "x": 1}]})"},
      // An array value is one element.
      {R"({"_id": 1, "t": [[1, 2]]})", R"({"$addToSet": {"t": [1, 2]}})",
       R"({"_id": 1, "t": [[1, 2]]})"},
      {R"({"_id": 1, "t": [1, 2]})", R"({"$addToSet": {"t": [1, 2]}})",
       R"({"_id": 1, "t": [1, 2, [1, 2]]})"},
      {R"({"_id": 1, "n": 5})", R"({"$addToSet": {"n": 1}})",
       "error: Cannot apply $addToSet to non-array field. Field named 'n' has non-array type int"},
      {R"({"_id": 1, "tags": []})", R"({"$addToSet": {"tags": {"$each": "a"}}})",
       "error: The argument to $each in $addToSet must be an array but it was of type string"},
      {R"({"_id": 1, "tags": []})", R"({"$addToSet": {"tags": {"$each": [1], "x": 1}}})",
       "error: Found unexpected fields after $each in $addToSet"},
  });
}

TEST(ModifierPopTest, Table) {
  RunCases({
      {R"({"_id": 1, "a": [1, 2, 3]})", R"({"$pop": {"a": 1}})", R"({"_id": 1, "a": [1, 2]})"},
      {R"({"_id": 1, "a": [1, 2, 3]})", R"({"$pop": {"a": -1}})", R"({"_id": 1, "a": [2, 3]})"},
      {R"({"_id": 1, "a": [1, 2, 3]})", R"({"$pop": {"a": 1.0}})", R"({"_id": 1, "a": [1, 2]})"},
      {R"({"_id": 1, "a": [7]})", R"({"$pop": {"a": 1}})", R"({"_id": 1, "a": []})"},
      {R"({"_id": 1, "a": []})", R"({"$pop": {"a": 1}})", R"({"_id": 1, "a": []})"},
      {R"({"_id": 1})", R"({"$pop": {"a": 1}})", R"({"_id": 1})"},
      {R"({"_id": 1, "n": 5})", R"({"$pop": {"n": 1}})",
       "error: Path 'n' contains an element of non-array type 'int'"},
      {R"({"_id": 1, "a": [1]})", R"({"$pop": {"a": 2}})", "error: $pop expects 1 or -1, found: 2"},
      {R"({"_id": 1, "a": [1]})", R"({"$pop": {"a": "x"}})",
       "error: Expected a number in: a: \"x\""},
  });
}

TEST(ModifierPullTest, Table) {
  RunCases({
      {R"({"_id": 1, "arr": [1, 2, 3, 2, 4]})", R"({"$pull": {"arr": 2}})",
       R"({"_id": 1, "arr": [1, 3, 4]})"},
      {R"({"_id": 1, "arr": [1, 2, 3, 2, 4]})", R"({"$pull": {"arr": 2.0}})",
       R"({"_id": 1, "arr": [1, 3, 4]})"},
      {R"({"_id": 1, "arr": [1, 2]})", R"({"$pull": {"arr": 9}})", R"({"_id": 1, "arr": [1, 2]})"},
      {R"({"_id": 1})", R"({"$pull": {"arr": 9}})", R"({"_id": 1})"},
      // null removes nulls only; a value removes only exactly equal elements (no expansion).
      {R"({"_id": "l1", "mixed": [1, "1", [1], {"x": 1}, null]})", R"({"$pull": {"mixed": null}})",
       R"({"_id": "l1", "mixed": [1, "1", [1], {"x": 1}]})"},
      {R"({"_id": 1, "mixed": [1, "1", [1], {"x": 1}, null]})", R"({"$pull": {"mixed": 1}})",
       R"({"_id": 1, "mixed": ["1", [1], {"x": 1}, null]})"},
      {R"({"_id": 1, "mixed": [1, [1], [1, 2]]})", R"({"$pull": {"mixed": [1]}})",
       R"({"_id": 1, "mixed": [1, [1, 2]]})"},
      // Conditions (MongoDB's examples).
      {R"({"_id": 1, "votes": [3, 5, 6, 7, 7, 8]})", R"({"$pull": {"votes": {"$gte": 6}}})",
       R"({"_id": 1, "votes": [3, 5]})"},
      {R"({"_id": 1, "fruits": ["apples", "pears", "oranges", "grapes", "bananas"],
           "vegetables": ["carrots", "celery", "squash", "carrots"]})",
       R"({"$pull": {"fruits": {"$in": ["apples", "oranges"]}, "vegetables": "carrots"}})",
       R"({"_id": 1, "fruits": ["pears", "grapes", "bananas"],
           "vegetables": ["celery", "squash"]})"},
      {R"({"_id": 1, "s": ["ab", "b", "ac"]})", R"({"$pull": {"s": {"$regex": "^a"}}})",
       R"({"_id": 1, "s": ["b"]})"},
      {R"({"_id": 1, "s": ["ab", "b", "ac", 5]})",
       R"({"$pull": {"s": {"$regexp": "^a", "$flags": ""}}})", R"({"_id": 1, "s": ["b", 5]})"},
      // A document condition is a query on document elements (extra fields allowed).
      {R"({"_id": 1, "results": [{"item": "A", "score": 5}, {"item": "B", "score": 8, "x": 1},
                                 {"item": "B", "score": 4}]})",
       R"({"$pull": {"results": {"score": 8, "item": "B"}}})",
       R"({"_id": 1, "results": [{"item": "A", "score": 5}, {"item": "B", "score": 4}]})"},
      {R"({"_id": "l1", "objs": [{"a": 1, "b": 2}, {"a": 2, "b": 2}, {"a": 1, "b": 3}]})",
       R"({"$pull": {"objs": {"a": 1, "b": {"$gt": 2}}}})",
       R"({"_id": "l1", "objs": [{"a": 1, "b": 2}, {"a": 2, "b": 2}]})"},
      {R"({"_id": 1, "objs": [{"a": 1}, 1, [1], {"b": 1}]})", R"({"$pull": {"objs": {"a": 1}}})",
       R"({"_id": 1, "objs": [1, [1], {"b": 1}]})"},
      {R"({"_id": 1, "r": [{"answers": [{"q": 1, "a": 4}, {"q": 2, "a": 6}]},
                           {"answers": [{"q": 1, "a": 5}, {"q": 2, "a": 9}]}]})",
       R"({"$pull": {"r": {"answers": {"$elemMatch": {"q": 2, "a": {"$gte": 8}}}}}})",
       R"({"_id": 1, "r": [{"answers": [{"q": 1, "a": 4}, {"q": 2, "a": 6}]}]})"},
      {R"({"_id": 1, "s": "str"})", R"({"$pull": {"s": 1}})",
       "error: Cannot apply $pull to a non-array value"},
      {R"({"_id": 1, "s": []})", R"({"$pull": {"s": {"$bogus": 1}}})", "error: $bogus"},
  });
}

TEST(ModifierPullAllTest, Table) {
  RunCases({
      {R"({"_id": 1, "scores": [0, 2, 5, 5, 1, 0]})", R"({"$pullAll": {"scores": [0, 5]}})",
       R"({"_id": 1, "scores": [2, 1]})"},
      {R"({"_id": "l1", "objs": [{"a": 1, "b": 2}, {"a": 2, "b": 2}, {"a": 1, "b": 3}]})",
       R"({"$pullAll": {"objs": [{"a": 1, "b": 2}]}})",
       R"({"_id": "l1", "objs": [{"a": 2, "b": 2}, {"a": 1, "b": 3}]})"},
      // Exact equality: a partial document removes nothing.
      {R"({"_id": 1, "objs": [{"a": 1, "b": 2}]})", R"({"$pullAll": {"objs": [{"a": 1}]}})",
       R"({"_id": 1, "objs": [{"a": 1, "b": 2}]})"},
      {R"({"_id": 1, "a": [1]})", R"({"$pullAll": {"a": []}})", R"({"_id": 1, "a": [1]})"},
      {R"({"_id": 1})", R"({"$pullAll": {"a": [1]}})", R"({"_id": 1})"},
      {R"({"_id": 1, "a": 1})", R"({"$pullAll": {"a": [1]}})",
       "error: Cannot apply $pullAll to a non-array value"},
      {R"({"_id": 1, "a": [1]})", R"({"$pullAll": {"a": 1}})",
       "error: $pullAll requires an array argument but was given a int"},
  });
}

TEST(ModifierPositionalTest, Table) {
  RunCases({
      {R"({"_id": 1, "grades": [85, 80, 80]})", R"({"$set": {"grades.$": 82}})",
       R"({"_id": 1, "grades": [85, 82, 80]})", R"({"grades": 80})"},
      {R"({"_id": "u1", "arr": [1, 2, 3]})", R"({"$set": {"arr.$": 22}})",
       R"({"_id": "u1", "arr": [1, 22, 3]})", R"({"arr": 2})"},
      {R"({"_id": 4, "grades": [{"grade": 80, "std": 8}, {"grade": 85, "std": 5},
                                {"grade": 85, "std": 8}]})",
       R"({"$set": {"grades.$.std": 6}})",
       R"({"_id": 4, "grades": [{"grade": 80, "std": 8}, {"grade": 85, "std": 6},
                                {"grade": 85, "std": 8}]})",
       R"({"_id": 4, "grades.grade": 85})"},
      {R"({"_id": 1, "g": [{"x": 1, "n": 1}, {"x": 2, "n": 1}]})", R"({"$inc": {"g.$.n": 10}})",
       R"({"_id": 1, "g": [{"x": 1, "n": 1}, {"x": 2, "n": 11}]})",
       R"({"g": {"$elemMatch": {"x": 2}}})"},
      {R"({"_id": "p1", "objs": [{"s": 2, "n": "b"}, {"s": 1, "n": "a"}]})",
       R"({"$push": {"objs.$.tags": "t"}})",
       R"({"_id": "p1", "objs": [{"s": 2, "n": "b"}, {"s": 1, "n": "a", "tags": ["t"]}]})",
       R"({"objs.s": 1})"},
      {R"({"_id": 1, "a": [1, 2, 3]})", R"({"$unset": {"a.$": 1}})",
       R"({"_id": 1, "a": [1, null, 3]})", R"({"a": 2})"},
      {R"({"_id": 1, "a": [1, 2, 3]})", R"({"$set": {"a.$": 0, "b": 1}})",
       R"({"_id": 1, "a": [1, 2, 0], "b": 1})", R"({"a": {"$gt": 2}})"},
      // Without a match (or on an upsert insert) `$` fails.
      {R"({"_id": 1, "a": [1, 2, 3]})", R"({"$set": {"a.$": 0}})",
       "error: The positional operator did not find the match needed from the query."},
      {R"({"_id": 1, "a": [1, 2, 3]})", R"({"$set": {"a.$": 0}})",
       "error: The positional operator did not find the match needed from the query.",
       R"({"_id": 1})"},
      // `$` and an explicit index that resolve to the same element conflict.
      {R"({"_id": 1, "a": [1, 2, 3]})", R"({"$set": {"a.$": 0, "a.1": 5}})",
       "error: Update created a conflict at 'a.1'", R"({"a": 2})"},
  });
}

TEST(ModifierAllPositionalTest, Table) {
  RunCases({
      {R"({"_id": 1, "grades": [85, 82, 80]})", R"({"$inc": {"grades.$[]": 10}})",
       R"({"_id": 1, "grades": [95, 92, 90]})"},
      {R"({"_id": 1, "grades": [{"grade": 80, "std": 8}, {"grade": 85, "std": 6}]})",
       R"({"$inc": {"grades.$[].std": -2}})",
       R"({"_id": 1, "grades": [{"grade": 80, "std": 6}, {"grade": 85, "std": 4}]})"},
      {R"({"_id": 1, "a": [{}, {"b": 1}]})", R"({"$set": {"a.$[].b": 2}})",
       R"({"_id": 1, "a": [{"b": 2}, {"b": 2}]})"},
      {R"({"_id": 1, "a": [1, 2]})", R"({"$unset": {"a.$[]": 1}})",
       R"({"_id": 1, "a": [null, null]})"},
      {R"({"_id": 1, "a": []})", R"({"$set": {"a.$[]": 1}})", R"({"_id": 1, "a": []})"},
      {R"({"_id": 1, "a": [[1, 2], [3]]})", R"({"$inc": {"a.$[].$[]": 1}})",
       R"({"_id": 1, "a": [[2, 3], [4]]})"},
      {R"({"_id": 1, "a": [{"t": []}, {"t": [1]}]})", R"({"$push": {"a.$[].t": 5}})",
       R"({"_id": 1, "a": [{"t": [5]}, {"t": [1, 5]}]})"},
      // Different leaves under the same elements do not conflict.
      {R"({"_id": 1, "a": [{"b": 1}, {"b": 2}]})", R"({"$set": {"a.$[].b": 0, "a.0.c": 1}})",
       R"({"_id": 1, "a": [{"b": 0, "c": 1}, {"b": 0}]})"},
      {R"({"_id": 1})", R"({"$set": {"a.$[]": 1}})",
       "error: The path 'a' must exist in the document in order to apply array updates."},
      {R"({"_id": 1, "x": {}})", R"({"$set": {"x.a.$[].b": 1}})",
       "error: The path 'x.a' must exist in the document in order to apply array updates."},
      {R"({"_id": 1})", R"({"$unset": {"a.$[]": 1}})",
       "error: The path 'a' must exist in the document in order to apply array updates."},
      {R"({"_id": 1, "a": 5})", R"({"$set": {"a.$[]": 1}})",
       "error: Cannot apply array updates to non-array element a: 5"},
      {R"({"_id": 1, "a": [1, {}]})", R"({"$set": {"a.$[].b": 2}})",
       "error: Cannot create field 'b' in element {0: 1}"},
      {R"({"_id": 1, "a": [1, 2]})", R"({"$set": {"a.$[]": 0, "a.0": 5}})",
       "error: Update created a conflict at 'a.0'"},
  });
}

TEST(ModifierArrayFiltersTest, Table) {
  RunCases({
      {R"({"_id": 2, "grades": [98, 100, 102]})", R"({"$set": {"grades.$[element]": 100}})",
       R"({"_id": 2, "grades": [98, 100, 100]})", nullptr, R"([{"element": {"$gte": 100}}])"},
      {R"({"_id": 1, "grades": [95, 92, 90]})", R"({"$set": {"grades.$[element]": 100}})",
       R"({"_id": 1, "grades": [95, 92, 90]})", nullptr, R"([{"element": {"$gte": 100}}])"},
      {R"({"_id": 3, "grades": [{"grade": 95, "mean": 85}, {"grade": 87, "mean": 90},
                                {"grade": 85, "mean": 85}]})",
       R"({"$set": {"grades.$[elem].mean": 100}})",
       R"({"_id": 3, "grades": [{"grade": 95, "mean": 100}, {"grade": 87, "mean": 100},
                                {"grade": 85, "mean": 85}]})",
       nullptr, R"([{"elem.grade": {"$gte": 87}}])"},
      {R"({"_id": 3, "grades": [{"grade": 90, "std": 6}, {"grade": 87, "std": 3},
                                {"grade": 85, "std": 4}]})",
       R"({"$inc": {"grades.$[elem].std": -1}})",
       R"({"_id": 3, "grades": [{"grade": 90, "std": 5}, {"grade": 87, "std": 3},
                                {"grade": 85, "std": 4}]})",
       nullptr, R"([{"elem.grade": {"$gte": 85}, "elem.std": {"$gte": 5}}])"},
      {R"({"_id": 1, "a": [{"b": [1, 5]}, {"b": [7]}, {"c": 1}]})",
       R"({"$set": {"a.$[x].b.$[y]": 0}})",
       R"({"_id": 1, "a": [{"b": [1, 0]}, {"b": [0]}, {"c": 1}]})", nullptr,
       R"([{"x.b": {"$exists": true}}, {"y": {"$gt": 4}}])"},
      {R"({"_id": 1, "a": [{"k": 1}, {"k": 2}, {"k": 3}]})", R"({"$unset": {"a.$[o].k": 1}})",
       R"({"_id": 1, "a": [{}, {"k": 2}, {}]})", nullptr, R"([{"$or": [{"o.k": 1}, {"o.k": 3}]}])"},
      {R"({"_id": 1, "a": [1, 2, 3]})", R"({"$set": {"a.$[i]": 0, "a.$[j]": 9}})",
       R"({"_id": 1, "a": [0, 2, 9]})", nullptr, R"([{"i": 1}, {"j": 3}])"},
      {R"({"_id": 1, "a": [1, 2, 3]})", R"({"$set": {"a.$[i]": 0, "a.$[j]": 9}})",
       "error: Update created a conflict at 'a.1'", nullptr, R"([{"i": 2}, {"j": {"$gte": 2}}])"},
      {R"({"_id": 1})", R"({"$set": {"a.$[i]": 0}})",
       "error: The path 'a' must exist in the document in order to apply array updates.", nullptr,
       R"([{"i": 2}])"},
      // Filters see the elements as they were before the update, not after earlier paths.
      {R"({"_id": 1, "a": [1, 5]})", R"({"$set": {"a.$[i]": 5}, "$inc": {"a.$[j]": 1}})",
       R"({"_id": 1, "a": [5, 6]})", nullptr, R"([{"i": {"$lt": 3}}, {"j": 5}])"},
      {R"({"_id": 1, "a": [{"x": 0, "y": 0}]})", R"({"$set": {"a.$[i].x": 1, "a.$[j].y": 2}})",
       R"({"_id": 1, "a": [{"x": 1, "y": 0}]})", nullptr, R"([{"i.y": 0}, {"j.x": 1}])"},
  });
}

TEST(ModifierArrayFiltersTest, CompileRejections) {
  RunCases({
      {R"({"_id": 1, "a": [1]})", R"({"$set": {"a.$[z]": 0}})",
       "error: No array filter found for identifier 'z' in path 'a.$[z]'"},
      {R"({"_id": 1, "a": [1]})", R"({"$set": {"a.$[x]": 0}})",
       "error: The array filter for identifier 'y' was not used in the update", nullptr,
       R"([{"x": 1}, {"y": 1}])"},
      {R"({"_id": 1, "a": [1]})", R"({"$set": {"a": 0}})",
       "error: The array filter for identifier 'x' was not used", nullptr, R"([{"x": 1}])"},
      {R"({"_id": 1, "a": [1]})", R"({"a": 0})",
       "error: The array filter for identifier 'x' was not used", nullptr, R"([{"x": 1}])"},
      {R"({"_id": 1, "a": [1]})", R"({"$set": {"a.$[X]": 0}})",
       "error: The top-level field name must be an alphanumeric string beginning with a "
       "lowercase letter, found 'X'",
       nullptr, R"([{"X": 1}])"},
      {R"({"_id": 1, "a": [1]})", R"({"$set": {"a.$[x]": 0}})",
       "error: Expected a single top-level field name, found 'x' and 'y'", nullptr,
       R"([{"x": 1, "y": 2}])"},
      {R"({"_id": 1, "a": [1]})", R"({"$set": {"a.$[x]": 0}})",
       "error: Found multiple array filters with the same top-level field name x", nullptr,
       R"([{"x": 1}, {"x": 2}])"},
      {R"({"_id": 1, "a": [1]})", R"({"$set": {"a.$[x]": 0}})",
       "error: Cannot use an expression without a top-level field name in arrayFilters", nullptr,
       R"([{}])"},
      {R"({"_id": 1, "a": [1]})", R"({"$set": {"a.$[x]": 0}})", "error: $bogus", nullptr,
       R"([{"x": {"$bogus": 1}}])"},
      {R"({"_id": 1, "a": [1]})", R"({"$set": {"a.$[x]": 0}})",
       "error: an array filter must be a document", nullptr, R"([5])"},
  });
}

}  // namespace
}  // namespace minimongo::query
