#include "query/sort_spec.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/ejson.h"
#include "query/limits.h"
#include "query/value.h"
#include "query/value_order.h"
#include "tests/query/value_random.h"
#include "tests/testing/status_matchers.h"

namespace minimongo::query {
namespace {

using ::minimongo::testing::IsOk;
using ::minimongo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

Value Parse(std::string_view text) {
  absl::StatusOr<Value> v = ParseEjson(text);
  EXPECT_THAT(v, IsOk()) << text;
  return v.ok() ? *std::move(v) : Value();
}

SortSpec CompileOrDie(std::string_view spec_text) {
  absl::StatusOr<SortSpec> spec = SortSpec::Compile(Parse(spec_text).view());
  EXPECT_THAT(spec, IsOk()) << spec_text;
  return spec.ok() ? *std::move(spec) : SortSpec();
}

std::string IdOf(ValueView doc) {
  std::optional<ValueView> id = doc.Find("_id");
  if (!id) return "<no _id>";
  return id->IsString() ? std::string(id->AsString()) : ToEjson(*id);
}

// Sorts `docs_text` (an EJSON array of documents) by `spec_text` and returns their _ids in
// order, ties in input order. Checks on the way that ExtractKey/CompareKeys and Compare()
// agree, so every case exercises both.
std::vector<std::string> SortedIds(std::string_view spec_text, std::string_view docs_text) {
  SortSpec spec = CompileOrDie(spec_text);
  Value docs = Parse(docs_text);
  std::vector<ValueView> views;
  for (ValueView d : docs.view().elements()) views.push_back(d);

  std::vector<std::pair<SortKey, size_t>> keyed;
  for (size_t i = 0; i < views.size(); ++i) keyed.emplace_back(spec.ExtractKey(views[i]), i);
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    return spec.CompareKeys(a.first, b.first) < 0;
  });

  std::vector<size_t> order(views.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return spec.Compare(views[a], views[b]) < 0; });

  std::vector<std::string> ids;
  for (size_t i = 0; i < keyed.size(); ++i) {
    EXPECT_EQ(keyed[i].second, order[i]) << "ExtractKey and Compare disagree at " << i;
    ids.push_back(IdOf(views[keyed[i].second]));
  }
  return ids;
}

struct SortCase {
  const char* name;
  const char* spec;
  const char* docs;
  std::vector<std::string> expected;  // _ids in sorted order
};

