// JSON text helpers of the DDP layer: locating the members of a JSON object in its text (to
// hand a member's exact bytes to a parser), and reading plain JSON (no EJSON special forms)
// into a query::Value. Internal to //ddp_sync.
//
// Thread safety: pure functions.

#ifndef MINIMONGO_DDP_SYNC_INTERNAL_JSON_TEXT_H_
#define MINIMONGO_DDP_SYNC_INTERNAL_JSON_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "query/value.h"

namespace minimongo::ddp::internal {

// One member of a JSON object: its (unescaped) key and the exact text of its value.
struct MemberSpan {
  std::string key;
  std::string_view value;
};

// Advances *i past JSON whitespace.
void SkipSpace(std::string_view text, size_t* i);

// The members of the JSON object `text`, in order, appended to *out; the views point into
// `text`. REQUIRES: `text` is valid JSON (the scan does not validate). Returns false when the
// value is not an object. No recursion: nesting is counted.
bool ScanMembers(std::string_view text, std::vector<MemberSpan>* out);

// Parses `text` as plain JSON: objects (key order kept; a repeated key keeps the last value, as
// JSON.parse does), arrays, strings, numbers (integers that fit become int32, else int64;
// others double), booleans, null. {"$date": 1} stays an object.
// Errors: InvalidArgument for invalid JSON or nesting deeper than query::kMaxDepth.
absl::StatusOr<query::Value> ParsePlainJson(std::string_view text);

}  // namespace minimongo::ddp::internal

#endif  // MINIMONGO_DDP_SYNC_INTERNAL_JSON_TEXT_H_
