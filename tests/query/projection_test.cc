#include "query/projection.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/ejson.h"
#include "query/limits.h"
#include "query/selector.h"
#include "query/value.h"
#include "query/value_order.h"
#include "tests/query/value_random.h"
#include "tests/testing/status_matchers.h"

namespace minimongo::query {
namespace {

using ::minimongo::testing::IsOk;
using ::minimongo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

Value Parse(std::string_view text) {
  absl::StatusOr<Value> v = ParseEjson(text);
  EXPECT_THAT(v, IsOk()) << text;
  return v.ok() ? *std::move(v) : Value();
}

Projection CompileOrDie(std::string_view fields) {
  absl::StatusOr<Projection> p = Projection::Compile(Parse(fields).view());
  EXPECT_THAT(p, IsOk()) << fields;
  return p.ok() ? *std::move(p) : Projection();
}

// Exact comparison including key order (ValuesEqual is order-sensitive for objects) with a
// readable failure message.
::testing::AssertionResult SameValue(ValueView got, ValueView want) {
  if (ValuesEqual(got, want)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got " << ToEjson(got) << "\nwant " << ToEjson(want);
}

constexpr int kNoDetails = -1;

struct ProjectionCase {
  const char* name;
  const char* fields;
  const char* doc;
  const char* expected;
  int array_index = kNoDetails;  // MatchDetails::array_index for positional cases
};

// Written from MongoDB's "Project Fields to Return from Query" tutorial and the $slice,
// $elemMatch and $ projection operator pages (4.4+ behaviour).
const ProjectionCase kCases[] = {
    // ---- Inclusion ----
    {"IncludeOneField", R"({"a": 1})", R"({"_id": 1, "a": 1, "b": 2})", R"({"_id": 1, "a": 1})"},
    {"IncludeWithTrue", R"({"a": true})", R"({"_id": 1, "a": 1, "b": 2})", R"({"_id": 1, "a": 1})"},
    {"IncludeAnyNonZeroNumber", R"({"a": -2, "b": 0.5, "c": {"$numberLong": "1"}})",
     R"({"_id": 1, "a": 1, "b": 2, "c": 3, "d": 4})", R"({"_id": 1, "a": 1, "b": 2, "c": 3})"},
    {"IncludeWithoutId", R"({"a": 1, "_id": 0})", R"({"_id": 1, "a": 1, "b": 2})", R"({"a": 1})"},
    {"IncludeOnlyId", R"({"_id": 1})", R"({"_id": 1, "a": 1, "b": 2})", R"({"_id": 1})"},
    {"IncludeMissingField", R"({"x": 1})", R"({"_id": 1, "a": 1})", R"({"_id": 1})"},
    {"IncludeKeepsDocumentOrder", R"({"c": 1, "a": 1})", R"({"_id": 1, "a": 1, "b": 2, "c": 3})",
     R"({"_id": 1, "a": 1, "c": 3})"},
    {"IncludePutsIdFirst", R"({"a": 1})", R"({"a": 1, "_id": 5, "b": 2})", R"({"_id": 5, "a": 1})"},
    {"IncludeEmbeddedField", R"({"size.uom": 1})",
     R"({"_id": 1, "item": "journal", "size": {"h": 14, "w": 21, "uom": "cm"}})",
     R"({"_id": 1, "size": {"uom": "cm"}})"},
    {"IncludeEmbeddedNestedForm", R"({"size": {"uom": 1}})",
     R"({"_id": 1, "item": "journal", "size": {"h": 14, "w": 21, "uom": "cm"}})",
     R"({"_id": 1, "size": {"uom": "cm"}})"},
    {"IncludeTwoEmbeddedFields", R"({"size.uom": 1, "size": {"h": 1}, "item": 1})",
     R"({"_id": 1, "item": "journal", "size": {"h": 14, "w": 21, "uom": "cm"}})",
     R"({"_id": 1, "item": "journal", "size": {"h": 14, "uom": "cm"}})"},
    {"IncludeThroughArrayOfDocuments", R"({"a.b": 1})", R"({"_id": 1, "a": [{"b": 1, "c": 2}, 3]})",
     R"({"_id": 1, "a": [{"b": 1}]})"},
    {"IncludeThroughArrayTutorial", R"({"item": 1, "status": 1, "instock.qty": 1})",
     R"({"_id": 1, "item": "postcard", "status": "A", "instock": [{"warehouse": "B",
         "qty": 15}, {"warehouse": "C", "qty": 35}]})",
     R"({"_id": 1, "item": "postcard", "status": "A", "instock": [{"qty": 15}, {"qty": 35}]})"},
    {"IncludeThroughNestedArrays", R"({"a.b": 1})",
     R"({"_id": 1, "a": [[{"b": 1, "c": 1}, 7], {"c": 2}]})",
     R"({"_id": 1, "a": [[{"b": 1}], {}]})"},
    {"IncludeSubfieldOfDocumentWithoutIt", R"({"a.b": 1})", R"({"_id": 1, "a": {"c": 1}})",
     R"({"_id": 1, "a": {}})"},
    {"IncludeSubfieldOfScalar", R"({"a.b": 1})", R"({"_id": 1, "a": 5})", R"({"_id": 1})"},
    {"IncludeSubfieldOfId", R"({"_id.x": 1, "a": 1})",
     R"({"_id": {"x": 1, "y": 2}, "a": 1, "b": 2})", R"({"_id": {"x": 1}, "a": 1})"},
    {"IncludeDeepPath", R"({"a.b.c": 1})", R"({"_id": 1, "a": {"b": {"c": 1, "d": 2}, "e": 3}})",
     R"({"_id": 1, "a": {"b": {"c": 1}}})"},
    {"IncludeIdWhenDocumentHasNone", R"({"a": 1})", R"({"a": 1, "b": 2})", R"({"a": 1})"},

    // ---- Exclusion ----
    {"ExcludeOneField", R"({"a": 0})", R"({"_id": 1, "a": 1, "b": 2})", R"({"_id": 1, "b": 2})"},
    {"ExcludeWithFalse", R"({"a": false})", R"({"_id": 1, "a": 1, "b": 2})",
     R"({"_id": 1, "b": 2})"},
    {"ExcludeId", R"({"_id": 0})", R"({"_id": 1, "a": 1, "b": 2})", R"({"a": 1, "b": 2})"},
    {"ExcludeIdAndField", R"({"_id": 0, "a": 0})", R"({"_id": 1, "a": 1, "b": 2})", R"({"b": 2})"},
    {"ExcludeWithExplicitIdInclusion", R"({"_id": 1, "a": 0})", R"({"_id": 1, "a": 1, "b": 2})",
     R"({"_id": 1, "b": 2})"},
    {"ExcludePutsIdFirst", R"({"a": 0})", R"({"x": 1, "_id": 2, "a": 3})", R"({"_id": 2, "x": 1})"},
    {"ExcludeNothingPresent", R"({"zz": 0})", R"({"_id": 1, "a": 1})", R"({"_id": 1, "a": 1})"},
    {"ExcludeEmbeddedField", R"({"size.uom": 0})",
     R"({"_id": 1, "item": "journal", "size": {"h": 14, "w": 21, "uom": "cm"}})",
     R"({"_id": 1, "item": "journal", "size": {"h": 14, "w": 21}})"},
    {"ExcludeThroughArraysKeepsScalars", R"({"a.b": 0})",
     R"({"_id": 1, "a": [{"b": 1, "c": 2}, 3, [{"b": 2, "c": 3}]]})",
     R"({"_id": 1, "a": [{"c": 2}, 3, [{"c": 3}]]})"},
    {"ExcludeSubfieldOfScalarKeepsIt", R"({"a.b": 0})", R"({"_id": 1, "a": 5})",
     R"({"_id": 1, "a": 5})"},
    {"ExcludeNestedForm", R"({"a": {"b": 0, "c": false}})",
     R"({"_id": 1, "a": {"b": 1, "c": 2, "d": 3}})", R"({"_id": 1, "a": {"d": 3}})"},

    // ---- $slice (inclusion-neutral) ----
    {"SliceFirst", R"({"a": {"$slice": 2}})", R"({"_id": 1, "a": [1, 2, 3, 4], "b": 1})",
     R"({"_id": 1, "a": [1, 2], "b": 1})"},
    {"SliceLast", R"({"a": {"$slice": -2}})", R"({"_id": 1, "a": [1, 2, 3, 4], "b": 1})",
     R"({"_id": 1, "a": [3, 4], "b": 1})"},
    {"SliceSkipLimit", R"({"a": {"$slice": [1, 2]}})", R"({"_id": 1, "a": [1, 2, 3, 4]})",
     R"({"_id": 1, "a": [2, 3]})"},
    {"SliceNegativeSkip", R"({"a": {"$slice": [-3, 2]}})", R"({"_id": 1, "a": [1, 2, 3, 4]})",
     R"({"_id": 1, "a": [2, 3]})"},
    {"SliceNegativeSkipBeyondStart", R"({"a": {"$slice": [-10, 2]}})",
     R"({"_id": 1, "a": [1, 2, 3, 4]})", R"({"_id": 1, "a": [1, 2]})"},
    {"SliceSkipBeyondEnd", R"({"a": {"$slice": [10, 2]}})", R"({"_id": 1, "a": [1, 2, 3, 4]})",
     R"({"_id": 1, "a": []})"},
    {"SliceLimitBeyondEnd", R"({"a": {"$slice": [2, 10]}})", R"({"_id": 1, "a": [1, 2, 3, 4]})",
     R"({"_id": 1, "a": [3, 4]})"},
    {"SliceMoreThanLength", R"({"a": {"$slice": 10}})", R"({"_id": 1, "a": [1, 2]})",
     R"({"_id": 1, "a": [1, 2]})"},
    {"SliceLastMoreThanLength", R"({"a": {"$slice": -10}})", R"({"_id": 1, "a": [1, 2]})",
     R"({"_id": 1, "a": [1, 2]})"},
    {"SliceZero", R"({"a": {"$slice": 0}})", R"({"_id": 1, "a": [1, 2]})",
     R"({"_id": 1, "a": []})"},
    {"SliceTruncatesFraction", R"({"a": {"$slice": 1.9}})", R"({"_id": 1, "a": [1, 2]})",
     R"({"_id": 1, "a": [1]})"},
    {"SliceNonArrayUnchanged", R"({"a": {"$slice": 1}})", R"({"_id": 1, "a": "xyz", "b": 2})",
     R"({"_id": 1, "a": "xyz", "b": 2})"},
    {"SliceMissingField", R"({"a": {"$slice": 1}})", R"({"_id": 1, "b": 2})",
     R"({"_id": 1, "b": 2})"},
    {"SliceWithInclusion", R"({"a": {"$slice": 2}, "b": 1})",
     R"({"_id": 1, "a": [1, 2, 3], "b": 1, "c": 1})", R"({"_id": 1, "a": [1, 2], "b": 1})"},
    {"SliceWithIdInclusion", R"({"_id": 1, "a": {"$slice": 1}})",
     R"({"_id": 1, "a": [1, 2], "b": 1})", R"({"_id": 1, "a": [1]})"},
    {"SliceWithIdExclusion", R"({"_id": 0, "a": {"$slice": 1}})",
     R"({"_id": 1, "a": [1, 2], "b": 1})", R"({"a": [1], "b": 1})"},
    {"SliceWithExclusion", R"({"a": {"$slice": 1}, "b": 0})",
     R"({"_id": 1, "a": [1, 2], "b": 1, "c": 1})", R"({"_id": 1, "a": [1], "c": 1})"},
    {"SliceEmbeddedInInclusion", R"({"qty": 1, "details.colors": {"$slice": 1}})",
     R"({"_id": 1, "qty": 5, "details": {"colors": ["blue", "red"], "sizes": ["S", "M"]}, "x": 1})",
     R"({"_id": 1, "qty": 5, "details": {"colors": ["blue"]}})"},
    {"SliceEmbeddedAlone", R"({"details.colors": {"$slice": 1}})",
     R"({"_id": 1, "details": {"colors": ["blue", "red"], "sizes": ["S", "M"]}, "x": 1})",
     R"({"_id": 1, "details": {"colors": ["blue"], "sizes": ["S", "M"]}, "x": 1})"},
    {"SliceThroughArray", R"({"a.b": {"$slice": 1}})",
     R"({"_id": 1, "a": [{"b": [1, 2], "c": 1}, 5, {"b": 3}]})",
     R"({"_id": 1, "a": [{"b": [1], "c": 1}, 5, {"b": 3}]})"},

    // ---- $elemMatch ----
    {"ElemMatchFirstMatch", R"({"students": {"$elemMatch": {"school": 102}}})",
     R"({"_id": 1, "zipcode": "63109", "students": [{"name": "john", "school": 102, "age": 10},
         {"name": "jess", "school": 102, "age": 11}, {"name": "jeff", "school": 108, "age": 15}]})",
     R"({"_id": 1, "students": [{"name": "john", "school": 102, "age": 10}]})"},
    {"ElemMatchSeveralConditions",
     R"({"students": {"$elemMatch": {"school": 102, "age": {"$gt": 10}}}})",
     R"({"_id": 1, "zipcode": "63109", "students": [{"name": "john", "school": 102, "age": 10},
         {"name": "jess", "school": 102, "age": 11}, {"name": "jeff", "school": 108, "age": 15}]})",
     R"({"_id": 1, "students": [{"name": "jess", "school": 102, "age": 11}]})"},
    {"ElemMatchNoMatchLeavesFieldOut", R"({"students": {"$elemMatch": {"school": 999}}})",
     R"({"_id": 1, "zipcode": "63109", "students": [{"name": "john", "school": 102}]})",
     R"({"_id": 1})"},
    {"ElemMatchNonArrayLeftOut", R"({"a": {"$elemMatch": {"x": 1}}})",
     R"({"_id": 1, "a": {"x": 1}})", R"({"_id": 1})"},
    {"ElemMatchComesAfterInclusions",
     R"({"games": {"$elemMatch": {"score": {"$gt": 5}}}, "joined": 1, "lastLogin": 1})",
     R"({"_id": 1, "name": "player1", "games": [{"game": "abc", "score": 8},
         {"game": "xyz", "score": 5}],
         "joined": {"$date": 1577836800000}, "lastLogin": {"$date": 1588291200000}})",
     R"({"_id": 1, "joined": {"$date": 1577836800000}, "lastLogin": {"$date": 1588291200000},
         "games": [{"game": "abc", "score": 8}]})"},
    {"ElemMatchScalarElements", R"({"a": {"$elemMatch": {"$gt": 2}}})",
     R"({"_id": 1, "a": [1, 3, 5]})", R"({"_id": 1, "a": [3]})"},
    {"ElemMatchWithoutId", R"({"_id": 0, "a": {"$elemMatch": {"x": 1}}})",
     R"({"_id": 1, "a": [{"x": 2}, {"x": 1}], "b": 1})", R"({"a": [{"x": 1}]})"},
    {"ElemMatchInExclusionStaysInPlace", R"({"b": 0, "a": {"$elemMatch": {"x": 1}}})",
     R"({"_id": 1, "a": [{"x": 2}, {"x": 1, "y": 1}], "b": 1, "c": 1})",
     R"({"_id": 1, "a": [{"x": 1, "y": 1}], "c": 1})"},

    // ---- Positional $ ----
    {"PositionalMatchedElement", R"({"grades.$": 1})",
     R"({"_id": 1, "semester": 1, "grades": [70, 87, 90]})", R"({"_id": 1, "grades": [87]})", 1},
    {"PositionalWithOtherInclusion", R"({"semester": 1, "grades.$": 1})",
     R"({"_id": 1, "semester": 1, "grades": [70, 87, 90]})",
     R"({"_id": 1, "semester": 1, "grades": [70]})", 0},
    {"PositionalWithoutDetailsLeavesArrayOut", R"({"grades.$": 1})",
     R"({"_id": 1, "semester": 1, "grades": [70, 87, 90]})", R"({"_id": 1})"},
    {"PositionalIndexOutOfRange", R"({"grades.$": 1})", R"({"_id": 1, "grades": [70]})",
     R"({"_id": 1})", 5},
    {"PositionalOnEmbeddedArray", R"({"a.b.$": 1})", R"({"_id": 1, "a": {"b": [1, 2, 3], "c": 1}})",
     R"({"_id": 1, "a": {"b": [3]}})", 2},
    {"PositionalFirstArrayOnPath", R"({"a.b.$": 1})",
     R"({"_id": 1, "a": [{"b": 1, "c": 1}, {"b": 2, "c": 2}]})", R"({"_id": 1, "a": [{"b": 2}]})",
     1},
    {"PositionalWithoutArrayOnPath", R"({"a.$": 1})", R"({"_id": 1, "a": 5, "b": 1})",
     R"({"_id": 1, "a": 5})", 0},
    {"PositionalArrayOfDocuments", R"({"grades.$": 1})",
     R"({"_id": 7, "grades": [{"grade": 80, "mean": 75}, {"grade": 85, "mean": 90}]})",
     R"({"_id": 7, "grades": [{"grade": 85, "mean": 90}]})", 1},
    {"PositionalInSubProjection", R"({"a": {"b.$": 1}})", R"({"_id": 1, "a": {"b": [4, 5]}})",
     R"({"_id": 1, "a": {"b": [5]}})", 1},

    // ---- Identity ----
    {"EmptyProjection", "{}", R"({"b": 1, "_id": 1})", R"({"b": 1, "_id": 1})"},
    {"NullProjection", "null", R"({"b": 1, "_id": 1})", R"({"b": 1, "_id": 1})"},
};

