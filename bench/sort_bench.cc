// Sorting workload documents with SortSpec: full sorts against bounded top-k, on the benchmark
// workload (the `files` collection of /work/shared/workload/WORKLOAD.md, seed kDefaultSeed).
//
//   BM_SortFull          ExtractKey once per document, then std::sort of (key, position)
//   BM_SortTop50Partial  ExtractKey once per document, then std::partial_sort of the first 50
//   BM_SortTop50Heap     ExtractKey once per document into a bounded max-heap of 50 keys (what
//                        a store does for sort + limit: memory O(k), not O(N))
//   BM_SortFullCompare   std::sort calling SortSpec::Compare (re-walks both documents at every
//                        comparison), for scale
//   BM_ExtractKey        ExtractKey alone, per document
// Variants: ModifiedDesc sorts by {"meta.modified": -1} (a date in an embedded document),
// NameAsc by {name: 1} (a string, often longer than the inline capacity). The argument is N,
// the number of documents sorted per iteration; items processed are documents. Ties are
// broken by position, so every variant produces one deterministic order.
//
//   bazel build -c opt --config=opt //bench:sort_bench && bazel-bin/bench/sort_bench

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/workload/workload.h"
#include "benchmark/benchmark.h"
#include "query/ejson.h"
#include "query/sort_spec.h"
#include "query/value.h"

namespace minimongo::bench {
namespace {

using query::SortKey;
using query::SortSpec;
using query::Value;

constexpr size_t kTopK = 50;

// The first n workload documents, parsed once per process and cached.
const std::vector<Value>& Documents(size_t n) {
  static auto* cache = new std::map<size_t, std::vector<Value>>();
  auto it = cache->find(n);
  if (it != cache->end()) return it->second;
  std::vector<Value> docs;
  docs.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    absl::StatusOr<Value> v = query::ParseEjson(FilesDocumentJson(kDefaultSeed, i));
    if (!v.ok()) {
      std::fprintf(stderr, "workload document %zu does not parse: %s\n", i,
                   std::string(v.status().message()).c_str());
      std::abort();
    }
    docs.push_back(*std::move(v));
  }
  return cache->emplace(n, std::move(docs)).first->second;
}

SortSpec Spec(const char* text) {
  absl::StatusOr<Value> v = query::ParseEjson(text);
  absl::StatusOr<SortSpec> spec =
      v.ok() ? SortSpec::Compile(v->view()) : absl::StatusOr<SortSpec>(v.status());
  if (!spec.ok()) {
    std::fprintf(stderr, "bad sort spec %s: %s\n", text,
                 std::string(spec.status().message()).c_str());
    std::abort();
  }
  return *std::move(spec);
}

using Keyed = std::pair<SortKey, uint32_t>;

// (key, position) order: the spec's order, ties by position.
struct KeyedLess {
  const SortSpec* spec;
  bool operator()(const Keyed& a, const Keyed& b) const {
    int c = spec->CompareKeys(a.first, b.first);
    return c != 0 ? c < 0 : a.second < b.second;
  }
};

std::vector<Keyed> ExtractAll(const SortSpec& spec, const std::vector<Value>& docs) {
  std::vector<Keyed> keyed;
  keyed.reserve(docs.size());
  for (size_t i = 0; i < docs.size(); ++i) {
    keyed.emplace_back(spec.ExtractKey(docs[i].view()), static_cast<uint32_t>(i));
  }
  return keyed;
}

void BM_SortFull(benchmark::State& state, const char* spec_text) {
  const std::vector<Value>& docs = Documents(static_cast<size_t>(state.range(0)));
  SortSpec spec = Spec(spec_text);
  for (auto _ : state) {
    std::vector<Keyed> keyed = ExtractAll(spec, docs);
    std::sort(keyed.begin(), keyed.end(), KeyedLess{&spec});
    benchmark::DoNotOptimize(keyed.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * docs.size()));
}

void BM_SortTop50Partial(benchmark::State& state, const char* spec_text) {
  const std::vector<Value>& docs = Documents(static_cast<size_t>(state.range(0)));
  SortSpec spec = Spec(spec_text);
  for (auto _ : state) {
    std::vector<Keyed> keyed = ExtractAll(spec, docs);
    size_t k = std::min(kTopK, keyed.size());
    std::partial_sort(keyed.begin(), keyed.begin() + k, keyed.end(), KeyedLess{&spec});
    benchmark::DoNotOptimize(keyed.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * docs.size()));
}

void BM_SortTop50Heap(benchmark::State& state, const char* spec_text) {
  const std::vector<Value>& docs = Documents(static_cast<size_t>(state.range(0)));
  SortSpec spec = Spec(spec_text);
  KeyedLess less{&spec};
  for (auto _ : state) {
    // A max-heap under `less`: its top is the worst of the best k seen so far.
    std::priority_queue<Keyed, std::vector<Keyed>, KeyedLess> heap(less);
    for (size_t i = 0; i < docs.size(); ++i) {
      Keyed candidate(spec.ExtractKey(docs[i].view()), static_cast<uint32_t>(i));
      if (heap.size() < kTopK) {
        heap.push(std::move(candidate));
      } else if (less(candidate, heap.top())) {
        heap.pop();
        heap.push(std::move(candidate));
      }
    }
    std::vector<Keyed> top;
    top.reserve(heap.size());
    while (!heap.empty()) {
      top.push_back(heap.top());
      heap.pop();
    }
    std::reverse(top.begin(), top.end());
    benchmark::DoNotOptimize(top.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * docs.size()));
}

void BM_SortFullCompare(benchmark::State& state, const char* spec_text) {
  const std::vector<Value>& docs = Documents(static_cast<size_t>(state.range(0)));
  SortSpec spec = Spec(spec_text);
  for (auto _ : state) {
    std::vector<uint32_t> order(docs.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      int c = spec.Compare(docs[a].view(), docs[b].view());
      return c != 0 ? c < 0 : a < b;
    });
    benchmark::DoNotOptimize(order.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * docs.size()));
}

