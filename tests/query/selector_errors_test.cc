// Selector rejections: code and message fragment for each, with MongoDB's wording where it has
// one. A rejected selector compiles to nothing (Compile returns only a status).

#include "query/selector.h"

#include "gtest/gtest.h"
#include "tests/query/selector_case_table.h"

namespace minimongo::query {
namespace {

using absl::StatusCode;
using testing::ExpectCompileErrors;

TEST(SelectorErrorsTest, TopLevel) {
  ExpectCompileErrors({
      {R"({"$foo": 1})", StatusCode::kInvalidArgument,
       "selector: unknown top level operator: $foo"},
      {R"({"$not": {"a": 1}})", StatusCode::kInvalidArgument, "unknown top level operator: $not"},
      {R"({"$eq": 1})", StatusCode::kInvalidArgument, "unknown top level operator: $eq"},
      {R"({"$where": "this.a > 1"})", StatusCode::kUnimplemented, "$where is not supported"},
      {R"({"$expr": {"$gt": ["$a", 1]}})", StatusCode::kUnimplemented, "$expr"},
      {R"({"$jsonSchema": {}})", StatusCode::kUnimplemented, "$jsonSchema"},
      {R"({"$text": {"$search": "x"}})", StatusCode::kUnimplemented, "$text"},
      {R"(true)", StatusCode::kInvalidArgument, "selector: must be a document"},
      {R"([1, 2])", StatusCode::kInvalidArgument, "not array"},
      {R"({"$date": 5})", StatusCode::kInvalidArgument, "not date"},
  });
}

TEST(SelectorErrorsTest, Logical) {
  ExpectCompileErrors({
      {R"({"$and": []})", StatusCode::kInvalidArgument,
       "selector at \"$and\": $and must be a nonempty array"},
      {R"({"$or": {}})", StatusCode::kInvalidArgument, "$or must be a nonempty array"},
      {R"({"$nor": 5})", StatusCode::kInvalidArgument, "$nor must be a nonempty array"},
      {R"({"$or": [1]})", StatusCode::kInvalidArgument, "$or entries need to be full objects"},
      {R"({"$and": [{"a": 1}, []]})", StatusCode::kInvalidArgument,
       "$and entries need to be full objects"},
      {R"({"$or": [{"a": {"$bogus": 1}}]})", StatusCode::kInvalidArgument,
       "selector at \"a\": unknown operator: $bogus"},
      {R"({"x": {"$or": [1]}})", StatusCode::kInvalidArgument, "unknown operator: $or"},
      {R"({"x": {"$and": [{}]}})", StatusCode::kInvalidArgument, "unknown operator: $and"},
  });
}

TEST(SelectorErrorsTest, FieldOperators) {
  ExpectCompileErrors({
      {R"({"a": {"$bogus": 1}})", StatusCode::kInvalidArgument,
       "selector at \"a\": unknown operator: $bogus"},
      {R"({"a": {"$gt": 1, "b": 2}})", StatusCode::kInvalidArgument,
       "cannot mix operators and fields"},
      {R"({"a": {"b": 2, "$gt": 1}})", StatusCode::kInvalidArgument,
       "cannot mix operators and fields"},
      {R"({"a": {"$comment": "x"}})", StatusCode::kInvalidArgument, "unknown operator: $comment"},
      {R"({"a": {"$where": "x"}})", StatusCode::kInvalidArgument,
       "$where cannot be applied to a field"},
      {R"({"a": {"$near": [0, 0]}})", StatusCode::kUnimplemented, "$near is not supported"},
      {R"({"a": {"$geoWithin": {}}})", StatusCode::kUnimplemented, "$geoWithin"},
      {R"({"a": {"$nearSphere": [0, 0]}})", StatusCode::kUnimplemented, "$nearSphere"},
      {R"({"a": {"$geoIntersects": {}}})", StatusCode::kUnimplemented, "$geoIntersects"},
      {R"({"a": {"$ne": {"$regexp": "x", "$flags": ""}}})", StatusCode::kInvalidArgument,
       "can't have a regex as the argument of $ne"},
      {R"({"a": {"$gt": {"$regexp": "x", "$flags": ""}}})", StatusCode::kInvalidArgument,
       "can't have a regex as the argument of $gt"},
      {R"({"tags.0": {"$in": 5}})", StatusCode::kInvalidArgument,
       "selector at \"tags.0\": $in needs an array"},
      {R"({"a": {"$nin": {"x": 1}}})", StatusCode::kInvalidArgument, "$nin needs an array"},
      {R"({"a": {"$in": [{"$gt": 1}]}})", StatusCode::kInvalidArgument, "cannot nest $ under $in"},
      {R"({"a": {"$nin": [1, {"$exists": true}]}})", StatusCode::kInvalidArgument,
       "cannot nest $ under $nin"},
      {R"({"a": {"$options": "i"}})", StatusCode::kInvalidArgument, "$options needs a $regex"},
      {R"({"a": {"$regex": 5}})", StatusCode::kInvalidArgument, "$regex has to be a string"},
      {R"({"a": {"$regex": "x", "$options": 1}})", StatusCode::kInvalidArgument,
       "$options has to be a string"},
      {R"({"a": {"$regex": {"$regexp": "x", "$flags": "i"}, "$options": "m"}})",
       StatusCode::kInvalidArgument, "options set in both $regex and $options"},
      {R"({"a": {"$mod": 3}})", StatusCode::kInvalidArgument,
       "malformed mod, needs to be an array"},
      {R"({"a": {"$mod": []}})", StatusCode::kInvalidArgument,
       "malformed mod, not enough elements"},
      {R"({"a": {"$mod": [3]}})", StatusCode::kInvalidArgument,
       "malformed mod, not enough elements"},
      {R"({"a": {"$mod": [3, 1, 2]}})", StatusCode::kInvalidArgument,
       "malformed mod, too many elements"},
      {R"({"a": {"$mod": ["3", 1]}})", StatusCode::kInvalidArgument,
       "malformed mod, divisor not a number"},
      {R"({"a": {"$mod": [3, null]}})", StatusCode::kInvalidArgument,
       "malformed mod, remainder not a number"},
      {R"({"a": {"$mod": [0, 1]}})", StatusCode::kInvalidArgument, "divisor cannot be 0"},
      {R"({"a": {"$mod": [0.5, 1]}})", StatusCode::kInvalidArgument, "divisor cannot be 0"},
      {R"({"a": {"$mod": [{"$InfNaN": 0}, 1]}})", StatusCode::kInvalidArgument,
       "malformed mod, divisor value is invalid"},
      {R"({"a": {"$mod": [3, {"$InfNaN": 1}]}})", StatusCode::kInvalidArgument,
       "malformed mod, remainder value is invalid"},
      {R"({"a": {"$size": -1}})", StatusCode::kInvalidArgument, "$size may not be negative"},
      {R"({"a": {"$size": 1.5}})", StatusCode::kInvalidArgument, "$size must be a whole number"},
      {R"({"a": {"$size": "1"}})", StatusCode::kInvalidArgument, "$size needs a number"},
      {R"({"a": {"$size": null}})", StatusCode::kInvalidArgument, "$size needs a number"},
      {R"({"a": {"$size": 5000000000}})", StatusCode::kInvalidArgument,
       "$size must be representable as a 32-bit integer"},
      {R"({"a": {"$type": "foo"}})", StatusCode::kInvalidArgument, "unknown type name alias: foo"},
      {R"({"a": {"$type": 42}})", StatusCode::kInvalidArgument, "invalid numerical type code: 42"},
      {R"({"a": {"$type": 0}})", StatusCode::kInvalidArgument, "invalid numerical type code: 0"},
      {R"({"a": {"$type": 1.5}})", StatusCode::kInvalidArgument,
       "invalid numerical type code: 1.5"},
      {R"({"a": {"$type": []}})", StatusCode::kInvalidArgument,
       "$type must match at least one type"},
      {R"({"a": {"$type": ["string", true]}})", StatusCode::kInvalidArgument,
       "type must be represented as a number or a string"},
      {R"({"a": {"$type": null}})", StatusCode::kInvalidArgument,
       "type must be represented as a number or a string"},
      {R"({"a": {"$all": 1}})", StatusCode::kInvalidArgument, "$all needs an array"},
      {R"({"a": {"$all": [{"$gt": 1}]}})", StatusCode::kInvalidArgument,
       "no $ expressions in $all"},
      {R"({"a": {"$all": [{"$elemMatch": {"b": 1}}, 5]}})", StatusCode::kInvalidArgument,
       "$all/$elemMatch has to be consistent"},
      {R"({"a": {"$all": [{"$elemMatch": {"b": 1}}, {"b": 1}]}})", StatusCode::kInvalidArgument,
       "$all/$elemMatch has to be consistent"},
      {R"({"a": {"$elemMatch": 1}})", StatusCode::kInvalidArgument, "$elemMatch needs an object"},
      {R"({"a": {"$elemMatch": [1]}})", StatusCode::kInvalidArgument, "$elemMatch needs an object"},
      {R"({"a": {"$elemMatch": {"$gt": 1, "b": 1}}})", StatusCode::kInvalidArgument,
       "cannot mix operators and fields"},
      {R"({"a": {"$elemMatch": {"b": {"$bogus": 1}}}})", StatusCode::kInvalidArgument,
       "selector at \"a.b\": unknown operator: $bogus"},
      {R"({"a": {"$elemMatch": {"$foo": 1}}})", StatusCode::kInvalidArgument,
       "unknown operator: $foo"},
      {R"({"a": {"$elemMatch": {"$where": "x"}}})", StatusCode::kUnimplemented, "$where"},
      {R"({"a": {"$not": 5}})", StatusCode::kInvalidArgument, "$not needs a regex or a document"},
      {R"({"a": {"$not": {}}})", StatusCode::kInvalidArgument, "$not cannot be empty"},
      {R"({"a": {"$not": {"b": 1}}})", StatusCode::kInvalidArgument, "unknown operator: b"},
      {R"({"a": {"$not": {"$bogus": 1}}})", StatusCode::kInvalidArgument,
       "unknown operator: $bogus"},
      {R"({"a": {"$bitsAllSet": -1}})", StatusCode::kInvalidArgument,
       "$bitsAllSet bitmask must be a non-negative integer"},
      {R"({"a": {"$bitsAnySet": 1.5}})", StatusCode::kInvalidArgument,
       "$bitsAnySet bitmask must be a non-negative integer"},
      {R"({"a": {"$bitsAllClear": [1, -1]}})", StatusCode::kInvalidArgument,
       "$bitsAllClear bit positions must be >= 0"},
      {R"({"a": {"$bitsAnyClear": [1.5]}})", StatusCode::kInvalidArgument,
       "$bitsAnyClear bit positions must be integers"},
      {R"({"a": {"$bitsAnyClear": ["1"]}})", StatusCode::kInvalidArgument,
       "$bitsAnyClear bit positions must be integers"},
      {R"({"a": {"$bitsAllSet": [5000000000]}})", StatusCode::kInvalidArgument,
       "must fit a 32-bit signed integer"},
      {R"({"a": {"$bitsAllSet": "1"}})", StatusCode::kInvalidArgument,
       "$bitsAllSet takes an array, a number, or a BinData"},
  });
}

TEST(SelectorErrorsTest, ErrorsInsideNestedClausesNameTheirPath) {
  ExpectCompileErrors({
      {R"({"$and": [{"$or": [{"x.y": {"$size": "z"}}]}]})", StatusCode::kInvalidArgument,
       "selector at \"x.y\": $size needs a number"},
      {R"({"r": {"$elemMatch": {"s": {"$elemMatch": {"t": {"$in": 1}}}}}})",
       StatusCode::kInvalidArgument, "selector at \"r.s.t\": $in needs an array"},
      {R"({"a": {"$not": {"$mod": [0, 0]}}})", StatusCode::kInvalidArgument,
       "selector at \"a\": divisor cannot be 0"},
  });
}

}  // namespace
}  // namespace minimongo::query
