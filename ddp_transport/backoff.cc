#include "ddp_transport/backoff.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <utility>

namespace minimongo::ddp {

Backoff::Backoff(BackoffOptions options) : options_(std::move(options)) {
  options_.initial_ms = std::max<int64_t>(0, options_.initial_ms);
  options_.max_ms = std::max(options_.initial_ms, options_.max_ms);
  options_.multiplier = std::max(1.0, options_.multiplier);
  options_.jitter = std::clamp(options_.jitter, 0.0, 1.0);
  if (!options_.random) {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    options_.random = [engine] {
      return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
    };
  }
}

int64_t Backoff::NextDelayMs() {
  // Computed in floating point and capped before any conversion, so a long outage (many
  // attempts) cannot overflow.
  double base = static_cast<double>(options_.initial_ms) *
                std::pow(options_.multiplier, static_cast<double>(attempts_));
  base = std::min(base, static_cast<double>(options_.max_ms));
  if (attempts_ < 1'000'000) ++attempts_;
  double u = std::clamp(options_.random(), 0.0, 1.0);
  double factor = 1.0 - options_.jitter / 2 + options_.jitter * u;
  return static_cast<int64_t>(std::llround(base * factor));
}

}  // namespace minimongo::ddp
