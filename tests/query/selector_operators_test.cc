// Element, array, bitwise and logical operators, from MongoDB's documentation of $exists,
// $type, $mod, $size, $all, $elemMatch, $bitsAllSet/$bitsAnySet/$bitsAllClear/$bitsAnyClear,
// $not, $and, $or and $nor.

#include "query/selector.h"

#include "gtest/gtest.h"
#include "tests/query/selector_case_table.h"

namespace minimongo::query {
namespace {

using testing::ExpectMatches;

TEST(SelectorOperatorsTest, Exists) {
  ExpectMatches({
      {R"({"e": {"$exists": true}})", R"({"e": 1})", true},
      {R"({"e": {"$exists": true}})", R"({"e": null})", true},
      {R"({"e": {"$exists": true}})", R"({"e": []})", true},
      {R"({"e": {"$exists": true}})", R"({})", false},
      {R"({"e": {"$exists": false}})", R"({})", true},
      {R"({"e": {"$exists": false}})", R"({"e": null})", false},
      {R"({"e": {"$exists": false}})", R"({"e": []})", false},
      {R"({"e": {"$exists": 1}})", R"({"e": 0})", true},
      {R"({"e": {"$exists": 0}})", R"({"e": 0})", false},
      {R"({"e": {"$exists": 0}})", R"({})", true},
      {R"({"e": {"$exists": null}})", R"({})", true},
      {R"({"e": {"$exists": null}})", R"({"e": 1})", false},
      {R"({"e": {"$exists": "yes"}})", R"({"e": 1})", true},
      // Issue 5: BSON truth, not JavaScript's: every string is true, even "" (Meteor: false).
      {R"({"e": {"$exists": ""}})", R"({"e": 1})", true},
      {R"({"e": {"$exists": ""}})", R"({})", false},
      {R"({"e.f": {"$exists": true}})", R"({"e": {"f": null}})", true},
      {R"({"e.f": {"$exists": true}})", R"({"e": {"g": 1}})", false},
      {R"({"e.f": {"$exists": true}})", R"({"e": [{"g": 1}, {"f": 2}]})", true},
      {R"({"e.f": {"$exists": false}})", R"({"e": [{"g": 1}, {"f": 2}]})", false},
      {R"({"e.f": {"$exists": false}})", R"({"e": [{"g": 1}]})", true},
      {R"({"e.f": {"$exists": false}})", R"({"e": 5})", true},
      {R"({"e.0": {"$exists": true}})", R"({"e": [1]})", true},
      {R"({"e.0": {"$exists": true}})", R"({"e": []})", false},
      {R"({"e.0": {"$exists": true}})", R"({"e": {"0": 1}})", true},
      {R"({"e.0": {"$exists": true}})", R"({"e": [[]]})", true},
      {R"({"e.0": {"$exists": true}})", R"({"e": 5})", false},
      {R"({"e.1": {"$exists": false}})", R"({"e": [1]})", true},
      {R"({"starred": {"$exists": false}})", R"({"name": "x", "starred": true})", false},
      {R"({"starred": {"$exists": false}})", R"({"name": "x"})", true},
  });
}

TEST(SelectorOperatorsTest, TypeByNameAndNumber) {
  ExpectMatches({
      {R"({"t": {"$type": "double"}})", R"({"t": 1.5})", true},
      {R"({"t": {"$type": "double"}})", R"({"t": 1})", false},
      {R"({"t": {"$type": 1}})", R"({"t": 2.5})", true},
      {R"({"t": {"$type": "int"}})", R"({"t": 1})", true},
      {R"({"t": {"$type": "int"}})", R"({"t": 1.0})", false},
      {R"({"t": {"$type": 16}})", R"({"t": 7})", true},
      {R"({"t": {"$type": "long"}})", R"({"t": {"$numberLong": "7"}})", true},
      {R"({"t": {"$type": "long"}})", R"({"t": 7})", false},
      {R"({"t": {"$type": 18}})", R"({"t": 5000000000})", true},
      {R"({"t": {"$type": "number"}})", R"({"t": 1})", true},
      {R"({"t": {"$type": "number"}})", R"({"t": 1.5})", true},
      {R"({"t": {"$type": "number"}})", R"({"t": {"$numberLong": "1"}})", true},
      {R"({"t": {"$type": "number"}})", R"({"t": "1"})", false},
      {R"({"t": {"$type": "string"}})", R"({"t": "x"})", true},
      {R"({"t": {"$type": 2}})", R"({"t": "x"})", true},
      {R"({"t": {"$type": 2.0}})", R"({"t": "x"})", true},
      {R"({"t": {"$type": "object"}})", R"({"t": {}})", true},
      {R"({"t": {"$type": "object"}})", R"({"t": [{}]})", true},
      {R"({"t": {"$type": "array"}})", R"({"t": []})", true},
      {R"({"t": {"$type": "array"}})", R"({"t": [5]})", true},
      {R"({"t": {"$type": "array"}})", R"({"t": [[5]]})", true},
      {R"({"t": {"$type": "array"}})", R"({"t": 5})", false},
      {R"({"t": {"$type": 4}})", R"({"t": [1, 2]})", true},
      {R"({"t": {"$type": "double"}})", R"({"t": [1, 2.5]})", true},
      {R"({"t": {"$type": "binData"}})", R"({"t": {"$binary": "AQID"}})", true},
      {R"({"t": {"$type": "objectId"}})",
       R"({"t": {"$type": "oid", "$value": "5f1a2b3c4d5e6f7a8b9c0d1e"}})", true},
      {R"({"t": {"$type": "bool"}})", R"({"t": false})", true},
      {R"({"t": {"$type": "date"}})", R"({"t": {"$date": 0}})", true},
      {R"({"t": {"$type": "date"}})", R"({"t": 0})", false},
      {R"({"t": {"$type": "null"}})", R"({"t": null})", true},
      {R"({"t": {"$type": "null"}})", R"({})", false},
      {R"({"t": {"$type": 10}})", R"({"t": [null]})", true},
      {R"({"t": {"$type": "regex"}})", R"({"t": {"$regexp": "a", "$flags": ""}})", true},
      {R"({"t": {"$type": "timestamp"}})", R"({"t": {"$timestamp": {"t": 1, "i": 1}}})", true},
      {R"({"t": {"$type": "minKey"}})", R"({"t": {"$minKey": 1}})", true},
      {R"({"t": {"$type": -1}})", R"({"t": {"$minKey": 1}})", true},
      {R"({"t": {"$type": "maxKey"}})", R"({"t": {"$maxKey": 1}})", true},
      {R"({"t": {"$type": 127}})", R"({"t": {"$maxKey": 1}})", true},
      {R"({"t": {"$type": "undefined"}})", R"({"t": null})", false},
      {R"({"t": {"$type": "decimal"}})", R"({"t": 1.5})", false},
      {R"({"t": {"$type": ["string", "bool"]}})", R"({"t": true})", true},
      {R"({"t": {"$type": ["string", "bool"]}})", R"({"t": "s"})", true},
      {R"({"t": {"$type": ["string", 8]}})", R"({"t": 1})", false},
      {R"({"t.u": {"$type": "string"}})", R"({"t": [{"u": 1}, {"u": "x"}]})", true},
  });
}

TEST(SelectorOperatorsTest, ModTruncatesNumbers) {
  ExpectMatches({
      {R"({"m": {"$mod": [3, 0]}})", R"({"m": 9})", true},
      {R"({"m": {"$mod": [3, 0]}})", R"({"m": 0})", true},
      {R"({"m": {"$mod": [3, 0]}})", R"({"m": 10})", false},
      {R"({"m": {"$mod": [3, 1]}})", R"({"m": 10})", true},
      {R"({"m": {"$mod": [3, 0]}})", R"({"m": 9.5})", true},
      {R"({"m": {"$mod": [3, 0]}})", R"({"m": -9})", true},
      {R"({"m": {"$mod": [3, -1]}})", R"({"m": -10})", true},
      {R"({"m": {"$mod": [3, 2]}})", R"({"m": -10})", false},
      {R"({"m": {"$mod": [-3, 1]}})", R"({"m": 10})", true},
      {R"({"m": {"$mod": [2.9, 1]}})", R"({"m": 5})", true},
      {R"({"m": {"$mod": [4, 1.9]}})", R"({"m": 5})", true},
      {R"({"m": {"$mod": [3, 0]}})", R"({"m": {"$numberLong": "9000000000"}})", true},
      {R"({"m": {"$mod": [3, 0]}})", R"({"m": "9"})", false},
      {R"({"m": {"$mod": [3, 0]}})", R"({})", false},
      {R"({"m": {"$mod": [3, 0]}})", R"({"m": null})", false},
      {R"({"m": {"$mod": [3, 0]}})", R"({"m": {"$InfNaN": 0}})", false},
      {R"({"m": {"$mod": [3, 0]}})", R"({"m": {"$InfNaN": 1}})", false},
      {R"({"m": {"$mod": [3, 0]}})", R"({"m": [1, 6]})", true},
      {R"({"m": {"$mod": [-1, 0]}})", R"({"m": {"$numberLong": "-9223372036854775808"}})", true},
  });
}

TEST(SelectorOperatorsTest, SizeAppliesToTheArrayItself) {
  ExpectMatches({
      {R"({"z": {"$size": 1}})", R"({"z": [1]})", true},
      {R"({"z": {"$size": 1}})", R"({"z": [[1, 2]]})", true},
      {R"({"z": {"$size": 2}})", R"({"z": [[1, 2]]})", false},
      {R"({"z": {"$size": 0}})", R"({"z": []})", true},
      {R"({"z": {"$size": 0}})", R"({})", false},
      {R"({"z": {"$size": 0}})", R"({"z": null})", false},
      {R"({"z": {"$size": 1}})", R"({"z": 5})", false},
      {R"({"z": {"$size": 1}})", R"({"z": "a"})", false},
      {R"({"z": {"$size": 1}})", R"({"z": {"a": 1}})", false},
      {R"({"z": {"$size": 2.0}})", R"({"z": [1, 2]})", true},
      {R"({"z": {"$size": {"$numberLong": "2"}}})", R"({"z": [1, 2]})", true},
      {R"({"z.0": {"$size": 2}})", R"({"z": [[1, 2]]})", true},
      {R"({"z.0": {"$size": 2}})", R"({"z": [1, 2]})", false},
      {R"({"z.b": {"$size": 2}})", R"({"z": [{"b": [1, 2]}, {"b": [1]}]})", true},
      {R"({"z.b": {"$size": 3}})", R"({"z": [{"b": [1, 2]}, {"b": [1]}]})", false},
      {R"({"z": {"$size": 1, "$all": [5]}})", R"({"z": [5]})", true},
  });
}

TEST(SelectorOperatorsTest, AllRequiresEveryValue) {
  ExpectMatches({
      {R"({"t": {"$all": [1, 2]}})", R"({"t": [1, 2, 3]})", true},
      {R"({"t": {"$all": [1, 2]}})", R"({"t": [3, 2, 1]})", true},
      {R"({"t": {"$all": [1, 2]}})", R"({"t": [1, 3]})", false},
      {R"({"t": {"$all": [1]}})", R"({"t": 1})", true},
      {R"({"t": {"$all": [1, 1]}})", R"({"t": [1]})", true},
      {R"({"t": {"$all": [1]}})", R"({})", false},
      {R"({"t": {"$all": []}})", R"({"t": []})", false},
      {R"({"t": {"$all": []}})", R"({"t": [1]})", false},
      {R"({"t": {"$all": [[1, 2]]}})", R"({"t": [1, 2]})", true},
      {R"({"t": {"$all": [[1, 2]]}})", R"({"t": [[1, 2], 3]})", true},
      {R"({"t": {"$all": [[1, 2]]}})", R"({"t": [1]})", false},
      {R"({"t": {"$all": [{"$regexp": "^a", "$flags": ""}, "b"]}})", R"({"t": ["ax", "b"]})", true},
      {R"({"t": {"$all": [{"$regexp": "^a", "$flags": ""}, "b"]}})", R"({"t": ["x", "b"]})", false},
      {R"({"t": {"$all": [{"k": 1}]}})", R"({"t": [{"k": 1}, {"k": 2}]})", true},
      {R"({"t": {"$all": [null]}})", R"({})", true},
      {R"({"g.x": {"$all": [1, 2]}})", R"({"g": [{"x": 1}, {"x": 2}]})", true},
      {R"({"g.x": {"$all": [1, 2]}})", R"({"g": [{"x": [1, 2]}]})", true},
      {R"({"g.x": {"$all": [1, 2]}})", R"({"g": [{"x": 1}, {"y": 2}]})", false},
  });
}

TEST(SelectorOperatorsTest, AllOfElemMatchClauses) {
  ExpectMatches({
      {R"({"q": {"$all": [{"$elemMatch": {"size": "M", "n": {"$gt": 50}}},
                          {"$elemMatch": {"n": {"$lt": 10}}}]}})",
       R"({"q": [{"size": "M", "n": 60}, {"size": "S", "n": 5}]})", true},
      {R"({"q": {"$all": [{"$elemMatch": {"size": "M", "n": {"$gt": 50}}},
                          {"$elemMatch": {"n": {"$lt": 10}}}]}})",
       R"({"q": [{"size": "M", "n": 60}, {"size": "S", "n": 20}]})", false},
      {R"({"q": {"$all": [{"$elemMatch": {"$gt": 5}}]}})", R"({"q": [1, 7]})", true},
  });
}

