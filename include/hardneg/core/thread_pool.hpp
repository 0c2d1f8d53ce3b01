// A small fixed-size thread pool for fork-join loops.
//
// ThreadPool::run(n_tasks, fn) calls fn(task, worker) for every task in
// [0, n_tasks) and returns when all are done. Tasks are handed out in order
// from a shared counter; `worker` (0 .. size()-1) indexes per-thread scratch.
// Determinism is the caller's part: a task's result must depend on the task
// index only (write results per task, reduce them in task order afterwards).
// The calling thread works as worker 0, so ThreadPool(1) spawns no thread.
//
// Training calls run() several times per mini-batch, so waking the workers
// must be cheap: a worker spins briefly on the job counter before it sleeps
// on a condition variable, and so does the caller waiting for the workers.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hardneg {

class ThreadPool {
 public:
  /// n_threads = 0 means std::thread::hardware_concurrency().
  explicit ThreadPool(std::size_t n_threads = 0) {
    if (n_threads == 0) n_threads = std::max(1u, std::thread::hardware_concurrency());
    size_ = n_threads;
    for (std::size_t w = 1; w < size_; ++w) workers_.emplace_back([this, w] { worker_loop(w); });
  }

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  ~ThreadPool() {
    {
      std::lock_guard lock(mutex_);
      stop_.store(true);
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }

  std::size_t size() const noexcept { return size_; }

  /// Runs fn(task, worker) for task in [0, n_tasks); rethrows the first
  /// exception a task threw. Not reentrant.
  template <class Fn>
  void run(std::size_t n_tasks, Fn&& fn) {
    if (n_tasks == 0) return;
    if (size_ == 1 || n_tasks == 1) {
      for (std::size_t t = 0; t < n_tasks; ++t) fn(t, std::size_t{0});
      return;
    }
    job_ = [&fn](std::size_t task, std::size_t worker) { fn(task, worker); };
    n_tasks_ = n_tasks;
    next_.store(0, std::memory_order_relaxed);
    error_ = nullptr;
    busy_.store(workers_.size(), std::memory_order_relaxed);
    {
      std::lock_guard lock(mutex_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    drain(0);
    // Wait for the workers: spin first (they usually finish together), then sleep.
    for (int spin = 0; busy_.load(std::memory_order_acquire) != 0; ++spin) {
      if (spin < spin_limit) {
        pause();
      } else {
        std::unique_lock lock(mutex_);
        done_.wait(lock, [this] { return busy_.load(std::memory_order_acquire) == 0; });
      }
    }
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  static constexpr int spin_limit = 1 << 10;  // about 50 us of pause instructions

  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
  }

  void drain(std::size_t worker) {
    for (;;) {
      const std::size_t task = next_.fetch_add(1, std::memory_order_relaxed);
      if (task >= n_tasks_) return;
      try {
        job_(task, worker);
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = std::current_exception();
        next_.store(n_tasks_, std::memory_order_relaxed);  // skip the rest
      }
    }
  }

  void worker_loop(std::size_t worker) {
    std::size_t seen = 0;
    for (;;) {
      // Spin for a new job, then sleep until one comes.
      for (int spin = 0; generation_.load(std::memory_order_acquire) == seen; ++spin) {
        if (spin < spin_limit) {
          pause();
        } else {
          std::unique_lock lock(mutex_);
          wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        }
      }
      seen = generation_.load(std::memory_order_acquire);
      if (stop_.load()) return;
      drain(worker);
      if (busy_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard lock(mutex_);  // pairs with the caller's wait
        done_.notify_one();
      }
    }
  }

  std::size_t size_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::function<void(std::size_t, std::size_t)> job_;
  std::size_t n_tasks_ = 0;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::size_t> busy_{0};
  std::atomic<std::size_t> generation_{0};
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;
};

}  // namespace hardneg