// Written from MongoDB's "Comparison/Sort Order" documentation and the cursor.sort() page.
const SortCase kCases[] = {
    // BSON type order: MinKey < null < numbers < string < object < array < binary < ObjectId
    // < bool < date < timestamp < regex < MaxKey. Arrays expand, so the array-typed value is
    // a nested array ([[1]] contributes [1]).
    {"TypeOrderAscending",
     R"({"a": 1})",
     R"([{"_id": "maxkey", "a": {"$maxKey": 1}},
         {"_id": "regex", "a": {"$regexp": "x", "$flags": ""}},
         {"_id": "ts", "a": {"$timestamp": {"t": 1, "i": 1}}}, {"_id": "date", "a": {"$date": 0}},
         {"_id": "bool", "a": false},
         {"_id": "oid", "a": {"$type": "oid", "$value": "000000000000000000000001"}},
         {"_id": "bin", "a": {"$binary": "AA=="}}, {"_id": "arr", "a": [[1]]},
         {"_id": "obj", "a": {"x": 1}},
         {"_id": "str", "a": "s"}, {"_id": "num", "a": 5}, {"_id": "null", "a": null},
         {"_id": "minkey", "a": {"$minKey": 1}}])",
     {"minkey", "null", "num", "str", "obj", "arr", "bin", "oid", "bool", "date", "ts", "regex",
      "maxkey"}},
    {"TypeOrderDescending",
     R"({"a": -1})",
     R"([{"_id": "null", "a": null}, {"_id": "num", "a": 5}, {"_id": "str", "a": "s"},
         {"_id": "obj", "a": {"x": 1}}, {"_id": "bin", "a": {"$binary": "AA=="}},
         {"_id": "bool", "a": true}, {"_id": "date", "a": {"$date": 0}}])",
     {"date", "bool", "bin", "obj", "str", "num", "null"}},
    // Numbers compare by value across int, long and double; NaN sorts below all numbers.
    {"NumbersAcrossTypes",
     R"({"n": 1})",
     R"([{"_id": "long5", "n": {"$numberLong": "5"}}, {"_id": "d2.5", "n": 2.5},
         {"_id": "int3", "n": 3}, {"_id": "neginf", "n": {"$InfNaN": -1}},
         {"_id": "nan", "n": {"$InfNaN": 0}}, {"_id": "m1", "n": -1}, {"_id": "big", "n": 1e300}])",
     {"nan", "neginf", "m1", "d2.5", "int3", "long5", "big"}},
    // sort.043 of the conformance sample.
    {"ConformanceSort043",
     R"({"f": -1})",
     R"([{"_id": "f1", "f": 2}, {"_id": "f2", "f": 1.5}, {"_id": "f3", "f": -0.25},
         {"_id": "f4", "f": 100000000000000000000}, {"_id": "f5", "f": {"$InfNaN": -1}},
         {"_id": "f6", "f": {"$InfNaN": 1}}, {"_id": "f7", "f": 1e-07}])",
     {"f6", "f4", "f1", "f2", "f7", "f3", "f5"}},
    // Strings compare by bytes: upper case before lower case, multi-byte UTF-8 last.
    {"StringsBinary",
     R"({"s": 1})",
     R"([{"_id": "b", "s": "b"}, {"_id": "B", "s": "B"}, {"_id": "e", "s": "é"},
         {"_id": "a", "s": "a"},
         {"_id": "A", "s": "A"}, {"_id": "ab", "s": "ab"}, {"_id": "empty", "s": ""}])",
     {"empty", "A", "B", "a", "ab", "b", "e"}},
    // Missing and null sort equal: ties keep input order, whatever the direction.
    {"MissingEqualsNullAscending",
     R"({"a": 1})",
     R"([{"_id": "one", "a": 1}, {"_id": "missing1"}, {"_id": "null1", "a": null},
         {"_id": "missing2", "b": 1}, {"_id": "null2", "a": null}])",
     {"missing1", "null1", "missing2", "null2", "one"}},
    {"MissingEqualsNullDescending",
     R"({"a": -1})",
     R"([{"_id": "missing1"}, {"_id": "one", "a": 1}, {"_id": "null1", "a": null},
         {"_id": "missing2"}])",
     {"one", "missing1", "null1", "missing2"}},
    // Ascending compares the smallest element of an array, descending the largest.
    {"ArrayAscendingUsesSmallest",
     R"({"a": 1})",
     R"([{"_id": "three", "a": 3}, {"_id": "one-five", "a": [1, 5]}, {"_id": "four", "a": [4]},
         {"_id": "two", "a": [2, 9, 7]}])",
     {"one-five", "two", "three", "four"}},
    {"ArrayDescendingUsesLargest",
     R"({"a": -1})",
     R"([{"_id": "three", "a": 3}, {"_id": "one-five", "a": [1, 5]}, {"_id": "four", "a": [4]},
         {"_id": "two", "a": [2, 9, 7]}])",
     {"two", "one-five", "four", "three"}},
    // Mixed types inside an array: the smallest/largest by type order.
    {"ArrayMixedTypes",
     R"({"a": 1})",
     R"([{"_id": "str-num", "a": ["x", 10]}, {"_id": "num", "a": 5},
         {"_id": "null-in", "a": [7, null]},
         {"_id": "str", "a": "a"}])",
     {"null-in", "num", "str-num", "str"}},
    {"ArrayMixedTypesDescending",
     R"({"a": -1})",
     R"([{"_id": "str-num", "a": ["x", 10]}, {"_id": "num", "a": 5},
         {"_id": "bool-in", "a": [7, true]},
         {"_id": "str", "a": "z"}])",
     {"bool-in", "str", "str-num", "num"}},
    // An empty array is less than null or a missing field, in both directions.
    {"EmptyArrayBelowNull",
     R"({"a": 1})",
     R"([{"_id": "zero", "a": 0}, {"_id": "null", "a": null}, {"_id": "empty", "a": []},
         {"_id": "missing"}, {"_id": "minkey", "a": {"$minKey": 1}}])",
     {"minkey", "empty", "null", "missing", "zero"}},
    {"EmptyArrayBelowNullDescending",
     R"({"a": -1})",
     R"([{"_id": "empty", "a": []}, {"_id": "zero", "a": 0}, {"_id": "null", "a": null},
         {"_id": "missing"}])",
     {"zero", "null", "missing", "empty"}},
    // A nested array is one candidate, of array type (above numbers and strings).
    {"NestedArrayIsOneValue",
     R"({"a": 1})",
     R"([{"_id": "nested", "a": [[0]]}, {"_id": "str", "a": "s"},
         {"_id": "num-and-nested", "a": [[0], 3]}])",
     {"num-and-nested", "str", "nested"}},
    // sort.011 of the conformance sample, all 17 documents (the case applies skip 3, limit 4).
    {"ConformanceSort011",
     R"({"k": 1})",
     R"([{"_id": 1, "k": 3}, {"_id": 2, "k": 1}, {"_id": 3, "k": [2, 5]}, {"_id": 4, "k": "z"},
         {"_id": 5, "k": null}, {"_id": 6}, {"_id": 7, "k": {"a": 1}}, {"_id": 8, "k": []},
         {"_id": 9, "k": true}, {"_id": 10, "k": {"$date": 0}}, {"_id": 11, "k": -1.5},
         {"_id": 12, "k": [[0]]}, {"_id": 13, "k": "Z"}, {"_id": 14, "k": {"a": 0, "b": 1}},
         {"_id": 15, "k": {"$binary": "AA=="}},
         {"_id": 16, "k": {"$type": "oid", "$value": "000000000000000000000001"}},
         {"_id": 17, "k": false}])",
     {"8", "5", "6", "11", "2", "3", "1", "13", "4", "14", "7", "12", "15", "16", "17", "9", "10"}},
    // Objects compare field by field; a prefix is smaller.
    {"Objects",
     R"({"o": 1})",
     R"([{"_id": "ab", "o": {"a": 1, "b": 1}}, {"_id": "a2", "o": {"a": 2}},
         {"_id": "a1", "o": {"a": 1}},
         {"_id": "empty", "o": {}}, {"_id": "b0", "o": {"b": 0}}])",
     {"empty", "a1", "ab", "a2", "b0"}},
    // Dotted paths through embedded documents.
    {"DottedPath",
     R"({"a.b": 1})",
     R"([{"_id": "two", "a": {"b": 2}}, {"_id": "scalar-a", "a": 5},
         {"_id": "one", "a": {"b": 1, "c": 9}},
         {"_id": "no-b", "a": {"c": 0}}])",
     {"scalar-a", "no-b", "one", "two"}},
    // Through an array of documents: each element contributes; an element without the field
    // or that is not a document contributes null.
    {"DottedPathThroughArrayAscending",
     R"({"a.b": 1})",
     R"([{"_id": "3-1", "a": [{"b": 3}, {"b": 1}]}, {"_id": "2", "a": [{"b": 2}]},
         {"_id": "missing-0", "a": [{"c": 1}, {"b": 0}]}, {"_id": "scalar-9", "a": [1, {"b": 9}]},
         {"_id": "0", "a": {"b": 0}}])",
     {"missing-0", "scalar-9", "0", "3-1", "2"}},
    {"DottedPathThroughArrayDescending",
     R"({"a.b": -1})",
     R"([{"_id": "3-1", "a": [{"b": 3}, {"b": 1}]}, {"_id": "2", "a": [{"b": 2}]},
         {"_id": "missing-0", "a": [{"c": 1}, {"b": 0}]}, {"_id": "scalar-9", "a": [1, {"b": 9}]},
         {"_id": "empty", "a": []}, {"_id": "empty-leaf", "a": [{"b": []}]}])",
     {"scalar-9", "3-1", "2", "missing-0", "empty", "empty-leaf"}},
    // Arrays at two levels: all leaves are candidates.
    {"DottedPathTwoArrayLevels",
     R"({"a.b": 1})",
     R"([{"_id": "4", "a": [{"b": [4, 8]}, {"b": [6]}]}, {"_id": "2", "a": [{"b": 7},
         {"b": [2, 9]}]},
         {"_id": "5", "a": {"b": [5]}}])",
     {"2", "4", "5"}},
    // An array nested directly in an array is not traversed by a dotted path (null).
    {"DottedPathDoesNotEnterNestedArrays",
     R"({"a.b": -1})",
     R"([{"_id": "nested", "a": [[{"b": 1}]]}, {"_id": "zero", "a": [{"b": 0}]}])",
     {"zero", "nested"}},
    // A numeric component selects an array element by position.
    {"PositionalComponent",
     R"({"a.1": 1})",
     R"([{"_id": "second-1", "a": [9, 1]}, {"_id": "second-5", "a": [0, 5]},
         {"_id": "short", "a": [0]},
         {"_id": "obj", "a": {"1": 3}}])",
     {"short", "second-1", "obj", "second-5"}},
    // A positional element that is an array is one value, not expanded.
    {"PositionalArrayIsWhole",
     R"({"a.0": 1})",
     R"([{"_id": "arr", "a": [[0, 1]]}, {"_id": "str", "a": ["s"]}])",
     {"str", "arr"}},
    // Positional then a field: {"a.0.b"}.
    {"PositionalThenField",
     R"({"a.0.b": -1})",
     R"([{"_id": "first-1", "a": [{"b": 1}, {"b": 100}]}, {"_id": "first-7", "a": [{"b": 7}]}])",
     {"first-7", "first-1"}},
    // Priority: the first key decides, later keys break ties (sort.037 of the sample).
    {"MultiKeyPriority",
     R"({"c": 1, "a": -1})",
     R"([{"_id": "x1", "a": 1, "b": "z", "c": 3}, {"_id": "x2", "a": 2, "b": "y", "c": 1},
         {"_id": "x3", "a": 1, "b": "y", "c": 2}, {"_id": "x4", "a": 2, "b": "z", "c": 2},
         {"_id": "x5", "a": 1, "b": "z", "c": 1}, {"_id": "x6", "a": 1, "b": "a", "c": 9}])",
     {"x2", "x5", "x4", "x3", "x1", "x6"}},
    // sort.030 of the sample: a descending dotted path through arrays as the second key.
    {"ConformanceSort030",
     R"({"r": 1, "p.q": -1})",
     R"([{"_id": "p1", "p": [{"q": 3}, {"q": 1}], "r": 2}, {"_id": "p2", "p": [{"q": 2}], "r": 1},
         {"_id": "p3", "p": {"q": 0}, "r": 2}, {"_id": "p4", "p": [{"q": [4, -1]}], "r": 1},
         {"_id": "p5", "p": [{}, {"q": 5}], "r": 3}, {"_id": "p6", "p": "none", "r": 3}])",
     {"p4", "p2", "p1", "p3", "p5", "p6"}},
    // sort.003 of the sample (the string field only).
    {"ConformanceSort003",
     R"({"s": 1})",
     R"([{"_id": 1, "s": "b"}, {"_id": 2, "s": "a"}, {"_id": 3, "s": "c"}, {"_id": 4, "s": "B"},
         {"_id": 5, "s": "A"}, {"_id": 6, "s": "d"}, {"_id": 7, "s": "e"}, {"_id": 8, "s": "f"},
         {"_id": 9, "s": "g"}, {"_id": 10, "s": "h"}, {"_id": 11, "s": "i"}, {"_id": 12, "s": "j"},
         {"_id": 13, "s": "k"}, {"_id": 14, "s": "l"}, {"_id": 15, "s": "m"}, {"_id": 16, "s": "n"},
         {"_id": 17, "s": "o"}])",
     {"5", "4", "2", "1", "3", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17"}},
    // The sort of count-skip-limit.012 ({g: 1, _id: 1}), on all five documents.
    {"ConformanceCountSkipLimit012",
     R"({"g": 1, "_id": 1})",
     R"([{"_id": "k5", "a": 1, "g": "x"}, {"_id": "k2", "a": 2, "g": "y"}, {"_id": "k3", "a": 3, "g": "x"},
         {"_id": "k4", "a": [1, 4], "g": "z"}, {"_id": "k1", "g": "x"}])",
     {"k1", "k3", "k5", "k2", "k4"}},
    // Meteor's array forms mean the same thing.
    {"ArrayFormPairs",
     R"([["c", "asc"], ["a", "desc"]])",
     R"([{"_id": "x1", "a": 1, "c": 2}, {"_id": "x2", "a": 2, "c": 2},
         {"_id": "x3", "a": 0, "c": 1}])",
     {"x3", "x2", "x1"}},
    {"ArrayFormNames",
     R"(["c", "a"])",
     R"([{"_id": "x1", "a": 1, "c": 2}, {"_id": "x2", "a": 2, "c": 2},
         {"_id": "x3", "a": 0, "c": 1}])",
     {"x3", "x1", "x2"}},
    {"ArrayFormNumericDirection",
     R"([["a", -1]])",
     R"([{"_id": "1", "a": 1}, {"_id": "3", "a": 3}, {"_id": "2", "a": 2}])",
     {"3", "2", "1"}},
    {"ArrayFormMixed",
     R"(["c", ["a", "desc"]])",
     R"([{"_id": "x1", "a": 1, "c": 2}, {"_id": "x2", "a": 2, "c": 2},
         {"_id": "x3", "a": 0, "c": 1}])",
     {"x3", "x2", "x1"}},
    // Numeric directions of any numeric type.
    {"DirectionAsDoubleAndLong",
     R"({"c": 1.0, "a": {"$numberLong": "-1"}})",
     R"([{"_id": "x1", "a": 1, "c": 2}, {"_id": "x2", "a": 2, "c": 2},
         {"_id": "x3", "a": 0, "c": 1}])",
     {"x3", "x2", "x1"}},
    // No sort: input order.
    {"EmptyObjectSpec", "{}", R"([{"_id": "b", "a": 2}, {"_id": "a", "a": 1}])", {"b", "a"}},
    {"EmptyArraySpec", "[]", R"([{"_id": "b", "a": 2}, {"_id": "a", "a": 1}])", {"b", "a"}},
    {"NullSpec", "null", R"([{"_id": "b", "a": 2}, {"_id": "a", "a": 1}])", {"b", "a"}},
    // Sorting on _id, dates and booleans.
    {"ById", R"({"_id": -1})", R"([{"_id": "a"}, {"_id": "c"}, {"_id": "b"}])", {"c", "b", "a"}},
    {"Dates",
     R"({"d": 1})",
     R"([{"_id": "late", "d": {"$date": 2000}}, {"_id": "neg", "d": {"$date": -5}},
         {"_id": "early", "d": {"$date": 1000}}])",
     {"neg", "early", "late"}},
    {"Booleans",
     R"({"b": 1})",
     R"([{"_id": "t", "b": true}, {"_id": "f", "b": false}])",
     {"f", "t"}},
};

