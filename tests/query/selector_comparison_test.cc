// Comparison operators, $ne, $in and $nin, from MongoDB's documentation ("Comparison Query
// Operators", "Comparison/Sort Order": comparisons only match values of the same BSON type,
// except MinKey/MaxKey; arrays compare element by element and as a whole).

#include "query/selector.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/query/selector_case_table.h"

namespace minimongo::query {
namespace {

using testing::ExpectMatches;

TEST(SelectorComparisonTest, NumbersCompareAcrossNumericTypes) {
  ExpectMatches({
      {R"({"a": {"$gt": 1}})", R"({"a": 2})", true},
      {R"({"a": {"$gt": 1}})", R"({"a": 1})", false},
      {R"({"a": {"$gt": 1}})", R"({"a": 1.5})", true},
      {R"({"a": {"$gt": 1}})", R"({"a": 0.5})", false},
      {R"({"a": {"$gt": 1}})", R"({"a": {"$numberLong": "2"}})", true},
      {R"({"a": {"$gte": 1}})", R"({"a": 1})", true},
      {R"({"a": {"$gte": 1}})", R"({"a": 1.0})", true},
      {R"({"a": {"$gte": 1}})", R"({"a": 0.99})", false},
      {R"({"a": {"$lt": 1}})", R"({"a": 0})", true},
      {R"({"a": {"$lt": 1}})", R"({"a": 1})", false},
      {R"({"a": {"$lt": 1}})", R"({"a": -5})", true},
      {R"({"a": {"$lte": 1}})", R"({"a": 1})", true},
      {R"({"a": {"$lte": 1}})", R"({"a": 2})", false},
      {R"({"a": {"$gt": 1.5}})", R"({"a": 2})", true},
      {R"({"a": {"$gt": 1.5}})", R"({"a": 1})", false},
      {R"({"a": {"$lt": 2.5}})", R"({"a": {"$numberLong": "2"}})", true},
      {R"({"a": {"$gt": {"$numberLong": "9007199254740992"}}})",
       R"({"a": {"$numberLong": "9007199254740993"}})", true},
      {R"({"a": {"$gt": 9007199254740992.0}})", R"({"a": {"$numberLong": "9007199254740993"}})",
       true},
      {R"({"a": {"$lt": {"$InfNaN": 1}}})", R"({"a": 1e308})", true},
      {R"({"a": {"$gt": {"$InfNaN": -1}}})", R"({"a": -1e308})", true},
      {R"({"a": {"$gte": 1000000, "$lt": 5000000}})", R"({"a": 1000000})", true},
      {R"({"a": {"$gte": 1000000, "$lt": 5000000}})", R"({"a": 4999999.5})", true},
      {R"({"a": {"$gte": 1000000, "$lt": 5000000}})", R"({"a": 5000000})", false},
      {R"({"a": {"$gte": 1000000, "$lt": 5000000}})", R"({"a": 999999})", false},
      {R"({"a": {"$gt": 1, "$gte": 5}})", R"({"a": 3})", false},
      {R"({"a": {"$gt": 1, "$gte": 5}})", R"({"a": 5})", true},
  });
}

TEST(SelectorComparisonTest, NanComparesOnlyWithLteGteAgainstNan) {
  ExpectMatches({
      {R"({"a": {"$gt": 0}})", R"({"a": {"$InfNaN": 0}})", false},
      {R"({"a": {"$lt": 0}})", R"({"a": {"$InfNaN": 0}})", false},
      {R"({"a": {"$gte": {"$InfNaN": 0}}})", R"({"a": {"$InfNaN": 0}})", true},
      {R"({"a": {"$lte": {"$InfNaN": 0}}})", R"({"a": {"$InfNaN": 0}})", true},
      {R"({"a": {"$gt": {"$InfNaN": 0}}})", R"({"a": {"$InfNaN": 0}})", false},
      {R"({"a": {"$gte": {"$InfNaN": 0}}})", R"({"a": 5})", false},
      {R"({"a": {"$lte": {"$InfNaN": 0}}})", R"({"a": -5})", false},
      {R"({"a": {"$lt": {"$InfNaN": 0}}})", R"({"a": -5})", false},
  });
}

TEST(SelectorComparisonTest, ComparisonsNeverMatchAcrossTypes) {
  ExpectMatches({
      {R"({"a": {"$gt": 1}})", R"({"a": "2"})", false},
      {R"({"a": {"$lt": 1}})", R"({"a": null})", false},
      {R"({"a": {"$lt": "b"}})", R"({"a": 1})", false},
      {R"({"a": {"$gt": "1"}})", R"({"a": "abc"})", true},
      {R"({"a": {"$gt": "1"}})", R"({"a": "ABC"})", true},
      {R"({"a": {"$gt": "1"}})", R"({"a": "1"})", false},
      {R"({"a": {"$gt": "1"}})", R"({"a": ""})", false},
      {R"({"a": {"$gt": "1"}})", R"({"a": 5})", false},
      {R"({"a": {"$gt": "B"}})", R"({"a": "a"})", true},
      {R"({"a": {"$lt": true}})", R"({"a": false})", true},
      {R"({"a": {"$lt": true}})", R"({"a": 0})", false},
      {R"({"a": {"$gte": false}})", R"({"a": true})", true},
      {R"({"a": {"$gt": {"$date": 0}}})", R"({"a": 5})", false},
      {R"({"a": {"$gt": {"$date": 0}}})", R"({"a": {"$date": 5}})", true},
      {R"({"a": {"$gt": {"$date": 0}}})", R"({"a": {"$timestamp": {"t": 5, "i": 0}}})", false},
      {R"({"a": {"$lt": {"$date": 0}}})", R"({"a": {"$date": -1}})", true},
      {R"({"a": {"$lte": {"$date": 5000}, "$gt": {"$date": 1}}})", R"({"a": {"$date": 5000}})",
       true},
      {R"({"a": {"$lte": {"$date": 5000}, "$gt": {"$date": 1}}})", R"({"a": {"$date": 1}})", false},
      {R"({"a": {"$gt": {"$binary": "AQ=="}}})", R"({"a": {"$binary": "AQID"}})", true},
      {R"({"a": {"$gt": {"$binary": "AQ=="}}})", R"({"a": "AQID"})", false},
      {R"({"a": {"$gt": {"$type": "oid", "$value": "5f0000000000000000000001"}}})",
       R"({"a": {"$type": "oid", "$value": "5f0000000000000000000002"}})", true},
      {R"({"a": {"$gt": {"$type": "oid", "$value": "5f0000000000000000000001"}}})",
       R"({"a": {"$type": "oid", "$value": "5e0000000000000000000009"}})", false},
      {R"({"a": {"$gt": {"$timestamp": {"t": 1, "i": 1}}}})",
       R"({"a": {"$timestamp": {"t": 1, "i": 2}}})", true},
  });
}

TEST(SelectorComparisonTest, ObjectsAndArraysCompareAsWholes) {
  ExpectMatches({
      {R"({"a": {"$gte": {"b": 1, "c": 0}}})", R"({"a": {"b": 1, "c": 2}})", true},
      {R"({"a": {"$gte": {"b": 1, "c": 0}}})", R"({"a": {"b": 1}})", false},
      {R"({"a": {"$gt": {"b": 1}}})", R"({"a": {"c": 0}})", true},
      {R"({"a": {"$gt": {"b": 1}}})", R"({"a": 5})", false},
      {R"({"a": {"$gt": [1]}})", R"({"a": [2]})", true},
      {R"({"a": {"$gt": [1]}})", R"({"a": [1]})", false},
      {R"({"a": {"$gt": [1]}})", R"({"a": [1, 0]})", true},
      {R"({"a": {"$gt": [1]}})", R"({"a": 5})", false},
      {R"({"a": {"$lt": [1, 2]}})", R"({"a": [[0], 9]})", true},
      {R"({"a": {"$lt": [5]}})", R"({"a": []})", true},
      {R"({"a": {"$gt": []}})", R"({"a": []})", false},
      {R"({"a": {"$gte": []}})", R"({"a": []})", true},
  });
}

TEST(SelectorComparisonTest, ArrayFieldsMatchIfAnyElementDoes) {
  ExpectMatches({
      {R"({"a": {"$gt": 3}})", R"({"a": [1, 5]})", true},
      {R"({"a": {"$gt": 5}})", R"({"a": [1, 5]})", false},
      {R"({"a": {"$gt": 3, "$lt": 5}})", R"({"a": [1, 6]})", true},
      {R"({"a": {"$gt": 3, "$lt": 5}})", R"({"a": [4]})", true},
      {R"({"a": {"$gt": 3, "$lt": 5}})", R"({"a": [2, 2]})", false},
      {R"({"a": {"$lte": 1}})", R"({"a": [-5, 5]})", true},
      {R"({"a": {"$lte": 1}})", R"({"a": [[1, 2]]})", false},
      {R"({"a.b": {"$gt": 1}})", R"({"a": [{"b": 0}, {"b": 2}]})", true},
      {R"({"a.b": {"$gt": 1}})", R"({"a": [{"b": 0}, {"b": [5]}]})", true},
  });
}

TEST(SelectorComparisonTest, NullAndMissing) {
  ExpectMatches({
      {R"({"n": {"$gte": null}})", R"({"n": null})", true},
      {R"({"n": {"$gte": null}})", R"({})", true},
      {R"({"n": {"$lte": null}})", R"({})", true},
      {R"({"n": {"$lte": null}})", R"({"n": 0})", false},
      {R"({"n": {"$gt": null}})", R"({"n": null})", false},
      {R"({"n": {"$gt": null}})", R"({})", false},
      {R"({"n": {"$gt": null}})", R"({"n": 5})", false},
      {R"({"n": {"$lt": null}})", R"({"n": {"$minKey": 1}})", false},
      {R"({"n": {"$gt": 0}})", R"({})", false},
      {R"({"n": {"$lt": 0}})", R"({})", false},
  });
}

TEST(SelectorComparisonTest, MinKeyAndMaxKeyCompareWithEveryType) {
  ExpectMatches({
      {R"({"a": {"$gt": {"$minKey": 1}}})", R"({"a": 5})", true},
      {R"({"a": {"$gt": {"$minKey": 1}}})", R"({"a": "x"})", true},
      {R"({"a": {"$gt": {"$minKey": 1}}})", R"({"a": null})", true},
      {R"({"a": {"$gt": {"$minKey": 1}}})", R"({"a": {"$minKey": 1}})", false},
      {R"({"a": {"$gte": {"$minKey": 1}}})", R"({"a": {"$minKey": 1}})", true},
      {R"({"a": {"$gt": {"$minKey": 1}}})", R"({})", true},
      {R"({"a": {"$lt": {"$minKey": 1}}})", R"({"a": 5})", false},
      {R"({"a": {"$lt": {"$maxKey": 1}}})", R"({"a": 5})", true},
      {R"({"a": {"$lt": {"$maxKey": 1}}})", R"({"a": {"$regexp": "x", "$flags": ""}})", true},
      {R"({"a": {"$lt": {"$maxKey": 1}}})", R"({"a": {"$maxKey": 1}})", false},
      {R"({"a": {"$lte": {"$maxKey": 1}}})", R"({"a": {"$maxKey": 1}})", true},
      {R"({"a": {"$lt": {"$maxKey": 1}}})", R"({})", true},
      {R"({"a": {"$gt": {"$maxKey": 1}}})", R"({"a": 5})", false},
      {R"({"a": {"$gt": 5}})", R"({"a": {"$maxKey": 1}})", false},
      {R"({"a": {"$lt": 5}})", R"({"a": {"$minKey": 1}})", false},
  });
}

TEST(SelectorComparisonTest, NeNegatesEqualityOverTheWholeExpansion) {
  ExpectMatches({
      {R"({"a": {"$ne": 1}})", R"({"a": 2})", true},
      {R"({"a": {"$ne": 1}})", R"({"a": 1})", false},
      {R"({"a": {"$ne": 1}})", R"({"a": 1.0})", false},
      {R"({"a": {"$ne": 1}})", R"({})", true},
      {R"({"a": {"$ne": 1}})", R"({"a": "1"})", true},
      {R"({"a": {"$ne": 1}})", R"({"a": [1, 2]})", false},
      {R"({"a": {"$ne": 1}})", R"({"a": [2, 3]})", true},
      {R"({"a": {"$ne": 1}})", R"({"a": [[1]]})", true},
      {R"({"a": {"$ne": null}})", R"({})", false},
      {R"({"a": {"$ne": null}})", R"({"a": null})", false},
      {R"({"a": {"$ne": null}})", R"({"a": [null]})", false},
      {R"({"a": {"$ne": null}})", R"({"a": 0})", true},
      {R"({"a": {"$ne": null}})", R"({"a": []})", true},
      {R"({"a": {"$ne": [1, 2]}})", R"({"a": [1, 2]})", false},
      {R"({"a": {"$ne": [1, 2]}})", R"({"a": [[1, 2]]})", false},
      {R"({"a": {"$ne": [1, 2]}})", R"({"a": [1]})", true},
      {R"({"a": {"$ne": [1, 2]}})", R"({"a": 1})", true},
      {R"({"a.b": {"$ne": 1}})", R"({"a": [{"b": 2}, {"b": 1}]})", false},
      {R"({"a.b": {"$ne": 1}})", R"({"a": [{"b": 2}, {"c": 1}]})", true},
      {R"({"a": {"$ne": 1, "$gt": 0}})", R"({"a": 2})", true},
      {R"({"a": {"$ne": 1, "$gt": 0}})", R"({"a": 1})", false},
  });
}

TEST(SelectorComparisonTest, InMatchesAnyValueOrArrayElement) {
  ExpectMatches({
      {R"({"a": {"$in": [1, 2]}})", R"({"a": 1})", true},
      {R"({"a": {"$in": [1, 2]}})", R"({"a": 2.0})", true},
      {R"({"a": {"$in": [1, 2]}})", R"({"a": 3})", false},
      {R"({"a": {"$in": [1, 2]}})", R"({"a": [3, 2]})", true},
      {R"({"a": {"$in": [1, 2]}})", R"({"a": [3, 4]})", false},
      {R"({"a": {"$in": [1, 2]}})", R"({})", false},
      {R"({"a": {"$in": [1, "1"]}})", R"({"a": "1"})", true},
      {R"({"a": {"$in": []}})", R"({"a": 1})", false},
      {R"({"a": {"$in": []}})", R"({})", false},
      {R"({"a": {"$in": [null]}})", R"({})", true},
      {R"({"a": {"$in": [null]}})", R"({"a": null})", true},
      {R"({"a": {"$in": [null]}})", R"({"a": [null, 1]})", true},
      {R"({"a": {"$in": [null]}})", R"({"a": 0})", false},
      {R"({"a": {"$in": [[1, 2]]}})", R"({"a": [1, 2]})", true},
      {R"({"a": {"$in": [[1, 2]]}})", R"({"a": [[1, 2], 3]})", true},
      {R"({"a": {"$in": [[1, 2]]}})", R"({"a": 1})", false},
      {R"({"a": {"$in": [{"w": 1}]}})", R"({"a": {"w": 1}})", true},
      {R"({"a": {"$in": [{"w": 1}]}})", R"({"a": [{"w": 1}]})", true},
      {R"({"a": {"$in": [{"w": 1}]}})", R"({"a": {"w": 1, "x": 2}})", false},
      {R"({"a.w": {"$in": [3]}})", R"({"a": [{"w": 1}, {"w": 3}]})", true},
      {R"({"a": {"$in": [{"$regexp": "an", "$flags": ""}, "date"]}})", R"({"a": "banana"})", true},
      {R"({"a": {"$in": [{"$regexp": "an", "$flags": ""}, "date"]}})", R"({"a": "date"})", true},
      {R"({"a": {"$in": [{"$regexp": "an", "$flags": ""}, "date"]}})", R"({"a": "dates"})", false},
      {R"({"a": {"$in": [{"$regexp": "^A", "$flags": "i"}]}})", R"({"a": ["x", "apple"]})", true},
      {R"({"a": {"$in": [{"$regexp": "an", "$flags": ""}]}})",
       R"({"a": {"$regexp": "an", "$flags": ""}})", true},
      {R"({"a": {"$in": [{"$regexp": "an", "$flags": ""}]}})", R"({"a": 5})", false},
      {R"({"a": {"$in": [{"$date": 5}, {"$binary": "AQID"}]}})", R"({"a": {"$binary": "AQID"}})",
       true},
  });
}

TEST(SelectorComparisonTest, LargeInUsesHashingWithTheSameSemantics) {
  std::string values;
  for (int i = 0; i < 40; ++i) values += std::to_string(i * 3) + ", ";
  values += R"("s", {"o": 1}, [1, 2], null)";
  std::string sel = R"({"a": {"$in": [)" + values + "]}}";
  const char* s = sel.c_str();
  ExpectMatches({
      {s, R"({"a": 9})", true},
      {s, R"({"a": 9.0})", true},
      {s, R"({"a": {"$numberLong": "117"}})", true},
      {s, R"({"a": 10})", false},
      {s, R"({"a": [10, 11, 12]})", true},
      {s, R"({"a": "s"})", true},
      {s, R"({"a": "t"})", false},
      {s, R"({"a": {"o": 1}})", true},
      {s, R"({"a": {"o": 1.0}})", true},
      {s, R"({"a": [1, 2]})", true},
      {s, R"({"a": [[1, 2]]})", true},
      {s, R"({})", true},
      {s, R"({"a": null})", true},
      {s, R"({"a": false})", false},
  });
}

TEST(SelectorComparisonTest, NinIsTheNegationOfIn) {
  ExpectMatches({
      {R"({"a": {"$nin": [1, 2]}})", R"({"a": 3})", true},
      {R"({"a": {"$nin": [1, 2]}})", R"({"a": 1})", false},
      {R"({"a": {"$nin": [1, 2]}})", R"({})", true},
      {R"({"a": {"$nin": [1, 2]}})", R"({"a": [3, 1]})", false},
      {R"({"a": {"$nin": [1, 2]}})", R"({"a": [3, 4]})", true},
      {R"({"a": {"$nin": []}})", R"({"a": 1})", true},
      {R"({"a": {"$nin": []}})", R"({})", true},
      {R"({"a": {"$nin": [null]}})", R"({})", false},
      {R"({"a": {"$nin": [null]}})", R"({"a": 1})", true},
      {R"({"a": {"$nin": [{"$regexp": "^x", "$flags": ""}]}})", R"({"a": "xy"})", false},
      {R"({"a": {"$nin": [{"$regexp": "^x", "$flags": ""}]}})", R"({"a": "yx"})", true},
      {R"({"_id": {"$nin": ["i01", "i02"]}})", R"({"_id": "i03"})", true},
      {R"({"_id": {"$nin": ["i01", "i02"]}})", R"({"_id": "i02"})", false},
  });
}

}  // namespace
}  // namespace minimongo::query
