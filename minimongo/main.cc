// The `minimongo` command-line tool. Subcommands:
//   minimongo batch              the conformance contract (../shared/conformance/BATCH.md)
//   minimongo find FILE SELECTOR [--sort S] [--skip N] [--limit N] [--fields P]
//   minimongo ejson FILE.jsonl   parse each line as EJSON and print it back in canonical form
//   minimongo replay FILE [--observe COLLECTION SELECTOR [--sort S] [--limit N]]
//                                replay a recorded DDP session (ddp_sync/replay.h)
//   minimongo connect URL --sub NAME [--observe COLLECTION SELECTOR] [--record FILE] ...
//                                live DDP client (ddp_transport/connect_main.h)
// Exit status: 0 success, 1 bad input, 2 usage error.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "fmt/format.h"
#include "ddp_sync/replay.h"
#include "ddp_transport/connect_main.h"
#include "minimongo/batch.h"
#include "minimongo/collection.h"
#include "query/ejson.h"

namespace {

constexpr std::string_view kUsage =
    "usage: minimongo <command> [args]\n"
    "commands:\n"
    "  batch              run JSONL conformance cases from stdin (see BATCH.md)\n"
    "  find FILE SELECTOR query an EJSON JSONL file and print the matches\n"
    "  ejson FILE.jsonl   print each EJSON line of FILE in canonical Meteor EJSON\n"
    "  replay FILE        replay a recorded DDP session and print the client state\n"
    "  connect URL        live DDP client over a WebSocket: subscribe, observe, record\n"
    "run 'minimongo <command> --help' for a command's options\n";

constexpr std::string_view kEjsonUsage =
    "usage: minimongo ejson FILE.jsonl\n"
    "Parses each non-blank line of FILE (\"-\" for stdin) as EJSON and prints it back in\n"
    "canonical Meteor EJSON. A bad line is reported on stderr as 'line N: reason' and makes the\n"
    "exit status 1; the other lines are still printed.\n";

constexpr std::string_view kBatchUsage =
    "usage: minimongo batch < CASES.jsonl\n"
    "Reads one JSON case per line on stdin ({\"op\": find|count|update|remove, \"docs\": [...],\n"
    "\"selector\", \"sort\", \"fields\", \"skip\", \"limit\", \"modifier\", \"options\"}), runs each\n"
    "against a fresh collection holding \"docs\", and writes one JSON result line per case:\n"
    "{\"docs\": [...]}, {\"n\": N}, {\"n\": N, \"docs\": [...]} or {\"error\": \"...\"}.\n";

constexpr std::string_view kFindUsage =
    "usage: minimongo find FILE.jsonl SELECTOR [--sort S] [--skip N] [--limit N] [--fields P]\n"
    "Loads FILE (one EJSON document per line, \"-\" for stdin) into a collection and prints the\n"
    "documents matching SELECTOR (a Mongo selector in EJSON, e.g. '{\"size\": {\"$gt\": 10}}'),\n"
    "one per line. S is a sort spec ('{\"name\": 1}'), P a projection ('{\"name\": 1}').\n"
    "Exit status: 0 on success, 1 on bad input (file, document, selector...), 2 on usage errors.\n";

int RunBatchCommand(int argc, char** argv) {
  if (argc == 1 && (std::string_view(argv[0]) == "--help" || std::string_view(argv[0]) == "-h")) {
    std::fputs(kBatchUsage.data(), stdout);
    return 0;
  }
  if (argc != 0) {
    std::fputs(kBatchUsage.data(), stderr);
    return 2;
  }
  std::ios::sync_with_stdio(false);
  minimongo::RunBatch(std::cin, std::cout);
  return 0;
}

void PrintError(std::string_view message) {
  std::string line = fmt::format("minimongo: {}\n", message);
  std::fputs(line.c_str(), stderr);
}

bool ParseCount(std::string_view text, size_t* out) {
  if (text.empty() || text.size() > 18) return false;
  size_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  *out = n;
  return true;
}

int RunFind(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
      std::fputs(kFindUsage.data(), stdout);
      return 0;
    }
  }
  std::vector<std::string_view> positional;
  std::string_view sort_text, fields_text;
  minimongo::FindOptions options;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--sort" || arg == "--skip" || arg == "--limit" || arg == "--fields") {
      if (i + 1 >= argc) {
        PrintError(fmt::format("{} needs a value", arg));
        std::fputs(kFindUsage.data(), stderr);
        return 2;
      }
      std::string_view value = argv[++i];
      if (arg == "--sort") {
        sort_text = value;
      } else if (arg == "--fields") {
        fields_text = value;
      } else {
        size_t n;
        if (!ParseCount(value, &n)) {
          PrintError(fmt::format("{} needs a non-negative integer, not '{}'", arg, value));
          return 2;
        }
        if (arg == "--skip") {
          options.skip = n;
        } else if (n > 0) {
          options.limit = n;  // --limit 0 means no limit, as in MongoDB
        }
      }
    } else if (arg.starts_with("--")) {
      PrintError(fmt::format("unknown option {}", arg));
      std::fputs(kFindUsage.data(), stderr);
      return 2;
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() != 2) {
    std::fputs(kFindUsage.data(), stderr);
    return 2;
  }
  auto parse_arg = [](std::string_view what, std::string_view text,
                      minimongo::query::Value* out) {
    auto v = minimongo::query::ParseEjson(text);
    if (!v.ok()) {
      PrintError(fmt::format("{}: {}", what, std::string(v.status().message())));
      return false;
    }
    *out = *std::move(v);
    return true;
  };
  minimongo::query::Value selector;
  if (!parse_arg("selector", positional[1], &selector)) return 1;
  if (!sort_text.empty() && !parse_arg("--sort", sort_text, &options.sort)) return 1;
  if (!fields_text.empty() && !parse_arg("--fields", fields_text, &options.projection)) return 1;

  std::ifstream file;
  std::istream* in = &std::cin;
  if (positional[0] != "-") {
    file.open(std::string(positional[0]));
    if (!file) {
      PrintError(fmt::format("cannot open {}", positional[0]));
      return 1;
    }
    in = &file;
  }
  minimongo::Collection collection("find");
  std::string line;
  size_t line_number = 0;
  while (std::getline(*in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto doc = minimongo::query::ParseEjson(line);
    absl::Status status = doc.status();
    if (doc.ok()) status = collection.Insert(*doc).status();
    if (!status.ok()) {
      PrintError(fmt::format("{} line {}: {}", positional[0], line_number,
                             std::string(status.message())));
      return 1;
    }
  }
  auto cursor = collection.Find(selector, options);
  if (!cursor.ok()) {
    PrintError(std::string(cursor.status().message()));
    return 1;
  }
  if (absl::Status checked = cursor->Check(); !checked.ok()) {
    PrintError(std::string(checked.message()));
    return 1;
  }
  std::string out;
  cursor->ForEach([&](const minimongo::query::Value& doc) {
    out.clear();
    minimongo::query::AppendEjson(doc.view(), &out);
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stdout);
  });
  return 0;
}

