// Host side of the CUDA backend: the C interface of dgp_cuda.h, device buffers kept between
// calls, pinned double-buffered staging of host<->device copies, and the kernel sequence of
// dgp_cuda_kernels.cuh. Nothing here throws across the C interface.
#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include "cuda_plan.cuh"
#include "dgp_cuda.h"
#include "dgp_cuda_kernels.cuh"
#ifdef DGP_CUDA_TIMING  // the benchmark's build only (native/cuda/cuda.cmake, dgp_cuda_timed)
#include "dgp_cuda_bench.cuh"
#endif

namespace dgp {
namespace cuda {
namespace {

// Each of the two pinned staging buffers. Large enough that per-copy overheads vanish, small
// enough that the host memcpy of one chunk overlaps the DMA of the other well.
constexpr size_t kStagingBytes = size_t(16) << 20;

// Records a failed CUDA call in `st`; returns true when `e` is an error.
bool cuda_failed(cudaError_t e, const char* call, DgpStatus* st) {
  if (e == cudaSuccess) return false;
  *st = dgp::ok_status();
  st->code = e == cudaErrorMemoryAllocation ? DGP_NO_MEMORY : DGP_DEVICE_ERROR;
  std::snprintf(st->message, sizeof st->message, "CUDA %s failed: %s (%s)", call,
                cudaGetErrorString(e), cudaGetErrorName(e));
  cudaGetLastError();  // clear a non-sticky error so later calls start clean
  return true;
}

#define DGP_CUDA_TRY(expr, what)                   \
  do {                                             \
    if (cuda_failed((expr), (what), st)) return false; \
  } while (0)

struct DeviceBuffer {
  void* ptr = nullptr;
  size_t bytes = 0;
};

struct HostBuffer {
  void* ptr = nullptr;
  size_t bytes = 0;
};

// A device buffer and the host ranges that are copied to or from it.
struct Region {
  char* device;
  std::vector<Piece> pieces;  // ascending, non-overlapping, none empty
};

// Host memcpy between the caller's arrays and the pinned staging buffers, on several threads:
// one thread's memcpy (about 10 GB/s) is slower than the PCIe DMA it feeds. The calling thread
// works too; helpers sleep between calls.
struct CopyTask {
  char* dst;
  const char* src;
  size_t bytes;
};

class CopyPool {
 public:
  CopyPool() {
    const unsigned hw = std::thread::hardware_concurrency();
    const int helpers = int(std::min(8u, std::max(2u, hw / 2))) - 1;
    for (int i = 0; i < helpers && hw > 2; ++i) workers_.emplace_back([this] { loop(); });
  }

  // Runs every task; returns when all are done.
  void run(const std::vector<CopyTask>& tasks) {
    size_t bytes = 0;
    for (const CopyTask& t : tasks) bytes += t.bytes;
    if (workers_.empty() || bytes < (size_t(1) << 20)) {
      for (const CopyTask& t : tasks) std::memcpy(t.dst, t.src, t.bytes);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      tasks_ = &tasks;
      next_ = 0;
      ++generation_;
    }
    wake_.notify_all();
    work(tasks);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return active_ == 0; });
    tasks_ = nullptr;  // late helpers see no work
  }

 private:
  void work(const std::vector<CopyTask>& tasks) {
    for (;;) {
      const size_t i = next_.fetch_add(1);
      if (i >= tasks.size()) return;
      std::memcpy(tasks[i].dst, tasks[i].src, tasks[i].bytes);
    }
  }

  void loop() {
    unsigned long long seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      const std::vector<CopyTask>* tasks = tasks_;
      if (!tasks) continue;
      ++active_;
      lock.unlock();
      work(*tasks);
      lock.lock();
      if (--active_ == 0) done_.notify_all();
    }
  }

  std::vector<std::thread> workers_;  // detached for the process lifetime with the engine
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::vector<CopyTask>* tasks_ = nullptr;
  std::atomic<size_t> next_{0};
  unsigned long long generation_ = 0;
  int active_ = 0;
};

