#include "bench/runner/workload_runner.h"

#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <span>
#include <utility>

#include "absl/status/status.h"
#include "bench/workload/workload.h"
#include "ddp_sync/session.h"
#include "fmt/format.h"
#include "minimongo/collection.h"
#include "minimongo/database.h"
#include "minimongo/observe.h"
#include "nlohmann/json.hpp"
#include "query/ejson.h"
#include "query/value.h"

namespace minimongo::bench {
namespace {

using query::Value;
using query::ValueView;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void Progress(const RunOptions& options, const std::string& message) {
  if (options.progress) options.progress(message);
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(fmt::format("cannot open \"{}\"", path));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return absl::DataLossError(fmt::format("cannot read \"{}\"", path));
  return text;
}

absl::StatusOr<std::vector<std::string>> ReadLines(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text->size()) {
    size_t end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    if (end > start) lines.emplace_back(text->substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Resident set size of this process in bytes (/proc/self/statm, second field), 0 when unreadable.
size_t ResidentBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  int read = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (read != 2) return 0;
  return static_cast<size_t>(resident) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Bytes of this process's anonymous memory backed by transparent huge pages (AnonHugePages of
// /proc/self/smaps_rollup), 0 when unreadable. glibc's malloc uses them when the process runs
// with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (and THP is not "never"); see docs/store.md.
size_t HugePageBytes() {
  FILE* f = std::fopen("/proc/self/smaps_rollup", "r");
  if (f == nullptr) return 0;
  char line[256];
  size_t kb = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "AnonHugePages: %zu kB", &kb) == 1) break;
  }
  std::fclose(f);
  return kb * 1024;
}

absl::StatusOr<Value> ParseLine(std::string_view what, size_t line, std::string_view text) {
  absl::StatusOr<Value> v = query::ParseEjson(text);
  if (!v.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{} line {}: {}", what, line + 1, std::string(v.status().message())));
  }
  return v;
}

// Parses and inserts every document line into `c`.
absl::Status Load(const WorkloadText& text, Collection& c) {
  for (size_t i = 0; i < text.documents.size(); ++i) {
    absl::StatusOr<Value> doc = ParseLine("files", i, text.documents[i]);
    if (!doc.ok()) return doc.status();
    absl::StatusOr<Value> id = c.Insert(*doc);
    if (!id.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("files line {}: {}", i + 1, std::string(id.status().message())));
    }
  }
  return absl::OkStatus();
}

struct LoadSample {
  double seconds = 0;
  size_t resident_bytes = 0;
  size_t store_bytes = 0;
};

// Loads `text` into a new collection in this process: parse + insert time, RSS delta.
absl::StatusOr<LoadSample> MeasureLoad(const WorkloadText& text) {
  Collection files("files");
  malloc_trim(0);
  const size_t rss_before = ResidentBytes();
  Clock::time_point start = Clock::now();
  absl::Status loaded = Load(text, files);
  if (!loaded.ok()) return loaded;
  LoadSample sample;
  sample.seconds = SecondsSince(start);
  const size_t rss_after = ResidentBytes();
  sample.resident_bytes = rss_after - std::min(rss_before, rss_after);
  sample.store_bytes = files.MemoryBytes();
  return sample;
}

