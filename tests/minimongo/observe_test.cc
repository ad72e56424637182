// Unit tests of live queries (observe.h): every callback form, windows with skip and limit,
// projections, routing, sharing, stopping, nested writes from callbacks, pause and resume.
// Expected event sequences are written by hand from Meteor's documented observe contract.

#include "minimongo/observe.h"

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "minimongo/collection.h"
#include "minimongo/database.h"
#include "query/ejson.h"
#include "query/value.h"
#include "tests/testing/status_matchers.h"

namespace minimongo {
namespace {

using ::minimongo::testing::IsOk;
using ::minimongo::testing::StatusIs;
using query::Value;
using query::ValueView;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

Value Parse(std::string_view text) {
  absl::StatusOr<Value> v = query::ParseEjson(text);
  EXPECT_THAT(v, IsOk()) << text;
  return v.ok() ? *std::move(v) : Value();
}

std::string J(ValueView v) { return query::ToEjson(v); }

// One expected log line: `kind(arg, arg, ...)`, each argument EJSON text written freely (it is
// parsed and printed canonically, as the recorder prints what it receives).
std::string L(std::string_view kind, std::initializer_list<std::string_view> args) {
  std::string out(kind);
  out += '(';
  bool first = true;
  for (std::string_view a : args) {
    if (!first) out += ", ";
    first = false;
    out += J(Parse(a).view());
  }
  out += ')';
  return out;
}

// {_id: n, n: n}.
std::string NDoc(int n) { return "{\"_id\": " + std::to_string(n) + ", \"n\": " + std::to_string(n) + "}"; }

std::string Before(std::optional<ValueView> before) { return before ? J(*before) : "null"; }

std::string Cleared(const std::vector<std::string>& cleared) {
  query::ValueBuilder b;
  b.BeginArray();
  for (const std::string& c : cleared) b.AppendString(c);
  b.EndArray();
  return J(b.Finish().view());
}

// Records every callback as one line.
struct Recorder {
  std::vector<std::string> log;

  std::vector<std::string> Take() { return std::exchange(log, {}); }

  ObserveChangesCallbacks Unordered() {
    ObserveChangesCallbacks cb;
    cb.added = [this](ValueView id, ValueView fields) {
      log.push_back("added(" + J(id) + ", " + J(fields) + ")");
    };
    cb.changed = [this](ValueView id, ValueView fields, const std::vector<std::string>& cleared) {
      log.push_back("changed(" + J(id) + ", " + J(fields) + ", " + Cleared(cleared) + ")");
    };
    cb.removed = [this](ValueView id) { log.push_back("removed(" + J(id) + ")"); };
    return cb;
  }

  ObserveChangesCallbacks Ordered() {
    ObserveChangesCallbacks cb = Unordered();
    cb.added = nullptr;
    cb.added_before = [this](ValueView id, ValueView fields, std::optional<ValueView> before) {
      log.push_back("addedBefore(" + J(id) + ", " + J(fields) + ", " + Before(before) + ")");
    };
    cb.moved_before = [this](ValueView id, std::optional<ValueView> before) {
      log.push_back("movedBefore(" + J(id) + ", " + Before(before) + ")");
    };
    return cb;
  }

  ObserveCallbacks Docs() {
    ObserveCallbacks cb;
    cb.added = [this](const Value& doc) { log.push_back("added(" + J(doc.view()) + ")"); };
    cb.changed = [this](const Value& doc, const Value& old) {
      log.push_back("changed(" + J(doc.view()) + ", " + J(old.view()) + ")");
    };
    cb.removed = [this](const Value& old) { log.push_back("removed(" + J(old.view()) + ")"); };
    return cb;
  }

  ObserveCallbacks IndexedDocs() {
    ObserveCallbacks cb;
    cb.added_at = [this](const Value& doc, size_t index, std::optional<ValueView> before) {
      log.push_back("addedAt(" + J(doc.view()) + ", " + std::to_string(index) + ", " +
                    Before(before) + ")");
    };
    cb.changed_at = [this](const Value& doc, const Value& old, size_t index) {
      log.push_back("changedAt(" + J(doc.view()) + ", " + J(old.view()) + ", " +
                    std::to_string(index) + ")");
    };
    cb.removed_at = [this](const Value& old, size_t index) {
      log.push_back("removedAt(" + J(old.view()) + ", " + std::to_string(index) + ")");
    };
    cb.moved_to = [this](const Value& doc, size_t from, size_t to,
                         std::optional<ValueView> before) {
      log.push_back("movedTo(" + J(doc.view()) + ", " + std::to_string(from) + ", " +
                    std::to_string(to) + ", " + Before(before) + ")");
    };
    return cb;
  }
};

class ObserveTest : public ::testing::Test {
 protected:
  void Insert(std::string_view doc) { ASSERT_THAT(files_.Insert(Parse(doc)), IsOk()) << doc; }
  void Update(std::string_view selector, std::string_view modifier, UpdateOptions options = {}) {
    ASSERT_THAT(files_.Update(Parse(selector), Parse(modifier), options), IsOk()) << modifier;
  }
  void Remove(std::string_view selector) {
    ASSERT_THAT(files_.Remove(Parse(selector)), IsOk()) << selector;
  }
  ObserveOptions Options(std::string_view sort = "null", size_t skip = 0,
                         std::optional<size_t> limit = std::nullopt,
                         std::string_view projection = "null") {
    ObserveOptions o;
    o.sort = Parse(sort);
    o.skip = skip;
    o.limit = limit;
    o.projection = Parse(projection);
    return o;
  }
  ObserveHandle Changes(std::string_view selector, const ObserveOptions& options,
                        ObserveChangesCallbacks callbacks) {
    absl::StatusOr<ObserveHandle> h =
        files_.ObserveChanges(Parse(selector), options, std::move(callbacks));
    EXPECT_THAT(h, IsOk());
    return h.ok() ? std::move(*h) : ObserveHandle();
  }
  ObserveHandle Docs(std::string_view selector, const ObserveOptions& options,
                     ObserveCallbacks callbacks) {
    absl::StatusOr<ObserveHandle> h = files_.Observe(Parse(selector), options, std::move(callbacks));
    EXPECT_THAT(h, IsOk());
    return h.ok() ? std::move(*h) : ObserveHandle();
  }