class ProjectionCaseTest : public ::testing::TestWithParam<ProjectionCase> {};

TEST_P(ProjectionCaseTest, ProjectsAsMongoDB) {
  const ProjectionCase& c = GetParam();
  Projection p = CompileOrDie(c.fields);
  Value doc = Parse(c.doc);
  Value want = Parse(c.expected);
  MatchDetails details;
  const MatchDetails* d = nullptr;
  if (c.array_index != kNoDetails) {
    details.array_index = static_cast<size_t>(c.array_index);
    d = &details;
  }
  Value got = p.Apply(doc.view(), d);
  EXPECT_TRUE(SameValue(got.view(), want.view())) << "projection " << c.fields;

  // ApplyToField agrees with Apply, field by field.
  for (const Field& f : doc.view().fields()) {
    std::optional<Value> field = p.ApplyToField(f.key, f.value, d);
    std::optional<ValueView> in_apply = got.view().Find(f.key);
    ASSERT_EQ(field.has_value(), in_apply.has_value()) << "field " << f.key;
    if (field) {
      EXPECT_TRUE(SameValue(field->view(), *in_apply)) << "field " << f.key;
    }
    if (in_apply) {
      EXPECT_TRUE(p.MayOutputField(f.key)) << "field " << f.key;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ProjectionCaseTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<ProjectionCase>& info) {
                           return std::string(info.param.name);
                         });

// The "projection" cases of /work/shared/conformance/sample.jsonl, with their expected output.
TEST(ProjectionTest, ConformanceSample) {
  const char* kDocs[] = {
      R"({"_id": 1, "a": 1, "b": {"c": 2, "d": 3}, "e": [{"f": 1, "g": 2},
          {"f": 3, "g": 4}], "h": [1, 2, 3, 4, 5]})",
      R"({"_id": 2, "a": 2, "b": {"c": 5}, "e": [], "h": []})",
      R"({"_id": 3, "b": 7, "e": {"f": 9}, "i": [[{"f": 1}]]})",
  };
  struct Case {
    const char* id;
    const char* fields;
    const char* expected[3];
  };
  const Case kSample[] = {
      {"projection.004",
       R"({"a": 0})",
       {R"({"_id": 1, "b": {"c": 2, "d": 3}, "e": [{"f": 1, "g": 2},
            {"f": 3, "g": 4}], "h": [1, 2, 3, 4, 5]})",
        R"({"_id": 2, "b": {"c": 5}, "e": [], "h": []})",
        R"({"_id": 3, "b": 7, "e": {"f": 9}, "i": [[{"f": 1}]]})"}},
      {"projection.010",
       R"({"e.f": 0})",
       {R"({"_id": 1, "a": 1, "b": {"c": 2, "d": 3}, "e": [{"g": 2},
            {"g": 4}], "h": [1, 2, 3, 4, 5]})",
        R"({"_id": 2, "a": 2, "b": {"c": 5}, "e": [], "h": []})",
        R"({"_id": 3, "b": 7, "e": {}, "i": [[{"f": 1}]]})"}},
      {"projection.024",
       R"({"a": false})",
       {R"({"_id": 1, "b": {"c": 2, "d": 3}, "e": [{"f": 1, "g": 2},
            {"f": 3, "g": 4}], "h": [1, 2, 3, 4, 5]})",
        R"({"_id": 2, "b": {"c": 5}, "e": [], "h": []})",
        R"({"_id": 3, "b": 7, "e": {"f": 9}, "i": [[{"f": 1}]]})"}},
      {"projection.033",
       R"({"a": 1, "_id": 1})",
       {R"({"_id": 1, "a": 1})", R"({"_id": 2, "a": 2})", R"({"_id": 3})"}},
      {"projection.040",
       R"({"a": 0, "b.d": 0, "e.g": 0})",
       {R"({"_id": 1, "b": {"c": 2}, "e": [{"f": 1}, {"f": 3}], "h": [1, 2, 3, 4, 5]})",
        R"({"_id": 2, "b": {"c": 5}, "e": [], "h": []})",
        R"({"_id": 3, "b": 7, "e": {"f": 9}, "i": [[{"f": 1}]]})"}},
  };
  for (const Case& c : kSample) {
    Projection p = CompileOrDie(c.fields);
    for (int i = 0; i < 3; ++i) {
      Value got = p.Apply(Parse(kDocs[i]).view());
      EXPECT_TRUE(SameValue(got.view(), Parse(c.expected[i]).view())) << c.id << " doc " << i;
    }
  }
}

