// Deterministic random numbers.
//
// hardneg promises bit-identical results for the same seed on every platform,
// so it does not use the standard distributions (their algorithms are left to
// each standard library). Rng is xoshiro256++ (Blackman & Vigna 2019) seeded
// through SplitMix64; bounded integers use Lemire's multiply-shift with
// rejection, so they are exactly uniform.
//
// Independent streams: Rng(seed, stream) gives a generator per purpose
// (per epoch, per thread, per user block) whose sequence depends only on the
// two numbers, never on thread scheduling.
#pragma once

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

namespace hardneg {

namespace detail {
/// SplitMix64 step: a fast 64-bit mixer, used for seeding and hashing.
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
}  // namespace detail

class Rng {
 public:
  using result_type = std::uint64_t;

  explicit Rng(std::uint64_t seed = 1, std::uint64_t stream = 0) noexcept { reseed(seed, stream); }

  void reseed(std::uint64_t seed, std::uint64_t stream = 0) noexcept {
    std::uint64_t sm = seed;
    std::uint64_t mixed_stream = stream;
    // Mix the stream id into the seed first so that (seed, stream) pairs that
    // sum to the same value still give unrelated sequences.
    sm ^= detail::splitmix64(mixed_stream);
    for (auto& word : s_) word = detail::splitmix64(sm);
  }

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

  /// Next 64 random bits.
  result_type operator()() noexcept {
    const std::uint64_t result = std::rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }

  /// Exactly uniform integer in [0, n), n > 0.
  std::uint64_t below(std::uint64_t n) noexcept {
    std::uint64_t x = (*this)();
    __uint128_t m = static_cast<__uint128_t>(x) * n;
    std::uint64_t low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        x = (*this)();
        m = static_cast<__uint128_t>(x) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  /// Uniform double in [0, 1) with 53 random bits.
  double uniform() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

  /// Uniform float in [0, 1) with 24 random bits.
  float uniform_float() noexcept { return static_cast<float>((*this)() >> 40) * 0x1.0p-24f; }

  /// Standard normal variate (Box-Muller; one value per call, for simplicity
  /// and so that the sequence does not depend on a cached second value).
  double normal() noexcept {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

  /// Fisher-Yates shuffle of a random-access range.
  template <class RandomIt>
  void shuffle(RandomIt first, RandomIt last) noexcept {
    const auto n = last - first;
    for (auto i = n - 1; i > 0; --i) {
      const auto j = static_cast<decltype(i)>(below(static_cast<std::uint64_t>(i) + 1));
      using std::swap;
      swap(first[i], first[j]);
    }
  }

 private:
  std::array<std::uint64_t, 4> s_{};
};

}  // namespace hardneg