int RunEjson(int argc, char** argv) {
  if (argc != 1) {
    std::fputs(kEjsonUsage.data(), stderr);
    return 2;
  }
  std::string_view arg = argv[0];
  if (arg == "--help" || arg == "-h") {
    std::fputs(kEjsonUsage.data(), stdout);
    return 0;
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  if (arg != "-") {
    file.open(std::string(arg));
    if (!file) {
      std::fprintf(stderr, "minimongo ejson: cannot open %s\n", argv[0]);
      return 1;
    }
    in = &file;
  }
  int status = 0;
  std::string line;
  size_t line_number = 0;
  while (std::getline(*in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto value = minimongo::query::ParseEjson(line);
    if (!value.ok()) {
      std::fputs(fmt::format("line {}: {}\n", line_number, std::string(value.status().message())).c_str(),
                 stderr);
      status = 1;
      continue;
    }
    std::string out = minimongo::query::ToEjson(value->view());
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage.data(), stderr);
    return 2;
  }
  std::string_view command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage.data(), stdout);
    return 0;
  }
  if (command == "batch") return RunBatchCommand(argc - 2, argv + 2);
  if (command == "find") return RunFind(argc - 2, argv + 2);
  if (command == "ejson") return RunEjson(argc - 2, argv + 2);
  if (command == "connect") return minimongo::ddp::RunConnect(argc - 2, argv + 2);
  if (command == "replay") {
    // The DDP layer depends on the store, never the reverse: only this binary links both.
    std::ios::sync_with_stdio(false);
    std::vector<std::string_view> args(argv + 2, argv + argc);
    return minimongo::ddp::RunReplayCommand(args, std::cout, std::cerr);
  }
  std::fprintf(stderr, "minimongo: unknown command '%s'\n%s", argv[1], kUsage.data());
  return 2;
}
