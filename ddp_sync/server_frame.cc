// Decoding and validation of server-to-client frames (frame.h): DecodeServerFrame, and the
// session's variant with a reusable parser (internal/frame_decoding.h).

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/utility/utility.h"
#include "fmt/format.h"
#include "ddp_sync/frame.h"
#include "ddp_sync/internal/frame_decoding.h"
#include "ddp_sync/internal/frame_parser.h"
#include "ddp_sync/internal/json_text.h"
#include "query/ejson.h"
#include "query/internal/status_macros.h"
#include "query/limits.h"
#include "query/value_order.h"

namespace minimongo::ddp {

using query::Field;
using query::Type;
using query::Value;
using query::ValueBuilder;
using query::ValueView;

using internal::Article;
using internal::EmptyObject;
using internal::IsFiniteNumber;
using internal::Members;
using internal::MemberSpan;
using internal::Msg;
using internal::ParsePlainJson;
using internal::ScanMembers;

namespace {

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

  // Parses with `parser` when the frame has the fast shape (the same Value as the general
  // parse), the general way otherwise; then validates. `own`: the message takes the parsed
  // bytes (one allocation) instead of viewing the parser's buffer.
  absl::StatusOr<ServerMessage> Run(internal::FrameParser* parser, bool own) {
    // The message is built in place in the result, which is returned on every path (so never
    // moved: a ServerMessage has some twenty members).
    absl::StatusOr<ServerMessage> result(absl::in_place);
    absl::Status status = Decode(parser, own, &*result);
    if (!status.ok()) result = std::move(status);
    return result;
  }

 private:
  absl::Status Decode(internal::FrameParser* parser, bool own, ServerMessage* out) {
    ValueView frame;
    if (std::optional<ValueView> fast = parser->Parse(text_)) {
      parsed_fast_ = true;
      if (own) {
        out->frame = parser->Release();
        frame = out->frame.view();
      } else {
        frame = *fast;
      }
    } else {
      absl::StatusOr<Value> parsed = internal::ParseFrame(text_, &type_name_storage_);
      if (!parsed.ok()) {
        type_name_ = type_name_storage_;
        return Bad(Msg(parsed.status()));
      }
      out->frame = *std::move(parsed);
      frame = out->frame.view();
    }
    if (!frame.IsObject()) {
      return Bad(fmt::format("frame is {}, not a JSON object", Article(frame)));
    }
    Members m;
    internal::CollectMembers(frame, &m);
    if (!m.msg) return absl::OkStatus();  // kNone: the session decides
    if (!m.msg->IsString()) {
      return Bad(fmt::format("\"msg\" must be a string, not {}", Article(*m.msg)));
    }
    type_name_ = m.msg->AsString();
    std::optional<MessageType> type = internal::TypeFromName(type_name_);
    if (!type) return Bad("unknown message type");
    out->type = *type;
    absl::Status status;
    switch (*type) {
      case MessageType::kConnected:
        status = Connected(m, out);
        break;
      case MessageType::kFailed:
        status = Failed(m, out);
        break;
      case MessageType::kPing:
      case MessageType::kPong:
        status = PingPong(m, out);
        break;
      case MessageType::kAdded:
        status = Added(m, out);
        break;
      case MessageType::kChanged:
        status = Changed(m, out);
        break;
      case MessageType::kRemoved:
        status = Removed(m, out);
        break;
      case MessageType::kAddedBefore:
        status = AddedBefore(m, out);
        break;
      case MessageType::kMovedBefore:
        status = MovedBefore(m, out);
        break;
      case MessageType::kReady:
        status = Ready(m, out);
        break;
      case MessageType::kNosub:
        status = Nosub(m, out);
        break;
      case MessageType::kResult:
        status = Result(m, out);
        break;
      case MessageType::kUpdated:
        status = Updated(m, out);
        break;
      case MessageType::kError:
        status = ServerError(m, out);
        break;
      case MessageType::kConnect:
      case MessageType::kSub:
      case MessageType::kUnsub:
      case MessageType::kMethod:
        return Bad("a client-to-server message type, not one a server sends");
      case MessageType::kNone:
        return Bad("unknown message type");
    }
    return status;
  }

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
    RETURN_IF_ERROR(RequireString(m.collection, "collection", &out->collection));
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
    // The fast parser reads no such frame (it declines every '$' key but "$date").
    if (parsed_fast_) return absl::OkStatus();
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
    RETURN_IF_ERROR(CheckUserTypes(fields, name));
    bool rebuild = !skip_key.empty();
    static const query::FieldKey* const kUnderscoreId = new query::FieldKey("_id");
    if (auto underscore_id = fields.Find(*kUnderscoreId)) {
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
    ASSIGN_OR_RETURN(Value plain, PlainMember("error", *m.error));
    if (!plain.IsObject() && !plain.IsString()) {
      return Bad("\"error\" must be an Error object (or a OneOffice string)");
    }
    out->error = std::move(plain);
    return absl::OkStatus();
  }

  absl::Status Connected(const Members& m, ServerMessage* out) const {
    RETURN_IF_ERROR(RequireString(m.session, "session", &out->session));
    return absl::OkStatus();
  }

  absl::Status Failed(const Members& m, ServerMessage* out) const {
    RETURN_IF_ERROR(RequireString(m.version, "version", &out->version));
    return absl::OkStatus();
  }

  absl::Status PingPong(const Members& m, ServerMessage* out) const {
    if (m.id) {
      if (!m.id->IsString()) {
        return Bad(fmt::format("\"id\" must be a string, not {}", Article(*m.id)));
      }
      out->message_id = std::string(m.id->AsString());
    }
    return absl::OkStatus();
  }