TEST(SelectorOperatorsTest, ElemMatchDocumentForm) {
  ExpectMatches({
      {R"({"r": {"$elemMatch": {"p": 1, "q": "b"}}})",
       R"({"r": [{"p": 1, "q": "a"}, {"p": 2, "q": "b"}]})", false},
      {R"({"r": {"$elemMatch": {"p": 1, "q": "b"}}})",
       R"({"r": [{"p": 2, "q": "a"}, {"p": 1, "q": "b"}]})", true},
      {R"({"r": {"$elemMatch": {"p": 1}}})", R"({"r": [{"p": 1, "q": "a"}]})", true},
      {R"({"r": {"$elemMatch": {"p": 1}}})", R"({"r": {"p": 1}})", false},
      {R"({"r": {"$elemMatch": {"p": 1}}})", R"({"r": [1, 2]})", false},
      {R"({"r": {"$elemMatch": {"p": 1}}})", R"({})", false},
      {R"({"r": {"$elemMatch": {"p": {"$gte": 8, "$lt": 9}}}})", R"({"r": [{"p": 7}, {"p": 8.5}]})",
       true},
      {R"({"r": {"$elemMatch": {"p": {"$gte": 8, "$lt": 9}}}})", R"({"r": [{"p": 7}, {"p": 10}]})",
       false},
      {R"({"r": {"$elemMatch": {"p": 1, "$and": [{"q": "a"}]}}})", R"({"r": [{"p": 1, "q": "a"}]})",
       true},
      {R"({"r": {"$elemMatch": {"p": 1, "$and": [{"q": "a"}]}}})", R"({"r": [{"p": 1, "q": "b"}]})",
       false},
      {R"({"r": {"$elemMatch": {"$or": [{"p": 1}, {"q": "z"}]}}})", R"({"r": [{"q": "z"}]})", true},
      {R"({"r": {"$elemMatch": {"$or": [{"p": 1}, {"q": "z"}]}}})", R"({"r": [{"q": "y"}]})",
       false},
      {R"({"r": {"$elemMatch": {}}})", R"({"r": [1, {}]})", true},
      {R"({"r": {"$elemMatch": {}}})", R"({"r": [1, 2]})", false},
      {R"({"r": {"$elemMatch": {}}})", R"({"r": [[1]]})", true},
      {R"({"r": {"$elemMatch": {"p": null}}})", R"({"r": [{"q": 1}]})", true},
      {R"({"r": {"$elemMatch": {"p.x": 1}}})", R"({"r": [{"p": [{"x": 1}]}]})", true},
      {R"({"r": {"$elemMatch": {"0": 5}}})", R"({"r": [[5, 6]]})", true},
      {R"({"r": {"$elemMatch": {"1": 5}}})", R"({"r": [[5, 6]]})", false},
      {R"({"r": {"$elemMatch": {"0": 5}}})", R"({"r": [{"0": 5}]})", true},
      {R"({"r": {"$elemMatch": {"b": null}}})", R"({"r": [[1]]})", true},
      {R"({"r.s": {"$elemMatch": {"p": 1}}})", R"({"r": [{"s": [{"p": 0}]}, {"s": [{"p": 1}]}]})",
       true},
      {R"({"r": {"$elemMatch": {"s": {"$elemMatch": {"p": 1}}}}})",
       R"({"r": [{"s": [{"p": 0}]}, {"s": [{"p": 1}]}]})", true},
      {R"({"shared_with": {"$elemMatch": {"user": 42, "role": "editor"}}})",
       R"({"shared_with": [{"user": 42, "role": "viewer"}, {"user": 7, "role": "editor"}]})",
       false},
      {R"({"shared_with": {"$elemMatch": {"user": 42, "role": "editor"}}})",
       R"({"shared_with": [{"user": 7, "role": "viewer"}, {"user": 42, "role": "editor"}]})", true},
  });
}

