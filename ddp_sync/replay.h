// Replaying recorded DDP sessions: readers for the two recording formats, the driver that feeds
// a recording to a Session, the writer of the resulting client state, and the `minimongo
// replay` command.
//
// Formats (ReadRecording tells them apart: a HAR file is one JSON object with a "log" member):
//   - The fixture format of ../shared/fixtures/ddp/FORMAT.md: JSONL, one frame per line,
//     {"dir":"recv"|"send","msg":<the frame as JSON>} or {"dir":..,"raw":"<text that is not
//     JSON>"}. A frame's text is the exact bytes of its "msg" value (not re-serialized), or the
//     "raw" string. Frames are numbered by their 1-based line; blank lines count but hold none.
//   - A HAR file exported from a browser's developer tools: the `_webSocketMessages` of its
//     entries, in order ("receive" and "send"; binary messages skipped). Each entry is one
//     connection. SockJS framing is undone: a received "a[...]" is one batch of frames, "o",
//     "h" and "c[...]" carry none; a sent JSON array of strings is one frame per string.
//     Frames are numbered 1, 2, ... across the file.
//
// The driver (Replayer) hands received frames to Session::ReceiveBatch (one batch per transport
// message), registers sent frames with Session::RecordSent (the recording's client decided what
// to send; the session only learns sub and method ids from it), starts a new connection between
// HAR entries, and logs what the session reported and what it wanted to send back (pongs).
//
// The state writer produces exactly the shape of a fixture's expected.json ("collections"
// sorted by String(_id) in UTF-16 code-unit order, "ready", "nosub", "results") plus
// "rejected": [frame numbers].
//
// Thread safety: none (a Replayer drives one Session).
//
// Example:
//   absl::StatusOr<std::vector<RecordedFrame>> frames = ReadRecording(file_text);
//   Database db;
//   Replayer replayer(&db);
//   replayer.Run(*frames);
//   std::cout << StateJson(replayer.session(), replayer.RejectedFrames());

#ifndef MINIMONGO_DDP_SYNC_REPLAY_H_
#define MINIMONGO_DDP_SYNC_REPLAY_H_

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ddp_sync/session.h"
#include "minimongo/database.h"

namespace minimongo::ddp {

struct RecordedFrame {
  enum class Direction { kReceived, kSent };
  Direction direction = Direction::kReceived;
  // 1-based: the line of a fixture file, the position of the frame in a HAR file.
  uint64_t number = 0;
  std::string text;
  // Received frames with the same batch number came in one transport message.
  uint64_t batch = 0;
  // The first frame of a new connection (a HAR entry after the first).
  bool new_connection = false;
};

// Reads the fixture JSONL format. Errors: InvalidArgument "line N: ..." for a line that is not
// a JSON object with "dir" ("recv"/"send") and "msg" or "raw" (a string).
absl::StatusOr<std::vector<RecordedFrame>> ReadFixture(std::string_view text);
// Reads a HAR file. Errors: InvalidArgument for text that is not a HAR object ({"log":
// {"entries": [...]}}) or a WebSocket message without "type" or "data".
absl::StatusOr<std::vector<RecordedFrame>> ReadHar(std::string_view text);
// ReadHar when `text` is a JSON object with "log", else ReadFixture.
absl::StatusOr<std::vector<RecordedFrame>> ReadRecording(std::string_view text);

// One report of the session, located by frame.
struct FrameNote {
  uint64_t frame = 0;
  std::string text;
};

// Feeds recordings to a Session it owns (heartbeats off, a clock that stands still).
class Replayer {
 public:
  // REQUIRES: db != nullptr, outliving the Replayer.
  explicit Replayer(Database* db);

  // Feeds `frames` in order (see the file comment). Can be called again to continue.
  void Run(std::span<const RecordedFrame> frames);

  Session& session() { return *session_; }
  const Session& session() const { return *session_; }

  // What the session reported, in order.
  const std::vector<FrameNote>& rejected() const { return rejected_; }
  const std::vector<FrameNote>& warnings() const { return warnings_; }
  const std::vector<FrameNote>& ignored() const { return ignored_; }
  const std::vector<FrameNote>& server_errors() const { return server_errors_; }
  // "connected" frames with the session id; "failed" frames with the suggested version.
  const std::vector<FrameNote>& connected() const { return connected_; }
  const std::vector<FrameNote>& failed() const { return failed_; }
  // Frames the session itself wanted to send (pongs...), each with the number of the received
  // frame after which it was produced.
  const std::vector<FrameNote>& produced() const { return produced_; }
  // The numbers of the rejected frames, in order.
  std::vector<uint64_t> RejectedFrames() const;

 private:
  std::unique_ptr<Session> session_;
  std::vector<FrameNote> rejected_, warnings_, ignored_, server_errors_, connected_, failed_,
      produced_;
};

// The client state in the shape of a fixture's expected.json, plus "rejected": `rejected`.
// Documents are canonical Meteor EJSON; errors are plain JSON. Multi-line, ends with '\n'.
std::string StateJson(const Session& session, std::span<const uint64_t> rejected);

// JavaScript's String(v) for a document id (strings as they are, numbers as JavaScript prints
// them, anything else as its EJSON text).
std::string IdString(query::ValueView id);
// Less-than of two UTF-8 strings in UTF-16 code-unit order (JavaScript's string order).
bool Utf16Less(std::string_view a, std::string_view b);

// `minimongo replay FILE [--observe COLLECTION SELECTOR [--sort S] [--limit N]]`: prints the
// live query's events (with --observe), one JSON object per line, then StateJson to `out`, and
// each rejection as "line N: reason" to `err`. Returns the exit status: 0 (rejected frames are
// part of a replay, not a failure), 1 for an unreadable file or bad arguments' values, 2 for a
// usage error. `args` are the arguments after "replay".
// Defined in its own target, //ddp_sync:replay_main (replay_main.cc), which a caller links in
// addition to //ddp_sync: users of the library alone do not link the command line.
int RunReplayCommand(std::span<const std::string_view> args, std::ostream& out,
                     std::ostream& err);

}  // namespace minimongo::ddp

#endif  // MINIMONGO_DDP_SYNC_REPLAY_H_
