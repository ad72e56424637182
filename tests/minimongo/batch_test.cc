#include "minimongo/batch.h"

#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/ejson.h"
#include "query/value.h"
#include "query/value_order.h"
#include "tests/testing/status_matchers.h"

namespace minimongo::query {
void PrintTo(const Value& v, std::ostream* os) { *os << ToEjson(v.view()); }
}  // namespace minimongo::query

namespace minimongo {
namespace {

using ::minimongo::testing::IsOk;
using query::Value;
using query::ValueView;
using ::testing::HasSubstr;
using ::testing::Not;

Value Parse(std::string_view text) {
  absl::StatusOr<Value> v = query::ParseEjson(text);
  EXPECT_THAT(v, IsOk()) << text;
  return v.ok() ? *std::move(v) : Value();
}

// Runs one case and compares its output line, as a value, with `expected` (EJSON).
void ExpectCase(std::string_view line, std::string_view expected) {
  std::string got = RunBatchCase(line);
  EXPECT_EQ(got.find('\n'), std::string::npos) << got;
  EXPECT_EQ(Parse(got), Parse(expected)) << "case " << line << "\ngot " << got;
}

// Runs one case that must be rejected: the line is {"error": "<non-empty message>"}.
std::string ExpectError(std::string_view line) {
  std::string got = RunBatchCase(line);
  Value v = Parse(got);
  EXPECT_TRUE(v.IsObject() && v.size() == 1) << got;
  std::optional<ValueView> error = v.Find("error");
  EXPECT_TRUE(error && error->IsString() && !error->AsString().empty())
      << "case " << line << "\ngot " << got;
  return error && error->IsString() ? std::string(error->AsString()) : "";
}

// One line: RunBatch reads one case per line.
constexpr std::string_view kDocs =
    R"("docs": [{"_id": "b", "k": 2, "t": "x"}, {"_id": "a", "k": 1, "t": "y"}, )"
    R"({"_id": "c", "k": 1, "t": "z"}])";

std::string Case(std::string_view body) {
  return "{" + std::string(body) + ", " + std::string(kDocs) + "}";
}

TEST(BatchTest, FindInInsertionOrder) {
  ExpectCase(Case(R"("op": "find", "selector": {"k": 1})"),
             R"({"docs": [{"_id": "a", "k": 1, "t": "y"}, {"_id": "c", "k": 1, "t": "z"}]})");
  ExpectCase(Case(R"("op": "find", "selector": {"k": 9})"), R"({"docs": []})");
}

TEST(BatchTest, MissingSelectorMatchesEverything) {
  ExpectCase(Case(R"("op": "find")"),
             R"({"docs": [{"_id": "b", "k": 2, "t": "x"}, {"_id": "a", "k": 1, "t": "y"},
                          {"_id": "c", "k": 1, "t": "z"}]})");
  ExpectCase(Case(R"("op": "count")"), R"({"n": 3})");
}

TEST(BatchTest, StringAndNumberSelectorsMeanId) {
  ExpectCase(Case(R"("op": "find", "selector": "c")"),
             R"({"docs": [{"_id": "c", "k": 1, "t": "z"}]})");
  ExpectCase(R"({"op": "find", "selector": 2, "docs": [{"_id": 1}, {"_id": 2.0}, {"_id": "2"}]})",
             R"({"docs": [{"_id": 2}]})");
  ExpectCase(
      Case(R"("op": "remove", "selector": "a")"),
      R"({"n": 1, "docs": [{"_id": "b", "k": 2, "t": "x"}, {"_id": "c", "k": 1, "t": "z"}]})");
}

TEST(BatchTest, FindWithSortSkipLimitAndFields) {
  ExpectCase(Case(R"("op": "find", "sort": {"k": -1, "t": -1})"),
             R"({"docs": [{"_id": "b", "k": 2, "t": "x"}, {"_id": "c", "k": 1, "t": "z"},
                          {"_id": "a", "k": 1, "t": "y"}]})");
  ExpectCase(Case(R"("op": "find", "sort": [["t", "desc"]], "skip": 1, "limit": 1)"),
             R"({"docs": [{"_id": "a", "k": 1, "t": "y"}]})");
  ExpectCase(Case(R"("op": "find", "sort": ["t"], "fields": {"t": 1, "_id": 0})"),
             R"({"docs": [{"t": "x"}, {"t": "y"}, {"t": "z"}]})");
  ExpectCase(Case(R"("op": "find", "selector": {"k": 1}, "fields": {"k": 0})"),
             R"({"docs": [{"_id": "a", "t": "y"}, {"_id": "c", "t": "z"}]})");
  // A limit of 0 means no limit (MongoDB and Meteor).
  ExpectCase(Case(R"("op": "count", "limit": 0)"), R"({"n": 3})");
  // null skip/limit are absent.
  ExpectCase(Case(R"("op": "count", "skip": null, "limit": null)"), R"({"n": 3})");
}