  Collection files_{"files"};
  Recorder rec_;
};

// ---- Unordered observeChanges ----------------------------------------------------------------

TEST_F(ObserveTest, UnorderedInitialAddsThenEveryKindOfChange) {
  Insert(R"({"_id": 1, "a": 1, "b": "x"})");
  Insert(R"({"_id": 2, "a": 2})");
  Insert(R"({"_id": 3, "a": 1})");
  ObserveHandle h = Changes(R"({"a": 1})", Options(), rec_.Unordered());
  // Initial result in insertion order, fields without _id.
  EXPECT_THAT(rec_.Take(), ElementsAre(L("added", {"1", R"({"a": 1, "b": "x"})"}),
                                       L("added", {"3", R"({"a": 1})"})));
  Insert(R"({"_id": 4, "a": 1, "c": true})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("added", {"4", R"({"a": 1, "c": true})"})));
  Insert(R"({"_id": 5, "a": 9})");
  EXPECT_THAT(rec_.Take(), IsEmpty());
  // Only the fields that changed, with their new values; removed fields are cleared.
  Update(R"({"_id": 1})", R"({"$set": {"b": "y", "d": 4}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {"1", R"({"b": "y", "d": 4})", "[]"})));
  Update(R"({"_id": 1})", R"({"$unset": {"b": 1}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {"1", "{}", R"(["b"])"})));
  // Leaving and entering the result.
  Update(R"({"_id": 3})", R"({"$set": {"a": 2}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {"3"})));
  Update(R"({"_id": 2})", R"({"$set": {"a": 1}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("added", {"2", R"({"a": 1})"})));
  Remove(R"({"_id": 4})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {"4"})));
  Remove(R"({"_id": 5})");
  EXPECT_THAT(rec_.Take(), IsEmpty());
}

TEST_F(ObserveTest, WriteThatChangesNothingReportsNothing) {
  Insert(R"({"_id": 1, "a": 1, "b": 2})");
  ObserveHandle h = Changes("{}", Options(), rec_.Unordered());
  rec_.Take();
  Update(R"({"_id": 1})", R"({"$set": {"b": 2}})");
  Update(R"({"_id": 1})", R"({"$set": {"a": 1}})");
  EXPECT_THAT(rec_.Take(), IsEmpty());
  Update(R"({"_id": 1})", R"({"$set": {"b": 2.5}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {"1", R"({"b": 2.5})", "[]"})));
  // Moving a field to the end changes no value: not observed.
  Update(R"({"_id": 1})", R"({"a": 1, "b": 2.5})");
  Update(R"({"_id": 1})", R"({"b": 2.5, "a": 1})");
  EXPECT_THAT(rec_.Take(), IsEmpty());
}

TEST_F(ObserveTest, ProjectionHidesFieldsAndTheirChanges) {
  Insert(R"({"_id": 1, "a": 1, "b": 2, "c": {"x": 1, "y": 2}})");
  ObserveHandle h = Changes(R"({"a": 1})", Options("null", 0, std::nullopt, R"({"b": 1, "c.x": 1})"),
                            rec_.Unordered());
  EXPECT_THAT(rec_.Take(), ElementsAre(L("added", {"1", R"({"b": 2, "c": {"x": 1}})"})));
  Update(R"({"_id": 1})", R"({"$set": {"c.y": 5, "d": 1}})");
  EXPECT_THAT(rec_.Take(), IsEmpty());
  Update(R"({"_id": 1})", R"({"$set": {"c.x": 7}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {"1", R"({"c": {"x": 7}})", "[]"})));
  Update(R"({"_id": 1})", R"({"$unset": {"b": 1}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {"1", "{}", R"(["b"])"})));
  // The selector's field is not projected: its change is invisible, but it still decides
  // membership.
  Update(R"({"_id": 1})", R"({"$set": {"a": 2}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {"1"})));
}

TEST_F(ObserveTest, ExclusionProjection) {
  Insert(R"({"_id": 1, "a": 1, "secret": 2})");
  ObserveHandle h =
      Changes("{}", Options("null", 0, std::nullopt, R"({"secret": 0})"), rec_.Unordered());
  EXPECT_THAT(rec_.Take(), ElementsAre(L("added", {"1", R"({"a": 1})"})));
  Update(R"({"_id": 1})", R"({"$set": {"secret": 3}})");
  EXPECT_THAT(rec_.Take(), IsEmpty());
  Update(R"({"_id": 1})", R"({"$set": {"n": 3}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {"1", R"({"n": 3})", "[]"})));
}

TEST_F(ObserveTest, PositionalProjectionFollowsTheMatchedElement) {
  Insert(R"({"_id": 1, "tags": [1, 5, 9]})");
  ObserveHandle h = Changes(R"({"tags": {"$gte": 5}})",
                            Options("null", 0, std::nullopt, R"({"tags.$": 1})"), rec_.Unordered());
  EXPECT_THAT(rec_.Take(), ElementsAre(L("added", {"1", R"({"tags": [5]})"})));
  // The first matching element is now a different one.
  Update(R"({"_id": 1})", R"({"$set": {"tags": [7, 5]}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {"1", R"({"tags": [7]})", "[]"})));
}

TEST_F(ObserveTest, SuppressInitial) {
  Insert(R"({"_id": 1, "a": 1})");
  ObserveOptions options = Options();
  options.suppress_initial = true;
  ObserveHandle h = Changes("{}", options, rec_.Unordered());
  EXPECT_THAT(rec_.Take(), IsEmpty());
  Update(R"({"_id": 1})", R"({"$set": {"a": 2}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {"1", R"({"a": 2})", "[]"})));
}

TEST_F(ObserveTest, UpsertAndMultiUpdate) {
  ObserveHandle h = Changes(R"({"k": 1})", Options(), rec_.Unordered());
  UpdateOptions upsert;
  upsert.upsert = true;
  Update(R"({"_id": "u", "k": 1})", R"({"$set": {"n": 1}})", upsert);
  EXPECT_THAT(rec_.Take(), ElementsAre(L("added", {R"("u")", R"({"k": 1, "n": 1})"})));
  Insert(R"({"_id": "v", "k": 1})");
  rec_.Take();
  UpdateOptions multi;
  multi.multi = true;
  Update(R"({"k": 1})", R"({"$inc": {"n": 10}})", multi);
  // Documents in the order the write changed them (insertion order).
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {R"("u")", R"({"n": 11})", "[]"}),
                                       L("changed", {R"("v")", R"({"n": 10})", "[]"})));
}

TEST_F(ObserveTest, ReplicaPrimitivesAreObserved) {
  Insert(R"({"_id": 1, "a": 1})");
  ObserveHandle h = Changes("{}", Options(), rec_.Unordered());
  rec_.Take();
  std::vector<std::string_view> cleared = {"a"};
  ASSERT_THAT(files_.MergeTopLevelFields(Value::Int32(1).view(), Parse(R"({"b": 2})").view(),
                                         cleared),
              IsOk());
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {"1", R"({"b": 2})", R"(["a"])"})));
  ASSERT_THAT(files_.ReplaceDocument(Parse(R"({"_id": 1, "c": 3})")), IsOk());
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {"1", R"({"c": 3})", R"(["b"])"})));
  EXPECT_TRUE(files_.RemoveById(Value::Int32(1).view()));
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {"1"})));
}

// ---- Ordered observeChanges ------------------------------------------------------------------

TEST_F(ObserveTest, OrderedAddedBeforeAndMovedBefore) {
  Insert(R"({"_id": "a", "n": 3})");
  Insert(R"({"_id": "b", "n": 1})");
  Insert(R"({"_id": "c", "n": 2})");
  ObserveHandle h = Changes("{}", Options(R"({"n": 1})"), rec_.Ordered());
  // Initial result in order, each appended at the end.
  EXPECT_THAT(rec_.Take(), ElementsAre(L("addedBefore", {R"("b")", R"({"n": 1})", "null"}),
                                       L("addedBefore", {R"("c")", R"({"n": 2})", "null"}),
                                       L("addedBefore", {R"("a")", R"({"n": 3})", "null"})));
  Insert(R"({"_id": "d", "n": 1.5})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("addedBefore", {R"("d")", R"({"n": 1.5})", R"("c")"})));
  Insert(R"({"_id": "e", "n": 10})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("addedBefore", {R"("e")", R"({"n": 10})", "null"})));
  // b d c a e -> d c b a e: changed, then moved before its new successor.
  Update(R"({"_id": "b"})", R"({"$set": {"n": 2.5}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {R"("b")", R"({"n": 2.5})", "[]"}),
                                       L("movedBefore", {R"("b")", R"("a")"})));
  // A change of the sort key that keeps the position: no move.
  Update(R"({"_id": "b"})", R"({"$set": {"n": 2.6}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {R"("b")", R"({"n": 2.6})", "[]"})));
  // To the end.
  Update(R"({"_id": "d"})", R"({"$set": {"n": 99}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {R"("d")", R"({"n": 99})", "[]"}),
                                       L("movedBefore", {R"("d")", "null"})));
  Remove(R"({"_id": "a"})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {R"("a")"})));
}

TEST_F(ObserveTest, OrderedWithoutSortIsInsertionOrder) {
  Insert(R"({"_id": 1, "k": 1})");
  Insert(R"({"_id": 2, "k": 0})");
  Insert(R"({"_id": 3, "k": 1})");
  ObserveHandle h = Changes(R"({"k": 1})", Options(), rec_.Ordered());
  rec_.Take();
  // Document 2 enters between 1 and 3, where it was inserted.
  Update(R"({"_id": 2})", R"({"$set": {"k": 1}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("addedBefore", {"2", R"({"k": 1})", "3"})));
}

TEST_F(ObserveTest, EqualSortKeysKeepInsertionOrder) {
  Insert(R"({"_id": 1, "n": 5})");
  Insert(R"({"_id": 2, "n": 5})");
  ObserveHandle h = Changes("{}", Options(R"({"n": -1})"), rec_.Ordered());
  EXPECT_THAT(rec_.Take(), ElementsAre(L("addedBefore", {"1", R"({"n": 5})", "null"}),
                                       L("addedBefore", {"2", R"({"n": 5})", "null"})));
  Insert(R"({"_id": 0, "n": 5})");  // inserted last: after the other fives
  EXPECT_THAT(rec_.Take(), ElementsAre(L("addedBefore", {"0", R"({"n": 5})", "null"})));
}

TEST_F(ObserveTest, LimitKeepsTheWindowExact) {
  for (int n : {10, 20, 30, 40}) {
    Insert(NDoc(n));
  }
  ObserveHandle h = Changes("{}", Options(R"({"n": 1})", 0, 2), rec_.Ordered());
  EXPECT_THAT(rec_.Take(), ElementsAre(L("addedBefore", {"10", R"({"n": 10})", "null"}),
                                       L("addedBefore", {"20", R"({"n": 20})", "null"})));
  // A new first document pushes the last one out.
  Insert(R"({"_id": 5, "n": 5})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {"20"}),
                                       L("addedBefore", {"5", R"({"n": 5})", "10"})));
  // Beyond the window: nothing.
  Insert(R"({"_id": 50, "n": 50})");
  EXPECT_THAT(rec_.Take(), IsEmpty());
  // Removing a window document pulls the next one in at the end.
  Remove(R"({"_id": 5})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {"5"}),
                                       L("addedBefore", {"20", R"({"n": 20})", "null"})));
  // A window document moving out of the window swaps with the first outside.
  Update(R"({"_id": 10})", R"({"$set": {"n": 35}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {"10"}),
                                       L("addedBefore", {"30", R"({"n": 30})", "null"})));
  // An outside document moving into the window.
  Update(R"({"_id": 50})", R"({"$set": {"n": 1}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {"30"}),
                                       L("addedBefore", {"50", R"({"n": 1})", "20"})));
  // A change outside the window: nothing.
  Update(R"({"_id": 40})", R"({"$set": {"x": 1}})");
  EXPECT_THAT(rec_.Take(), IsEmpty());
}

TEST_F(ObserveTest, SkipShiftsTheWindow) {
  for (int n : {10, 20, 30, 40}) Insert(NDoc(n));
  ObserveHandle h = Changes("{}", Options(R"({"n": 1})", 1, 2), rec_.Ordered());
  EXPECT_THAT(rec_.Take(), ElementsAre(L("addedBefore", {"20", R"({"n": 20})", "null"}),
                                       L("addedBefore", {"30", R"({"n": 30})", "null"})));
  // Inserted before the window: everything shifts right by one.
  Insert(R"({"_id": 5, "n": 5})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {"30"}),
                                       L("addedBefore", {"10", R"({"n": 10})", "20"})));
  // Removed before the window: shifts left.
  Remove(R"({"_id": 5})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {"10"}),
                                       L("addedBefore", {"30", R"({"n": 30})", "null"})));
  // The first document moves to the end: the window slides over it.
  Update(R"({"_id": 10})", R"({"$set": {"n": 100}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {"20"}),
                                       L("addedBefore", {"40", R"({"n": 40})", "null"})));
}

