// DDP frames: typed, validated messages, and the builders of the frames a client sends.
//
// A frame is one DDP message as text (one WebSocket message, one element of a SockJS `a[...]`
// array, one line of a recording). DecodeServerFrame parses the text ONCE, straight into a
// query::Value (the EJSON parser with Meteor's forms only, `extended_json` off), then checks
// the message against the DDP 1 specification and the OneOffice dialect
// (../shared/fixtures/ddp/POLICY.md) and returns a ServerMessage whose fields are views into
// that one Value. Nothing is copied on the common path; a frame is either wholly valid or
// rejected with a status naming the frame, the message type and the problem:
//   ddp frame 17 (msg "changed"): "cleared" must be an array of strings
// Only what the frame itself says is checked here; whether it fits the session (unknown
// document, result for a method never called, ...) is the session's business (session.h).
//
// Dialect detection is by shape, per frame, never by a session-wide mode:
//   added    a top-level "id" means DDP 1 ({collection, id, fields?}); otherwise "data" means
//            OneOffice ({collection, data: {id, ...fields}}, the id a string or a number).
//   updated  "methods" means DDP 1 (an array of method ids, no data effect); otherwise
//            "collection"/"data" means a OneOffice field update; otherwise a bad frame.
//   ready    "subs" means DDP 1; otherwise "id" (a string or a non-negative integer, named by
//            its decimal string) means OneOffice.
//   result   "error" may be a string (OneOffice) as well as an Error object.
//   removed  the id may be a number (OneOffice).
// Unknown fields are ignored (spec); unknown message types are not.
//
// EJSON: field values ("fields", OneOffice "data") and "result" are EJSON. The whole frame is
// decoded as EJSON, so a malformed special form anywhere in the EJSON-bearing members rejects
// the frame. Members the spec calls plain JSON ("error", "offendingMessage") or that we ignore
// are re-read as plain JSON when they do not decode as EJSON, so a frame is never rejected for
// them. No EJSON user types are registered: any {"$type": .., "$value": ..} (even "oid") in a
// value is a bad frame.
//
// Thread safety: pure functions; a ServerMessage is immutable after decoding.
//
// Example:
//   absl::StatusOr<ServerMessage> m = DecodeServerFrame(
//       R"({"msg":"changed","collection":"files","id":"f1","fields":{"size":2}})", 1);
//   if (m.ok() && m->type == MessageType::kChanged) Use(m->collection, m->id, m->fields);
//   std::string sub = SubFrame("s1", "files", query::Value::Array({}));

#ifndef MINIMONGO_DDP_SYNC_FRAME_H_
#define MINIMONGO_DDP_SYNC_FRAME_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "query/value.h"

namespace minimongo::ddp {

// Every DDP message type, both directions. kNone is a frame without "msg" (Meteor servers open
// with {"server_id": "0"}).
enum class MessageType : uint8_t {
  kNone,
  // server -> client
  kConnected,
  kFailed,
  kPing,
  kPong,
  kAdded,
  kChanged,
  kRemoved,
  kAddedBefore,
  kMovedBefore,
  kReady,
  kNosub,
  kResult,
  kUpdated,
  kError,
  // client -> server (kPing and kPong go both ways)
  kConnect,
  kSub,
  kUnsub,
  kMethod,
};

// The wire name ("changed", "addedBefore", ...); "" for kNone.
std::string_view MessageTypeName(MessageType type);

// Which protocol a frame's shape belongs to (see the file comment).
enum class Dialect : uint8_t { kDdp1, kOneOffice };

// A decoded, validated server-to-client message. Move-only: the views point into the heap
// buffer of `frame` (or of `fields_storage`), which moving keeps in place.
// Which members are meaningful depends on `type`:
//   kNone        nothing (the frame is a JSON object without "msg")
//   kConnected   session
//   kFailed      version
//   kPing/kPong  message_id (optional)
//   kAdded, kAddedBefore, kChanged, kRemoved, kMovedBefore, kUpdated (OneOffice):
//                collection, id, fields (never holds "_id"), cleared (kChanged), before
//                (kAddedBefore, kMovedBefore)
//   kReady       ids (the sub ids, DDP 1 "subs" or the one OneOffice "id")
//   kUpdated     ids (DDP 1 "methods") when dialect is kDdp1
//   kNosub       message_id, error (optional)
//   kResult      message_id, result and error (each optional)
//   kError       reason, offending_message (optional)
struct ServerMessage {
  // User-provided (not "= default"), so that a value-initialized message, as the decoder
  // builds one per frame, runs the members' initializers without first clearing all of it.
  ServerMessage() {}
  ServerMessage(ServerMessage&&) = default;
  ServerMessage& operator=(ServerMessage&&) = default;
  ServerMessage(const ServerMessage&) = delete;
  ServerMessage& operator=(const ServerMessage&) = delete;