TEST(BatchTest, CompoundSortsPairOneArrayAndRefuseParallelArrays) {
  // Keys (1, 5) and (2, 0) for p1: it sorts after p2's (1, 3).
  ExpectCase(R"({"op": "find", "sort": {"a.x": 1, "a.y": 1}, "docs": [
                  {"_id": "p1", "a": [{"x": 1, "y": 5}, {"x": 2, "y": 0}]},
                  {"_id": "p2", "a": [{"x": 1, "y": 3}]}]})",
             R"({"docs": [{"_id": "p2", "a": [{"x": 1, "y": 3}]},
                          {"_id": "p1", "a": [{"x": 1, "y": 5}, {"x": 2, "y": 0}]}]})");
  EXPECT_THAT(ExpectError(R"({"op": "find", "sort": {"a": 1, "b": 1},
                              "docs": [{"_id": 1, "a": [1], "b": [2]}]})"),
              ::testing::HasSubstr("parallel arrays"));
  // Only matching documents count.
  ExpectCase(R"({"op": "find", "selector": {"_id": 2}, "sort": {"a": 1, "b": 1},
                 "docs": [{"_id": 1, "a": [1], "b": [2]}, {"_id": 2, "a": [1], "b": 2}]})",
             R"({"docs": [{"_id": 2, "a": [1], "b": 2}]})");
}

TEST(BatchTest, NullModifierArgumentIsAnError) {
  EXPECT_THAT(ExpectError(Case(R"("op": "update", "selector": {"_id": "a"},
                                  "modifier": {"$set": null})")),
              ::testing::HasSubstr("found type null"));
  // Other non-document arguments are ignored, as in Meteor (and the conformance sample).
  ExpectCase(Case(R"("op": "update", "selector": {"_id": "a"}, "modifier": {"$min": 5})"),
             R"({"n": 1, "docs": [{"_id": "a", "k": 1, "t": "y"}, {"_id": "b", "k": 2, "t": "x"},
                                  {"_id": "c", "k": 1, "t": "z"}]})");
}

TEST(BatchTest, CountHonoursSkipAndLimit) {
  ExpectCase(Case(R"("op": "count", "selector": {"k": 1})"), R"({"n": 2})");
  ExpectCase(Case(R"("op": "count", "skip": 1)"), R"({"n": 2})");
  ExpectCase(Case(R"("op": "count", "skip": 1, "limit": 1)"), R"({"n": 1})");
  ExpectCase(Case(R"("op": "count", "skip": 5)"), R"({"n": 0})");
}

TEST(BatchTest, UpdateReportsMatchedAndTheCollectionSortedById) {
  ExpectCase(Case(R"("op": "update", "selector": {"k": 1}, "modifier": {"$set": {"t": "w"}})"),
             R"({"n": 1, "docs": [{"_id": "a", "k": 1, "t": "w"}, {"_id": "b", "k": 2, "t": "x"},
                                  {"_id": "c", "k": 1, "t": "z"}]})");
  ExpectCase(Case(R"("op": "update", "selector": {"k": 1}, "modifier": {"$inc": {"k": 10}},
                     "options": {"multi": true})"),
             R"({"n": 2, "docs": [{"_id": "a", "k": 11, "t": "y"}, {"_id": "b", "k": 2, "t": "x"},
                                  {"_id": "c", "k": 11, "t": "z"}]})");
  // n counts matched documents, modified or not.
  ExpectCase(Case(R"("op": "update", "selector": {}, "modifier": {"$set": {"k": 2}},
                     "options": {"multi": true})"),
             R"({"n": 3, "docs": [{"_id": "a", "k": 2, "t": "y"}, {"_id": "b", "k": 2, "t": "x"},
                                  {"_id": "c", "k": 2, "t": "z"}]})");
  ExpectCase(Case(R"("op": "update", "selector": {"k": 7}, "modifier": {"$set": {"t": "w"}})"),
             R"({"n": 0, "docs": [{"_id": "a", "k": 1, "t": "y"}, {"_id": "b", "k": 2, "t": "x"},
                                  {"_id": "c", "k": 1, "t": "z"}]})");
  ExpectCase(Case(R"("op": "update", "selector": "b", "modifier": {"r": 1})"),
             R"({"n": 1, "docs": [{"_id": "a", "k": 1, "t": "y"}, {"_id": "b", "r": 1},
                                  {"_id": "c", "k": 1, "t": "z"}]})");
}