TEST_F(ObserveTest, UnorderedObserverWithLimit) {
  // An extension over Meteor (which requires ordered callbacks with a limit): the window is
  // maintained, moves are not reported.
  for (int n : {10, 20, 30}) Insert(NDoc(n));
  ObserveHandle h = Changes("{}", Options(R"({"n": -1})", 0, 2), rec_.Unordered());
  EXPECT_THAT(rec_.Take(), ElementsAre(L("added", {"30", R"({"n": 30})"}),
                                       L("added", {"20", R"({"n": 20})"})));
  Update(R"({"_id": 10})", R"({"$set": {"n": 25}})");
  EXPECT_THAT(rec_.Take(),
              ElementsAre(L("removed", {"20"}), L("added", {"10", R"({"n": 25})"})));
  Update(R"({"_id": 10})", R"({"$set": {"n": 35}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {"10", R"({"n": 35})", "[]"})));
}

// ---- observe (whole documents) ---------------------------------------------------------------

TEST_F(ObserveTest, ObserveUnorderedDocuments) {
  Insert(R"({"_id": 1, "a": 1})");
  ObserveHandle h = Docs(R"({"a": {"$gt": 0}})", Options(), rec_.Docs());
  EXPECT_THAT(rec_.Take(), ElementsAre(L("added", {R"({"_id": 1, "a": 1})"})));
  Update(R"({"_id": 1})", R"({"$set": {"a": 2, "b": 1}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {R"({"_id": 1, "a": 2, "b": 1})",
                                                     R"({"_id": 1, "a": 1})"})));
  Update(R"({"_id": 1})", R"({"$set": {"a": 0}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {R"({"_id": 1, "a": 2, "b": 1})"})));
}

