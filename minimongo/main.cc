// The `minimongo` command-line tool. Subcommands:
//   minimongo ejson FILE.jsonl   parse each line as EJSON and print it back in canonical form
// Exit status: 0 success, 1 bad input, 2 usage error.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "fmt/format.h"
#include "query/ejson.h"

namespace {

constexpr std::string_view kUsage =
    "usage: minimongo <command> [args]\n"
    "commands:\n"
    "  ejson FILE.jsonl   print each EJSON line of FILE in canonical Meteor EJSON\n"
    "run 'minimongo <command> --help' for a command's options\n";

constexpr std::string_view kEjsonUsage =
    "usage: minimongo ejson FILE.jsonl\n"
    "Parses each non-blank line of FILE (\"-\" for stdin) as EJSON and prints it back in\n"
    "canonical Meteor EJSON. A bad line is reported on stderr as 'line N: reason' and makes the\n"
    "exit status 1; the other lines are still printed.\n";

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
  if (command == "ejson") return RunEjson(argc - 2, argv + 2);
  std::fprintf(stderr, "minimongo: unknown command '%s'\n%s", argv[1], kUsage.data());
  return 2;
}