TEST(ProjectionTest, Accessors) {
  Projection inclusion = CompileOrDie(R"({"a": 1, "b.c": 1, "d": {"e": 1, "f": 1}, "g.$": 1})");
  EXPECT_TRUE(inclusion.is_inclusion());
  EXPECT_FALSE(inclusion.is_identity());
  EXPECT_TRUE(inclusion.needs_match_details());
  EXPECT_THAT(inclusion.paths(), ElementsAre("a", "b.c", "d.e", "d.f", "g"));

  Projection exclusion = CompileOrDie(R"({"a": 0, "_id": 0, "s": {"$slice": 1}})");
  EXPECT_FALSE(exclusion.is_inclusion());
  EXPECT_FALSE(exclusion.is_identity());
  EXPECT_FALSE(exclusion.needs_match_details());
  EXPECT_THAT(exclusion.paths(), ElementsAre("a", "_id", "s"));

  Projection elem_match = CompileOrDie(R"({"a": {"$elemMatch": {"x": 1}}})");
  EXPECT_TRUE(elem_match.is_inclusion());
  EXPECT_THAT(elem_match.paths(), ElementsAre("a"));

  EXPECT_TRUE(CompileOrDie("{}").is_identity());
  EXPECT_FALSE(CompileOrDie("{}").is_inclusion());
  EXPECT_THAT(CompileOrDie("{}").paths(), IsEmpty());
  EXPECT_TRUE(Projection().is_identity());
  EXPECT_FALSE(CompileOrDie(R"({"_id": 0})").is_identity());
  EXPECT_TRUE(CompileOrDie(R"({"_id": 1})").is_inclusion());
  EXPECT_FALSE(CompileOrDie(R"({"_id": 1, "a": 0})").is_inclusion());
  EXPECT_FALSE(CompileOrDie(R"({"a": {"$slice": 1}})").is_inclusion());
  EXPECT_TRUE(CompileOrDie(R"({"_id": 1, "a": {"$slice": 1}})").is_inclusion());
}

