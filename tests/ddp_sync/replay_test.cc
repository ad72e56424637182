// Every recorded session in tests/ddp_sync/fixtures (the shared DDP fixtures, copied from
// ../shared/fixtures/ddp, plus our own "mm-*" sessions written by hand from POLICY.md) is
// replayed, through the library and through the `minimongo replay` command function, and
// compared with its expected.json (state, EJSON compared ignoring key order) and checks.json
// (rejected lines, warnings, ignored frames, server errors, required pongs, handshake, order of
// ordered collections). Also: the readers (fixture, HAR with SockJS framing), the state writer's
// id order, and the command's options.

#include "ddp_sync/replay.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "query/ejson.h"
#include "tests/testing/status_matchers.h"

namespace minimongo::ddp {
namespace {

using ::minimongo::testing::IsOk;
using ::testing::ElementsAre;
using json = nlohmann::json;

constexpr char kFixtureDir[] = "tests/ddp_sync/fixtures";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> FixtureNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kFixtureDir, ec)) {
    std::string file = entry.path().filename().string();
    if (file.ends_with(".jsonl")) names.push_back(file.substr(0, file.size() - 6));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Path(const std::string& name, const std::string& suffix) {
  return std::string(kFixtureDir) + "/" + name + suffix;
}

json Checks(const std::string& name) {
  json checks = json::parse(ReadFile(Path(name, ".checks.json")), nullptr, false);
  return checks.is_discarded() ? json::object() : checks;
}

std::vector<uint64_t> Lines(const json& checks, const char* key) {
  std::vector<uint64_t> out;
  if (!checks.contains(key)) return out;
  for (const json& item : checks[key]) out.push_back(item["line"].get<uint64_t>());
  return out;
}

std::vector<uint64_t> Frames(const std::vector<FrameNote>& notes) {
  std::vector<uint64_t> out;
  for (const FrameNote& n : notes) out.push_back(n.frame);
  return out;
}

class FixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureTest, ReplaysToTheExpectedStateAndChecks) {
  const std::string& name = GetParam();
  absl::StatusOr<std::vector<RecordedFrame>> frames = ReadFixture(ReadFile(Path(name, ".jsonl")));
  ASSERT_THAT(frames, IsOk());
  Database db;
  Replayer replayer(&db);
  replayer.Run(*frames);
  const json checks = Checks(name);

  // State, parsed back: nlohmann's objects compare without regard to key order.
  json state = json::parse(StateJson(replayer.session(), replayer.RejectedFrames()));
  json expected = json::parse(ReadFile(Path(name, ".expected.json")));
  for (const char* key : {"collections", "ready", "nosub", "results"}) {
    EXPECT_EQ(state[key], expected[key]) << key << " of " << name;
  }

  std::vector<std::string> reasons;
  for (const FrameNote& n : replayer.rejected()) {
    reasons.push_back(fmt::format("{}: {}", n.frame, n.text));
  }
  EXPECT_EQ(replayer.RejectedFrames(), Lines(checks, "rejected"))
      << "rejections:\n" << ::testing::PrintToString(reasons);
  EXPECT_EQ(state["rejected"].get<std::vector<uint64_t>>(), Lines(checks, "rejected"));
  EXPECT_EQ(Frames(replayer.warnings()), Lines(checks, "warnings"));
  EXPECT_EQ(Frames(replayer.ignored()), Lines(checks, "ignored"));
  EXPECT_EQ(Frames(replayer.server_errors()), Lines(checks, "serverErrors"));

  // Every reply the session produced is a required one, and every required one was produced
  // right after its line.
  json produced = json::array();
  for (const FrameNote& n : replayer.produced()) {
    produced.push_back({{"afterLine", n.frame}, {"msg", json::parse(n.text)}});
  }
  EXPECT_EQ(produced, checks.value("mustSend", json::array())) << produced.dump();