class Engine {
 public:
  DgpStatus select(const DgpLayer* layers, size_t count) {
    DgpStatus s = dgp::ok_status();
    DgpStatus* st = &s;
    if (!prepare(layers, count, false, st)) return s;
    if (plan_.layers.empty()) return s;
    if (!upload_values(layers, st)) return s;
    if (!run_kernels(st)) return s;
    if (!check_values(st)) return s;
    download(layers, st);
    return s;
  }

#ifdef DGP_CUDA_TIMING
  DgpStatus time_resident(const DgpLayer* layers, size_t count, int reps, DeviceTiming* out) {
    DgpStatus s = dgp::ok_status();
    DgpStatus* st = &s;
    *out = DeviceTiming{};
    if (!prepare(layers, count, true, st)) return s;
    if (plan_.layers.empty()) return s;
    if (!upload_values(layers, st)) return s;
    if (!run_kernels(st) || !check_values(st)) return s;  // warm-up and input check
    time_runs(std::max(reps, 1), out, st);
    return s;
  }

#endif  // DGP_CUDA_TIMING

 private:
#ifdef DGP_CUDA_TIMING
  bool time_runs(int reps, DeviceTiming* out, DgpStatus* st) {
    if (!timer_ready_) {
      for (cudaEvent_t& e : timer_) DGP_CUDA_TRY(cudaEventCreate(&e), "cudaEventCreate");
      timer_ready_ = true;
    }
    float ms = 0;
    DGP_CUDA_TRY(cudaEventRecord(timer_[0], stream_), "cudaEventRecord");
    for (int r = 0; r < reps; ++r)
      if (!run_kernels(st)) return false;
    DGP_CUDA_TRY(cudaEventRecord(timer_[1], stream_), "cudaEventRecord");
    DGP_CUDA_TRY(cudaEventSynchronize(timer_[1]), "cudaEventSynchronize");
    DGP_CUDA_TRY(cudaEventElapsedTime(&ms, timer_[0], timer_[1]), "cudaEventElapsedTime");
    out->kernel_ms = ms / reps;
    // The limit: copying the input once on the device (the pruned buffer is the destination;
    // prepare() sized it for that).
    const size_t bytes = plan_.elements * 4;
    DGP_CUDA_TRY(cudaMemcpyAsync(pruned_.ptr, values_.ptr, bytes, cudaMemcpyDeviceToDevice, stream_),
                 "cudaMemcpyAsync(device to device)");
    DGP_CUDA_TRY(cudaEventRecord(timer_[0], stream_), "cudaEventRecord");
    for (int r = 0; r < reps; ++r)
      DGP_CUDA_TRY(cudaMemcpyAsync(pruned_.ptr, values_.ptr, bytes, cudaMemcpyDeviceToDevice, stream_),
                   "cudaMemcpyAsync(device to device)");
    DGP_CUDA_TRY(cudaEventRecord(timer_[1], stream_), "cudaEventRecord");
    DGP_CUDA_TRY(cudaEventSynchronize(timer_[1]), "cudaEventSynchronize");
    DGP_CUDA_TRY(cudaEventElapsedTime(&ms, timer_[0], timer_[1]), "cudaEventElapsedTime");
    out->d2d_copy_ms = ms / reps;
    out->input_bytes = double(plan_.elements) * 4;
    if (!run_kernels(st, timer_ + 1)) return false;  // marks timer_[1..11]
    DGP_CUDA_TRY(cudaEventSynchronize(timer_[11]), "cudaEventSynchronize");
    for (int i = 0; i < kStages; ++i) {
      DGP_CUDA_TRY(cudaEventElapsedTime(&ms, timer_[1 + i], timer_[2 + i]), "cudaEventElapsedTime");
      out->stage_ms[i] = ms;
    }
    return true;
  }
#endif  // DGP_CUDA_TIMING

