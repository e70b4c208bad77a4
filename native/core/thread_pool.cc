#include "thread_pool.h"

#include <algorithm>

namespace dgp {

ThreadPool::ThreadPool(int workers) {
  for (int w = 1; w < workers; ++w) workers_.emplace_back([this, w] { worker_loop(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::parallel_for(size_t tasks, int threads,
                              const std::function<void(size_t, int)>& body) {
  if (tasks == 0) return;
  const int limit = std::max(1, std::min<int>(threads, size()));
  if (limit == 1 || tasks == 1) {
    for (size_t t = 0; t < tasks; ++t) body(t, 0);
    return;
  }
  std::lock_guard<std::mutex> call_lock(call_mutex_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    body_ = &body;
    tasks_ = tasks;
    next_task_ = 0;
    active_limit_ = limit - 1;
    running_ = 0;
    ++generation_;
  }
  wake_.notify_all();
  // The caller works too.
  for (;;) {
    size_t t;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (next_task_ >= tasks_) break;
      t = next_task_++;
    }
    body(t, 0);
  }
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return running_ == 0 && next_task_ >= tasks_; });
  body_ = nullptr;
  active_limit_ = 0;
}

void ThreadPool::worker_loop(int worker) {
  unsigned long seen = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || (generation_ != seen && body_ != nullptr); });
    if (stop_) return;
    seen = generation_;
    if (worker > active_limit_) continue;  // this loop asked for fewer threads
    ++running_;
    while (next_task_ < tasks_) {
      const size_t t = next_task_++;
      const auto* body = body_;
      lock.unlock();
      (*body)(t, worker);
      lock.lock();
    }
    --running_;
    if (running_ == 0) done_.notify_all();
  }
}

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(std::min(n, 256u));
}

ThreadPool& global_pool() {
  static ThreadPool pool(hardware_threads());
  return pool;
}

}  // namespace dgp
