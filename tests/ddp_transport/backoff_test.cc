#include "ddp_transport/backoff.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace minimongo::ddp {
namespace {

using ::testing::ElementsAre;

TEST(BackoffTest, DoublesUpToTheCapWithoutJitter) {
  Backoff b({.initial_ms = 100, .multiplier = 2, .max_ms = 1'000, .jitter = 0});
  std::vector<int64_t> waits;
  for (int i = 0; i < 6; ++i) waits.push_back(b.NextDelayMs());
  EXPECT_THAT(waits, ElementsAre(100, 200, 400, 800, 1'000, 1'000));
  EXPECT_EQ(b.attempts(), 6);
}

TEST(BackoffTest, ResetStartsOver) {
  Backoff b({.initial_ms = 100, .multiplier = 3, .max_ms = 10'000, .jitter = 0});
  b.NextDelayMs();
  b.NextDelayMs();
  b.Reset();
  EXPECT_EQ(b.attempts(), 0);
  EXPECT_EQ(b.NextDelayMs(), 100);
  EXPECT_EQ(b.NextDelayMs(), 300);
}

TEST(BackoffTest, JitterScalesWithinHalfTheSpreadEachSide) {
  std::vector<double> randoms = {0.0, 0.5, 0.999999};
  size_t next = 0;
  Backoff b({.initial_ms = 1'000,
             .multiplier = 1,
             .max_ms = 1'000,
             .jitter = 0.5,
             .random = [&] { return randoms[next++]; }});
  EXPECT_EQ(b.NextDelayMs(), 750);    // 1 - 0.25
  EXPECT_EQ(b.NextDelayMs(), 1'000);  // the middle
  EXPECT_EQ(b.NextDelayMs(), 1'250);  // just under 1 + 0.25
}

TEST(BackoffTest, DefaultRandomStaysInBounds) {
  Backoff b({.initial_ms = 1'000, .multiplier = 2, .max_ms = 8'000, .jitter = 0.5});
  for (int i = 0; i < 200; ++i) {
    int64_t w = b.NextDelayMs();
    EXPECT_GE(w, 750);
    EXPECT_LE(w, 10'000);
  }
}

TEST(BackoffTest, ManyAttemptsDoNotOverflow) {
  Backoff b({.initial_ms = 1'000, .multiplier = 10, .max_ms = 300'000, .jitter = 0});
  int64_t last = 0;
  for (int i = 0; i < 2'000; ++i) last = b.NextDelayMs();
  EXPECT_EQ(last, 300'000);
}

TEST(BackoffTest, NonsenseOptionsAreClamped) {
  Backoff b({.initial_ms = -5, .multiplier = 0.1, .max_ms = -1, .jitter = 7});
  EXPECT_EQ(b.NextDelayMs(), 0);
}

}  // namespace
}  // namespace minimongo::ddp