// Issue 5: MongoDB's $mul of a missing field writes 0 of the multiplier's type, also for an
// infinite multiplier (0 * Infinity would be NaN). Meteor's minimongo agrees.
TEST(BatchTest, Issue5MulOfAMissingFieldByInfinityWritesZero) {
  ExpectCase(
      Case(R"("op": "update", "selector": "a", "modifier": {"$mul": {"m": {"$InfNaN": 1}}})"),
      R"({"n": 1, "docs": [{"_id": "a", "k": 1, "t": "y", "m": 0.0},
                                  {"_id": "b", "k": 2, "t": "x"}, {"_id": "c", "k": 1, "t": "z"}]})");
  ExpectCase(
      Case(R"("op": "update", "selector": "a", "modifier": {"$mul": {"m.n": {"$InfNaN": 0}}})"),
      R"({"n": 1, "docs": [{"_id": "a", "k": 1, "t": "y", "m": {"n": 0.0}},
                                  {"_id": "b", "k": 2, "t": "x"}, {"_id": "c", "k": 1, "t": "z"}]})");
  // An existing field really is multiplied: 1 * Infinity.
  ExpectCase(
      Case(R"("op": "update", "selector": "a", "modifier": {"$mul": {"k": {"$InfNaN": 1}}})"),
      R"({"n": 1, "docs": [{"_id": "a", "k": {"$InfNaN": 1}, "t": "y"},
                                  {"_id": "b", "k": 2, "t": "x"}, {"_id": "c", "k": 1, "t": "z"}]})");
}

// Issue 5: MongoDB refuses a positional projection whose array the query does not mention
// ("Positional projection 'a.$' does not match the query document."); when the query does
// mention it, the matched element is projected.
TEST(BatchTest, Issue5PositionalProjectionNeedsAConditionOnItsArray) {
  constexpr std::string_view kArrays =
      R"("docs": [{"_id": 1, "a": 1, "h": [1, 2, 3], "e": [{"f": 1}, {"f": 3, "g": 4}]}])";
  auto with_docs = [&](std::string_view body) {
    return "{" + std::string(body) + ", " + std::string(kArrays) + "}";
  };
  EXPECT_THAT(ExpectError(with_docs(R"("op": "find", "fields": {"h.$": 1})")),
              HasSubstr("positional projection 'h.$' does not match the query document"));
  ExpectError(with_docs(R"("op": "find", "selector": {"a": 1}, "fields": {"h.$": 1})"));
  ExpectError(with_docs(R"("op": "find", "selector": 1, "fields": {"h.$": 1})"));
  ExpectError(with_docs(R"("op": "find", "selector": {"ee": 3}, "fields": {"e.$": 1})"));
  ExpectCase(with_docs(R"("op": "find", "selector": {"h": 2}, "fields": {"h.$": 1})"),
             R"({"docs": [{"_id": 1, "h": [2]}]})");
  ExpectCase(with_docs(R"("op": "find", "selector": {"e.f": 3}, "fields": {"e.$": 1})"),
             R"({"docs": [{"_id": 1, "e": [{"f": 3, "g": 4}]}]})");
  ExpectCase(with_docs(R"("op": "find", "selector": {"e": {"$elemMatch": {"g": 4}}},
                        "fields": {"e.$": 1, "a": 1})"),
             R"({"docs": [{"_id": 1, "a": 1, "e": [{"f": 3, "g": 4}]}]})");
}

