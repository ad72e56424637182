// The JSON lines of live-query events (ddp_sync/event_json.h): the exact bytes `minimongo
// replay --observe` and `minimongo connect --observe` print, one shape per event kind.

#include "ddp_sync/event_json.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/ejson.h"
#include "query/value.h"

namespace minimongo::ddp {
namespace {

using ::testing::ElementsAre;
using query::Value;

Value Ejson(std::string_view text) {
  absl::StatusOr<Value> v = query::ParseEjson(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status();
  return v.ok() ? *std::move(v) : Value();
}

TEST(EventJsonTest, UnorderedCallbacksPrintAddedChangedRemoved) {
  std::vector<std::string> lines;
  ObserveChangesCallbacks c =
      EventJsonCallbacks(false, [&](std::string line) { lines.push_back(std::move(line)); });
  EXPECT_FALSE(c.added_before);
  EXPECT_FALSE(c.moved_before);
  ASSERT_TRUE(c.added && c.changed && c.removed);
  c.added(Value::String("f1").view(), Ejson(R"({"name":"a","at":{"$date":5}})").view());
  c.changed(Value::String("f1").view(), Ejson(R"({"n":1})").view(), {"old", "x\"y"});
  c.changed(Value::Int64(7).view(), Ejson("{}").view(), {});
  c.removed(Value::String("f1").view());
  EXPECT_THAT(lines,
              ElementsAre(R"({"event":"added","id":"f1","fields":{"name":"a","at":{"$date":5}}})",
                          R"({"event":"changed","id":"f1","fields":{"n":1},"cleared":["old","x\"y"]})",
                          R"({"event":"changed","id":7,"fields":{},"cleared":[]})",
                          R"({"event":"removed","id":"f1"})"));
}

TEST(EventJsonTest, OrderedCallbacksPrintPositions) {
  std::vector<std::string> lines;
  ObserveChangesCallbacks c =
      EventJsonCallbacks(true, [&](std::string line) { lines.push_back(std::move(line)); });
  EXPECT_FALSE(c.added);
  ASSERT_TRUE(c.added_before && c.moved_before && c.changed && c.removed);
  Value b = Value::String("b");
  c.added_before(Value::String("a").view(), Ejson(R"({"v":1})").view(), b.view());
  c.added_before(Value::String("c").view(), Ejson("{}").view(), std::nullopt);
  c.moved_before(Value::String("a").view(), std::nullopt);
  c.moved_before(Value::String("c").view(), b.view());
  EXPECT_THAT(lines,
              ElementsAre(R"({"event":"addedBefore","id":"a","fields":{"v":1},"before":"b"})",
                          R"({"event":"addedBefore","id":"c","fields":{},"before":null})",
                          R"({"event":"movedBefore","id":"a","before":null})",
                          R"({"event":"movedBefore","id":"c","before":"b"})"));
}

// Meteor's forms stay canonical: a plain object that looks like one is escaped, never decoded.
TEST(EventJsonTest, FieldsAreCanonicalMeteorEjson) {
  std::vector<std::string> lines;
  ObserveChangesCallbacks c =
      EventJsonCallbacks(false, [&](std::string line) { lines.push_back(std::move(line)); });
  c.added(Value::String("e").view(),
          Ejson(R"({"x":{"$escape":{"$date":1}},"b":{"$binary":"AA=="}})").view());
  EXPECT_THAT(lines, ElementsAre(R"({"event":"added","id":"e","fields":{"x":{"$escape":{"$date":1}},"b":{"$binary":"AA=="}}})"));
}

}  // namespace
}  // namespace minimongo::ddp