TEST(SelectorOperatorsTest, ElemMatchValueForm) {
  ExpectMatches({
      {R"({"a": {"$elemMatch": {"$gte": 80, "$lt": 85}}})", R"({"a": [82, 90]})", true},
      {R"({"a": {"$elemMatch": {"$gte": 80, "$lt": 85}}})", R"({"a": [75, 90]})", false},
      {R"({"a": {"$gte": 80, "$lt": 85}})", R"({"a": [75, 90]})", true},
      {R"({"a": {"$elemMatch": {"$gt": 5}}})", R"({"a": [8]})", true},
      {R"({"a": {"$elemMatch": {"$gt": 5}}})", R"({"a": [[8]]})", false},
      {R"({"a": {"$elemMatch": {"$gt": 5}}})", R"({"a": 8})", false},
      {R"({"a": {"$elemMatch": {"$eq": [8]}}})", R"({"a": [[8]]})", true},
      {R"({"a": {"$elemMatch": {"$ne": 1}}})", R"({"a": [1, 1]})", false},
      {R"({"a": {"$elemMatch": {"$ne": 1}}})", R"({"a": [1, 2]})", true},
      {R"({"a": {"$elemMatch": {"$in": [3, 4]}}})", R"({"a": [1, 4]})", true},
      {R"({"a": {"$elemMatch": {"$nin": [1]}}})", R"({"a": [1]})", false},
      {R"({"a": {"$elemMatch": {"$exists": true}}})", R"({"a": [1]})", true},
      {R"({"a": {"$elemMatch": {"$exists": true}}})", R"({"a": []})", false},
      {R"({"a": {"$elemMatch": {"$type": "string"}}})", R"({"a": [1, "x"]})", true},
      {R"({"a": {"$elemMatch": {"$type": "array"}}})", R"({"a": [1, [2]]})", true},
      {R"({"a": {"$elemMatch": {"$type": "array"}}})", R"({"a": [1, 2]})", false},
      {R"({"a": {"$elemMatch": {"$size": 2}}})", R"({"a": [[1], [1, 2]]})", true},
      {R"({"a": {"$elemMatch": {"$not": {"$gt": 5}}}})", R"({"a": [9, 3]})", true},
      {R"({"a": {"$elemMatch": {"$not": {"$gt": 5}}}})", R"({"a": [9, 7]})", false},
      {R"({"a": {"$elemMatch": {"$regex": "^x"}}})", R"({"a": ["ax", "xa"]})", true},
      {R"({"a": {"$elemMatch": {"$elemMatch": {"$gt": 1}}}})", R"({"a": [[0], [0, 2]]})", true},
      {R"({"a": {"$elemMatch": {"$elemMatch": {"$gt": 1}}}})", R"({"a": [[0], 5]})", false},
      {R"({"a": {"$elemMatch": {"$all": [1]}}})", R"({"a": [1]})", true},
      {R"({"a": {"$elemMatch": {"$all": [1]}}})", R"({"a": [[1, 2]]})", false},
      {R"({"a": {"$elemMatch": {"$mod": [2, 0]}}})", R"({"a": [1, 4]})", true},
      {R"({"a": {"$elemMatch": {"$eq": null}}})", R"({"a": [1, null]})", true},
      {R"({"a": {"$elemMatch": {"$eq": null}}})", R"({"a": [1]})", false},
  });
}

