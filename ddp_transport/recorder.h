// Writes a live DDP session in the fixture format of ../shared/fixtures/ddp/FORMAT.md, so that
// `minimongo replay FILE` reproduces the client state the live session ended in.
//
// One line per frame, in the order the client saw or sent them:
//   {"dir":"recv","msg":<the frame>}     a frame that is JSON (object or not)
//   {"dir":"send","msg":<the frame>}     what the client sent
//   {"dir":"recv","raw":"<text>"}        a frame that is not JSON, as a JSON string
// `msg` is the frame's own text, byte for byte (the replay reads those exact bytes), except
// that line breaks between JSON tokens become spaces (a line break can only be whitespace in
// valid JSON, so the value is unchanged) and surrounding whitespace is dropped. In `raw`,
// bytes that are not UTF-8 become U+FFFD (a text WebSocket frame is valid UTF-8 anyway).
//
// A lost connection needs no marker of its own: the session's "connect" on the next connection
// names the previous session, and the replay takes such a connect, sent while connected, for
// the connection being lost and re-established (Session::RecordSent), so the resync runs as it
// did live and the replay ends in the live client's state.
//
// Thread safety: none (the connection's loop thread writes it).
//
// Example:
//   absl::StatusOr<std::unique_ptr<Recorder>> rec = Recorder::Open("session.jsonl");
//   (*rec)->Sent(R"({"msg":"connect","version":"1","support":["1"]})");
//   (*rec)->Received(R"({"msg":"connected","session":"s1"})");

#ifndef MINIMONGO_DDP_TRANSPORT_RECORDER_H_
#define MINIMONGO_DDP_TRANSPORT_RECORDER_H_

#include <fstream>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace minimongo::ddp {

// The fixture line for one frame, without the trailing newline. `received`: server to client.
std::string FixtureLine(bool received, std::string_view frame);

class Recorder {
 public:
  // Creates (truncates) `path`. Errors: InvalidArgument "cannot create recording PATH: why".
  static absl::StatusOr<std::unique_ptr<Recorder>> Open(const std::string& path);
  // Writes to `out`, which must outlive the recorder.
  explicit Recorder(std::ostream* out) : out_(out) {}

  // Append one line each, flushed at once (a killed client leaves a readable file).
  void Received(std::string_view frame) { Write(true, frame); }
  void Sent(std::string_view frame) { Write(false, frame); }

  // The first write error (DataLoss "recording: write failed"), OK otherwise.
  const absl::Status& status() const { return status_; }
  uint64_t lines() const { return lines_; }

 private:
  void Write(bool received, std::string_view frame);

  std::unique_ptr<std::ofstream> file_;
  std::ostream* out_;
  absl::Status status_;
  uint64_t lines_ = 0;
};

}  // namespace minimongo::ddp

#endif  // MINIMONGO_DDP_TRANSPORT_RECORDER_H_
