// Field update operators ($set $unset $inc $mul $min $max $rename $currentDate $setOnInsert
// $bit), table-driven from MongoDB's documentation. Expected documents are compared exactly:
// types (int 1 vs double 1.0 vs {"$numberLong": "1"}) and key order included.

#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/ejson.h"
#include "query/modifier.h"
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

absl::StatusOr<Value> Update(std::string_view doc, std::string_view modifier,
                             const ApplyContext& context = {}) {
  Value d = Parse(doc);
  Value m = Parse(modifier);
  absl::StatusOr<Modifier> compiled = Modifier::Compile(m.view());
  if (!compiled.ok()) return compiled.status();
  std::string before = Text(d.view());
  absl::StatusOr<Value> result = compiled->Apply(d.view(), context);
  EXPECT_EQ(Text(d.view()), before) << "Apply changed its input";
  return result;
}

struct Case {
  const char* doc;
  const char* modifier;
  const char* expected;  // a document, or an error fragment after "error: "
};

void RunCases(const std::vector<Case>& cases, const ApplyContext& context = {}) {
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "doc " << c.doc << " modifier " << c.modifier);
    absl::StatusOr<Value> result = Update(c.doc, c.modifier, context);
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

TEST(ModifierSetTest, Table) {
  RunCases({
      {R"({"_id": 1, "a": 1})", R"({"$set": {"a": 2}})", R"({"_id": 1, "a": 2})"},
      {R"({"_id": 1, "a": 1})", R"({"$set": {"b": 2}})", R"({"_id": 1, "a": 1, "b": 2})"},
      // New fields are added in lexicographic order (MongoDB 5.0), whatever the modifier order.
      {R"({"_id": 1})", R"({"$set": {"c": 1, "b": 2, "a.y": 3, "a.x": 4}})",
       R"({"_id": 1, "a": {"x": 4, "y": 3}, "b": 2, "c": 1})"},
      // Numeric names in numeric order.
      {R"({"_id": 1, "o": {}})", R"({"$set": {"o.10": 1, "o.9": 2}})",
       R"({"_id": 1, "o": {"9": 2, "10": 1}})"},
      // Existing fields keep their place.
      {R"({"_id": 1, "a": 1, "b": 2, "c": 3})", R"({"$set": {"b": "x", "d": 4}})",
       R"({"_id": 1, "a": 1, "b": "x", "c": 3, "d": 4})"},
      {R"({"_id": "u1", "a": 1, "b": {"c": 2}})", R"({"$set": {"b.d": 1}})",
       R"({"_id": "u1", "a": 1, "b": {"c": 2, "d": 1}})"},
      {R"({"_id": 1, "a": 1})", R"({"$set": {"a": {"$date": 42}}})",
       R"({"_id": 1, "a": {"$date": 42}})"},
      // Missing parts are created as objects.
      {R"({"_id": 1})", R"({"$set": {"x.y.z": 1}})", R"({"_id": 1, "x": {"y": {"z": 1}}})"},
      {R"({"_id": 1, "x": {}})", R"({"$set": {"x.y.z": 1}})",
       R"({"_id": 1, "x": {"y": {"z": 1}}})"},
      {R"({"_id": 1})", R"({"$set": {"a.0.b": 1}})", R"({"_id": 1, "a": {"0": {"b": 1}}})"},
      // Numeric parts index arrays...
      {R"({"_id": 1, "arr": [1, 2, 3]})", R"({"$set": {"arr.1": 22}})",
       R"({"_id": 1, "arr": [1, 22, 3]})"},
      {R"({"_id": 1, "a": [{"b": 1}, {"b": 2}]})", R"({"$set": {"a.1.b": 5}})",
       R"({"_id": 1, "a": [{"b": 1}, {"b": 5}]})"},
      {R"({"_id": 1, "a": [{"b": 1}, {"b": 2}]})", R"({"$set": {"a.0.c": 5}})",
       R"({"_id": 1, "a": [{"b": 1, "c": 5}, {"b": 2}]})"},
      // ... and pad with nulls past the end.
      {R"({"_id": 1, "a": [1, 2]})", R"({"$set": {"a.5": 1}})",
       R"({"_id": 1, "a": [1, 2, null, null, null, 1]})"},
      {R"({"_id": 1, "a": [1, 2]})", R"({"$set": {"a.2": 3}})", R"({"_id": 1, "a": [1, 2, 3]})"},
      {R"({"_id": 1, "a": []})", R"({"$set": {"a.2.b": 1}})",
       R"({"_id": 1, "a": [null, null, {"b": 1}]})"},
      {R"({"_id": 1, "a": []})", R"({"$set": {"a.10": 1, "a.2": 2}})",
       R"({"_id": 1, "a": [null, null, 2, null, null, null, null, null, null, null, 1]})"},
      // ... but are field names on objects.
      {R"({"_id": 1, "a": {"x": 1}})", R"({"$set": {"a.0": 1}})",
       R"({"_id": 1, "a": {"x": 1, "0": 1}})"},
      {R"({"_id": 1, "a": [1]})", R"({"$set": {"a.01": 1}})",
       "error: Cannot create field '01' in element {a: [1]}"},
      {R"({"_id": 1})", R"({"$set": {"a": {"b": [1, {"c": 2}]}, "z": null}})",
       R"({"_id": 1, "a": {"b": [1, {"c": 2}]}, "z": null})"},
      // Setting `_id` to its current value is allowed.
      {R"({"_id": 1, "a": 1})", R"({"$set": {"_id": 1, "a": 2}})", R"({"_id": 1, "a": 2})"},
      {R"({"_id": {"k": 1}, "a": 1})", R"({"$set": {"_id.k": 1}})", R"({"_id": {"k": 1}, "a": 1})"},
      {R"({"_id": 1})", R"({"$set": {}})", R"({"_id": 1})"},
  });
}