TEST_F(ObserveTest, ObserveIndexedDocuments) {
  Insert(R"({"_id": "a", "n": 1})");
  Insert(R"({"_id": "b", "n": 2})");
  Insert(R"({"_id": "c", "n": 3})");
  ObserveHandle h = Docs("{}", Options(R"({"n": 1})", 0, std::nullopt, R"({"n": 1})"),
                         rec_.IndexedDocs());
  EXPECT_THAT(rec_.Take(), ElementsAre(L("addedAt", {R"({"_id": "a", "n": 1})", "0", "null"}),
                                       L("addedAt", {R"({"_id": "b", "n": 2})", "1", "null"}),
                                       L("addedAt", {R"({"_id": "c", "n": 3})", "2", "null"})));
  // a b c -> b c a: changedAt at the old index, then movedTo from 0 to 2 (the end).
  Update(R"({"_id": "a"})", R"({"$set": {"n": 4}})");
  EXPECT_THAT(rec_.Take(),
              ElementsAre(L("changedAt", {R"({"_id": "a", "n": 4})", R"({"_id": "a", "n": 1})", "0"}),
                          L("movedTo", {R"({"_id": "a", "n": 4})", "0", "2", "null"})));
  // b c a -> c b a: movedTo(b, 0, 1, before a).
  Update(R"({"_id": "b"})", R"({"$set": {"n": 3.5}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changedAt", {R"({"_id": "b", "n": 3.5})",
                                                       R"({"_id": "b", "n": 2})", "0"}),
                                       L("movedTo", {R"({"_id": "b", "n": 3.5})", "0", "1",
                                                     R"("a")"})));
  Insert(R"({"_id": "d", "n": 0})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("addedAt", {R"({"_id": "d", "n": 0})", "0", R"("c")"})));
  Remove(R"({"_id": "b"})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removedAt", {R"({"_id": "b", "n": 3.5})", "2"})));
  // A change invisible through the projection.
  Update(R"({"_id": "c"})", R"({"$set": {"hidden": 1}})");
  EXPECT_THAT(rec_.Take(), IsEmpty());
}

