#include "query/internal/mutable_value.h"

#include <cstring>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "query/ejson.h"
#include "query/value.h"

namespace minimongo::query::internal {
namespace {

Value Parse(std::string_view text) {
  absl::StatusOr<Value> v = ParseEjson(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status();
  return v.ok() ? *v : Value();
}

// Same type, key order and bytes (so int32 1 differs from double 1.0).
bool Identical(ValueView a, ValueView b) {
  return a.type() == b.type() && a.payload_size() == b.payload_size() &&
         std::memcmp(a.payload(), b.payload(), a.payload_size()) == 0;
}

std::string Text(const Value& v) { return ToEjson(v.view(), EjsonOptions{.mark_doubles = true}); }

TEST(MutableValueTest, DefaultIsNull) {
  MutableValue v;
  EXPECT_EQ(v.type(), Type::kNull);
  EXPECT_TRUE(v.is_packed());
  EXPECT_TRUE(v.ToValue().IsNull());
}

TEST(MutableValueTest, FromValueRoundTripsWithoutExpanding) {
  Value doc = Parse(R"({"_id": 1, "a": {"b": [1, 2.5, "x"]}, "c": null})");
  MutableValue m = MutableValue::FromValue(doc.view());
  EXPECT_TRUE(m.is_packed());
  EXPECT_EQ(m.type(), Type::kObject);
  EXPECT_EQ(m.size(), 3u);
  Value back = m.ToValue();
  EXPECT_TRUE(Identical(back.view(), doc.view())) << Text(back);
}

TEST(MutableValueTest, ExpandedUntouchedObjectEncodesIdentically) {
  Value doc = Parse(R"({"_id": 1, "a": {"b": [1, 2.5, "x"]}, "c": {"$date": 5}})");
  MutableValue m = MutableValue::FromValue(doc.view());
  ASSERT_EQ(m.Fields().size(), 3u);
  EXPECT_FALSE(m.is_packed());
  EXPECT_EQ(m.Fields()[1].key, "a");
  EXPECT_TRUE(m.Fields()[1].value.is_packed());  // children stay packed
  EXPECT_TRUE(Identical(m.ToValue().view(), doc.view())) << Text(m.ToValue());
}

TEST(MutableValueTest, EditNestedObject) {
  Value doc = Parse(R"({"a": {"b": 1, "c": 2}, "z": 0})");
  MutableValue m = MutableValue::FromValue(doc.view());
  MutableValue* a = m.FindField("a");
  ASSERT_NE(a, nullptr);
  a->FindField("b")->Assign(Value::String("new"));
  EXPECT_TRUE(a->RemoveField("c"));
  EXPECT_FALSE(a->RemoveField("c"));
  a->AppendField("d", MutableValue(Value::Int32(4)));
  EXPECT_EQ(m.FindField("missing"), nullptr);
  EXPECT_TRUE(Identical(m.ToValue().view(), Parse(R"({"a": {"b": "new", "d": 4}, "z": 0})").view()))
      << Text(m.ToValue());
  // The input is untouched.
  EXPECT_TRUE(Identical(doc.view(), Parse(R"({"a": {"b": 1, "c": 2}, "z": 0})").view()));
}

TEST(MutableValueTest, EditArrayElements) {
  Value doc = Parse(R"({"a": [1, {"x": 1}, 3]})");
  MutableValue m = MutableValue::FromValue(doc.view());
  std::vector<MutableValue>& elements = m.FindField("a")->Elements();
  ASSERT_EQ(elements.size(), 3u);
  elements[1].FindField("x")->Assign(Value::Int32(9));
  elements.emplace_back();  // null
  elements.push_back(MutableValue::EmptyArray());
  EXPECT_TRUE(Identical(m.ToValue().view(), Parse(R"({"a": [1, {"x": 9}, 3, null, []]})").view()))
      << Text(m.ToValue());
}

TEST(MutableValueTest, EmptyContainers) {
  EXPECT_TRUE(Identical(MutableValue::EmptyObject().ToValue().view(), Parse("{}").view()));
  EXPECT_TRUE(Identical(MutableValue::EmptyArray().ToValue().view(), Parse("[]").view()));
  MutableValue o = MutableValue::EmptyObject();
  o.AppendField("k", MutableValue::EmptyObject())
      ->AppendField("j", MutableValue(Value::Bool(true)));
  EXPECT_TRUE(Identical(o.ToValue().view(), Parse(R"({"k": {"j": true}})").view()))
      << Text(o.ToValue());
}

TEST(MutableValueTest, AssignReplacesExpandedNode) {
  Value doc = Parse(R"({"a": {"b": 1}})");
  MutableValue m = MutableValue::FromValue(doc.view());
  MutableValue* a = m.FindField("a");
  a->Fields();  // expand
  a->Assign(Value::Int32(7));
  EXPECT_TRUE(a->is_packed());
  EXPECT_EQ(a->type(), Type::kInt32);
  EXPECT_TRUE(Identical(m.ToValue().view(), Parse(R"({"a": 7})").view())) << Text(m.ToValue());
}

TEST(MutableValueTest, DeepExpansionEncodesIteratively) {
  // 5000 expanded levels: encoding must not recurse per level.
  MutableValue root = MutableValue::EmptyObject();
  MutableValue* node = &root;
  for (int i = 0; i < 5000; ++i) node = node->AppendField("a", MutableValue::EmptyObject());
  Value v = root.ToValue();
  size_t depth = 0;
  ValueView cur = v.view();
  while (cur.IsObject() && !cur.empty()) {
    cur = *cur.Find("a");
    ++depth;
  }
  EXPECT_EQ(depth, 5000u);
}

}  // namespace
}  // namespace minimongo::query::internal
