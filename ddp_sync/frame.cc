#include "ddp_sync/frame.h"

#include <cmath>
#include <cstring>
#include <utility>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "ddp_sync/internal/json_text.h"
#include "query/ejson.h"
#include "query/limits.h"
#include "query/value_order.h"

namespace minimongo::ddp {

using query::Field;
using query::Type;
using query::Value;
using query::ValueBuilder;
using query::ValueView;

using internal::MemberSpan;
using internal::ParsePlainJson;
using internal::ScanMembers;
using internal::SkipSpace;

namespace {

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

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

std::optional<MessageType> TypeFromName(std::string_view name) {
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

// Parses a frame into a Value: the whole text as EJSON on the fast path, member by member
// otherwise (see DecodeMemberwise, which also fills *msg_type).
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

// Whether `v` holds an ObjectId anywhere: the decoding of {"$type":"oid",...}, a user type that
// no DDP client here has registered.
bool ContainsUserType(ValueView v, size_t depth) {
  if (depth > query::kMaxDepth) return false;  // unreachable: the parser caps the depth
  switch (v.type()) {
    case Type::kObjectId:
      return true;
    case Type::kObject:
      for (const Field& f : v.fields()) {
        if ((f.value.IsObject() || f.value.IsArray() || f.value.type() == Type::kObjectId) &&
            ContainsUserType(f.value, depth + 1)) {
          return true;
        }
      }
      return false;
    case Type::kArray:
      for (ValueView e : v.elements()) {
        if ((e.IsObject() || e.IsArray() || e.type() == Type::kObjectId) &&
            ContainsUserType(e, depth + 1)) {
          return true;
        }
      }
      return false;
    default:
      return false;
  }
}

// A frame's members by name, found in one pass.
struct Members {
  std::optional<ValueView> msg, collection, id, fields, cleared, before, data, subs, session,
      version, result, error, methods, reason, offending, support, name, params, random_seed;
};

void CollectMembers(ValueView frame, Members* m) {
  for (const Field& f : frame.fields()) {
    std::string_view k = f.key;
    switch (k.size()) {
      case 2:
        if (k == "id") m->id = f.value;
        break;
      case 3:
        if (k == "msg") m->msg = f.value;
        break;
      case 4:
        if (k == "subs") {
          m->subs = f.value;
        } else if (k == "data") {
          m->data = f.value;
        } else if (k == "name") {
          m->name = f.value;
        }
        break;
      case 5:
        if (k == "error") m->error = f.value;
        break;
      case 6:
        if (k == "fields") {
          m->fields = f.value;
        } else if (k == "before") {
          m->before = f.value;
        } else if (k == "result") {
          m->result = f.value;
        } else if (k == "reason") {
          m->reason = f.value;
        } else if (k == "method") {
          m->name = f.value;
        } else if (k == "params") {
          m->params = f.value;
        }
        break;
      case 7:
        if (k == "cleared") {
          m->cleared = f.value;
        } else if (k == "session") {
          m->session = f.value;
        } else if (k == "version") {
          m->version = f.value;
        } else if (k == "methods") {
          m->methods = f.value;
        } else if (k == "support") {
          m->support = f.value;
        }
        break;
      case 10:
        if (k == "collection") m->collection = f.value;
        if (k == "randomSeed") m->random_seed = f.value;
        break;
      case 16:
        if (k == "offendingMessage") m->offending = f.value;
        break;
      default:
        break;
    }
  }
}

bool IsFiniteNumber(ValueView v) {
  if (!v.IsNumber()) return false;
  return v.type() != Type::kDouble || std::isfinite(v.AsDouble());
}

// `v` as a non-negative integer's decimal string, when it is one.
std::optional<std::string> NonNegativeIntegerText(ValueView v) {
  if (!v.IsNumber()) return std::nullopt;
  std::optional<int64_t> i = v.NumberAsInt64();
  if (!i || *i < 0) return std::nullopt;
  return fmt::format("{}", *i);
}

// Describes a document id for messages: "f1" with quotes, 7 without.
std::string DescribeId(ValueView id) {
  query::EjsonOptions options;
  options.escape_extended_forms = false;
  std::string s = query::ToEjson(id, options);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

// Validation of one server frame, with messages prefixed "ddp frame N (msg "T"): ".
class ServerDecoder {
 public:
  ServerDecoder(std::string_view text, uint64_t frame_number)
      : text_(text), frame_number_(frame_number) {}

  absl::StatusOr<ServerMessage> Run() {
    absl::StatusOr<Value> parsed = ParseFrame(text_, &type_name_storage_);
    if (!parsed.ok()) {
      type_name_ = type_name_storage_;
      return Bad(Msg(parsed.status()));
    }
    ServerMessage out;
    out.frame = *std::move(parsed);
    ValueView frame = out.frame.view();
    if (!frame.IsObject()) {
      return Bad(fmt::format("frame is {}, not a JSON object", Article(frame)));
    }
    Members m;
    CollectMembers(frame, &m);
    if (!m.msg) return out;  // kNone: the session decides
    if (!m.msg->IsString()) {
      return Bad(fmt::format("\"msg\" must be a string, not {}", Article(*m.msg)));
    }
    type_name_ = m.msg->AsString();
    std::optional<MessageType> type = TypeFromName(type_name_);
    if (!type) return Bad("unknown message type");
    out.type = *type;
    switch (*type) {
      case MessageType::kConnected:
        return Connected(m, std::move(out));
      case MessageType::kFailed:
        return Failed(m, std::move(out));
      case MessageType::kPing:
      case MessageType::kPong:
        return PingPong(m, std::move(out));
      case MessageType::kAdded:
        return Added(m, std::move(out));
      case MessageType::kChanged:
        return Changed(m, std::move(out));
      case MessageType::kRemoved:
        return Removed(m, std::move(out));
      case MessageType::kAddedBefore:
        return AddedBefore(m, std::move(out));
      case MessageType::kMovedBefore:
        return MovedBefore(m, std::move(out));
      case MessageType::kReady:
        return Ready(m, std::move(out));
      case MessageType::kNosub:
        return Nosub(m, std::move(out));
      case MessageType::kResult:
        return Result(m, std::move(out));
      case MessageType::kUpdated:
        return Updated(m, std::move(out));
      case MessageType::kError:
        return ServerError(m, std::move(out));
      case MessageType::kConnect:
      case MessageType::kSub:
      case MessageType::kUnsub:
      case MessageType::kMethod:
        return Bad("a client-to-server message type, not one a server sends");
      case MessageType::kNone:
        break;
    }
    return Bad("unknown message type");
  }

 private:
  absl::Status Bad(std::string_view problem) const {
    if (type_name_.empty()) {
      return absl::InvalidArgumentError(fmt::format("ddp frame {}: {}", frame_number_, problem));
    }
    return absl::InvalidArgumentError(
        fmt::format("ddp frame {} (msg \"{}\"): {}", frame_number_, type_name_, problem));
  }

  absl::Status RequireString(const std::optional<ValueView>& v, std::string_view name,
                             std::string_view* out) const {
    if (!v) return Bad(fmt::format("missing \"{}\"", name));
    if (!v->IsString()) {
      return Bad(fmt::format("\"{}\" must be a string, not {}", name, Article(*v)));
    }
    *out = v->AsString();
    return absl::OkStatus();
  }

  absl::Status Collection(const Members& m, ServerMessage* out) const {
    absl::Status s = RequireString(m.collection, "collection", &out->collection);
    if (!s.ok()) return s;
    if (out->collection.empty()) return Bad("\"collection\" must not be empty");
    return absl::OkStatus();
  }

  // A DDP 1 document id: a string.
  absl::Status StringId(const Members& m, ServerMessage* out) const {
    if (!m.id) return Bad("missing \"id\"");
    if (!m.id->IsString()) {
      return Bad(fmt::format("\"id\" must be a string, not {}", Article(*m.id)));
    }
    out->id = *m.id;
    return absl::OkStatus();
  }

  // A document id that may also be a OneOffice number.
  absl::Status AnyId(std::optional<ValueView> id, std::string_view name, ServerMessage* out) const {
    if (!id) return Bad(fmt::format("missing \"{}\"", name));
    if (!id->IsString() && !IsFiniteNumber(*id)) {
      return Bad(fmt::format("\"{}\" must be a string or a number, not {}", name, Article(*id)));
    }
    out->id = *id;
    return absl::OkStatus();
  }

  // Checks EJSON field values for user types.
  absl::Status CheckUserTypes(ValueView v, std::string_view name) const {
    // Only a frame spelling "$type" (or escaping a key) can hold one: skip the walk otherwise.
    if (text_.find("$type") == std::string_view::npos &&
        text_.find("\\u") == std::string_view::npos) {
      return absl::OkStatus();
    }
    if (ContainsUserType(v, 1)) {
      return Bad(fmt::format("\"{}\" holds an EJSON user type ({{\"$type\": ..}}), and none is "
                             "registered",
                             name));
    }
    return absl::OkStatus();
  }

  // Takes `fields` (an object) as the fields to set, dropping `skip_key` (OneOffice "id") and a
  // "_id" equal to the document id.
  absl::Status SetFields(ValueView fields, std::string_view name, std::string_view skip_key,
                         ServerMessage* out) const {
    if (!fields.IsObject()) {
      return Bad(fmt::format("\"{}\" must be an object, not {}", name, Article(fields)));
    }
    absl::Status s = CheckUserTypes(fields, name);
    if (!s.ok()) return s;
    bool rebuild = !skip_key.empty();
    if (auto underscore_id = fields.Find("_id")) {
      bool same_kind = (underscore_id->IsString() && out->id.IsString()) ||
                       (underscore_id->IsNumber() && out->id.IsNumber());
      if (!same_kind || !query::ValuesEqual(*underscore_id, out->id)) {
        return Bad(fmt::format("\"{}._id\" ({}) differs from the document id {}", name,
                               DescribeId(*underscore_id), DescribeId(out->id)));
      }
      rebuild = true;
    }
    if (!rebuild) {
      out->fields = fields;
      return absl::OkStatus();
    }
    ValueBuilder b;
    b.BeginObject();
    size_t kept = 0;
    for (const Field& f : fields.fields()) {
      if (f.key == "_id" || f.key == skip_key) continue;
      b.Key(f.key);
      b.Append(f.value);
      ++kept;
    }
    (void)b.EndObject();  // a subset of an object's unique keys
    if (kept == 0) {
      out->fields = EmptyObject().view();
      return absl::OkStatus();
    }
    out->fields_storage = b.Finish();
    out->fields = out->fields_storage.view();
    return absl::OkStatus();
  }

  absl::Status OptionalFields(const Members& m, ServerMessage* out) const {
    if (!m.fields) {
      out->fields = EmptyObject().view();
      return absl::OkStatus();
    }
    return SetFields(*m.fields, "fields", "", out);
  }

  // "before": a string id or null (required).
  absl::Status Before(const Members& m, ServerMessage* out) const {
    if (!m.before) return Bad("missing \"before\" (a document id, or null for the end)");
    if (m.before->IsNull()) return absl::OkStatus();
    if (!m.before->IsString()) {
      return Bad(fmt::format("\"before\" must be a string or null, not {}", Article(*m.before)));
    }
    out->before = *m.before;
    return absl::OkStatus();
  }

  // A string list member ("subs", "methods", "cleared").
  absl::Status StringList(ValueView v, std::string_view name, std::vector<std::string>* out) const {
    if (!v.IsArray()) {
      return Bad(fmt::format("\"{}\" must be an array of strings, not {}", name, Article(v)));
    }
    for (ValueView e : v.elements()) {
      if (!e.IsString()) {
        return Bad(fmt::format("\"{}\" must be an array of strings; it holds {}", name, Article(e)));
      }
      out->emplace_back(e.AsString());
    }
    return absl::OkStatus();
  }

  // A sub or method id: a string, or (OneOffice) a non-negative integer.
  absl::Status MessageId(const std::optional<ValueView>& v, ServerMessage* out) const {
    if (!v) return Bad("missing \"id\"");
    if (v->IsString()) {
      out->message_id = std::string(v->AsString());
      return absl::OkStatus();
    }
    std::optional<std::string> text = NonNegativeIntegerText(*v);
    if (!text) {
      return Bad(fmt::format("\"id\" must be a string (or a non-negative integer), not {}",
                             Article(*v)));
    }
    out->message_id = *std::move(text);
    return absl::OkStatus();
  }

  // Re-reads a plain-JSON member from the frame text: the EJSON decoding would have turned
  // {"$date": 1} into a date and dropped a {"$escape": ..}. Only containers and special types
  // can differ, and only in a frame that spells a '$' (or escapes a character).
  absl::StatusOr<Value> PlainMember(std::string_view key, ValueView decoded) const {
    bool plain_type = decoded.IsString() || decoded.IsNull() || decoded.type() == Type::kBool ||
                      (decoded.IsNumber() && IsFiniteNumber(decoded));
    if (plain_type || (text_.find('$') == std::string_view::npos &&
                       text_.find("\\u") == std::string_view::npos)) {
      return decoded.ToValue();
    }
    std::vector<MemberSpan> members;
    if (ScanMembers(text_, &members)) {
      for (const MemberSpan& span : members) {
        if (span.key != key) continue;
        absl::StatusOr<Value> plain = ParsePlainJson(span.value);
        if (plain.ok()) return plain;
        return Bad(fmt::format("\"{}\": {}", key, Msg(plain.status())));
      }
    }
    return decoded.ToValue();  // unreachable for a frame that parsed
  }

  absl::Status Error(const Members& m, ServerMessage* out) const {
    if (!m.error) return absl::OkStatus();
    if (!m.error->IsObject() && !m.error->IsString()) {
      return Bad(fmt::format("\"error\" must be an Error object (or a OneOffice string), not {}",
                             Article(*m.error)));
    }
    absl::StatusOr<Value> plain = PlainMember("error", *m.error);
    if (!plain.ok()) return plain.status();
    if (!plain->IsObject() && !plain->IsString()) {
      return Bad("\"error\" must be an Error object (or a OneOffice string)");
    }
    out->error = *std::move(plain);
    return absl::OkStatus();
  }

  absl::StatusOr<ServerMessage> Connected(const Members& m, ServerMessage out) const {
    absl::Status s = RequireString(m.session, "session", &out.session);
    if (!s.ok()) return s;
    return out;
  }

  absl::StatusOr<ServerMessage> Failed(const Members& m, ServerMessage out) const {
    absl::Status s = RequireString(m.version, "version", &out.version);
    if (!s.ok()) return s;
    return out;
  }

  absl::StatusOr<ServerMessage> PingPong(const Members& m, ServerMessage out) const {
    if (m.id) {
      if (!m.id->IsString()) {
        return Bad(fmt::format("\"id\" must be a string, not {}", Article(*m.id)));
      }
      out.message_id = std::string(m.id->AsString());
    }
    return out;
  }

  absl::StatusOr<ServerMessage> Added(const Members& m, ServerMessage out) const {
    absl::Status s = Collection(m, &out);
    if (!s.ok()) return s;
    if (m.id) {  // DDP 1: a "data" member is just an unknown field
      s = StringId(m, &out);
      if (!s.ok()) return s;
      s = OptionalFields(m, &out);
      if (!s.ok()) return s;
      return out;
    }
    if (!m.data) return Bad("missing \"id\" (DDP 1) or \"data\" with an \"id\" (OneOffice)");
    return OneOfficeData(m, std::move(out));
  }

  // OneOffice added/updated: {"collection": C, "data": {"id": X, ...fields}}.
  absl::StatusOr<ServerMessage> OneOfficeData(const Members& m, ServerMessage out) const {
    out.dialect = Dialect::kOneOffice;
    if (!m.data->IsObject()) {
      return Bad(fmt::format("\"data\" must be an object, not {}", Article(*m.data)));
    }
    absl::Status s = AnyId(m.data->Find("id"), "data.id", &out);
    if (!s.ok()) return s;
    s = SetFields(*m.data, "data", "id", &out);
    if (!s.ok()) return s;
    return out;
  }

  absl::StatusOr<ServerMessage> Changed(const Members& m, ServerMessage out) const {
    absl::Status s = Collection(m, &out);
    if (!s.ok()) return s;
    s = StringId(m, &out);
    if (!s.ok()) return s;
    s = OptionalFields(m, &out);
    if (!s.ok()) return s;
    if (m.cleared) {
      if (!m.cleared->IsArray()) {
        return Bad(fmt::format("\"cleared\" must be an array of strings, not {}",
                               Article(*m.cleared)));
      }
      for (ValueView e : m.cleared->elements()) {
        if (!e.IsString()) {
          return Bad(
              fmt::format("\"cleared\" must be an array of strings; it holds {}", Article(e)));
        }
        std::string_view name = e.AsString();
        if (name == "_id") return Bad("\"cleared\" names \"_id\", which cannot be removed");
        out.cleared.push_back(name);
        if (out.fields.Find(name)) {
          out.warnings.push_back(
              fmt::format("field \"{}\" is both set and cleared; cleared wins", name));
        }
      }
    }
    return out;
  }

  absl::StatusOr<ServerMessage> Removed(const Members& m, ServerMessage out) const {
    absl::Status s = Collection(m, &out);
    if (!s.ok()) return s;
    s = AnyId(m.id, "id", &out);
    if (!s.ok()) return s;
    if (!out.id.IsString()) out.dialect = Dialect::kOneOffice;
    return out;
  }

  absl::StatusOr<ServerMessage> AddedBefore(const Members& m, ServerMessage out) const {
    absl::Status s = Collection(m, &out);
    if (!s.ok()) return s;
    s = StringId(m, &out);
    if (!s.ok()) return s;
    s = OptionalFields(m, &out);
    if (!s.ok()) return s;
    s = Before(m, &out);
    if (!s.ok()) return s;
    return out;
  }

  absl::StatusOr<ServerMessage> MovedBefore(const Members& m, ServerMessage out) const {
    absl::Status s = Collection(m, &out);
    if (!s.ok()) return s;
    s = StringId(m, &out);
    if (!s.ok()) return s;
    s = Before(m, &out);
    if (!s.ok()) return s;
    if (out.before && out.before->AsString() == out.id.AsString()) {
      return Bad("\"before\" names the document being moved");
    }
    out.fields = EmptyObject().view();
    return out;
  }

  absl::StatusOr<ServerMessage> Ready(const Members& m, ServerMessage out) const {
    if (m.subs) {
      absl::Status s = StringList(*m.subs, "subs", &out.ids);
      if (!s.ok()) return s;
      return out;
    }
    if (!m.id) return Bad("missing \"subs\" (DDP 1) or \"id\" (OneOffice)");
    out.dialect = Dialect::kOneOffice;
    absl::Status s = MessageId(m.id, &out);
    if (!s.ok()) return s;
    out.ids.emplace_back(*out.message_id);
    return out;
  }

  absl::StatusOr<ServerMessage> Nosub(const Members& m, ServerMessage out) const {
    absl::Status s = MessageId(m.id, &out);
    if (!s.ok()) return s;
    s = Error(m, &out);
    if (!s.ok()) return s;
    return out;
  }

  absl::StatusOr<ServerMessage> Result(const Members& m, ServerMessage out) const {
    absl::Status s = MessageId(m.id, &out);
    if (!s.ok()) return s;
    s = Error(m, &out);
    if (!s.ok()) return s;
    if (out.error && out.error->IsString()) out.dialect = Dialect::kOneOffice;
    if (m.result) {
      s = CheckUserTypes(*m.result, "result");
      if (!s.ok()) return s;
      out.result = *m.result;
    }
    return out;
  }

  absl::StatusOr<ServerMessage> Updated(const Members& m, ServerMessage out) const {
    if (m.methods) {
      absl::Status s = StringList(*m.methods, "methods", &out.ids);
      if (!s.ok()) return s;
      return out;
    }
    if (!m.collection && !m.data) {
      return Bad("neither \"methods\" (DDP 1) nor \"collection\"/\"data\" (OneOffice)");
    }
    absl::Status s = Collection(m, &out);
    if (!s.ok()) return s;
    if (!m.data) return Bad("missing \"data\" (OneOffice field update)");
    return OneOfficeData(m, std::move(out));
  }

  absl::StatusOr<ServerMessage> ServerError(const Members& m, ServerMessage out) const {
    absl::Status s = RequireString(m.reason, "reason", &out.reason);
    if (!s.ok()) return s;
    if (m.offending) {
      absl::StatusOr<Value> plain = PlainMember("offendingMessage", *m.offending);
      if (!plain.ok()) return plain.status();
      out.offending_message = *std::move(plain);
    }
    return out;
  }

  std::string_view text_;
  uint64_t frame_number_;
  std::string type_name_storage_;  // the "msg" of a frame that did not decode
  std::string_view type_name_;
};

void AppendString(std::string_view s, std::string* out) {
  query::AppendEjson(Value::String(s).view(), out);
}

void AppendEjsonValue(ValueView v, std::string* out) {
  query::EjsonOptions options;
  options.escape_extended_forms = false;
  query::AppendEjson(v, out, options);
}

}  // namespace

std::string_view MessageTypeName(MessageType type) {
  for (const TypeEntry& e : kTypes) {
    if (e.type == type) return e.name;
  }
  return "";
}

absl::StatusOr<ServerMessage> DecodeServerFrame(std::string_view text, uint64_t frame_number) {
  return ServerDecoder(text, frame_number).Run();
}

absl::StatusOr<ClientMessage> DecodeClientFrame(std::string_view text, uint64_t frame_number) {
  std::string unused_type;
  absl::StatusOr<Value> parsed = ParseFrame(text, &unused_type);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("ddp client frame {}: {}", frame_number, Msg(parsed.status())));
  }
  ClientMessage out;
  out.frame = *std::move(parsed);
  ValueView frame = out.frame.view();
  if (!frame.IsObject()) {
    return absl::InvalidArgumentError(fmt::format(
        "ddp client frame {}: frame is {}, not a JSON object", frame_number, Article(frame)));
  }
  Members m;
  CollectMembers(frame, &m);
  if (!m.msg || !m.msg->IsString()) {
    return absl::InvalidArgumentError(
        fmt::format("ddp client frame {}: missing \"msg\" string", frame_number));
  }
  std::string_view type_name = m.msg->AsString();
  auto bad = [&](std::string_view problem) {
    return absl::InvalidArgumentError(
        fmt::format("ddp client frame {} (msg \"{}\"): {}", frame_number, type_name, problem));
  };
  std::optional<MessageType> type = TypeFromName(type_name);
  if (!type) return bad("unknown message type");
  out.type = *type;
  auto string_member = [&](const std::optional<ValueView>& v, std::string_view name,
                           bool required) -> absl::StatusOr<std::optional<std::string_view>> {
    if (!v) {
      if (required) return bad(fmt::format("missing \"{}\"", name));
      return std::optional<std::string_view>();
    }
    if (!v->IsString()) return bad(fmt::format("\"{}\" must be a string", name));
    return std::optional<std::string_view>(v->AsString());
  };
  auto params = [&]() -> absl::Status {
    if (!m.params) return absl::OkStatus();
    if (!m.params->IsArray() && !m.params->IsObject()) {
      return bad("\"params\" must be an array (DDP 1) or an object (OneOffice)");
    }
    out.params = *m.params;
    return absl::OkStatus();
  };
  switch (*type) {
    case MessageType::kConnect: {
      auto version = string_member(m.version, "version", true);
      if (!version.ok()) return version.status();
      out.version = **version;
      auto session = string_member(m.session, "session", false);
      if (!session.ok()) return session.status();
      out.session = *session;
      if (m.support) {
        if (!m.support->IsArray()) return bad("\"support\" must be an array of strings");
        for (ValueView e : m.support->elements()) {
          if (!e.IsString()) return bad("\"support\" must be an array of strings");
          out.support.push_back(e.AsString());
        }
      }
      return out;
    }
    case MessageType::kSub:
    case MessageType::kMethod: {
      auto id = string_member(m.id, "id", true);
      if (!id.ok()) return id.status();
      out.id = *id;
      auto name = string_member(m.name, *type == MessageType::kSub ? "name" : "method", true);
      if (!name.ok()) return name.status();
      out.name = **name;
      absl::Status s = params();
      if (!s.ok()) return s;
      if (m.random_seed) out.random_seed = *m.random_seed;
      return out;
    }
    case MessageType::kUnsub: {
      auto id = string_member(m.id, "id", true);
      if (!id.ok()) return id.status();
      out.id = *id;
      return out;
    }
    case MessageType::kPing:
    case MessageType::kPong: {
      auto id = string_member(m.id, "id", false);
      if (!id.ok()) return id.status();
      out.id = *id;
      return out;
    }
    default:
      return bad("not a client-to-server message type");
  }
}

std::string ConnectFrame(std::string_view version, std::span<const std::string> support,
                         std::optional<std::string_view> session) {
  std::string out = "{\"msg\":\"connect\"";
  if (session) {
    out.append(",\"session\":");
    AppendString(*session, &out);
  }
  out.append(",\"version\":");
  AppendString(version, &out);
  out.append(",\"support\":[");
  for (size_t i = 0; i < support.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendString(support[i], &out);
  }
  out.append("]}");
  return out;
}

std::string SubFrame(std::string_view id, std::string_view name, ValueView params) {
  std::string out = "{\"msg\":\"sub\",\"id\":";
  AppendString(id, &out);
  out.append(",\"name\":");
  AppendString(name, &out);
  if (!params.IsNull()) {
    out.append(",\"params\":");
    AppendEjsonValue(params, &out);
  }
  out.push_back('}');
  return out;
}

std::string UnsubFrame(std::string_view id) {
  std::string out = "{\"msg\":\"unsub\",\"id\":";
  AppendString(id, &out);
  out.push_back('}');
  return out;
}

std::string MethodFrame(std::string_view id, std::string_view method, ValueView params,
                        std::optional<std::string_view> random_seed) {
  std::string out = "{\"msg\":\"method\",\"method\":";
  AppendString(method, &out);
  if (!params.IsNull()) {
    out.append(",\"params\":");
    AppendEjsonValue(params, &out);
  }
  out.append(",\"id\":");
  AppendString(id, &out);
  if (random_seed) {
    out.append(",\"randomSeed\":");
    AppendString(*random_seed, &out);
  }
  out.push_back('}');
  return out;
}

std::string PingFrame(std::optional<std::string_view> id) {
  std::string out = "{\"msg\":\"ping\"";
  if (id) {
    out.append(",\"id\":");
    AppendString(*id, &out);
  }
  out.push_back('}');
  return out;
}

std::string PongFrame(std::optional<std::string_view> id) {
  std::string out = "{\"msg\":\"pong\"";
  if (id) {
    out.append(",\"id\":");
    AppendString(*id, &out);
  }
  out.push_back('}');
  return out;
}

void AppendPlainJson(ValueView v, std::string* out) {
  // Iterative over an explicit stack: plain values can nest as deep as the parser allows.
  struct Level {
    bool is_object;
    query::ObjectIterator fit;
    query::ObjectIterator fend;
    query::ArrayIterator ait;
    query::ArrayIterator aend;
    bool first;
  };
  auto write_scalar = [&](ValueView s) { AppendEjsonValue(s, out); };
  if (!v.IsObject() && !v.IsArray()) {
    write_scalar(v);
    return;
  }
  std::vector<Level> stack;
  auto open = [&](ValueView c) {
    if (c.IsObject()) {
      out->push_back('{');
      query::ObjectRange r = c.fields();
      query::ArrayRange none = ValueView().elements();
      stack.push_back(Level{true, r.begin(), r.end(), none.begin(), none.end(), true});
    } else {
      out->push_back('[');
      query::ArrayRange r = c.elements();
      query::ObjectRange none = ValueView().fields();
      stack.push_back(Level{false, none.begin(), none.end(), r.begin(), r.end(), true});
    }
  };
  open(v);
  while (!stack.empty()) {
    Level& top = stack.back();
    ValueView next;
    if (top.is_object) {
      if (top.fit == top.fend) {
        out->push_back('}');
        stack.pop_back();
        continue;
      }
      if (!top.first) out->push_back(',');
      top.first = false;
      Field f = *top.fit;
      ++top.fit;
      AppendString(f.key, out);
      out->push_back(':');
      next = f.value;
    } else {
      if (top.ait == top.aend) {
        out->push_back(']');
        stack.pop_back();
        continue;
      }
      if (!top.first) out->push_back(',');
      top.first = false;
      next = *top.ait;
      ++top.ait;
    }
    if (next.IsObject() || next.IsArray()) {
      open(next);
    } else {
      write_scalar(next);
    }
  }
}

}  // namespace minimongo::ddp