  bool init(DgpStatus* st) {
    DGP_CUDA_TRY(cudaSetDevice(0), "cudaSetDevice(0)");
    if (ready_) return true;
    DGP_CUDA_TRY(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    for (int i = 0; i < 2; ++i) {
      DGP_CUDA_TRY(cudaEventCreateWithFlags(&staged_[i], cudaEventDisableTiming), "cudaEventCreate");
      DGP_CUDA_TRY(cudaHostAlloc(&staging_[i], kStagingBytes, cudaHostAllocDefault),
                   "cudaHostAlloc(staging buffer)");
    }
    ready_ = true;
    return true;
  }

  // Grows a device buffer to at least `bytes` (with some slack so that a slowly growing model
  // does not reallocate every call). Contents are not kept.
  bool ensure(DeviceBuffer* b, size_t bytes, const char* name, DgpStatus* st) {
    if (bytes <= b->bytes) return true;
    if (b->ptr) cudaFree(b->ptr);
    *b = DeviceBuffer();
    const size_t want = round_up(bytes + bytes / 8, size_t(1) << 20);
    char call[96];
    std::snprintf(call, sizeof call, "cudaMalloc(%s, %zu bytes)", name, want);
    DGP_CUDA_TRY(cudaMalloc(&b->ptr, want), call);
    b->bytes = want;
    return true;
  }

  bool ensure_host(HostBuffer* b, size_t bytes, const char* name, DgpStatus* st) {
    if (bytes <= b->bytes) return true;
    if (b->ptr) cudaFreeHost(b->ptr);
    *b = HostBuffer();
    const size_t want = round_up(bytes + bytes / 8, size_t(1) << 16);
    char call[96];
    std::snprintf(call, sizeof call, "cudaHostAlloc(%s, %zu bytes)", name, want);
    DGP_CUDA_TRY(cudaHostAlloc(&b->ptr, want, cudaHostAllocDefault), call);
    b->bytes = want;
    return true;
  }

  // Plan, device buffers, tables (copied to the device on the stream).
  bool prepare(const DgpLayer* layers, size_t count, bool for_timing, DgpStatus* st) {
    try {
      if (!build_plan(layers, count, &plan_, st)) return false;
    } catch (const std::bad_alloc&) {
      *st = dgp::ok_status();
      st->code = DGP_NO_MEMORY;
      std::snprintf(st->message, sizeof st->message, "out of host memory for the CUDA plan");
      return false;
    }
    if (plan_.layers.empty()) return true;
    if (!init(st)) return false;
    const Plan& p = plan_;
    const size_t nl = p.layers.size(), ns = p.segments.size(), nt = p.tiles.size();
    const size_t layers_at = 0;
    const size_t segments_at = round_up(layers_at + nl * sizeof(LayerDesc), 16);
    const size_t tiles_at = round_up(segments_at + ns * sizeof(Segment), 16);
    const size_t tables_bytes = round_up(tiles_at + nt * sizeof(Tile), 16);
    if (!ensure(&values_, p.elements * 4, "input values", st)) return false;
    if ((p.outputs & kOutCodes) && !ensure(&codes_, p.elements, "class codes", st)) return false;
    if (((p.outputs & kOutPruned) || for_timing) &&
        !ensure(&pruned_, p.elements * 4, "pruned values", st))
      return false;
    if ((p.outputs & kOutKept) && !ensure(&kept_index_, p.kept * 4, "kept indices", st)) return false;
    if ((p.outputs & kOutKept) && !ensure(&kept_value_, p.kept * 4, "kept values", st)) return false;
    if (p.list && !ensure(&lists_, p.list * 2 * 4, "candidate lists", st)) return false;
    if (!ensure(&tables_, tables_bytes, "layer tables", st)) return false;
    if (!ensure(&state_, nl * sizeof(LayerState), "layer state", st)) return false;
    if (!ensure(&hist_, nl * 2 * kMaxBins * 4, "histograms", st)) return false;
    if (!ensure(&tile_counts_, nt * 2 * sizeof(Counts), "tile counts", st)) return false;
    if (!ensure_host(&host_tables_, tables_bytes, "layer tables", st)) return false;
    if (!ensure_host(&host_state_, nl * sizeof(LayerState), "layer state", st)) return false;

    char* h = static_cast<char*>(host_tables_.ptr);
    std::memcpy(h + layers_at, p.layers.data(), nl * sizeof(LayerDesc));
    std::memcpy(h + segments_at, p.segments.data(), ns * sizeof(Segment));
    std::memcpy(h + tiles_at, p.tiles.data(), nt * sizeof(Tile));
    DGP_CUDA_TRY(cudaMemcpyAsync(tables_.ptr, h, tables_bytes, cudaMemcpyHostToDevice, stream_),
                 "cudaMemcpyAsync(layer tables, host to device)");

    char* d = static_cast<char*>(tables_.ptr);
    t_.values = static_cast<const uint32_t*>(values_.ptr);
    t_.layers = reinterpret_cast<const LayerDesc*>(d + layers_at);
    t_.segments = reinterpret_cast<const Segment*>(d + segments_at);
    t_.tiles = reinterpret_cast<const Tile*>(d + tiles_at);
    t_.state = static_cast<LayerState*>(state_.ptr);
    t_.hist = static_cast<uint32_t*>(hist_.ptr);
    t_.lists = static_cast<uint32_t*>(lists_.ptr);
    t_.list_len = p.list;
    t_.tile_counts = static_cast<Counts*>(tile_counts_.ptr);
    t_.tile_prefix = t_.tile_counts + nt;
    t_.codes = static_cast<uint8_t*>(codes_.ptr);
    t_.pruned = static_cast<uint32_t*>(pruned_.ptr);
    t_.kept_index = static_cast<uint32_t*>(kept_index_.ptr);
    t_.kept_value = static_cast<uint32_t*>(kept_value_.ptr);
    return true;
  }

  // Host -> device through the two pinned buffers: the memcpy into one overlaps the DMA out of
  // the other.
  bool upload_values(const DgpLayer* layers, DgpStatus* st) {
    Region r{static_cast<char*>(values_.ptr), {}};
    for (size_t i = 0; i < plan_.layers.size(); ++i) {
      const DgpLayer& L = layers[plan_.position[i]];
      r.pieces.push_back(Piece{const_cast<char*>(reinterpret_cast<const char*>(L.values)),
                               plan_.layers[i].offset * 4, L.n * 4});
    }
    const std::vector<Window> windows = staging_windows(r.pieces, kStagingBytes);
    for (size_t j = 0; j < windows.size(); ++j) {
      const int b = int(j % 2);
      if (j >= 2) DGP_CUDA_TRY(cudaEventSynchronize(staged_[b]), "cudaEventSynchronize(upload)");
      transfer_pieces(r, windows[j], static_cast<char*>(staging_[b]), true);
      DGP_CUDA_TRY(cudaMemcpyAsync(r.device + windows[j].start, staging_[b], windows[j].bytes,
                                   cudaMemcpyHostToDevice, stream_),
                   "cudaMemcpyAsync(values, host to device)");
      DGP_CUDA_TRY(cudaEventRecord(staged_[b], stream_), "cudaEventRecord");
    }
    return true;
  }

  // Copies between the host pieces and a staging window (to_staging: host -> staging), in
  // slices of at most 1 MiB spread over the copy threads.
  void transfer_pieces(const Region& r, const Window& w, char* staging, bool to_staging) {
    constexpr uint64_t kSlice = uint64_t(1) << 20;
    const uint64_t w_end = w.start + w.bytes;
    copy_tasks_.clear();
    auto it = std::lower_bound(r.pieces.begin(), r.pieces.end(), w.start,
                               [](const Piece& p, uint64_t at) { return p.device_offset + p.bytes <= at; });
    for (; it != r.pieces.end() && it->device_offset < w_end; ++it) {
      const uint64_t lo = std::max(w.start, it->device_offset);
      const uint64_t hi = std::min(w_end, it->device_offset + it->bytes);
      for (uint64_t a = lo; a < hi; a += kSlice) {
        const uint64_t len = std::min(kSlice, hi - a);
        char* host = it->host + (a - it->device_offset);
        char* stage = staging + (a - w.start);
        copy_tasks_.push_back(to_staging ? CopyTask{stage, host, len} : CopyTask{host, stage, len});
      }
    }
    copies_.run(copy_tasks_);
  }

  // The kernel sequence on the stream. `marks` (benchmark only): 11 events recorded before the
  // first step and after each of the 10 steps.
  bool run_kernels(DgpStatus* st, cudaEvent_t* marks = nullptr) {
    const unsigned nl = (unsigned)plan_.layers.size();
    const unsigned ns = (unsigned)plan_.segments.size();
    const unsigned nt = (unsigned)plan_.tiles.size();
    int m = 0;
    auto mark = [&] {
      if (marks) cudaEventRecord(marks[m++], stream_);
    };
    mark();
    init_kernel<<<nl, kThreads, 0, stream_>>>(t_);
    mark();
    pass0_kernel<<<ns, kThreads, 0, stream_>>>(t_);
    mark();
    select_kernel<<<nl, kThreads, 0, stream_>>>(t_, 0);
    mark();
    pass1_kernel<<<ns, kThreads, 0, stream_>>>(t_);
    mark();
    select_kernel<<<nl, kThreads, 0, stream_>>>(t_, 1);
    mark();
    pass2_kernel<<<ns, kThreads, 0, stream_>>>(t_);
    mark();
    select_kernel<<<nl, kThreads, 0, stream_>>>(t_, 2);
    mark();
    count_kernel<<<nt, kThreads, 0, stream_>>>(t_);
    mark();
    tile_scan_kernel<<<nl, kThreads, 0, stream_>>>(t_);
    mark();
    output_kernel<<<nt, kThreads, 0, stream_>>>(t_);
    mark();
    DGP_CUDA_TRY(cudaGetLastError(), "kernel launch");
    return true;
  }

  // Waits for the kernels and reports the lowest layer holding a NaN/Inf (its first index).
  bool check_values(DgpStatus* st) {
    const size_t nl = plan_.layers.size();
    DGP_CUDA_TRY(cudaMemcpyAsync(host_state_.ptr, state_.ptr, nl * sizeof(LayerState),
                                 cudaMemcpyDeviceToHost, stream_),
                 "cudaMemcpyAsync(layer state, device to host)");
    DGP_CUDA_TRY(cudaStreamSynchronize(stream_), "cudaStreamSynchronize(selection kernels)");
    const LayerState* s = static_cast<const LayerState*>(host_state_.ptr);
    for (size_t i = 0; i < nl; ++i) {
      if (s[i].bad_index != ~0ull) {
        *st = dgp::ok_status();
        st->code = DGP_BAD_VALUE;
        st->layer = plan_.position[i];
        st->index = s[i].bad_index;
        std::snprintf(st->message, sizeof st->message,
                      "layer %llu holds a NaN or Infinity at index %llu",
                      (unsigned long long)st->layer, (unsigned long long)st->index);
        return false;
      }
    }
    return true;
  }

  // Device -> host of the requested outputs, all regions in one double-buffered pipeline.
  bool download(const DgpLayer* layers, DgpStatus* st) {
    std::vector<Region> regions(4);
    regions[0].device = static_cast<char*>(codes_.ptr);
    regions[1].device = static_cast<char*>(pruned_.ptr);
    regions[2].device = static_cast<char*>(kept_index_.ptr);
    regions[3].device = static_cast<char*>(kept_value_.ptr);
    for (size_t i = 0; i < plan_.layers.size(); ++i) {
      const DgpLayer& L = layers[plan_.position[i]];
      const LayerDesc& d = plan_.layers[i];
      const uint64_t kept = d.n - d.k_top - d.k_bottom;
      if (L.codes) regions[0].pieces.push_back(Piece{reinterpret_cast<char*>(L.codes), d.offset, d.n});
      if (L.pruned)
        regions[1].pieces.push_back(Piece{reinterpret_cast<char*>(L.pruned), d.offset * 4, uint64_t(d.n) * 4});
      if (L.kept_indices && kept)
        regions[2].pieces.push_back(Piece{reinterpret_cast<char*>(L.kept_indices), d.kept_offset * 4, kept * 4});
      if (L.kept_values && kept)
        regions[3].pieces.push_back(Piece{reinterpret_cast<char*>(L.kept_values), d.kept_offset * 4, kept * 4});
    }
    struct Job {
      const Region* region;
      Window window;
    };
    std::vector<Job> jobs;
    for (const Region& r : regions)
      for (const Window& w : staging_windows(r.pieces, kStagingBytes)) jobs.push_back(Job{&r, w});
    auto issue = [&](size_t j) {
      const int b = int(j % 2);
      DGP_CUDA_TRY(cudaMemcpyAsync(staging_[b], jobs[j].region->device + jobs[j].window.start,
                                   jobs[j].window.bytes, cudaMemcpyDeviceToHost, stream_),
                   "cudaMemcpyAsync(outputs, device to host)");
      DGP_CUDA_TRY(cudaEventRecord(staged_[b], stream_), "cudaEventRecord");
      return true;
    };
    for (size_t j = 0; j < jobs.size() && j < 2; ++j)
      if (!issue(j)) return false;
    for (size_t j = 0; j < jobs.size(); ++j) {
      const int b = int(j % 2);
      DGP_CUDA_TRY(cudaEventSynchronize(staged_[b]), "cudaEventSynchronize(download)");
      transfer_pieces(*jobs[j].region, jobs[j].window, static_cast<char*>(staging_[b]), false);
      if (j + 2 < jobs.size() && !issue(j + 2)) return false;
    }
    return true;
  }

  bool ready_ = false;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t staged_[2] = {nullptr, nullptr};
  void* staging_[2] = {nullptr, nullptr};
#ifdef DGP_CUDA_TIMING
  bool timer_ready_ = false;
  cudaEvent_t timer_[12] = {};
#endif
  DeviceBuffer values_, codes_, pruned_, kept_index_, kept_value_, lists_, tables_, state_, hist_,
      tile_counts_;
  HostBuffer host_tables_, host_state_;
  CopyPool copies_;
  std::vector<CopyTask> copy_tasks_;
  Plan plan_;
  DeviceTables t_{};
};

// One engine per process: the device buffers and pinned staging are reused across calls, and
// calls from several threads take turns (the buffers are not per-call).
std::mutex g_mutex;
Engine& engine() {
  static Engine* e = new Engine();  // never destroyed: CUDA may already be torn down at exit
  return *e;
}

}  // namespace