TEST(ModifierSetTest, Rejections) {
  RunCases({
      {R"({"_id": 1, "a": 1})", R"({"$set": {"a.b": 2}})",
       "error: Cannot create field 'b' in element {a: 1}"},
      {R"({"_id": 1, "a": null})", R"({"$set": {"a.b": 2}})",
       "error: Cannot create field 'b' in element {a: null}"},
      {R"({"_id": 1, "a": {"b": 5}})", R"({"$set": {"a.b.c": 1}})",
       "error: Cannot create field 'c' in element {b: 5}"},
      // No implicit traversal of arrays in updates.
      {R"({"_id": 1, "a": [{"b": 1}]})", R"({"$set": {"a.b": 2}})",
       "error: Cannot create field 'b' in element {a: [{"},
      {R"({"_id": 1, "a": [1, 2]})", R"({"$set": {"a.x.y": 2}})",
       "error: Cannot create field 'x' in element {a: [1,2]}"},
      {R"({"_id": 1, "a": 1})", R"({"$set": {"_id": 2}})",
       "error: Performing an update on the path '_id' would modify the immutable field '_id'"},
      {R"({"_id": 1, "a": 1})", R"({"$set": {"_id": 1.0}})",
       "error: Performing an update on the path '_id' would modify the immutable field '_id'"},
      {R"({"_id": {"k": 1}})", R"({"$set": {"_id.k": 2}})",
       "error: Performing an update on the path '_id' would modify the immutable field '_id'"},
      {R"({"_id": 1, "a": []})", R"({"$set": {"a.1500001": 1}})",
       "error: can't backfill array to larger than 1500000 elements"},
      {R"({"_id": 1})", R"({"$set": {"a": {"$x": 1}}})",
       "error: The dollar ($) prefixed field '$x' in 'a.$x' is not valid for storage."},
      {R"({"_id": 1})", R"({"$set": {"a": [{"b": {"$x": 1}}]}})",
       "error: The dollar ($) prefixed field '$x' in 'a.0.b.$x' is not valid for storage."},
      {R"({"_id": 1})", R"({"$set": {"a": {"b.c": 1}}})",
       "error: The dotted field 'b.c' in 'a.b.c' is not valid for storage."},
  });
}

