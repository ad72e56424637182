// The fast path of frame parsing: a reusable parser for the shape nearly every data frame has
// (a JSON object of plain JSON plus Meteor's {"$date": ms}: no other key starting with '$', no
// backslash escape, valid UTF-8, nesting at most kMaxFastDepth), writing straight into a
// builder that keeps its buffers between frames. Anything else is declined, and the caller parses the frame the general way
// (query::ParseEjson, then member by member; frame_text.h). Internal to //ddp_sync.
//
// Why declining is safe: on the text it accepts, this parser builds exactly the Value that
// ParseEjson(text, {.extended_json = false}) builds (without a '$' key no object can be an
// EJSON special form, and {"$date": ms} is converted by the same rule; numbers follow the same
// int32 / int64 / double rule), and every text it accepts ParseEjson accepts too. It never produces an error: a frame it cannot read, valid or
// not, goes to the general path, which owns every rejection message. So the validation after
// parsing, and every status, is the same whichever path parsed the frame.
//
// Thread safety: a FrameParser is used by one thread at a time.
//
// Example:
//   FrameParser parser;
//   if (std::optional<query::ValueView> frame = parser.Parse(text)) {
//     Use(*frame);  // valid until the next Parse or Release
//   } else {
//     ParseTheGeneralWay(text);
//   }

#ifndef MINIMONGO_DDP_SYNC_INTERNAL_FRAME_PARSER_H_
#define MINIMONGO_DDP_SYNC_INTERNAL_FRAME_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "query/value.h"

namespace minimongo::ddp::internal {

// Deepest nesting the fast path reads (the frame object is depth 1); deeper frames, up to
// query::kMaxDepth, take the general path.
inline constexpr size_t kMaxFastDepth = 32;

class FrameParser {
 public:
  FrameParser() = default;
  FrameParser(const FrameParser&) = delete;
  FrameParser& operator=(const FrameParser&) = delete;

  // Parses `text`, a JSON object, into the parser's builder. Returns a view of the object,
  // valid until the next Parse() or Release(); nullopt when the text is not of the fast shape
  // (see the file comment), in which case nothing is retained. Never allocates once its
  // buffers have grown to the largest frame seen.
  std::optional<query::ValueView> Parse(std::string_view text);

  // The last successfully parsed frame as an owned Value (one allocation); the view Parse()
  // returned is invalid afterwards. REQUIRES: the last Parse() returned a view.
  query::Value Release();

 private:
  // Each reads one item of the text at p (the text ends at end_) into builder_ and returns the
  // position after it, or nullptr when the text is not of the fast shape. The position is passed
  // and returned rather than kept in a member, so that it stays in a register across builder
  // calls.
  // `key`, when not null, is the key of the item in the enclosing object, written with the
  // item's type in one builder call.
  const char* ParseValue(const char* p, size_t depth);
  const char* ParseObject(const char* p, size_t depth, const std::string_view* key);
  // The members of the object begun in the builder, from the key at p (after white space) to
  // the closing brace; no key may start with '$'.
  const char* ParseMembers(const char* p, size_t depth);
  const char* ParseArray(const char* p, size_t depth, const std::string_view* key);
  const char* ParseNumber(const char* p);
  const char* ParseDateRest(const char* p, const std::string_view* key);

  // The top level's leading members, remembered by their text: data frames open with the
  // same text ({"msg":"changed","collection":"files",) frame after frame, so those members go
  // into the builder from names resolved once and values already scanned, instead of being
  // parsed. A remembered prefix is the text from the opening brace through the comma after at
  // most kMaxPrefixMembers members with string values, up to a member named "id" (which
  // changes from frame to frame), without white space, at least 16 bytes long. Writing them
  // as Key(FieldKey) + AppendString builds the bytes a parse builds.
  static constexpr size_t kPrefixSlots = 8;
  static constexpr size_t kMaxPrefixMembers = 2;
  struct Prefix {
    std::string text;  // empty: an unused slot
    size_t count = 0;  // members
    std::optional<query::FieldKey> keys[kMaxPrefixMembers];  // names viewing `text`
    std::string_view values[kMaxPrefixMembers];             // views of `text`
  };
  // The remembered prefix `text` starts with, or nullptr.
  const Prefix* FindPrefix(std::string_view text) const;
  // Remembers the prefix of `text`, just parsed, when it has one (see Prefix).
  void RememberPrefix(std::string_view text);

  const char* end_ = nullptr;
  query::ValueBuilder builder_;
  // prefixes_[i]'s bytes [8, 16): one compare per slot tells the usual prefixes apart (by the
  // message type). 0 for an unused slot (whose text is empty).
  uint64_t probes_[kPrefixSlots] = {};
  Prefix prefixes_[kPrefixSlots];
  size_t next_prefix_slot_ = 0;  // the slot RememberPrefix fills next (round robin)
};

}  // namespace minimongo::ddp::internal

#endif  // MINIMONGO_DDP_SYNC_INTERNAL_FRAME_PARSER_H_
