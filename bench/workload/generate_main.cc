// generate: writes the benchmark workload files for one seed and collection size.
//
//   generate --seed S --size N --out DIR
//
// Exit status: 0 on success, 1 if a file cannot be written, 2 on a usage error.

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "absl/status/status.h"
#include "fmt/format.h"
#include "bench/workload/workload.h"

namespace {

constexpr std::string_view kUsage =
    "usage: generate --seed S --size N --out DIR\n"
    "\n"
    "Writes the benchmark workload for collection size N into DIR (created if missing):\n"
    "  files-N.jsonl         N documents of the files collection\n"
    "  updates-N.jsonl       100,000 $set updates on existing documents\n"
    "  ddp-N.jsonl           200,000 DDP server messages (changed/added/removed)\n"
    "  live-updates-N.jsonl  100,000 $set updates for the live-query benchmark\n"
    "  observers.json        10,000 live queries\n"
    "  queries.json          the one-shot queries, id_point resolved for seed S\n"
    "\n"
    "  --seed S   unsigned 64-bit seed (default 1); document i depends only on (S, i)\n"
    "  --size N   number of documents, at least 1 (e.g. 10000, 100000, 1000000)\n"
    "  --out DIR  output directory\n"
    "  --help     print this help\n";

std::optional<uint64_t> ParseUint(std::string_view text) {
  uint64_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return v;
}

int UsageError(const std::string& message) {
  fmt::print(stderr, "generate: {}\n{}", message, kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t seed = minimongo::bench::kDefaultSeed;
  std::optional<uint64_t> size;
  std::optional<std::string> out;
  for (int a = 1; a < argc; ++a) {
    std::string_view arg = argv[a];
    if (arg == "--help" || arg == "-h") {
      fmt::print("{}", kUsage);
      return 0;
    }
    // Accept both "--flag value" and "--flag=value".
    std::string_view flag = arg;
    std::optional<std::string_view> value;
    if (size_t eq = arg.find('='); arg.substr(0, 2) == "--" && eq != std::string_view::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    if (flag != "--seed" && flag != "--size" && flag != "--out") {
      return UsageError(fmt::format("unknown argument \"{}\"", arg));
    }
    if (!value) {
      if (a + 1 >= argc) return UsageError(fmt::format("{} needs a value", flag));
      value = argv[++a];
    }
    if (flag == "--out") {
      if (value->empty()) return UsageError("--out needs a directory");
      out = std::string(*value);
      continue;
    }
    std::optional<uint64_t> number = ParseUint(*value);
    if (!number) {
      return UsageError(fmt::format("{} needs an unsigned integer, got \"{}\"", flag, *value));
    }
    if (flag == "--seed") {
      seed = *number;
    } else {
      if (*number == 0) return UsageError("--size must be at least 1");
      size = *number;
    }
  }
  if (!size) return UsageError("missing --size");
  if (!out) return UsageError("missing --out");

  std::error_code ec;
  std::filesystem::create_directories(*out, ec);
  if (ec) {
    fmt::print(stderr, "generate: cannot create directory \"{}\": {}\n", *out, ec.message());
    return 1;
  }
  auto start = std::chrono::steady_clock::now();
  absl::Status s = minimongo::bench::WriteWorkload(seed, *size, *out);
  if (!s.ok()) {
    fmt::print(stderr, "generate: {}\n", s.ToString());
    return 1;
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print(stderr, "generate: wrote seed {} size {} into {} in {:.2f} s\n", seed, *size, *out,
             seconds);
  return 0;
}