  json connected = json::array();
  for (const FrameNote& n : replayer.connected()) {
    connected.push_back({{"line", n.frame}, {"session", n.text}});
  }
  EXPECT_EQ(connected, checks.value("connected", json::array()));
  json failed = json::array();
  for (const FrameNote& n : replayer.failed()) {
    failed.push_back({{"line", n.frame}, {"version", n.text}});
  }
  EXPECT_EQ(failed, checks.value("failed", json::array()));

  json order = json::object();
  for (const std::string& collection : replayer.session().OrderedCollections()) {
    json ids = json::array();
    for (const query::Value& id : replayer.session().Order(collection)) {
      ids.push_back(json::parse(query::ToEjson(id.view())));
    }
    order[collection] = ids;
  }
  EXPECT_EQ(order, checks.value("order", json::object()));
}

TEST_P(FixtureTest, ReplayCommandPrintsTheStateAndTheRejections) {
  const std::string& name = GetParam();
  std::string path = Path(name, ".jsonl");
  std::vector<std::string_view> args = {path};
  std::ostringstream out, err;
  ASSERT_EQ(RunReplayCommand(args, out, err), 0) << err.str();
  json state = json::parse(out.str());
  json expected = json::parse(ReadFile(Path(name, ".expected.json")));
  for (const char* key : {"collections", "ready", "nosub", "results"}) {
    EXPECT_EQ(state[key], expected[key]) << key;
  }
  std::vector<uint64_t> rejected = Lines(Checks(name), "rejected");
  EXPECT_EQ(state["rejected"].get<std::vector<uint64_t>>(), rejected);
  // One stderr line per rejection, "line N: reason".
  std::istringstream lines(err.str());
  std::string line;
  size_t i = 0;
  while (std::getline(lines, line)) {
    ASSERT_LT(i, rejected.size()) << line;
    EXPECT_TRUE(line.starts_with(fmt::format("line {}: ", rejected[i]))) << line;
    ++i;
  }
  EXPECT_EQ(i, rejected.size());
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param;
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureTest, ::testing::ValuesIn(FixtureNames()), TestName);

TEST(FixtureListTest, EverySharedFixtureIsThere) {
  std::vector<std::string> names = FixtureNames();
  for (const char* shared :
       {"hw-ddp-data-basic", "hw-ddp-ejson", "hw-ddp-handshake", "hw-ddp-ordered",
        "hw-oneoffice-basic", "rx-changes", "rx-connect-ping", "rx-malformed-input",
        "rx-methods", "rx-subscriptions"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), shared), names.end()) << shared;
  }
}

// ---- Readers ----

TEST(ReadFixtureTest, KeepsTheExactBytesOfMsgAndRaw) {
  absl::StatusOr<std::vector<RecordedFrame>> frames = ReadFixture(
      "{\"dir\":\"recv\",\"msg\":{\"msg\":\"ping\",  \"id\":\"1.0\"}}\n"
      "\n"
      "{\"dir\":\"send\",\"raw\":\"{not json\"}\r\n"
      "{\"msg\":42,\"dir\":\"recv\"}\n");
  ASSERT_THAT(frames, IsOk());
  ASSERT_EQ(frames->size(), 3u);
  EXPECT_EQ((*frames)[0].text, "{\"msg\":\"ping\",  \"id\":\"1.0\"}");
  EXPECT_EQ((*frames)[0].number, 1u);
  EXPECT_EQ((*frames)[0].direction, RecordedFrame::Direction::kReceived);
  EXPECT_EQ((*frames)[1].text, "{not json");
  EXPECT_EQ((*frames)[1].number, 3u);
  EXPECT_EQ((*frames)[1].direction, RecordedFrame::Direction::kSent);
  EXPECT_EQ((*frames)[2].text, "42");
  EXPECT_EQ((*frames)[2].number, 4u);
}