TEST(ModifierUnsetTest, Table) {
  RunCases({
      {R"({"_id": 1, "a": 1, "b": 2})", R"({"$unset": {"a": ""}})", R"({"_id": 1, "b": 2})"},
      {R"({"_id": 1, "a": 1, "b": 2})", R"({"$unset": {"a": 1, "b": true}})", R"({"_id": 1})"},
      {R"({"_id": 1, "a": 1})", R"({"$unset": {"zz": 1}})", R"({"_id": 1, "a": 1})"},
      {R"({"_id": 1, "a": {"b": 1, "c": 2}})", R"({"$unset": {"a.b": 1}})",
       R"({"_id": 1, "a": {"c": 2}})"},
      {R"({"_id": "u1", "objs": [{"k": 1}, {"k": 2}]})", R"({"$unset": {"objs.0.k": 1}})",
       R"({"_id": "u1", "objs": [{}, {"k": 2}]})"},
      // An array element is set to null, not removed.
      {R"({"_id": 1, "a": [1, 2, 3]})", R"({"$unset": {"a.1": 1}})",
       R"({"_id": 1, "a": [1, null, 3]})"},
      {R"({"_id": 1, "a": [1, 2, 3]})", R"({"$unset": {"a.7": 1}})",
       R"({"_id": 1, "a": [1, 2, 3]})"},
      // Paths through arrays (without an index), scalars or missing fields: nothing to do.
      {R"({"_id": 1, "a": [{"b": 1}]})", R"({"$unset": {"a.b": 1}})",
       R"({"_id": 1, "a": [{"b": 1}]})"},
      {R"({"_id": 1, "a": 5})", R"({"$unset": {"a.b": 1}})", R"({"_id": 1, "a": 5})"},
      {R"({"_id": 1})", R"({"$unset": {"a.b.c": 1}})", R"({"_id": 1})"},
  });
}

TEST(ModifierIncTest, Table) {
  RunCases({
      {R"({"_id": "n1", "a": 10, "f": 2.5})", R"({"$inc": {"a": 1}})",
       R"({"_id": "n1", "a": 11, "f": 2.5})"},
      {R"({"_id": 1, "a": 10})", R"({"$inc": {"a": -12}})", R"({"_id": 1, "a": -2})"},
      {R"({"_id": "n1", "a": 10})", R"({"$inc": {"deep.er.x": 1}})",
       R"({"_id": "n1", "a": 10, "deep": {"er": {"x": 1}}})"},
      {R"({"_id": 1, "a": 10})", R"({"$inc": {"a": 1}, "$set": {"b": 2}})",
       R"({"_id": 1, "a": 11, "b": 2})"},
      // Number types: int + int stays int, widens to long on overflow; double wins.
      {R"({"_id": 1, "a": 2147483647})", R"({"$inc": {"a": 1}})",
       R"({"_id": 1, "a": {"$numberLong": "2147483648"}})"},
      {R"({"_id": 1, "a": -2147483648})", R"({"$inc": {"a": -1}})",
       R"({"_id": 1, "a": {"$numberLong": "-2147483649"}})"},
      {R"({"_id": 1, "a": 1})", R"({"$inc": {"a": 0.5}})", R"({"_id": 1, "a": 1.5})"},
      {R"({"_id": 1, "a": 1.5})", R"({"$inc": {"a": 1}})", R"({"_id": 1, "a": 2.5})"},
      {R"({"_id": 1, "a": {"$numberLong": "5"}})", R"({"$inc": {"a": 1}})",
       R"({"_id": 1, "a": {"$numberLong": "6"}})"},
      {R"({"_id": 1, "a": 5})", R"({"$inc": {"a": {"$numberLong": "1"}}})",
       R"({"_id": 1, "a": {"$numberLong": "6"}})"},
      {R"({"_id": 1, "a": 5})", R"({"$inc": {"a": 0}})", R"({"_id": 1, "a": 5})"},
      // A missing field is set to the increment, with its type.
      {R"({"_id": 1})", R"({"$inc": {"a": {"$numberLong": "3"}, "b": 2.0}})",
       R"({"_id": 1, "a": {"$numberLong": "3"}, "b": 2.0})"},
      {R"({"_id": 1, "arr": [1, 2]})", R"({"$inc": {"arr.1": 5}})", R"({"_id": 1, "arr": [1, 7]})"},
  });
}