class SortCaseTest : public ::testing::TestWithParam<SortCase> {};

TEST_P(SortCaseTest, SortsAsMongoDB) {
  const SortCase& c = GetParam();
  EXPECT_THAT(SortedIds(c.spec, c.docs), ElementsAreArray(c.expected)) << "spec " << c.spec;
}

INSTANTIATE_TEST_SUITE_P(Cases, SortCaseTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<SortCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(SortSpecTest, PathsAndDirections) {
  SortSpec spec = CompileOrDie(R"({"a": 1, "b.c": -1, "d": 1})");
  EXPECT_THAT(spec.paths(), ElementsAre("a", "b.c", "d"));
  EXPECT_EQ(spec.size(), 3u);
  EXPECT_FALSE(spec.empty());
  EXPECT_FALSE(spec.IsDescending(0));
  EXPECT_TRUE(spec.IsDescending(1));
  EXPECT_FALSE(spec.IsDescending(2));

  SortSpec pairs = CompileOrDie(R"([["x", "desc"], "y"])");
  EXPECT_THAT(pairs.paths(), ElementsAre("x", "y"));
  EXPECT_TRUE(pairs.IsDescending(0));
  EXPECT_FALSE(pairs.IsDescending(1));

  EXPECT_TRUE(CompileOrDie("{}").empty());
  EXPECT_TRUE(SortSpec().empty());
}

TEST(SortSpecTest, KeyComponents) {
  SortSpec spec = CompileOrDie(R"({"a": 1, "b": -1, "c": 1, "d": 1})");
  Value doc = Parse(R"({"a": [3, 1, 2], "b": [3, 1, 2], "c": [], "e": 1})");
  SortKey key = spec.ExtractKey(doc.view());
  ASSERT_EQ(key.size(), 4u);
  EXPECT_FALSE(key.IsEmptyArray(0));
  EXPECT_TRUE(ValuesEqual(key.value(0), Value::Int32(1).view()));
  EXPECT_TRUE(ValuesEqual(key.value(1), Value::Int32(3).view()));
  EXPECT_TRUE(key.IsEmptyArray(2));
  EXPECT_FALSE(key.IsEmptyArray(3));
  EXPECT_TRUE(key.value(3).IsNull());
}

TEST(SortSpecTest, KeysOutliveTheirDocuments) {
  SortSpec spec = CompileOrDie(R"({"name": 1})");
  SortKey small;
  SortKey large;
  {
    Value a = Parse(R"({"name": "a string much longer than the inline capacity, 1"})");
    Value b = Parse(R"({"name": "a string much longer than the inline capacity, 2"})");
    small = spec.ExtractKey(a.view());
    large = spec.ExtractKey(b.view());
  }
  EXPECT_LT(spec.CompareKeys(small, large), 0);
  EXPECT_GT(spec.CompareKeys(large, small), 0);
  EXPECT_EQ(spec.CompareKeys(small, small), 0);
  EXPECT_EQ(small.value(0).AsString(), "a string much longer than the inline capacity, 1");
  SortKey copy = small;
  EXPECT_EQ(spec.CompareKeys(copy, small), 0);
  EXPECT_TRUE(spec.key_less()(small, large));
  EXPECT_FALSE(spec.key_less()(large, small));
}

TEST(SortSpecTest, CompareIsSignNormalized) {
  SortSpec spec = CompileOrDie(R"({"a": -1})");
  Value one = Parse(R"({"a": 1})");
  Value big = Parse(R"({"a": "zzz"})");
  EXPECT_EQ(spec.Compare(one.view(), big.view()), 1);
  EXPECT_EQ(spec.Compare(big.view(), one.view()), -1);
  EXPECT_EQ(spec.Compare(one.view(), one.view()), 0);
}

TEST(SortSpecTest, EmptySpecComparesEverythingEqual) {
  SortSpec spec = CompileOrDie("[]");
  Value a = Parse(R"({"a": 1})");
  Value b = Parse(R"({"a": 2})");
  EXPECT_EQ(spec.Compare(a.view(), b.view()), 0);
  EXPECT_EQ(spec.ExtractKey(a.view()).size(), 0u);
  EXPECT_EQ(spec.CompareKeys(spec.ExtractKey(a.view()), spec.ExtractKey(b.view())), 0);
}

TEST(SortSpecTest, NonObjectDocumentsHaveNullKeys) {
  SortSpec spec = CompileOrDie(R"({"a": 1})");
  SortKey key = spec.ExtractKey(Value::Int32(5).view());
  ASSERT_EQ(key.size(), 1u);
  EXPECT_TRUE(key.value(0).IsNull());
}

struct ErrorCase {
  const char* spec;
  const char* message;
};

TEST(SortSpecTest, RejectsBadSpecs) {
  const ErrorCase kErrors[] = {
      {R"({"a": 2})", R"(sort at "a": direction must be 1 or -1)"},
      {R"({"a": 0})", R"(sort at "a": direction must be 1 or -1)"},
      {R"({"a": "x"})", R"(sort at "a": direction must be 1 or -1)"},
      {R"({"a": "asc"})", R"(sort at "a": direction must be 1 or -1)"},
      {R"({"a": true})", R"(sort at "a": direction must be 1 or -1)"},
      {R"({"a": null})", R"(sort at "a": direction must be 1 or -1)"},
      {R"({"a": 0.5})", R"(sort at "a": direction must be 1 or -1)"},
      {R"({"b": 1, "a": {"$meta": "textScore"}})", R"(sort at "a": $meta sorts are not supported)"},
      {R"({"a": {"x": 1}})", R"(sort at "a": direction must be 1 or -1)"},
      {R"({"$natural": 1})", R"(sort at "$natural": field names may not start with '$')"},
      {R"({"a.$b": 1})", R"(sort at "a.$b": field names may not start with '$')"},
      {R"({"": 1})", R"(sort at "": empty field name)"},
      {R"({"a..b": 1})", R"(sort at "a..b": field path components may not be empty)"},
      {R"({"a.": 1})", R"(sort at "a.": field path components may not be empty)"},
      {R"({".a": 1})", R"(sort at ".a": field path components may not be empty)"},
      {R"([1])", "sort at index 0: expected a field name or a [name, direction] pair, got int"},
      {R"(["a", [1, "asc"]])", "sort at index 1: field name must be a string, got int"},
      {R"([["a", "up"]])", R"(sort at "a": direction must be "asc", "desc", 1 or -1)"},
      {R"([["a", 2]])", R"(sort at "a": direction must be "asc", "desc", 1 or -1)"},
      {R"([["a", "asc", 1]])", "sort at index 0: expected a field name or a [name, direction]"},
      {R"([[]])", "sort at index 0: expected a field name or a [name, direction]"},
      {R"(["$a"])", R"(sort at "$a": field names may not start with '$')"},
      {R"("a")", "sort: specification must be an object or an array, got string"},
      {R"(1)", "sort: specification must be an object or an array, got int"},
  };
  for (const ErrorCase& e : kErrors) {
    EXPECT_THAT(SortSpec::Compile(Parse(e.spec).view()),
                StatusIs(absl::StatusCode::kInvalidArgument, e.message))
        << e.spec;
  }
}

TEST(SortSpecTest, RejectsPathsDeeperThanTheLimit) {
  std::string ok_path = "a";
  for (size_t i = 1; i < kMaxDepth; ++i) ok_path += ".a";
  Value ok = Value::Object({{ok_path, Value::Int32(1)}});
  EXPECT_THAT(SortSpec::Compile(ok.view()), IsOk());
  Value deep = Value::Object({{ok_path + ".a", Value::Int32(1)}});
  EXPECT_THAT(SortSpec::Compile(deep.view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "path has more than 100 components"));
}

TEST(SortSpecTest, DeepPathOnDeepDocument) {
  // A path as deep as the limit over a document nested as deep as the limit allows.
  std::string path = "a";
  for (size_t i = 1; i + 1 < kMaxDepth; ++i) path += ".a";
  Value doc = Value::Int32(7);
  for (size_t i = 0; i + 1 < kMaxDepth; ++i) doc = Value::Object({{"a", doc}});
  Value spec_value = Value::Object({{path, Value::Int32(1)}});
  absl::StatusOr<SortSpec> spec = SortSpec::Compile(spec_value.view());
  ASSERT_THAT(spec, IsOk());
  SortKey key = spec->ExtractKey(doc.view());
  EXPECT_TRUE(ValuesEqual(key.value(0), Value::Int32(7).view()));
}

// ---- Randomized: the walker against a plain reference that lists every key ----

// Compound sorts follow MongoDB's compound multikey keys: paths through one array pair their
// values element by element.
TEST(SortSpecCompoundTest, PathsThroughOneArrayArePaired) {
  // p1's keys are (1, 5) and (2, 0); keyed independently it would be (1, 0) and sort first.
  EXPECT_THAT(SortedIds(R"({"a.x": 1, "a.y": 1})",
                        R"([{"_id": "p1", "a": [{"x": 1, "y": 5}, {"x": 2, "y": 0}]},
                            {"_id": "p2", "a": [{"x": 1, "y": 3}]}])"),
              ElementsAre("p2", "p1"));
  // Mixed directions: the smallest key under (x asc, y desc) is (1, 0) for p1; independently
  // it would be (1, 9), ahead of p2's (1, 5).
  EXPECT_THAT(SortedIds(R"({"a.x": 1, "a.y": -1})",
                        R"([{"_id": "p1", "a": [{"x": 1, "y": 0}, {"x": 2, "y": 9}]},
                            {"_id": "p2", "a": [{"x": 1, "y": 5}]}])"),
              ElementsAre("p2", "p1"));
  // An array inside the shared one: keys (2, 5), (2, 1), (1, 0); the smallest is (1, 0).
  SortSpec spec = CompileOrDie(R"({"a.y": 1, "a.x": 1})");
  Value doc = Parse(R"({"a": [{"x": [5, 1], "y": 2}, {"x": 0, "y": 1}]})");
  absl::StatusOr<SortKey> key = spec.ExtractKeyChecked(doc.view());
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ(ToEjson(key->value(0)), "1");
  EXPECT_EQ(ToEjson(key->value(1)), "0");
  // A path crossing no array combines with anything.
  EXPECT_THAT(SortedIds(R"({"r": 1, "a.x": -1, "a.y": 1})",
                        R"([{"_id": "q1", "r": 1, "a": [{"x": 1, "y": 1}, {"x": 3, "y": 9}]},
                            {"_id": "q2", "r": 1, "a": [{"x": 3, "y": 2}]}])"),
              ElementsAre("q2", "q1"));
}