TEST(ProjectionTest, MayOutputField) {
  Projection inclusion = CompileOrDie(R"({"a": 1, "b.c": 1, "e": {"$elemMatch": {"x": 1}}})");
  EXPECT_TRUE(inclusion.MayOutputField("_id"));
  EXPECT_TRUE(inclusion.MayOutputField("a"));
  EXPECT_TRUE(inclusion.MayOutputField("b"));
  EXPECT_TRUE(inclusion.MayOutputField("e"));
  EXPECT_FALSE(inclusion.MayOutputField("c"));
  EXPECT_FALSE(inclusion.MayOutputField("b.c"));

  Projection no_id = CompileOrDie(R"({"a": 1, "_id": 0})");
  EXPECT_FALSE(no_id.MayOutputField("_id"));

  Projection exclusion = CompileOrDie(R"({"a": 0, "b.c": 0})");
  EXPECT_TRUE(exclusion.MayOutputField("_id"));
  EXPECT_FALSE(exclusion.MayOutputField("a"));
  EXPECT_TRUE(exclusion.MayOutputField("b"));
  EXPECT_TRUE(exclusion.MayOutputField("z"));

  EXPECT_TRUE(Projection().MayOutputField("anything"));
}

TEST(ProjectionTest, ApplyToFieldProjectsOneField) {
  Projection p = CompileOrDie(R"({"a.b": 1, "c": 1})");
  std::optional<Value> a = p.ApplyToField("a", Parse(R"([{"b": 1, "x": 2}, 7])").view());
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(SameValue(a->view(), Parse(R"([{"b": 1}])").view()));
  EXPECT_FALSE(p.ApplyToField("a", Value::Int32(3).view()).has_value());
  EXPECT_FALSE(p.ApplyToField("z", Value::Int32(3).view()).has_value());
  std::optional<Value> c = p.ApplyToField("c", Value::String("x").view());
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(SameValue(c->view(), Value::String("x").view()));

  Projection identity;
  std::optional<Value> any = identity.ApplyToField("q", Value::Int32(1).view());
  ASSERT_TRUE(any.has_value());
  EXPECT_TRUE(SameValue(any->view(), Value::Int32(1).view()));
}