TEST_F(ObserveTest, ObserveOrderedWithPlainCallbacks) {
  // Ordered (moved_to is set) but with the plain added/changed/removed: those are called.
  Insert(R"({"_id": 1, "n": 1})");
  ObserveCallbacks cb = rec_.Docs();
  cb.moved_to = [this](const Value& doc, size_t from, size_t to, std::optional<ValueView>) {
    rec_.log.push_back("movedTo(" + J(doc.view()) + ", " + std::to_string(from) + ", " +
                       std::to_string(to) + ")");
  };
  ObserveHandle h = Docs("{}", Options(R"({"n": 1})"), std::move(cb));
  Insert(R"({"_id": 2, "n": 0})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("added", {R"({"_id": 1, "n": 1})"}),
                                       L("added", {R"({"_id": 2, "n": 0})"})));
  Update(R"({"_id": 2})", R"({"$set": {"n": 2}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {R"({"_id": 2, "n": 2})", R"({"_id": 2, "n": 0})"}),
                                       L("movedTo", {R"({"_id": 2, "n": 2})", "0", "1"})));
}

// ---- Errors ----------------------------------------------------------------------------------

TEST_F(ObserveTest, Errors) {
  ObserveChangesCallbacks both = rec_.Ordered();
  both.added = [](ValueView, ValueView) {};
  EXPECT_THAT(files_.ObserveChanges(Parse("{}"), Options(), both),
              StatusIs(kInvalid, "only one of added() and addedBefore()"));
  ObserveCallbacks docs = rec_.Docs();
  docs.added_at = [](const Value&, size_t, std::optional<ValueView>) {};
  EXPECT_THAT(files_.Observe(Parse("{}"), Options(), docs),
              StatusIs(kInvalid, "only one of added() and addedAt()"));
  docs = rec_.Docs();
  docs.removed_at = [](const Value&, size_t) {};
  EXPECT_THAT(files_.Observe(Parse("{}"), Options(), docs),
              StatusIs(kInvalid, "only one of removed() and removedAt()"));
  EXPECT_THAT(files_.ObserveChanges(Parse("{}"), Options("null", 0, std::nullopt, R"({"_id": 0})"),
                                    rec_.Unordered()),
              StatusIs(kInvalid, "{fields: {_id: 0}}"));
  EXPECT_THAT(files_.ObserveChanges(Parse(R"({"a": {"$foo": 1}})"), Options(), rec_.Unordered()),
              StatusIs(kInvalid, "$foo"));
  EXPECT_THAT(files_.ObserveChanges(Parse("{}"), Options(R"({"a": 2})"), rec_.Ordered()),
              StatusIs(kInvalid, "direction"));
  EXPECT_THAT(files_.ObserveChanges(Parse("{}"), Options("null", 0, std::nullopt, R"({"a": 1, "b": 0})"),
                                    rec_.Unordered()),
              StatusIs(kInvalid, "exclusion"));
  EXPECT_THAT(rec_.Take(), IsEmpty());
  // A rejected write reports nothing.
  Insert(R"({"_id": 1, "a": 1})");
  ObserveHandle h = Changes("{}", Options(), rec_.Unordered());
  rec_.Take();
  EXPECT_THAT(files_.Update(Parse(R"({"_id": 1})"), Parse(R"({"$push": {"a": 2}})")),
              StatusIs(kInvalid, ""));
  EXPECT_THAT(files_.Insert(Parse(R"({"_id": 1})")), StatusIs(absl::StatusCode::kAlreadyExists, ""));
  EXPECT_THAT(rec_.Take(), IsEmpty());
}

// ---- Handles, sharing, delivery order --------------------------------------------------------

TEST_F(ObserveTest, StopEndsCallbacksAndDestroyingTheHandleStops) {
  Insert(R"({"_id": 1, "a": 1})");
  ObserveHandle h = Changes("{}", Options(), rec_.Unordered());
  EXPECT_FALSE(h.stopped());
  h.Stop();
  EXPECT_TRUE(h.stopped());
  h.Stop();  // idempotent
  {
    ObserveHandle scoped = Changes("{}", Options(), rec_.Unordered());
  }
  rec_.Take();
  Insert(R"({"_id": 2, "a": 1})");
  EXPECT_THAT(rec_.Take(), IsEmpty());
  EXPECT_TRUE(ObserveHandle().stopped());
}

TEST_F(ObserveTest, MoveAssignmentStopsTheOverwrittenObserver) {
  Recorder other;
  ObserveHandle h = Changes("{}", Options(), rec_.Unordered());
  h = Changes(R"({"x": 1})", Options(), other.Unordered());
  Insert(R"({"_id": 1, "x": 1})");
  EXPECT_THAT(rec_.Take(), IsEmpty());
  EXPECT_THAT(other.Take(), ElementsAre(L("added", {"1", R"({"x": 1})"})));
}

TEST_F(ObserveTest, HandleOutlivesTheCollection) {
  ObserveHandle h;
  {
    Collection temp("temp");
    absl::StatusOr<ObserveHandle> started =
        temp.ObserveChanges(Parse("{}"), Options(), rec_.Unordered());
    ASSERT_THAT(started, IsOk());
    h = std::move(*started);
  }
  EXPECT_TRUE(h.stopped());
  h.Stop();
}

