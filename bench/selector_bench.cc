// Selector::Matches over the benchmark workload (the `files` collection of
// /work/shared/workload/WORKLOAD.md, seed kDefaultSeed): nanoseconds per document for the
// selector of every query of queries.json, and hand-written C++ loops for two of them as the
// floor a compiled selector is measured against.
//
//   BM_Selector_<query>/N      Selector::Matches on each of the first N documents
//   BM_HandWritten_eq_parent/N  doc.Find("parent") == 42, written by hand
//   BM_HandWritten_range_size/N 1e6 <= doc.Find("size") < 5e6, written by hand
//   BM_Selector_<q>_Prefetch/N, BM_HandWritten_eq_parent_Prefetch/N  the same loops asking for
//       the document 8 ahead (__builtin_prefetch), as the store's scan does; the rows without
//       the suffix are the plain loops
//   BM_Compile_<query>          Selector::Compile of the query's selector
// Items processed are documents (or compilations); the matching count is reported as a counter
// so that the variants can be checked against each other.
//
//   bazel build -c opt --config=opt //bench:selector_bench && bazel-bin/bench/selector_bench

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/workload/workload.h"
#include "benchmark/benchmark.h"
#include "query/ejson.h"
#include "query/selector.h"
#include "query/value.h"

namespace minimongo::bench {
namespace {

using query::Selector;
using query::Value;
using query::ValueView;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "%s\n", what.c_str());
  std::abort();
}

// The first n workload documents, parsed once per process and cached.
const std::vector<Value>& Documents(size_t n) {
  static auto* cache = new std::map<size_t, std::vector<Value>>();
  auto it = cache->find(n);
  if (it != cache->end()) return it->second;
  std::vector<Value> docs;
  docs.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    absl::StatusOr<Value> v = query::ParseEjson(FilesDocumentJson(kDefaultSeed, i));
    if (!v.ok()) Die("workload document does not parse: " + std::string(v.status().message()));
    docs.push_back(*std::move(v));
  }
  return cache->emplace(n, std::move(docs)).first->second;
}

struct Query {
  std::string name;
  Value selector;
};

// The queries of queries.json (with id_point's _id filled in by the workload generator).
std::vector<Query> Queries() {
  absl::StatusOr<Value> file = query::ParseEjson(QueriesFileJson(kDefaultSeed));
  if (!file.ok()) Die("queries.json does not parse: " + std::string(file.status().message()));
  std::vector<Query> queries;
  std::optional<ValueView> list = file->view().Find("queries");
  if (!list) Die("queries.json has no queries");
  for (ValueView q : list->elements()) {
    std::optional<ValueView> name = q.Find("name");
    std::optional<ValueView> selector = q.Find("selector");
    if (!name || !selector) Die("a query without name or selector");
    queries.push_back(Query{std::string(name->AsString()), selector->ToValue()});
  }
  return queries;
}

void BM_Selector(benchmark::State& state, Value selector_value) {
  const std::vector<Value>& docs = Documents(static_cast<size_t>(state.range(0)));
  absl::StatusOr<Selector> selector = Selector::Compile(selector_value.view());
  if (!selector.ok()) Die("selector does not compile: " + std::string(selector.status().message()));
  size_t matched = 0;
  for (auto _ : state) {
    matched = 0;
    for (const Value& doc : docs) matched += selector->Matches(doc);
    benchmark::DoNotOptimize(matched);
  }
  state.counters["matched"] = static_cast<double>(matched);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * docs.size()));
}

void BM_Compile(benchmark::State& state, Value selector_value) {
  for (auto _ : state) {
    absl::StatusOr<Selector> selector = Selector::Compile(selector_value.view());
    benchmark::DoNotOptimize(selector.ok());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// {parent: 42} by hand: the field, a number, equal to 42.
void BM_HandWritten_eq_parent(benchmark::State& state) {
  const std::vector<Value>& docs = Documents(static_cast<size_t>(state.range(0)));
  size_t matched = 0;
  for (auto _ : state) {
    matched = 0;
    for (const Value& doc : docs) {
      std::optional<ValueView> parent = doc.view().Find("parent");
      if (parent && parent->IsNumber() && parent->NumberAsDouble() == 42) ++matched;
    }
    benchmark::DoNotOptimize(matched);
  }
  state.counters["matched"] = static_cast<double>(matched);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * docs.size()));
}

