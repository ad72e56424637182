#include "ddp_sync/replay.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <utility>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "ddp_sync/internal/json_text.h"
#include "query/ejson.h"
#include "query/value_order.h"

namespace minimongo::ddp {

using query::Type;
using query::Value;
using query::ValueView;

namespace {

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

// The exact text of member `key` of the JSON object `line`, when present.
std::optional<std::string_view> MemberText(std::string_view line, std::string_view key) {
  std::vector<internal::MemberSpan> members;
  if (!internal::ScanMembers(line, &members)) return std::nullopt;
  std::optional<std::string_view> found;
  for (const internal::MemberSpan& m : members) {
    if (m.key == key) found = m.value;  // the last one, as JSON.parse would
  }
  return found;
}

// Splits a SockJS server message into its frames: "a[...]" holds frames, "o", "h" and
// "c[...]" none. Anything else is one plain WebSocket frame.
std::vector<std::string> SockJsReceived(const std::string& data) {
  if (data == "o" || data == "h" || (data.size() > 1 && data[0] == 'c' && data[1] == '[')) {
    return {};
  }
  if (data.size() > 1 && data[0] == 'a' && data[1] == '[') {
    nlohmann::json frames = nlohmann::json::parse(data.begin() + 1, data.end(), nullptr, false);
    if (frames.is_array() &&
        std::all_of(frames.begin(), frames.end(), [](const auto& f) { return f.is_string(); })) {
      std::vector<std::string> out;
      for (const auto& f : frames) out.push_back(f.get<std::string>());
      return out;
    }
  }
  return {data};
}

// A SockJS client message is a JSON array of frame strings; a DDP client never sends a JSON
// array as a frame, so anything else is one plain WebSocket frame.
std::vector<std::string> SockJsSent(const std::string& data) {
  if (!data.empty() && data[0] == '[') {
    nlohmann::json frames = nlohmann::json::parse(data, nullptr, false);
    if (frames.is_array() && !frames.empty() &&
        std::all_of(frames.begin(), frames.end(), [](const auto& f) { return f.is_string(); })) {
      std::vector<std::string> out;
      for (const auto& f : frames) out.push_back(f.get<std::string>());
      return out;
    }
  }
  return {data};
}

// JavaScript's Number.prototype.toString for a finite double (ECMA-262 Number::toString):
// the shortest round-trip digits, positioned by the exponent rules.
std::string JsNumber(double d) {
  if (d == 0) return "0";
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string_view sci(buf, r.ptr - buf);  // [-]d[.ddd]e[+-]xx
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.remove_prefix(1);
  }
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = 0;
  std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+'), sci.data() + sci.size(), exponent);
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;  // the decimal point sits after n digits
  std::string out = sign;
  if (k <= n && n <= 21) {
    out += digits + std::string(n - k, '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, n) + "." + digits.substr(n);
  } else if (-6 < n && n <= 0) {
    out += "0." + std::string(-n, '0') + digits;
  } else {
    out += digits.substr(0, 1);
    if (k > 1) out += "." + digits.substr(1);
    out += fmt::format("e{}{}", n - 1 >= 0 ? "+" : "-", std::abs(n - 1));
  }
  return out;
}

std::u16string ToUtf16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c >> 5) == 6 && i + 1 < s.size()) {
      cp = ((c & 0x1f) << 6) | (s[i + 1] & 0x3f);
      len = 2;
    } else if ((c >> 4) == 14 && i + 2 < s.size()) {
      cp = ((c & 0x0f) << 12) | ((s[i + 1] & 0x3f) << 6) | (s[i + 2] & 0x3f);
      len = 3;
    } else if ((c >> 3) == 30 && i + 3 < s.size()) {
      cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3f) << 12) | ((s[i + 2] & 0x3f) << 6) |
           (s[i + 3] & 0x3f);
      len = 4;
    } else {
      cp = 0xfffd;  // stored strings are valid UTF-8; keep going on anything else
      len = 1;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xd800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += len;
  }
  return out;
}

void AppendEjsonText(ValueView v, std::string* out) {
  query::EjsonOptions options;
  options.escape_extended_forms = false;
  query::AppendEjson(v, out, options);
}

void AppendQuoted(std::string_view s, std::string* out) {
  query::AppendEjson(Value::String(s).view(), out);
}

}  // namespace

std::string IdString(ValueView id) {
  switch (id.type()) {
    case Type::kString:
      return std::string(id.AsString());
    case Type::kInt32:
      return fmt::format("{}", id.AsInt32());
    case Type::kInt64:
      return fmt::format("{}", id.AsInt64());
    case Type::kDouble:
      return JsNumber(id.AsDouble());
    default: {
      std::string out;
      AppendEjsonText(id, &out);
      return out;
    }
  }
}

bool Utf16Less(std::string_view a, std::string_view b) {
  // Plain byte order agrees with UTF-16 order except around supplementary characters, so
  // convert only when one of the strings has a 4-byte sequence.
  auto has_supplementary = [](std::string_view s) {
    return std::any_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) >= 0xf0; });
  };
  if (!has_supplementary(a) && !has_supplementary(b)) return a < b;
  return ToUtf16(a) < ToUtf16(b);
}