TEST(SortSpecCompoundTest, ParallelArraysCannotBeSorted) {
  SortSpec ab = CompileOrDie(R"({"a": 1, "b": 1})");
  Value parallel = Parse(R"({"a": [1], "b": [2]})");
  EXPECT_THAT(ab.ExtractKeyChecked(parallel.view()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "cannot sort with keys that are parallel arrays"));
  EXPECT_THAT(ab.CheckDocument(parallel.view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "parallel arrays"));
  // The infallible form keys each path on its own.
  SortKey key = ab.ExtractKey(parallel.view());
  EXPECT_EQ(ToEjson(key.value(0)), "1");
  EXPECT_EQ(ToEjson(key.value(1)), "2");
  // Empty arrays are arrays.
  EXPECT_THAT(ab.CheckDocument(Parse(R"({"a": [], "b": [3]})").view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "parallel arrays"));
  // One array is fine, and so is a document without the fields.
  EXPECT_THAT(ab.CheckDocument(Parse(R"({"a": [1, 2], "b": 3})").view()), IsOk());
  EXPECT_THAT(ab.CheckDocument(Parse(R"({"c": [1, 2]})").view()), IsOk());
  // Two arrays inside one element of a shared array are parallel; one is not.
  SortSpec xy = CompileOrDie(R"({"a.x": 1, "a.y": 1})");
  EXPECT_THAT(xy.CheckDocument(Parse(R"({"a": [{"x": [1, 2], "y": [3]}]})").view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "parallel arrays"));
  absl::StatusOr<SortKey> nested =
      xy.ExtractKeyChecked(Parse(R"({"a": [{"x": [2, 1], "y": 3}]})").view());
  ASSERT_THAT(nested, IsOk());
  EXPECT_EQ(ToEjson(nested->value(0)), "1");
  EXPECT_EQ(ToEjson(nested->value(1)), "3");
  // A single path never has parallel arrays, however many arrays it crosses.
  SortSpec one = CompileOrDie(R"({"a.x": 1})");
  EXPECT_THAT(one.CheckDocument(Parse(R"({"a": [{"x": [1, 2]}, {"x": [3]}]})").view()), IsOk());
}