TEST(SelectorOperatorsTest, BitwiseOperators) {
  ExpectMatches({
      // 54 = 0b110110, 20 = 0b10100.
      {R"({"b": {"$bitsAllSet": 20}})", R"({"b": 54})", true},
      {R"({"b": {"$bitsAllSet": 21}})", R"({"b": 54})", false},
      {R"({"b": {"$bitsAllSet": [1, 5]}})", R"({"b": 54})", true},
      {R"({"b": {"$bitsAllSet": [0, 5]}})", R"({"b": 54})", false},
      {R"({"b": {"$bitsAllSet": [1, 5]}})", R"({"b": 54.0})", true},
      {R"({"b": {"$bitsAllSet": [1, 5]}})", R"({"b": 54.5})", false},
      {R"({"b": {"$bitsAllSet": [1, 5]}})", R"({"b": {"$numberLong": "54"}})", true},
      {R"({"b": {"$bitsAllSet": [1, 5]}})", R"({"b": "54"})", false},
      {R"({"b": {"$bitsAllSet": []}})", R"({"b": 0})", true},
      {R"({"b": {"$bitsAllSet": [100]}})", R"({"b": -1})", true},
      {R"({"b": {"$bitsAllSet": [100]}})", R"({"b": 1})", false},
      {R"({"b": {"$bitsAllSet": [63]}})", R"({"b": -5})", true},
      {R"({"b": {"$bitsAnySet": [0, 1]}})", R"({"b": 54})", true},
      {R"({"b": {"$bitsAnySet": [0, 3]}})", R"({"b": 54})", false},
      {R"({"b": {"$bitsAnySet": []}})", R"({"b": 54})", false},
      {R"({"b": {"$bitsAnySet": 9}})", R"({"b": 54})", false},
      {R"({"b": {"$bitsAnySet": 10}})", R"({"b": 54})", true},
      {R"({"b": {"$bitsAllClear": [0, 3]}})", R"({"b": 54})", true},
      {R"({"b": {"$bitsAllClear": [0, 1]}})", R"({"b": 54})", false},
      {R"({"b": {"$bitsAllClear": 9}})", R"({"b": 54})", true},
      {R"({"b": {"$bitsAnyClear": [1, 2]}})", R"({"b": 54})", false},
      {R"({"b": {"$bitsAnyClear": [0, 1]}})", R"({"b": 54})", true},
      {R"({"b": {"$bitsAnyClear": [200]}})", R"({"b": -1})", false},
      {R"({"b": {"$bitsAnyClear": [200]}})", R"({"b": 5})", true},
      // BinData: bit p is bit p % 8 of byte p / 8; bytes beyond the data are zero.
      // "NgE=" is 0x36 0x01 (0x36 = 54).
      {R"({"b": {"$bitsAllSet": [1, 2, 4, 5, 8]}})", R"({"b": {"$binary": "NgE="}})", true},
      {R"({"b": {"$bitsAllSet": [1, 2, 4, 5, 9]}})", R"({"b": {"$binary": "NgE="}})", false},
      {R"({"b": {"$bitsAllClear": [0, 3, 9, 100]}})", R"({"b": {"$binary": "NgE="}})", true},
      {R"({"b": {"$bitsAnySet": [100]}})", R"({"b": {"$binary": "NgE="}})", false},
      {R"({"b": {"$bitsAnyClear": [100]}})", R"({"b": {"$binary": "NgE="}})", true},
      // A BinData mask: "FA==" is 0x14 = 20 (bits 2 and 4).
      {R"({"b": {"$bitsAllSet": {"$binary": "FA=="}}})", R"({"b": 54})", true},
      {R"({"b": {"$bitsAllSet": {"$binary": "FA=="}}})", R"({"b": 50})", false},
      {R"({"b": {"$bitsAllSet": {"$binary": "FA=="}}})", R"({"b": {"$binary": "Ng=="}})", true},
      {R"({"b": {"$bitsAllSet": 20}})", R"({"b": [1, 54]})", true},
      {R"({"b": {"$bitsAllSet": 20}})", R"({})", false},
      {R"({"b": {"$bitsAllClear": 20}})", R"({"b": null})", false},
      {R"({"b": {"$bitsAllSet": 1}})", R"({"b": {"$InfNaN": 0}})", false},
      {R"({"b": {"$bitsAllSet": 1}})", R"({"b": 1e300})", false},
  });
}