TEST(ProjectionTest, NonObjectValuesAreReturnedUnchanged) {
  Projection p = CompileOrDie(R"({"a": 1})");
  EXPECT_TRUE(SameValue(p.Apply(Value::Int32(4).view()).view(), Value::Int32(4).view()));
}

TEST(ProjectionTest, CopiesShareTheCompiledForm) {
  Projection p = CompileOrDie(R"({"a": {"$elemMatch": {"x": {"$gt": 1}}}})");
  Projection copy = p;
  Projection moved = std::move(p);
  Value doc = Parse(R"({"_id": 1, "a": [{"x": 1}, {"x": 2}]})");
  EXPECT_TRUE(
      SameValue(copy.Apply(doc.view()).view(), Parse(R"({"_id": 1, "a": [{"x": 2}]})").view()));
  EXPECT_TRUE(
      SameValue(moved.Apply(doc.view()).view(), Parse(R"({"_id": 1, "a": [{"x": 2}]})").view()));
}

TEST(ProjectionTest, ResultOutlivesTheDocument) {
  Projection p = CompileOrDie(R"({"name": 1})");
  Value out;
  {
    Value doc =
        Parse(R"({"_id": "a long identifier string", "name": "a long name string", "x": 1})");
    out = p.Apply(doc.view());
  }
  EXPECT_TRUE(SameValue(
      out.view(),
      Parse(R"({"_id": "a long identifier string", "name": "a long name string"})").view()));
}