TEST(ModifierIncTest, Rejections) {
  RunCases({
      {R"({"_id": 1, "s": "str"})", R"({"$inc": {"s": 1}})",
       "error: Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 's' of "
       "non-numeric type string"},
      {R"({"_id": "x", "n": {"v": null}})", R"({"$inc": {"n.v": 1}})",
       "error: Cannot apply $inc to a value of non-numeric type. {_id: \"x\"} has the field 'v' "
       "of non-numeric type null"},
      {R"({"_id": 1, "a": [1]})", R"({"$inc": {"a": 1}})", "error: non-numeric type array"},
      {R"({"_id": 1, "a": {"$numberLong": "9223372036854775807"}})", R"({"$inc": {"a": 1}})",
       "error: Failed to apply $inc operations to current value"},
      {R"({"_id": 1, "a": 1})", R"({"$inc": {"a": "x"}})",
       "error: Cannot increment with non-numeric argument: {a: \"x\"}"},
      {R"({"_id": 1, "a": 1})", R"({"$inc": {"a": null}})",
       "error: Cannot increment with non-numeric argument"},
  });
}

TEST(ModifierMulTest, Table) {
  RunCases({
      {R"({"_id": 1, "a": 5})", R"({"$mul": {"a": 2}})", R"({"_id": 1, "a": 10})"},
      {R"({"_id": 1, "a": 1.5})", R"({"$mul": {"a": 2}})", R"({"_id": 1, "a": 3.0})"},
      {R"({"_id": 1, "a": 3})", R"({"$mul": {"a": 0.5}})", R"({"_id": 1, "a": 1.5})"},
      {R"({"_id": 1, "a": 65536})", R"({"$mul": {"a": 65536}})",
       R"({"_id": 1, "a": {"$numberLong": "4294967296"}})"},
      {R"({"_id": 1, "a": {"$numberLong": "7"}})", R"({"$mul": {"a": 2}})",
       R"({"_id": 1, "a": {"$numberLong": "14"}})"},
      // A missing field becomes 0 of the multiplier's type.
      {R"({"_id": 1})", R"({"$mul": {"a": 5}})", R"({"_id": 1, "a": 0})"},
      {R"({"_id": 1})", R"({"$mul": {"a": 2.5}})", R"({"_id": 1, "a": 0.0})"},
      {R"({"_id": 1})", R"({"$mul": {"a": {"$numberLong": "5"}}})",
       R"({"_id": 1, "a": {"$numberLong": "0"}})"},
      {R"({"_id": 1, "s": "x"})", R"({"$mul": {"s": 2}})",
       "error: Cannot apply $mul to a value of non-numeric type. {_id: 1} has the field 's' of "
       "non-numeric type string"},
      {R"({"_id": 1, "a": {"$numberLong": "4611686018427387904"}})", R"({"$mul": {"a": 2}})",
       "error: Failed to apply $mul operations"},
      {R"({"_id": 1})", R"({"$mul": {"a": "2"}})",
       "error: Cannot multiply with non-numeric argument: {a: \"2\"}"},
  });
}

TEST(ModifierMinMaxTest, Table) {
  RunCases({
      {R"({"_id": 1, "a": 10})", R"({"$min": {"a": 0}})", R"({"_id": 1, "a": 0})"},
      {R"({"_id": 1, "a": 10})", R"({"$min": {"a": 20}})", R"({"_id": 1, "a": 10})"},
      {R"({"_id": 1, "a": 10})", R"({"$max": {"a": 20}})", R"({"_id": 1, "a": 20})"},
      {R"({"_id": 1, "a": 10})", R"({"$max": {"a": 5}})", R"({"_id": 1, "a": 10})"},
      // Equal values leave the stored type alone.
      {R"({"_id": 1, "a": 1})", R"({"$min": {"a": 1.0}})", R"({"_id": 1, "a": 1})"},
      {R"({"_id": 1, "a": 1})", R"({"$max": {"a": 1.5}})", R"({"_id": 1, "a": 1.5})"},
      // Missing fields are set.
      {R"({"_id": 1})", R"({"$min": {"a": 3}, "$max": {"b.c": "x"}})",
       R"({"_id": 1, "a": 3, "b": {"c": "x"}})"},
      // BSON order across types: null < numbers < strings < objects < arrays < ... < dates.
      {R"({"_id": 1, "a": "x"})", R"({"$min": {"a": 5}})", R"({"_id": 1, "a": 5})"},
      {R"({"_id": 1, "a": "x"})", R"({"$max": {"a": 5}})", R"({"_id": 1, "a": "x"})"},
      {R"({"_id": 1, "a": null})", R"({"$max": {"a": 1}})", R"({"_id": 1, "a": 1})"},
      {R"({"_id": 1, "a": null})", R"({"$min": {"a": 1}})", R"({"_id": 1, "a": null})"},
      {R"({"_id": 1, "d": {"$date": 1000}})", R"({"$max": {"d": {"$date": 2000}}})",
       R"({"_id": 1, "d": {"$date": 2000}})"},
      {R"({"_id": 1, "d": {"$date": 1000}})", R"({"$min": {"d": 99999}})",
       R"({"_id": 1, "d": 99999})"},
      {R"({"_id": 1, "a": [1, 2]})", R"({"$max": {"a": [1, 3]}})", R"({"_id": 1, "a": [1, 3]})"},
      {R"({"_id": 1, "a": {"b": 1}})", R"({"$min": {"a.b": -1}})", R"({"_id": 1, "a": {"b": -1}})"},
  });
}

