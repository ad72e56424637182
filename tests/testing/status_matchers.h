// gMock matchers for absl::Status and absl::StatusOr (Debian's Abseil 20220623 ships none).
//
//   EXPECT_THAT(DoThing(), IsOk());
//   EXPECT_THAT(Parse("{"), StatusIs(absl::StatusCode::kInvalidArgument, "offset 1"));
//   EXPECT_THAT(Parse("1"), IsOkAndHolds(Eq(...)));

#ifndef MINIMONGO_TESTS_TESTING_STATUS_MATCHERS_H_
#define MINIMONGO_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace minimongo::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s.ToString();
  return s.ok();
}

// Matches a non-OK status with `code` whose message contains `substring`.
MATCHER_P2(StatusIs, code, substring,
           std::string("has code ") + absl::StatusCodeToString(code) + " and a message containing \"" +
               std::string(substring) + "\"") {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code && std::string(s.message()).find(substring) != std::string::npos;
}

MATCHER_P(IsOkAndHolds, matcher, "is OK and holds a value that matches") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status().ToString();
    return false;
  }
  return ::testing::ExplainMatchResult(matcher, *arg, result_listener);
}

}  // namespace minimongo::testing

#endif  // MINIMONGO_TESTS_TESTING_STATUS_MATCHERS_H_