// MeasureLoad in a forked child that sends the sample back through a pipe and exits. Falls back to
// this process when fork or pipe fail.
absl::StatusOr<LoadSample> MeasureLoadInChild(const WorkloadText& text) {
  int fds[2];
  if (pipe(fds) != 0) return MeasureLoad(text);
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return MeasureLoad(text);
  }
  if (pid == 0) {
    close(fds[0]);
    absl::StatusOr<LoadSample> sample = MeasureLoad(text);
    std::string message;
    if (sample.ok()) {
      message =
          fmt::format("ok {} {} {}", sample->seconds, sample->resident_bytes, sample->store_bytes);
    } else {
      message = fmt::format("error {}", std::string(sample.status().message()));
    }
    size_t written = 0;
    while (written < message.size()) {
      ssize_t w = write(fds[1], message.data() + written, message.size() - written);
      if (w <= 0) break;
      written += static_cast<size_t>(w);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string message;
  char buffer[512];
  ssize_t r;
  while ((r = read(fds[0], buffer, sizeof buffer)) > 0)
    message.append(buffer, static_cast<size_t>(r));
  close(fds[0]);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  LoadSample sample;
  if (message.rfind("ok ", 0) == 0 &&
      std::sscanf(message.c_str() + 3, "%lf %zu %zu", &sample.seconds, &sample.resident_bytes,
                  &sample.store_bytes) == 3) {
    return sample;
  }
  if (message.rfind("error ", 0) == 0) return absl::InvalidArgumentError(message.substr(6));
  return absl::InternalError(fmt::format("load child process failed (wait status {})", wstatus));
}

struct Query {
  std::string name;
  Value selector;
  FindOptions options;
};

absl::StatusOr<std::vector<Query>> ParseQueries(const std::string& text) {
  absl::StatusOr<Value> file = query::ParseEjson(text);
  if (!file.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("queries.json: {}", std::string(file.status().message())));
  }
  std::optional<ValueView> list = file->Find("queries");
  if (!list || !list->IsArray()) {
    return absl::InvalidArgumentError("queries.json: \"queries\" must be an array");
  }
  std::vector<Query> queries;
  for (ValueView q : list->elements()) {
    std::optional<ValueView> name = q.Find("name");
    std::optional<ValueView> selector = q.Find("selector");
    if (!name || !name->IsString() || !selector) {
      return absl::InvalidArgumentError(
          fmt::format("queries.json: query {} needs a name and a selector", queries.size()));
    }
    Query query{std::string(name->AsString()), selector->ToValue(), {}};
    if (auto s = q.Find("sort")) query.options.sort = s->ToValue();
    if (auto s = q.Find("skip")) query.options.skip = static_cast<size_t>(s->NumberAsDouble());
    if (auto l = q.Find("limit")) query.options.limit = static_cast<size_t>(l->NumberAsDouble());
    if (auto f = q.Find("fields")) query.options.projection = f->ToValue();
    queries.push_back(std::move(query));
  }
  return queries;
}

struct Update {
  Value selector;
  Value modifier;
};

// Parses `{"id": .., "modifier": ..}` lines into ({_id: id}, modifier) pairs.
absl::StatusOr<std::vector<Update>> ParseUpdates(std::string_view what,
                                                 const std::vector<std::string>& lines) {
  std::vector<Update> updates;
  updates.reserve(lines.size());
  for (size_t j = 0; j < lines.size(); ++j) {
    absl::StatusOr<Value> u = ParseLine(what, j, lines[j]);
    if (!u.ok()) return u.status();
    std::optional<ValueView> id = u->Find("id");
    std::optional<ValueView> modifier = u->Find("modifier");
    if (!id || !modifier) {
      return absl::InvalidArgumentError(
          fmt::format("{} line {}: needs \"id\" and \"modifier\"", what, j + 1));
    }
    updates.push_back({Value::Object({{"_id", id->ToValue()}}), modifier->ToValue()});
  }
  return updates;
}

// Runs `query` back to back for at least `min_ms` (and at least once); returns the mean ns per run
// and sets *count.
absl::StatusOr<double> TimeQuery(const Collection& c, const Query& query, double min_ms,
                                 size_t* count) {
  const double min_s = min_ms / 1000;
  size_t runs = 0;
  Clock::time_point start = Clock::now();
  double elapsed = 0;
  do {
    absl::StatusOr<Cursor> cursor = c.Find(query.selector, query.options);
    if (!cursor.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("query \"{}\": {}", query.name, std::string(cursor.status().message())));
    }
    std::vector<Value> results = cursor->Fetch();
    *count = results.size();
    ++runs;
    elapsed = SecondsSince(start);
  } while (elapsed < min_s);
  return elapsed * 1e9 / static_cast<double>(runs);
}

absl::StatusOr<double> TimeUpdates(Collection& c, const std::vector<Update>& updates) {
  Clock::time_point start = Clock::now();
  for (size_t j = 0; j < updates.size(); ++j) {
    absl::StatusOr<UpdateResult> r = c.Update(updates[j].selector, updates[j].modifier);
    if (!r.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("updates line {}: {}", j + 1, std::string(r.status().message())));
    }
    if (r->matched != 1) {
      return absl::InternalError(fmt::format("updates line {}: matched no document", j + 1));
    }
  }
  return static_cast<double>(updates.size()) / SecondsSince(start);
}

// The same updates through Collection::BulkUpdate in batches of kBulkBatch requests (the
// requests are built before the clock starts, as the pairs above are).
constexpr size_t kBulkBatch = 1000;

