// Test helper: a Connection whose loop runs on its own thread, with synchronous access from the
// test thread (OnLoop) and waits with deadlines (WaitFor), so a hung connection fails the test
// instead of hanging it.

#ifndef MINIMONGO_TESTS_DDP_TRANSPORT_LIVE_CONNECTION_H_
#define MINIMONGO_TESTS_DDP_TRANSPORT_LIVE_CONNECTION_H_

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "ddp_transport/connection.h"
#include "gtest/gtest.h"
#include "minimongo/database.h"

namespace minimongo::ddp::testing {

class LiveConnection {
 public:
  LiveConnection(std::string url, ConnectionOptions options) {
    auto c = Connection::Create(&db_, url, std::move(options));
    EXPECT_TRUE(c.ok()) << c.status();
    if (c.ok()) connection_ = *std::move(c);
  }
  ~LiveConnection() { StopAndJoin().IgnoreError(); }

  bool ok() const { return connection_ != nullptr; }
  Connection& connection() { return *connection_; }
  Database& db() { return db_; }

  void Start() {
    loop_ = std::thread([this] { run_status_ = connection_->Run(); });
  }
  // Stops the connection; returns Run()'s status. Fails the test when Run does not return
  // within 5 s.
  absl::Status StopAndJoin() {
    if (!loop_.joinable()) return run_status_;
    connection_->Stop();
    auto done = std::async(std::launch::async, [this] { loop_.join(); });
    if (done.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
      ADD_FAILURE() << "Run() did not return within 5 s of Stop()";
      std::abort();  // a detached loop thread would use freed memory
    }
    return run_status_;
  }

  // Runs fn on the loop thread and returns its result (the test aborts after 5 s).
  template <class F>
  auto OnLoop(F fn) -> std::invoke_result_t<F> {
    using R = std::invoke_result_t<F>;
    auto task = std::make_shared<std::packaged_task<R()>>(std::move(fn));
    std::future<R> result = task->get_future();
    connection_->Post([task] { (*task)(); });
    if (result.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
      ADD_FAILURE() << "the loop thread did not run a posted function within 5 s";
      std::abort();
    }
    return result.get();
  }

  // Polls `pred` on the loop thread until it holds; false after `timeout_ms`.
  bool WaitFor(std::function<bool()> pred, int timeout_ms = 10'000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      if (OnLoop(pred)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

 private:
  Database db_;
  std::unique_ptr<Connection> connection_;
  std::thread loop_;
  absl::Status run_status_;
};

}  // namespace minimongo::ddp::testing

#endif  // MINIMONGO_TESTS_DDP_TRANSPORT_LIVE_CONNECTION_H_
