// Randomized consistency checks of the selector against itself, on random documents with
// nested arrays and objects:
//   - the one-walk evaluation of several operators on one field ({a: {op1, op2}}) agrees with
//     separate clauses ({$and: [{a: {op1}}, {a: {op2}}]}), match details included;
//   - $nor, $or and $and agree with the boolean algebra of their clauses;
//   - {a: {$not: {op}}} is the negation of {a: {op}}.
// Fixed default seed, printed on failure; --gtest_random_seed=N replays another run.

#include "query/selector.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "query/ejson.h"
#include "tests/query/selector_case_table.h"

namespace minimongo::query {
namespace {

using testing::Ejson;

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  int Below(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }

  std::string Scalar() {
    static const char* const kScalars[] = {
        "0",     "1",     "2",      "2.5", "-1", "null",           "true",
        "\"a\"", "\"b\"", "\"ab\"", "[]",  "{}", "{\"$date\": 5}", "{\"$InfNaN\": 0}"};
    return kScalars[Below(sizeof(kScalars) / sizeof(kScalars[0]))];
  }

  // A value for field "a": scalars, arrays (possibly nested) and objects with a "b" field.
  std::string Value(int depth) {
    int kind = depth > 2 ? 0 : Below(4);
    if (kind <= 1) return Scalar();
    if (kind == 2) {
      std::string s = "[";
      int n = Below(4);
      for (int i = 0; i < n; ++i) s += (i ? ", " : "") + Value(depth + 1);
      return s + "]";
    }
    return "{\"b\": " + Value(depth + 1) + "}";
  }

  std::string Document() {
    if (Below(8) == 0) return "{}";
    return "{\"a\": " + Value(0) + "}";
  }

  // An operator that tests values one by one.
  std::string Operator() {
    switch (Below(9)) {
      case 0:
        return "\"$gt\": " + Scalar();
      case 1:
        return "\"$gte\": " + Scalar();
      case 2:
        return "\"$lt\": " + Scalar();
      case 3:
        return "\"$lte\": " + Scalar();
      case 4:
        return "\"$eq\": " + Scalar();
      case 5:
        return "\"$in\": [" + Scalar() + ", " + Scalar() + "]";
      case 6:
        return std::string("\"$exists\": ") + (Below(2) ? "true" : "false");
      case 7:
        return std::string("\"$type\": \"") + (Below(2) ? "number" : "string") + "\"";
      default:
        return std::string("\"$regex\": \"") + (Below(2) ? "^a" : "b") + "\"";
    }
  }

  std::string Path() { return Below(3) == 0 ? "a.b" : (Below(4) == 0 ? "a.0" : "a"); }

 private:
  std::mt19937 rng_;
};

struct Outcome {
  bool matched;
  std::optional<size_t> index;
  bool operator==(const Outcome& o) const { return matched == o.matched && index == o.index; }
};

Outcome Evaluated(const std::string& selector, const Value& doc) {
  Value s = Ejson(selector);
  absl::StatusOr<Selector> compiled = Selector::Compile(s.view());
  EXPECT_TRUE(compiled.ok()) << selector << ": " << compiled.status();
  if (!compiled.ok()) return {false, std::nullopt};
  MatchDetails details;
  bool matched = compiled->Matches(doc.view(), &details);
  EXPECT_EQ(matched, compiled->Matches(doc.view())) << selector;
  return {matched, details.array_index};
}

TEST(SelectorRandomTest, OneWalkOfSeveralOperatorsEqualsSeparateClauses) {
  const uint32_t seed = ::testing::UnitTest::GetInstance()->random_seed();
  SCOPED_TRACE(::testing::Message() << "seed " << seed << " (--gtest_random_seed to replay)");
  Generator g(seed);
  for (int i = 0; i < 3000; ++i) {
    std::string doc_text = g.Document();
    Value doc = Ejson(doc_text);
    std::string path = g.Path();
    std::string op1 = g.Operator();
    std::string op2 = g.Operator();
    if (op1.substr(0, 6) == op2.substr(0, 6)) continue;  // the same operator twice
    std::string fused = "{\"" + path + "\": {" + op1 + ", " + op2 + "}}";
    std::string separate =
        "{\"$and\": [{\"" + path + "\": {" + op1 + "}}, {\"" + path + "\": {" + op2 + "}}]}";
    Outcome a = Evaluated(fused, doc);
    Outcome b = Evaluated(separate, doc);
    ASSERT_TRUE(a == b) << fused << " on " << doc_text << ": " << a.matched << " vs " << b.matched;
  }
}

TEST(SelectorRandomTest, LogicalOperatorsFollowBooleanAlgebra) {
  const uint32_t seed = ::testing::UnitTest::GetInstance()->random_seed();
  SCOPED_TRACE(::testing::Message() << "seed " << seed << " (--gtest_random_seed to replay)");
  Generator g(seed + 1);
  for (int i = 0; i < 2000; ++i) {
    std::string doc_text = g.Document();
    Value doc = Ejson(doc_text);
    std::string c1 = "{\"" + g.Path() + "\": {" + g.Operator() + "}}";
    std::string c2 = "{\"" + g.Path() + "\": {" + g.Operator() + "}}";
    bool m1 = Evaluated(c1, doc).matched;
    bool m2 = Evaluated(c2, doc).matched;
    SCOPED_TRACE(c1 + " / " + c2 + " on " + doc_text);
    EXPECT_EQ(Evaluated("{\"$nor\": [" + c1 + ", " + c2 + "]}", doc).matched, !m1 && !m2);
    EXPECT_EQ(Evaluated("{\"$or\": [" + c1 + ", " + c2 + "]}", doc).matched, m1 || m2);
    EXPECT_EQ(Evaluated("{\"$and\": [" + c1 + ", " + c2 + "]}", doc).matched, m1 && m2);
    std::string path = g.Path();
    std::string op = g.Operator();
    bool plain = Evaluated("{\"" + path + "\": {" + op + "}}", doc).matched;
    EXPECT_EQ(Evaluated("{\"" + path + "\": {\"$not\": {" + op + "}}}", doc).matched, !plain);
  }
}

}  // namespace
}  // namespace minimongo::query
