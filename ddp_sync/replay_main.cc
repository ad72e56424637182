// `minimongo replay`: the command-line face of replay.h. Lives in ddp_sync/ (not in
// minimongo/main.cc) so that the store's libraries never depend on the DDP layer, in its own
// target //ddp_sync:replay_main so that users of //ddp_sync do not link a CLI; the `minimongo`
// binary links it (see docs/ddp.md, "Dependency direction").

#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>

#include "fmt/format.h"
#include "ddp_sync/event_json.h"
#include "ddp_sync/replay.h"
#include "minimongo/observe.h"
#include "query/ejson.h"

namespace minimongo::ddp {
namespace {

constexpr std::string_view kUsage =
    "usage: minimongo replay FILE [--observe COLLECTION SELECTOR [--sort S] [--limit N]]\n"
    "Replays a recorded DDP session into an empty database and prints the client state as one\n"
    "JSON object: {\"collections\": {name: [documents sorted by String(_id)]}, \"ready\": [sub\n"
    "ids], \"nosub\": [{\"id\", \"error\"?}], \"results\": {method id: {\"result\"|\"error\"}},\n"
    "\"rejected\": [line numbers]}. Each rejected frame is reported on stderr as 'line N: reason'.\n"
    "FILE is a fixture JSONL file ({\"dir\":\"recv\"|\"send\",\"msg\":..} per line) or a HAR file\n"
    "exported from a browser (its WebSocket messages; N is then the message's position).\n"
    "--observe runs a live query on COLLECTION (SELECTOR, S: Mongo selector and sort spec in\n"
    "EJSON, N: a limit) during the replay and first prints its events, one JSON object per\n"
    "line: {\"event\":\"added\"|\"addedBefore\"|\"changed\"|\"movedBefore\"|\"removed\",\"id\":..}.\n"
    "With --sort or --limit the live query is ordered (addedBefore/movedBefore with \"before\").\n"
    "Exit status: 0 replayed (rejected frames included), 1 unreadable FILE or bad SELECTOR/S,\n"
    "2 usage error.\n";

bool ParseCount(std::string_view text, size_t* out) {
  if (text.empty() || text.size() > 18) return false;
  size_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  *out = n;
  return true;
}

}  // namespace

int RunReplayCommand(std::span<const std::string_view> args, std::ostream& out,
                     std::ostream& err) {
  for (std::string_view a : args) {
    if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    }
  }
  auto usage_error = [&](std::string_view problem) {
    if (!problem.empty()) err << "minimongo replay: " << problem << "\n";
    err << kUsage;
    return 2;
  };
  std::optional<std::string_view> file;
  std::optional<std::string_view> observe_collection, observe_selector, sort_text;
  std::optional<size_t> limit;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--observe") {
      if (i + 2 >= args.size()) return usage_error("--observe needs COLLECTION and SELECTOR");
      observe_collection = args[++i];
      observe_selector = args[++i];
    } else if (a == "--sort" || a == "--limit") {
      if (i + 1 >= args.size()) return usage_error(fmt::format("{} needs a value", a));
      std::string_view value = args[++i];
      if (a == "--sort") {
        sort_text = value;
      } else {
        size_t n;
        if (!ParseCount(value, &n)) {
          return usage_error(fmt::format("--limit needs a non-negative integer, not '{}'", value));
        }
        if (n > 0) limit = n;  // 0 means no limit, as in MongoDB
      }
    } else if (a.starts_with("--")) {
      return usage_error(fmt::format("unknown option {}", a));
    } else if (file) {
      return usage_error("one FILE only");
    } else {
      file = a;
    }
  }
  if (!file) return usage_error("");
  if ((sort_text || limit) && !observe_collection) {
    return usage_error("--sort and --limit go with --observe");
  }

  std::ifstream in{std::string(*file), std::ios::binary};
  if (!in) {
    err << fmt::format("minimongo replay: cannot open {}\n", *file);
    return 1;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  absl::StatusOr<std::vector<RecordedFrame>> frames = ReadRecording(text);
  if (!frames.ok()) {
    err << fmt::format("minimongo replay: {}: {}\n", *file, std::string(frames.status().message()));
    return 1;
  }

  Database db;
  ObserveHandle handle;
  if (observe_collection) {
    absl::StatusOr<query::Value> selector = query::ParseEjson(*observe_selector);
    if (!selector.ok()) {
      err << fmt::format("minimongo replay: selector: {}\n",
                         std::string(selector.status().message()));
      return 1;
    }
    ObserveOptions options;
    if (sort_text) {
      absl::StatusOr<query::Value> sort = query::ParseEjson(*sort_text);
      if (!sort.ok()) {
        err << fmt::format("minimongo replay: --sort: {}\n", std::string(sort.status().message()));
        return 1;
      }
      options.sort = *std::move(sort);
    }
    options.limit = limit;
    bool ordered = sort_text.has_value() || limit.has_value();
    auto print = [&out](std::string line) {
      line.push_back('\n');
      out << line;
    };
    absl::StatusOr<ObserveHandle> started =
        db.GetCollection(*observe_collection)
            .ObserveChanges(*selector, options, EventJsonCallbacks(ordered, print));
    if (!started.ok()) {
      err << fmt::format("minimongo replay: --observe: {}\n",
                         std::string(started.status().message()));
      return 1;
    }
    handle = *std::move(started);
  }

  Replayer replayer(&db);
  replayer.Run(*frames);
  handle.Stop();
  for (const FrameNote& note : replayer.rejected()) {
    err << fmt::format("line {}: {}\n", note.frame, note.text);
  }
  out << StateJson(replayer.session(), replayer.RejectedFrames());
  out.flush();
  return 0;
}

}  // namespace minimongo::ddp