struct RefKey {
  bool empty_array;
  Value value;
};

int RefCompare(const RefKey& a, const RefKey& b) {
  // Rank: MinKey 0, empty array 1, everything else 2 (then CompareValues).
  auto rank = [](const RefKey& k) {
    if (k.empty_array) return 1;
    return k.value.type() == Type::kMinKey ? 0 : 2;
  };
  if (rank(a) != rank(b)) return rank(a) < rank(b) ? -1 : 1;
  if (a.empty_array) return 0;
  int c = CompareValues(a.value.view(), b.value.view());
  return (c > 0) - (c < 0);
}

bool IsCanonicalIndex(const std::string& s) {
  if (s.empty() || s.size() > 9 || (s.size() > 1 && s[0] == '0')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Lists all keys MongoDB's key generator would produce for `v` after `i` components.
void RefKeys(ValueView v, const std::vector<std::string>& comps, size_t i, bool whole,
             std::vector<RefKey>* out) {
  if (i == comps.size()) {
    if (v.IsArray() && !whole) {
      if (v.empty()) out->push_back({true, Value()});
      for (ValueView e : v.elements()) out->push_back({false, e.ToValue()});
    } else {
      out->push_back({false, v.ToValue()});
    }
    return;
  }
  if (v.IsObject()) {
    std::optional<ValueView> f = v.Find(comps[i]);
    if (f) {
      RefKeys(*f, comps, i + 1, false, out);
    } else {
      out->push_back({false, Value()});
    }
  } else if (v.IsArray()) {
    if (IsCanonicalIndex(comps[i]) && std::stoul(comps[i]) < v.size()) {
      ValueView e = *v.At(std::stoul(comps[i]));
      RefKeys(e, comps, i + 1, e.IsArray(), out);
      return;
    }
    if (v.empty()) out->push_back({false, Value()});
    for (ValueView e : v.elements()) {
      if (e.IsObject()) {
        RefKeys(e, comps, i, false, out);
      } else {
        out->push_back({false, Value()});
      }
    }
  } else {
    out->push_back({false, Value()});
  }
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> comps;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    comps.push_back(path.substr(start, dot == std::string::npos ? dot : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return comps;
}

RefKey RefSortValue(ValueView doc, const std::string& path, bool descending) {
  std::vector<RefKey> keys;
  RefKeys(doc, SplitPath(path), 0, false, &keys);
  std::stable_sort(keys.begin(), keys.end(),
                   [](const RefKey& a, const RefKey& b) { return RefCompare(a, b) < 0; });
  return descending ? keys.back() : keys.front();
}

TEST(SortSpecRandomTest, MatchesReferenceKeys) {
  uint64_t seed = ::minimongo::testing::TestSeed(20240611);
  SCOPED_TRACE(::minimongo::testing::SeedTrace(seed));
  ::minimongo::testing::RandomValueOptions options;
  options.max_depth = 3;
  options.max_width = 3;
  options.small_domain = true;
  ::minimongo::testing::RandomValueGenerator gen(seed, options);
  const char* kPaths[] = {"a", "b", "a.b", "a.0", "a.1", "b.a.c", "a.0.b", "c.ab", "a.b.c"};
  std::vector<Value> docs;
  for (int i = 0; i < 400; ++i) docs.push_back(gen.NextObject());

  for (const char* path : kPaths) {
    for (bool descending : {false, true}) {
      Value spec_value = Value::Object({{path, Value::Int32(descending ? -1 : 1)}});
      absl::StatusOr<SortSpec> spec = SortSpec::Compile(spec_value.view());
      ASSERT_THAT(spec, IsOk());
      std::vector<SortKey> keys;
      std::vector<RefKey> refs;
      for (const Value& d : docs) {
        keys.push_back(spec->ExtractKey(d.view()));
        refs.push_back(RefSortValue(d.view(), path, descending));
        const SortKey& k = keys.back();
        const RefKey& r = refs.back();
        ASSERT_EQ(k.IsEmptyArray(0), r.empty_array) << path << " " << ToEjson(d.view());
        if (!r.empty_array) {
          ASSERT_TRUE(ValuesEqual(k.value(0), r.value.view()))
              << path << " " << ToEjson(d.view()) << " got " << ToEjson(k.value(0)) << " want "
              << ToEjson(r.value.view());
        }
      }
      // Pairwise order agrees with the reference, and with Compare().
      for (size_t i = 0; i + 1 < docs.size(); i += 3) {
        size_t j = (i * 7 + 1) % docs.size();
        int want = RefCompare(refs[i], refs[j]);
        if (descending) want = -want;
        ASSERT_EQ(spec->CompareKeys(keys[i], keys[j]), want) << path;
        ASSERT_EQ(spec->Compare(docs[i].view(), docs[j].view()), want) << path;
      }
    }
  }
}

// A naive model of compound keys: every key of every path with the arrays crossed on its way,
// all combinations, the consistent ones (the same element of every array two keys cross), the
// smallest under the spec. Parallel arrays per the definition in sort_spec.h.
struct RoutedKey {
  RefKey key;
  std::vector<std::pair<const unsigned char*, uint32_t>> route;
};

void RoutedKeys(ValueView v, const std::vector<std::string>& comps, size_t i, bool whole,
                std::vector<std::pair<const unsigned char*, uint32_t>>* route,
                std::vector<RoutedKey>* out) {
  auto emit = [&](RefKey k) { out->push_back({std::move(k), *route}); };
  if (i == comps.size()) {
    if (v.IsArray() && !whole) {
      uint32_t n = 0;
      if (v.empty()) {
        route->push_back({v.payload(), 0});
        emit({true, Value()});
        route->pop_back();
      }
      for (ValueView e : v.elements()) {
        route->push_back({v.payload(), n++});
        emit({false, e.ToValue()});
        route->pop_back();
      }
    } else {
      emit({false, v.ToValue()});
    }
    return;
  }
  if (v.IsObject()) {
    std::optional<ValueView> f = v.Find(comps[i]);
    if (f) {
      RoutedKeys(*f, comps, i + 1, false, route, out);
    } else {
      emit({false, Value()});
    }
  } else if (v.IsArray()) {
    if (IsCanonicalIndex(comps[i]) && std::stoul(comps[i]) < v.size()) {
      ValueView e = *v.At(std::stoul(comps[i]));
      RoutedKeys(e, comps, i + 1, e.IsArray(), route, out);
      return;
    }
    if (v.empty()) {
      route->push_back({v.payload(), 0});
      emit({false, Value()});
      route->pop_back();
    }
    uint32_t n = 0;
    for (ValueView e : v.elements()) {
      route->push_back({v.payload(), n++});
      if (e.IsObject()) {
        RoutedKeys(e, comps, i, false, route, out);
      } else {
        emit({false, Value()});
      }
      route->pop_back();
    }
  } else {
    emit({false, Value()});
  }
}

// nullopt: parallel arrays.
std::optional<std::vector<RefKey>> RefCompoundKey(
    ValueView doc, const std::vector<std::pair<std::string, bool>>& spec) {
  std::vector<std::vector<RoutedKey>> keys(spec.size());
  std::vector<std::set<const unsigned char*>> arrays(spec.size());
  for (size_t p = 0; p < spec.size(); ++p) {
    std::vector<std::pair<const unsigned char*, uint32_t>> route;
    RoutedKeys(doc, SplitPath(spec[p].first), 0, false, &route, &keys[p]);
    for (const RoutedKey& k : keys[p]) {
      for (const auto& step : k.route) arrays[p].insert(step.first);
    }
  }
  for (size_t p = 0; p < spec.size(); ++p) {
    for (size_t q = p + 1; q < spec.size(); ++q) {
      if (arrays[p].empty() || arrays[q].empty()) continue;
      bool p_in_q = std::includes(arrays[q].begin(), arrays[q].end(), arrays[p].begin(),
                                  arrays[p].end());
      bool q_in_p = std::includes(arrays[p].begin(), arrays[p].end(), arrays[q].begin(),
                                  arrays[q].end());
      if (!p_in_q && !q_in_p) return std::nullopt;
    }
  }
  auto less = [&](const std::vector<RefKey>& a, const std::vector<RefKey>& b) {
    for (size_t p = 0; p < spec.size(); ++p) {
      int c = RefCompare(a[p], b[p]);
      if (spec[p].second) c = -c;
      if (c != 0) return c < 0;
    }
    return false;
  };
  std::optional<std::vector<RefKey>> best;
  std::vector<size_t> pick(spec.size(), 0);
  while (true) {
    bool consistent = true;
    for (size_t p = 0; p < spec.size() && consistent; ++p) {
      for (size_t q = p + 1; q < spec.size() && consistent; ++q) {
        for (const auto& a : keys[p][pick[p]].route) {
          for (const auto& b : keys[q][pick[q]].route) {
            if (a.first == b.first && a.second != b.second) consistent = false;
          }
        }
      }
    }
    if (consistent) {
      std::vector<RefKey> tuple;
      for (size_t p = 0; p < spec.size(); ++p) tuple.push_back(keys[p][pick[p]].key);
      if (!best || less(tuple, *best)) best = tuple;
    }
    size_t p = 0;
    while (p < spec.size() && ++pick[p] == keys[p].size()) pick[p++] = 0;
    if (p == spec.size()) break;
  }
  return best;
}

TEST(SortSpecRandomTest, CompoundKeysMatchTheModel) {
  uint64_t seed = ::minimongo::testing::TestSeed(20261201);
  SCOPED_TRACE(::minimongo::testing::SeedTrace(seed));
  ::minimongo::testing::RandomValueOptions options;
  options.max_depth = 3;
  options.max_width = 3;
  options.small_domain = true;
  ::minimongo::testing::RandomValueGenerator gen(seed, options);
  const std::vector<std::vector<std::pair<std::string, bool>>> kSpecs = {
      {{"a.b", false}, {"a.c", false}}, {{"a.b", false}, {"a.c", true}},
      {{"a", false}, {"b", false}},     {{"a", true}, {"a.b", false}},
      {{"b.a", false}, {"b.b", true}, {"c", false}},
      {{"a.0", false}, {"a.b", false}}, {{"a.b.c", true}, {"a.b", false}},
  };
  std::vector<Value> docs;
  for (int i = 0; i < 1500; ++i) docs.push_back(gen.NextObject());
  int parallel = 0, paired = 0;
  for (const auto& spec_paths : kSpecs) {
    ValueBuilder builder;
    builder.BeginObject();
    for (const auto& [path, descending] : spec_paths) {
      builder.Key(path);
      builder.Append(Value::Int32(descending ? -1 : 1).view());
    }
    builder.EndObject();
    Value spec_value = builder.Finish();
    absl::StatusOr<SortSpec> spec = SortSpec::Compile(spec_value.view());
    ASSERT_THAT(spec, IsOk());
    for (const Value& d : docs) {
      std::optional<std::vector<RefKey>> want = RefCompoundKey(d.view(), spec_paths);
      absl::StatusOr<SortKey> got = spec->ExtractKeyChecked(d.view());
      std::string where = ToEjson(spec_value.view()) + " on " + ToEjson(d.view());
      if (!want) {
        ++parallel;
        ASSERT_THAT(got, StatusIs(absl::StatusCode::kInvalidArgument, "parallel")) << where;
        continue;
      }
      ASSERT_THAT(got, IsOk()) << where;
      for (size_t p = 0; p < spec_paths.size(); ++p) {
        ASSERT_EQ(got->IsEmptyArray(p), (*want)[p].empty_array) << where;
        if (!(*want)[p].empty_array) {
          ASSERT_TRUE(ValuesEqual(got->value(p), (*want)[p].value.view()))
              << where << " path " << p << " got " << ToEjson(got->value(p)) << " want "
              << ToEjson((*want)[p].value.view());
        }
      }
      ++paired;
    }
  }
  // The generator must exercise both outcomes.
  EXPECT_GT(parallel, 0);
  EXPECT_GT(paired, 1000);
  std::printf("compound keys: %d paired, %d parallel\n", paired, parallel);
}

TEST(SortSpecRandomTest, CompareKeysIsAStrictWeakOrder) {
  uint64_t seed = ::minimongo::testing::TestSeed(77);
  SCOPED_TRACE(::minimongo::testing::SeedTrace(seed));
  ::minimongo::testing::RandomValueOptions options;
  options.max_depth = 2;
  options.max_width = 3;
  options.small_domain = true;
  ::minimongo::testing::RandomValueGenerator gen(seed, options);
  SortSpec spec = CompileOrDie(R"({"a": 1, "b.a": -1, "c": 1})");
  std::vector<SortKey> keys;
  for (int i = 0; i < 60; ++i) keys.push_back(spec.ExtractKey(gen.NextObject().view()));
  for (const SortKey& x : keys) {
    EXPECT_EQ(spec.CompareKeys(x, x), 0);
    for (const SortKey& y : keys) {
      ASSERT_EQ(spec.CompareKeys(x, y), -spec.CompareKeys(y, x));
      for (const SortKey& z : keys) {
        if (spec.CompareKeys(x, y) <= 0 && spec.CompareKeys(y, z) <= 0) {
          ASSERT_LE(spec.CompareKeys(x, z), 0);
        }
      }
    }
  }
}

}  // namespace
}  // namespace minimongo::query
