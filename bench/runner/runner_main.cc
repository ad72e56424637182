// run_workload: loads the generated workload and prints the figures of
// /work/shared/workload/WORKLOAD.md (see bench/README.md).
//
//   run_workload --size N [--dir DIR] [--seed S] [--reps R] [--json] ...
//
// Exit status: 0 on success, 1 when the workload cannot be read or is rejected, 2 on a usage error.

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "bench/runner/workload_runner.h"
#include "bench/workload/workload.h"
#include "fmt/format.h"

namespace {

using minimongo::bench::LiveFigures;
using minimongo::bench::MainFigures;
using minimongo::bench::RunOptions;
using minimongo::bench::WorkloadText;

constexpr std::string_view kUsage =
    "usage: run_workload --size N[,N...] [--dir DIR] [--seed S] [--reps R] [--json]\n"
    "                    [--phases main,live] [--observers K[,K...]] [--min-query-ms MS]\n"
    "                    [--quiet]\n"
    "\n"
    "Loads the benchmark workload of collection size N and measures it (medians of R\n"
    "repetitions). Progress goes to stderr, the results to stdout.\n"
    "\n"
    "  --size N        collection sizes, comma-separated (e.g. 10000,100000)\n"
    "  --dir DIR       read files-N.jsonl, updates-N.jsonl, ddp-N.jsonl,\n"
    "                  live-updates-N.jsonl, observers.json, queries.json from DIR (as\n"
    "                  written by bench/workload:generate); without it the same text is\n"
    "                  generated in memory\n"
    "  --seed S        seed of the generated workload (default 1; ignored with --dir)\n"
    "  --reps R        repetitions of every measurement, at least 5 (default 5)\n"
    "  --json          print one JSON object per phase instead of the tables\n"
    "  --phases LIST   main, live or both (default main,live)\n"
    "  --observers LIST  observer counts of the live phase (default 1000,10000)\n"
    "  --min-query-ms MS  minimum time of one repetition of a query (default 100)\n"
    "  --quiet         no progress on stderr\n"
    "  --help          print this help\n";

std::optional<uint64_t> ParseUint(std::string_view text) {
  uint64_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return v;
}

std::optional<std::vector<uint64_t>> ParseUintList(std::string_view text) {
  std::vector<uint64_t> out;
  while (true) {
    size_t comma = text.find(',');
    std::optional<uint64_t> v = ParseUint(text.substr(0, comma));
    if (!v) return std::nullopt;
    out.push_back(*v);
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

int UsageError(const std::string& message) {
  fmt::print(stderr, "run_workload: {}\n{}", message, kUsage);
  return 2;
}

int Failure(const absl::Status& status) {
  fmt::print(stderr, "run_workload: {}\n", std::string(status.message()));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<uint64_t> sizes;
  std::optional<std::string> dir;
  uint64_t seed = minimongo::bench::kDefaultSeed;
  uint64_t reps = 5;
  bool json = false;
  bool quiet = false;
  bool run_main = true;
  bool run_live = true;
  std::vector<uint64_t> observer_counts = {1'000, 10'000};
  double min_query_ms = 100;

  for (int a = 1; a < argc; ++a) {
    std::string_view arg = argv[a];
    if (arg == "--help" || arg == "-h") {
      fmt::print("{}", kUsage);
      return 0;
    }
    if (arg == "--json") {
      json = true;
      continue;
    }
    if (arg == "--quiet") {
      quiet = true;
      continue;
    }
    // Accept both "--flag value" and "--flag=value".
    std::string_view flag = arg;
    std::optional<std::string_view> value;
    if (size_t eq = arg.find('='); arg.substr(0, 2) == "--" && eq != std::string_view::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    if (flag != "--size" && flag != "--dir" && flag != "--seed" && flag != "--reps" &&
        flag != "--phases" && flag != "--observers" && flag != "--min-query-ms") {
      return UsageError(fmt::format("unknown argument \"{}\"", arg));
    }
    if (!value) {
      if (a + 1 >= argc) return UsageError(fmt::format("{} needs a value", flag));
      value = argv[++a];
    }
    if (flag == "--dir") {
      if (value->empty()) return UsageError("--dir needs a directory");
      dir = std::string(*value);
    } else if (flag == "--size") {
      std::optional<std::vector<uint64_t>> list = ParseUintList(*value);
      if (!list) return UsageError(fmt::format("--size needs numbers, got \"{}\"", *value));
      for (uint64_t n : *list) {
        if (n == 0) return UsageError("--size must be at least 1");
      }
      sizes.insert(sizes.end(), list->begin(), list->end());
    } else if (flag == "--seed") {
      std::optional<uint64_t> v = ParseUint(*value);
      if (!v) return UsageError(fmt::format("--seed needs a number, got \"{}\"", *value));
      seed = *v;
    } else if (flag == "--reps") {
      std::optional<uint64_t> v = ParseUint(*value);
      if (!v || *v < 5 || *v > 1000) {
        return UsageError(fmt::format("--reps needs a number in 5..1000, got \"{}\"", *value));
      }
      reps = *v;
    } else if (flag == "--observers") {
      std::optional<std::vector<uint64_t>> list = ParseUintList(*value);
      if (!list) return UsageError(fmt::format("--observers needs numbers, got \"{}\"", *value));
      observer_counts = *list;
    } else if (flag == "--min-query-ms") {
      std::optional<uint64_t> v = ParseUint(*value);
      if (!v) return UsageError(fmt::format("--min-query-ms needs a number, got \"{}\"", *value));
      min_query_ms = static_cast<double>(*v);
    } else {  // --phases
      run_main = run_live = false;
      std::string_view list = *value;
      while (true) {
        size_t comma = list.find(',');
        std::string_view phase = list.substr(0, comma);
        if (phase == "main") {
          run_main = true;
        } else if (phase == "live") {
          run_live = true;
        } else {
          return UsageError(fmt::format("unknown phase \"{}\" (main, live)", phase));
        }
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
      }
    }
  }
  if (sizes.empty()) return UsageError("--size is required");

  RunOptions options;
  options.repetitions = static_cast<int>(reps);
  options.min_query_ms = min_query_ms;
  if (!quiet) {
    options.progress = [](std::string_view message) {
      fmt::print(stderr, "{}\n", message);
      std::fflush(stderr);
    };
  }

  for (uint64_t n : sizes) {
    WorkloadText text;
    if (dir) {
      absl::StatusOr<WorkloadText> read = minimongo::bench::ReadWorkload(*dir, n);
      if (!read.ok()) return Failure(read.status());
      text = *std::move(read);
    } else {
      text = minimongo::bench::GenerateWorkload(seed, n);
    }
    if (run_main) {
      absl::StatusOr<MainFigures> figures = minimongo::bench::RunMainPhase(text, options);
      if (!figures.ok()) return Failure(figures.status());
      if (json) {
        fmt::print("{}\n", minimongo::bench::MainJson(*figures));
      } else {
        fmt::print("{}\n", minimongo::bench::MainTable(*figures));
      }
      std::fflush(stdout);
    }
    if (run_live) {
      std::vector<LiveFigures> live;
      for (uint64_t k : observer_counts) {
        absl::StatusOr<LiveFigures> figures = minimongo::bench::RunLivePhase(text, k, options);
        if (!figures.ok()) return Failure(figures.status());
        if (json) {
          fmt::print("{}\n", minimongo::bench::LiveJson(*figures));
          std::fflush(stdout);
        }
        live.push_back(*figures);
      }
      if (!json) fmt::print("{}\n", minimongo::bench::LiveTable(live));
      std::fflush(stdout);
    }
  }
  return 0;
}