TEST(ModifierRenameTest, Table) {
  RunCases({
      {R"({"_id": "r1", "a": 1, "b": {"c": 2, "d": 3}, "e": "e"})",
       R"({"$rename": {"a": "n.e.w"}})",
       R"({"_id": "r1", "b": {"c": 2, "d": 3}, "e": "e", "n": {"e": {"w": 1}}})"},
      {R"({"_id": 1, "a": 1, "z": 0})", R"({"$rename": {"a": "b"}})",
       R"({"_id": 1, "z": 0, "b": 1})"},
      // An existing destination is overwritten.
      {R"({"_id": 1, "a": 1, "b": 2})", R"({"$rename": {"a": "b"}})", R"({"_id": 1, "b": 1})"},
      {R"({"_id": 1, "b": {"c": 2, "d": 3}})", R"({"$rename": {"b.c": "x"}})",
       R"({"_id": 1, "b": {"d": 3}, "x": 2})"},
      {R"({"_id": 1, "b": {"c": 2}, "x": {}})", R"({"$rename": {"b.c": "x.y"}})",
       R"({"_id": 1, "b": {}, "x": {"y": 2}})"},
      {R"({"_id": 1, "arr": [1, 2]})", R"({"$rename": {"arr": "list"}})",
       R"({"_id": 1, "list": [1, 2]})"},
      // A missing source does nothing (and creates nothing).
      {R"({"_id": 1, "a": 1})", R"({"$rename": {"zz": "y.z"}})", R"({"_id": 1, "a": 1})"},
      {R"({"_id": 1, "a": 1})", R"({"$rename": {"a.b": "c"}})", R"({"_id": 1, "a": 1})"},
      {R"({"_id": 1, "a": 1, "b": 2})", R"({"$rename": {"a": "x", "b": "y"}})",
       R"({"_id": 1, "x": 1, "y": 2})"},
  });
}

TEST(ModifierRenameTest, Rejections) {
  RunCases({
      {R"({"_id": 1, "arr": [{"a": 1}]})", R"({"$rename": {"arr.0.a": "z"}})",
       "error: The source field cannot be an array element, 'arr.0.a' in doc with _id: 1 has "
       "an array field called 'arr'"},
      {R"({"_id": 1, "a": 1, "arr": [{}]})", R"({"$rename": {"a": "arr.0.b"}})",
       "error: The destination field cannot be an array element, 'arr.0.b' in doc with _id: 1 "
       "has an array field called 'arr'"},
      {R"({"_id": 1, "a": 1, "s": 5})", R"({"$rename": {"a": "s.x"}})",
       "error: Cannot create field 'x' in element {s: 5}"},
      {R"({"_id": 1, "a": 1})", R"({"$rename": {"a": "a"}})",
       "error: The source and target field for $rename must differ: a: \"a\""},
      {R"({"_id": 1, "a": 1})", R"({"$rename": {"a": "a.b"}})",
       "error: The source and target field for $rename must not be on the same path: a: \"a.b\""},
      {R"({"_id": 1, "a": {"b": 1}})", R"({"$rename": {"a.b": "a"}})",
       "error: must not be on the same path"},
      {R"({"_id": 1, "a": 1})", R"({"$rename": {"a": 5}})",
       "error: The 'to' field for $rename must be a string: a: 5"},
      {R"({"_id": 1, "a": 1})", R"({"$rename": {"a": ""}})",
       "error: An empty update path is not valid."},
      {R"({"_id": 1, "a": [1]})", R"({"$rename": {"a.$": "b"}})",
       "error: The source field for $rename may not be dynamic: a.$"},
      {R"({"_id": 1, "a": 1})", R"({"$rename": {"a": "b.$[]"}})",
       "error: The destination field for $rename may not be dynamic: b.$[]"},
      {R"({"_id": 1, "a": 1})", R"({"$rename": {"_id": "b"}})",
       "error: Performing an update on the path '_id' would modify the immutable field '_id'"},
      {R"({"_id": 1, "a": 1})", R"({"$rename": {"a": "_id"}})",
       "error: would modify the immutable field '_id'"},
  });
}

