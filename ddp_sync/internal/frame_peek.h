// Where a data frame's document lives, read off the frame's text without parsing it. Internal
// to //ddp_sync: Session::ReceiveBatch uses it to start the store's loads for a frame several
// frames before it is handled (Collection's prefetch hints).
//
// The answer is a guess, never trusted: it only looks for the first `"collection":"` and the
// first `"id":"` in the text (Meteor's servers write them right after "msg"), so it can be
// wrong about frames of other shapes (an "id" inside the fields, a method result) and it
// declines escaped or non-string ids. A wrong guess costs a wasted prefetch; the frame is
// parsed and validated the normal way when its turn comes.

#ifndef MINIMONGO_DDP_SYNC_INTERNAL_FRAME_PEEK_H_
#define MINIMONGO_DDP_SYNC_INTERNAL_FRAME_PEEK_H_

#include <optional>
#include <string_view>

namespace minimongo::ddp::internal {

struct FrameTarget {
  std::string_view collection;  // views into the text
  std::string_view id;          // the id string's bytes, without quotes
};

// The collection and string id a data frame's text names, or nullopt when it names none in
// the plain form (no such member, a number id, a backslash inside either string).
// O(length of the text), no allocation.
std::optional<FrameTarget> PeekFrameTarget(std::string_view text);

}  // namespace minimongo::ddp::internal

#endif  // MINIMONGO_DDP_SYNC_INTERNAL_FRAME_PEEK_H_
