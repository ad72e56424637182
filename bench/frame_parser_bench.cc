// The parsing side of DDP decoding on the workload's messages (ddp-<n>.jsonl of
// ../shared/workload): the fast frame parser alone, and DecodeServerFrame (parse + validate).
//
//   bazel build --config=opt //bench:frame_parser_bench
//   $(bazel info --config=opt output_path)/k8-opt/bin/bench/frame_parser_bench \
//       --benchmark_repetitions=5
//
// BM_FrameParserParse/n: ddp::internal::FrameParser::Parse, the view only (no Release).
// BM_DdpDecode/n: ddp::DecodeServerFrame, as in ddp_bench.
// BM_DdpDecodeReusing/n: the session's DecodeServerFrameReusing (views into a reused parser).
// The `iterations:20000` variants run a fixed number of frames (the first 20,000 messages), so
// that an instruction count under `valgrind --tool=callgrind` is comparable run to run (this
// machine has no hardware counters): divide the Ir of the benchmark function by 20,000.
// items = messages.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "bench/workload/workload.h"
#include "ddp_sync/frame.h"
#include "ddp_sync/internal/frame_decoding.h"
#include "ddp_sync/internal/frame_parser.h"
#include "query/value.h"

namespace minimongo {
namespace {

const std::vector<std::string>& Messages() {
  static const std::vector<std::string>* messages = [] {
    auto* out = new std::vector<std::string>;
    bench::DdpStreamGenerator ddp(bench::kDefaultSeed, 100'000);
    out->reserve(bench::kDdpMessageCount);
    for (uint64_t k = 0; k < bench::kDdpMessageCount; ++k) out->push_back(ddp.Next());
    return out;
  }();
  return *messages;
}

void BM_FrameParserParse(benchmark::State& state) {
  const std::vector<std::string>& messages = Messages();
  ddp::internal::FrameParser parser;
  size_t i = 0;
  for (auto _ : state) {
    std::optional<query::ValueView> v = parser.Parse(messages[i]);
    if (!v.has_value()) state.SkipWithError("a workload frame took the general path");
    benchmark::DoNotOptimize(v);
    if (++i == messages.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_DdpDecode(benchmark::State& state) {
  const std::vector<std::string>& messages = Messages();
  size_t i = 0;
  for (auto _ : state) {
    auto m = ddp::DecodeServerFrame(messages[i], i + 1);
    benchmark::DoNotOptimize(m);
    if (++i == messages.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

// The session's decode: DecodeServerFrameReusing, the message viewing the parser's buffer
// (no allocation per frame).
void BM_DdpDecodeReusing(benchmark::State& state) {
  const std::vector<std::string>& messages = Messages();
  ddp::internal::FrameParser parser;
  size_t i = 0;
  for (auto _ : state) {
    auto m = ddp::internal::DecodeServerFrameReusing(messages[i], i + 1, &parser);
    benchmark::DoNotOptimize(m);
    if (++i == messages.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_FrameParserParse)->Arg(100'000);
BENCHMARK(BM_FrameParserParse)->Arg(100'000)->Iterations(20'000);
BENCHMARK(BM_DdpDecode)->Arg(100'000);
BENCHMARK(BM_DdpDecode)->Arg(100'000)->Iterations(20'000);
BENCHMARK(BM_DdpDecodeReusing)->Arg(100'000);
BENCHMARK(BM_DdpDecodeReusing)->Arg(100'000)->Iterations(20'000);

}  // namespace
}  // namespace minimongo

BENCHMARK_MAIN();
