// EJSON codec throughput and the memory cost of parsed documents, on the benchmark workload
// (documents of the `files` collection, /work/shared/workload/WORKLOAD.md).
//
//   BM_ParseEjson_Workload     ParseEjson of each document line (text -> Value)
//   BM_NlohmannParse_Workload  nlohmann::json::parse of the same lines (text -> DOM), for scale
//   BM_ToEjson_Workload        ToEjson of the parsed documents (Value -> text)
//   BM_NlohmannDump_Workload   nlohmann's dump of the same documents, for scale
//   BM_BytesPerDocument_Workload  counters only: the Value heap bytes and the text bytes of an
//                              average document over 100,000 documents
// The argument is the number of distinct documents cycled through (1,000 fit in L2, 100,000 do
// not). Bytes are text bytes, read or written.
//
//   bazel build -c opt --config=opt //bench:ejson_bench && bazel-bin/bench/ejson_bench

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "nlohmann/json.hpp"

#include "bench/workload/workload.h"
#include "query/ejson.h"
#include "query/value.h"

namespace minimongo::bench {
namespace {

using query::Value;

// The first n workload documents (seed kDefaultSeed), as EJSON lines.
std::vector<std::string> Documents(size_t n) {
  std::vector<std::string> docs;
  docs.reserve(n);
  for (size_t i = 0; i < n; ++i) docs.push_back(FilesDocumentJson(kDefaultSeed, i));
  return docs;
}

size_t TotalBytes(const std::vector<std::string>& docs) {
  size_t total = 0;
  for (const std::string& d : docs) total += d.size();
  return total;
}

std::vector<Value> ParseAll(const std::vector<std::string>& docs) {
  std::vector<Value> values;
  values.reserve(docs.size());
  for (const std::string& d : docs) {
    absl::StatusOr<Value> v = query::ParseEjson(d);
    if (!v.ok()) {
      std::fprintf(stderr, "workload document does not parse: %s\n",
                   std::string(v.status().message()).c_str());
      std::abort();
    }
    values.push_back(*std::move(v));
  }
  return values;
}

void BM_ParseEjson_Workload(benchmark::State& state) {
  const std::vector<std::string> docs = Documents(static_cast<size_t>(state.range(0)));
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& text = docs[i];
    absl::StatusOr<Value> v = query::ParseEjson(text);
    benchmark::DoNotOptimize(v);
    bytes += text.size();
    if (++i == docs.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ParseEjson_Workload)->Arg(1000)->Arg(100000);

void BM_NlohmannParse_Workload(benchmark::State& state) {
  const std::vector<std::string> docs = Documents(static_cast<size_t>(state.range(0)));
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& text = docs[i];
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    benchmark::DoNotOptimize(j);
    bytes += text.size();
    if (++i == docs.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_NlohmannParse_Workload)->Arg(1000)->Arg(100000);

void BM_ToEjson_Workload(benchmark::State& state) {
  const std::vector<Value> values = ParseAll(Documents(static_cast<size_t>(state.range(0))));
  std::string out;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    out.clear();
    query::AppendEjson(values[i].view(), &out);
    benchmark::DoNotOptimize(out.data());
    bytes += out.size();
    if (++i == values.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ToEjson_Workload)->Arg(1000)->Arg(100000);

void BM_NlohmannDump_Workload(benchmark::State& state) {
  const std::vector<std::string> docs = Documents(static_cast<size_t>(state.range(0)));
  std::vector<nlohmann::json> dom;
  dom.reserve(docs.size());
  for (const std::string& d : docs) dom.push_back(nlohmann::json::parse(d, nullptr, false));
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    std::string out = dom[i].dump();
    benchmark::DoNotOptimize(out.data());
    bytes += out.size();
    if (++i == dom.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_NlohmannDump_Workload)->Arg(1000)->Arg(100000);

// Memory per document: the Value buffer (HeapBytes, node header included; malloc's own
// per-allocation overhead is not counted) plus the 16-byte handle, next to the JSONL text
// (without its newline).
void BM_BytesPerDocument_Workload(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<std::string> docs = Documents(n);
  size_t heap = 0;
  for (auto _ : state) {
    std::vector<Value> values = ParseAll(docs);
    heap = 0;
    for (const Value& v : values) heap += v.HeapBytes();
  }
  const double text = static_cast<double>(TotalBytes(docs)) / static_cast<double>(n);
  const double value = static_cast<double>(heap) / static_cast<double>(n);
  state.counters["text_bytes_per_doc"] = text;
  state.counters["value_heap_bytes_per_doc"] = value;
  state.counters["value_total_bytes_per_doc"] = value + sizeof(Value);
  state.counters["value_over_text"] = value / text;
}
BENCHMARK(BM_BytesPerDocument_Workload)->Arg(100000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace minimongo::bench

BENCHMARK_MAIN();