absl::StatusOr<double> TimeBulkUpdates(Collection& c, const std::vector<Update>& updates) {
  std::vector<UpdateRequest> requests;
  requests.reserve(updates.size());
  for (const Update& u : updates) requests.push_back({u.selector, u.modifier, {}});
  Clock::time_point start = Clock::now();
  for (size_t first = 0; first < requests.size(); first += kBulkBatch) {
    const size_t count = std::min(kBulkBatch, requests.size() - first);
    BulkUpdateResult r = c.BulkUpdate(std::span<const UpdateRequest>(&requests[first], count));
    if (!r.error.ok()) {
      return absl::InvalidArgumentError(fmt::format("updates line {}: {}", first + r.applied + 1,
                                                    std::string(r.error.message())));
    }
    if (r.matched != count) {
      return absl::InternalError(
          fmt::format("updates lines {}-{}: not every update matched", first + 1, first + count));
    }
  }
  return static_cast<double>(updates.size()) / SecondsSince(start);
}

// The session of the DDP figures: no heartbeats, a fixed id seed and clock.
ddp::SessionOptions DdpSessionOptions() {
  ddp::SessionOptions options;
  options.heartbeat_interval_ms = 0;
  options.id_seed = 1;
  options.now_millis = [] { return int64_t{0}; };
  return options;
}

// Feeds every DDP frame to a session on `db` (whose "files" collection holds the documents the
// stream starts from); returns frames per second.
absl::StatusOr<double> TimeDdp(Database& db, const std::vector<std::string>& frames) {
  ddp::Session session(&db, DdpSessionOptions());
  Clock::time_point start = Clock::now();
  for (size_t k = 0; k < frames.size(); ++k) {
    absl::Status s = session.Receive(frames[k], k + 1);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("ddp line {}: {}", k + 1, std::string(s.message())));
    }
  }
  return static_cast<double>(frames.size()) / SecondsSince(start);
}

// The same frames through Session::ReceiveBatch, kDdpBatch at a time (what a transport hands
// over when one read brings several frames; Meteor's client buffers incoming data the same
// way). The frames are the same text; the views are made before the clock starts.
constexpr size_t kDdpBatch = 100;

absl::StatusOr<double> TimeDdpBatched(Database& db, const std::vector<std::string>& frames) {
  ddp::Session session(&db, DdpSessionOptions());
  std::vector<std::string_view> views(frames.begin(), frames.end());
  Clock::time_point start = Clock::now();
  for (size_t first = 0; first < views.size(); first += kDdpBatch) {
    const size_t count = std::min(kDdpBatch, views.size() - first);
    std::vector<absl::Status> statuses =
        session.ReceiveBatch(std::span<const std::string_view>(&views[first], count), first + 1);
    for (size_t k = 0; k < statuses.size(); ++k) {
      if (!statuses[k].ok()) {
        return absl::InvalidArgumentError(fmt::format("ddp line {}: {}", first + k + 1,
                                                      std::string(statuses[k].message())));
      }
    }
  }
  return static_cast<double>(frames.size()) / SecondsSince(start);
}

struct Observer {
  Value selector;
  ObserveOptions options;
  bool ordered = false;
};

absl::StatusOr<std::vector<Observer>> ParseObservers(const std::string& text, size_t count) {
  absl::StatusOr<Value> file = query::ParseEjson(text);
  if (!file.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("observers.json: {}", std::string(file.status().message())));
  }
  if (!file->IsArray()) return absl::InvalidArgumentError("observers.json: not an array");
  if (count > file->size()) {
    return absl::InvalidArgumentError(
        fmt::format("observers.json: {} observers asked, the file has {}", count, file->size()));
  }
  std::vector<Observer> observers;
  observers.reserve(count);
  for (ValueView o : file->view().elements()) {
    if (observers.size() == count) break;
    std::optional<ValueView> selector = o.Find("selector");
    if (!selector) {
      return absl::InvalidArgumentError(
          fmt::format("observers.json: observer {} has no selector", observers.size()));
    }
    Observer observer{selector->ToValue(), {}, false};
    if (auto sort = o.Find("sort")) {
      observer.options.sort = sort->ToValue();
      observer.ordered = true;
    }
    if (auto limit = o.Find("limit")) {
      observer.options.limit = static_cast<size_t>(limit->NumberAsDouble());
    }
    observers.push_back(std::move(observer));
  }
  return observers;
}

