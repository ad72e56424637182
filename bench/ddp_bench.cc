// DDP merge throughput on the workload of ../shared/workload: the 200,000 messages of
// ddp-<n>.jsonl (60% changed, 20% added, 20% removed, as on the wire) applied as text through
// ddp::Session (parse + validate + merge into the store) on a collection of n documents of
// files-<n>.jsonl, with no observer and with the first 1,000 live queries of observers.json.
//
//   bazel build --config=opt //bench:ddp_bench
//   $(bazel info --config=opt output_path)/k8-opt/bin/bench/ddp_bench --benchmark_repetitions=5
//
// BM_DdpApply_<Observers>_<Delivery>/n: items = messages. Frames: one Receive per message;
// Batch100: ReceiveBatch of 100 messages (one observer pause/resume per batch).
// BM_DdpDecode: DecodeServerFrame alone (parse + validate, no store; the message owns its
// bytes, one allocation, which the session's path does not pay), for the breakdown.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "benchmark/benchmark.h"
#include "bench/workload/workload.h"
#include "ddp_sync/frame.h"
#include "ddp_sync/session.h"
#include "minimongo/database.h"
#include "minimongo/observe.h"
#include "query/ejson.h"
#include "query/value.h"

namespace minimongo {
namespace {

constexpr uint64_t kSeed = bench::kDefaultSeed;

const std::vector<std::string>& Messages(uint64_t n) {
  static std::map<uint64_t, std::vector<std::string>> cache;
  std::vector<std::string>& messages = cache[n];
  if (messages.empty()) {
    bench::DdpStreamGenerator ddp(kSeed, n);
    messages.reserve(bench::kDdpMessageCount);
    for (uint64_t k = 0; k < bench::kDdpMessageCount; ++k) messages.push_back(ddp.Next());
  }
  return messages;
}

const std::vector<query::Value>& Documents(uint64_t n) {
  static std::map<uint64_t, std::vector<query::Value>> cache;
  std::vector<query::Value>& docs = cache[n];
  if (docs.empty()) {
    std::string line;
    for (uint64_t i = 0; i < n; ++i) {
      line.clear();
      bench::AppendFilesDocumentJson(kSeed, i, &line);
      auto doc = query::ParseEjson(line);
      if (!doc.ok()) std::abort();
      docs.push_back(*std::move(doc));
    }
  }
  return docs;
}

struct Setup {
  std::unique_ptr<Database> db;
  std::unique_ptr<ddp::Session> session;
  std::vector<ObserveHandle> observers;
  uint64_t events = 0;
};

// A database with documents 0..n-1 in "files", `observers` live queries of observers.json on
// it (counting their events), and a connected session.
std::unique_ptr<Setup> MakeSetup(uint64_t n, size_t observers) {
  auto setup = std::make_unique<Setup>();
  setup->db = std::make_unique<Database>();
  Collection& files = setup->db->GetCollection("files");
  // Each document in a buffer of its own, as documents that arrived through `added` frames (or
  // were parsed and inserted) are: a Value shared with the cache would make every write copy.
  for (const query::Value& doc : Documents(n)) {
    query::ValueBuilder copy;
    copy.Append(doc.view());
    if (!files.Insert(copy.Finish()).ok()) std::abort();
  }
  for (size_t i = 0; i < observers; ++i) {
    auto spec = query::ParseEjson(bench::ObserverJson(i));
    if (!spec.ok()) std::abort();
    ObserveOptions options;
    if (auto sort = spec->Find("sort")) options.sort = sort->ToValue();
    if (auto limit = spec->Find("limit")) options.limit = static_cast<size_t>(limit->AsInt32());
    uint64_t* events = &setup->events;
    ObserveChangesCallbacks callbacks;
    if (options.sort.IsNull()) {
      callbacks.added = [events](query::ValueView, query::ValueView) { ++*events; };
    } else {
      callbacks.added_before = [events](query::ValueView, query::ValueView,
                                        std::optional<query::ValueView>) { ++*events; };
      callbacks.moved_before = [events](query::ValueView, std::optional<query::ValueView>) {
        ++*events;
      };
    }
    callbacks.changed = [events](query::ValueView, query::ValueView,
                                 const std::vector<std::string>&) { ++*events; };
    callbacks.removed = [events](query::ValueView) { ++*events; };
    auto handle = files.ObserveChanges(spec->Find("selector")->ToValue(), options, callbacks);
    if (!handle.ok()) std::abort();
    setup->observers.push_back(*std::move(handle));
  }
  ddp::SessionOptions options;
  options.heartbeat_interval_ms = 0;
  options.now_millis = [] { return int64_t{0}; };
  options.id_seed = 1;
  setup->session = std::make_unique<ddp::Session>(setup->db.get(), options);
  if (!setup->session->Connect().ok()) std::abort();
  if (!setup->session->Receive(R"({"msg":"connected","session":"bench"})").ok()) std::abort();
  setup->session->TakeOutgoing();
  return setup;
}

void Apply(benchmark::State& state, size_t observers, size_t batch) {
  const uint64_t n = state.range(0);
  const std::vector<std::string>& messages = Messages(n);
  std::vector<std::string_view> views(messages.begin(), messages.end());
  uint64_t rejected = 0, events = 0, bytes = 0;
  for (const std::string& m : messages) bytes += m.size();
  for (auto _ : state) {
    state.PauseTiming();
    std::unique_ptr<Setup> setup = MakeSetup(n, observers);
    setup->events = 0;
    state.ResumeTiming();
    if (batch <= 1) {
      for (std::string_view m : views) rejected += !setup->session->Receive(m).ok();
    } else {
      for (size_t i = 0; i < views.size(); i += batch) {
        size_t len = std::min(batch, views.size() - i);
        for (const absl::Status& s :
             setup->session->ReceiveBatch(std::span(views).subspan(i, len))) {
          rejected += !s.ok();
        }
      }
    }
    state.PauseTiming();
    events += setup->events;
    setup.reset();  // teardown outside the timing
    state.ResumeTiming();
  }
  if (rejected != 0) state.SkipWithError("the workload stream had rejected frames");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * messages.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["events/msg"] =
      static_cast<double>(events) / static_cast<double>(state.iterations() * messages.size());
}

void BM_DdpApply_NoObservers_Frames(benchmark::State& state) { Apply(state, 0, 1); }
void BM_DdpApply_NoObservers_Batch100(benchmark::State& state) { Apply(state, 0, 100); }
void BM_DdpApply_1000Observers_Frames(benchmark::State& state) { Apply(state, 1000, 1); }
void BM_DdpApply_1000Observers_Batch100(benchmark::State& state) { Apply(state, 1000, 100); }

void BM_DdpDecode(benchmark::State& state) {
  const std::vector<std::string>& messages = Messages(state.range(0));
  size_t i = 0;
  for (auto _ : state) {
    auto m = ddp::DecodeServerFrame(messages[i], i + 1);
    benchmark::DoNotOptimize(m);
    if (++i == messages.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_DdpDecode)->Arg(100'000);
BENCHMARK(BM_DdpApply_NoObservers_Frames)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_DdpApply_NoObservers_Batch100)->Arg(100'000)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_DdpApply_1000Observers_Frames)->Arg(100'000)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_DdpApply_1000Observers_Batch100)->Arg(100'000)->Unit(benchmark::kMillisecond)->MinTime(1.0);

}  // namespace
}  // namespace minimongo

BENCHMARK_MAIN();
