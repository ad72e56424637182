// Live DDP end to end: a real DDP server (ddp-server-reactive in Node, started from
// tests/ddp_transport/server/server.js on localhost) changes a document, the change travels
// over a WebSocket, through ddp_transport::Connection and ddp::Session into the store, and
// reaches a live query's `changed` callback.
//
//   BM_DdpWs_BurstToLiveQuery/N   the server makes N changes in one go (bench.burst): wall
//                                 time from the call to the N-th callback; items = changes.
//   BM_DdpWs_ChangeLatency        one change at a time: server-side timestamp (performance
//                                 .timeOrigin + now(), sub-ms) to the callback (system clock).
// Both report latency_p50_us and latency_p99_us (for bursts, queueing behind the burst included).
//
// Needs node and tests/ddp_transport/server/node_modules (scripts/install-deps.sh); run from
// the workspace root:
//   bazel build -c opt --config=opt //bench:ddp_ws_bench
//   bazel-out/k8-opt/bin/bench/ddp_ws_bench --benchmark_repetitions=5

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "benchmark/benchmark.h"
#include "ddp_transport/connection.h"
#include "fmt/format.h"
#include "minimongo/collection.h"
#include "minimongo/database.h"
#include "minimongo/observe.h"
#include "query/ejson.h"
#include "tests/ddp_transport/node_server.h"

namespace minimongo::ddp {
namespace {

double NowEpochMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One server, one connection, one live query on "files", shared by every benchmark.
class Fixture {
 public:
  static Fixture* Get() {
    if (!tried_) {
      tried_ = true;
      instance_.reset(new Fixture());
      if (!instance_->Start()) instance_.reset();
    }
    return instance_.get();
  }
  // Stops the connection and kills the server (from main, after the benchmarks).
  static void Shutdown() { instance_.reset(); }

  ~Fixture() {
    if (loop_.joinable()) {
      connection_->Stop();
      loop_.join();
    }
    handle_.Stop();
  }

  // Runs bench.burst(f1, n) and waits for n changed events. Returns the wall seconds, or a
  // negative number on a failure (a 30 s timeout).
  double Burst(int n) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      target_ = seen_ + n;
    }
    auto start = std::chrono::steady_clock::now();
    connection_->Post([this, n] {
      query::Value params = *query::ParseEjson(fmt::format(R"(["f1", {}])", n));
      connection_->Call("bench.burst", params, {}, nullptr).IgnoreError();
    });
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(30), [&] { return seen_ >= target_; })) {
      return -1;
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  std::vector<double> TakeLatencies() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::move(latencies_ms_);
  }

 private:
  bool Start() {
    auto server = testing::NodeServer::Start("server.js", {"--data", "a"});
    if (!server.ok()) {
      std::fprintf(stderr, "ddp_ws_bench: %s\n", std::string(server.status().message()).c_str());
      return false;
    }
    server_ = *std::move(server);
    auto c = Connection::Create(&db_, fmt::format("ws://127.0.0.1:{}/websocket", server_->port()),
                                {});
    if (!c.ok()) return false;
    connection_ = *std::move(c);
    ObserveChangesCallbacks callbacks;
    callbacks.changed = [this](query::ValueView, query::ValueView fields,
                               const std::vector<std::string>&) {
      double now = NowEpochMs();
      std::optional<query::ValueView> seq = fields.Find("seq");
      if (!seq) return;
      std::optional<query::ValueView> t = seq->Find("t");
      std::lock_guard<std::mutex> lock(mu_);
      if (t) latencies_ms_.push_back(now - t->NumberAsDouble());
      if (++seen_ >= target_) cv_.notify_all();
    };
    auto handle = db_.GetCollection("files").ObserveChanges(*query::ParseEjson("{}"), {},
                                                             callbacks);
    if (!handle.ok()) return false;
    handle_ = *std::move(handle);
    auto sub = connection_->Subscribe("files");
    if (!sub.ok()) return false;
    loop_ = std::thread([this] { connection_->Run().IgnoreError(); });
    // Wait for the subscription (polling through the loop thread).
    for (int i = 0; i < 1000; ++i) {
      std::promise<bool> ready;
      auto f = ready.get_future();
      connection_->Post([&] { ready.set_value(connection_->session().IsReady(*sub)); });
      if (f.get()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  static inline std::unique_ptr<Fixture> instance_;
  static inline bool tried_ = false;

  Database db_;
  std::unique_ptr<testing::NodeServer> server_;
  std::unique_ptr<Connection> connection_;
  ObserveHandle handle_;
  std::thread loop_;
  std::mutex mu_;
  std::condition_variable cv_;
  long seen_ = 0;
  long target_ = 0;
  std::vector<double> latencies_ms_;
};

void ReportLatencies(benchmark::State& state, std::vector<double> ms) {
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))]; };
  state.counters["latency_p50_us"] = at(0.50) * 1000;
  state.counters["latency_p99_us"] = at(0.99) * 1000;
}

void BM_DdpWs_BurstToLiveQuery(benchmark::State& state) {
  Fixture* f = Fixture::Get();
  if (f == nullptr) {
    state.SkipWithError("no server (node and tests/ddp_transport/server/node_modules needed)");
    return;
  }
  const int n = static_cast<int>(state.range(0));
  f->TakeLatencies();
  for (auto _ : state) {
    double seconds = f->Burst(n);
    if (seconds < 0) {
      state.SkipWithError("timed out waiting for the changes");
      return;
    }
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * n);
  ReportLatencies(state, f->TakeLatencies());
}
BENCHMARK(BM_DdpWs_BurstToLiveQuery)->Arg(1'000)->Arg(10'000)->UseManualTime()->Unit(
    benchmark::kMillisecond);

void BM_DdpWs_ChangeLatency(benchmark::State& state) {
  Fixture* f = Fixture::Get();
  if (f == nullptr) {
    state.SkipWithError("no server (node and tests/ddp_transport/server/node_modules needed)");
    return;
  }
  f->TakeLatencies();
  for (auto _ : state) {
    double seconds = f->Burst(1);
    if (seconds < 0) {
      state.SkipWithError("timed out waiting for the change");
      return;
    }
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations());
  ReportLatencies(state, f->TakeLatencies());
}
BENCHMARK(BM_DdpWs_ChangeLatency)->Iterations(2'000)->UseManualTime()->Unit(
    benchmark::kMicrosecond);

}  // namespace
}  // namespace minimongo::ddp

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  minimongo::ddp::Fixture::Shutdown();
  return 0;
}