// Registers `observers` on `files`, each callback adding one to *events.
absl::StatusOr<std::vector<ObserveHandle>> Register(Collection& files,
                                                    const std::vector<Observer>& observers,
                                                    uint64_t* events) {
  std::vector<ObserveHandle> handles;
  handles.reserve(observers.size());
  for (size_t i = 0; i < observers.size(); ++i) {
    ObserveChangesCallbacks callbacks;
    if (observers[i].ordered) {
      callbacks.added_before = [events](ValueView, ValueView, std::optional<ValueView>) {
        ++*events;
      };
      callbacks.moved_before = [events](ValueView, std::optional<ValueView>) { ++*events; };
    } else {
      callbacks.added = [events](ValueView, ValueView) { ++*events; };
    }
    callbacks.changed = [events](ValueView, ValueView, const std::vector<std::string>&) {
      ++*events;
    };
    callbacks.removed = [events](ValueView) { ++*events; };
    absl::StatusOr<ObserveHandle> handle =
        files.ObserveChanges(observers[i].selector, observers[i].options, std::move(callbacks));
    if (!handle.ok()) {
      return absl::InvalidArgumentError(fmt::format("observers.json: observer {}: {}", i,
                                                    std::string(handle.status().message())));
    }
    handles.push_back(*std::move(handle));
  }
  return handles;
}

double Round(double x, int decimals) {
  double scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  return std::round(x * scale) / scale;
}

// 1234567.8 -> "1,234,568".
std::string Grouped(double x) {
  std::string digits = fmt::format("{:.0f}", x);
  size_t first = digits[0] == '-' ? 1 : 0;
  for (size_t i = digits.size(); i > first + 3; i -= 3) digits.insert(i - 3, ",");
  return digits;
}

// Three significant digits at least, no exponent: 0.00123, 1.23, 123.
std::string Short(double x) {
  if (x >= 100) return Grouped(x);
  if (x >= 10) return fmt::format("{:.1f}", x);
  if (x >= 1) return fmt::format("{:.2f}", x);
  if (x >= 0.1) return fmt::format("{:.3f}", x);
  if (x >= 0.01) return fmt::format("{:.4f}", x);
  return fmt::format("{:.5f}", x);
}

}  // namespace

double Median(std::vector<double> samples) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  size_t mid = samples.size() / 2;
  if (samples.size() % 2 == 1) return samples[mid];
  return (samples[mid - 1] + samples[mid]) / 2;
}

absl::StatusOr<WorkloadText> ReadWorkload(const std::string& dir, uint64_t size) {
  WorkloadText text;
  text.size = size;
  auto path = [&](std::string_view name) { return fmt::format("{}/{}", dir, name); };
  absl::StatusOr<std::vector<std::string>> lines =
      ReadLines(path(fmt::format("files-{}.jsonl", size)));
  if (!lines.ok()) return lines.status();
  text.documents = *std::move(lines);
  if (text.documents.size() != size) {
    return absl::InvalidArgumentError(fmt::format("{}: {} lines, expected {}",
                                                  path(fmt::format("files-{}.jsonl", size)),
                                                  text.documents.size(), size));
  }
  lines = ReadLines(path(fmt::format("updates-{}.jsonl", size)));
  if (!lines.ok()) return lines.status();
  text.updates = *std::move(lines);
  lines = ReadLines(path(fmt::format("ddp-{}.jsonl", size)));
  if (!lines.ok()) return lines.status();
  text.ddp = *std::move(lines);
  lines = ReadLines(path(fmt::format("live-updates-{}.jsonl", size)));
  if (!lines.ok()) return lines.status();
  text.live_updates = *std::move(lines);
  absl::StatusOr<std::string> file = ReadFile(path("observers.json"));
  if (!file.ok()) return file.status();
  text.observers = *std::move(file);
  file = ReadFile(path("queries.json"));
  if (!file.ok()) return file.status();
  text.queries = *std::move(file);
  return text;
}

