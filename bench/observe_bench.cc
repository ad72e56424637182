// Live-query benchmarks on the workload of ../shared/workload: 100,000 documents of the files
// collection, the observers of observers.json (every 10th a sorted page, observed with ordered
// callbacks), and the $set stream of live-updates-100000.jsonl applied through
// Collection::Update (which compiles the selector and modifier of every call, as any caller of
// the API does).
//
//   BM_RegisterObservers/N   time to start the first N observers (initial results delivered)
//                            on the loaded collection, including building the value indexes
//   BM_LiveUpdates/N         updates per second with the first N observers running
//                            (counters: events delivered per update, registration time)
//
//   bazel build --config=opt //bench:observe_bench && bazel-out/k8-opt/bin/bench/observe_bench

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "bench/workload/workload.h"
#include "minimongo/collection.h"
#include "minimongo/observe.h"
#include "query/ejson.h"
#include "query/value.h"

namespace minimongo {
namespace {

using query::Value;
using query::ValueView;

constexpr uint64_t kSeed = bench::kDefaultSeed;
constexpr uint64_t kDocuments = 100'000;

Value Parse(const std::string& text) {
  auto v = query::ParseEjson(text);
  if (!v.ok()) std::abort();
  return *std::move(v);
}

std::unique_ptr<Collection> LoadCollection() {
  auto c = std::make_unique<Collection>("files");
  std::string line;
  for (uint64_t i = 0; i < kDocuments; ++i) {
    line.clear();
    bench::AppendFilesDocumentJson(kSeed, i, &line);
    if (!c->Insert(Parse(line)).ok()) std::abort();
  }
  return c;
}

// What the callbacks count.
struct Counts {
  uint64_t events = 0;
};

// The first `n` observers of observers.json, started on `c`.
std::vector<ObserveHandle> StartObservers(Collection& c, uint64_t n, Counts* counts) {
  std::vector<ObserveHandle> handles;
  handles.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    const Value spec = Parse(bench::ObserverJson(i));
    ObserveOptions options;
    if (auto sort = spec.view().Find("sort")) options.sort = sort->ToValue();
    if (auto limit = spec.view().Find("limit")) options.limit = limit->AsInt32();
    ObserveChangesCallbacks cb;
    cb.changed = [counts](ValueView, ValueView, const std::vector<std::string>&) {
      ++counts->events;
    };
    cb.removed = [counts](ValueView) { ++counts->events; };
    if (options.limit) {
      cb.added_before = [counts](ValueView, ValueView, std::optional<ValueView>) {
        ++counts->events;
      };
      cb.moved_before = [counts](ValueView, std::optional<ValueView>) { ++counts->events; };
    } else {
      cb.added = [counts](ValueView, ValueView) { ++counts->events; };
    }
    auto handle = c.ObserveChanges(spec.view().Find("selector")->ToValue(), options, std::move(cb));
    if (!handle.ok()) std::abort();
    handles.push_back(std::move(*handle));
  }
  return handles;
}

// The live-updates stream, parsed ahead: (selector {_id: ...}, modifier).
const std::vector<std::pair<Value, Value>>& LiveUpdates() {
  static const auto* updates = [] {
    auto* out = new std::vector<std::pair<Value, Value>>();
    out->reserve(bench::kLiveUpdateCount);
    for (uint64_t j = 0; j < bench::kLiveUpdateCount; ++j) {
      const Value u = Parse(bench::LiveUpdateJson(kSeed, kDocuments, j));
      out->emplace_back(Value::Object({{"_id", u.view().Find("id")->ToValue()}}),
                        u.view().Find("modifier")->ToValue());
    }
    return out;
  }();
  return *updates;
}

void BM_RegisterObservers(benchmark::State& state) {
  static std::unique_ptr<Collection> c = LoadCollection();
  const uint64_t n = state.range(0);
  Counts counts;
  for (auto _ : state) {
    std::vector<ObserveHandle> handles = StartObservers(*c, n, &counts);
    state.PauseTiming();
    handles.clear();  // stops them: the next iteration starts from nothing again
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["initial_adds_per_observer"] =
      static_cast<double>(counts.events) / (state.iterations() * n);
}
BENCHMARK(BM_RegisterObservers)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

void BM_LiveUpdates(benchmark::State& state) {
  const std::vector<std::pair<Value, Value>>& updates = LiveUpdates();
  // A fresh collection per repetition: the stream is applied exactly once to the state it was
  // generated for (a second pass would mostly set values they already have).
  std::unique_ptr<Collection> c = LoadCollection();
  Counts counts;
  const auto start = std::chrono::steady_clock::now();
  std::vector<ObserveHandle> handles = StartObservers(*c, state.range(0), &counts);
  const double register_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  counts.events = 0;
  size_t next = 0;
  for (auto _ : state) {
    const auto& [selector, modifier] = updates[next];
    if (++next == updates.size()) next = 0;
    auto result = c->Update(selector, modifier);
    if (!result.ok()) std::abort();
    benchmark::DoNotOptimize(result->modified);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["events_per_update"] = static_cast<double>(counts.events) / state.iterations();
  state.counters["register_ms"] = register_ms;
}
// Each repetition applies the whole stream once (the same work every time).
BENCHMARK(BM_LiveUpdates)
    ->Arg(0)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Iterations(bench::kLiveUpdateCount)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

}  // namespace
}  // namespace minimongo

BENCHMARK_MAIN();
