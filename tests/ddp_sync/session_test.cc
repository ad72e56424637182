// The Session: merge semantics per message type, rejections that change nothing, batches under
// one observer pause, methods (result, updated, timeout, disconnect), heartbeats on a fake
// clock, version negotiation, reconnect with resync, ordered collections and events. Written
// from the DDP 1 spec and ../shared/fixtures/ddp/POLICY.md.

#include "ddp_sync/session.h"

#include <string>
#include <vector>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "minimongo/observe.h"
#include "query/ejson.h"
#include "tests/testing/status_matchers.h"

namespace minimongo::ddp {
namespace {

using ::minimongo::testing::IsOk;
using ::minimongo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using query::Value;

Value Ejson(std::string_view text) {
  absl::StatusOr<Value> v = query::ParseEjson(text);
  EXPECT_THAT(v, IsOk()) << text;
  return v.ok() ? *v : Value();
}

std::string Text(const Value& v) {
  query::EjsonOptions options;
  options.escape_extended_forms = false;
  return query::ToEjson(v.view(), options);
}

// The document of `collection` with string id `id` as EJSON text, or "missing".
std::string Doc(Session& s, std::string_view collection, std::string_view id) {
  Collection* c = s.database().FindCollection(collection);
  if (c == nullptr) return "no collection";
  std::optional<Value> doc = c->FindById(Value::String(id).view());
  return doc ? Text(*doc) : "missing";
}

// A session on a fake clock, with every event recorded.
class SessionTest : public ::testing::Test {
 protected:
  SessionTest() { Reset(SessionOptions()); }

  void Reset(SessionOptions options) {
    session_.reset();
    options.now_millis = [this] { return now_; };
    options.on_event = [this](const SessionEvent& e) { events_.push_back(e); };
    options.id_seed = 42;
    session_ = std::make_unique<Session>(&db_, std::move(options));
  }

  // Connects and accepts "connected" with `session_id`; returns what the session sent.
  std::vector<std::string> Connect(std::string_view session_id = "S1") {
    EXPECT_THAT(session_->Connect(), IsOk());
    EXPECT_THAT(session_->Receive(fmt::format(R"({{"msg":"connected","session":"{}"}})",
                                              session_id)),
                IsOk());
    return session_->TakeOutgoing();
  }

  void Accept(std::string_view frame) { EXPECT_THAT(session_->Receive(frame), IsOk()) << frame; }

  std::vector<EventKind> Kinds() const {
    std::vector<EventKind> out;
    for (const SessionEvent& e : events_) out.push_back(e.kind);
    return out;
  }

