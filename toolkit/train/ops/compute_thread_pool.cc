// A persistent pool: workers wait for a new generation number, run their share, and the last to
// finish wakes the caller. Workers are created on first use and live for the process.
#include "toolkit/train/ops/compute_thread_pool.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace tinyforge::train::compute {
namespace {

thread_local bool inside_job = false;

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    start_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  void run(int threads, const std::function<void(int)>& job) {
    std::lock_guard<std::mutex> serial(run_mutex_);  // one job at a time
    {
      std::unique_lock<std::mutex> lock(mutex_);
      while (static_cast<int>(workers_.size()) < threads - 1) {
        const int index = static_cast<int>(workers_.size()) + 1;
        workers_.emplace_back([this, index] { work(index); });
      }
      job_ = &job;
      job_threads_ = threads;
      pending_ = threads - 1;
      error_ = nullptr;
      ++generation_;
    }
    start_.notify_all();
    run_share(job, 0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void run_share(const std::function<void(int)>& job, int index) {
    inside_job = true;
    try {
      job(index);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    inside_job = false;
  }

  void work(int index) {
    uint64_t seen = 0;
    for (;;) {
      const std::function<void(int)>* job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        start_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
        if (index >= job_threads_) continue;
        job = job_;
      }
      run_share(*job, index);
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::mutex run_mutex_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* job_ = nullptr;
  int job_threads_ = 0;
  int pending_ = 0;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
};

}  // namespace

int max_threads() { return std::max(1, omp_get_max_threads()); }

void parallel_run(int threads, const std::function<void(int)>& job) {
  if (threads <= 1 || inside_job) {
    for (int t = 0; t < std::max(threads, 1); ++t) job(t);
    return;
  }
  static Pool pool;
  pool.run(threads, job);
}

void parallel_for(int64_t count, const std::function<void(int64_t)>& task) {
  std::atomic<int64_t> next{0};
  const int threads = static_cast<int>(std::min<int64_t>(count, max_threads()));
  parallel_run(threads, [&](int) {
    for (int64_t i = next++; i < count; i = next++) task(i);
  });
}

}  // namespace tinyforge::train::compute