TEST(ModifierCurrentDateTest, Table) {
  ApplyContext at_5s{.now_millis = 5000};
  RunCases(
      {
          {R"({"_id": 1})", R"({"$currentDate": {"d": true}})",
           R"({"_id": 1, "d": {"$date": 5000}})"},
          // false also sets a date (MongoDB).
          {R"({"_id": 1, "d": 0})", R"({"$currentDate": {"d": false}})",
           R"({"_id": 1, "d": {"$date": 5000}})"},
          {R"({"_id": 1})",
           R"({"$currentDate": {"d": {"$type": "date"}, "x.t": {"$type": "timestamp"}}})",
           R"({"_id": 1, "d": {"$date": 5000}, "x": {"t": {"$timestamp": {"t": 5, "i": 1}}}})"},
          {R"({"_id": 1})", R"({"$currentDate": {"d": {"$type": "month"}}})",
           "error: The '$type' string field is required to be 'date' or 'timestamp'"},
          {R"({"_id": 1})", R"({"$currentDate": {"d": {}}})",
           "error: The '$type' string field is required to be 'date' or 'timestamp'"},
          {R"({"_id": 1})", R"({"$currentDate": {"d": {"$foo": 1}}})",
           "error: Unrecognized $currentDate option: $foo"},
          {R"({"_id": 1})", R"({"$currentDate": {"d": 5}})",
           "error: d: 5 is not valid type for $currentDate. Please use a boolean ('true') or a "
           "$type expression"},
      },
      at_5s);
}

TEST(ModifierCurrentDateTest, DefaultsToTheSystemClock) {
  absl::StatusOr<Value> result = Update(R"({"_id": 1})", R"({"$currentDate": {"d": true}})");
  ASSERT_TRUE(result.ok()) << result.status();
  std::optional<ValueView> d = result->Find("d");
  ASSERT_TRUE(d.has_value());
  ASSERT_EQ(d->type(), Type::kDate);
  // After 2020-01-01 and before 2100-01-01: the clock was read, not 0.
  EXPECT_GT(d->AsDateMillis(), int64_t{1577836800000});
  EXPECT_LT(d->AsDateMillis(), int64_t{4102444800000});
}

TEST(ModifierSetOnInsertTest, AppliesOnlyOnUpsertInsert) {
  const char* modifier = R"({"$set": {"b": 1}, "$setOnInsert": {"created": true}})";
  RunCases({{R"({"_id": 1, "a": 5})", modifier, R"({"_id": 1, "a": 5, "b": 1})"}});
  RunCases({{R"({"a": 5})", modifier, R"({"a": 5, "b": 1, "created": true})"}},
           ApplyContext{.is_upsert_insert = true});
}

TEST(ModifierSetOnInsertTest, IdMayBeSetWhenTheSeedHasNone) {
  ApplyContext insert{.is_upsert_insert = true};
  // `_id` is moved first, as MongoDB stores inserted documents.
  RunCases({{R"({"a": 5})", R"({"$setOnInsert": {"_id": "new"}})", R"({"_id": "new", "a": 5})"},
            {R"({"_id": "q", "a": 5})", R"({"$setOnInsert": {"_id": "new"}})",
             "error: Performing an update on the path '_id' would modify the immutable field"},
            {R"({"a": 5})", R"({"$set": {"_id": [1]}})",
             "error: The '_id' value cannot be of type array"}},
           insert);
}

