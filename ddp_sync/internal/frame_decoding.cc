// The general frame parse and the helpers both frame decoders share (frame_decoding.h).

#include "ddp_sync/internal/frame_decoding.h"

#include <cmath>
#include <vector>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "ddp_sync/internal/json_text.h"
#include "query/ejson.h"

namespace minimongo::ddp::internal {

using query::Type;
using query::Value;
using query::ValueBuilder;
using query::ValueView;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

namespace {

// Wire names of the message types, both directions.
struct TypeEntry {
  std::string_view name;
  MessageType type;
};

constexpr TypeEntry kTypes[] = {
    {"connected", MessageType::kConnected},
    {"failed", MessageType::kFailed},
    {"ping", MessageType::kPing},
    {"pong", MessageType::kPong},
    {"added", MessageType::kAdded},
    {"changed", MessageType::kChanged},
    {"removed", MessageType::kRemoved},
    {"addedBefore", MessageType::kAddedBefore},
    {"movedBefore", MessageType::kMovedBefore},
    {"ready", MessageType::kReady},
    {"nosub", MessageType::kNosub},
    {"result", MessageType::kResult},
    {"updated", MessageType::kUpdated},
    {"error", MessageType::kError},
    {"connect", MessageType::kConnect},
    {"sub", MessageType::kSub},
    {"unsub", MessageType::kUnsub},
    {"method", MessageType::kMethod},
};

// ---------------------------------------------------------------------------------------------
// The slow path: a frame that does not decode as EJSON as a whole is read member by member.

bool IsEjsonMember(std::string_view key) {
  return key == "fields" || key == "data" || key == "result" || key == "params";
}

// Reads a frame member by member: EJSON-bearing members must decode as EJSON; the others are
// taken as EJSON when they decode and as plain JSON otherwise. The top level is never a special
// form. `whole_error` is the message of the failed whole-frame parse. Sets *msg_type to the
// frame's "msg" when that is a string, so that a rejection can name it.
absl::StatusOr<Value> DecodeMemberwise(std::string_view text, std::string_view whole_error,
                                       std::string* msg_type) {
  if (!nlohmann::json::accept(text.begin(), text.end())) {
    return absl::InvalidArgumentError(fmt::format("invalid JSON: {}", whole_error));
  }
  std::vector<MemberSpan> members;
  if (!ScanMembers(text, &members)) {
    // Valid JSON, not an object, yet not decodable as EJSON: only depth can cause this.
    return absl::InvalidArgumentError(std::string(whole_error));
  }
  for (const MemberSpan& m : members) {
    if (m.key != "msg") continue;
    absl::StatusOr<Value> msg = ParsePlainJson(m.value);
    if (msg.ok() && msg->IsString()) *msg_type = std::string(msg->view().AsString());
  }
  query::ParseOptions options;
  options.extended_json = false;
  ValueBuilder b;
  b.BeginObject();
  for (const MemberSpan& m : members) {
    absl::StatusOr<Value> v = query::ParseEjson(m.value, options);
    if (!v.ok()) {
      if (IsEjsonMember(m.key)) {
        return absl::InvalidArgumentError(
            fmt::format("invalid EJSON in \"{}\": {}", m.key, Msg(v.status())));
      }
      v = ParsePlainJson(m.value);
      if (!v.ok()) {
        return absl::InvalidArgumentError(
            fmt::format("\"{}\": {}", m.key, Msg(v.status())));
      }
    }
    b.Key(m.key);
    b.Append(v->view());
  }
  if (!b.EndObject()) {
    return absl::InvalidArgumentError(fmt::format("duplicate key \"{}\"", b.duplicate_key()));
  }
  return b.Finish();
}

// True when the first key of the object `text` starts with '$': the top level could read as
// an EJSON special form, which a DDP frame never is.
bool FirstKeyLooksSpecial(std::string_view text) {
  size_t i = 0;
  SkipSpace(text, &i);
  if (i >= text.size() || text[i] != '{') return false;
  ++i;
  SkipSpace(text, &i);
  return i + 1 < text.size() && text[i] == '"' && (text[i + 1] == '$' || text[i + 1] == '\\');
}

}  // namespace

std::optional<MessageType> TypeFromName(std::string_view name) {
  // The data messages, nearly every frame, without the loop.
  if (name == "changed") return MessageType::kChanged;
  if (name == "added") return MessageType::kAdded;
  if (name == "removed") return MessageType::kRemoved;
  for (const TypeEntry& e : kTypes) {
    if (e.name == name) return e.type;
  }
  return std::nullopt;
}

const Value& EmptyObject() {
  // Function-local static: never destroyed before use, shared by every message.
  static const Value* const kEmpty = new Value(Value::Object({}));
  return *kEmpty;
}

// The JSON type name of a value, for messages ("a number", "an array"...).
std::string_view Article(ValueView v) {
  switch (v.type()) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "a boolean";
    case Type::kInt32:
    case Type::kInt64:
    case Type::kDouble:
      return "a number";
    case Type::kString:
      return "a string";
    case Type::kObject:
      return "an object";
    case Type::kArray:
      return "an array";
    case Type::kDate:
      return "a date";
    case Type::kBinary:
      return "binary";
    case Type::kRegex:
      return "a regexp";
    default:
      return "an EJSON special form";
  }
}

