// What the server-frame and client-frame decoders share: message type names, the general
// frame parse (the whole text as EJSON, or member by member), a frame's members by name, and
// the type words of rejection messages. Also the session's entry to server-frame decoding with
// a reusable parser. Internal to //ddp_sync (see docs/ddp.md, "Frames: one parse").
//
// Thread safety: pure functions, except that a FrameParser is used by one thread at a time.

#ifndef MINIMONGO_DDP_SYNC_INTERNAL_FRAME_DECODING_H_
#define MINIMONGO_DDP_SYNC_INTERNAL_FRAME_DECODING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ddp_sync/frame.h"
#include "ddp_sync/internal/frame_parser.h"
#include "query/value.h"

namespace minimongo::ddp::internal {

// The message type of a wire name, client-only types included; nullopt for unknown names.
std::optional<MessageType> TypeFromName(std::string_view name);

// The status message as a std::string (for fmt).
std::string Msg(const absl::Status& s);

// The shared empty object that `fields` views when a frame has none. Never destroyed.
const query::Value& EmptyObject();

// The JSON type of a value as rejection messages say it ("a number", "an array", ...).
std::string_view Article(query::ValueView v);

// Parses a frame the general way: the whole text as EJSON (Meteor's forms only), or member by
// member when that fails or the first key starts with '$' (the top level is plain JSON; an
// EJSON-bearing member must decode, the others may be plain JSON). Sets *msg_type to the
// frame's "msg" string when the member-by-member path read one, so that a rejection can name
// it. Errors: InvalidArgument, the message without the "ddp frame N" prefix.
absl::StatusOr<query::Value> ParseFrame(std::string_view text, std::string* msg_type);

// One member of a frame, or nothing when the frame lacks it: an optional view that writes
// only its flag when constructed (a decoder builds nineteen per frame; a std::optional's
// construction clears the whole of each).
class Member {
 public:
  Member() : present_(false) {}
  explicit operator bool() const { return present_; }
  // REQUIRES: present.
  const query::ValueView& operator*() const { return view_; }
  const query::ValueView* operator->() const { return &view_; }
  // As an optional, for helpers that take one.
  operator std::optional<query::ValueView>() const {
    if (!present_) return std::nullopt;
    return view_;
  }
  void Set(query::ValueView v) {
    view_ = v;
    present_ = true;
  }

 private:
  union {
    query::ValueView view_;  // set when present_
  };
  bool present_;
};

// A frame's members by name, found in one pass over the frame object.
struct Members {
  Member msg, collection, id, fields, cleared, before, data, subs, session, version, result,
      error, methods, reason, offending, support, name, params, random_seed;
};
// REQUIRES: frame is an object. The views point into it.
void CollectMembers(query::ValueView frame, Members* m);

// A finite int32, int64 or double.
bool IsFiniteNumber(query::ValueView v);

// DecodeServerFrame (frame.h) with `parser` for the parse: frames of the fast shape
// (frame_parser.h) are parsed into it, and then the returned message's views point into
// *parser, valid until its next use, with `frame` null. Other frames are parsed the general way
// and the message owns its bytes. Statuses are exactly DecodeServerFrame's.
absl::StatusOr<ServerMessage> DecodeServerFrameReusing(std::string_view text,
                                                       uint64_t frame_number,
                                                       FrameParser* parser);

}  // namespace minimongo::ddp::internal

#endif  // MINIMONGO_DDP_SYNC_INTERNAL_FRAME_DECODING_H_