#ifdef DGP_CUDA_TIMING
DgpStatus time_device_resident(const DgpLayer* layers, size_t count, int reps, DeviceTiming* out) {
  std::lock_guard<std::mutex> lock(g_mutex);
  return engine().time_resident(layers, count, reps, out);
}
#endif

}  // namespace cuda
}  // namespace dgp

extern "C" int dgp_cuda_compiled(void) { return 1; }

extern "C" int dgp_cuda_device_count(char* reason, size_t reason_len) {
  auto say = [&](const char* fmt, const char* a, const char* b) {
    if (reason && reason_len) std::snprintf(reason, reason_len, fmt, a, b);
  };
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    say("cudaGetDeviceCount failed: %s (%s)", cudaGetErrorString(e), cudaGetErrorName(e));
    cudaGetLastError();
    return 0;
  }
  if (n <= 0) {
    say("%s%s", "no CUDA device found", "");
    return 0;
  }
  // The build holds code for a fixed set of architectures: make sure device 0 can run it.
  cudaFuncAttributes attr;
  e = cudaSetDevice(0);
  if (e == cudaSuccess) e = cudaFuncGetAttributes(&attr, dgp::cuda::output_kernel);
  if (e != cudaSuccess) {
    say("device 0 cannot run this build's kernels: %s (%s)", cudaGetErrorString(e),
        cudaGetErrorName(e));
    cudaGetLastError();
    return 0;
  }
  if (reason && reason_len) reason[0] = '\0';
  return n;
}

extern "C" void dgp_cuda_device_name(char* name, size_t name_len) {
  if (!name || !name_len) return;
  name[0] = '\0';
  cudaDeviceProp p;
  if (cudaGetDeviceProperties(&p, 0) != cudaSuccess) {
    cudaGetLastError();
    return;
  }
  std::snprintf(name, name_len, "%s (sm_%d%d)", p.name, p.major, p.minor);
}

extern "C" DgpStatus dgp_cuda_select_layers(const DgpLayer* layers, size_t count) {
  std::lock_guard<std::mutex> lock(dgp::cuda::g_mutex);
  return dgp::cuda::engine().select(layers, count);
}
