// The workload runner: loads one generated `files` collection and measures the figures of
// /work/shared/workload/WORKLOAD.md on it (see bench/README.md for what each figure means).
//
// A run has phases. The `main` phase measures, on one collection size n:
//   load       parse + insert of every line of files-n.jsonl into an empty collection (docs/s);
//              resident bytes per document (RSS delta around the load, after returning freed
//              heap to the system) and the store's own estimate (Collection::MemoryBytes() / n).
//              Each repetition runs in a forked child, so every one starts from the same heap.
//   queries    each query of queries.json through Collection::Find(...).Fetch(), compiled
//              every time as a caller would: result count, ns per collection document,
//              queries per second
//   updates    every line of updates-n.jsonl as Collection::Update({_id}, modifier), with no
//              observer (the lines are parsed before the clock starts)
//   ddp        every frame of ddp-n.jsonl through ddp::Session::Receive (parse + validate +
//              merge into the store), on a freshly loaded collection
// The `live` phase registers the first k observers of observers.json, then applies
// live-updates-n.jsonl: registration time, updates/s, callbacks per update.
//
// Every figure is the median of RunOptions::repetitions independent repetitions. A repetition
// that changes the collection starts from a freshly loaded one, so every repetition sees the
// same data. Timings use std::chrono::steady_clock.
//
// Thread safety: the functions are independent; each call uses its own collections. Run one
// at a time when measuring (they are single-threaded and compete for the same cores).
//
// Example:
//   absl::StatusOr<WorkloadText> text = ReadWorkload("/tmp/wl", 100'000);
//   absl::StatusOr<MainFigures> main = RunMainPhase(*text, {});
//   std::cout << MainTable(*main) << MainJson(*main) << "\n";

#ifndef MINIMONGO_BENCH_RUNNER_WORKLOAD_RUNNER_H_
#define MINIMONGO_BENCH_RUNNER_WORKLOAD_RUNNER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace minimongo::bench {

// The text of the workload files for one collection size, one record per element, without
// newlines. Both sources below give byte-identical text for the same (seed, size).
struct WorkloadText {
  uint64_t size = 0;
  std::vector<std::string> documents;     // files-<size>.jsonl
  std::vector<std::string> updates;       // updates-<size>.jsonl
  std::vector<std::string> ddp;           // ddp-<size>.jsonl
  std::vector<std::string> live_updates;  // live-updates-<size>.jsonl
  std::string observers;                  // observers.json
  std::string queries;                    // queries.json
};

// Reads the six files that `generate --size <size> --out <dir>` wrote.
// Errors: NotFound naming the file that cannot be opened, DataLoss when a read fails;
// InvalidArgument when files-<size>.jsonl does not have exactly `size` lines.
absl::StatusOr<WorkloadText> ReadWorkload(const std::string& dir, uint64_t size);

// Generates the same text in memory with //bench/workload. REQUIRES: size > 0.
WorkloadText GenerateWorkload(uint64_t seed, uint64_t size);

struct RunOptions {
  // Independent repetitions of every measurement; the median is reported. Default 5 (the
  // minimum the workload specification allows).
  int repetitions = 5;
  // Each repetition of a query runs it back to back until this much time has passed (at
  // least once) and reports the mean; short queries need many runs to be timed at all.
  // Default 100 ms: 15 queries * (5 repetitions + a warm-up) take about 8 s plus the slow scans.
  double min_query_ms = 100;
  // Receives a one-line progress message for each step of a long phase (no newline). Default:
  // none. The command line prints them on stderr.
  std::function<void(std::string_view)> progress;
};

struct QueryFigures {
  std::string name;
  size_t count = 0;         // results returned (after skip and limit)
  double ns_per_query = 0;  // median wall time of one Find + Fetch
  double ns_per_doc = 0;    // ns_per_query / collection size
  double qps = 0;           // 1e9 / ns_per_query
};

struct MainFigures {
  uint64_t n = 0;
  int repetitions = 0;
  double load_docs_per_s = 0;
  double bytes_per_doc = 0;           // resident (RSS) bytes per document
  double store_bytes_per_doc = 0;     // Collection::MemoryBytes() / n
  size_t huge_page_bytes = 0;         // heap on transparent huge pages once loaded (smaps)
  std::vector<QueryFigures> queries;  // in queries.json order
  double updates_ops_per_s = 0;       // Collection::Update, one call per update
  double bulk_updates_ops_per_s = 0;  // Collection::BulkUpdate, batches of 1,000
  std::optional<double> ddp_msgs_per_s;        // Session::Receive, one call per frame
  std::optional<double> ddp_batch_msgs_per_s;  // Session::ReceiveBatch, batches of 100
};

// Runs the main phase. Errors: InvalidArgument when a document, query, update or DDP frame of
// the workload is rejected (the message names the line), Internal when an update matches no
// document (the files do not belong together) or a load child process fails.
absl::StatusOr<MainFigures> RunMainPhase(const WorkloadText& text, const RunOptions& options);

struct LiveFigures {
  uint64_t n = 0;
  int repetitions = 0;
  size_t observers = 0;          // live queries registered
  double register_ms = 0;        // time to register all of them (initial results included)
  double updates_per_s = 0;      // live-updates applied per second with them registered
  double events_per_update = 0;  // observer callbacks run per update
};

// Runs the live phase with the first `observers` observers of observers.json (ordered
// observers, added_before/moved_before, for the sorted pages; unordered ones otherwise).
// Every callback counts as one event; the initial adds are part of the registration.
// Errors: InvalidArgument for a bad observer or update line, or `observers` beyond the file's
// count; Internal when an update matches no document.
absl::StatusOr<LiveFigures> RunLivePhase(const WorkloadText& text, size_t observers,
                                         const RunOptions& options);

// One JSON object (one line, no newline) with the keys of bench/README.md: n, phase ("main"),
// repetitions, huge_page_bytes, load.docs_per_s, bytes_per_doc, store_bytes_per_doc,
// queries.<name>.{count, ns_per_doc, qps, ns_per_query}, updates.ops_per_s, updates.bulk_ops_per_s,
// ddp.msgs_per_s, ddp.batch_msgs_per_s.
std::string MainJson(const MainFigures& figures);
// n, phase ("live"), repetitions, observers, register_ms, updates_per_s, events_per_update.
std::string LiveJson(const LiveFigures& figures);

// Human-readable tables (several lines, ending in a newline).
std::string MainTable(const MainFigures& figures);
std::string LiveTable(const std::vector<LiveFigures>& figures);

// The median of `samples` (the mean of the two middle ones for an even count); 0 when empty.
double Median(std::vector<double> samples);

}  // namespace minimongo::bench

#endif  // MINIMONGO_BENCH_RUNNER_WORKLOAD_RUNNER_H_