// ---------------------------------------------------------------------------------------------
// Readers

absl::StatusOr<std::vector<RecordedFrame>> ReadFixture(std::string_view text) {
  std::vector<RecordedFrame> out;
  uint64_t line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    auto bad = [&](std::string_view problem) {
      return absl::InvalidArgumentError(fmt::format("line {}: {}", line_number, problem));
    };
    nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
    auto dir = j.find("dir");
    if (dir == j.end() || !dir->is_string()) return bad("missing \"dir\" (\"recv\" or \"send\")");
    RecordedFrame frame;
    frame.number = line_number;
    frame.batch = line_number;
    if (*dir == "recv") {
      frame.direction = RecordedFrame::Direction::kReceived;
    } else if (*dir == "send") {
      frame.direction = RecordedFrame::Direction::kSent;
    } else {
      return bad("\"dir\" must be \"recv\" or \"send\"");
    }
    if (auto raw = j.find("raw"); raw != j.end()) {
      if (!raw->is_string()) return bad("\"raw\" must be a string");
      frame.text = raw->get<std::string>();
    } else if (std::optional<std::string_view> msg = MemberText(line, "msg")) {
      frame.text = std::string(*msg);
    } else {
      return bad("missing \"msg\" or \"raw\"");
    }
    out.push_back(std::move(frame));
  }
  return out;
}

absl::StatusOr<std::vector<RecordedFrame>> ReadHar(std::string_view text) {
  nlohmann::json har = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (har.is_discarded() || !har.is_object()) {
    return absl::InvalidArgumentError("har: not a JSON object");
  }
  auto log = har.find("log");
  if (log == har.end() || !log->is_object()) {
    return absl::InvalidArgumentError("har: missing \"log\" object");
  }
  auto entries = log->find("entries");
  if (entries == log->end() || !entries->is_array()) {
    return absl::InvalidArgumentError("har: missing \"log.entries\" array");
  }
  std::vector<RecordedFrame> out;
  uint64_t number = 0;
  uint64_t batch = 0;
  bool first_connection = true;
  for (size_t e = 0; e < entries->size(); ++e) {
    const nlohmann::json& entry = (*entries)[e];
    if (!entry.is_object()) continue;
    auto messages = entry.find("_webSocketMessages");
    if (messages == entry.end() || !messages->is_array()) continue;
    bool new_connection = !first_connection;
    first_connection = false;
    for (size_t i = 0; i < messages->size(); ++i) {
      const nlohmann::json& m = (*messages)[i];
      auto bad = [&](std::string_view problem) {
        return absl::InvalidArgumentError(
            fmt::format("har: entry {} websocket message {}: {}", e + 1, i + 1, problem));
      };
      if (!m.is_object()) return bad("not an object");
      auto type = m.find("type");
      auto data = m.find("data");
      if (type == m.end() || !type->is_string()) return bad("missing \"type\"");
      if (data == m.end() || !data->is_string()) return bad("missing \"data\" string");
      auto opcode = m.find("opcode");
      if (opcode != m.end() && opcode->is_number() && opcode->get<int>() != 1) continue;
      bool received = *type == "receive";
      if (!received && *type != "send") return bad("\"type\" must be \"receive\" or \"send\"");
      const std::string& payload = data->get_ref<const std::string&>();
      std::vector<std::string> frames = received ? SockJsReceived(payload) : SockJsSent(payload);
      ++batch;
      for (std::string& f : frames) {
        RecordedFrame frame;
        frame.direction =
            received ? RecordedFrame::Direction::kReceived : RecordedFrame::Direction::kSent;
        frame.number = ++number;
        frame.text = std::move(f);
        frame.batch = batch;
        frame.new_connection = new_connection;
        new_connection = false;
        out.push_back(std::move(frame));
      }
    }
  }
  return out;
}

absl::StatusOr<std::vector<RecordedFrame>> ReadRecording(std::string_view text) {
  size_t i = text.find_first_not_of(" \t\r\n");
  if (i != std::string_view::npos && text[i] == '{') {
    // A fixture line is also an object; a HAR file is one object with "log".
    size_t end = text.find('\n', i);
    std::string_view first = text.substr(i, end == std::string_view::npos ? text.npos : end - i);
    nlohmann::json j = nlohmann::json::parse(first.begin(), first.end(), nullptr, false);
    bool fixture_line = !j.is_discarded() && j.is_object() && j.contains("dir");
    if (!fixture_line) {
      nlohmann::json whole = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
      if (!whole.is_discarded() && whole.is_object() && whole.contains("log")) return ReadHar(text);
    }
  }
  return ReadFixture(text);
}

// ---------------------------------------------------------------------------------------------
// The driver