  absl::Status Added(const Members& m, ServerMessage* out) const {
    RETURN_IF_ERROR(Collection(m, out));
    if (m.id) {  // DDP 1: a "data" member is just an unknown field
      RETURN_IF_ERROR(StringId(m, out));
      RETURN_IF_ERROR(OptionalFields(m, out));
      return absl::OkStatus();
    }
    if (!m.data) return Bad("missing \"id\" (DDP 1) or \"data\" with an \"id\" (OneOffice)");
    return OneOfficeData(m, out);
  }

  // OneOffice added/updated: {"collection": C, "data": {"id": X, ...fields}}.
  absl::Status OneOfficeData(const Members& m, ServerMessage* out) const {
    out->dialect = Dialect::kOneOffice;
    if (!m.data->IsObject()) {
      return Bad(fmt::format("\"data\" must be an object, not {}", Article(*m.data)));
    }
    RETURN_IF_ERROR(AnyId(m.data->Find("id"), "data.id", out));
    RETURN_IF_ERROR(SetFields(*m.data, "data", "id", out));
    return absl::OkStatus();
  }

  absl::Status Changed(const Members& m, ServerMessage* out) const {
    RETURN_IF_ERROR(Collection(m, out));
    RETURN_IF_ERROR(StringId(m, out));
    RETURN_IF_ERROR(OptionalFields(m, out));
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
        out->cleared.push_back(name);
        if (out->fields.Find(name)) {
          out->warnings.push_back(
              fmt::format("field \"{}\" is both set and cleared; cleared wins", name));
        }
      }
    }
    return absl::OkStatus();
  }

  absl::Status Removed(const Members& m, ServerMessage* out) const {
    RETURN_IF_ERROR(Collection(m, out));
    RETURN_IF_ERROR(AnyId(m.id, "id", out));
    if (!out->id.IsString()) out->dialect = Dialect::kOneOffice;
    return absl::OkStatus();
  }

  absl::Status AddedBefore(const Members& m, ServerMessage* out) const {
    RETURN_IF_ERROR(Collection(m, out));
    RETURN_IF_ERROR(StringId(m, out));
    RETURN_IF_ERROR(OptionalFields(m, out));
    RETURN_IF_ERROR(Before(m, out));
    return absl::OkStatus();
  }

  absl::Status MovedBefore(const Members& m, ServerMessage* out) const {
    RETURN_IF_ERROR(Collection(m, out));
    RETURN_IF_ERROR(StringId(m, out));
    RETURN_IF_ERROR(Before(m, out));
    if (out->before && out->before->AsString() == out->id.AsString()) {
      return Bad("\"before\" names the document being moved");
    }
    out->fields = EmptyObject().view();
    return absl::OkStatus();
  }

  absl::Status Ready(const Members& m, ServerMessage* out) const {
    if (m.subs) {
      RETURN_IF_ERROR(StringList(*m.subs, "subs", &out->ids));
      return absl::OkStatus();
    }
    if (!m.id) return Bad("missing \"subs\" (DDP 1) or \"id\" (OneOffice)");
    out->dialect = Dialect::kOneOffice;
    RETURN_IF_ERROR(MessageId(m.id, out));
    out->ids.emplace_back(*out->message_id);
    return absl::OkStatus();
  }

  absl::Status Nosub(const Members& m, ServerMessage* out) const {
    RETURN_IF_ERROR(MessageId(m.id, out));
    RETURN_IF_ERROR(Error(m, out));
    return absl::OkStatus();
  }

  absl::Status Result(const Members& m, ServerMessage* out) const {
    RETURN_IF_ERROR(MessageId(m.id, out));
    RETURN_IF_ERROR(Error(m, out));
    if (out->error && out->error->IsString()) out->dialect = Dialect::kOneOffice;
    if (m.result) {
      RETURN_IF_ERROR(CheckUserTypes(*m.result, "result"));
      out->result = *m.result;
    }
    return absl::OkStatus();
  }

  absl::Status Updated(const Members& m, ServerMessage* out) const {
    if (m.methods) {
      RETURN_IF_ERROR(StringList(*m.methods, "methods", &out->ids));
      return absl::OkStatus();
    }
    if (!m.collection && !m.data) {
      return Bad("neither \"methods\" (DDP 1) nor \"collection\"/\"data\" (OneOffice)");
    }
    RETURN_IF_ERROR(Collection(m, out));
    if (!m.data) return Bad("missing \"data\" (OneOffice field update)");
    return OneOfficeData(m, out);
  }

  absl::Status ServerError(const Members& m, ServerMessage* out) const {
    RETURN_IF_ERROR(RequireString(m.reason, "reason", &out->reason));
    if (m.offending) {
      ASSIGN_OR_RETURN(out->offending_message, PlainMember("offendingMessage", *m.offending));
    }
    return absl::OkStatus();
  }

  std::string_view text_;
  uint64_t frame_number_;
  bool parsed_fast_ = false;  // the frame was read by internal::FrameParser
  std::string type_name_storage_;  // the "msg" of a frame that did not decode
  std::string_view type_name_;
};

}  // namespace

absl::StatusOr<ServerMessage> DecodeServerFrame(std::string_view text, uint64_t frame_number) {
  // One parser per thread: its buffers keep their capacity from frame to frame.
  thread_local internal::FrameParser parser;
  return ServerDecoder(text, frame_number).Run(&parser, /*own=*/true);
}

namespace internal {

absl::StatusOr<ServerMessage> DecodeServerFrameReusing(std::string_view text,
                                                       uint64_t frame_number,
                                                       FrameParser* parser) {
  return ServerDecoder(text, frame_number).Run(parser, /*own=*/false);
}

}  // namespace internal
}  // namespace minimongo::ddp
