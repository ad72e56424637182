// What Selector tells the store and live queries (id_values, equality_constants, paths,
// matches_everything), match details for positional updates, $pull-style value conditions,
// the nesting limit, and the object's own properties (move, share).

#include "query/selector.h"

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/ejson.h"
#include "query/limits.h"
#include "query/value_order.h"
#include "tests/query/selector_case_table.h"
#include "tests/testing/status_matchers.h"

namespace minimongo::query {
namespace {

using ::minimongo::testing::IsOk;
using ::minimongo::testing::StatusIs;
using testing::Ejson;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

Selector CompileOrDie(const std::string& text) {
  Value v = Ejson(text);
  absl::StatusOr<Selector> s = Selector::Compile(v.view());
  EXPECT_THAT(s, IsOk()) << text;
  return std::move(s).value();
}

// The EJSON texts of `values`, for readable comparisons.
std::vector<std::string> Texts(const std::vector<Value>& values) {
  std::vector<std::string> out;
  for (const Value& v : values) out.push_back(ToEjson(v.view()));
  return out;
}

std::optional<std::vector<std::string>> IdTexts(const std::string& selector) {
  Selector s = CompileOrDie(selector);
  if (!s.id_values()) return std::nullopt;
  return Texts(*s.id_values());
}

TEST(SelectorAnalysisTest, IdValues) {
  using V = std::vector<std::string>;
  EXPECT_EQ(IdTexts(R"({"_id": "a"})"), V({R"("a")"}));
  EXPECT_EQ(IdTexts(R"("a")"), V({R"("a")"}));
  EXPECT_EQ(IdTexts(R"(7)"), V({"7"}));
  EXPECT_EQ(IdTexts(R"({"_id": {"$eq": 5}})"), V({"5"}));
  EXPECT_EQ(IdTexts(R"({"_id": {"$in": ["a", "b", "a"]}})"), V({R"("a")", R"("b")"}));
  EXPECT_EQ(IdTexts(R"({"_id": {"$in": []}})"), V());
  EXPECT_EQ(IdTexts(R"({"_id": "a", "x": 1})"), V({R"("a")"}));
  EXPECT_EQ(IdTexts(R"({"$and": [{"_id": "a"}, {"y": 2}]})"), V({R"("a")"}));
  EXPECT_EQ(IdTexts(R"({"_id": {"$in": ["a", "b", "c"]}, "$and": [{"_id": {"$in": ["c", "b"]}}]})"),
            V({R"("b")", R"("c")"}));
  EXPECT_EQ(IdTexts(R"({"_id": "a", "$and": [{"_id": "b"}]})"), V());
  EXPECT_EQ(IdTexts(R"({"$or": [{"_id": "a"}, {"_id": {"$in": ["b", "a"]}}]})"),
            V({R"("a")", R"("b")"}));
  EXPECT_EQ(IdTexts(R"({"_id": {"$in": [1, 1.0]}})"), V({"1"}));
  EXPECT_EQ(IdTexts(R"({})"), std::nullopt);
  EXPECT_EQ(IdTexts(R"(null)"), std::nullopt);
  EXPECT_EQ(IdTexts(R"({"x": 1})"), std::nullopt);
  EXPECT_EQ(IdTexts(R"({"$or": [{"_id": "a"}, {"x": 1}]})"), std::nullopt);
  EXPECT_EQ(IdTexts(R"({"_id": {"$ne": "a"}})"), std::nullopt);
  EXPECT_EQ(IdTexts(R"({"_id": {"$nin": ["a"]}})"), std::nullopt);
  EXPECT_EQ(IdTexts(R"({"_id": {"$gt": "a"}})"), std::nullopt);
  EXPECT_EQ(IdTexts(R"({"_id": {"$in": ["a", {"$regexp": "b", "$flags": ""}]}})"), std::nullopt);
  EXPECT_EQ(IdTexts(R"({"_id": {"$regexp": "a", "$flags": ""}})"), std::nullopt);
  EXPECT_EQ(IdTexts(R"({"$nor": [{"_id": "a"}]})"), std::nullopt);
  EXPECT_EQ(IdTexts(R"({"_id.x": "a"})"), std::nullopt);
  EXPECT_EQ(IdTexts(R"({"a": {"$elemMatch": {"_id": "a"}}})"), std::nullopt);
}

TEST(SelectorAnalysisTest, EqualityConstants) {
  Selector s = CompileOrDie(R"({"parent": 42, "meta.x": "y"})");
  ASSERT_EQ(s.equality_constants().size(), 2u);
  EXPECT_EQ(s.equality_constants()[0].first, "parent");
  EXPECT_THAT(Texts(s.equality_constants()[0].second), ElementsAre("42"));
  EXPECT_EQ(s.equality_constants()[1].first, "meta.x");
  EXPECT_THAT(Texts(s.equality_constants()[1].second), ElementsAre(R"("y")"));

  s = CompileOrDie(R"({"owner": {"$in": [3, 14, 3]}, "$and": [{"ext": {"$eq": "pdf"}}]})");
  ASSERT_EQ(s.equality_constants().size(), 2u);
  EXPECT_EQ(s.equality_constants()[0].first, "owner");
  EXPECT_THAT(Texts(s.equality_constants()[0].second), ElementsAre("3", "14"));
  EXPECT_EQ(s.equality_constants()[1].first, "ext");

  s = CompileOrDie(R"({"tags": {"$all": ["a", "b"]}, "v": [1, 2], "o": {"k": 1}})");
  ASSERT_EQ(s.equality_constants().size(), 4u);
  EXPECT_EQ(s.equality_constants()[0].first, "tags");
  EXPECT_EQ(s.equality_constants()[1].first, "tags");
  EXPECT_THAT(Texts(s.equality_constants()[2].second), ElementsAre("[1,2]"));
  EXPECT_THAT(Texts(s.equality_constants()[3].second), ElementsAre(R"({"k":1})"));

  // Not requirements: null also matches missing; regexes; negations; $or; comparisons;
  // $elemMatch; $in with null or a regex.
  for (const char* text : {
           R"({"a": null})",
           R"({"a": {"$in": [1, null]}})",
           R"({"a": {"$in": [1, {"$regexp": "x", "$flags": ""}]}})",
           R"({"a": {"$regexp": "x", "$flags": ""}})",
           R"({"a": {"$ne": 1}})",
           R"({"a": {"$nin": [1]}})",
           R"({"a": {"$not": {"$eq": 1}}})",
           R"({"$or": [{"a": 1}, {"b": 1}]})",
           R"({"$nor": [{"a": 1}]})",
           R"({"a": {"$gte": 1, "$lte": 1}})",
           R"({"a": {"$elemMatch": {"b": 1}}})",
           R"({"a": {"$elemMatch": {"$eq": 1}}})",
           R"({})",
       }) {
    EXPECT_THAT(CompileOrDie(text).equality_constants(), IsEmpty()) << text;
  }
  // A one-clause $or is its clause.
  EXPECT_EQ(CompileOrDie(R"({"$or": [{"a": 1}]})").equality_constants().size(), 1u);
}

TEST(SelectorAnalysisTest, Paths) {
  EXPECT_THAT(CompileOrDie(R"({"a": 1, "b.c": {"$gt": 1}, "$or": [{"d": 1}, {"a": 2}]})").paths(),
              ElementsAre("a", "b.c", "d"));
  EXPECT_THAT(CompileOrDie(R"({"x": {"$not": {"$size": 1}}, "$nor": [{"y.0": 1}]})").paths(),
              ElementsAre("x", "y.0"));
  EXPECT_THAT(
      CompileOrDie(R"({"r": {"$elemMatch": {"p": 1, "q": {"$elemMatch": {"z": 1}}}}})").paths(),
      ElementsAre("r"));
  EXPECT_THAT(
      CompileOrDie(R"({"t": {"$all": [{"$elemMatch": {"a": 1}}, {"$elemMatch": {}}]}})").paths(),
      ElementsAre("t"));
  EXPECT_THAT(CompileOrDie(R"("id1")").paths(), ElementsAre("_id"));
  EXPECT_THAT(CompileOrDie(R"({})").paths(), IsEmpty());
}

TEST(SelectorAnalysisTest, MatchesEverything) {
  for (const char* text :
       {R"({})", R"(null)", R"({"$and": [{}]})", R"({"$or": [{}, {"a": 1}]})",
        R"({"$comment": "x"})", R"({"$nor": [{"a": {"$in": []}}]})", R"({"a": {"$nin": []}})"}) {
    EXPECT_TRUE(CompileOrDie(text).matches_everything()) << text;
  }
  for (const char* text : {R"({"a": 1})", R"({"a": {"$exists": true}})", R"({"$or": [{"a": 1}]})",
                           R"({"a": {"$in": []}})", R"({"$nor": [{}]})"}) {
    EXPECT_FALSE(CompileOrDie(text).matches_everything()) << text;
  }
}

std::optional<size_t> ArrayIndex(const std::string& selector, const std::string& doc) {
  Selector s = CompileOrDie(selector);
  Value d = Ejson(doc);
  MatchDetails details;
  details.array_index = 999;  // must be reset
  bool matched = s.Matches(d.view(), &details);
  if (!matched) EXPECT_FALSE(details.array_index.has_value());
  return matched ? details.array_index : std::optional<size_t>(12345);
}

TEST(SelectorMatchDetailsTest, ArrayIndexOfTheMatchingElement) {
  const std::optional<size_t> kNone;
  const std::optional<size_t> kNoMatch = 12345;
  EXPECT_EQ(ArrayIndex(R"({"a": 2})", R"({"a": [1, 2, 3]})"), 1u);
  EXPECT_EQ(ArrayIndex(R"({"a": 5})", R"({"a": 5})"), kNone);
  EXPECT_EQ(ArrayIndex(R"({"a": [1, 2]})", R"({"a": [1, 2]})"), kNone);
  EXPECT_EQ(ArrayIndex(R"({"a": [1, 2]})", R"({"a": [0, [1, 2]]})"), 1u);
  EXPECT_EQ(ArrayIndex(R"({"a": 9})", R"({"a": [1, 2, 3]})"), kNoMatch);
  EXPECT_EQ(ArrayIndex(R"({"a.b": 1})", R"({"a": [{"b": 0}, {"b": 1}]})"), 1u);
  // The outermost array wins: {a: [{b: [1, 2]}]} reports 0 for b == 2.
  EXPECT_EQ(ArrayIndex(R"({"a.b": 2})", R"({"a": [{"b": [1, 2]}]})"), 0u);
  EXPECT_EQ(ArrayIndex(R"({"a.b": 2})", R"({"a": {"b": [1, 2]}})"), 1u);
  // An explicit index is not a traversal.
  EXPECT_EQ(ArrayIndex(R"({"a.1": 2})", R"({"a": [1, 2]})"), kNone);
  EXPECT_EQ(ArrayIndex(R"({"a.1.b": 7})", R"({"a": [{"b": 0}, {"b": [6, 7]}]})"), 1u);
  EXPECT_EQ(ArrayIndex(R"({"a": {"$gt": 2}})", R"({"a": [1, 2, 3]})"), 2u);
  EXPECT_EQ(ArrayIndex(R"({"a": {"$elemMatch": {"b": 2}}})", R"({"a": [{"b": 1}, {"b": 2}]})"), 1u);
  EXPECT_EQ(ArrayIndex(R"({"a": {"$elemMatch": {"$gt": 1}}})", R"({"a": [0, 1, 5]})"), 2u);
  EXPECT_EQ(ArrayIndex(R"({"x.a": {"$elemMatch": {"b": 2}}})",
                       R"({"x": [{"a": [{"b": 1}]}, {"a": [{"b": 2}]}]})"),
            1u);
  // Several operators on one field are one walk; still, the last operator with an index wins.
  EXPECT_EQ(ArrayIndex(R"({"a": {"$gt": 0, "$lt": 10}})", R"({"a": [20, 5]})"), 1u);
  EXPECT_EQ(ArrayIndex(R"({"a": {"$lt": 10, "$gt": 0}})", R"({"a": [20, 5]})"), 0u);
  EXPECT_EQ(ArrayIndex(R"({"a": {"$gt": 0, "$lt": 10}})", R"({"a": 5})"), kNone);
  EXPECT_EQ(ArrayIndex(R"({"a": {"$gt": 0, "$lt": 10}})", R"({"a": [20, 30]})"), kNoMatch);
  // $and: the last clause that has an index wins.
  EXPECT_EQ(ArrayIndex(R"({"a": 1, "b": 3})", R"({"a": [0, 1], "b": [9, 9, 3]})"), 2u);
  EXPECT_EQ(ArrayIndex(R"({"a": 1, "c": 3})", R"({"a": [0, 1], "c": 3})"), 1u);
  // $or of several clauses, $nor, $not, $ne, $nin report none; a one-clause $or is its clause.
  EXPECT_EQ(ArrayIndex(R"({"$or": [{"a": 1}, {"z": 1}]})", R"({"a": [0, 1]})"), kNone);
  EXPECT_EQ(ArrayIndex(R"({"$or": [{"a": 1}]})", R"({"a": [0, 1]})"), 1u);
  EXPECT_EQ(ArrayIndex(R"({"a": {"$ne": 5}})", R"({"a": [0, 1]})"), kNone);
  EXPECT_EQ(ArrayIndex(R"({"a": {"$not": {"$gt": 5}}})", R"({"a": [0, 1]})"), kNone);
  EXPECT_EQ(ArrayIndex(R"({"a": {"$nin": [5]}})", R"({"a": [0, 1]})"), kNone);
  EXPECT_EQ(ArrayIndex(R"({"$nor": [{"a": 5}]})", R"({"a": [0, 1]})"), kNone);
}

TEST(SelectorMatchDetailsTest, ValueOverloadsAgreeWithViews) {
  Selector s = CompileOrDie(R"({"a.b": {"$gt": 1}})");
  for (const char* text : {R"({"a": [{"b": 0}, {"b": 2}]})", R"({"a": {"b": 1}})", R"({})"}) {
    Value doc = Ejson(text);
    MatchDetails by_view, by_value;
    EXPECT_EQ(s.Matches(doc), s.Matches(doc.view())) << text;
    EXPECT_EQ(s.Matches(doc, &by_value), s.Matches(doc.view(), &by_view)) << text;
    EXPECT_EQ(by_value.array_index, by_view.array_index) << text;
  }
  Value doc = Ejson(R"({"a": [{"b": 0}, {"b": 2}]})");
  MatchDetails details;
  ASSERT_TRUE(s.Matches(doc, &details));
  EXPECT_EQ(details.array_index, 1u);
  EXPECT_TRUE(s.Matches(doc, nullptr));
}

bool ConditionMatches(const std::string& condition, const std::string& element) {
  Value c = Ejson(condition);
  absl::StatusOr<Selector> s = Selector::CompileValueCondition(c.view());
  EXPECT_THAT(s, IsOk()) << condition;
  if (!s.ok()) return false;
  Value e = Ejson(element);
  return s->Matches(e.view());
}

TEST(SelectorValueConditionTest, OperatorConditionsMatchAsTheEmptyField) {
  EXPECT_TRUE(ConditionMatches(R"({"$gte": 6})", "6"));
  EXPECT_FALSE(ConditionMatches(R"({"$gte": 6})", "5"));
  EXPECT_FALSE(ConditionMatches(R"({"$gte": 6})", R"("7")"));
  EXPECT_TRUE(ConditionMatches(R"({"$gte": 6})", "[1, 7]"));
  EXPECT_TRUE(ConditionMatches(R"({"$in": ["a", "b"]})", R"("b")"));
  EXPECT_FALSE(ConditionMatches(R"({"$in": ["a", "b"]})", R"("c")"));
  EXPECT_TRUE(ConditionMatches(R"({"$ne": 1})", "2"));
  EXPECT_FALSE(ConditionMatches(R"({"$ne": 1})", "[1, 2]"));
  EXPECT_TRUE(ConditionMatches(R"({"$exists": true})", "null"));
  EXPECT_TRUE(ConditionMatches(R"({"$size": 2})", "[1, 2]"));
  EXPECT_TRUE(ConditionMatches(R"({"$elemMatch": {"q": 2}})", R"([{"q": 1}, {"q": 2}])"));
  EXPECT_TRUE(ConditionMatches(R"({"$type": "string"})", R"("x")"));
  EXPECT_TRUE(ConditionMatches(R"({"$regex": "^a"})", R"("ab")"));
  EXPECT_TRUE(ConditionMatches(R"({"$regexp": "^a", "$flags": ""})", R"("ab")"));
  EXPECT_FALSE(ConditionMatches(R"({"$regexp": "^a", "$flags": ""})", R"("ba")"));
  EXPECT_TRUE(ConditionMatches(R"({"$not": {"$gt": 5}})", "3"));
}

TEST(SelectorValueConditionTest, DocumentConditionsMatchObjectElements) {
  EXPECT_TRUE(ConditionMatches(R"({"score": 8, "item": "B"})",
                               R"({"item": "B", "score": 8, "comment": "x"})"));
  EXPECT_FALSE(ConditionMatches(R"({"score": 8, "item": "B"})", R"({"item": "B", "score": 9})"));
  EXPECT_TRUE(ConditionMatches(R"({"score": {"$gt": 5}})", R"({"score": 8})"));
  EXPECT_TRUE(ConditionMatches(R"({"$or": [{"a": 1}, {"b": 1}]})", R"({"b": 1})"));
  EXPECT_TRUE(ConditionMatches(R"({})", R"({"x": 1})"));
  EXPECT_FALSE(ConditionMatches(R"({})", "5"));
  EXPECT_FALSE(ConditionMatches(R"({"0": 1})", "[1]"));
  EXPECT_FALSE(ConditionMatches(R"({"a": null})", "5"));
}

TEST(SelectorValueConditionTest, OtherValuesMatchByExactEquality) {
  EXPECT_TRUE(ConditionMatches("5", "5"));
  EXPECT_TRUE(ConditionMatches("5", "5.0"));
  EXPECT_FALSE(ConditionMatches("5", "[5]"));
  EXPECT_TRUE(ConditionMatches("[1, 2]", "[1, 2]"));
  EXPECT_FALSE(ConditionMatches("[1, 2]", "[[1, 2]]"));
  EXPECT_FALSE(ConditionMatches("[1, 2]", "[2, 1]"));
  EXPECT_TRUE(ConditionMatches("null", "null"));
  EXPECT_FALSE(ConditionMatches("null", "[null]"));
  EXPECT_TRUE(ConditionMatches(R"("x")", R"("x")"));
}

TEST(SelectorValueConditionTest, Errors) {
  Value bad = Ejson(R"({"$gt": 1, "x": 2})");
  EXPECT_THAT(Selector::CompileValueCondition(bad.view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "cannot mix operators and fields"));
  bad = Ejson(R"({"$size": "x"})");
  EXPECT_THAT(Selector::CompileValueCondition(bad.view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "$size needs a number"));
  bad = Ejson(R"({"$bogus": 1})");
  EXPECT_THAT(Selector::CompileValueCondition(bad.view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown operator: $bogus"));
  bad = Ejson(R"({"$where": "1"})");
  EXPECT_THAT(Selector::CompileValueCondition(bad.view()),
              StatusIs(absl::StatusCode::kUnimplemented, "$where"));
  EXPECT_TRUE(Selector::CompileValueCondition(Value::Int32(1).view())->paths().empty());
}

// Builds {$and: [{$and: [ ... {a: 1} ... ]}]} with `levels` $and levels, without recursion.
Value NestedAnd(size_t levels) {
  ValueBuilder b;
  for (size_t i = 0; i < levels; ++i) {
    b.BeginObject();
    b.Key("$and");
    b.BeginArray();
  }
  b.BeginObject();
  b.Key("a");
  b.AppendInt32(1);
  EXPECT_TRUE(b.EndObject());
  for (size_t i = 0; i < levels; ++i) {
    b.EndArray();
    EXPECT_TRUE(b.EndObject());
  }
  return b.Finish();
}

TEST(SelectorLimitsTest, DeepNestingIsAnErrorNotAStackOverflow) {
  Value deep = NestedAnd(100000);
  EXPECT_THAT(Selector::Compile(deep.view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "nesting deeper than 100 levels"));

  Value ok = NestedAnd(kMaxExpressionDepth - 1);
  absl::StatusOr<Selector> s = Selector::Compile(ok.view());
  ASSERT_THAT(s, IsOk());
  EXPECT_TRUE(s->Matches(Ejson(R"({"a": 1})").view()));
  EXPECT_FALSE(s->Matches(Ejson(R"({"a": 2})").view()));
  EXPECT_THAT(Selector::Compile(NestedAnd(kMaxExpressionDepth).view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "nesting deeper"));
}

// {a: {op: {op: ... {$gt: 1} ...}}} with `levels` operators `op`, built without recursion.
Value NestedOperator(const char* op, size_t levels) {
  ValueBuilder b;
  b.BeginObject();
  b.Key("a");
  for (size_t i = 0; i < levels; ++i) {
    b.BeginObject();
    b.Key(op);
  }
  b.BeginObject();
  b.Key("$gt");
  b.AppendInt32(1);
  EXPECT_TRUE(b.EndObject());
  for (size_t i = 0; i < levels; ++i) EXPECT_TRUE(b.EndObject());
  EXPECT_TRUE(b.EndObject());
  return b.Finish();
}

TEST(SelectorLimitsTest, DeepNotAndElemMatchAreBounded) {
  EXPECT_THAT(Selector::Compile(NestedOperator("$not", 100000).view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "nesting deeper"));
  EXPECT_THAT(Selector::Compile(NestedOperator("$elemMatch", 100000).view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "nesting deeper"));
  absl::StatusOr<Selector> two_nots = Selector::Compile(NestedOperator("$not", 2).view());
  ASSERT_THAT(two_nots, IsOk());
  EXPECT_TRUE(two_nots->Matches(Ejson(R"({"a": 2})").view()));
  EXPECT_FALSE(two_nots->Matches(Ejson(R"({"a": 0})").view()));
  absl::StatusOr<Selector> elem = Selector::Compile(NestedOperator("$elemMatch", 50).view());
  ASSERT_THAT(elem, IsOk());
  EXPECT_FALSE(elem->Matches(Ejson(R"({"a": [[2]]})").view()));
}

TEST(SelectorLimitsTest, DeepOperandValuesAreRejected) {
  ValueBuilder b;
  b.BeginObject();
  b.Key("a");
  b.BeginObject();
  b.Key("$in");
  b.BeginArray();
  for (int i = 0; i < 200; ++i) b.BeginArray();
  for (int i = 0; i < 200; ++i) b.EndArray();
  b.EndArray();
  EXPECT_TRUE(b.EndObject());
  EXPECT_TRUE(b.EndObject());
  Value sel = b.Finish();
  EXPECT_THAT(Selector::Compile(sel.view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "value nests deeper than 100 levels"));
}

TEST(SelectorObjectTest, MovesAndSharesAcrossThreads) {
  absl::StatusOr<Selector> compiled = Selector::Compile(
      Ejson(R"({"name": {"$regex": "^a", "$options": "i"}, "n": {"$gt": 1}})").view());
  ASSERT_THAT(compiled, IsOk());
  Selector moved = std::move(compiled).value();
  Selector assigned = CompileOrDie("{}");
  assigned = std::move(moved);
  auto shared = std::make_shared<const Selector>(std::move(assigned));
  Value yes = Ejson(R"({"name": "Abc", "n": 2})");
  Value no = Ejson(R"({"name": "bc", "n": 2})");
  std::vector<std::thread> threads;
  std::vector<int> counts(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        counts[t] += shared->Matches(yes.view()) - shared->Matches(no.view());
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int c : counts) EXPECT_EQ(c, 2000);
}

}  // namespace
}  // namespace minimongo::query