WorkloadText GenerateWorkload(uint64_t seed, uint64_t size) {
  WorkloadText text;
  text.size = size;
  text.documents.resize(size);
  for (uint64_t i = 0; i < size; ++i) AppendFilesDocumentJson(seed, i, &text.documents[i]);
  text.updates.resize(kUpdateCount);
  for (uint64_t j = 0; j < kUpdateCount; ++j) AppendUpdateJson(seed, size, j, &text.updates[j]);
  DdpStreamGenerator ddp(seed, size);
  text.ddp.resize(kDdpMessageCount);
  for (uint64_t k = 0; k < kDdpMessageCount; ++k) ddp.AppendNext(&text.ddp[k]);
  text.live_updates.resize(kLiveUpdateCount);
  for (uint64_t j = 0; j < kLiveUpdateCount; ++j) {
    AppendLiveUpdateJson(seed, size, j, &text.live_updates[j]);
  }
  text.observers = ObserversFileJson();
  text.queries = QueriesFileJson(seed);
  return text;
}

absl::StatusOr<MainFigures> RunMainPhase(const WorkloadText& text, const RunOptions& options) {
  const int reps = std::max(options.repetitions, 1);
  const uint64_t n = text.documents.size();
  if (n == 0) return absl::InvalidArgumentError("workload: no documents");
  absl::StatusOr<std::vector<Query>> queries = ParseQueries(text.queries);
  if (!queries.ok()) return queries.status();
  absl::StatusOr<std::vector<Update>> updates = ParseUpdates("updates", text.updates);
  if (!updates.ok()) return updates.status();

  MainFigures figures;
  figures.n = n;
  figures.repetitions = reps;
  std::vector<double> load_rates, rss_per_doc, store_per_doc, update_rates, bulk_update_rates,
      ddp_rates, ddp_batch_rates;
  std::vector<std::vector<double>> query_ns(queries->size());
  std::vector<size_t> counts(queries->size());

  // Load figures: each repetition in a child process forked from the same state, so that every one
  // starts from the same heap and its RSS delta is its own collection's (in one process, a later
  // load reuses pages an earlier one freed, and the delta shrinks).
  for (int rep = 0; rep < reps; ++rep) {
    absl::StatusOr<LoadSample> sample = MeasureLoadInChild(text);
    if (!sample.ok()) return sample.status();
    load_rates.push_back(static_cast<double>(n) / sample->seconds);
    rss_per_doc.push_back(static_cast<double>(sample->resident_bytes) / static_cast<double>(n));
    store_per_doc.push_back(static_cast<double>(sample->store_bytes) / static_cast<double>(n));
    Progress(options, fmt::format("n={} load {}/{}: {:.3f} s, {} docs/s, {:.1f} resident bytes/doc",
                                  n, rep + 1, reps, sample->seconds, Grouped(load_rates.back()),
                                  rss_per_doc.back()));
  }

  for (int rep = 0; rep < reps; ++rep) {
    // Every repetition of the writes starts from a freshly loaded collection.
    auto db = std::make_unique<Database>();
    Collection& files = db->GetCollection("files");
    absl::Status loaded = Load(text, files);
    if (!loaded.ok()) return loaded;

    if (rep == 0) {
      figures.huge_page_bytes = HugePageBytes();
      // Queries read the pristine collection of the first repetition.
      for (size_t q = 0; q < queries->size(); ++q) {
        size_t count = 0;
        // One untimed run warms caches and the allocator.
        absl::StatusOr<double> warm = TimeQuery(files, (*queries)[q], 0, &count);
        if (!warm.ok()) return warm.status();
        for (int r = 0; r < reps; ++r) {
          absl::StatusOr<double> ns = TimeQuery(files, (*queries)[q], options.min_query_ms, &count);
          if (!ns.ok()) return ns.status();
          query_ns[q].push_back(*ns);
        }
        counts[q] = count;
        Progress(options, fmt::format("n={} query {} ({}/{}): {} results, {} ns/doc", n,
                                      (*queries)[q].name, q + 1, queries->size(), count,
                                      Short(Median(query_ns[q]) / static_cast<double>(n))));
      }
    }

    absl::StatusOr<double> rate = TimeUpdates(files, *updates);
    if (!rate.ok()) return rate.status();
    update_rates.push_back(*rate);
    Progress(options,
             fmt::format("n={} updates {}/{}: {} ops/s", n, rep + 1, reps, Grouped(*rate)));
    absl::StatusOr<double> bulk_rate = TimeBulkUpdates(files, *updates);
    if (!bulk_rate.ok()) return bulk_rate.status();
    bulk_update_rates.push_back(*bulk_rate);
    Progress(options, fmt::format("n={} bulk updates {}/{}: {} ops/s", n, rep + 1, reps,
                                  Grouped(*bulk_rate)));
    db.reset();

    // The DDP stream starts from documents 0..n-1 as generated.
    db = std::make_unique<Database>();
    loaded = Load(text, db->GetCollection("files"));
    if (!loaded.ok()) return loaded;
    absl::StatusOr<double> ddp_rate = TimeDdp(*db, text.ddp);
    if (!ddp_rate.ok()) return ddp_rate.status();
    ddp_rates.push_back(*ddp_rate);
    Progress(options,
             fmt::format("n={} ddp {}/{}: {} msgs/s", n, rep + 1, reps, Grouped(*ddp_rate)));
    db.reset();

    db = std::make_unique<Database>();
    loaded = Load(text, db->GetCollection("files"));
    if (!loaded.ok()) return loaded;
    absl::StatusOr<double> ddp_batch_rate = TimeDdpBatched(*db, text.ddp);
    if (!ddp_batch_rate.ok()) return ddp_batch_rate.status();
    ddp_batch_rates.push_back(*ddp_batch_rate);
    Progress(options, fmt::format("n={} ddp batched {}/{}: {} msgs/s", n, rep + 1, reps,
                                  Grouped(*ddp_batch_rate)));
  }

  figures.load_docs_per_s = Median(load_rates);
  figures.bytes_per_doc = Median(rss_per_doc);
  figures.store_bytes_per_doc = Median(store_per_doc);
  figures.updates_ops_per_s = Median(update_rates);
  figures.bulk_updates_ops_per_s = Median(bulk_update_rates);
  figures.ddp_msgs_per_s = Median(ddp_rates);
  figures.ddp_batch_msgs_per_s = Median(ddp_batch_rates);
  for (size_t q = 0; q < queries->size(); ++q) {
    QueryFigures f;
    f.name = (*queries)[q].name;
    f.count = counts[q];
    f.ns_per_query = Median(query_ns[q]);
    f.ns_per_doc = f.ns_per_query / static_cast<double>(n);
    f.qps = 1e9 / f.ns_per_query;
    figures.queries.push_back(std::move(f));
  }
  return figures;
}