TEST(ModifierBitTest, Table) {
  RunCases({
      // MongoDB's documentation: 13 = 1101.
      {R"({"_id": 1, "e": 13})", R"({"$bit": {"e": {"and": 10}}})", R"({"_id": 1, "e": 8})"},
      {R"({"_id": 1, "e": 13})", R"({"$bit": {"e": {"or": 5}}})", R"({"_id": 1, "e": 13})"},
      {R"({"_id": 1, "e": 13})", R"({"$bit": {"e": {"xor": 5}}})", R"({"_id": 1, "e": 8})"},
      {R"({"_id": 1, "e": 13})", R"({"$bit": {"e": {"and": 12, "or": 1}}})",
       R"({"_id": 1, "e": 13})"},
      {R"({"_id": 1, "e": -1})", R"({"$bit": {"e": {"and": 255}}})", R"({"_id": 1, "e": 255})"},
      {R"({"_id": 1, "e": {"$numberLong": "1"}})", R"({"$bit": {"e": {"or": 2}}})",
       R"({"_id": 1, "e": {"$numberLong": "3"}})"},
      {R"({"_id": 1, "e": 1})", R"({"$bit": {"e": {"or": {"$numberLong": "4294967296"}}}})",
       R"({"_id": 1, "e": {"$numberLong": "4294967297"}})"},
      // A missing field counts as int 0.
      {R"({"_id": 1})", R"({"$bit": {"e": {"or": 5}}})", R"({"_id": 1, "e": 5})"},
      {R"({"_id": 1})", R"({"$bit": {"e": {"and": 5}}})", R"({"_id": 1, "e": 0})"},
      {R"({"_id": 1, "e": 1.0})", R"({"$bit": {"e": {"or": 1}}})",
       "error: Cannot apply $bit to a value of non-integral type.{_id: 1} has the field e of "
       "non-integer type double"},
      {R"({"_id": 1, "e": 1})", R"({"$bit": {"e": {"or": 1.0}}})",
       "error: The $bit modifier field must be an Integer(32/64 bit); a 'double' is not "
       "supported here: {or: 1.0}"},
      {R"({"_id": 1, "e": 1})", R"({"$bit": {"e": {"not": 1}}})",
       "error: The $bit modifier only supports 'and', 'or', and 'xor', not 'not' which is an "
       "unknown operator: {not: 1}"},
      {R"({"_id": 1, "e": 1})", R"({"$bit": {"e": 5}})",
       "error: The $bit modifier is not compatible with a int. You must pass in an embedded "
       "document"},
      {R"({"_id": 1, "e": 1})", R"({"$bit": {"e": {}}})",
       "error: You must pass in at least one bitwise operation"},
  });
}

TEST(ModifierApplyTest, ErrorsReturnNoPartialResult) {
  // The first operation would succeed; the second fails: Apply returns only the error.
  Value doc = Parse(R"({"_id": 1, "a": 1, "s": "x"})");
  Value spec = Parse(R"({"$set": {"a": 2, "new": 1}, "$inc": {"s": 1}})");
  absl::StatusOr<Modifier> modifier = Modifier::Compile(spec.view());
  ASSERT_TRUE(modifier.ok()) << modifier.status();
  absl::StatusOr<Value> result = modifier->Apply(doc.view());
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument, "Cannot apply $inc"));
  EXPECT_TRUE(BytesIdentical(doc.view(), Parse(R"({"_id": 1, "a": 1, "s": "x"})").view()));
  // The same modifier still works on a suitable document afterwards.
  absl::StatusOr<Value> ok = modifier->Apply(Parse(R"({"_id": 2, "s": 1})").view());
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(BytesIdentical(ok->view(), Parse(R"({"_id": 2, "s": 2, "a": 2, "new": 1})").view()))
      << Text(ok->view());
}

TEST(ModifierApplyTest, RejectsNonDocumentTarget) {
  absl::StatusOr<Modifier> modifier = Modifier::Compile(Parse(R"({"$set": {"a": 1}})").view());
  ASSERT_TRUE(modifier.ok());
  EXPECT_THAT(modifier->Apply(Value::Int32(1).view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "update target must be a document"));
}

}  // namespace
}  // namespace minimongo::query
