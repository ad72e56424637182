// Store benchmarks on the workload of ../shared/workload (documents from bench/workload):
// load, `$set` by `_id`, lookups by `_id`, and each query of queries.json through
// Collection::Find (sorted queries go through the bounded top-k path).
//
//   bazel build --config=opt //bench:store_bench && bazel-bin/bench/store_bench

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <span>
#include <vector>

#include "benchmark/benchmark.h"
#include "bench/workload/workload.h"
#include "minimongo/collection.h"
#include "query/ejson.h"

namespace minimongo {
namespace {

using query::Value;
using query::ValueView;

constexpr uint64_t kSeed = bench::kDefaultSeed;

Value Parse(const std::string& text) {
  auto v = query::ParseEjson(text);
  if (!v.ok()) std::abort();
  return *std::move(v);
}

// One loaded collection per size, built on first use and kept for the whole run.
Collection& Loaded(size_t n) {
  static std::map<size_t, std::unique_ptr<Collection>> cache;
  auto& slot = cache[n];
  if (!slot) {
    slot = std::make_unique<Collection>("files");
    std::string line;
    for (uint64_t i = 0; i < n; ++i) {
      line.clear();
      bench::AppendFilesDocumentJson(kSeed, i, &line);
      if (!slot->Insert(Parse(line)).ok()) std::abort();
    }
  }
  return *slot;
}

void BM_Load(benchmark::State& state) {
  const size_t n = state.range(0);
  std::vector<std::string> lines(n);
  size_t bytes = 0;
  for (uint64_t i = 0; i < n; ++i) {
    lines[i] = bench::FilesDocumentJson(kSeed, i);
    bytes += lines[i].size();
  }
  size_t memory = 0;
  for (auto _ : state) {
    Collection c("files");
    for (const std::string& line : lines) {
      auto doc = query::ParseEjson(line);
      if (!doc.ok() || !c.Insert(*doc).ok()) std::abort();
    }
    memory = c.MemoryBytes();
    benchmark::DoNotOptimize(c.size());
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * bytes);
  state.counters["bytes_per_doc"] = static_cast<double>(memory) / n;
  state.counters["text_bytes_per_doc"] = static_cast<double>(bytes) / n;
}
BENCHMARK(BM_Load)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

// `$set` by `_id` from the workload's updates file: one Update call per item, which compiles
// the selector and the modifier as every caller of the API does.
void BM_SetById(benchmark::State& state) {
  const size_t n = state.range(0);
  Collection& c = Loaded(n);
  std::vector<std::pair<Value, Value>> updates;
  for (uint64_t j = 0; j < 10'000; ++j) {
    Value u = Parse(bench::UpdateJson(kSeed, n, j));
    updates.emplace_back(Value::Object({{"_id", u.view().Find("id")->ToValue()}}),
                         u.view().Find("modifier")->ToValue());
  }
  size_t i = 0;
  for (auto _ : state) {
    const auto& [selector, modifier] = updates[i++ % updates.size()];
    auto r = c.Update(selector, modifier);
    if (!r.ok() || r->matched != 1) std::abort();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SetById)->Arg(10'000)->Arg(100'000);

// The same updates through Collection::BulkUpdate, 1,000 requests per call (its prefetch
// pipeline overlaps the cache misses of consecutive updates). Items are updates.
void BM_BulkSetById(benchmark::State& state) {
  const size_t n = state.range(0);
  Collection& c = Loaded(n);
  std::vector<UpdateRequest> requests;
  for (uint64_t j = 0; j < 10'000; ++j) {
    Value u = Parse(bench::UpdateJson(kSeed, n, j));
    requests.push_back({Value::Object({{"_id", u.view().Find("id")->ToValue()}}),
                        u.view().Find("modifier")->ToValue(), {}});
  }
  constexpr size_t kBatch = 1000;
  size_t i = 0;
  for (auto _ : state) {
    BulkUpdateResult r = c.BulkUpdate(std::span<const UpdateRequest>(&requests[i], kBatch));
    if (!r.error.ok() || r.matched != kBatch) std::abort();
    i = (i + kBatch) % requests.size();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_BulkSetById)->Arg(10'000)->Arg(100'000);

void BM_FindById(benchmark::State& state) {
  const size_t n = state.range(0);
  Collection& c = Loaded(n);
  std::vector<Value> ids;
  for (uint64_t i = 0; i < n; i += 97) ids.push_back(Value::String(bench::FilesDocumentId(kSeed, i)));
  size_t i = 0;
  for (auto _ : state) {
    auto doc = c.FindById(ids[i++ % ids.size()].view());
    benchmark::DoNotOptimize(doc);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FindById)->Arg(100'000);

// The same through Find({_id: x}).Fetch(): selector compile + id fast path.
void BM_FindSelectorById(benchmark::State& state) {
  const size_t n = state.range(0);
  Collection& c = Loaded(n);
  std::vector<Value> selectors;
  for (uint64_t i = 0; i < n; i += 97) {
    selectors.push_back(Value::Object({{"_id", Value::String(bench::FilesDocumentId(kSeed, i))}}));
  }
  size_t i = 0;
  for (auto _ : state) {
    auto cursor = c.Find(selectors[i++ % selectors.size()]);
    auto docs = cursor->Fetch();
    if (docs.size() != 1) std::abort();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FindSelectorById)->Arg(100'000);

// Each query of queries.json over the whole collection. Reports ns per collection document.
void BM_Query(benchmark::State& state, std::string name) {
  const size_t n = state.range(0);
  Collection& c = Loaded(n);
  Value file = Parse(bench::QueriesFileJson(kSeed));
  Value selector;
  FindOptions options;
  for (ValueView q : file.view().Find("queries")->elements()) {
    if (q.Find("name")->AsString() != name) continue;
    selector = q.Find("selector")->ToValue();
    if (auto s = q.Find("sort")) options.sort = s->ToValue();
    if (auto s = q.Find("skip")) options.skip = static_cast<size_t>(*s->NumberAsInt64());
    if (auto l = q.Find("limit")) options.limit = static_cast<size_t>(*l->NumberAsInt64());
    if (auto f = q.Find("fields")) options.projection = f->ToValue();
  }
  size_t count = 0;
  for (auto _ : state) {
    auto cursor = c.Find(selector, options);
    if (!cursor.ok()) std::abort();
    count = cursor->Fetch().size();
  }
  state.counters["results"] = static_cast<double>(count);
  state.counters["ns_per_doc"] = benchmark::Counter(
      static_cast<double>(n) * state.iterations(),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetItemsProcessed(state.iterations());
}

const char* const kQueries[] = {
    "id_point",      "eq_parent",      "and_owner_ext",   "range_size",
    "range_modified", "in_owner10",    "regex_prefix",    "regex_ci_sub",
    "tags_eq",       "elemmatch_shared", "or_two",        "exists_false",
    "sort_modified_top50", "sort_name_page", "projection"};

int RegisterQueries() {
  for (const char* name : kQueries) {
    benchmark::RegisterBenchmark((std::string("BM_Query/") + name).c_str(), BM_Query, name)
        ->Arg(100'000)
        ->Unit(benchmark::kMicrosecond);
  }
  return 0;
}
const int kRegistered = RegisterQueries();

}  // namespace
}  // namespace minimongo

BENCHMARK_MAIN();
