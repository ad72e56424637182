// Connection without a server (the end-to-end tests are in connection_e2e_test.cc): creation
// errors, connection failures and the backoff between attempts, Post and Stop.

#include "ddp_transport/connection.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "minimongo/database.h"
#include "tests/ddp_transport/live_connection.h"
#include "tests/testing/status_matchers.h"

namespace minimongo::ddp {
namespace {

using ::minimongo::ddp::testing::LiveConnection;
using ::minimongo::testing::IsOk;
using ::minimongo::testing::StatusIs;

// A localhost port with nothing listening (bound, then closed).
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(ConnectionTest, CreateRejectsABadUrl) {
  Database db;
  EXPECT_THAT(Connection::Create(&db, "localhost:3000").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "missing scheme"));
}

TEST(ConnectionTest, CreateRejectsAMissingCaFile) {
  Database db;
  ConnectionOptions options;
  options.websocket.tls.ca_file = "/nonexistent/ca.pem";
  EXPECT_THAT(Connection::Create(&db, "wss://localhost:1/", options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "cannot load ca file /nonexistent"));
  // The CA file only matters for wss.
  EXPECT_THAT(Connection::Create(&db, "ws://localhost:1/", options).status(), IsOk());
}

TEST(ConnectionTest, RefusedConnectionsAreRetriedWithGrowingWaits) {
  ConnectionOptions options;
  options.backoff.initial_ms = 10;
  options.backoff.max_ms = 40;
  options.backoff.jitter = 0;
  std::vector<TransportEvent> events;
  options.on_transport_event = [&](const TransportEvent& e) { events.push_back(e); };
  LiveConnection live(fmt::format("ws://127.0.0.1:{}/", ClosedPort()), options);
  ASSERT_TRUE(live.ok());
  live.Start();
  ASSERT_TRUE(live.WaitFor([&] { return events.size() >= 10; }));
  std::vector<TransportEvent> seen = live.OnLoop([&] { return events; });
  EXPECT_EQ(seen[0].kind, TransportEvent::Kind::kClosed);
  EXPECT_THAT(seen[0].status, StatusIs(absl::StatusCode::kUnavailable, "connect"));
  std::vector<int64_t> delays;
  for (const TransportEvent& e : seen) {
    if (e.kind == TransportEvent::Kind::kReconnectScheduled) delays.push_back(e.delay_ms);
    EXPECT_NE(e.kind, TransportEvent::Kind::kOpened);
  }
  ASSERT_GE(delays.size(), 4u);
  EXPECT_EQ(delays[0], 10);
  EXPECT_EQ(delays[1], 20);
  EXPECT_EQ(delays[2], 40);
  EXPECT_EQ(delays[3], 40);
  EXPECT_EQ(live.OnLoop([&] { return live.connection().connections_opened(); }), 0u);
  EXPECT_THAT(live.StopAndJoin(), IsOk());
}

TEST(ConnectionTest, CallsWaitingForAConnectionFailWhenStopped) {
  LiveConnection live(fmt::format("ws://127.0.0.1:{}/", ClosedPort()), {});
  ASSERT_TRUE(live.ok());
  std::vector<MethodCall> outcomes;
  ASSERT_THAT(live.connection().Call("m", query::Value(), {},
                                     [&](const MethodCall& c) { outcomes.push_back(c); }),
              IsOk());
  EXPECT_THAT(live.connection().Call("m", query::Value::String("x"), {}, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, "params must be an array"));
  live.Start();
  EXPECT_THAT(live.StopAndJoin(), IsOk());
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].state, MethodCall::State::kFailed);
  EXPECT_THAT(outcomes[0].failure, StatusIs(absl::StatusCode::kUnavailable, "stopped"));
}

TEST(ConnectionTest, PostRunsOnTheLoopThreadInOrder) {
  LiveConnection live(fmt::format("ws://127.0.0.1:{}/", ClosedPort()), {});
  ASSERT_TRUE(live.ok());
  live.Start();
  std::vector<int> order;
  std::atomic<std::thread::id> loop_thread;
  std::vector<std::thread> posters;
  for (int i = 0; i < 4; ++i) {
    posters.emplace_back([&, i] {
      for (int k = 0; k < 100; ++k) {
        live.connection().Post([&, i, k] {
          loop_thread = std::this_thread::get_id();
          order.push_back(i * 1000 + k);
        });
      }
    });
  }
  for (std::thread& t : posters) t.join();
  ASSERT_TRUE(live.WaitFor([&] { return order.size() == 400; }));
  EXPECT_NE(loop_thread.load(), std::this_thread::get_id());
  // Each poster's functions ran in the order it posted them.
  std::vector<int> last(4, -1);
  for (int v : live.OnLoop([&] { return order; })) {
    EXPECT_GT(v % 1000, last[v / 1000]);
    last[v / 1000] = v % 1000;
  }
  EXPECT_THAT(live.StopAndJoin(), IsOk());
}

TEST(ConnectionTest, StopBeforeRunReturnsAtOnce) {
  Database db;
  auto c = Connection::Create(&db, "ws://127.0.0.1:1/", {});
  ASSERT_THAT(c.status(), IsOk());
  (*c)->Stop();
  EXPECT_THAT((*c)->Run(), IsOk());
  EXPECT_EQ((*c)->connections_opened(), 0u);
}

}  // namespace
}  // namespace minimongo::ddp