TEST(ReadFixtureTest, RejectsLinesThatAreNotFrames) {
  EXPECT_THAT(ReadFixture("{\"dir\":\"recv\"}\n"),
              testing::StatusIs(absl::StatusCode::kInvalidArgument, "line 1: missing \"msg\""));
  EXPECT_THAT(ReadFixture("\n{\"dir\":\"up\",\"msg\":1}\n"),
              testing::StatusIs(absl::StatusCode::kInvalidArgument, "line 2"));
  EXPECT_THAT(ReadFixture("[1]\n"),
              testing::StatusIs(absl::StatusCode::kInvalidArgument, "not a JSON object"));
}

constexpr char kHar[] = R"({"log": {"version": "1.2", "entries": [
  {"request": {"url": "wss://example/sockjs/1/a/websocket"},
   "_webSocketMessages": [
     {"type": "receive", "time": 1.0, "opcode": 1, "data": "o"},
     {"type": "send", "time": 1.1, "opcode": 1,
      "data": "[\"{\\\"msg\\\":\\\"connect\\\",\\\"version\\\":\\\"1\\\",\\\"support\\\":[\\\"1\\\"]}\"]"},
     {"type": "receive", "time": 1.2, "opcode": 1,
      "data": "a[\"{\\\"server_id\\\":\\\"0\\\"}\",\"{\\\"msg\\\":\\\"connected\\\",\\\"session\\\":\\\"S1\\\"}\"]"},
     {"type": "send", "time": 1.3, "opcode": 1,
      "data": "[\"{\\\"msg\\\":\\\"sub\\\",\\\"id\\\":\\\"s1\\\",\\\"name\\\":\\\"files\\\"}\"]"},
     {"type": "receive", "time": 1.4, "opcode": 1, "data": "h"},
     {"type": "receive", "time": 1.5, "opcode": 1,
      "data": "a[\"{\\\"msg\\\":\\\"added\\\",\\\"collection\\\":\\\"files\\\",\\\"id\\\":\\\"a\\\",\\\"fields\\\":{\\\"n\\\":1}}\",\"{\\\"msg\\\":\\\"added\\\",\\\"collection\\\":\\\"files\\\",\\\"id\\\":\\\"b\\\"}\",\"{\\\"msg\\\":\\\"ready\\\",\\\"subs\\\":[\\\"s1\\\"]}\"]"},
     {"type": "receive", "time": 1.6, "opcode": 2, "data": "AAEC"},
     {"type": "receive", "time": 1.7, "opcode": 1, "data": "{\"msg\":\"ping\",\"id\":\"k\"}"}
   ]},
  {"request": {"url": "https://example/app.js"}},
  {"request": {"url": "wss://example/websocket"},
   "_webSocketMessages": [
     {"type": "send", "time": 2.0, "opcode": 1, "data": "{\"msg\":\"connect\",\"session\":\"S1\",\"version\":\"1\",\"support\":[\"1\"]}"},
     {"type": "send", "time": 2.0, "opcode": 1, "data": "{\"msg\":\"sub\",\"id\":\"s1\",\"name\":\"files\"}"},
     {"type": "receive", "time": 2.1, "opcode": 1, "data": "{\"msg\":\"connected\",\"session\":\"S2\"}"},
     {"type": "receive", "time": 2.2, "opcode": 1, "data": "{\"msg\":\"added\",\"collection\":\"files\",\"id\":\"a\",\"fields\":{\"n\":2}}"},
     {"type": "receive", "time": 2.3, "opcode": 1, "data": "{\"msg\":\"ready\",\"subs\":[\"s1\"]}"}
   ]}
]}})";