TEST(BatchTest, DocsAreSortedByIdInBsonOrder) {
  // Numbers before strings before ObjectIds; 2 == 2.0 sorts between 1 and 3.
  ExpectCase(R"({"op": "remove", "selector": {"x": 1},
                 "docs": [{"_id": "s"},
                          {"_id": {"$type": "oid", "$value": "000000000000000000000001"}},
                          {"_id": 3}, {"_id": 2.5}, {"_id": 1}, {"_id": "a"}, {"_id": 2}]})",
             R"({"n": 0, "docs": [{"_id": 1}, {"_id": 2}, {"_id": 2.5}, {"_id": 3}, {"_id": "a"},
                                  {"_id": "s"},
                                  {"_id": {"$type": "oid",
                                           "$value": "000000000000000000000001"}}]})");
}

TEST(BatchTest, UpsertInsertsWithAGeneratedId) {
  std::string got =
      RunBatchCase(Case(R"("op": "update", "selector": {"k": 5}, "modifier": {"$set": {"t": "new"}},
              "options": {"upsert": true})"));
  Value v = Parse(got);
  ASSERT_TRUE(v.IsObject()) << got;
  EXPECT_EQ(v.Find("n")->NumberAsDouble(), 1) << got;
  std::optional<ValueView> docs = v.Find("docs");
  ASSERT_TRUE(docs && docs->IsArray() && docs->size() == 4) << got;
  // The new document has a generated 17-character id.
  bool found = false;
  for (ValueView doc : docs->elements()) {
    ValueView id = *doc.Find("_id");
    if (id.IsString() && id.AsString().size() == 17) {
      found = true;
      EXPECT_EQ(doc.ToValue(),
                Value::Object(
                    {{"_id", id.ToValue()}, {"k", Value::Int32(5)}, {"t", Value::String("new")}}));
    }
  }
  EXPECT_TRUE(found) << got;
  // With the id in the selector, the result is fully determined.
  ExpectCase(Case(R"("op": "update", "selector": {"_id": "d"}, "modifier": {"$set": {"k": 4}},
                     "options": {"upsert": true, "multi": false})"),
             R"({"n": 1, "docs": [{"_id": "a", "k": 1, "t": "y"}, {"_id": "b", "k": 2, "t": "x"},
                                  {"_id": "c", "k": 1, "t": "z"}, {"_id": "d", "k": 4}]})");
  // Matching: no insert.
  ExpectCase(Case(R"("op": "update", "selector": {"_id": "a"}, "modifier": {"$set": {"k": 4}},
                     "options": {"upsert": true})"),
             R"({"n": 1, "docs": [{"_id": "a", "k": 4, "t": "y"}, {"_id": "b", "k": 2, "t": "x"},
                                  {"_id": "c", "k": 1, "t": "z"}]})");
}

TEST(BatchTest, RemoveEveryMatch) {
  ExpectCase(Case(R"("op": "remove", "selector": {"k": 1})"),
             R"({"n": 2, "docs": [{"_id": "b", "k": 2, "t": "x"}]})");
  ExpectCase(Case(R"("op": "remove", "selector": {"_id": {"$in": ["a", "b"]}})"),
             R"({"n": 2, "docs": [{"_id": "c", "k": 1, "t": "z"}]})");
  // A missing selector is {}: everything.
  ExpectCase(Case(R"("op": "remove")"), R"({"n": 3, "docs": []})");
}

TEST(BatchTest, EjsonValuesBothWays) {
  ExpectCase(
      R"({"op": "find", "selector": {"d": {"$gt": {"$date": 1000}}},
          "docs": [{"_id": 1, "d": {"$date": 500}},
                   {"_id": 2, "d": {"$date": 2000}, "b": {"$binary": "AQID"}},
                   {"_id": 3, "e": {"$escape": {"$date": 5}}}, {"_id": 4, "n": {"$InfNaN": 1}}]})",
      R"({"docs": [{"_id": 2, "d": {"$date": 2000}, "b": {"$binary": "AQID"}}]})");
  std::string got = RunBatchCase(
      R"({"op": "find", "docs": [{"_id": 3, "e": {"$escape": {"$date": 5}}},
                                 {"_id": 4, "n": {"$InfNaN": -1}}]})");
  EXPECT_THAT(got, HasSubstr(R"({"$escape":{"$date":5}})"));
  EXPECT_THAT(got, HasSubstr(R"({"$InfNaN":-1})"));
}