  int64_t now_ = 1'000'000;
  Database db_;
  std::vector<SessionEvent> events_;
  std::unique_ptr<Session> session_;
};

// ---- Data messages ----

TEST_F(SessionTest, AddedCreatesTheDocumentWithIdFirst) {
  Connect();
  Accept(R"({"msg":"added","collection":"files","id":"f1","fields":{"name":"a","at":{"$date":5}}})");
  EXPECT_EQ(Doc(*session_, "files", "f1"), R"({"_id":"f1","name":"a","at":{"$date":5}})");
  EXPECT_THAT(session_->collections(), ElementsAre("files"));
}

TEST_F(SessionTest, ChangedReplacesTopLevelValuesKeepsPositionsAndClears) {
  Connect();
  Accept(R"({"msg":"added","collection":"f","id":"a","fields":{"x":1,"meta":{"tags":["t"],"o":1},"s":true}})");
  // meta is replaced whole (no deep merge); y is new (appended); null is a value.
  Accept(R"({"msg":"changed","collection":"f","id":"a","fields":{"meta":{"tags":["u"]},"y":null,"x":2},"cleared":["s","absent"]})");
  EXPECT_EQ(Doc(*session_, "f", "a"), R"({"_id":"a","x":2,"meta":{"tags":["u"]},"y":null})");
  // Neither fields nor cleared: valid, changes nothing.
  Accept(R"({"msg":"changed","collection":"f","id":"a"})");
  EXPECT_EQ(Doc(*session_, "f", "a"), R"({"_id":"a","x":2,"meta":{"tags":["u"]},"y":null})");
  // Set and cleared at once: cleared wins, with a warning.
  Accept(R"({"msg":"changed","collection":"f","id":"a","fields":{"k":1,"x":3},"cleared":["k"]})");
  EXPECT_EQ(Doc(*session_, "f", "a"), R"({"_id":"a","x":3,"meta":{"tags":["u"]},"y":null})");
  EXPECT_EQ(events_.back().kind, EventKind::kWarning);
  EXPECT_THAT(events_.back().message, HasSubstr("cleared wins"));
}

TEST_F(SessionTest, RemovedDeletesAndTheIdCanComeBack) {
  Connect();
  Accept(R"({"msg":"added","collection":"f","id":"a"})");
  Accept(R"({"msg":"removed","collection":"f","id":"a"})");
  EXPECT_EQ(Doc(*session_, "f", "a"), "missing");
  Accept(R"({"msg":"added","collection":"f","id":"a","fields":{"v":2}})");
  EXPECT_EQ(Doc(*session_, "f", "a"), R"({"_id":"a","v":2})");
}

TEST_F(SessionTest, OneOfficeDocumentsKeepNumericIds) {
  Connect();
  Accept(R"({"msg":"added","collection":"files","data":{"id":7,"name":"R.docx","size":1}})");
  Accept(R"({"msg":"updated","collection":"files","data":{"id":7,"name":"N.docx"}})");
  Collection* files = db_.FindCollection("files");
  ASSERT_NE(files, nullptr);
  std::optional<Value> doc = files->FindById(Value::Int32(7).view());
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(Text(*doc), R"({"_id":7,"name":"N.docx","size":1})");
  // "7" (a string) is another document.
  EXPECT_FALSE(files->FindById(Value::String("7").view()).has_value());
  Accept(R"({"msg":"removed","collection":"files","id":7})");
  EXPECT_EQ(files->size(), 0u);
}

TEST_F(SessionTest, RejectedFramesChangeNothing) {
  Connect();
  Accept(R"({"msg":"added","collection":"f","id":"a","fields":{"v":1}})");
  EXPECT_THAT(session_->Receive(R"({"msg":"added","collection":"f","id":"a","fields":{"v":2}})", 5),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       "ddp frame 5 (msg \"added\"): added for existing document f/\"a\""));
  EXPECT_THAT(session_->Receive(R"({"msg":"changed","collection":"f","id":"zz","fields":{"v":1}})"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "changed for unknown document f/\"zz\""));
  EXPECT_THAT(session_->Receive(R"({"msg":"changed","collection":"f","id":"a","fields":{"v":3,"a.b":1}})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "must not contain '.'"));
  EXPECT_THAT(session_->Receive(R"({"msg":"removed","collection":"g","id":"a"})"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "removed for unknown document g/\"a\""));
  EXPECT_EQ(Doc(*session_, "f", "a"), R"({"_id":"a","v":1})");
  // A rejected added into a new collection leaves no (empty) collection behind.
  EXPECT_THAT(session_->Receive(R"({"msg":"added","collection":"new","id":"x","fields":{"$bad":1}})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "must not start with '$'"));
  EXPECT_EQ(db_.FindCollection("new"), nullptr);
  EXPECT_THAT(session_->collections(), ElementsAre("f"));
  // Each rejection was reported as an event naming its frame.
  size_t rejected = 0;
  for (const SessionEvent& e : events_) rejected += e.kind == EventKind::kRejected;
  EXPECT_EQ(rejected, 5u);
}

TEST_F(SessionTest, FramesAreNumberedByTheSessionUnlessNumbered) {
  Connect();  // frame 1: connected
  EXPECT_THAT(session_->Receive("{"), StatusIs(absl::StatusCode::kInvalidArgument, "ddp frame 2:"));
  EXPECT_THAT(session_->Receive("[]", 40), StatusIs(absl::StatusCode::kInvalidArgument, "ddp frame 40:"));
  EXPECT_THAT(session_->Receive("7"), StatusIs(absl::StatusCode::kInvalidArgument, "ddp frame 41:"));
}

TEST_F(SessionTest, OnlyTheFirstFrameOfAConnectionMayLackMsg) {
  ASSERT_THAT(session_->Connect(), IsOk());
  Accept(R"({"server_id":"0"})");
  EXPECT_EQ(events_.back().kind, EventKind::kIgnored);
  Accept(R"({"msg":"connected","session":"S"})");
  EXPECT_THAT(session_->Receive(R"({"server_id":"0"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "no \"msg\""));
}

// ---- Ordered collections ----

TEST_F(SessionTest, AddedBeforeAndMovedBeforeKeepTheOrder) {
  Connect();
  Accept(R"({"msg":"addedBefore","collection":"q","id":"q1","fields":{"n":1},"before":null})");
  Accept(R"({"msg":"addedBefore","collection":"q","id":"q2","fields":{"n":2},"before":null})");
  Accept(R"({"msg":"addedBefore","collection":"q","id":"q0","fields":{"n":0},"before":"q1"})");
  auto order = [&] {
    std::vector<std::string> ids;
    for (const Value& id : session_->Order("q")) ids.emplace_back(id.view().AsString());
    return ids;
  };
  EXPECT_THAT(order(), ElementsAre("q0", "q1", "q2"));
  Accept(R"({"msg":"movedBefore","collection":"q","id":"q2","before":"q0"})");
  EXPECT_THAT(order(), ElementsAre("q2", "q0", "q1"));
  Accept(R"({"msg":"movedBefore","collection":"q","id":"q2","before":null})");
  EXPECT_THAT(order(), ElementsAre("q0", "q1", "q2"));
  Accept(R"({"msg":"removed","collection":"q","id":"q1"})");
  EXPECT_THAT(order(), ElementsAre("q0", "q2"));
  EXPECT_THAT(session_->Receive(R"({"msg":"added","collection":"q","id":"q5"})"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "plain added into ordered collection"));
  EXPECT_THAT(session_->Receive(R"({"msg":"addedBefore","collection":"q","id":"q6","before":"q1"})"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "\"before\" names an unknown document"));
  EXPECT_THAT(order(), ElementsAre("q0", "q2"));
  EXPECT_THAT(session_->OrderedCollections(), ElementsAre("q"));
  Accept(R"({"msg":"added","collection":"plain","id":"a"})");
  EXPECT_THAT(session_->Receive(R"({"msg":"movedBefore","collection":"plain","id":"a","before":null})"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "not ordered"));
  EXPECT_TRUE(session_->Order("plain").empty());
}

// ---- Batches and live queries ----

TEST_F(SessionTest, ABatchIsOneNetChangeForLiveQueries) {
  Connect();
  std::vector<std::string> seen;
  ObserveChangesCallbacks callbacks;
  callbacks.added = [&](query::ValueView id, query::ValueView fields) {
    seen.push_back(fmt::format("added {} {}", id.AsString(), query::ToEjson(fields)));
  };
  callbacks.changed = [&](query::ValueView id, query::ValueView fields,
                          const std::vector<std::string>&) {
    seen.push_back(fmt::format("changed {} {}", id.AsString(), query::ToEjson(fields)));
  };
  callbacks.removed = [&](query::ValueView id) { seen.push_back(fmt::format("removed {}", id.AsString())); };
  absl::StatusOr<ObserveHandle> handle =
      db_.GetCollection("f").ObserveChanges(Ejson("{}"), ObserveOptions(), callbacks);
  ASSERT_THAT(handle, IsOk());

  std::vector<std::string_view> batch = {
      R"({"msg":"added","collection":"f","id":"a","fields":{"v":1}})",
      R"({"msg":"changed","collection":"f","id":"a","fields":{"v":2}})",
      R"({"msg":"added","collection":"f","id":"b","fields":{"v":1}})",
      R"({"msg":"removed","collection":"f","id":"b"})",
      R"({"msg":"changed","collection":"f","id":"nope","fields":{"v":2}})",
  };
  std::vector<absl::Status> statuses = session_->ReceiveBatch(batch);
  ASSERT_EQ(statuses.size(), 5u);
  for (size_t i = 0; i < 4; ++i) EXPECT_THAT(statuses[i], IsOk()) << i;
  EXPECT_THAT(statuses[4], StatusIs(absl::StatusCode::kFailedPrecondition, "ddp frame 6"));
  EXPECT_THAT(seen, ElementsAre(R"(added a {"v":2})"));

  // Frame by frame, each change is its own event.
  seen.clear();
  Accept(R"({"msg":"changed","collection":"f","id":"a","fields":{"v":3}})");
  Accept(R"({"msg":"changed","collection":"f","id":"a","fields":{"v":4}})");
  EXPECT_THAT(seen, ElementsAre(R"(changed a {"v":3})", R"(changed a {"v":4})"));
}

// ---- Subscriptions ----

TEST_F(SessionTest, SubscriptionsGoFromPendingToReadyOrNosub) {
  Connect();
  absl::StatusOr<std::string> s1 = session_->Subscribe("files", Ejson(R"([{"owner":"u1"}])"));
  ASSERT_THAT(s1, IsOk());
  absl::StatusOr<std::string> s2 = session_->Subscribe("secret");
  ASSERT_THAT(s2, IsOk());
  EXPECT_NE(*s1, *s2);
  EXPECT_THAT(session_->TakeOutgoing(),
              ElementsAre(fmt::format(R"({{"msg":"sub","id":"{}","name":"files","params":[{{"owner":"u1"}}]}})", *s1),
                          fmt::format(R"({{"msg":"sub","id":"{}","name":"secret"}})", *s2)));
  EXPECT_FALSE(session_->IsReady(*s1));
  Accept(fmt::format(R"({{"msg":"ready","subs":["{}"]}})", *s1));
  EXPECT_TRUE(session_->IsReady(*s1));
  Accept(fmt::format(R"({{"msg":"nosub","id":"{}","error":{{"error":404}}}})", *s2));
  const Subscription* sub = session_->FindSubscription(*s2);
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(sub->state, Subscription::State::kNosub);
  ASSERT_TRUE(sub->error.has_value());
  EXPECT_EQ(Text(*sub->error), R"({"error":404})");
  EXPECT_EQ(events_.back().kind, EventKind::kNosub);
  EXPECT_THAT(events_.back().status, StatusIs(absl::StatusCode::kUnavailable, "404"));

  EXPECT_THAT(session_->Unsubscribe(*s1), IsOk());
  EXPECT_THAT(session_->TakeOutgoing(), ElementsAre(fmt::format(R"({{"msg":"unsub","id":"{}"}})", *s1)));
  // A ready crossing the unsub is fine; one for a sub never sent is a warning.
  Accept(fmt::format(R"({{"msg":"ready","subs":["{}","other"]}})", *s1));
  EXPECT_EQ(events_[events_.size() - 3].kind, EventKind::kReady);
  EXPECT_EQ(events_[events_.size() - 2].kind, EventKind::kWarning);
  EXPECT_THAT(session_->ready_history(), ElementsAre(*s1, "other"));

  EXPECT_THAT(session_->Unsubscribe("nope"), StatusIs(absl::StatusCode::kNotFound, "nope"));
  EXPECT_THAT(session_->Subscribe("x", Value::Int32(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, "params must be an array"));
}

TEST_F(SessionTest, SubscribingBeforeConnectingSendsOnConnect) {
  absl::StatusOr<std::string> s1 = session_->Subscribe("files");
  ASSERT_THAT(s1, IsOk());
  EXPECT_TRUE(session_->TakeOutgoing().empty());
  ASSERT_THAT(session_->Connect(), IsOk());
  EXPECT_THAT(session_->TakeOutgoing(),
              ElementsAre(R"({"msg":"connect","version":"1","support":["1","pre2","pre1"]})",
                          fmt::format(R"({{"msg":"sub","id":"{}","name":"files"}})", *s1)));
}

// ---- Methods ----

TEST_F(SessionTest, MethodsTrackResultAndUpdated) {
  EXPECT_THAT(session_->Call("x"), StatusIs(absl::StatusCode::kFailedPrecondition, "no connection"));
  Connect();
  absl::StatusOr<std::string> m1 = session_->Call("files.rename", Ejson(R"(["f1","A.txt"])"));
  ASSERT_THAT(m1, IsOk());
  std::vector<std::string> sent = session_->TakeOutgoing();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_THAT(sent[0], HasSubstr(fmt::format(
      R"({{"msg":"method","method":"files.rename","params":["f1","A.txt"],"id":"{}","randomSeed":")", *m1)));
  absl::StatusOr<std::string> m2 = session_->Call("noop", Value(), /*random_seed=*/false);
  ASSERT_THAT(m2, IsOk());
  EXPECT_THAT(session_->TakeOutgoing(),
              ElementsAre(fmt::format(R"({{"msg":"method","method":"noop","id":"{}"}})", *m2)));

  Accept(fmt::format(R"({{"msg":"updated","methods":["{}"]}})", *m1));
  const MethodCall* call = session_->FindMethod(*m1);
  ASSERT_NE(call, nullptr);
  EXPECT_TRUE(call->updated);
  EXPECT_EQ(call->state, MethodCall::State::kPending);
  Accept(fmt::format(R"({{"msg":"result","id":"{}","result":{{"at":{{"$date":1}}}}}})", *m1));
  EXPECT_EQ(call->state, MethodCall::State::kReturned);
  ASSERT_TRUE(call->result.has_value());
  EXPECT_EQ(Text(*call->result), R"({"at":{"$date":1}})");
  EXPECT_THAT(session_->Receive(fmt::format(R"({{"msg":"result","id":"{}"}})", *m1)),
              StatusIs(absl::StatusCode::kFailedPrecondition, "second result"));
  Accept(fmt::format(R"({{"msg":"result","id":"{}","error":{{"error":"not-authorized","reason":"no"}}}})", *m2));
  const MethodCall* failed = session_->FindMethod(*m2);
  ASSERT_TRUE(failed->error.has_value());
  EXPECT_FALSE(failed->result.has_value());
  EXPECT_THAT(session_->result_order(), ElementsAre(*m1, *m2));
  EXPECT_THAT(session_->Receive(R"({"msg":"result","id":"999","result":1})"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "never called"));
}

TEST_F(SessionTest, MethodsTimeOutOnTheCallersClock) {
  SessionOptions options;
  options.method_timeout_ms = 30'000;
  Reset(options);
  Connect();
  absl::StatusOr<std::string> m = session_->Call("slow");
  ASSERT_THAT(m, IsOk());
  now_ += 29'999;
  session_->Tick();
  EXPECT_EQ(session_->FindMethod(*m)->state, MethodCall::State::kPending);
  now_ += 1;
  session_->Tick();
  const MethodCall* call = session_->FindMethod(*m);
  EXPECT_EQ(call->state, MethodCall::State::kFailed);
  EXPECT_THAT(call->failure, StatusIs(absl::StatusCode::kDeadlineExceeded, "no result within 30000 ms"));
  EXPECT_EQ(events_.back().kind, EventKind::kMethodFailed);
  // A result after the local timeout is out of protocol: rejected, the failure stays.
  EXPECT_THAT(session_->Receive(fmt::format(R"({{"msg":"result","id":"{}","result":1}})", *m)),
              StatusIs(absl::StatusCode::kFailedPrecondition, "already failed"));
  EXPECT_TRUE(session_->result_order().empty());
}

TEST_F(SessionTest, PendingMethodsFailOnDisconnect) {
  Connect();
  absl::StatusOr<std::string> m = session_->Call("x");
  ASSERT_THAT(m, IsOk());
  session_->OnDisconnected();
  EXPECT_EQ(session_->state(), ConnectionState::kDisconnected);
  EXPECT_THAT(session_->FindMethod(*m)->failure,
              StatusIs(absl::StatusCode::kUnavailable, "connection lost"));
}

// ---- Heartbeats ----

TEST_F(SessionTest, PingsAreAnsweredAtOnceWithTheSameId) {
  Connect();
  Accept(R"({"msg":"ping","id":"srv-1"})");
  Accept(R"({"msg":"ping"})");
  EXPECT_THAT(session_->TakeOutgoing(),
              ElementsAre(R"({"msg":"pong","id":"srv-1"})", R"({"msg":"pong"})"));
}

TEST_F(SessionTest, HeartbeatPingsAfterIdleAndDeclaresTheConnectionLost) {
  SessionOptions options;
  options.heartbeat_interval_ms = 17'500;
  options.heartbeat_timeout_ms = 15'000;
  Reset(options);
  Connect();
  absl::StatusOr<std::string> m = session_->Call("x", Value(), false);
  session_->TakeOutgoing();
  now_ += 17'499;
  session_->Tick();
  EXPECT_TRUE(session_->TakeOutgoing().empty());
  now_ += 1;
  session_->Tick();
  EXPECT_THAT(session_->TakeOutgoing(), ElementsAre(R"({"msg":"ping","id":"hb-1"})"));
  // Any frame is a sign of life: the idle period starts again.
  now_ += 14'000;
  Accept(R"({"msg":"added","collection":"f","id":"a"})");
  now_ += 14'000;
  session_->Tick();
  EXPECT_EQ(session_->state(), ConnectionState::kConnected);
  EXPECT_TRUE(session_->TakeOutgoing().empty());
  now_ += 3'500;
  session_->Tick();
  EXPECT_THAT(session_->TakeOutgoing(), ElementsAre(R"({"msg":"ping","id":"hb-2"})"));
  now_ += 14'999;
  session_->Tick();
  EXPECT_EQ(session_->state(), ConnectionState::kConnected);
  now_ += 1;
  session_->Tick();
  EXPECT_EQ(session_->state(), ConnectionState::kDisconnected);
  EXPECT_THAT(session_->status(), StatusIs(absl::StatusCode::kUnavailable, "ddp heartbeat"));
  EXPECT_EQ(session_->FindMethod(*m)->state, MethodCall::State::kFailed);
  EXPECT_THAT(Kinds(), ::testing::Contains(EventKind::kConnectionLost));
}

// ---- Version negotiation ----

TEST_F(SessionTest, FailedWithASupportedVersionReconnectsWithIt) {
  ASSERT_THAT(session_->Connect(), IsOk());
  EXPECT_THAT(session_->TakeOutgoing(),
              ElementsAre(R"({"msg":"connect","version":"1","support":["1","pre2","pre1"]})"));
  Accept(R"({"msg":"failed","version":"pre2"})");
  EXPECT_EQ(session_->state(), ConnectionState::kFailed);
  EXPECT_EQ(session_->version(), "pre2");
  // The server closes the transport; anything more on it is out of protocol.
  EXPECT_THAT(session_->Receive(R"({"msg":"ping"})"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "after \"failed\""));
  session_->OnDisconnected();
  ASSERT_THAT(session_->Connect(), IsOk());
  EXPECT_THAT(session_->TakeOutgoing(),
              ElementsAre(R"({"msg":"connect","version":"pre2","support":["1","pre2","pre1"]})"));
  Accept(R"({"msg":"connected","session":"S"})");
  EXPECT_EQ(session_->state(), ConnectionState::kConnected);
}

TEST_F(SessionTest, FailedWithAnUnsupportedVersionStops) {
  ASSERT_THAT(session_->Connect(), IsOk());
  Accept(R"({"msg":"failed","version":"2"})");
  EXPECT_EQ(session_->state(), ConnectionState::kStopped);
  EXPECT_THAT(session_->status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "ddp version negotiation failed: the server suggests version \"2\", which we do not support (we speak 1, pre2, pre1)"));
  EXPECT_THAT(session_->Connect(), StatusIs(absl::StatusCode::kFailedPrecondition, "negotiation failed"));
  EXPECT_THAT(Kinds(), ElementsAre(EventKind::kFailed, EventKind::kStopped));
}

TEST_F(SessionTest, AVersionRefusedTwiceStops) {
  ASSERT_THAT(session_->Connect(), IsOk());
  Accept(R"({"msg":"failed","version":"pre2"})");
  session_->OnDisconnected();
  ASSERT_THAT(session_->Connect(), IsOk());
  Accept(R"({"msg":"failed","version":"1"})");
  EXPECT_EQ(session_->state(), ConnectionState::kStopped);
  EXPECT_THAT(session_->status(), StatusIs(absl::StatusCode::kFailedPrecondition, "already refused"));
}

TEST_F(SessionTest, ASecondConnectedWarns) {
  Connect();
  Accept(R"({"msg":"connected","session":"S1"})");
  EXPECT_EQ(events_[events_.size() - 2].kind, EventKind::kWarning);
  EXPECT_THAT(events_[events_.size() - 2].message, HasSubstr("second \"connected\""));
  EXPECT_FALSE(session_->resyncing());
  EXPECT_THAT(session_->Connect(), StatusIs(absl::StatusCode::kFailedPrecondition, "already open"));
}

// ---- Reconnect ----

TEST_F(SessionTest, ReconnectResubscribesThenDropsWhatTheServerNoLongerSends) {
  Connect("S1");
  absl::StatusOr<std::string> sub = session_->Subscribe("files");
  ASSERT_THAT(sub, IsOk());
  absl::StatusOr<std::string> gone = session_->Subscribe("old");
  ASSERT_THAT(gone, IsOk());
  ASSERT_THAT(session_->Unsubscribe(*gone), IsOk());
  session_->TakeOutgoing();
  Accept(R"({"msg":"added","collection":"files","id":"a","fields":{"v":1}})");
  Accept(R"({"msg":"added","collection":"files","id":"b","fields":{"v":1}})");
  Accept(R"({"msg":"added","collection":"files","id":"c","fields":{"v":1}})");
  Accept(fmt::format(R"({{"msg":"ready","subs":["{}"]}})", *sub));

  std::vector<std::string> seen;
  ObserveChangesCallbacks callbacks;
  callbacks.added = [&](query::ValueView id, query::ValueView) { seen.push_back(fmt::format("added {}", id.AsString())); };
  callbacks.changed = [&](query::ValueView id, query::ValueView fields, const std::vector<std::string>&) {
    seen.push_back(fmt::format("changed {} {}", id.AsString(), query::ToEjson(fields)));
  };
  callbacks.removed = [&](query::ValueView id) { seen.push_back(fmt::format("removed {}", id.AsString())); };
  absl::StatusOr<ObserveHandle> handle =
      db_.GetCollection("files").ObserveChanges(Ejson("{}"), ObserveOptions(), callbacks);
  ASSERT_THAT(handle, IsOk());
  seen.clear();

  session_->OnDisconnected();
  ASSERT_THAT(session_->Connect(), IsOk());
  // The previous session id is offered, and only the live subscription is sent again.
  EXPECT_THAT(session_->TakeOutgoing(),
              ElementsAre(R"({"msg":"connect","session":"S1","version":"1","support":["1","pre2","pre1"]})",
                          fmt::format(R"({{"msg":"sub","id":"{}","name":"files"}})", *sub)));
  EXPECT_FALSE(session_->IsReady(*sub));
  Accept(R"({"msg":"connected","session":"S2"})");
  EXPECT_TRUE(session_->resyncing());
  // The new session sends what it has: a (changed), c (same); not b. "d" is new.
  Accept(R"({"msg":"added","collection":"files","id":"a","fields":{"v":2}})");
  Accept(R"({"msg":"added","collection":"files","id":"c","fields":{"v":1}})");
  Accept(R"({"msg":"added","collection":"files","id":"d","fields":{"v":1}})");
  // Re-sending an already re-sent document is a duplicate as usual.
  EXPECT_THAT(session_->Receive(R"({"msg":"added","collection":"files","id":"a","fields":{"v":3}})"),
              StatusIs(absl::StatusCode::kAlreadyExists, "added for existing document"));
  EXPECT_EQ(Doc(*session_, "files", "b"), R"({"_id":"b","v":1})");  // kept until ready
  EXPECT_TRUE(seen.empty());  // observers paused for the whole resync
  Accept(fmt::format(R"({{"msg":"ready","subs":["{}"]}})", *sub));
  EXPECT_FALSE(session_->resyncing());
  EXPECT_EQ(Doc(*session_, "files", "b"), "missing");
  EXPECT_EQ(Doc(*session_, "files", "a"), R"({"_id":"a","v":2})");
  EXPECT_THAT(seen, ::testing::UnorderedElementsAre(R"(changed a {"v":2})", "removed b", "added d"));
  EXPECT_EQ(events_.back().kind, EventKind::kResynced);
  EXPECT_THAT(events_.back().message, HasSubstr("1 document"));
}

TEST_F(SessionTest, AResumedSessionKeepsItsDocuments) {
  Connect("S1");
  absl::StatusOr<std::string> sub = session_->Subscribe("files");
  Accept(R"({"msg":"added","collection":"files","id":"a"})");
  session_->OnDisconnected();
  ASSERT_THAT(session_->Connect(), IsOk());
  Accept(R"({"msg":"connected","session":"S1"})");
  EXPECT_FALSE(session_->resyncing());
  Accept(fmt::format(R"({{"msg":"ready","subs":["{}"]}})", *sub));
  EXPECT_EQ(Doc(*session_, "files", "a"), R"({"_id":"a"})");
}

TEST_F(SessionTest, AReconnectWithoutSubscriptionsDropsEverything) {
  Connect("S1");
  Accept(R"({"msg":"added","collection":"files","id":"a"})");
  session_->OnDisconnected();
  ASSERT_THAT(session_->Connect(), IsOk());
  Accept(R"({"msg":"connected","session":"S2"})");
  EXPECT_FALSE(session_->resyncing());
  EXPECT_EQ(Doc(*session_, "files", "a"), "missing");
}

// ---- Recorded sends ----

TEST_F(SessionTest, RecordSentTeachesSubAndMethodIds) {
  EXPECT_THAT(session_->RecordSent(R"({"msg":"connect","version":"1","support":["1"]})"), IsOk());
  EXPECT_EQ(session_->state(), ConnectionState::kConnecting);
  Accept(R"({"msg":"connected","session":"S"})");
  EXPECT_THAT(session_->RecordSent(R"({"msg":"sub","id":"s1","name":"files"})"), IsOk());
  EXPECT_THAT(session_->RecordSent(R"({"msg":"method","id":"m1","method":"x","params":[]})"), IsOk());
  Accept(R"({"msg":"ready","subs":["s1"]})");
  EXPECT_TRUE(session_->IsReady("s1"));
  Accept(R"({"msg":"result","id":"m1","result":true})");
  EXPECT_EQ(session_->FindMethod("m1")->state, MethodCall::State::kReturned);
  EXPECT_THAT(session_->RecordSent(R"({"msg":"unsub","id":"s1"})"), IsOk());
  EXPECT_EQ(session_->FindSubscription("s1")->state, Subscription::State::kUnsubscribed);
  EXPECT_THAT(session_->RecordSent("42"), StatusIs(absl::StatusCode::kInvalidArgument, "not a JSON object"));
  EXPECT_THAT(session_->RecordSent(R"({"msg":"frobnicate"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown message type"));
  EXPECT_TRUE(session_->TakeOutgoing().empty());  // recorded frames are not sent again
}

TEST_F(SessionTest, ServerErrorsAreSurfacedAndChangeNothing) {
  Connect();
  Accept(R"({"msg":"error","reason":"Already connected","offendingMessage":{"msg":"connect"}})");
  EXPECT_EQ(events_.back().kind, EventKind::kServerError);
  EXPECT_EQ(events_.back().message, "Already connected");
  EXPECT_TRUE(session_->collections().empty());
}

}  // namespace
}  // namespace minimongo::ddp
