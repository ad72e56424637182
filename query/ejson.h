// Meteor EJSON <-> Value.
//
// Parsing goes straight from text into a Value's buffer with a strict RFC 8259 parser of our
// own: no intermediate JSON DOM. Serializing writes text directly from the Value.
//
// Accepted special forms (an object is special only when its key set is exactly one of these;
// anything else is a plain object):
//   {"$date": ms}                  date (ms: a JSON number within JavaScript's +-8.64e15 range;
//                                  fractions truncated toward zero; a Value::Date outside that
//                                  range prints, but does not parse back)
//   {"$binary": base64}            binary, subtype 0 (padded standard base64)
//   {"$escape": {...}}             a plain object whose keys are taken literally one level down
//                                  (its values are still EJSON)
//   {"$InfNaN": 1|-1|0}            +Infinity, -Infinity, NaN (doubles)
//   {"$type": "oid", "$value": h}  ObjectId (24 hex digits); any other $type is an error
//   {"$regexp": src, "$flags": f}  regular expression (flags: each of "dgilmsuxy" at most once,
//                                  JavaScript's and MongoDB's letters)
// and, on input only, MongoDB Extended JSON:
//   {"$oid": hex}, {"$numberLong": "int"}, {"$numberInt": "int"}, {"$numberDouble": "1.5"|
//   "Infinity"|"-Infinity"|"NaN"}, {"$date": {"$numberLong": "ms"}}, {"$date": "ISO-8601"},
//   {"$regularExpression": {"pattern": p, "options": o}}, {"$timestamp": {"t": s, "i": i}},
//   {"$minKey": 1}, {"$maxKey": 1}.
// Integer literals that fit become int32, else int64 (relaxed Extended JSON); integers beyond
// int64 and anything with a fraction or exponent become doubles.
//
// Output is canonical Meteor EJSON with key order kept: dates as {"$date": ms}, binary as
// {"$binary": padded base64}, ObjectId as {"$type":"oid","$value":hex}, non-finite doubles as
// {"$InfNaN": ...}, regexes as {"$regexp":..,"$flags":..}; a plain object whose key set looks
// like a special form is wrapped in {"$escape": ...}. Doubles are printed so that they parse
// back to the same double; an integral double prints with a trailing ".0" only when
// `EjsonOptions::mark_doubles` is set. Timestamps, MinKey and MaxKey (no Meteor form) are
// written in Extended JSON ({"$timestamp":{"t":..,"i":..}}, {"$minKey":1}, {"$maxKey":1}).
//
// Errors: invalid JSON, invalid UTF-8, a bad special form, a duplicate key, nesting deeper
// than kMaxDepth (query/limits.h) or text over kMaxEjsonBytes give InvalidArgument naming the
// byte offset and the problem, e.g. `ejson at byte 17: $date needs a number`. Never a crash
// or unbounded recursion.
//
// Thread safety: pure functions.
//
// Example:
//   absl::StatusOr<Value> doc = ParseEjson(R"({"_id": "a", "at": {"$date": 0}})");
//   if (doc.ok()) std::cout << ToEjson(doc->view());

#ifndef MINIMONGO_QUERY_EJSON_H_
#define MINIMONGO_QUERY_EJSON_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "query/value.h"

namespace minimongo::query {

struct ParseOptions {
  // Accept MongoDB Extended JSON's input forms ($oid, $numberLong, ISO $date strings, ...).
  // Default true. The DDP layer turns it off: on the wire only Meteor's forms are special, and
  // {"$oid": ..} is a plain object there.
  bool extended_json = true;
};

// Parses one EJSON value (any JSON value, not only objects). Surrounding whitespace is allowed;
// anything else after the value is an error.
absl::StatusOr<Value> ParseEjson(std::string_view text);
absl::StatusOr<Value> ParseEjson(std::string_view text, const ParseOptions& options);

struct EjsonOptions {
  // Write integral doubles as "1.0" instead of "1" (default false: Meteor's JSON.stringify
  // style, where 1.0 prints as 1). With it set, output round-trips int/double types exactly.
  bool mark_doubles = false;
  // Wrap plain objects that look like Extended JSON input forms ({"$oid": ..}, {"$numberLong":
  // ..}, ...) in $escape, so that output parses back to the same value with extended_json on.
  // Default true; the DDP layer turns it off to write exactly what Meteor writes.
  bool escape_extended_forms = true;
};

// Canonical Meteor EJSON text of `v`. Never fails.
std::string ToEjson(ValueView v, const EjsonOptions& options = {});
// Appends the EJSON text of `v` to `*out`.
void AppendEjson(ValueView v, std::string* out, const EjsonOptions& options = {});

}  // namespace minimongo::query

#endif  // MINIMONGO_QUERY_EJSON_H_
