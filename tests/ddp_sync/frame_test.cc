// DecodeServerFrame / DecodeClientFrame and the frame builders, per message type, written from
// the DDP 1 spec and ../shared/fixtures/ddp/POLICY.md.

#include "ddp_sync/frame.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/ejson.h"
#include "query/value.h"
#include "tests/testing/status_matchers.h"

namespace minimongo::ddp {
namespace {

using ::minimongo::testing::IsOk;
using ::minimongo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using query::Value;

Value Ejson(std::string_view text) {
  query::ParseOptions options;
  options.extended_json = false;
  absl::StatusOr<Value> v = query::ParseEjson(text, options);
  EXPECT_THAT(v, IsOk()) << text;
  return v.ok() ? *v : Value();
}

std::string Text(query::ValueView v) {
  query::EjsonOptions options;
  options.escape_extended_forms = false;
  return query::ToEjson(v, options);
}

ServerMessage Decode(std::string_view text) {
  absl::StatusOr<ServerMessage> m = DecodeServerFrame(text, 1);
  EXPECT_THAT(m, IsOk()) << text;
  if (!m.ok()) return ServerMessage();
  return *std::move(m);
}

// The message of a rejected frame, for checking its wording.
std::string Rejection(std::string_view text, uint64_t frame = 7) {
  absl::StatusOr<ServerMessage> m = DecodeServerFrame(text, frame);
  EXPECT_FALSE(m.ok()) << text;
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << m.status();
  return std::string(m.status().message());
}

TEST(MessageTypeTest, NamesAreTheWireNames) {
  EXPECT_EQ(MessageTypeName(MessageType::kAddedBefore), "addedBefore");
  EXPECT_EQ(MessageTypeName(MessageType::kNosub), "nosub");
  EXPECT_EQ(MessageTypeName(MessageType::kMethod), "method");
  EXPECT_EQ(MessageTypeName(MessageType::kNone), "");
}

// ---- Data messages ----

TEST(DecodeServerFrameTest, AddedTakesCollectionIdAndEjsonFields) {
  ServerMessage m = Decode(
      R"({"msg":"added","collection":"files","id":"f1","fields":{"at":{"$date":5},"n":1}})");
  EXPECT_EQ(m.type, MessageType::kAdded);
  EXPECT_EQ(m.dialect, Dialect::kDdp1);
  EXPECT_EQ(m.collection, "files");
  EXPECT_EQ(m.id.AsString(), "f1");
  ASSERT_TRUE(m.fields.IsObject());
  EXPECT_EQ(m.fields.Find("at")->type(), query::Type::kDate);
  EXPECT_EQ(m.fields.Find("at")->AsDateMillis(), 5);
}

TEST(DecodeServerFrameTest, AddedWithoutFieldsHasEmptyFields) {
  ServerMessage m = Decode(R"({"msg":"added","collection":"files","id":"f3"})");
  EXPECT_TRUE(m.fields.IsObject());
  EXPECT_TRUE(m.fields.empty());
}

TEST(DecodeServerFrameTest, AddedDropsAnUnderscoreIdEqualToTheIdAndRejectsAnother) {
  ServerMessage m = Decode(R"({"msg":"added","collection":"u","id":"u3","fields":{"_id":"u3","a":1}})");
  EXPECT_EQ(Text(m.fields), R"({"a":1})");
  EXPECT_THAT(Rejection(R"({"msg":"added","collection":"u","id":"u3","fields":{"_id":"u4"}})"),
              HasSubstr("\"fields._id\" (\"u4\") differs from the document id \"u3\""));
  // Same spelling, other type: a number is not the string "3".
  EXPECT_THAT(Rejection(R"({"msg":"added","collection":"u","id":"3","fields":{"_id":3}})"),
              HasSubstr("differs"));
}

TEST(DecodeServerFrameTest, UnknownFieldsAreIgnored) {
  ServerMessage m =
      Decode(R"({"msg":"added","collection":"f","id":"x","origin":"replica-2","fields":{}})");
  EXPECT_EQ(m.type, MessageType::kAdded);
  // An unknown member whose text is not valid EJSON is read as plain JSON, not rejected.
  ServerMessage odd = Decode(R"({"msg":"added","collection":"f","id":"x","meta":{"$date":"x"}})");
  EXPECT_EQ(odd.type, MessageType::kAdded);
}

// Members are found by name whatever their order (the decoder tries the customary order
// first), with unknown members between them.
TEST(DecodeServerFrameTest, MembersInAnyOrderAreFound) {
  const char* const kFrames[] = {
      R"({"msg":"changed","collection":"files","id":"f1","fields":{"a":1},"cleared":["b"]})",
      R"({"cleared":["b"],"fields":{"a":1},"id":"f1","collection":"files","msg":"changed"})",
      R"({"id":"f1","x":0,"msg":"changed","cleared":["b"],"y":[],"collection":"files","fields":{"a":1}})",
      R"({"fields":{"a":1},"msg":"changed","z":{"msg":"added"},"cleared":["b"],"collection":"files","id":"f1"})",
  };
  for (const char* frame : kFrames) {
    ServerMessage m = Decode(frame);
    EXPECT_EQ(m.type, MessageType::kChanged) << frame;
    EXPECT_EQ(m.collection, "files") << frame;
    EXPECT_EQ(m.id.AsString(), "f1") << frame;
    EXPECT_EQ(Text(m.fields), R"({"a":1})") << frame;
    EXPECT_THAT(m.cleared, ElementsAre("b")) << frame;
  }
  ServerMessage m = Decode(R"({"session":"s1","msg":"connected"})");
  EXPECT_EQ(m.type, MessageType::kConnected);
  EXPECT_EQ(m.session, "s1");
}

TEST(DecodeServerFrameTest, ChangedTakesFieldsAndCleared) {
  ServerMessage m = Decode(
      R"({"msg":"changed","collection":"files","id":"f1","fields":{"size":11,"d":null},"cleared":["shared","x"]})");
  EXPECT_EQ(m.type, MessageType::kChanged);
  EXPECT_EQ(Text(m.fields), R"({"size":11,"d":null})");
  EXPECT_THAT(m.cleared, ElementsAre("shared", "x"));
  EXPECT_TRUE(m.warnings.empty());
}

TEST(DecodeServerFrameTest, ChangedWithNothingIsValid) {
  ServerMessage m = Decode(R"({"msg":"changed","collection":"files","id":"f2"})");
  EXPECT_TRUE(m.fields.empty());
  EXPECT_TRUE(m.cleared.empty());
}

TEST(DecodeServerFrameTest, ChangedSettingAndClearingOneNameWarns) {
  ServerMessage m =
      Decode(R"({"msg":"changed","collection":"f","id":"a","fields":{"k":1},"cleared":["k"]})");
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_THAT(m.warnings[0], HasSubstr("\"k\" is both set and cleared; cleared wins"));
}

TEST(DecodeServerFrameTest, ChangedRejectsBadCleared) {
  EXPECT_THAT(Rejection(R"({"msg":"changed","collection":"f","id":"a","cleared":"x"})"),
              HasSubstr("\"cleared\" must be an array of strings, not a string"));
  EXPECT_THAT(Rejection(R"({"msg":"changed","collection":"f","id":"a","cleared":[1]})"),
              HasSubstr("holds a number"));
  EXPECT_THAT(Rejection(R"({"msg":"changed","collection":"f","id":"a","cleared":["_id"]})"),
              HasSubstr("\"cleared\" names \"_id\""));
  EXPECT_THAT(Rejection(R"({"msg":"changed","collection":"f","id":"a","fields":null})"),
              HasSubstr("\"fields\" must be an object, not null"));
}

TEST(DecodeServerFrameTest, OneBadValueRejectsTheWholeFrame) {
  std::string why = Rejection(
      R"({"msg":"changed","collection":"f","id":"a","fields":{"ok":2,"bad":{"$date":"x"}}})", 10);
  EXPECT_THAT(why, HasSubstr("ddp frame 10 (msg \"changed\"): invalid EJSON in \"fields\""));
}

TEST(DecodeServerFrameTest, EjsonFormsFollowThePolicy) {
  for (const char* bad : {R"({"$date":"2024-01-01"})", R"({"$binary":"AAE"})",
                          R"({"$InfNaN":2})", R"({"$escape":5})",
                          R"({"$type":"Money","$value":5})",
                          R"({"$type":"oid","$value":"0123456789abcdef01234567"})"}) {
    std::string frame =
        std::string(R"({"msg":"added","collection":"f","id":"a","fields":{"v":)") + bad + "}}";
    EXPECT_FALSE(DecodeServerFrame(frame, 1).ok()) << frame;
  }
  ServerMessage m = Decode(
      R"({"msg":"added","collection":"f","id":"a","fields":{"e":{"$escape":{"$date":1}},"p":{"$date":5,"x":1},"k":{"$foo":1}}})");
  EXPECT_TRUE(m.fields.Find("e")->IsObject());
  EXPECT_EQ(m.fields.Find("e")->Find("$date")->AsInt32(), 1);
  EXPECT_TRUE(m.fields.Find("p")->IsObject());
  EXPECT_TRUE(m.fields.Find("k")->IsObject());
}

TEST(DecodeServerFrameTest, RemovedAcceptsOneOfficeNumericIds) {
  ServerMessage s = Decode(R"({"msg":"removed","collection":"files","id":"f3"})");
  EXPECT_EQ(s.dialect, Dialect::kDdp1);
  ServerMessage n = Decode(R"({"msg":"removed","collection":"files","id":8})");
  EXPECT_EQ(n.dialect, Dialect::kOneOffice);
  EXPECT_EQ(n.id.AsInt32(), 8);
  EXPECT_THAT(Rejection(R"({"msg":"removed","collection":"files","id":null})"),
              HasSubstr("\"id\" must be a string or a number, not null"));
  EXPECT_THAT(Rejection(R"({"msg":"removed","collection":"files","id":{"$InfNaN":1}})"),
              HasSubstr("must be a string or a number"));
}

TEST(DecodeServerFrameTest, DataMessagesNeedCollectionAndStringIds) {
  EXPECT_THAT(Rejection(R"({"msg":"added","id":"a"})"), HasSubstr("missing \"collection\""));
  EXPECT_THAT(Rejection(R"({"msg":"added","collection":7,"id":"a"})"),
              HasSubstr("\"collection\" must be a string, not a number"));
  EXPECT_THAT(Rejection(R"({"msg":"added","collection":"","id":"a"})"),
              HasSubstr("must not be empty"));
  EXPECT_THAT(Rejection(R"({"msg":"added","collection":"c","id":5})"),
              HasSubstr("\"id\" must be a string, not a number"));
  EXPECT_THAT(Rejection(R"({"msg":"changed","collection":"c"})"), HasSubstr("missing \"id\""));
  EXPECT_THAT(Rejection(R"({"msg":"added","collection":"c"})"),
              HasSubstr("missing \"id\" (DDP 1) or \"data\""));
}

TEST(DecodeServerFrameTest, AddedBeforeAndMovedBeforeNeedBefore) {
  ServerMessage end = Decode(R"({"msg":"addedBefore","collection":"q","id":"q1","before":null})");
  EXPECT_FALSE(end.before.has_value());
  ServerMessage mid =
      Decode(R"({"msg":"addedBefore","collection":"q","id":"q0","fields":{"n":0},"before":"q1"})");
  ASSERT_TRUE(mid.before.has_value());
  EXPECT_EQ(mid.before->AsString(), "q1");
  EXPECT_THAT(Rejection(R"({"msg":"addedBefore","collection":"q","id":"q4","fields":{}})"),
              HasSubstr("missing \"before\""));
  EXPECT_THAT(Rejection(R"({"msg":"movedBefore","collection":"q","id":"q4","before":3})"),
              HasSubstr("\"before\" must be a string or null, not a number"));
  EXPECT_THAT(Rejection(R"({"msg":"movedBefore","collection":"q","id":"q4","before":"q4"})"),
              HasSubstr("names the document being moved"));
  ServerMessage moved = Decode(R"({"msg":"movedBefore","collection":"q","id":"q2","before":"q0"})");
  EXPECT_EQ(moved.type, MessageType::kMovedBefore);
}

// ---- OneOffice detection ----

TEST(DecodeServerFrameTest, OneOfficeAddedHasItsIdInData) {
  ServerMessage m = Decode(
      R"({"msg":"added","collection":"files","data":{"id":7,"name":"Report.docx","modified":{"$date":1}}})");
  EXPECT_EQ(m.dialect, Dialect::kOneOffice);
  EXPECT_EQ(m.id.AsInt32(), 7);
  EXPECT_EQ(Text(m.fields), R"({"name":"Report.docx","modified":{"$date":1}})");
  ServerMessage only_id = Decode(R"({"msg":"added","collection":"f","data":{"id":"a-9"}})");
  EXPECT_EQ(only_id.id.AsString(), "a-9");
  EXPECT_TRUE(only_id.fields.empty());
}

TEST(DecodeServerFrameTest, ATopLevelIdMeansDdp1EvenWithData) {
  ServerMessage m = Decode(R"({"msg":"added","collection":"f","id":"x1","data":{"id":5}})");
  EXPECT_EQ(m.dialect, Dialect::kDdp1);
  EXPECT_EQ(m.id.AsString(), "x1");
  EXPECT_TRUE(m.fields.empty());
}

TEST(DecodeServerFrameTest, OneOfficeDataNeedsAnId) {
  EXPECT_THAT(Rejection(R"({"msg":"added","collection":"f","data":{"name":"x"}})"),
              HasSubstr("missing \"data.id\""));
  EXPECT_THAT(Rejection(R"({"msg":"added","collection":"f","data":[7]})"),
              HasSubstr("\"data\" must be an object, not an array"));
  EXPECT_THAT(Rejection(R"({"msg":"added","collection":"f","data":{"id":true}})"),
              HasSubstr("\"data.id\" must be a string or a number, not a boolean"));
  EXPECT_THAT(Rejection(R"({"msg":"added","collection":"f","data":{"id":4,"_id":5}})"),
              HasSubstr("\"data._id\" (5) differs from the document id 4"));
}

TEST(DecodeServerFrameTest, UpdatedIsDdp1WithMethodsElseOneOfficeWithData) {
  ServerMessage ddp = Decode(R"({"msg":"updated","methods":["m1","m2"]})");
  EXPECT_EQ(ddp.dialect, Dialect::kDdp1);
  EXPECT_THAT(ddp.ids, ElementsAre("m1", "m2"));
  ServerMessage oo = Decode(R"({"msg":"updated","collection":"files","data":{"id":7,"name":"N"}})");
  EXPECT_EQ(oo.dialect, Dialect::kOneOffice);
  EXPECT_EQ(oo.id.AsInt32(), 7);
  EXPECT_EQ(Text(oo.fields), R"({"name":"N"})");
  // What ddp-server-reactive sends is neither.
  EXPECT_THAT(Rejection(R"({"msg":"updated","id":"m1"})"),
              HasSubstr("neither \"methods\" (DDP 1) nor \"collection\"/\"data\" (OneOffice)"));
  EXPECT_THAT(Rejection(R"({"msg":"updated","methods":[1]})"), HasSubstr("holds a number"));
  EXPECT_THAT(Rejection(R"({"msg":"updated","collection":"files"})"), HasSubstr("missing \"data\""));
}

TEST(DecodeServerFrameTest, ReadyTakesSubsOrOneOfficeId) {
  EXPECT_THAT(Decode(R"({"msg":"ready","subs":["s1","s2"]})").ids, ElementsAre("s1", "s2"));
  EXPECT_THAT(Decode(R"({"msg":"ready","subs":[]})").ids, ElementsAre());
  ServerMessage oo = Decode(R"({"msg":"ready","id":"11"})");
  EXPECT_EQ(oo.dialect, Dialect::kOneOffice);
  EXPECT_THAT(oo.ids, ElementsAre("11"));
  EXPECT_THAT(Decode(R"({"msg":"ready","id":11})").ids, ElementsAre("11"));
  EXPECT_THAT(Rejection(R"({"msg":"ready","id":-1})"), HasSubstr("non-negative integer"));
  EXPECT_THAT(Rejection(R"({"msg":"ready","id":1.5})"), HasSubstr("non-negative integer"));
  EXPECT_THAT(Rejection(R"({"msg":"ready","subs":"s1"})"),
              HasSubstr("\"subs\" must be an array of strings, not a string"));
  EXPECT_THAT(Rejection(R"({"msg":"ready"})"), HasSubstr("missing \"subs\""));
}

// ---- Subscriptions, methods, connection ----

TEST(DecodeServerFrameTest, NosubKeepsItsErrorAsPlainJson) {
  ServerMessage plain = Decode(R"({"msg":"nosub","id":"s2"})");
  EXPECT_EQ(*plain.message_id, "s2");
  EXPECT_FALSE(plain.error.has_value());
  ServerMessage with_error = Decode(
      R"({"msg":"nosub","id":"s3","error":{"error":404,"reason":"x","extra":{"$escape":{"a":1}}}})");
  ASSERT_TRUE(with_error.error.has_value());
  std::string text;
  AppendPlainJson(with_error.error->view(), &text);
  EXPECT_EQ(text, R"({"error":404,"reason":"x","extra":{"$escape":{"a":1}}})");
  EXPECT_THAT(Rejection(R"({"msg":"nosub","id":"s3","error":null})"),
              HasSubstr("\"error\" must be an Error object"));
  EXPECT_THAT(Rejection(R"({"msg":"nosub"})"), HasSubstr("missing \"id\""));
}

TEST(DecodeServerFrameTest, ResultHasResultOrError) {
  ServerMessage r = Decode(R"({"msg":"result","id":"m1","result":{"when":{"$date":7}}})");
  ASSERT_TRUE(r.result.has_value());
  EXPECT_EQ(r.result->Find("when")->AsDateMillis(), 7);
  EXPECT_FALSE(r.error.has_value());
  ServerMessage none = Decode(R"({"msg":"result","id":"m2"})");
  EXPECT_FALSE(none.result.has_value());
  EXPECT_FALSE(none.error.has_value());
  ServerMessage oo = Decode(R"({"msg":"result","id":"7","error":"not-allowed"})");
  EXPECT_EQ(oo.dialect, Dialect::kOneOffice);
  EXPECT_TRUE(oo.error->IsString());
  ServerMessage numeric = Decode(R"({"msg":"result","id":9,"result":true})");
  EXPECT_EQ(*numeric.message_id, "9");
  EXPECT_THAT(Rejection(R"({"msg":"result","result":["no-id"]})"), HasSubstr("missing \"id\""));
  EXPECT_THAT(Rejection(R"({"msg":"result","id":"m1","result":{"$binary":"@@@@"}})"),
              HasSubstr("invalid EJSON in \"result\""));
}

TEST(DecodeServerFrameTest, ConnectionMessages) {
  EXPECT_EQ(Decode(R"({"msg":"connected","session":"S1"})").session, "S1");
  EXPECT_EQ(Decode(R"({"msg":"failed","version":"pre2"})").version, "pre2");
  EXPECT_EQ(*Decode(R"({"msg":"ping","id":"srv-1","future":"field"})").message_id, "srv-1");
  EXPECT_FALSE(Decode(R"({"msg":"ping"})").message_id.has_value());
  EXPECT_EQ(Decode(R"({"msg":"pong","id":"c-1"})").type, MessageType::kPong);
  EXPECT_THAT(Rejection(R"({"msg":"connected"})"), HasSubstr("missing \"session\""));
  EXPECT_THAT(Rejection(R"({"msg":"failed","version":1})"),
              HasSubstr("\"version\" must be a string"));
  EXPECT_THAT(Rejection(R"({"msg":"ping","id":7})"), HasSubstr("\"id\" must be a string"));
}

TEST(DecodeServerFrameTest, ErrorMessage) {
  ServerMessage e = Decode(R"({"msg":"error","reason":"Bad request","offendingMessage":{"msg":"x"}})");
  EXPECT_EQ(e.type, MessageType::kError);
  EXPECT_EQ(e.reason, "Bad request");
  ASSERT_TRUE(e.offending_message.has_value());
  EXPECT_THAT(Rejection(R"({"msg":"error"})"), HasSubstr("missing \"reason\""));
}

// ---- Malformed frames ----

TEST(DecodeServerFrameTest, RejectsWhatIsNotADdpMessage) {
  EXPECT_THAT(Rejection("{not json", 3), HasSubstr("ddp frame 3: invalid JSON"));
  EXPECT_THAT(Rejection(""), HasSubstr("invalid JSON"));
  EXPECT_THAT(Rejection("42"), HasSubstr("frame is a number, not a JSON object"));
  EXPECT_THAT(Rejection("null"), HasSubstr("frame is null, not a JSON object"));
  EXPECT_THAT(Rejection("[1,2]"), HasSubstr("frame is an array"));
  EXPECT_THAT(Rejection(R"("hello")"), HasSubstr("frame is a string"));
  EXPECT_THAT(Rejection(R"({"msg":5})"), HasSubstr("\"msg\" must be a string, not a number"));
  EXPECT_THAT(Rejection(R"({"msg":"frobnicate"})"),
              HasSubstr("ddp frame 7 (msg \"frobnicate\"): unknown message type"));
  for (const char* client : {"connect", "sub", "unsub", "method"}) {
    EXPECT_THAT(Rejection(std::string(R"({"msg":")") + client + "\"}"),
                HasSubstr("a client-to-server message type"));
  }
  EXPECT_THAT(Rejection(R"({"msg":"added","msg":"removed","collection":"c","id":"a"})"),
              HasSubstr("duplicate key \"msg\""));
}

TEST(DecodeServerFrameTest, AFrameWithoutMsgIsNoneForTheSessionToJudge) {
  EXPECT_EQ(Decode(R"({"server_id":"0"})").type, MessageType::kNone);
  // The top level is plain JSON, never an EJSON special form: this has no "msg".
  EXPECT_EQ(Decode(R"({"$escape":{"msg":"added","collection":"c","id":"x"}})").type,
            MessageType::kNone);
  EXPECT_EQ(Decode(R"({"$date":5})").type, MessageType::kNone);
}

TEST(DecodeServerFrameTest, DeepNestingIsRejectedWithoutCrashing) {
  std::string deep = R"({"msg":"added","collection":"c","id":"a","fields":{"v":)";
  for (int i = 0; i < 5000; ++i) deep += "[";
  for (int i = 0; i < 5000; ++i) deep += "]";
  deep += "}}";
  EXPECT_THAT(Rejection(deep), HasSubstr("\"fields\""));
  std::string deep_unknown = R"({"msg":"ping","x":)";
  for (int i = 0; i < 5000; ++i) deep_unknown += "[";
  for (int i = 0; i < 5000; ++i) deep_unknown += "]";
  deep_unknown += "}";
  EXPECT_THAT(Rejection(deep_unknown), HasSubstr("nests deeper"));
}

// ---- Client frames ----

TEST(DecodeClientFrameTest, ReadsWhatAClientSends) {
  absl::StatusOr<ClientMessage> c =
      DecodeClientFrame(R"({"msg":"connect","version":"1","support":["1","pre2"],"session":"S"})", 1);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->type, MessageType::kConnect);
  EXPECT_EQ(c->version, "1");
  EXPECT_THAT(c->support, ElementsAre("1", "pre2"));
  EXPECT_EQ(*c->session, "S");
  absl::StatusOr<ClientMessage> sub =
      DecodeClientFrame(R"({"msg":"sub","id":"11","name":"files","params":{"folder":3}})", 2);
  ASSERT_THAT(sub, IsOk());
  EXPECT_EQ(*sub->id, "11");
  EXPECT_EQ(sub->name, "files");
  EXPECT_TRUE(sub->params->IsObject());
  absl::StatusOr<ClientMessage> method =
      DecodeClientFrame(R"({"msg":"method","id":"m1","method":"x","randomSeed":"r"})", 3);
  ASSERT_THAT(method, IsOk());
  EXPECT_EQ(method->name, "x");
  EXPECT_TRUE(method->random_seed.has_value());
  EXPECT_THAT(DecodeClientFrame(R"({"msg":"method","method":"echo"})", 4),
              StatusIs(absl::StatusCode::kInvalidArgument, "ddp client frame 4 (msg \"method\"): missing \"id\""));
  EXPECT_THAT(DecodeClientFrame(R"({"msg":"sub","id":"s","name":"n","params":"x"})", 5),
              StatusIs(absl::StatusCode::kInvalidArgument, "params"));
  EXPECT_THAT(DecodeClientFrame(R"({"msg":"frobnicate"})", 6),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown message type"));
  EXPECT_THAT(DecodeClientFrame(R"({"msg":"added"})", 7),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a client-to-server"));
  EXPECT_THAT(DecodeClientFrame("42", 8), StatusIs(absl::StatusCode::kInvalidArgument, "not a JSON object"));
}

// ---- Builders ----

TEST(FrameBuilderTest, BuildsTheSpecFrames) {
  std::vector<std::string> support = {"1", "pre2", "pre1"};
  EXPECT_EQ(ConnectFrame("1", support),
            R"({"msg":"connect","version":"1","support":["1","pre2","pre1"]})");
  EXPECT_EQ(ConnectFrame("pre2", support, "S1"),
            R"({"msg":"connect","session":"S1","version":"pre2","support":["1","pre2","pre1"]})");
  EXPECT_EQ(SubFrame("s1", "files", Ejson(R"([{"owner":"u1"}])").view()),
            R"({"msg":"sub","id":"s1","name":"files","params":[{"owner":"u1"}]})");
  EXPECT_EQ(SubFrame("s2", "users", Value().view()), R"({"msg":"sub","id":"s2","name":"users"})");
  EXPECT_EQ(UnsubFrame("s2"), R"({"msg":"unsub","id":"s2"})");
  EXPECT_EQ(MethodFrame("1", "files.rename", Ejson(R"(["f1",{"$date":5}])").view(), "seed"),
            R"({"msg":"method","method":"files.rename","params":["f1",{"$date":5}],"id":"1","randomSeed":"seed"})");
  EXPECT_EQ(MethodFrame("7", "loginWithToken", Ejson(R"({"token":"t"})").view()),
            R"({"msg":"method","method":"loginWithToken","params":{"token":"t"},"id":"7"})");
  EXPECT_EQ(PingFrame(), R"({"msg":"ping"})");
  EXPECT_EQ(PingFrame("c-1"), R"({"msg":"ping","id":"c-1"})");
  EXPECT_EQ(PongFrame("srv \"1\""), R"({"msg":"pong","id":"srv \"1\""})");
}

TEST(FrameBuilderTest, BuiltFramesDecodeBack) {
  std::string frame = MethodFrame("m", "x", Ejson(R"([{"$escape":{"$date":1}}])").view(), "r");
  absl::StatusOr<ClientMessage> back = DecodeClientFrame(frame, 1);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(Text(*back->params), R"([{"$escape":{"$date":1}}])");
}

TEST(AppendPlainJsonTest, WritesSpecialLookingObjectsAsTheyAre) {
  std::string out;
  AppendPlainJson(Value::Object({{"$date", Value::String("x")}, {"n", Value::Array({})}}).view(),
                  &out);
  EXPECT_EQ(out, R"({"$date":"x","n":[]})");
}

}  // namespace
}  // namespace minimongo::ddp