struct ErrorCase {
  const char* fields;
  absl::StatusCode code;
  const char* message;
};

TEST(ProjectionTest, RejectsBadProjections) {
  const absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
  const ErrorCase kErrors[] = {
      {R"({"a": 1, "b": 0})", kInvalid,
       R"(projection at "b": cannot do exclusion on field b in inclusion projection)"},
      {R"({"a": 0, "b": 1})", kInvalid,
       R"(projection at "b": cannot do inclusion on field b in exclusion projection)"},
      {R"({"_id": 0, "a": 1, "b": 0})", kInvalid,
       "cannot do exclusion on field b in inclusion projection"},
      {R"({"a": 0, "b.c": true})", kInvalid,
       "cannot do inclusion on field b.c in exclusion projection"},
      {R"({"a": 0, "b": {"$elemMatch": {"x": 1}}, "c": 1})", kInvalid,
       "cannot do inclusion on field c in exclusion projection"},
      {R"({"a": 1, "a.b": 1})", kInvalid,
       R"(projection at "a.b": path collision at a.b remaining portion b)"},
      {R"({"a.b": 1, "a": 1})", kInvalid, R"(projection at "a": path collision at a)"},
      {R"({"a.b": 1, "a.b.c": 1})", kInvalid, "path collision at a.b.c remaining portion b.c"},
      {R"({"a.b.c": 1, "a.b": 1})", kInvalid, "path collision at a.b"},
      {R"({"a": {"b": 1}, "a.b": 1})", kInvalid, "path collision at a.b"},
      {R"({"a": {"$slice": 1}, "a.b": 1})", kInvalid, "path collision at a.b"},
      {R"({"a": {"$foo": 1}})", kInvalid, R"(projection at "a": unknown expression $foo)"},
      {R"({"a": {"$meta": "textScore"}})", absl::StatusCode::kUnimplemented,
       R"(projection at "a": $meta is not supported)"},
      {R"({"a": {"$slice": "x"}})", kInvalid,
       "$slice only supports numbers and [skip, limit] arrays"},
      {R"({"a": {"$slice": [1]}})", kInvalid,
       "$slice array argument should be of form [skip, limit]"},
      {R"({"a": {"$slice": [1, 2, 3]}})", kInvalid,
       "$slice array argument should be of form [skip, limit]"},
      {R"({"a": {"$slice": [1, 0]}})", kInvalid, "$slice limit must be positive, got 0"},
      {R"({"a": {"$slice": [1, -1]}})", kInvalid, "$slice limit must be positive, got -1"},
      {R"({"a": {"$slice": ["x", 1]}})", kInvalid,
       "$slice expects the skip argument to be a number, got string"},
      {R"({"a": {"$slice": [1, null]}})", kInvalid,
       "$slice expects the limit argument to be a number, got null"},
      {R"({"a": {"$slice": 1, "b": 1}})", kInvalid,
       R"(projection at "a.$slice": field names may not start with '$')"},
      {R"({"a.b": {"$elemMatch": {"x": 1}}})", kInvalid,
       R"(projection at "a.b": cannot use $elemMatch projection on a nested field)"},
      {R"({"a": {"b": {"$elemMatch": {"x": 1}}}})", kInvalid,
       "cannot use $elemMatch projection on a nested field"},
      {R"({"a": {"$elemMatch": 1}})", kInvalid,
       "elemMatch: invalid argument, object required, but got int"},
      {R"({"a.$": 1, "b.$": 1})", kInvalid,
       R"(projection at "b.$": cannot specify more than one positional projection per query)"},
      {R"({"a.$": 1, "b": {"$elemMatch": {"x": 1}}})", kInvalid,
       "cannot specify positional operator and $elemMatch"},
      {R"({"b": {"$elemMatch": {"x": 1}}, "a.$": 1})", kInvalid,
       "cannot specify positional operator and $elemMatch"},
      {R"({"a.$": 0})", kInvalid, "positional projection cannot be used in an exclusion"},
      {R"({"a.$": {"$slice": 1}})", kInvalid,
       "positional projection cannot be used with an expression or sub object"},
      {R"({"a.$": "x"})", kInvalid, "positional projection cannot be used with a literal"},
      {R"({"a": "x"})", kInvalid,
       R"(projection at "a": projection values must be 1, 0, true, false)"},
      {R"({"a": null})", kInvalid, "projection values must be 1, 0, true, false"},
      {R"({"a": [1]})", kInvalid, "projection values must be 1, 0, true, false"},
      {R"({"a": {}})", kInvalid,
       R"(projection at "a": an empty sub-projection is not a valid value)"},
      {R"({"a": {"b": {}}})", kInvalid, R"(projection at "a.b": an empty sub-projection)"},
      {R"({"": 1})", kInvalid, R"(projection at "": empty field name)"},
      {R"({"a..b": 1})", kInvalid,
       R"(projection at "a..b": field path components may not be empty)"},
      {R"({"a.": 1})", kInvalid, "field path components may not be empty"},
      {R"({"$a": 1})", kInvalid, R"(projection at "$a": field names may not start with '$')"},
      {R"({"a.$b": 1})", kInvalid, "field names may not start with '$'"},
      {R"({"a.$.b": 1})", kInvalid, "the positional operator '.$' must end the path"},
      {R"({"$": 1})", kInvalid, "the positional operator needs a field path before it"},
      {R"("a")", kInvalid, "projection must be an object, got string"},
      {R"([])", kInvalid, "projection must be an object, got array"},
  };
  for (const ErrorCase& e : kErrors) {
    EXPECT_THAT(Projection::Compile(Parse(e.fields).view()), StatusIs(e.code, e.message))
        << e.fields;
  }
}

