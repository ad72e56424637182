// Equality, null/missing and dotted-path array rules, from MongoDB's documentation ("Query an
// Array", "Query on Embedded/Nested Documents", "Query an Array of Embedded Documents",
// "Query for Null or Missing Fields").

#include "query/selector.h"

#include "gtest/gtest.h"
#include "tests/query/selector_case_table.h"

namespace minimongo::query {
namespace {

using testing::ExpectMatches;

TEST(SelectorEqualityTest, ScalarEquality) {
  ExpectMatches({
      {R"({"a": 1})", R"({"a": 1})", true},
      {R"({"a": 1})", R"({"a": 1.0})", true},
      {R"({"a": 1})", R"({"a": {"$numberLong": "1"}})", true},
      {R"({"a": 1.0})", R"({"a": 1})", true},
      {R"({"a": 1})", R"({"a": 2})", false},
      {R"({"a": 1})", R"({"a": "1"})", false},
      {R"({"a": 1})", R"({"a": true})", false},
      {R"({"a": 0})", R"({"a": false})", false},
      {R"({"a": 0})", R"({"a": null})", false},
      {R"({"a": 0})", R"({"a": -0.0})", true},
      {R"({"a": 1.5})", R"({"a": 1.5})", true},
      {R"({"a": 1.5})", R"({"a": 1})", false},
      {R"({"a": 1})", R"({})", false},
      {R"({"a": 1})", R"({"b": 1})", false},
      {R"({"a": "x"})", R"({"a": "x"})", true},
      {R"({"a": "x"})", R"({"a": "X"})", false},
      {R"({"a": "x"})", R"({"a": "x "})", false},
      {R"({"a": ""})", R"({"a": ""})", true},
      {R"({"a": ""})", R"({})", false},
      {R"({"a": "a long string over ten bytes"})", R"({"a": "a long string over ten bytes"})",
       true},
      {R"({"a": "café"})", R"({"a": "café"})", true},
      {R"({"a": true})", R"({"a": true})", true},
      {R"({"a": true})", R"({"a": 1})", false},
      {R"({"a": false})", R"({"a": false})", true},
      {R"({"a": {"$date": 1000}})", R"({"a": {"$date": 1000}})", true},
      {R"({"a": {"$date": 1000}})", R"({"a": 1000})", false},
      {R"({"a": {"$binary": "AQID"}})", R"({"a": {"$binary": "AQID"}})", true},
      {R"({"a": {"$binary": "AQID"}})", R"({"a": {"$binary": "AQI="}})", false},
      {R"({"a": {"$type": "oid", "$value": "5f1a2b3c4d5e6f7a8b9c0d1e"}})",
       R"({"a": {"$type": "oid", "$value": "5f1a2b3c4d5e6f7a8b9c0d1e"}})", true},
      {R"({"a": {"$type": "oid", "$value": "5f1a2b3c4d5e6f7a8b9c0d1e"}})",
       R"({"a": "5f1a2b3c4d5e6f7a8b9c0d1e"})", false},
      {R"({"a": {"$numberLong": "9007199254740993"}})",
       R"({"a": {"$numberLong": "9007199254740993"}})", true},
      {R"({"a": {"$numberLong": "9007199254740993"}})", R"({"a": 9007199254740992.0})", false},
      {R"({"a": {"$InfNaN": 0}})", R"({"a": {"$InfNaN": 0}})", true},
      {R"({"a": {"$InfNaN": 1}})", R"({"a": {"$InfNaN": 1}})", true},
      {R"({"a": {"$InfNaN": 1}})", R"({"a": {"$InfNaN": -1}})", false},
      {R"({"a": {"$minKey": 1}})", R"({"a": {"$minKey": 1}})", true},
      {R"({"a": {"$minKey": 1}})", R"({"a": null})", false},
      {R"({"a": {"$maxKey": 1}})", R"({"a": {"$maxKey": 1}})", true},
      {R"({"a": {"$timestamp": {"t": 1, "i": 2}}})", R"({"a": {"$timestamp": {"t": 1, "i": 2}}})",
       true},
      {R"({"a": {"$timestamp": {"t": 1, "i": 2}}})", R"({"a": {"$timestamp": {"t": 1, "i": 3}}})",
       false},
  });
}

// Empty path components name fields called "" (MongoDB accepts such paths in queries).
TEST(SelectorEqualityTest, EmptyPathComponentsNameEmptyFields) {
  ExpectMatches({
      {R"({"": 1})", R"({"": 1})", true},
      {R"({"": 1})", R"({"a": 1})", false},
      {R"({"a..b": 1})", R"({"a": {"": {"b": 1}}})", true},
      {R"({"a..b": 1})", R"({"a": {"b": 1}})", false},
      {R"({"a.": 1})", R"({"a": {"": 1}})", true},
      {R"({"a.": 1})", R"({"a": 1})", false},
      {R"({".a": {"$exists": false}})", R"({"a": 1})", true},
      {R"({"$or": [{".a": 1}]})", R"({"": {"a": 1}})", true},
  });
}

TEST(SelectorEqualityTest, EqOperatorIsEquality) {
  ExpectMatches({
      {R"({"a": {"$eq": 1}})", R"({"a": 1})", true},
      {R"({"a": {"$eq": 1}})", R"({"a": [0, 1]})", true},
      {R"({"a": {"$eq": 1}})", R"({"a": 2})", false},
      {R"({"a": {"$eq": {"b": 1}}})", R"({"a": {"b": 1}})", true},
      {R"({"a": {"$eq": {"$gt": 1}}})", R"({"a": {"$gt": 1}})", true},
      {R"({"a": {"$eq": {"$gt": 1}}})", R"({"a": 5})", false},
      {R"({"a": {"$eq": [1, 2]}})", R"({"a": [1, 2]})", true},
      {R"({"a": {"$eq": [1, 2]}})", R"({"a": [[1, 2], 3]})", true},
      {R"({"a": {"$eq": null}})", R"({})", true},
      {R"({"a": {"$eq": {"$regexp": "x", "$flags": ""}}})", R"({"a": "x"})", false},
      {R"({"a": {"$eq": {"$regexp": "x", "$flags": ""}}})",
       R"({"a": {"$regexp": "x", "$flags": ""}})", true},
      {R"({"a": {"$eq": {"$regexp": "x", "$flags": ""}}})",
       R"({"a": {"$regexp": "x", "$flags": "i"}})", false},
  });
}

TEST(SelectorEqualityTest, ArrayFieldMatchesAnyElementOrWholeArray) {
  ExpectMatches({
      {R"({"a": 1})", R"({"a": [1, 2]})", true},
      {R"({"a": 2})", R"({"a": [1, 2]})", true},
      {R"({"a": 3})", R"({"a": [1, 2]})", false},
      {R"({"a": 1})", R"({"a": []})", false},
      {R"({"a": 1})", R"({"a": [[1]]})", false},
      {R"({"tags": "urgent"})", R"({"tags": ["work", "urgent"]})", true},
      {R"({"tags": "urgent"})", R"({"tags": ["work"]})", false},
      {R"({"a": [1, 2]})", R"({"a": [1, 2]})", true},
      {R"({"a": [1, 2]})", R"({"a": [2, 1]})", false},
      {R"({"a": [1, 2]})", R"({"a": [1, 2, 3]})", false},
      {R"({"a": [1, 2]})", R"({"a": [[1, 2], 3]})", true},
      {R"({"a": [1, 2]})", R"({"a": [[[1, 2]]]})", false},
      {R"({"a": [1, 2]})", R"({"a": 1})", false},
      {R"({"a": [1, 2]})", R"({"a": [1.0, 2.0]})", true},
      {R"({"a": []})", R"({"a": []})", true},
      {R"({"a": []})", R"({"a": [[]]})", true},
      {R"({"a": []})", R"({"a": [1]})", false},
      {R"({"a": []})", R"({})", false},
      {R"({"a": [[1]]})", R"({"a": [[1]]})", true},
      {R"({"a": [[1]]})", R"({"a": [[[1]], 2]})", true},
      {R"({"a": [{"b": 1}]})", R"({"a": [{"b": 1}]})", true},
      {R"({"a": [{"b": 1}]})", R"({"a": [{"b": 1, "c": 2}]})", false},
      {R"({"a": [null]})", R"({"a": [null]})", true},
      {R"({"a": [null]})", R"({"a": null})", false},
      {R"({"a": [null]})", R"({})", false},
  });
}

TEST(SelectorEqualityTest, DocumentEqualityIsExactAndOrdered) {
  ExpectMatches({
      {R"({"o": {"x": 1, "y": 2}})", R"({"o": {"x": 1, "y": 2}})", true},
      {R"({"o": {"x": 1, "y": 2}})", R"({"o": {"y": 2, "x": 1}})", false},
      {R"({"o": {"x": 1, "y": 2}})", R"({"o": {"x": 1, "y": 2, "z": 3}})", false},
      {R"({"o": {"x": 1, "y": 2}})", R"({"o": {"x": 1}})", false},
      {R"({"o": {"x": 1, "y": 2}})", R"({"o": {"x": 1.0, "y": 2}})", true},
      {R"({"o": {"x": 1, "y": 2}})", R"({"o": [{"x": 1, "y": 2}, {"x": 3}]})", true},
      {R"({"o": {"x": 1, "y": 2}})", R"({"o": [{"y": 2, "x": 1}]})", false},
      {R"({"o": {}})", R"({"o": {}})", true},
      {R"({"o": {}})", R"({"o": [{}]})", true},
      {R"({"o": {}})", R"({"o": {"a": 1}})", false},
      {R"({"o": {}})", R"({"o": []})", false},
      {R"({"o": {}})", R"({})", false},
      {R"({"o": {"a": {"b": [1, 2]}}})", R"({"o": {"a": {"b": [1, 2]}}})", true},
      {R"({"o": {"a": {"b": [1, 2]}}})", R"({"o": {"a": {"b": [1]}}})", false},
      {R"({"o": {"a": null}})", R"({"o": {}})", false},
      {R"({"o": {"a": null}})", R"({"o": {"a": null}})", true},
      {R"({"o": {"a": {"$gt": 1}}})", R"({"o": {"a": 5}})", false},
  });
}

TEST(SelectorEqualityTest, NullMatchesNullMissingAndArraysHoldingNull) {
  ExpectMatches({
      {R"({"n": null})", R"({"n": null})", true},
      {R"({"n": null})", R"({})", true},
      {R"({"n": null})", R"({"n": 0})", false},
      {R"({"n": null})", R"({"n": false})", false},
      {R"({"n": null})", R"({"n": ""})", false},
      {R"({"n": null})", R"({"n": []})", false},
      {R"({"n": null})", R"({"n": [null]})", true},
      {R"({"n": null})", R"({"n": [1, null]})", true},
      {R"({"n": null})", R"({"n": [1]})", false},
      {R"({"n": null})", R"({"n": {}})", false},
      {R"({"n": null})", R"({"n": {"m": null}})", false},
      {R"({"n.m": null})", R"({"n": {"m": null}})", true},
      {R"({"n.m": null})", R"({"n": {}})", true},
      {R"({"n.m": null})", R"({})", true},
      {R"({"n.m": null})", R"({"n": 5})", true},
      {R"({"n.m": null})", R"({"n": "str"})", true},
      {R"({"n.m": null})", R"({"n": {"m": 1}})", false},
      {R"({"n.m": null})", R"({"n": [{"m": 1}, {}]})", true},
      {R"({"n.m": null})", R"({"n": [{"m": 1}, {"m": 2}]})", false},
      {R"({"n.m": null})", R"({"n": [{"m": 1}, {"m": null}]})", true},
      {R"({"n.m": null})", R"({"n": [1, 2]})", false},
      {R"({"n.m": null})", R"({"n": []})", false},
      {R"({"n.m": null})", R"({"n": [[{"m": 1}]]})", false},
      {R"({"n.m": null})", R"({"n": [{"m": [1, null]}]})", true},
      {R"({"n.0": null})", R"({"n": [null]})", true},
      {R"({"n.0": null})", R"({"n": []})", false},
      {R"({"n.0": null})", R"({"n": [1]})", false},
      {R"({"n.0.b": null})", R"({"n": [5]})", false},
      {R"({"n.0.b": null})", R"({"n": [{"b": 1}]})", true},
      {R"({"n.0.b": null})", R"({"n": [{"c": 1}]})", true},
      {R"({"n.5": null})", R"({"n": [{"x": 1}]})", true},
      {R"({"n.5": null})", R"({"n": [1, 2]})", false},
      {R"({"n": {"$eq": null}})", R"({"n": [null]})", true},
  });
}

TEST(SelectorEqualityTest, DottedPathsIntoObjects) {
  ExpectMatches({
      {R"({"a.b": 1})", R"({"a": {"b": 1}})", true},
      {R"({"a.b": 1})", R"({"a": {"b": 2}})", false},
      {R"({"a.b": 1})", R"({"a": {"c": 1}})", false},
      {R"({"a.b": 1})", R"({"a": 1})", false},
      {R"({"a.b": 1})", R"({"a.b": 1})", false},
      {R"({"a.b.c": 5})", R"({"a": {"b": {"c": 5}}})", true},
      {R"({"a.b.c": 5})", R"({"a": {"b": {"c": [4, 5]}}})", true},
      {R"({"a.b": {"c": 5}})", R"({"a": {"b": {"c": 5}}})", true},
      {R"({"a.b": {"c": 5}})", R"({"a": {"b": {"c": 5, "d": 1}}})", false},
      {R"({"meta.x": "y"})", R"({"meta": {"x": "y", "z": 1}})", true},
      {R"({"meta.modified": {"$date": 5}})", R"({"meta": {"modified": {"$date": 5}}})", true},
  });
}

TEST(SelectorEqualityTest, ImplicitTraversalOfArraysAlongThePath) {
  ExpectMatches({
      {R"({"a.b": 1})", R"({"a": [{"b": 1}]})", true},
      {R"({"a.b": 1})", R"({"a": [{"b": 2}, {"b": 1}]})", true},
      {R"({"a.b": 1})", R"({"a": [{"b": 2}, {"c": 1}]})", false},
      {R"({"a.b": 1})", R"({"a": [{"b": [0, 1]}]})", true},
      {R"({"a.b": 1})", R"({"a": [[{"b": 1}]]})", false},
      {R"({"a.b": 1})", R"({"a": [1, {"b": 1}]})", true},
      {R"({"a.b": 7})", R"({"a": [1, 2, {"b": 7}]})", true},
      {R"({"a.b.c": 5})", R"({"a": [{"b": [{"c": 4}]}, {"b": {"c": 5}}]})", true},
      {R"({"a.b.c": 5})", R"({"a": [{"b": [{"c": 4}, {"c": 5}]}]})", true},
      {R"({"a.b.c": 5})", R"({"a": [{"b": [[{"c": 5}]]}]})", false},
      {R"({"a.b.c": 6})", R"({"a": {"b": {"c": [6, 7]}}})", true},
      {R"({"a.b": [1, 2]})", R"({"a": [{"b": [1, 2]}]})", true},
      {R"({"a.b": [1, 2]})", R"({"a": [{"b": [[1, 2]]}]})", true},
      {R"({"a.b": [1, 2]})", R"({"a": [{"b": 1}, {"b": 2}]})", false},
      {R"({"r.p": 1, "r.q": "b"})", R"({"r": [{"p": 1, "q": "a"}, {"p": 2, "q": "b"}]})", true},
      {R"({"r.p": 1, "r.q": "b"})", R"({"r": [{"p": 2, "q": "a"}]})", false},
      {R"({"shared_with.user": 42})", R"({"shared_with": [{"user": 7}, {"user": 42}]})", true},
  });
}

TEST(SelectorEqualityTest, NumericComponentsIndexArraysAndNameFields) {
  ExpectMatches({
      {R"({"a.0": 1})", R"({"a": [1, 2]})", true},
      {R"({"a.1": 1})", R"({"a": [1, 2]})", false},
      {R"({"a.1": 2})", R"({"a": [1, 2]})", true},
      {R"({"a.2": 2})", R"({"a": [1, 2]})", false},
      {R"({"a.0": 1})", R"({"a": {"0": 1}})", true},
      {R"({"a.0": 1})", R"({"a": {"1": 1}})", false},
      {R"({"a.0": 5})", R"({"a": [[5]]})", false},
      {R"({"a.0": [5]})", R"({"a": [[5]]})", true},
      {R"({"a.0.0": 5})", R"({"a": [[5]]})", true},
      {R"({"a.0.b": 1})", R"({"a": [{"b": 1}]})", true},
      {R"({"a.0.b": 1})", R"({"a": [{"b": 2}, {"b": 1}]})", false},
      {R"({"a.1.b": 1})", R"({"a": [{"b": 2}, {"b": 1}]})", true},
      {R"({"a.0.b": 1})", R"({"a": [{"0": {"b": 1}}]})", true},
      {R"({"a.0.b": 1})", R"({"a": [[{"b": 1}]]})", true},
      {R"({"a.0.b": 1})", R"({"a": [[{"b": 2}, {"b": 1}]]})", true},
      {R"({"a.0.b": 1})", R"({"a": {"0": [{"b": 1}]}})", true},
      {R"({"a.01": 1})", R"({"a": [0, 1]})", false},
      {R"({"a.01": 1})", R"({"a": {"01": 1}})", true},
      {R"({"a.b.0": [1, 2]})", R"({"a": [{"b": [[1, 2]]}]})", true},
      {R"({"a.b.0": 1})", R"({"a": [{"b": [1, 2]}, {"b": [3]}]})", true},
      {R"({"a.b.0": 3})", R"({"a": [{"b": [1, 2]}, {"b": [3]}]})", true},
      {R"({"a.b.1": 3})", R"({"a": [{"b": [1, 2]}, {"b": [3]}]})", false},
      {R"({"tags.0": "a"})", R"({"tags": ["a", "b"]})", true},
      {R"({"z.0": [1, 2]})", R"({"z": [[1, 2]]})", true},
  });
}

TEST(SelectorEqualityTest, SeveralFieldsAreAnded) {
  ExpectMatches({
      {R"({"a": 1, "b": 2})", R"({"a": 1, "b": 2})", true},
      {R"({"a": 1, "b": 2})", R"({"b": 2, "a": 1})", true},
      {R"({"a": 1, "b": 2})", R"({"a": 1, "b": 3})", false},
      {R"({"a": 1, "b": 2})", R"({"a": 1})", false},
      {R"({"a": 1, "b": null})", R"({"a": 1})", true},
  });
}

TEST(SelectorEqualityTest, EmptyAndNullSelectorsMatchEverything) {
  ExpectMatches({
      {R"({})", R"({})", true},
      {R"({})", R"({"a": 1})", true},
      {R"(null)", R"({"a": 1})", true},
      {R"({"$comment": "anything"})", R"({"a": 1})", true},
  });
}

TEST(SelectorEqualityTest, IdShorthands) {
  ExpectMatches({
      {R"("abc")", R"({"_id": "abc"})", true},
      {R"("abc")", R"({"_id": "abd"})", false},
      {R"("abc")", R"({"x": "abc"})", false},
      {R"(17)", R"({"_id": 17})", true},
      {R"(17)", R"({"_id": 17.0})", true},
      {R"(17)", R"({"_id": "17"})", false},
      {R"(0)", R"({"_id": 0})", true},
      {R"({"$type": "oid", "$value": "5f1a2b3c4d5e6f7a8b9c0d1e"})",
       R"({"_id": {"$type": "oid", "$value": "5f1a2b3c4d5e6f7a8b9c0d1e"}})", true},
      {R"({"$type": "oid", "$value": "5f1a2b3c4d5e6f7a8b9c0d1e"})",
       R"({"_id": {"$type": "oid", "$value": "5f1a2b3c4d5e6f7a8b9c0d1f"}})", false},
      {R"({"_id": "s99"})", R"({"_id": "s01", "a": 1})", false},
  });
}

TEST(SelectorEqualityTest, NonObjectDocumentsHaveNoFields) {
  ExpectMatches({
      {R"({"a": null})", R"(5)", true},
      {R"({"a": 1})", R"(5)", false},
      {R"({})", R"(5)", true},
  });
}

}  // namespace
}  // namespace minimongo::query
