#include "ddp_transport/recorder.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace minimongo::ddp {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 (overlongs, surrogates and code
// points past U+10FFFF are invalid, as in RFC 3629).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    n = 2, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x20) {
      switch (c) {
        case '\n': out->append("\\n"); break;
        case '\r': out->append("\\r"); break;
        case '\t': out->append("\\t"); break;
        default: out->append(fmt::format("\\u{:04x}", c));
      }
      ++i;
    } else if (c < 0x80) {
      out->push_back(static_cast<char>(c));
      ++i;
    } else if (size_t n = Utf8SequenceLength(s, i); n > 0) {
      out->append(s.substr(i, n));
      i += n;
    } else {
      out->append("\\ufffd");
      ++i;
    }
  }
  out->push_back('"');
}

}  // namespace

std::string FixtureLine(bool received, std::string_view frame) {
  std::string line = received ? R"({"dir":"recv",)" : R"({"dir":"send",)";
  // Strict JSON check (nlohmann's parser is iterative, so deep nesting is not a stack risk);
  // it also rejects invalid UTF-8 inside strings.
  if (nlohmann::json::accept(frame)) {
    size_t begin = frame.find_first_not_of(" \t\r\n");
    size_t end = frame.find_last_not_of(" \t\r\n");
    std::string_view body = frame.substr(begin, end - begin + 1);
    line.append(R"("msg":)");
    size_t start = line.size();
    line.append(body);
    for (size_t i = start; i < line.size(); ++i) {
      if (line[i] == '\n' || line[i] == '\r') line[i] = ' ';
    }
  } else {
    line.append(R"("raw":)");
    AppendJsonString(frame, &line);
  }
  line.push_back('}');
  return line;
}

absl::StatusOr<std::unique_ptr<Recorder>> Recorder::Open(const std::string& path) {
  auto file = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
  if (!*file) {
    return absl::InvalidArgumentError(
        fmt::format("cannot create recording {}: {}", path, std::strerror(errno)));
  }
  auto recorder = std::make_unique<Recorder>(file.get());
  recorder->file_ = std::move(file);
  return recorder;
}

void Recorder::Write(bool received, std::string_view frame) {
  std::string line = FixtureLine(received, frame);
  line.push_back('\n');
  out_->write(line.data(), static_cast<std::streamsize>(line.size()));
  out_->flush();
  ++lines_;
  if (!*out_ && status_.ok()) status_ = absl::DataLossError("recording: write failed");
}

}  // namespace minimongo::ddp