TEST(ProjectionTest, ElemMatchSelectorErrorsNameTheField) {
  absl::StatusOr<Projection> p =
      Projection::Compile(Parse(R"({"a": {"$elemMatch": {"x": {"$nosuchop": 1}}}})").view());
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()),
              ::testing::StartsWith(R"(projection at "a": $elemMatch: )"));
}

TEST(ProjectionTest, DepthLimits) {
  // Paths: kMaxDepth components are fine, one more is rejected.
  std::string path = "a";
  for (size_t i = 1; i < kMaxDepth; ++i) path += ".a";
  EXPECT_THAT(Projection::Compile(Value::Object({{path, Value::Int32(1)}}).view()), IsOk());
  EXPECT_THAT(Projection::Compile(Value::Object({{path + ".a", Value::Int32(1)}}).view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "path has more than 100 components"));

  // Sub-projections: nesting beyond kMaxExpressionDepth is rejected, not recursed into.
  auto nested = [](size_t levels) {
    Value v = Value::Int32(1);
    for (size_t i = 0; i < levels; ++i) v = Value::Object({{"a", v}});
    return v;
  };
  EXPECT_THAT(Projection::Compile(nested(kMaxExpressionDepth - 1).view()), IsOk());
  EXPECT_THAT(Projection::Compile(nested(kMaxExpressionDepth + 5).view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "nested deeper than"));

  // A deep document through a deep inclusion path.
  Value doc = Value::Int32(9);
  for (size_t i = 0; i + 1 < kMaxDepth; ++i) doc = Value::Object({{"a", doc}});
  std::string deep = "a";
  for (size_t i = 1; i + 1 < kMaxDepth; ++i) deep += ".a";
  absl::StatusOr<Projection> p =
      Projection::Compile(Value::Object({{deep, Value::Int32(1)}}).view());
  ASSERT_THAT(p, IsOk());
  EXPECT_TRUE(SameValue(p->Apply(doc.view()).view(), doc.view()));
}