TEST(ReadHarTest, UndoesSockJsFramingAndNumbersFramesAcrossTheFile) {
  absl::StatusOr<std::vector<RecordedFrame>> frames = ReadRecording(kHar);
  ASSERT_THAT(frames, IsOk());
  std::vector<std::string> texts;
  for (const RecordedFrame& f : *frames) texts.push_back(f.text);
  ASSERT_EQ(frames->size(), 13u) << ::testing::PrintToString(texts);
  EXPECT_EQ((*frames)[0].text, R"({"msg":"connect","version":"1","support":["1"]})");
  EXPECT_EQ((*frames)[0].direction, RecordedFrame::Direction::kSent);
  EXPECT_EQ((*frames)[1].text, R"({"server_id":"0"})");
  EXPECT_EQ((*frames)[1].batch, (*frames)[2].batch);  // one SockJS "a" message
  EXPECT_EQ((*frames)[4].batch, (*frames)[6].batch);
  EXPECT_EQ((*frames)[7].text, R"({"msg":"ping","id":"k"})");
  EXPECT_FALSE((*frames)[7].new_connection);
  EXPECT_TRUE((*frames)[8].new_connection);
  for (size_t i = 0; i < frames->size(); ++i) EXPECT_EQ((*frames)[i].number, i + 1);
}

TEST(ReadHarTest, ReplayResyncsAcrossConnections) {
  absl::StatusOr<std::vector<RecordedFrame>> frames = ReadRecording(kHar);
  ASSERT_THAT(frames, IsOk());
  Database db;
  Replayer replayer(&db);
  replayer.Run(*frames);
  EXPECT_TRUE(replayer.rejected().empty()) << replayer.rejected()[0].text;
  EXPECT_THAT(Frames(replayer.ignored()), ElementsAre(2));
  ASSERT_EQ(replayer.produced().size(), 1u);
  EXPECT_EQ(replayer.produced()[0].text, R"({"msg":"pong","id":"k"})");
  EXPECT_EQ(replayer.produced()[0].frame, 8u);
  // The second connection's new session re-sent "a" (now n: 2) but not "b": b is gone.
  json state = json::parse(StateJson(replayer.session(), replayer.RejectedFrames()));
  EXPECT_EQ(state["collections"], json::parse(R"({"files": [{"_id": "a", "n": 2}]})"));
  EXPECT_FALSE(replayer.session().resyncing());
}

TEST(ReadHarTest, RejectsWhatIsNotAHar) {
  EXPECT_THAT(ReadHar("[]"), testing::StatusIs(absl::StatusCode::kInvalidArgument, "har"));
  EXPECT_THAT(ReadHar(R"({"log": {}})"),
              testing::StatusIs(absl::StatusCode::kInvalidArgument, "entries"));
  EXPECT_THAT(ReadHar(R"({"log": {"entries": [{"_webSocketMessages": [{"type": "receive"}]}]}})"),
              testing::StatusIs(absl::StatusCode::kInvalidArgument, "data"));
}

// ---- The state writer ----

TEST(StateJsonTest, SortsByJavaScriptStringOfTheIdInUtf16Order) {
  // String(12) = "12" < String(7) = "7"; U+FF5E (3 UTF-8 bytes, one UTF-16 unit 0xFF5E) sorts
  // after U+1F600 (4 bytes, surrogates 0xD83D 0xDE00) in UTF-16 although its UTF-8 is smaller.
  EXPECT_TRUE(Utf16Less("12", "7"));
  EXPECT_TRUE(Utf16Less("\xF0\x9F\x98\x80", "\xEF\xBD\x9E"));
  EXPECT_FALSE(Utf16Less("\xEF\xBD\x9E", "\xF0\x9F\x98\x80"));
  EXPECT_EQ(IdString(query::Value::Int32(7).view()), "7");
  EXPECT_EQ(IdString(query::Value::Double(7.0).view()), "7");
  EXPECT_EQ(IdString(query::Value::Double(1.5).view()), "1.5");
  EXPECT_EQ(IdString(query::Value::Double(1e21).view()), "1e+21");
  EXPECT_EQ(IdString(query::Value::Double(1e20).view()), "100000000000000000000");
  EXPECT_EQ(IdString(query::Value::Double(1e-7).view()), "1e-7");
  EXPECT_EQ(IdString(query::Value::Double(0.000001).view()), "0.000001");
  EXPECT_EQ(IdString(query::Value::Double(-2.5e-8).view()), "-2.5e-8");
  EXPECT_EQ(IdString(query::Value::String("f1").view()), "f1");
}

