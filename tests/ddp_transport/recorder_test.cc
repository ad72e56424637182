#include "ddp_transport/recorder.h"

#include <sstream>
#include <string>

#include "ddp_sync/replay.h"
#include "gtest/gtest.h"
#include "minimongo/database.h"
#include "nlohmann/json.hpp"

namespace minimongo::ddp {
namespace {

TEST(RecorderTest, JsonFramesKeepTheirExactBytes) {
  EXPECT_EQ(FixtureLine(true, R"({"msg":"added","collection":"c","id":"a","fields":{"x":1.50}})"),
            R"({"dir":"recv","msg":{"msg":"added","collection":"c","id":"a","fields":{"x":1.50}}})");
  EXPECT_EQ(FixtureLine(false, R"({"msg":"sub","id":"1","name":"files"})"),
            R"({"dir":"send","msg":{"msg":"sub","id":"1","name":"files"}})");
}

TEST(RecorderTest, NonObjectJsonIsStillMsg) {
  EXPECT_EQ(FixtureLine(true, "42"), R"({"dir":"recv","msg":42})");
  EXPECT_EQ(FixtureLine(true, " [1, 2]\n"), R"({"dir":"recv","msg":[1, 2]})");
  EXPECT_EQ(FixtureLine(true, "\"hi\""), R"({"dir":"recv","msg":"hi"})");
}

TEST(RecorderTest, LineBreaksBetweenTokensBecomeSpaces) {
  EXPECT_EQ(FixtureLine(true, "{\"msg\":\r\n\"ping\"}"), R"({"dir":"recv","msg":{"msg":  "ping"}})");
}

TEST(RecorderTest, InvalidJsonIsRawAndEscaped) {
  EXPECT_EQ(FixtureLine(true, "not json"), R"({"dir":"recv","raw":"not json"})");
  EXPECT_EQ(FixtureLine(true, "{\"a\":\n"), R"({"dir":"recv","raw":"{\"a\":\n"})");
  EXPECT_EQ(FixtureLine(true, std::string("a\0b\x01\\", 5)),
            R"({"dir":"recv","raw":"a\u0000b\u0001\\"})");
  EXPECT_EQ(FixtureLine(true, ""), R"({"dir":"recv","raw":""})");
}

TEST(RecorderTest, InvalidUtf8BecomesReplacementCharacter) {
  // 0xff is never UTF-8; "\xc3\xa9" (é) is kept; "\xed\xa0\x80" is a surrogate, invalid.
  EXPECT_EQ(FixtureLine(true, "{\"\xff\xc3\xa9\xed\xa0\x80"),
            "{\"dir\":\"recv\",\"raw\":\"{\\\"\\ufffd\xc3\xa9\\ufffd\\ufffd\\ufffd\"}");
  // A JSON text with invalid UTF-8 inside a string is not JSON: raw.
  EXPECT_EQ(FixtureLine(true, "\"\xff\""), "{\"dir\":\"recv\",\"raw\":\"\\\"\\ufffd\\\"\"}");
}

TEST(RecorderTest, EveryLineIsOneJsonObject) {
  for (std::string frame : {std::string("{\"msg\":\n\"x\"}"), std::string("\x80\n\""),
                            std::string("[[[["), std::string("{}")}) {
    std::string line = FixtureLine(true, frame);
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  }
}

TEST(RecorderTest, RecordingReplaysToTheSameState) {
  std::ostringstream out;
  Recorder recorder(&out);
  recorder.Sent(R"({"msg":"connect","version":"1","support":["1"]})");
  recorder.Received(R"({"msg":"connected","session":"s1"})");
  recorder.Sent(R"({"msg":"sub","id":"a","name":"files"})");
  recorder.Received(R"({"msg":"added","collection":"files","id":"f1","fields":{"n":1}})");
  recorder.Received("garbage");
  recorder.Received(R"({"msg":"changed","collection":"files","id":"f1","fields":{"m":2}})");
  recorder.Received(R"({"msg":"ready","subs":["a"]})");
  EXPECT_TRUE(recorder.status().ok());
  EXPECT_EQ(recorder.lines(), 7u);

  absl::StatusOr<std::vector<RecordedFrame>> frames = ReadFixture(out.str());
  ASSERT_TRUE(frames.ok()) << frames.status();
  Database db;
  Replayer replayer(&db);
  replayer.Run(*frames);
  std::vector<uint64_t> rejected = replayer.RejectedFrames();
  EXPECT_EQ(rejected, std::vector<uint64_t>{5});
  std::string state = StateJson(replayer.session(), rejected);
  EXPECT_NE(state.find(R"({"_id":"f1","n":1,"m":2})"), std::string::npos) << state;
  EXPECT_NE(state.find(R"("ready": ["a"])"), std::string::npos) << state;
}

TEST(RecorderTest, OpenFailsForAnUnwritablePath) {
  absl::StatusOr<std::unique_ptr<Recorder>> r = Recorder::Open("/nonexistent/dir/x.jsonl");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(r.status().message()).find("cannot create recording"), std::string::npos);
}

}  // namespace
}  // namespace minimongo::ddp