TEST(ProjectionTest, DeeplyNestedArraysAreBounded) {
  Value v = Value::Object({{"b", Value::Int32(1)}, {"c", Value::Int32(2)}});
  for (size_t i = 0; i + 2 < kMaxDepth; ++i) v = Value::Array({v});
  Value doc = Value::Object({{"a", v}});
  Projection p = CompileOrDie(R"({"a.b": 1, "_id": 0})");
  Value out = p.Apply(doc.view());
  // Walk down to the innermost object and check it was projected.
  ValueView cur = *out.view().Find("a");
  while (cur.IsArray()) {
    ASSERT_EQ(cur.size(), 1u);
    cur = *cur.At(0);
  }
  EXPECT_TRUE(SameValue(cur, Parse(R"({"b": 1})").view()));
}

// ---- Randomized: ApplyToField against Apply; idempotence of plain projections ----

TEST(ProjectionRandomTest, FieldByFieldAgreesWithWholeDocument) {
  uint64_t seed = ::minimongo::testing::TestSeed(4242);
  SCOPED_TRACE(::minimongo::testing::SeedTrace(seed));
  ::minimongo::testing::RandomValueOptions options;
  options.max_depth = 3;
  options.max_width = 4;
  options.small_domain = true;
  ::minimongo::testing::RandomValueGenerator gen(seed, options);
  const char* kProjections[] = {
      R"({"a": 1})",
      R"({"a.b": 1, "c": 1})",
      R"({"a": 0})",
      R"({"a.b": 0, "b.c": 0})",
      R"({"_id": 0, "ab.a": 1})",
      R"({"a": {"$slice": 2}})",
      R"({"a": {"$slice": [-1, 1]}, "b": 1})",
      R"({"a.c": {"$slice": -1}})",
      R"({"b": {"$elemMatch": {"a": {"$exists": true}}}})",
      R"({"c": 0, "b": {"$elemMatch": {"$gte": 1}}})",
      R"({"a.b.$": 1, "c": 1})",
  };
  const char* kIdempotent[] = {R"({"a": 1})", R"({"a.b": 1, "c": 1})", R"({"a": 0})",
                               R"({"a.b": 0, "b.c": 0})", R"({"_id": 0, "ab.a": 1})"};
  for (const char* text : kProjections) {
    Projection p = CompileOrDie(text);
    bool idempotent = std::find_if(std::begin(kIdempotent), std::end(kIdempotent),
                                   [&](const char* t) { return std::string_view(t) == text; }) !=
                      std::end(kIdempotent);
    for (int i = 0; i < 300; ++i) {
      Value doc = gen.NextObject();
      MatchDetails details;
      details.array_index = static_cast<size_t>(i % 3);
      Value whole = p.Apply(doc.view(), &details);
      for (const Field& f : doc.view().fields()) {
        std::optional<Value> one = p.ApplyToField(f.key, f.value, &details);
        std::optional<ValueView> in_whole = whole.view().Find(f.key);
        ASSERT_EQ(one.has_value(), in_whole.has_value())
            << text << " on " << ToEjson(doc.view()) << " field " << f.key;
        if (one) {
          ASSERT_TRUE(SameValue(one->view(), *in_whole)) << text << " " << f.key;
        }
        if (in_whole) {
          ASSERT_TRUE(p.MayOutputField(f.key)) << text << " " << f.key;
        }
      }
      // Nothing appears that the document did not have.
      for (const Field& f : whole.view().fields()) {
        ASSERT_TRUE(doc.view().Find(f.key).has_value()) << text << " " << f.key;
      }
      if (idempotent) {
        ASSERT_TRUE(SameValue(p.Apply(whole.view()).view(), whole.view()))
            << text << " on " << ToEjson(doc.view());
      }
    }
  }
}

}  // namespace
}  // namespace minimongo::query
