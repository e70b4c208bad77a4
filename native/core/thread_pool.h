// A fixed pool of worker threads for data-parallel loops. One pool per process, sized to the
// machine; callers ask for at most `threads` workers per loop.
#ifndef DGP_THREAD_POOL_H
#define DGP_THREAD_POOL_H

#include <cstddef>
#include <functional>

#if defined(DGP_SINGLE_THREADED)
// The wasm32 build (native/wasm/) has no threads: every loop runs inline on the caller, in task
// order, so results are the same as with any thread count.
namespace dgp {
class ThreadPool {
 public:
  void parallel_for(size_t tasks, int, const std::function<void(size_t, int)>& body) {
    for (size_t t = 0; t < tasks; ++t) body(t, 0);
  }
  int size() const { return 1; }
};
inline ThreadPool& global_pool() {
  static ThreadPool pool;
  return pool;
}
inline int hardware_threads() { return 1; }
}  // namespace dgp
#else

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace dgp {

class ThreadPool {
 public:
  explicit ThreadPool(int workers);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Runs body(task, worker) for task in [0, tasks) on up to `threads` threads (the calling
  // thread is worker 0) and returns when all are done. Tasks are handed out dynamically.
  // Not reentrant: a body must not call parallel_for on the same pool.
  void parallel_for(size_t tasks, int threads, const std::function<void(size_t, int)>& body);

  int size() const { return static_cast<int>(workers_.size()) + 1; }

 private:
  void worker_loop(int worker);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::mutex call_mutex_;  // serialises parallel_for calls from different JS/worker threads
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(size_t, int)>* body_ = nullptr;
  size_t tasks_ = 0;
  size_t next_task_ = 0;
  int active_limit_ = 0;   // workers (besides the caller) allowed in the current loop
  int running_ = 0;        // workers inside the current loop
  unsigned long generation_ = 0;
  bool stop_ = false;
};

// The process-wide pool (created on first use with hardware_threads() workers).
ThreadPool& global_pool();
int hardware_threads();

}  // namespace dgp

#endif  // DGP_SINGLE_THREADED
#endif  // DGP_THREAD_POOL_H