  MessageType type = MessageType::kNone;
  Dialect dialect = Dialect::kDdp1;
  // The parsed frame; owns the bytes every view below points into.
  query::Value frame;
  // Holds `fields` when they had to be rebuilt (OneOffice "data" without its "id", or DDP 1
  // "fields" without a redundant "_id"); null otherwise.
  query::Value fields_storage;

  std::string_view collection;
  // Document id: a string; for OneOffice frames (and "removed") a string or a finite number.
  query::ValueView id;
  // Fields to set: an object without "_id"; the empty object when the frame has none.
  query::ValueView fields;
  // Field names to delete ("changed"), in frame order; never "_id".
  absl::InlinedVector<std::string_view, 4> cleared;
  // "before" of addedBefore/movedBefore: the document id, or nullopt for null (the end).
  std::optional<query::ValueView> before;

  std::string_view session;  // connected
  std::string_view version;  // failed
  // ping/pong (optional), nosub and result (required) ids. A OneOffice non-negative integer
  // id is converted to its decimal string.
  std::optional<std::string> message_id;
  // ready: sub ids; DDP 1 updated: method ids.
  std::vector<std::string> ids;
  std::optional<query::ValueView> result;
  // result/nosub: an Error object, or a string (OneOffice), read as plain JSON (see the file
  // comment): write it back with AppendPlainJson.
  std::optional<query::Value> error;
  std::string_view reason;                        // error
  std::optional<query::Value> offending_message;  // error, plain JSON
  // Accepted oddities worth a warning (a field both set and cleared, ...).
  std::vector<std::string> warnings;
};

// Decodes and validates one server-to-client frame. `frame_number` (1-based) only names the
// frame in error messages.
// Returns a message of type kNone for a JSON object without "msg": whether that is acceptable
// (the very first frame of a connection) is the caller's decision.
// Errors (all InvalidArgument, "ddp frame N (msg "T"): problem"): not JSON, JSON that is not an
// object, "msg" not a string, a client-only or unknown message type, a missing or ill-typed
// field, invalid EJSON in an EJSON-bearing field, "fields._id" different from the id,
// "cleared" naming "_id", an EJSON user type, a OneOffice frame without "data.id".
// Complexity: one pass over the text, one allocation for the Value (plus a copy of `fields`
// for OneOffice frames).
absl::StatusOr<ServerMessage> DecodeServerFrame(std::string_view text, uint64_t frame_number);

// A decoded client-to-server message (what a session sent, or what a recording says it sent).
// Views point into `frame`.
struct ClientMessage {
  ClientMessage() = default;
  ClientMessage(ClientMessage&&) = default;
  ClientMessage& operator=(ClientMessage&&) = default;
  ClientMessage(const ClientMessage&) = delete;
  ClientMessage& operator=(const ClientMessage&) = delete;

  MessageType type = MessageType::kNone;
  query::Value frame;
  // sub, unsub, method: required; ping, pong: optional.
  std::optional<std::string_view> id;
  std::string_view name;  // sub name, method name
  std::optional<query::ValueView> params;
  std::string_view version;                     // connect
  std::vector<std::string_view> support;        // connect
  std::optional<std::string_view> session;      // connect
  std::optional<query::ValueView> random_seed;  // method
};

// Decodes a client-to-server frame: connect, sub, unsub, method, ping or pong.
// Errors: InvalidArgument ("ddp client frame N (msg "T"): problem") for anything else, a
// missing id/name/version, or ill-typed fields (ids are strings in both dialects).
absl::StatusOr<ClientMessage> DecodeClientFrame(std::string_view text, uint64_t frame_number);

// ---- Frames a client sends. Values are written as Meteor EJSON. ----

// {"msg":"connect","version":V,"support":[...]} plus "session" when resuming one.
std::string ConnectFrame(std::string_view version, std::span<const std::string> support,
                         std::optional<std::string_view> session = std::nullopt);
// {"msg":"sub","id":..,"name":..,"params":..}; params omitted when null.
// REQUIRES: params is null, an array (DDP 1) or an object (OneOffice).
std::string SubFrame(std::string_view id, std::string_view name, query::ValueView params);
std::string UnsubFrame(std::string_view id);
// {"msg":"method","method":..,"params":..,"id":..,"randomSeed":..}; params omitted when null,
// randomSeed when nullopt. REQUIRES: params is null, an array or an object.
std::string MethodFrame(std::string_view id, std::string_view method, query::ValueView params,
                        std::optional<std::string_view> random_seed = std::nullopt);
// {"msg":"ping"} / {"msg":"pong"}, with "id" when given.
std::string PingFrame(std::optional<std::string_view> id = std::nullopt);
std::string PongFrame(std::optional<std::string_view> id = std::nullopt);

// Writes a value as plain JSON (no EJSON special forms, no $escape). For values read as plain
// JSON (Error objects); other types are written in their EJSON form.
void AppendPlainJson(query::ValueView v, std::string* out);

}  // namespace minimongo::ddp

#endif  // MINIMONGO_DDP_SYNC_FRAME_H_
