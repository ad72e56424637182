// The Session: merge semantics per message type, rejections that change nothing, batches under
// one observer pause, methods (result, updated, timeout, disconnect), heartbeats on a fake
// clock, version negotiation, reconnect with resync, ordered collections and events. Written
// from the DDP 1 spec and ../shared/fixtures/ddp/POLICY.md.

#include "ddp_sync/session.h"

#include <algorithm>
#include <random>
#include <span>
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

// ---- Methods across a reconnection (issue #9: same id and randomSeed, Meteor's rule) ----

// The subscription "files", ready on connection S1, with nothing sent left over.
std::string SubscribeFiles(Session& session) {
  absl::StatusOr<std::string> sub = session.Subscribe("files");
  EXPECT_THAT(sub, IsOk());
  EXPECT_THAT(session.Receive(fmt::format(R"({{"msg":"ready","subs":["{}"]}})", *sub)), IsOk());
  session.TakeOutgoing();
  return sub.ok() ? *sub : "";
}

TEST_F(SessionTest, Issue9RetriedCallIsResentUnchangedRightAfterConnect) {
  Connect("S1");
  std::string sub = SubscribeFiles(*session_);
  absl::StatusOr<std::string> m =
      session_->Call("files.add", Ejson(R"(["f5",{"name":"x"}])"), CallOptions{});
  ASSERT_THAT(m, IsOk());
  std::vector<std::string> first = session_->TakeOutgoing();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_THAT(first[0], HasSubstr(R"("randomSeed":")"));
  const MethodCall* call = session_->FindMethod(*m);
  ASSERT_NE(call, nullptr);
  ASSERT_TRUE(call->random_seed.has_value());
  EXPECT_THAT(first[0], HasSubstr(fmt::format(R"("randomSeed":"{}")", *call->random_seed)));

  events_.clear();
  session_->OnDisconnected();
  EXPECT_EQ(call->state, MethodCall::State::kWaitingReconnect);
  EXPECT_THAT(call->failure, IsOk());
  EXPECT_TRUE(events_.empty());  // no failure reported: the call is still alive

  ASSERT_THAT(session_->Connect(), IsOk());
  // connect, then the very same method frame (id, params, randomSeed), then the subscription:
  // Meteor's onReset order.
  EXPECT_THAT(session_->TakeOutgoing(),
              ElementsAre(R"({"msg":"connect","session":"S1","version":"1","support":["1","pre2","pre1"]})",
                          first[0], fmt::format(R"({{"msg":"sub","id":"{}","name":"files"}})", sub)));
  EXPECT_EQ(call->state, MethodCall::State::kPending);
  EXPECT_EQ(call->sends, 2);
  Accept(R"({"msg":"connected","session":"S2"})");
  Accept(fmt::format(R"({{"msg":"result","id":"{}","result":"f5"}})", *m));
  EXPECT_EQ(call->state, MethodCall::State::kReturned);
  EXPECT_EQ(Text(*call->result), R"("f5")");
  EXPECT_THAT(session_->result_order(), ElementsAre(*m));
  EXPECT_THAT(Kinds(), ::testing::Not(::testing::Contains(EventKind::kMethodFailed)));
  // Answered: a later reconnection does not send it again.
  session_->OnDisconnected();
  ASSERT_THAT(session_->Connect(), IsOk());
  EXPECT_THAT(session_->TakeOutgoing(),
              ElementsAre(::testing::HasSubstr(R"("msg":"connect")"), ::testing::HasSubstr(R"("msg":"sub")")));
}

TEST_F(SessionTest, Issue9RetriedCallsAreResentInCallOrder) {
  Connect("S1");
  std::vector<std::string> sent;
  for (int i = 0; i < 11; ++i) {  // ids "1".."11": "10" and "11" sort before "2" as strings
    absl::StatusOr<std::string> m = session_->Call("m", Ejson(fmt::format("[{}]", i)),
                                                   CallOptions{.random_seed = false});
    ASSERT_THAT(m, IsOk());
    sent.push_back(session_->TakeOutgoing().at(0));
  }
  session_->OnDisconnected();
  ASSERT_THAT(session_->Connect(), IsOk());
  std::vector<std::string> resent = session_->TakeOutgoing();
  ASSERT_EQ(resent.size(), 12u);
  resent.erase(resent.begin());  // connect
  EXPECT_EQ(resent, sent);
  EXPECT_THAT(sent[10], HasSubstr(R"("params":[10])"));
}

TEST_F(SessionTest, Issue9NoRetryCallFailsOnDisconnectAndIsNotResent) {
  Connect("S1");
  absl::StatusOr<std::string> keep = session_->Call("keep", Value(), CallOptions{});
  absl::StatusOr<std::string> once =
      session_->Call("once", Value(), CallOptions{.no_retry = true});
  ASSERT_THAT(keep, IsOk());
  ASSERT_THAT(once, IsOk());
  session_->TakeOutgoing();
  session_->OnDisconnected();
  const MethodCall* failed = session_->FindMethod(*once);
  EXPECT_EQ(failed->state, MethodCall::State::kFailed);
  EXPECT_THAT(failed->failure, StatusIs(absl::StatusCode::kUnavailable, "connection lost"));
  EXPECT_THAT(failed->failure, StatusIs(absl::StatusCode::kUnavailable,
                                        fmt::format("method \"once\" (id \"{}\")", *once)));
  ASSERT_EQ(events_.back().kind, EventKind::kMethodFailed);
  EXPECT_EQ(events_.back().id, *once);
  EXPECT_EQ(session_->FindMethod(*keep)->state, MethodCall::State::kWaitingReconnect);
  ASSERT_THAT(session_->Connect(), IsOk());
  std::vector<std::string> out = session_->TakeOutgoing();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_THAT(out[1], HasSubstr(R"("method":"keep")"));
  // The server cannot answer a call it never got again: such a result is out of protocol.
  Accept(R"({"msg":"connected","session":"S2"})");
  EXPECT_THAT(session_->Receive(fmt::format(R"({{"msg":"result","id":"{}","result":1}})", *once)),
              StatusIs(absl::StatusCode::kFailedPrecondition, "already failed"));
}

TEST_F(SessionTest, Issue9HeartbeatLossAndARefusedVersionKeepRetriedCalls) {
  SessionOptions options;
  options.heartbeat_interval_ms = 100;
  options.heartbeat_timeout_ms = 100;
  Reset(options);
  Connect("S1");
  absl::StatusOr<std::string> m = session_->Call("m", Value(), CallOptions{});
  ASSERT_THAT(m, IsOk());
  now_ += 100;
  session_->Tick();  // ping
  now_ += 100;
  session_->Tick();  // lost
  ASSERT_EQ(session_->state(), ConnectionState::kDisconnected);
  EXPECT_EQ(session_->FindMethod(*m)->state, MethodCall::State::kWaitingReconnect);
  ASSERT_THAT(session_->Connect(), IsOk());
  EXPECT_EQ(session_->FindMethod(*m)->state, MethodCall::State::kPending);
  // "failed" with a version we speak: a new connection follows, the call waits for it.
  Accept(R"({"msg":"failed","version":"pre2"})");
  EXPECT_EQ(session_->FindMethod(*m)->state, MethodCall::State::kWaitingReconnect);
  session_->OnDisconnected();
  ASSERT_THAT(session_->Connect(), IsOk());
  std::vector<std::string> out = session_->TakeOutgoing();
  ASSERT_GE(out.size(), 2u);
  EXPECT_THAT(out.back(), HasSubstr(fmt::format(R"("id":"{}")", *m)));
  // "failed" that stops the session: nothing will ever answer, the call fails.
  Accept(R"({"msg":"failed","version":"2"})");
  EXPECT_EQ(session_->state(), ConnectionState::kStopped);
  EXPECT_THAT(session_->FindMethod(*m)->failure,
              StatusIs(absl::StatusCode::kUnavailable, "refused the protocol version"));
}

TEST_F(SessionTest, Issue9TimeoutCountsFromTheFirstSendAcrossReconnections) {
  SessionOptions options;
  options.method_timeout_ms = 30'000;
  Reset(options);
  Connect("S1");
  absl::StatusOr<std::string> resent = session_->Call("resent", Value(), CallOptions{});
  absl::StatusOr<std::string> waiting = session_->Call("waiting", Value(), CallOptions{});
  ASSERT_THAT(resent, IsOk());
  ASSERT_THAT(waiting, IsOk());
  now_ += 10'000;
  session_->OnDisconnected();
  now_ += 10'000;
  session_->Tick();
  EXPECT_EQ(session_->FindMethod(*waiting)->state, MethodCall::State::kWaitingReconnect);
  // A waiting call times out while still waiting.
  ASSERT_THAT(session_->Connect(), IsOk());  // resends both at t0 + 20 s
  session_->TakeOutgoing();
  now_ += 9'999;
  session_->Tick();
  EXPECT_EQ(session_->FindMethod(*resent)->state, MethodCall::State::kPending);
  now_ += 1;  // t0 + 30 s: the resend did not restart the count
  session_->Tick();
  EXPECT_THAT(session_->FindMethod(*resent)->failure,
              StatusIs(absl::StatusCode::kDeadlineExceeded, "no result within 30000 ms"));

  // A call that times out while it waits for a connection is not sent again.
  absl::StatusOr<std::string> offline = session_->Call("offline", Value(), CallOptions{});
  ASSERT_THAT(offline, IsOk());
  session_->OnDisconnected();
  EXPECT_EQ(session_->FindMethod(*offline)->state, MethodCall::State::kWaitingReconnect);
  now_ += 30'000;
  session_->Tick();
  const MethodCall* call = session_->FindMethod(*offline);
  EXPECT_EQ(call->state, MethodCall::State::kFailed);
  EXPECT_THAT(call->failure, StatusIs(absl::StatusCode::kDeadlineExceeded, "no result"));
  ASSERT_THAT(session_->Connect(), IsOk());
  for (const std::string& frame : session_->TakeOutgoing()) {
    EXPECT_THAT(frame, ::testing::Not(HasSubstr(R"("msg":"method")")));
  }
}

TEST_F(SessionTest, Issue9AResultWithoutUpdatedIsNotResentAndIsUpdatedAfterTheResync) {
  Connect("S1");
  std::string sub = SubscribeFiles(*session_);
  absl::StatusOr<std::string> m = session_->Call("files.add", Value(), CallOptions{});
  ASSERT_THAT(m, IsOk());
  session_->TakeOutgoing();
  Accept(fmt::format(R"({{"msg":"result","id":"{}","result":1}})", *m));
  session_->OnDisconnected();
  const MethodCall* call = session_->FindMethod(*m);
  EXPECT_EQ(call->state, MethodCall::State::kReturned);
  ASSERT_THAT(session_->Connect(), IsOk());
  std::vector<std::string> out = session_->TakeOutgoing();
  ASSERT_EQ(out.size(), 2u);  // connect, sub: it ran, it is not run again
  EXPECT_THAT(out[1], HasSubstr(R"("msg":"sub")"));
  Accept(R"({"msg":"connected","session":"S2"})");
  EXPECT_FALSE(call->updated);  // not before the resync is complete
  events_.clear();
  Accept(fmt::format(R"({{"msg":"ready","subs":["{}"]}})", sub));
  EXPECT_TRUE(call->updated);
  EXPECT_THAT(Kinds(), ElementsAre(EventKind::kReady, EventKind::kResynced, EventKind::kUpdated));
  EXPECT_EQ(events_.back().id, *m);
}

TEST_F(SessionTest, Issue9AResumedSessionStillOwesTheUpdated) {
  Connect("S1");
  std::string sub = SubscribeFiles(*session_);
  absl::StatusOr<std::string> m = session_->Call("x", Value(), CallOptions{});
  ASSERT_THAT(m, IsOk());
  Accept(fmt::format(R"({{"msg":"result","id":"{}"}})", *m));
  session_->OnDisconnected();
  ASSERT_THAT(session_->Connect(), IsOk());
  Accept(R"({"msg":"connected","session":"S1"})");
  Accept(fmt::format(R"({{"msg":"ready","subs":["{}"]}})", sub));
  EXPECT_FALSE(session_->FindMethod(*m)->updated);
  Accept(fmt::format(R"({{"msg":"updated","methods":["{}"]}})", *m));
  EXPECT_TRUE(session_->FindMethod(*m)->updated);
}

TEST_F(SessionTest, Issue9FailWaitingCallsEndsOnlyTheWaitingOnes) {
  Connect("S1");
  absl::StatusOr<std::string> done = session_->Call("done", Value(), CallOptions{});
  absl::StatusOr<std::string> lost = session_->Call("lost", Value(), CallOptions{});
  ASSERT_THAT(done, IsOk());
  ASSERT_THAT(lost, IsOk());
  Accept(fmt::format(R"({{"msg":"result","id":"{}"}})", *done));
  session_->OnDisconnected();
  events_.clear();
  session_->FailWaitingCalls(absl::UnavailableError("stopped"));
  EXPECT_EQ(session_->FindMethod(*done)->state, MethodCall::State::kReturned);
  EXPECT_THAT(session_->FindMethod(*lost)->failure,
              StatusIs(absl::StatusCode::kUnavailable, "stopped"));
  EXPECT_THAT(Kinds(), ElementsAre(EventKind::kMethodFailed));
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

// A recording spanning a reconnection (issue #9): the connect naming the previous session is
// the connection being lost and re-established, so the live session's resync rules apply.
TEST_F(SessionTest, Issue9RecordedConnectNamingASessionIsAReconnection) {
  ASSERT_THAT(session_->RecordSent(R"({"msg":"connect","version":"1","support":["1"]})"), IsOk());
  Accept(R"({"msg":"connected","session":"S1"})");
  ASSERT_THAT(session_->RecordSent(R"({"msg":"sub","id":"s1","name":"files"})"), IsOk());
  Accept(R"({"msg":"added","collection":"files","id":"a","fields":{"v":1}})");
  Accept(R"({"msg":"added","collection":"files","id":"b","fields":{"v":1}})");
  Accept(R"({"msg":"ready","subs":["s1"]})");
  ASSERT_THAT(session_->RecordSent(R"({"msg":"method","id":"1","method":"m","params":[],"randomSeed":"r"})"),
              IsOk());
  EXPECT_EQ(session_->FindMethod("1")->random_seed, "r");

  ASSERT_THAT(session_->RecordSent(
                  R"({"msg":"connect","session":"S1","version":"1","support":["1"]})"),
              IsOk());
  EXPECT_EQ(session_->state(), ConnectionState::kConnecting);
  EXPECT_EQ(session_->FindMethod("1")->state, MethodCall::State::kWaitingReconnect);
  ASSERT_THAT(session_->RecordSent(R"({"msg":"method","id":"1","method":"m","params":[],"randomSeed":"r"})"),
              IsOk());
  EXPECT_EQ(session_->FindMethod("1")->state, MethodCall::State::kPending);
  EXPECT_EQ(session_->FindMethod("1")->sends, 2);
  ASSERT_THAT(session_->RecordSent(R"({"msg":"sub","id":"s1","name":"files"})"), IsOk());
  Accept(R"({"msg":"connected","session":"S2"})");
  EXPECT_TRUE(session_->resyncing());
  // The new server session sends "a" again: a replacement, not a duplicate.
  Accept(R"({"msg":"added","collection":"files","id":"a","fields":{"v":2}})");
  Accept(R"({"msg":"result","id":"1","result":true})");
  Accept(R"({"msg":"ready","subs":["s1"]})");
  EXPECT_FALSE(session_->resyncing());
  EXPECT_EQ(Doc(*session_, "files", "a"), R"({"_id":"a","v":2})");
  EXPECT_EQ(Doc(*session_, "files", "b"), "missing");
  EXPECT_EQ(session_->FindMethod("1")->state, MethodCall::State::kReturned);
  EXPECT_THAT(Kinds(), ::testing::Not(::testing::Contains(EventKind::kRejected)));
  EXPECT_TRUE(session_->TakeOutgoing().empty());
}

TEST_F(SessionTest, ARecordedConnectWithoutSessionWhileOpenRepeatsTheConnection) {
  ASSERT_THAT(session_->RecordSent(R"({"msg":"connect","version":"1","support":["1"]})"), IsOk());
  Accept(R"({"msg":"connected","session":"S1"})");
  Accept(R"({"msg":"added","collection":"files","id":"a"})");
  ASSERT_THAT(session_->RecordSent(R"({"msg":"connect","version":"1","support":["1"]})"), IsOk());
  EXPECT_EQ(session_->state(), ConnectionState::kConnected);
  Accept(R"({"msg":"connected","session":"S1"})");
  EXPECT_EQ(events_.back().kind, EventKind::kConnected);
  EXPECT_EQ(events_[events_.size() - 2].kind, EventKind::kWarning);  // second "connected"
  EXPECT_FALSE(session_->resyncing());
  EXPECT_EQ(Doc(*session_, "files", "a"), R"({"_id":"a"})");
}

TEST_F(SessionTest, ServerErrorsAreSurfacedAndChangeNothing) {
  Connect();
  Accept(R"({"msg":"error","reason":"Already connected","offendingMessage":{"msg":"connect"}})");
  EXPECT_EQ(events_.back().kind, EventKind::kServerError);
  EXPECT_EQ(events_.back().message, "Already connected");
  EXPECT_TRUE(session_->collections().empty());
}

// ReceiveBatch prefetches later frames' documents from a peek at their text; that must never
// change an outcome. A random stream over two collections (adds, changes, removes, rejected
// frames, an "id" inside the fields, collections dropped by an event callback in the middle of
// a batch) gives the same statuses and the same final store in batches as frame by frame.
TEST(SessionBatchTest, PipelinedBatchesEqualFrameByFrame) {
  std::mt19937_64 rng(20261201);
  std::vector<std::string> frames;
  std::vector<std::string> ids = {"a", "b", "c", "d", "e", "f", "g", "h"};
  for (int i = 0; i < 3000; ++i) {
    const std::string collection = rng() % 4 == 0 ? "g" : "f";
    const std::string& id = ids[rng() % ids.size()];
    switch (rng() % 5) {
      case 0:
      case 1:
        frames.push_back(fmt::format(
            R"({{"msg":"added","collection":"{}","id":"{}","fields":{{"v":{},"id":"x"}}}})",
            collection, id, i));
        break;
      case 2:
        frames.push_back(fmt::format(
            R"({{"msg":"changed","collection":"{}","id":"{}","fields":{{"v":{}}}}})", collection,
            id, i));
        break;
      case 3:
        frames.push_back(
            fmt::format(R"({{"msg":"removed","collection":"{}","id":"{}"}})", collection, id));
        break;
      default:
        frames.push_back(fmt::format(
            R"({{"msg":"changed","id":"{}","collection":"{}","cleared":["v"]}})", id,
            collection));
        break;
    }
  }
  auto run = [&](bool batched, std::vector<std::string>* statuses) {
    Database db;
    int rejections = 0;
    SessionOptions options;
    options.heartbeat_interval_ms = 0;
    options.now_millis = [] { return int64_t{0}; };
    options.on_event = [&](const SessionEvent& e) {
      // Every 50th rejection drops "g" while a batch may be in flight.
      if (e.kind == EventKind::kRejected && ++rejections % 50 == 0) db.DropCollection("g");
    };
    Session session(&db, std::move(options));
    std::vector<std::string_view> views(frames.begin(), frames.end());
    for (size_t first = 0; first < views.size(); first += 37) {
      const size_t count = std::min<size_t>(37, views.size() - first);
      std::vector<absl::Status> out;
      if (batched) {
        out = session.ReceiveBatch(std::span<const std::string_view>(&views[first], count),
                                   first + 1);
      } else {
        for (size_t k = 0; k < count; ++k) out.push_back(session.Receive(views[first + k], first + k + 1));
      }
      for (const absl::Status& st : out) statuses->push_back(st.ToString());
    }
    std::string state;
    for (const std::string& name : db.CollectionNames()) {
      state += name + ":";
      db.FindCollection(name)->ForEachDocument([&](const Value& d) { state += Text(d) + ";"; });
    }
    return state;
  };
  std::vector<std::string> one_by_one, batched;
  const std::string expected = run(false, &one_by_one);
  EXPECT_EQ(run(true, &batched), expected);
  EXPECT_EQ(batched, one_by_one);
  // The stream exercises both outcomes.
  EXPECT_NE(std::count(one_by_one.begin(), one_by_one.end(), "OK"), 0);
  EXPECT_NE(std::count(one_by_one.begin(), one_by_one.end(), "OK"),
            static_cast<std::ptrdiff_t>(one_by_one.size()));
}

}  // namespace
}  // namespace minimongo::ddp
