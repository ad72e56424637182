// Exponential backoff with jitter: the waits between reconnection attempts.
//
// The n-th wait (n = 0, 1, ...) is min(max_ms, initial_ms * multiplier^n), scaled by a random
// factor in [1 - jitter/2, 1 + jitter/2) so that many clients losing one server do not all come
// back at the same instant (Meteor's Retry uses the same shape: base 1 s, exponent 2.2, fuzz
// 0.5). Reset() after a successful connection starts again from initial_ms.
//
// Invariants: every wait is in [0, max_ms * (1 + jitter/2)]; the un-jittered wait never
// decreases between Reset()s.
//
// Thread safety: none (the connection's loop thread owns it).
//
// Example:
//   Backoff backoff({.initial_ms = 500, .max_ms = 30'000});
//   int64_t wait = backoff.NextDelayMs();   // ~500 ms, then ~1000, ~2000, ... capped at 30 s
//   ...connected again:
//   backoff.Reset();

#ifndef MINIMONGO_DDP_TRANSPORT_BACKOFF_H_
#define MINIMONGO_DDP_TRANSPORT_BACKOFF_H_

#include <cstdint>
#include <functional>

namespace minimongo::ddp {

struct BackoffOptions {
  // The first wait. Default 1 s (Meteor's base). Small values reconnect fast after a server
  // restart but hammer a server that is down.
  int64_t initial_ms = 1'000;
  // Growth per attempt. Default 2.
  double multiplier = 2.0;
  // Cap of the un-jittered wait. Default 5 minutes (Meteor's maxTimeout).
  int64_t max_ms = 300'000;
  // Relative spread of the random factor, in [0, 1]. Default 0.5 (Meteor's fuzz): waits vary
  // by +-25%. 0 gives exact, predictable waits.
  double jitter = 0.5;
  // A uniform random number in [0, 1). Default: a generator seeded from the OS. Tests inject a
  // fixed sequence.
  std::function<double()> random;
};

class Backoff {
 public:
  explicit Backoff(BackoffOptions options = {});

  // The wait before the next attempt, in milliseconds; counts an attempt.
  int64_t NextDelayMs();
  // Back to the first wait (call it once a connection succeeded).
  void Reset() { attempts_ = 0; }
  // Attempts counted since the last Reset().
  int attempts() const { return attempts_; }

 private:
  BackoffOptions options_;
  int attempts_ = 0;
};

}  // namespace minimongo::ddp

#endif  // MINIMONGO_DDP_TRANSPORT_BACKOFF_H_
