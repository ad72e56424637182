// The only two status-propagation macros of the project (see STYLE.md).
//
//   RETURN_IF_ERROR(DoThing());
//   ASSIGN_OR_RETURN(Value v, ParseEjson(text));

#ifndef MINIMONGO_QUERY_INTERNAL_STATUS_MACROS_H_
#define MINIMONGO_QUERY_INTERNAL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MM_STATUS_CONCAT_INNER_(a, b) a##b
#define MM_STATUS_CONCAT_(a, b) MM_STATUS_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                 \
  do {                                        \
    ::absl::Status mm_status_ = (expr);       \
    if (!mm_status_.ok()) return mm_status_;  \
  } while (false)

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(MM_STATUS_CONCAT_(mm_statusor_, __LINE__), lhs, expr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                           \
  if (!statusor.ok()) return statusor.status();     \
  lhs = std::move(statusor).value()

#endif  // MINIMONGO_QUERY_INTERNAL_STATUS_MACROS_H_