TEST(StateJsonTest, WritesErrorsAsPlainJson) {
  Database db;
  Replayer replayer(&db);
  absl::StatusOr<std::vector<RecordedFrame>> frames = ReadFixture(
      R"({"dir":"send","msg":{"msg":"method","id":"m1","method":"x","params":[]}})"
      "\n"
      R"({"dir":"recv","msg":{"msg":"result","id":"m1","error":{"error":"e","details":{"$escape":{"a":1},"when":{"$date":"bad"}}}}})"
      "\n");
  ASSERT_THAT(frames, IsOk());
  replayer.Run(*frames);
  EXPECT_TRUE(replayer.rejected().empty()) << replayer.rejected()[0].text;
  json state = json::parse(StateJson(replayer.session(), replayer.RejectedFrames()));
  EXPECT_EQ(state["results"], json::parse(
      R"({"m1": {"error": {"error":"e","details":{"$escape":{"a":1},"when":{"$date":"bad"}}}}})"));
}

// ---- The command ----

TEST(ReplayCommandTest, ObservePrintsTheLiveQueryEventsThenTheState) {
  std::string path = Path("hw-ddp-data-basic", ".jsonl");
  std::vector<std::string_view> args = {path, "--observe", "files", R"({"size": {"$gte": 11}})"};
  std::ostringstream out, err;
  ASSERT_EQ(RunReplayCommand(args, out, err), 0) << err.str();
  std::istringstream lines(out.str());
  std::vector<std::string> events;
  std::string line;
  while (std::getline(lines, line) && line != "{") events.push_back(line);
  // f2 (size 20) enters; f1 (size 10) enters when it becomes 11, then changes; f2 leaves.
  EXPECT_THAT(events,
              ElementsAre(R"({"event":"added","id":"f2","fields":{"name":"b.txt","size":20}})",
                          R"({"event":"added","id":"f1","fields":{"name":"a.txt","size":11,"meta":{"tags":["x","y"]},"shared":true}})",
                          R"({"event":"changed","id":"f1","fields":{},"cleared":["shared"]})",
                          R"({"event":"changed","id":"f2","fields":{"name":"b2.txt","description":null},"cleared":[]})",
                          R"({"event":"changed","id":"f1","fields":{"name":"A.txt"},"cleared":[]})",
                          R"({"event":"removed","id":"f2"})"));
  // The state follows the events.
  std::string rest = out.str().substr(out.str().find("\n{\n") + 1);
  json state = json::parse(rest);
  EXPECT_EQ(state["collections"]["files"].size(), 3u);
}

// Issue #9: a recording that spans a reconnection (a second connect, naming the lost session)
// replays with the live session's resync: the re-sent documents are replacements, not
// rejections, what the new server session no longer sends is dropped once the resent sub is
// ready, and the live query sees one net change without f3 (re-sent unchanged) flickering.
TEST(ReplayCommandTest, Issue9RecordingAcrossAReconnectionResyncsWithoutFlicker) {
  std::string path = Path("mm-ddp-reconnect", ".jsonl");
  std::vector<std::string_view> args = {path, "--observe", "files", "{}"};
  std::ostringstream out, err;
  ASSERT_EQ(RunReplayCommand(args, out, err), 0) << err.str();
  std::istringstream lines(out.str());
  std::vector<std::string> events;
  std::string line;
  while (std::getline(lines, line) && line != "{") events.push_back(line);
  ASSERT_EQ(events.size(), 8u) << out.str();
  EXPECT_THAT(std::vector<std::string>(events.begin(), events.begin() + 3),
              ElementsAre(R"({"event":"added","id":"f1","fields":{"name":"Budget.xlsx","size":20480}})",
                          R"({"event":"added","id":"f2","fields":{"name":"Notes.txt","size":512}})",
                          R"({"event":"added","id":"f3","fields":{"name":"Slides.pptx","size":4096}})"));
  EXPECT_THAT(std::vector<std::string>(events.begin() + 3, events.begin() + 7),
              ::testing::UnorderedElementsAre(
                  R"({"event":"changed","id":"f1","fields":{"name":"Budget 2025.xlsx"},"cleared":[]})",
                  R"({"event":"removed","id":"f2"})",
                  R"({"event":"added","id":"f4","fields":{"name":"Plan.md","size":100}})",
                  R"({"event":"added","id":"f5","fields":{"name":"Offline.txt"}})"));
  EXPECT_EQ(events[7], R"({"event":"changed","id":"f3","fields":{"size":8192},"cleared":[]})");
  // Only the genuine duplicate after the resync is rejected.
  EXPECT_EQ(err.str().substr(0, 8), "line 27:");
  EXPECT_EQ(err.str().find("line ", 1), std::string::npos) << err.str();
}

