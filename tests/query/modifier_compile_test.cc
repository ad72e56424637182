// Modifier::Compile validation (operators, paths, conflicts), replacement documents, paths(),
// depth limits, and a randomized check that the fast path of Apply agrees with the general path.

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/ejson.h"
#include "query/modifier.h"
#include "query/value.h"
#include "tests/testing/status_matchers.h"

namespace minimongo::query {
namespace {

using ::minimongo::testing::IsOk;
using ::minimongo::testing::StatusIs;
using ::testing::ElementsAre;

Value Parse(std::string_view text) {
  absl::StatusOr<Value> v = ParseEjson(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status();
  return v.ok() ? *v : Value();
}

std::string Text(ValueView v) { return ToEjson(v, EjsonOptions{.mark_doubles = true}); }

absl::StatusOr<Modifier> Compile(std::string_view modifier) {
  return Modifier::Compile(Parse(modifier).view());
}

void ExpectUpdate(std::string_view doc, std::string_view modifier, std::string_view expected) {
  SCOPED_TRACE(::testing::Message() << "doc " << doc << " modifier " << modifier);
  absl::StatusOr<Modifier> m = Compile(modifier);
  ASSERT_THAT(m, IsOk());
  absl::StatusOr<Value> result = m->Apply(Parse(doc).view());
  ASSERT_THAT(result, IsOk());
  EXPECT_TRUE(BytesIdentical(result->view(), Parse(expected).view()))
      << "got " << Text(result->view()) << "\nwant " << expected;
}

TEST(ModifierCompileTest, RejectsBadOperatorDocuments) {
  struct Case {
    const char* modifier;
    const char* fragment;
  };
  const Case cases[] = {
      {R"({"$foo": {"a": 1}})",
       "Unknown modifier: $foo. Expected a valid update modifier or pipeline-style update"},
      {R"({"$set": {"a": 1}, "b": 2})", "Unknown modifier: b"},
      {R"({"$set": {"a": 1}, "$inc": {"a": 1}})",
       "Updating the path 'a' would create a conflict at 'a'"},
      {R"({"$set": {"a": 1}, "$inc": {"a.b": 1}})",
       "Updating the path 'a.b' would create a conflict at 'a'"},
      {R"({"$set": {"a.b": 1, "a": 1}})", "Updating the path 'a' would create a conflict at 'a'"},
      {R"({"$set": {"a.b.c": 1}, "$unset": {"a.b": 1}})",
       "Updating the path 'a.b' would create a conflict at 'a.b'"},
      {R"({"$rename": {"a": "b"}, "$set": {"b": 1}})",
       "Updating the path 'b' would create a conflict at 'b'"},
      {R"({"$rename": {"a": "b"}, "$set": {"a.x": 1}})",
       "Updating the path 'a.x' would create a conflict at 'a'"},
      {R"({"$set": {"a.$": 1, "a.$.b": 1}})",
       "Updating the path 'a.$.b' would create a conflict at 'a.$'"},
      {R"({"$setOnInsert": {"a": 1}, "$set": {"a": 2}})", "would create a conflict at 'a'"},
      {R"({"$set": {"": 1}})", "An empty update path is not valid."},
      {R"({"$set": {"a..b": 1}})",
       "The update path 'a..b' contains an empty field name, which is not allowed."},
      {R"({"$set": {"a.": 1}})", "contains an empty field name"},
      {R"({"$inc": {".a": 1}})", "contains an empty field name"},
      {R"({"$set": {"$.a": 1}})",
       "Cannot have positional (i.e. '$') element in the first position in path '$.a'"},
      {R"({"$set": {"$[].a": 1}})", "element in the first position in path '$[].a'"},
      {R"({"$set": {"a.$.b.$": 1}})",
       "Too many positional (i.e. '$') elements found in path 'a.$.b.$'"},
      {R"({"$set": {"a.$foo": 1}})",
       "The dollar ($) prefixed field '$foo' in 'a.$foo' is not valid for storage."},
      {R"({"$unset": {"_id": 1}})",
       "Performing an update on the path '_id' would modify the immutable field '_id'"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(Compile(c.modifier), StatusIs(absl::StatusCode::kInvalidArgument, c.fragment))
        << c.modifier;
  }
  EXPECT_THAT(Modifier::Compile(Value::Int32(5).view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "modifier must be a document"));
}

TEST(ModifierCompileTest, AcceptsNonOverlappingPaths) {
  EXPECT_THAT(Compile(R"({"$set": {"a.b": 1, "a.c": 1}, "$inc": {"ab": 1, "a.bc": 2}})"), IsOk());
  EXPECT_THAT(Compile(R"({"$set": {"a.$[].b": 1, "a.0.c": 1}})"), IsOk());
  EXPECT_THAT(Compile(R"({"$rename": {"a": "b", "c": "d"}})"), IsOk());
}

TEST(ModifierCompileTest, PathDepthIsCapped) {
  std::string long_path = "a";
  for (int i = 0; i < 100; ++i) long_path += ".a";  // 101 parts
  Value spec = Value::Object({{"$set", Value::Object({{long_path, Value::Int32(1)}})}});
  EXPECT_THAT(Modifier::Compile(spec.view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "has more than 100 parts"));
}

TEST(ModifierCompileTest, ResultDepthIsCapped) {
  auto path_of = [](int parts) {
    std::string p = "a";
    for (int i = 1; i < parts; ++i) p += ".a";
    return p;
  };
  Value deep_value = Parse(R"({"x": {"y": 1}})");  // depth 2
  // 98 parts + depth 2 = 100 levels: fine. 99 + 2 = 101: too deep.
  Value ok_spec = Value::Object({{"$set", Value::Object({{path_of(98), deep_value}})}});
  Value bad_spec = Value::Object({{"$set", Value::Object({{path_of(99), deep_value}})}});
  Value doc = Parse(R"({"_id": 1})");
  absl::StatusOr<Modifier> ok = Modifier::Compile(ok_spec.view());
  ASSERT_THAT(ok, IsOk());
  EXPECT_THAT(ok->Apply(doc.view()), IsOk());
  absl::StatusOr<Modifier> bad = Modifier::Compile(bad_spec.view());
  ASSERT_THAT(bad, IsOk());
  EXPECT_THAT(bad->Apply(doc.view()),
              StatusIs(absl::StatusCode::kInvalidArgument, "nests deeper than 100 levels"));
}

TEST(ModifierCompileTest, NonDocumentOperandsAndEmptyOperandsAreNoOps) {
  // MongoDB 5.0 accepts {$set: {}}; Meteor and the conformance corpus accept {$min: 5}.
  ExpectUpdate(R"({"_id": "v1", "a": 1, "arr": [1]})", R"({"$currentDate": 5})",
               R"({"_id": "v1", "a": 1, "arr": [1]})");
  ExpectUpdate(R"({"_id": "v1", "a": 1, "arr": [1]})", R"({"$min": 5})",
               R"({"_id": "v1", "a": 1, "arr": [1]})");
  ExpectUpdate(R"({"_id": 1, "a": 1})", R"({"$set": {}, "$unset": {}})", R"({"_id": 1, "a": 1})");
  EXPECT_THAT(Compile(R"({"$bogus": 5})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "Unknown modifier: $bogus"));
}

TEST(ModifierReplacementTest, Table) {
  ExpectUpdate(R"({"_id": "r1", "a": 1, "b": 2})", R"({"_id": "r1", "c": 3})",
               R"({"_id": "r1", "c": 3})");
  ExpectUpdate(R"({"_id": "r1", "a": 1, "b": 2})", R"({"b": 1, "a": 2})",
               R"({"_id": "r1", "b": 1, "a": 2})");
  // `_id` stays first.
  ExpectUpdate(R"({"_id": "r1", "a": 1, "b": 2})", R"({"a": 1, "_id": "r1"})",
               R"({"_id": "r1", "a": 1})");
  ExpectUpdate(R"({"_id": "r1", "a": 1})", R"({})", R"({"_id": "r1"})");
  ExpectUpdate(R"({"_id": 1, "a": 1})", R"({"x": {"y": [1, {"z": null}]}})",
               R"({"_id": 1, "x": {"y": [1, {"z": null}]}})");
  // A seed without _id (an upsert insert): the replacement as given, `_id` first.
  ExpectUpdate(R"({"q": 1})", R"({"a": 1})", R"({"a": 1})");
  ExpectUpdate(R"({"q": 1})", R"({"a": 1, "_id": 5})", R"({"_id": 5, "a": 1})");
}

TEST(ModifierReplacementTest, Rejections) {
  absl::StatusOr<Modifier> change_id = Compile(R"({"_id": "e2", "z": 1})");
  ASSERT_THAT(change_id, IsOk());
  EXPECT_THAT(change_id->Apply(Parse(R"({"_id": "e1", "a": 1})").view()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "After applying the update, the (immutable) field '_id' was found to "
                       "have been altered to _id: \"e2\""));
  EXPECT_THAT(Compile(R"({"a": 1, "$set": {"b": 1}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "The dollar ($) prefixed field '$set' in '$set' is not valid for storage."));
  EXPECT_THAT(Compile(R"({"a.b": 1})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "The dotted field 'a.b' in 'a.b' is not valid for storage."));
  EXPECT_THAT(Compile(R"({"a": {"b": [{"$c": 1}]}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "The dollar ($) prefixed field '$c' in 'a.b.0.$c' is not valid"));
  EXPECT_THAT(Compile(R"({"_id": [1], "a": 1})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "cannot be of type array"));
}

TEST(ModifierPathsTest, OperatorPaths) {
  absl::StatusOr<Modifier> m = Compile(
      R"({"$set": {"b.c": 1, "a": 1, "n.0.k": 1}, "$inc": {"x.$.y": 1, "z.$[].w": 1},
          "$rename": {"r": "s.t"}, "$unset": {"b.c2": 1}})");
  ASSERT_THAT(m, IsOk());
  EXPECT_FALSE(m->is_replacement());
  EXPECT_THAT(m->paths(), ElementsAre("a", "b.c", "b.c2", "n.0.k", "r", "s.t", "x", "z"));
}

TEST(ModifierPathsTest, ReplacementPaths) {
  absl::StatusOr<Modifier> m = Compile(R"({"_id": 1, "z": 1, "a": {"b": 2}})");
  ASSERT_THAT(m, IsOk());
  EXPECT_TRUE(m->is_replacement());
  EXPECT_THAT(m->paths(), ElementsAre("a", "z"));
}

TEST(ModifierTest, MoveKeepsBehaviour) {
  absl::StatusOr<Modifier> m = Compile(R"({"$inc": {"n": 2}})");
  ASSERT_THAT(m, IsOk());
  Modifier moved = *std::move(m);
  Modifier assigned = *Compile(R"({"$set": {"x": 1}})");
  assigned = std::move(moved);
  absl::StatusOr<Value> r = assigned.Apply(Parse(R"({"_id": 1, "n": 1})").view());
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(BytesIdentical(r->view(), Parse(R"({"_id": 1, "n": 3})").view()));
}

// ---------------------------------------------------------------------------------------------
// Fast path vs general path. Adding a $setOnInsert on an unrelated path forces the general path
// (it is ignored outside upsert inserts), so the two modifiers must agree exactly: same
// document bytes, or the same error.

class RandomUpdates {
 public:
  explicit RandomUpdates(uint32_t seed) : rng_(seed) {}

  Value Document() {
    std::vector<std::pair<std::string, Value>> fields;
    fields.emplace_back("_id", Value::Int32(Int(0, 1000)));
    for (const char* name : {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}) {
      if (Int(0, 4) == 0) continue;  // some fields missing
      fields.emplace_back(name, Leaf(2));
    }
    return Value::Object(fields);
  }

  Value Modifier() {
    std::vector<std::pair<std::string, Value>> set, unset, inc;
    std::vector<std::string> used;
    int n = Int(1, 4);
    for (int i = 0; i < n; ++i) {
      std::string path = Path();
      bool overlaps = false;
      for (const std::string& u : used) {
        size_t m = std::min(u.size(), path.size());
        if (u.compare(0, m, path, 0, m) == 0 &&
            (u.size() == path.size() || (u.size() > m ? u[m] : path[m]) == '.')) {
          overlaps = true;
        }
      }
      if (overlaps) continue;
      used.push_back(path);
      switch (Int(0, 2)) {
        case 0:
          set.emplace_back(path, Leaf(1));
          break;
        case 1:
          unset.emplace_back(path, Value::Int32(1));
          break;
        default:
          inc.emplace_back(
              path, Int(0, 5) == 0 ? Value::Double(0.5) : Value::Int32(Int(-2, 2) * 1000000000));
          break;
      }
    }
    std::vector<std::pair<std::string, Value>> spec;
    if (!set.empty()) spec.emplace_back("$set", Value::Object(set));
    if (!unset.empty()) spec.emplace_back("$unset", Value::Object(unset));
    if (!inc.empty()) spec.emplace_back("$inc", Value::Object(inc));
    return Value::Object(spec);
  }

 private:
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  std::string Path() {
    static const char* kNames[] = {"a", "b", "c", "x", "y", "k", "z"};
    std::string p = kNames[Int(0, 6)];
    int extra = Int(0, 2);
    for (int i = 0; i < extra; ++i) p += std::string(".") + kNames[Int(0, 6)];
    return p;
  }

  Value Leaf(int depth) {
    switch (Int(0, depth > 0 ? 7 : 5)) {
      case 0:
        return Value::Int32(Int(-4, 4) * 500000000);
      case 1:
        return Value::Double(Int(-10, 10) / 4.0);
      case 2:
        return Value::String(Int(0, 1) ? "short" : "a string longer than ten bytes");
      case 3:
        return Value::Null();
      case 4:
        return Value::Int64(int64_t{1} << Int(0, 62));
      case 5:
        return Value::Bool(Int(0, 1) == 1);
      case 6: {
        std::vector<Value> elements;
        for (int i = Int(0, 3); i > 0; --i) elements.push_back(Leaf(depth - 1));
        return Value::Array(elements);
      }
      default: {
        std::vector<std::pair<std::string, Value>> fields;
        static const char* kNames[] = {"a", "x", "y", "k"};
        for (const char* name : kNames) {
          if (Int(0, 1)) fields.emplace_back(name, Leaf(depth - 1));
        }
        return Value::Object(fields);
      }
    }
  }

  std::mt19937 rng_;
};

TEST(ModifierFastPathTest, AgreesWithGeneralPath) {
  uint32_t seed = ::testing::UnitTest::GetInstance()->random_seed();
  if (seed == 0) seed = 20240601;
  SCOPED_TRACE(::testing::Message() << "seed " << seed << " (--gtest_random_seed to replay)");
  RandomUpdates random(seed);
  Value probe = Value::Object({{"zz_general_path_probe", Value::Int32(1)}});
  int errors = 0;
  for (int iteration = 0; iteration < 3000; ++iteration) {
    Value doc = random.Document();
    Value spec = random.Modifier();
    std::vector<std::pair<std::string, Value>> general_fields;
    for (const Field& f : spec.view().fields())
      general_fields.emplace_back(f.key, f.value.ToValue());
    general_fields.emplace_back("$setOnInsert", probe);
    Value general_spec = Value::Object(general_fields);

    absl::StatusOr<Modifier> fast = Modifier::Compile(spec.view());
    absl::StatusOr<Modifier> general = Modifier::Compile(general_spec.view());
    ASSERT_THAT(fast, IsOk()) << Text(spec.view());
    ASSERT_THAT(general, IsOk()) << Text(general_spec.view());
    absl::StatusOr<Value> a = fast->Apply(doc.view());
    absl::StatusOr<Value> b = general->Apply(doc.view());
    SCOPED_TRACE(::testing::Message() << "iteration " << iteration << " doc " << Text(doc.view())
                                      << " modifier " << Text(spec.view()));
    ASSERT_EQ(a.ok(), b.ok()) << a.status() << " vs " << b.status();
    if (!a.ok()) {
      ++errors;
      EXPECT_EQ(a.status(), b.status());
      continue;
    }
    ASSERT_TRUE(BytesIdentical(a->view(), b->view()))
        << "fast " << Text(a->view()) << "\ngeneral " << Text(b->view());
  }
  // The generator must exercise both outcomes.
  EXPECT_GT(errors, 10);
  EXPECT_LT(errors, 2000);
}

}  // namespace
}  // namespace minimongo::query