TEST(BatchTest, ExtraKeysAreIgnored) {
  ExpectCase(Case(R"("id": "x.001", "cat": "eq", "why": "because", "op": "count")"), R"({"n": 3})");
}

TEST(BatchTest, ErrorLines) {
  ExpectError("{\"op\": \"find\", ");  // invalid JSON
  ExpectError("not json at all");
  ExpectError("[1, 2]");           // not an object
  ExpectError(R"({"docs": []})");  // no op
  ExpectError(R"({"op": 5, "docs": []})");
  ExpectError(R"({"op": "explode", "docs": []})");       // unknown op
  ExpectError(R"({"op": "find", "docs": {"_id": 1}})");  // docs not an array
  ExpectError(R"({"op": "find", "docs": [1]})");         // a document that is not an object
  ExpectError(R"({"op": "find", "docs": [{"_id": [1]}]})");
  ExpectError(R"({"op": "find", "docs": [{"a.b": 1}]})");
  std::string duplicate = ExpectError(R"({"op": "find", "docs": [{"_id": 1}, {"_id": 1.0}]})");
  EXPECT_THAT(duplicate, HasSubstr("duplicate key"));
  std::string bad_selector = ExpectError(Case(R"("op": "find", "selector": {"k": {"$foo": 1}})"));
  EXPECT_THAT(bad_selector, HasSubstr("$foo"));
  ExpectError(Case(R"("op": "count", "selector": {"$or": []})"));
  ExpectError(Case(R"("op": "remove", "selector": {"$nor": 1})"));
  ExpectError(Case(R"("op": "find", "sort": {"k": 3})"));
  ExpectError(Case(R"("op": "find", "fields": {"k": 1, "t": 0})"));
  ExpectError(Case(R"("op": "find", "skip": -1)"));
  ExpectError(Case(R"("op": "find", "limit": "ten")"));
  ExpectError(Case(R"("op": "find", "limit": 1.5)"));
  ExpectError(Case(R"("op": "update", "selector": {})"));  // no modifier
  std::string bad_modifier =
      ExpectError(Case(R"("op": "update", "selector": {}, "modifier": {"$foo": {"k": 1}})"));
  EXPECT_THAT(bad_modifier, HasSubstr("$foo"));
  ExpectError(Case(R"("op": "update", "modifier": {"$inc": {"t": 1}})"));  // $inc of a string
  ExpectError(Case(R"("op": "update", "modifier": {"$set": {"k": 1}, "$unset": {"k": 1}})"));
  ExpectError(Case(R"("op": "update", "modifier": {"$set": {"_id": "zz"}})"));
  ExpectError(Case(R"("op": "update", "modifier": {"$set": {"k": 1}},
                     "options": {"arrayFilters": 5})"));
}

TEST(BatchTest, ErrorMessagesAreOneLine) {
  std::string got = RunBatchCase("{\"op\":");
  EXPECT_EQ(got.find('\n'), std::string::npos);
  EXPECT_THAT(got, Not(HasSubstr("\n")));
}

TEST(BatchTest, RunBatchWritesOneLinePerCaseAndSkipsBlankLines) {
  std::istringstream in(Case(R"("op": "count")") + "\n" + "\n   \t\n" + "{broken\n" +
                        Case(R"("op": "count", "selector": {"k": 2})") + "\n" +
                        Case(R"("op": "remove", "selector": "a")"));  // no final newline
  std::ostringstream out;
  RunBatch(in, out);
  std::istringstream lines(out.str());
  std::string line;
  std::vector<Value> results;
  while (std::getline(lines, line)) results.push_back(Parse(line));
  ASSERT_EQ(results.size(), 4u) << out.str();
  EXPECT_EQ(results[0], Parse(R"({"n": 3})"));
  EXPECT_TRUE(results[1].Find("error").has_value()) << out.str();
  EXPECT_EQ(results[2], Parse(R"({"n": 1})"));
  EXPECT_EQ(results[3], Parse(R"({"n": 1, "docs": [{"_id": "b", "k": 2, "t": "x"},
                                                   {"_id": "c", "k": 1, "t": "z"}]})"));
  EXPECT_EQ(out.str().back(), '\n');
}

}  // namespace
}  // namespace minimongo
