// Client-to-server frames (frame.h): DecodeClientFrame, the builders of the frames a client
// sends, and AppendPlainJson. Server frames are decoded in server_frame.cc.

#include "ddp_sync/frame.h"

#include <cstring>
#include <utility>

#include "fmt/format.h"
#include "ddp_sync/internal/frame_decoding.h"
#include "query/ejson.h"

namespace minimongo::ddp {

using query::Field;
using query::Value;
using query::ValueView;

using internal::Article;
using internal::CollectMembers;
using internal::Members;
using internal::Msg;
using internal::ParseFrame;
using internal::TypeFromName;

namespace {

void AppendString(std::string_view s, std::string* out) {
  query::AppendEjson(Value::String(s).view(), out);
}

void AppendEjsonValue(ValueView v, std::string* out) {
  query::EjsonOptions options;
  options.escape_extended_forms = false;
  query::AppendEjson(v, out, options);
}

}  // namespace

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
