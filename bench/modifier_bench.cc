// Modifier::Apply over the benchmark workload (the `files` collection of
// /work/shared/workload/WORKLOAD.md, seed kDefaultSeed, ~12 fields per document): nanoseconds
// per update, cycling over the first N documents (N sweeps cache residency).
//
//   BM_Set_TopLevel/N          {$set: {size: 12345}}                       (fast path)
//   BM_Set_TopLevel_General/N  the same forced through the editable tree   (general path)
//   BM_Set_Nested/N            {$set: {"meta.version": 7}}                 (fast path)
//   BM_Inc/N                   {$inc: {size: 1}}                           (fast path)
//   BM_Push_Each/N             {$push: {tags: {$each: ["x", "y"], $slice: -5}}}
//   BM_Direct_*/N              DirectModifier Parse + Apply of the same modifiers (the store's
//                              update-by-id path)
//   BM_Compile_Set             Modifier::Compile of {$set: {size: 12345}}
//   BM_Rebuild_FieldByField/N  the floor of the fast path with today's ValueBuilder API: copy
//                              every field with Key()+Append(), EndObject(), Finish()
//   BM_Copy_Whole/N            one Append() of the whole document + Finish(): what a
//                              block-copy of untouched fields could approach
// Items processed are updates (or compilations).
//
//   bazel build -c opt --config=opt //bench:modifier_bench && bazel-bin/bench/modifier_bench

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/workload/workload.h"
#include "benchmark/benchmark.h"
#include "query/ejson.h"
#include "query/modifier.h"
#include "query/value.h"

namespace minimongo::bench {
namespace {

using query::Modifier;
using query::Value;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "%s\n", what.c_str());
  std::abort();
}

Value Parse(std::string_view text) {
  absl::StatusOr<Value> v = query::ParseEjson(text);
  if (!v.ok()) Die("does not parse: " + std::string(text));
  return *std::move(v);
}

// The first n workload documents, parsed once per process and cached.
const std::vector<Value>& Documents(size_t n) {
  static auto* cache = new std::map<size_t, std::vector<Value>>();
  auto it = cache->find(n);
  if (it != cache->end()) return it->second;
  std::vector<Value> docs;
  docs.reserve(n);
  for (size_t i = 0; i < n; ++i) docs.push_back(Parse(FilesDocumentJson(kDefaultSeed, i)));
  return cache->emplace(n, std::move(docs)).first->second;
}

Modifier CompileOrDie(std::string_view text) {
  Value spec = Parse(text);
  absl::StatusOr<Modifier> m = Modifier::Compile(spec.view());
  if (!m.ok()) Die("does not compile: " + std::string(text));
  return *std::move(m);
}

void RunApply(benchmark::State& state, std::string_view modifier_text) {
  const std::vector<Value>& docs = Documents(static_cast<size_t>(state.range(0)));
  Modifier modifier = CompileOrDie(modifier_text);
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<Value> result = modifier.Apply(docs[i].view());
    if (!result.ok()) Die("apply failed: " + std::string(result.status().message()));
    benchmark::DoNotOptimize(result);
    if (++i == docs.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_Set_TopLevel(benchmark::State& state) { RunApply(state, R"({"$set": {"size": 12345}})"); }
BENCHMARK(BM_Set_TopLevel)->Arg(1000)->Arg(100000);

// $setOnInsert (ignored outside upsert inserts) keeps the modifier off the fast path.
void BM_Set_TopLevel_General(benchmark::State& state) {
  RunApply(state, R"({"$set": {"size": 12345}, "$setOnInsert": {"zz_probe": 1}})");
}
BENCHMARK(BM_Set_TopLevel_General)->Arg(1000)->Arg(100000);

void BM_Set_Nested(benchmark::State& state) { RunApply(state, R"({"$set": {"meta.version": 7}})"); }
BENCHMARK(BM_Set_Nested)->Arg(1000)->Arg(100000);

void BM_Inc(benchmark::State& state) { RunApply(state, R"({"$inc": {"size": 1}})"); }
BENCHMARK(BM_Inc)->Arg(1000)->Arg(100000);

void BM_Push_Each(benchmark::State& state) {
  RunApply(state, R"({"$push": {"tags": {"$each": ["x", "y"], "$slice": -5}}})");
}
BENCHMARK(BM_Push_Each)->Arg(1000)->Arg(100000);

void BM_Rebuild_FieldByField(benchmark::State& state) {
  const std::vector<Value>& docs = Documents(static_cast<size_t>(state.range(0)));
  size_t i = 0;
  query::ValueBuilder b;
  for (auto _ : state) {
    b.BeginObject();
    for (const query::Field& f : docs[i].view().fields()) {
      b.Key(f.key);
      b.Append(f.value);
    }
    (void)b.EndObject();
    Value v = b.Finish();
    benchmark::DoNotOptimize(v);
    if (++i == docs.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Rebuild_FieldByField)->Arg(1000);

void BM_Copy_Whole(benchmark::State& state) {
  const std::vector<Value>& docs = Documents(static_cast<size_t>(state.range(0)));
  size_t i = 0;
  query::ValueBuilder b;
  for (auto _ : state) {
    b.Append(docs[i].view());
    Value v = b.Finish();
    benchmark::DoNotOptimize(v);
    if (++i == docs.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Copy_Whole)->Arg(1000);

// DirectModifier (the store's update-by-id path): Parse + Apply per update, as
// Collection::Update does for every call.
void RunDirect(benchmark::State& state, std::string_view modifier_text) {
  const std::vector<Value>& docs = Documents(static_cast<size_t>(state.range(0)));
  Value spec = Parse(modifier_text);
  size_t i = 0;
  for (auto _ : state) {
    query::DirectModifier direct;
    if (!direct.Parse(spec.view())) Die("direct path declined: " + std::string(modifier_text));
    std::optional<Value> result = direct.Apply(docs[i].view());
    if (!result.has_value()) Die("direct apply declined");
    benchmark::DoNotOptimize(result);
    if (++i == docs.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_Direct_Set_TopLevel(benchmark::State& state) {
  RunDirect(state, R"({"$set": {"size": 12345}})");
}
BENCHMARK(BM_Direct_Set_TopLevel)->Arg(1000)->Arg(100000);

void BM_Direct_Set_Nested(benchmark::State& state) {
  RunDirect(state, R"({"$set": {"meta.version": 7}})");
}
BENCHMARK(BM_Direct_Set_Nested)->Arg(1000)->Arg(100000);

void BM_Direct_Inc(benchmark::State& state) { RunDirect(state, R"({"$inc": {"size": 1}})"); }
BENCHMARK(BM_Direct_Inc)->Arg(1000)->Arg(100000);

void BM_Compile_Set(benchmark::State& state) {
  Value spec = Parse(R"({"$set": {"size": 12345}})");
  for (auto _ : state) {
    absl::StatusOr<Modifier> m = Modifier::Compile(spec.view());
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Compile_Set);

}  // namespace
}  // namespace minimongo::bench

BENCHMARK_MAIN();