void BM_ExtractKey(benchmark::State& state, const char* spec_text) {
  const std::vector<Value>& docs = Documents(static_cast<size_t>(state.range(0)));
  SortSpec spec = Spec(spec_text);
  size_t i = 0;
  for (auto _ : state) {
    SortKey key = spec.ExtractKey(docs[i].view());
    benchmark::DoNotOptimize(key);
    if (++i == docs.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

constexpr const char* kModifiedDesc = R"({"meta.modified": -1})";
constexpr const char* kNameAsc = R"({"name": 1})";

#define SORT_SIZES Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond)

BENCHMARK_CAPTURE(BM_SortFull, ModifiedDesc, kModifiedDesc)->SORT_SIZES;
BENCHMARK_CAPTURE(BM_SortFull, NameAsc, kNameAsc)->SORT_SIZES;
BENCHMARK_CAPTURE(BM_SortTop50Partial, ModifiedDesc, kModifiedDesc)->SORT_SIZES;
BENCHMARK_CAPTURE(BM_SortTop50Partial, NameAsc, kNameAsc)->SORT_SIZES;
BENCHMARK_CAPTURE(BM_SortTop50Heap, ModifiedDesc, kModifiedDesc)->SORT_SIZES;
BENCHMARK_CAPTURE(BM_SortTop50Heap, NameAsc, kNameAsc)->SORT_SIZES;
BENCHMARK_CAPTURE(BM_SortFullCompare, ModifiedDesc, kModifiedDesc)->SORT_SIZES;
BENCHMARK_CAPTURE(BM_SortFullCompare, NameAsc, kNameAsc)->SORT_SIZES;
BENCHMARK_CAPTURE(BM_ExtractKey, ModifiedDesc, kModifiedDesc)->Arg(100000);
BENCHMARK_CAPTURE(BM_ExtractKey, NameAsc, kNameAsc)->Arg(100000);

}  // namespace
}  // namespace minimongo::bench

BENCHMARK_MAIN();