TEST(SelectorOperatorsTest, NotNegatesTheOperatorExpression) {
  ExpectMatches({
      {R"({"a": {"$not": {"$gt": 5}}})", R"({"a": 3})", true},
      {R"({"a": {"$not": {"$gt": 5}}})", R"({"a": 7})", false},
      {R"({"a": {"$not": {"$gt": 5}}})", R"({})", true},
      {R"({"a": {"$not": {"$gt": 5}}})", R"({"a": "x"})", true},
      {R"({"a": {"$not": {"$gt": 5}}})", R"({"a": [1, 7]})", false},
      {R"({"a": {"$not": {"$gt": 5, "$lt": 10}}})", R"({"a": 7})", false},
      {R"({"a": {"$not": {"$gt": 5, "$lt": 10}}})", R"({"a": 12})", true},
      {R"({"a": {"$not": {"$gt": 5, "$lt": 10}}})", R"({"a": [3, 12]})", false},
      {R"({"a": {"$not": {"$in": [1, "1"]}}})", R"({"a": 2})", true},
      {R"({"a": {"$not": {"$in": [1, "1"]}}})", R"({"a": "1"})", false},
      {R"({"a": {"$not": {"$in": [1, "1"]}}})", R"({"a": [[1, 2]]})", true},
      {R"({"a": {"$not": {"$eq": null}}})", R"({})", false},
      {R"({"a": {"$not": {"$regexp": "^x", "$flags": ""}}})", R"({"a": "xa"})", false},
      {R"({"a": {"$not": {"$regexp": "^x", "$flags": ""}}})", R"({"a": "ax"})", true},
      {R"({"a": {"$not": {"$regexp": "^x", "$flags": ""}}})", R"({"a": 5})", true},
      {R"({"a": {"$not": {"$regex": "^x", "$options": "i"}}})", R"({"a": "Xa"})", false},
      {R"({"a": {"$not": {"$size": 1}}})", R"({"a": [1, 2]})", true},
      {R"({"a": {"$not": {"$elemMatch": {"$gt": 1}}}})", R"({"a": [0, 1]})", true},
      {R"({"a": {"$not": {"$not": {"$gt": 5}}}})", R"({"a": 7})", true},
      {R"({"a": {"$not": {"$exists": true}}})", R"({})", true},
      {R"({"a.b": {"$not": {"$eq": 1}}})", R"({"a": [{"b": 2}, {"b": 1}]})", false},
  });
}