TEST(ReplayCommandTest, OrderedObserveReportsPositions) {
  std::string path = Path("hw-ddp-ordered", ".jsonl");
  std::vector<std::string_view> args = {path, "--observe", "queue", "{}", "--sort",
                                        R"({"n": -1})", "--limit", "2"};
  std::ostringstream out, err;
  ASSERT_EQ(RunReplayCommand(args, out, err), 0) << err.str();
  std::string text = out.str();
  std::string events = text.substr(0, text.find("\n{\n") + 1);
  EXPECT_EQ(events,
            "{\"event\":\"addedBefore\",\"id\":\"q1\",\"fields\":{\"n\":1},\"before\":null}\n"
            "{\"event\":\"addedBefore\",\"id\":\"q2\",\"fields\":{\"n\":2},\"before\":\"q1\"}\n"
            "{\"event\":\"changed\",\"id\":\"q1\",\"fields\":{\"n\":10},\"cleared\":[]}\n"
            "{\"event\":\"movedBefore\",\"id\":\"q1\",\"before\":\"q2\"}\n"
            "{\"event\":\"removed\",\"id\":\"q2\"}\n"
            "{\"event\":\"addedBefore\",\"id\":\"q0\",\"fields\":{\"n\":0},\"before\":null}\n"
            "{\"event\":\"removed\",\"id\":\"q0\"}\n"
            "{\"event\":\"addedBefore\",\"id\":\"q5\",\"fields\":{\"n\":5},\"before\":null}\n");
}

TEST(ReplayCommandTest, UsageAndInputErrors) {
  std::ostringstream out, err;
  std::vector<std::string_view> none;
  EXPECT_EQ(RunReplayCommand(none, out, err), 2);
  std::vector<std::string_view> help = {"--help"};
  EXPECT_EQ(RunReplayCommand(help, out, err), 0);
  EXPECT_THAT(out.str(), ::testing::HasSubstr("usage: minimongo replay FILE"));
  std::vector<std::string_view> missing = {"/nonexistent/session.jsonl"};
  EXPECT_EQ(RunReplayCommand(missing, out, err), 1);
  std::string path = Path("hw-ddp-ordered", ".jsonl");
  std::vector<std::string_view> bad_selector = {path, "--observe", "queue", "{"};
  EXPECT_EQ(RunReplayCommand(bad_selector, out, err), 1);
  std::vector<std::string_view> half_observe = {path, "--observe", "queue"};
  EXPECT_EQ(RunReplayCommand(half_observe, out, err), 2);
  std::vector<std::string_view> bad_limit = {path, "--observe", "queue", "{}", "--limit", "x"};
  EXPECT_EQ(RunReplayCommand(bad_limit, out, err), 2);
  std::vector<std::string_view> sort_alone = {path, "--sort", "{}"};
  EXPECT_EQ(RunReplayCommand(sort_alone, out, err), 2);
  std::vector<std::string_view> unknown = {path, "--frobnicate"};
  EXPECT_EQ(RunReplayCommand(unknown, out, err), 2);
}

}  // namespace
}  // namespace minimongo::ddp