// How many documents ahead the *_Prefetch rows ask for a document's first cache lines (the
// store's scan does the same, minimongo/collection.cc).
constexpr size_t kPrefetchAhead = 8;

void PrefetchHead(const Value& doc) {
  const unsigned char* p = doc.view().payload();
  __builtin_prefetch(p);
  __builtin_prefetch(p + 64);
}

// The compiled selector with the store's prefetch: the row to compare with the prefetched
// hand loop.
void BM_Selector_Prefetch(benchmark::State& state, Value selector_value) {
  const std::vector<Value>& docs = Documents(static_cast<size_t>(state.range(0)));
  absl::StatusOr<Selector> selector = Selector::Compile(selector_value.view());
  if (!selector.ok()) Die("selector does not compile: " + std::string(selector.status().message()));
  size_t matched = 0;
  for (auto _ : state) {
    matched = 0;
    const size_t n = docs.size();
    for (size_t i = 0; i < n; ++i) {
      if (i + kPrefetchAhead < n) PrefetchHead(docs[i + kPrefetchAhead]);
      matched += selector->Matches(docs[i]);
    }
    benchmark::DoNotOptimize(matched);
  }
  state.counters["matched"] = static_cast<double>(matched);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * docs.size()));
}

// {parent: 42} by hand, with the same prefetch.
void BM_HandWritten_eq_parent_Prefetch(benchmark::State& state) {
  const std::vector<Value>& docs = Documents(static_cast<size_t>(state.range(0)));
  size_t matched = 0;
  for (auto _ : state) {
    matched = 0;
    const size_t n = docs.size();
    for (size_t i = 0; i < n; ++i) {
      if (i + kPrefetchAhead < n) PrefetchHead(docs[i + kPrefetchAhead]);
      std::optional<ValueView> parent = docs[i].view().Find("parent");
      if (parent && parent->IsNumber() && parent->NumberAsDouble() == 42) ++matched;
    }
    benchmark::DoNotOptimize(matched);
  }
  state.counters["matched"] = static_cast<double>(matched);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * docs.size()));
}

// {size: {$gte: 1000000, $lt: 5000000}} by hand.
void BM_HandWritten_range_size(benchmark::State& state) {
  const std::vector<Value>& docs = Documents(static_cast<size_t>(state.range(0)));
  size_t matched = 0;
  for (auto _ : state) {
    matched = 0;
    for (const Value& doc : docs) {
      std::optional<ValueView> size = doc.view().Find("size");
      if (size && size->IsNumber()) {
        double d = size->NumberAsDouble();
        if (d >= 1000000 && d < 5000000) ++matched;
      }
    }
    benchmark::DoNotOptimize(matched);
  }
  state.counters["matched"] = static_cast<double>(matched);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * docs.size()));
}

void RegisterAll() {
  for (Query& q : Queries()) {
    benchmark::RegisterBenchmark(("BM_Selector_" + q.name).c_str(), BM_Selector, q.selector)
        ->Arg(1000)
        ->Arg(10000)
        ->Arg(100000)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("BM_Compile_" + q.name).c_str(), BM_Compile, q.selector);
    if (q.name == "eq_parent" || q.name == "range_size") {
      benchmark::RegisterBenchmark(("BM_Selector_" + q.name + "_Prefetch").c_str(),
                                   BM_Selector_Prefetch, q.selector)
          ->Arg(1000)
          ->Arg(10000)
          ->Arg(100000)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::RegisterBenchmark("BM_HandWritten_eq_parent", BM_HandWritten_eq_parent)
      ->Arg(1000)
      ->Arg(10000)
      ->Arg(100000)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_HandWritten_eq_parent_Prefetch",
                               BM_HandWritten_eq_parent_Prefetch)
      ->Arg(1000)
      ->Arg(10000)
      ->Arg(100000)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_HandWritten_range_size", BM_HandWritten_range_size)
      ->Arg(1000)
      ->Arg(10000)
      ->Arg(100000)
      ->Unit(benchmark::kMicrosecond);
}

}  // namespace
}  // namespace minimongo::bench

int main(int argc, char** argv) {
  minimongo::bench::RegisterAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
