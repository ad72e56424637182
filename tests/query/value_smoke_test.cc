#include "query/value.h"

#include "gtest/gtest.h"
#include "query/value_order.h"

namespace minimongo::query {
namespace {
TEST(ValueSmoke, Builds) {
  Value v = Value::Object({{"a", Value::Int32(1)}, {"b", Value::String("a long string here")}});
  EXPECT_EQ(v.size(), 2u);
  EXPECT_EQ(v.Find("b")->AsString(), "a long string here");
  EXPECT_EQ(Value::Int32(1), Value::Double(1.0));
}
}  // namespace
}  // namespace minimongo::query