absl::StatusOr<LiveFigures> RunLivePhase(const WorkloadText& text, size_t observer_count,
                                         const RunOptions& options) {
  const int reps = std::max(options.repetitions, 1);
  const uint64_t n = text.documents.size();
  if (n == 0) return absl::InvalidArgumentError("workload: no documents");
  absl::StatusOr<std::vector<Observer>> observers = ParseObservers(text.observers, observer_count);
  if (!observers.ok()) return observers.status();
  absl::StatusOr<std::vector<Update>> updates = ParseUpdates("live-updates", text.live_updates);
  if (!updates.ok()) return updates.status();

  LiveFigures figures;
  figures.n = n;
  figures.repetitions = reps;
  figures.observers = observer_count;
  std::vector<double> register_ms, rates, events_per_update;
  for (int rep = 0; rep < reps; ++rep) {
    // Every repetition starts from a freshly loaded collection with no observer.
    Collection files("files");
    absl::Status loaded = Load(text, files);
    if (!loaded.ok()) return loaded;
    uint64_t events = 0;
    Clock::time_point start = Clock::now();
    absl::StatusOr<std::vector<ObserveHandle>> handles = Register(files, *observers, &events);
    if (!handles.ok()) return handles.status();
    register_ms.push_back(SecondsSince(start) * 1000);
    const uint64_t initial = events;
    events = 0;
    absl::StatusOr<double> rate = TimeUpdates(files, *updates);
    if (!rate.ok()) {
      return absl::Status(rate.status().code(),
                          fmt::format("live-{}", std::string(rate.status().message())));
    }
    rates.push_back(*rate);
    events_per_update.push_back(static_cast<double>(events) / static_cast<double>(updates->size()));
    Progress(options, fmt::format("n={} live {} observers {}/{}: registered in {:.1f} ms ({} "
                                  "initial adds), {} updates/s, {:.3f} events/update",
                                  n, observer_count, rep + 1, reps, register_ms.back(), initial,
                                  Grouped(*rate), events_per_update.back()));
    handles->clear();
  }
  figures.register_ms = Median(register_ms);
  figures.updates_per_s = Median(rates);
  figures.events_per_update = Median(events_per_update);
  return figures;
}