Replayer::Replayer(Database* db) {
  SessionOptions options;
  options.heartbeat_interval_ms = 0;
  options.now_millis = [] { return int64_t{0}; };
  options.id_seed = 1;
  options.on_event = [this](const SessionEvent& e) {
    switch (e.kind) {
      case EventKind::kRejected:
        rejected_.push_back({e.frame, Msg(e.status)});
        break;
      case EventKind::kWarning:
        warnings_.push_back({e.frame, e.message});
        break;
      case EventKind::kIgnored:
        ignored_.push_back({e.frame, e.message});
        break;
      case EventKind::kServerError:
        server_errors_.push_back({e.frame, e.message});
        break;
      case EventKind::kConnected:
        connected_.push_back({e.frame, e.id});
        break;
      case EventKind::kFailed:
        failed_.push_back({e.frame, e.id});
        break;
      default:
        break;
    }
  };
  session_ = std::make_unique<Session>(db, std::move(options));
}

void Replayer::Run(std::span<const RecordedFrame> frames) {
  size_t i = 0;
  while (i < frames.size()) {
    const RecordedFrame& frame = frames[i];
    if (frame.new_connection) session_->OnDisconnected();
    if (frame.direction == RecordedFrame::Direction::kSent) {
      // A frame the recording's client sent: bad ones are its business, not a rejection.
      (void)session_->RecordSent(frame.text, frame.number);
      ++i;
      continue;
    }
    size_t end = i + 1;
    while (end < frames.size() && frames[end].direction == frame.direction &&
           frames[end].batch == frame.batch && !frames[end].new_connection &&
           frames[end].number == frames[end - 1].number + 1) {
      ++end;
    }
    std::vector<std::string_view> texts;
    texts.reserve(end - i);
    for (size_t k = i; k < end; ++k) texts.push_back(frames[k].text);
    (void)session_->ReceiveBatch(texts, frame.number);
    for (std::string& out : session_->TakeOutgoing()) {
      produced_.push_back({frames[end - 1].number, std::move(out)});
    }
    i = end;
  }
}

std::vector<uint64_t> Replayer::RejectedFrames() const {
  std::vector<uint64_t> out;
  for (const FrameNote& note : rejected_) out.push_back(note.frame);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The state writer

std::string StateJson(const Session& session, std::span<const uint64_t> rejected) {
  std::string out = "{\n  \"collections\": {";
  bool first_collection = true;
  for (const std::string& name : session.collections()) {
    out.append(first_collection ? "\n    " : ",\n    ");
    first_collection = false;
    AppendQuoted(name, &out);
    out.append(": [");
    struct Keyed {
      std::string key;
      Value doc;
    };
    std::vector<Keyed> docs;
    if (const Collection* c = session.database().FindCollection(name)) {
      c->ForEachDocument([&](const Value& doc) {
        docs.push_back({IdString(DocumentId(doc.view())), doc});
      });
    }
    std::stable_sort(docs.begin(), docs.end(),
                     [](const Keyed& a, const Keyed& b) { return Utf16Less(a.key, b.key); });
    for (size_t i = 0; i < docs.size(); ++i) {
      out.append(i == 0 ? "\n      " : ",\n      ");
      AppendEjsonText(docs[i].doc.view(), &out);
    }
    out.append(docs.empty() ? "]" : "\n    ]");
  }
  out.append(first_collection ? "},\n" : "\n  },\n");

  out.append("  \"ready\": [");
  for (size_t i = 0; i < session.ready_history().size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendQuoted(session.ready_history()[i], &out);
  }
  out.append("],\n  \"nosub\": [");
  for (size_t i = 0; i < session.nosub_history().size(); ++i) {
    const NosubRecord& r = session.nosub_history()[i];
    out.append(i == 0 ? "\n    {\"id\":" : ",\n    {\"id\":");
    AppendQuoted(r.id, &out);
    if (r.error) {
      out.append(",\"error\":");
      AppendPlainJson(r.error->view(), &out);
    }
    out.push_back('}');
  }
  out.append(session.nosub_history().empty() ? "],\n" : "\n  ],\n");

  out.append("  \"results\": {");
  bool first_result = true;
  std::set<std::string_view> written;  // a recording may reuse a method id
  for (const std::string& id : session.result_order()) {
    const MethodCall* call = session.FindMethod(id);
    if (call == nullptr || call->state != MethodCall::State::kReturned) continue;
    if (!written.insert(id).second) continue;
    out.append(first_result ? "\n    " : ",\n    ");
    first_result = false;
    AppendQuoted(id, &out);
    out.append(": {");
    if (call->error) {
      out.append("\"error\":");
      AppendPlainJson(call->error->view(), &out);
    } else if (call->result) {
      out.append("\"result\":");
      AppendEjsonText(call->result->view(), &out);
    }
    out.push_back('}');
  }
  out.append(first_result ? "},\n" : "\n  },\n");

  out.append("  \"rejected\": [");
  for (size_t i = 0; i < rejected.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(fmt::format("{}", rejected[i]));
  }
  out.append("]\n}\n");
  return out;
}

}  // namespace minimongo::ddp
