#include "hardneg/core/thread_pool.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <vector>

using hardneg::ThreadPool;

TEST_CASE("ThreadPool runs every task exactly once", "[thread_pool]") {
  for (std::size_t threads : {1u, 2u, 3u}) {
    ThreadPool pool(threads);
    CHECK(pool.size() == threads);
    for (int round = 0; round < 50; ++round) {
      std::vector<std::atomic<int>> hits(257);
      pool.run(hits.size(), [&](std::size_t task, std::size_t worker) {
        REQUIRE(worker < threads);
        ++hits[task];
      });
      for (auto& h : hits) REQUIRE(h.load() == 1);
    }
  }
}

TEST_CASE("ThreadPool rethrows a task's exception and stays usable", "[thread_pool]") {
  ThreadPool pool(2);
  CHECK_THROWS_AS(pool.run(10,
                           [](std::size_t task, std::size_t) {
                             if (task == 3) throw std::runtime_error("boom");
                           }),
                  std::runtime_error);
  std::atomic<int> n{0};
  pool.run(10, [&](std::size_t, std::size_t) { ++n; });
  CHECK(n == 10);
}