TEST_F(ObserveTest, SharedQueryServesLateObserversFromItsState) {
  Insert(R"({"_id": 1, "a": 1})");
  Recorder second;
  ObserveHandle h1 = Changes(R"({"a": 1})", Options(), rec_.Unordered());
  Insert(R"({"_id": 2, "a": 1})");
  ObserveHandle h2 = Changes(R"({"a": 1})", Options(), second.Unordered());
  EXPECT_THAT(second.Take(), ElementsAre(L("added", {"1", R"({"a": 1})"}),
                                         L("added", {"2", R"({"a": 1})"})));
  rec_.Take();
  Update(R"({"_id": 1})", R"({"$set": {"b": 1}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {"1", R"({"b": 1})", "[]"})));
  EXPECT_THAT(second.Take(), ElementsAre(L("changed", {"1", R"({"b": 1})", "[]"})));
  h1.Stop();
  Remove(R"({"_id": 2})");
  EXPECT_THAT(rec_.Take(), IsEmpty());
  EXPECT_THAT(second.Take(), ElementsAre(L("removed", {"2"})));
  h2.Stop();
  // After the last observer stopped, a new one starts from the collection again.
  Recorder third;
  ObserveHandle h3 = Changes(R"({"a": 1})", Options(), third.Unordered());
  EXPECT_THAT(third.Take(), ElementsAre(L("added", {"1", R"({"a": 1, "b": 1})"})));
}

TEST_F(ObserveTest, OrderedAndDocumentObserversShareAndKeepTheirForms) {
  Insert(R"({"_id": 1, "n": 1})");
  Recorder docs;
  ObserveHandle h1 = Changes("{}", Options(R"({"n": 1})"), rec_.Ordered());
  ObserveHandle h2 = Docs("{}", Options(R"({"n": 1})"), docs.IndexedDocs());
  rec_.Take();
  docs.Take();
  Insert(R"({"_id": 0, "n": 0})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("addedBefore", {"0", R"({"n": 0})", "1"})));
  EXPECT_THAT(docs.Take(), ElementsAre(L("addedAt", {R"({"_id": 0, "n": 0})", "0", "1"})));
}

TEST_F(ObserveTest, DeliveryOrderIsQueryCreationThenObserverStart) {
  std::vector<std::string> log;
  auto tagged = [&log](std::string tag) {
    ObserveChangesCallbacks cb;
    cb.added = [&log, tag](ValueView id, ValueView) { log.push_back(tag + " " + J(id)); };
    return cb;
  };
  ObserveHandle q2 = Changes(R"({"b": 1})", Options(), tagged("B1"));
  ObserveHandle q1 = Changes(R"({"a": 1})", Options(), tagged("A1"));
  ObserveHandle q2b = Changes(R"({"b": 1})", Options(), tagged("B2"));
  Insert(R"({"_id": 1, "a": 1, "b": 1})");
  Insert(R"({"_id": 2, "a": 1, "b": 1})");
  EXPECT_THAT(log, ElementsAre("B1 1", "B2 1", "A1 1", "B1 2", "B2 2", "A1 2"));
}

TEST_F(ObserveTest, StopInsideItsOwnCallback) {
  Insert(R"({"_id": 1})");
  Insert(R"({"_id": 2})");
  Insert(R"({"_id": 3})");
  ObserveHandle h;
  int calls = 0;
  ObserveChangesCallbacks cb;
  cb.removed = [&](ValueView) {
    ++calls;
    h.Stop();
  };
  h = Changes("{}", Options(), cb);
  Remove("{}");  // three removals queued; the first callback stops the observer
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(h.stopped());
}

TEST_F(ObserveTest, StopAnotherObserverOfTheSameQueryMidDelivery) {
  Insert(R"({"_id": 1})");
  ObserveHandle second;
  std::vector<std::string> log;
  ObserveChangesCallbacks first_cb;
  first_cb.removed = [&](ValueView id) {
    log.push_back("first " + J(id));
    second.Stop();
  };
  ObserveChangesCallbacks second_cb;
  second_cb.removed = [&](ValueView id) { log.push_back("second " + J(id)); };
  ObserveHandle first = Changes("{}", Options(), first_cb);
  second = Changes("{}", Options(), second_cb);
  Remove("{}");
  EXPECT_THAT(log, ElementsAre("first 1"));
}

TEST_F(ObserveTest, CallbacksRunAfterTheWriteCompletesAndMayReadTheStore) {
  Insert(R"({"_id": 1, "g": 1, "n": 0})");
  Insert(R"({"_id": 2, "g": 1, "n": 0})");
  std::vector<std::string> seen;
  ObserveChangesCallbacks cb;
  cb.changed = [&](ValueView id, ValueView, const std::vector<std::string>&) {
    // Both documents are already updated when the first callback runs.
    absl::StatusOr<Cursor> all = files_.Find(Parse("{}"));
    ASSERT_THAT(all, IsOk());
    std::string state = J(id) + ":";
    for (const Value& d : all->Fetch()) state += " " + J(*d.view().Find("n"));
    seen.push_back(state);
  };
  ObserveHandle h = Changes(R"({"g": 1})", Options(), cb);
  UpdateOptions multi;
  multi.multi = true;
  Update(R"({"g": 1})", R"({"$set": {"n": 5}})", multi);
  EXPECT_THAT(seen, ElementsAre("1: 5 5", "2: 5 5"));
}

TEST_F(ObserveTest, NestedWriteFromCallbackIsDeliveredAfterTheQueuedEvents) {
  Insert(R"({"_id": 1, "g": 1})");
  Insert(R"({"_id": 2, "g": 1})");
  std::vector<std::string> log;
  ObserveChangesCallbacks cb;
  cb.changed = [&](ValueView id, ValueView fields, const std::vector<std::string>&) {
    log.push_back("changed " + J(id) + " " + J(fields));
    if (J(id) == "1" && fields.Find("mark")) {
      // Nested write: its event waits behind the already queued change of document 2.
      ASSERT_THAT(files_.Update(Parse(R"({"_id": 1})"), Parse(R"({"$set": {"seen": true}})")),
                  IsOk());
      log.push_back("nested write returned");
    }
  };
  ObserveHandle h = Changes(R"({"g": 1})", Options(), cb);
  UpdateOptions multi;
  multi.multi = true;
  Update(R"({"_id": {"$in": [1, 2]}})", R"({"$set": {"mark": 1}})", multi);
  EXPECT_THAT(log, ElementsAre(R"(changed 1 {"mark":1})", "nested write returned",
                               R"(changed 2 {"mark":1})", R"(changed 1 {"seen":true})"));
}

TEST_F(ObserveTest, ObserverStartedInsideACallbackSeesNoOlderEvents) {
  Insert(R"({"_id": 1, "g": 1})");
  Insert(R"({"_id": 2, "g": 1})");
  Recorder late;
  ObserveHandle late_handle;
  ObserveChangesCallbacks cb;
  cb.removed = [&](ValueView id) {
    if (late_handle.stopped()) late_handle = Changes(R"({"g": 1})", Options(), late.Unordered());
  };
  ObserveHandle h = Changes(R"({"g": 1})", Options(), cb);
  Remove(R"({"g": 1})");
  // Started after both removals were committed: empty initial result, and the queued removal
  // of document 2 is not for it.
  EXPECT_THAT(late.Take(), IsEmpty());
  Insert(R"({"_id": 3, "g": 1})");
  EXPECT_THAT(late.Take(), ElementsAre(L("added", {"3", R"({"g": 1})"})));
}

// ---- Routing ---------------------------------------------------------------------------------

TEST_F(ObserveTest, EqualityRoutedQueriesFollowDocumentsBetweenValues) {
  Insert(R"({"_id": 1, "parent": 1, "name": "a"})");
  Insert(R"({"_id": 2, "parent": 2, "name": "b"})");
  Recorder p2;
  ObserveHandle h1 = Changes(R"({"parent": 1})", Options(), rec_.Unordered());
  ObserveHandle h2 = Changes(R"({"parent": 2.0})", Options(), p2.Unordered());
  rec_.Take();
  p2.Take();
  Update(R"({"_id": 1})", R"({"$set": {"parent": 2}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {"1"})));
  EXPECT_THAT(p2.Take(), ElementsAre(L("added", {"1", R"({"parent": 2, "name": "a"})"})));
  Update(R"({"_id": 2})", R"({"$set": {"name": "c"}})");
  EXPECT_THAT(rec_.Take(), IsEmpty());
  EXPECT_THAT(p2.Take(), ElementsAre(L("changed", {"2", R"({"name": "c"})", "[]"})));
}

TEST_F(ObserveTest, RoutingThroughArraysAndIds) {
  Insert(R"({"_id": 1, "tags": ["x"], "sub": [{"k": 1}]})");
  Insert(R"({"_id": 2, "tags": [], "sub": []})");
  Recorder by_sub, by_id;
  ObserveHandle h1 = Changes(R"({"tags": "y"})", Options(), rec_.Unordered());
  ObserveHandle h2 = Changes(R"({"sub.k": {"$in": [2, 3]}})", Options(), by_sub.Unordered());
  ObserveHandle h3 = Changes(R"({"_id": {"$in": [2, 9]}})", Options(), by_id.Unordered());
  EXPECT_THAT(by_id.Take(), ElementsAre(L("added", {"2", R"({"tags": [], "sub": []})"})));
  Update(R"({"_id": 2})", R"({"$push": {"tags": "y", "sub": {"k": 3}}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("added", {"2", R"({"tags": ["y"], "sub": [{"k": 3}]})"})));
  EXPECT_THAT(by_sub.Take(),
              ElementsAre(L("added", {"2", R"({"tags": ["y"], "sub": [{"k": 3}]})"})));
  EXPECT_THAT(by_id.Take(),
              ElementsAre(L("changed", {"2", R"({"tags": ["y"], "sub": [{"k": 3}]})", "[]"})));
  Update(R"({"_id": 1})", R"({"$set": {"sub.0.k": 2}})");
  EXPECT_THAT(by_sub.Take(), ElementsAre(L("added", {"1", R"({"tags": ["x"], "sub": [{"k": 2}]})"})));
  EXPECT_THAT(rec_.Take(), IsEmpty());
  EXPECT_THAT(by_id.Take(), IsEmpty());
  Insert(R"({"_id": 9})");
  EXPECT_THAT(by_id.Take(), ElementsAre(L("added", {"9", "{}"})));
  Remove(R"({"tags": "y"})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {"2"})));
  EXPECT_THAT(by_sub.Take(), ElementsAre(L("removed", {"2"})));
  EXPECT_THAT(by_id.Take(), ElementsAre(L("removed", {"2"})));
}

// ---- Pause and resume ------------------------------------------------------------------------

TEST_F(ObserveTest, PauseReportsTheNetDifferenceOnce) {
  Insert(R"({"_id": 1, "a": 1})");
  Insert(R"({"_id": 2, "a": 1})");
  ObserveHandle h = Changes(R"({"a": 1})", Options(), rec_.Unordered());
  rec_.Take();
  files_.PauseObservers();
  files_.PauseObservers();  // idempotent
  Insert(R"({"_id": 3, "a": 1})");
  Remove(R"({"_id": 3})");  // added then removed: nothing
  Update(R"({"_id": 1})", R"({"$set": {"b": 1}})");
  Update(R"({"_id": 1})", R"({"$set": {"b": 2}})");  // one change, to the final value
  Update(R"({"_id": 2})", R"({"$set": {"b": 1}})");
  Update(R"({"_id": 2})", R"({"$unset": {"b": 1}})");  // back to the start: nothing
  Insert(R"({"_id": 4, "a": 1})");
  EXPECT_THAT(rec_.Take(), IsEmpty());
  files_.ResumeObservers();
  EXPECT_THAT(rec_.Take(), ElementsAre(L("changed", {"1", R"({"b": 2})", "[]"}),
                                       L("added", {"4", R"({"a": 1})"})));
  files_.ResumeObservers();  // not paused: nothing
  EXPECT_THAT(rec_.Take(), IsEmpty());
  Update(R"({"_id": 4})", R"({"$set": {"a": 2}})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {"4"})));
}

TEST_F(ObserveTest, PauseOrderedWindowDiff) {
  for (int n : {10, 20, 30, 40, 50}) Insert(NDoc(n));
  Recorder docs;
  ObserveHandle h = Changes("{}", Options(R"({"n": 1})", 0, 3), rec_.Ordered());
  ObserveHandle h2 = Docs("{}", Options(R"({"n": 1})", 0, 3), docs.IndexedDocs());
  rec_.Take();
  docs.Take();
  files_.PauseObservers();
  // 10 20 30 | 40 50  ->  20 40 5 ... : 10 moves out, 5 enters first, 40 enters, 30 leaves.
  Update(R"({"_id": 10})", R"({"$set": {"n": 100}})");
  Insert(R"({"_id": 5, "n": 35})");
  Update(R"({"_id": 30})", R"({"$set": {"n": 60}})");
  Insert(R"({"_id": 6, "n": 1})");
  Remove(R"({"_id": 6})");
  files_.ResumeObservers();
  // Old window 10 20 30, new window 20 5(35) 40.
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {"30"}), L("removed", {"10"}),
                                       L("addedBefore", {"40", R"({"n": 40})", "null"}),
                                       L("addedBefore", {"5", R"({"n": 35})", "40"})));
  EXPECT_THAT(docs.Take(), ElementsAre(L("removedAt", {R"({"_id": 30, "n": 30})", "2"}),
                                       L("removedAt", {R"({"_id": 10, "n": 10})", "0"}),
                                       L("addedAt", {R"({"_id": 40, "n": 40})", "1", "null"}),
                                       L("addedAt", {R"({"_id": 5, "n": 35})", "1", "40"})));
}

TEST_F(ObserveTest, PauseWindowDiffReportsMovesAndChanges) {
  for (int n : {1, 2, 3}) Insert(NDoc(n));
  ObserveHandle h = Docs("{}", Options(R"({"n": -1})"), rec_.IndexedDocs());
  rec_.Take();  // 3 2 1
  files_.PauseObservers();
  Update(R"({"_id": 3})", R"({"$set": {"n": 0}})");   // 2 1 3
  Update(R"({"_id": 2})", R"({"$set": {"x": 1}})");   // content only
  files_.ResumeObservers();
  EXPECT_THAT(rec_.Take(),
              ElementsAre(L("changedAt", {R"({"_id": 3, "n": 0})", R"({"_id": 3, "n": 3})", "0"}),
                          L("movedTo", {R"({"_id": 3, "n": 0})", "0", "2", "null"}),
                          L("changedAt", {R"({"_id": 2, "n": 2, "x": 1})", R"({"_id": 2, "n": 2})",
                                          "0"})));
}

TEST_F(ObserveTest, ObserverStartedWhilePausedGetsItsInitialResultAtResume) {
  Insert(R"({"_id": 1, "a": 1})");
  Recorder old_observer;
  ObserveHandle h1 = Changes(R"({"a": 1})", Options(), old_observer.Unordered());
  old_observer.Take();
  files_.PauseObservers();
  ObserveHandle h2 = Changes(R"({"a": 1})", Options(), rec_.Unordered());
  ObserveHandle h3 = Changes(R"({"a": 1})", Options(R"({"a": 1})"), rec_.Ordered());
  EXPECT_THAT(rec_.Take(), IsEmpty());
  Insert(R"({"_id": 2, "a": 1})");
  files_.ResumeObservers();
  EXPECT_THAT(old_observer.Take(), ElementsAre(L("added", {"2", R"({"a": 1})"})));
  EXPECT_THAT(rec_.Take(), ElementsAre(L("added", {"1", R"({"a": 1})"}),
                                       L("added", {"2", R"({"a": 1})"}),
                                       L("addedBefore", {"1", R"({"a": 1})", "null"}),
                                       L("addedBefore", {"2", R"({"a": 1})", "null"})));
  Remove(R"({"_id": 1})");
  EXPECT_THAT(rec_.Take(), ElementsAre(L("removed", {"1"}), L("removed", {"1"})));
}

TEST_F(ObserveTest, DatabasePausesEveryCollection) {
  Database db;
  Collection& a = db.GetCollection("a");
  Recorder ra, rb;
  absl::StatusOr<ObserveHandle> ha = a.ObserveChanges(Parse("{}"), Options(), ra.Unordered());
  ASSERT_THAT(ha, IsOk());
  db.PauseObservers();
  Collection& b = db.GetCollection("b");  // created while paused: paused too
  absl::StatusOr<ObserveHandle> hb = b.ObserveChanges(Parse("{}"), Options(), rb.Unordered());
  ASSERT_THAT(hb, IsOk());
  ASSERT_THAT(a.Insert(Parse(R"({"_id": 1})")), IsOk());
  ASSERT_THAT(b.Insert(Parse(R"({"_id": 2})")), IsOk());
  EXPECT_THAT(ra.Take(), IsEmpty());
  EXPECT_THAT(rb.Take(), IsEmpty());
  db.ResumeObservers();
  EXPECT_THAT(ra.Take(), ElementsAre(L("added", {"1", "{}"})));
  EXPECT_THAT(rb.Take(), ElementsAre(L("added", {"2", "{}"})));
}

}  // namespace
}  // namespace minimongo