TEST(SelectorOperatorsTest, LogicalOperators) {
  ExpectMatches({
      {R"({"$or": [{"x": 1}, {"y": 1}]})", R"({"x": 1})", true},
      {R"({"$or": [{"x": 1}, {"y": 1}]})", R"({"y": 1})", true},
      {R"({"$or": [{"x": 1}, {"y": 1}]})", R"({"x": 2, "y": 2})", false},
      {R"({"$or": [{"x": 1}]})", R"({"x": 1})", true},
      {R"({"$or": [{}]})", R"({"x": 5})", true},
      {R"({"$or": [{"x": 9}, {}]})", R"({"x": 5})", true},
      {R"({"$and": [{"x": {"$gt": 0}}, {"x": {"$lt": 2}}]})", R"({"x": 1})", true},
      {R"({"$and": [{"x": {"$gt": 0}}, {"x": {"$lt": 2}}]})", R"({"x": 2})", false},
      {R"({"$and": [{"x": {"$gt": 0}}, {"x": {"$lt": 2}}]})", R"({"x": [5, -1]})", true},
      {R"({"$and": [{}]})", R"({"x": 1})", true},
      {R"({"$nor": [{"x": 1}, {"y": 1}]})", R"({"x": 2})", true},
      {R"({"$nor": [{"x": 1}, {"y": 1}]})", R"({"y": 1})", false},
      {R"({"$nor": [{"x": 1}]})", R"({})", true},
      {R"({"$nor": [{}]})", R"({"x": 1})", false},
      {R"({"$nor": [{"x": {"$exists": true}}]})", R"({})", true},
      {R"({"x": 1, "$or": [{"y": 1}, {"z": 1}]})", R"({"x": 1, "z": 1})", true},
      {R"({"x": 1, "$or": [{"y": 1}, {"z": 1}]})", R"({"x": 2, "z": 1})", false},
      {R"({"$or": [{"$and": [{"a": 1}, {"b": 1}]}, {"c": 1}]})", R"({"a": 1, "b": 1})", true},
      {R"({"$or": [{"$and": [{"a": 1}, {"b": 1}]}, {"c": 1}]})", R"({"a": 1})", false},
      {R"({"$or": [{"starred": true}, {"owner": 17}]})", R"({"owner": 17, "starred": false})",
       true},
      {R"({"$and": [{"owner": 17}, {"ext": "pdf"}]})", R"({"owner": 17, "ext": "pdf"})", true},
      {R"({"$and": [{"owner": 17}, {"ext": "pdf"}]})", R"({"owner": 17, "ext": "jpg"})", false},
      {R"({"$and": [{"$comment": "c"}, {"a": 1}]})", R"({"a": 1})", true},
      {R"({"$or": [{"a": {"$in": []}}]})", R"({"a": 1})", false},
  });
}

}  // namespace
}  // namespace minimongo::query