std::string MainJson(const MainFigures& f) {
  nlohmann::ordered_json j;
  j["n"] = f.n;
  j["phase"] = "main";
  j["repetitions"] = f.repetitions;
  j["huge_page_bytes"] = f.huge_page_bytes;
  j["load"]["docs_per_s"] = std::llround(f.load_docs_per_s);
  j["bytes_per_doc"] = Round(f.bytes_per_doc, 1);
  j["store_bytes_per_doc"] = Round(f.store_bytes_per_doc, 1);
  j["queries"] = nlohmann::ordered_json::object();
  for (const QueryFigures& q : f.queries) {
    nlohmann::ordered_json& e = j["queries"][q.name];
    e["count"] = q.count;
    e["ns_per_doc"] = Round(q.ns_per_doc, 5);
    e["qps"] = Round(q.qps, 1);
    e["ns_per_query"] = std::llround(q.ns_per_query);
  }
  j["updates"]["ops_per_s"] = std::llround(f.updates_ops_per_s);
  j["updates"]["bulk_ops_per_s"] = std::llround(f.bulk_updates_ops_per_s);
  if (f.ddp_msgs_per_s) j["ddp"]["msgs_per_s"] = std::llround(*f.ddp_msgs_per_s);
  if (f.ddp_batch_msgs_per_s) {
    j["ddp"]["batch_msgs_per_s"] = std::llround(*f.ddp_batch_msgs_per_s);
  }
  return j.dump();
}

std::string LiveJson(const LiveFigures& f) {
  nlohmann::ordered_json j;
  j["n"] = f.n;
  j["phase"] = "live";
  j["repetitions"] = f.repetitions;
  j["observers"] = f.observers;
  j["register_ms"] = Round(f.register_ms, 2);
  j["updates_per_s"] = std::llround(f.updates_per_s);
  j["events_per_update"] = Round(f.events_per_update, 3);
  return j.dump();
}

std::string MainTable(const MainFigures& f) {
  std::string out = fmt::format(
      "main phase, n = {} (medians of {} repetitions; {} MiB of the heap on huge pages)\n",
      Grouped(static_cast<double>(f.n)), f.repetitions, f.huge_page_bytes >> 20);
  out +=
      fmt::format("  {:<22} {:>14} docs/s\n", "load (parse + insert)", Grouped(f.load_docs_per_s));
  out += fmt::format("  {:<22} {:>14} bytes/doc (store estimate {})\n", "resident memory",
                     Grouped(f.bytes_per_doc), Grouped(f.store_bytes_per_doc));
  out +=
      fmt::format("  {:<22} {:>14} ops/s\n", "updates ($set by _id)", Grouped(f.updates_ops_per_s));
  out += fmt::format("  {:<22} {:>14} ops/s\n", "  same, BulkUpdate",
                     Grouped(f.bulk_updates_ops_per_s));
  if (f.ddp_msgs_per_s) {
    out += fmt::format("  {:<22} {:>14} msgs/s\n", "ddp messages", Grouped(*f.ddp_msgs_per_s));
  }
  if (f.ddp_batch_msgs_per_s) {
    out += fmt::format("  {:<22} {:>14} msgs/s\n", "  same, ReceiveBatch",
                       Grouped(*f.ddp_batch_msgs_per_s));
  }
  out += fmt::format("\n  {:<22} {:>9} {:>12} {:>12} {:>14}\n", "query", "count", "ns/doc",
                     "us/query", "queries/s");
  for (const QueryFigures& q : f.queries) {
    out += fmt::format("  {:<22} {:>9} {:>12} {:>12} {:>14}\n", q.name, Grouped(q.count),
                       Short(q.ns_per_doc), Short(q.ns_per_query / 1000), Grouped(q.qps));
  }
  return out;
}

std::string LiveTable(const std::vector<LiveFigures>& figures) {
  std::string out;
  if (figures.empty()) return out;
  out += fmt::format("live phase, n = {} (medians of {} repetitions)\n",
                     Grouped(static_cast<double>(figures[0].n)), figures[0].repetitions);
  out += fmt::format("  {:>10} {:>14} {:>14} {:>18}\n", "observers", "register ms", "updates/s",
                     "events/update");
  for (const LiveFigures& f : figures) {
    out += fmt::format("  {:>10} {:>14} {:>14} {:>18}\n", Grouped(static_cast<double>(f.observers)),
                       Short(f.register_ms), Grouped(f.updates_per_s), Short(f.events_per_update));
  }
  return out;
}

}  // namespace minimongo::bench