absl::StatusOr<Value> ParseFrame(std::string_view text, std::string* msg_type) {
  query::ParseOptions options;
  options.extended_json = false;
  if (!FirstKeyLooksSpecial(text)) {
    absl::StatusOr<Value> v = query::ParseEjson(text, options);
    if (v.ok()) return v;
    return DecodeMemberwise(text, Msg(v.status()), msg_type);
  }
  return DecodeMemberwise(text, "top-level special form", msg_type);
}

namespace {

// A member name with its key code resolved once, and where CollectMembers puts its value.
struct MemberKey {
  query::FieldKey key;
  Member Members::*slot;
};

// In the order members usually come in a server frame (msg, collection, id, fields, cleared),
// then the rest: see CollectMembers.
const std::vector<MemberKey>& MemberKeys() {
  static const std::vector<MemberKey>* const kKeys = new std::vector<MemberKey>{
      {query::FieldKey("msg"), &Members::msg},
      {query::FieldKey("collection"), &Members::collection},
      {query::FieldKey("id"), &Members::id},
      {query::FieldKey("fields"), &Members::fields},
      {query::FieldKey("cleared"), &Members::cleared},
      {query::FieldKey("before"), &Members::before},
      {query::FieldKey("data"), &Members::data},
      {query::FieldKey("subs"), &Members::subs},
      {query::FieldKey("session"), &Members::session},
      {query::FieldKey("version"), &Members::version},
      {query::FieldKey("result"), &Members::result},
      {query::FieldKey("error"), &Members::error},
      {query::FieldKey("methods"), &Members::methods},
      {query::FieldKey("reason"), &Members::reason},
      {query::FieldKey("offendingMessage"), &Members::offending},
      {query::FieldKey("support"), &Members::support},
      {query::FieldKey("name"), &Members::name},
      {query::FieldKey("method"), &Members::name},
      {query::FieldKey("params"), &Members::params},
      {query::FieldKey("randomSeed"), &Members::random_seed},
  };
  return *kKeys;
}

}  // namespace

void CollectMembers(ValueView frame, Members* m) {
  // Names compare as key codes (integers), never decoded. The member after the last one found
  // is tried first: in the usual member order, one compare per member.
  const std::vector<MemberKey>& keys = MemberKeys();
  const size_t count = keys.size();
  size_t next = 0;
  const query::ObjectRange fields = frame.fields();
  for (query::ObjectIterator it = fields.begin(), end = fields.end(); it != end; ++it) {
    size_t i = next;
    if (!it.KeyIs(keys[i].key)) {
      i = 0;
      while (i < count && !it.KeyIs(keys[i].key)) ++i;
      if (i == count) continue;  // not a member any decoder reads
    }
    (m->*keys[i].slot).Set(it.value());
    next = i + 1 == count ? 0 : i + 1;
  }
}

bool IsFiniteNumber(ValueView v) {
  if (!v.IsNumber()) return false;
  return v.type() != Type::kDouble || std::isfinite(v.AsDouble());
}


}  // namespace minimongo::ddp::internal

namespace minimongo::ddp {

std::string_view MessageTypeName(MessageType type) {
  for (const internal::TypeEntry& e : internal::kTypes) {
    if (e.type == type) return e.name;
  }
  return "";
}

}  // namespace minimongo::ddp
