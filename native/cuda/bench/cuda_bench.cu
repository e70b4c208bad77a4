// GPU benchmark of the CUDA backend: kernel-only time (device-resident data, CUDA events) and
// end-to-end time (host arrays in, host arrays out, through dgp_cuda_select_layers) against a
// device-to-device cudaMemcpy of the same input bytes, for ResNet-18-shaped gradients (per layer
// and the whole model in one call) and for one layer of 10^8 elements; then the layer size above
// which the GPU beats the CPU kernel (dgp::select_layers_cpu, all hardware threads).
//
//   dgp_cuda_bench [--quick]     (--quick: 10^7 instead of 10^8 for the large layer)
// DGP_BENCH_CPU_THREADS=N runs the CPU kernel with N threads instead of all hardware threads.
// kTop = 1%, kBottom = 80% everywhere. GB/s = input bytes (4 per element) / time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "dgp_cuda.h"
#include "dgp_cuda_bench.cuh"
#include "dual_select.h"
#include "test_util.h"

namespace {

int g_cpu_threads = 0;  // select_layers_cpu's `threads`: 0 = all hardware threads

struct Tensor {
  std::string name;
  size_t n;
};

// torchvision resnet18 parameters in order: 62 tensors, 11,689,512 values.
std::vector<Tensor> resnet18() {
  std::vector<Tensor> t;
  auto conv = [&](const std::string& name, size_t out, size_t in, size_t k) {
    t.push_back({name + ".weight", out * in * k * k});
  };
  auto bn = [&](const std::string& name, size_t c) {
    t.push_back({name + ".weight", c});
    t.push_back({name + ".bias", c});
  };
  conv("conv1", 64, 3, 7);
  bn("bn1", 64);
  size_t in = 64;
  const size_t widths[4] = {64, 128, 256, 512};
  for (int l = 0; l < 4; ++l) {
    const size_t w = widths[l];
    for (int b = 0; b < 2; ++b) {
      const std::string p = "layer" + std::to_string(l + 1) + "." + std::to_string(b);
      conv(p + ".conv1", w, b == 0 ? in : w, 3);
      bn(p + ".bn1", w);
      conv(p + ".conv2", w, w, 3);
      bn(p + ".bn2", w);
      if (b == 0 && l > 0) {
        conv(p + ".downsample.0", w, in, 1);
        bn(p + ".downsample.1", w);
      }
    }
    in = w;
  }
  t.push_back({"fc.weight", 1000 * 512});
  t.push_back({"fc.bias", 1000});
  return t;
}

// A layer's input and output arrays.
struct Buffers {
  std::vector<float> g;
  std::vector<uint8_t> codes;
  std::vector<float> pruned;
  std::vector<uint32_t> kept_indices;
  std::vector<float> kept_values;
  uint64_t k_top, k_bottom;

  Buffers(std::vector<float> values) : g(std::move(values)) {
    const size_t n = g.size();
    k_top = n / 100;
    k_bottom = n * 8 / 10;
    codes.resize(n);
    pruned.resize(n);
    kept_indices.resize(n - k_top - k_bottom);
    kept_values.resize(n - k_top - k_bottom);
  }
  DgpLayer layer(bool all_outputs) {
    DgpLayer L;
    std::memset(&L, 0, sizeof L);
    L.values = g.data();
    L.n = g.size();
    L.k_top = k_top;
    L.k_bottom = k_bottom;
    L.codes = codes.data();
    if (all_outputs) {
      L.pruned = pruned.data();
      L.kept_indices = kept_indices.data();
      L.kept_values = kept_values.data();
    }
    return L;
  }
};

std::vector<DgpLayer> layers_of(std::vector<Buffers>& b, bool all) {
  std::vector<DgpLayer> v;
  for (Buffers& x : b) v.push_back(x.layer(all));
  return v;
}

void check(const DgpStatus& s, const char* what) {
  if (s.code != DGP_OK) {
    std::fprintf(stderr, "%s failed: %d %s\n", what, s.code, s.message);
    std::exit(1);
  }
}

// Median wall time of `reps` calls after 2 warm-up calls, in milliseconds.
double median_ms(int reps, const std::function<void()>& f) {
  f();
  f();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto a = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

int reps_for(size_t n) { return n >= 50000000 ? 5 : n >= 5000000 ? 10 : n >= 100000 ? 30 : 100; }

struct Row {
  double kernel_ms, d2d_ms, e2e_codes_ms, e2e_all_ms, cpu_ms;
  double stage_ms[dgp::cuda::kStages];
};

Row measure(std::vector<Buffers>& b, size_t total) {
  Row r;
  const int reps = reps_for(total);
  std::vector<DgpLayer> all = layers_of(b, true), codes = layers_of(b, false);
  dgp::cuda::DeviceTiming t;
  check(dgp::cuda::time_device_resident(all.data(), all.size(), reps, &t), "device-resident run");
  r.kernel_ms = t.kernel_ms;
  r.d2d_ms = t.d2d_copy_ms;
  for (int i = 0; i < dgp::cuda::kStages; ++i) r.stage_ms[i] = t.stage_ms[i];
  r.e2e_codes_ms = median_ms(reps, [&] { check(dgp_cuda_select_layers(codes.data(), codes.size()), "cuda"); });
  r.e2e_all_ms = median_ms(reps, [&] { check(dgp_cuda_select_layers(all.data(), all.size()), "cuda"); });
  r.cpu_ms = median_ms(reps, [&] { check(dgp::select_layers_cpu(all.data(), all.size(), g_cpu_threads), "cpu"); });
  return r;
}

unsigned cpu_threads() {
  return g_cpu_threads > 0 ? unsigned(g_cpu_threads) : std::thread::hardware_concurrency();
}

double ns_per(double ms, size_t n) { return ms * 1e6 / double(n); }
double gbps(double ms, size_t n) { return double(n) * 4 / (ms * 1e-3) / 1e9; }

void print_summary(const char* title, const Row& r, size_t n) {
  std::printf("%s: %zu elements (%.1f MB)\n", title, n, n * 4 / 1e6);
  std::printf("  kernel only (device-resident) %9.3f ms  %7.3f ns/elem  %7.1f GB/s\n", r.kernel_ms,
              ns_per(r.kernel_ms, n), gbps(r.kernel_ms, n));
  std::printf("  D2D cudaMemcpy of the input   %9.3f ms  %7.3f ns/elem  %7.1f GB/s  (kernel = %.2fx copy)\n",
              r.d2d_ms, ns_per(r.d2d_ms, n), gbps(r.d2d_ms, n), r.kernel_ms / r.d2d_ms);
  std::printf("  end-to-end, codes only        %9.3f ms  %7.3f ns/elem  %7.1f GB/s\n", r.e2e_codes_ms,
              ns_per(r.e2e_codes_ms, n), gbps(r.e2e_codes_ms, n));
  std::printf("  end-to-end, all outputs       %9.3f ms  %7.3f ns/elem  %7.1f GB/s\n", r.e2e_all_ms,
              ns_per(r.e2e_all_ms, n), gbps(r.e2e_all_ms, n));
  std::printf("  kernel steps (one run, ms):");
  for (int i = 0; i < dgp::cuda::kStages; ++i)
    std::printf(" %s %.3f%s", dgp::cuda::kStageNames[i], r.stage_ms[i], i + 1 < dgp::cuda::kStages ? "," : "\n");
  std::printf("  CPU kernel, all outputs       %9.3f ms  %7.3f ns/elem  %7.1f GB/s  (%u threads)\n",
              r.cpu_ms, ns_per(r.cpu_ms, n), gbps(r.cpu_ms, n), cpu_threads());
}

// The GPU's codes and kept set must equal the CPU kernel's, single-threaded and with all
// threads (a sanity check printed with the numbers; the tests are the equivalence proof).
void verify(std::vector<Buffers>& b) {
  std::vector<DgpLayer> gpu = layers_of(b, true);
  check(dgp_cuda_select_layers(gpu.data(), gpu.size()), "cuda");
  size_t bad[2] = {0, 0};
  for (Buffers& x : b) {
    for (int threads : {1, g_cpu_threads}) {
      Buffers cpu(x.g);
      DgpLayer L = cpu.layer(true);
      check(dgp::select_layers_cpu(&L, 1, threads), "cpu");
      if (cpu.codes != x.codes || cpu.kept_indices != x.kept_indices) {
        std::printf("  MISMATCH: CUDA vs CPU kernel (%s) on a layer of %zu\n",
                    threads == 1 ? "1 thread" : "all threads", x.g.size());
        ++bad[threads == 1 ? 0 : 1];
      }
    }
  }
  std::printf("  check: %zu layers, CUDA == CPU (1 thread) on %zu, CUDA == CPU (all threads) on %zu\n",
              b.size(), b.size() - bad[0], b.size() - bad[1]);
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress survives a crash in a long run
  if (const char* t = std::getenv("DGP_BENCH_CPU_THREADS")) g_cpu_threads = std::atoi(t);
  char why[256], name[256];
  if (dgp_cuda_device_count(why, sizeof why) == 0) {
    std::printf("no CUDA device: %s\n", why);
    return 0;
  }
  dgp_cuda_device_name(name, sizeof name);
  std::printf("device: %s; CPU kernel: %u threads (%u hardware threads); kTop 1%%, kBottom 80%%; "
              "lognormal gradients\n\n",
              name, cpu_threads(), std::thread::hardware_concurrency());

  // ---- ResNet-18 ----
  const std::vector<Tensor> net = resnet18();
  std::vector<Buffers> model;
  size_t total = 0;
  for (size_t i = 0; i < net.size(); ++i) {
    model.emplace_back(dgp_test::make_input(dgp_test::Dist::LogNormal, net[i].n, 100 + i));
    total += net[i].n;
  }
  std::printf("ResNet-18: %zu tensors, %zu values\n", net.size(), total);
  verify(model);
  std::printf("ResNet-18 per layer (each layer alone in its own call):\n");
  std::printf("  %-28s %9s %10s %8s %10s %10s %10s\n", "tensor", "n", "kernel us", "ns/elem",
              "e2e us", "e2e all us", "cpu us");
  for (size_t i = 0; i < net.size(); ++i) {
    std::vector<Buffers> one{Buffers(model[i].g)};
    const Row r = measure(one, net[i].n);
    std::printf("  %-28s %9zu %10.1f %8.3f %10.1f %10.1f %10.1f\n", net[i].name.c_str(), net[i].n,
                r.kernel_ms * 1e3, ns_per(r.kernel_ms, net[i].n), r.e2e_codes_ms * 1e3,
                r.e2e_all_ms * 1e3, r.cpu_ms * 1e3);
  }
  std::printf("\n");
  print_summary("ResNet-18, all 62 tensors in one call", measure(model, total), total);
  std::printf("\n");
  model.clear();

  // ---- One large layer ----
  const size_t big_n = quick ? 10000000 : 100000000;
  {
    std::vector<Buffers> big;
    big.emplace_back(dgp_test::make_input(dgp_test::Dist::LogNormal, big_n, 7));
    std::printf("One layer of %zu:\n", big_n);
    verify(big);
    print_summary("One layer", measure(big, big_n), big_n);
  }
  std::printf("\n");

  // ---- CPU/GPU crossover, one layer ----
  std::printf("CPU vs GPU, one layer, end-to-end (median ms):\n");
  std::printf("  %10s %12s %12s %12s %12s\n", "n", "cpu codes", "gpu codes", "cpu all", "gpu all");
  size_t cross_codes = 0, cross_all = 0;
  for (size_t n = 1024; n <= (size_t(1) << 24); n *= 2) {
    std::vector<Buffers> one;
    one.emplace_back(dgp_test::make_input(dgp_test::Dist::LogNormal, n, n));
    std::vector<DgpLayer> codes = layers_of(one, false), all = layers_of(one, true);
    const int reps = reps_for(n);
    const double cc = median_ms(reps, [&] { check(dgp::select_layers_cpu(codes.data(), 1, g_cpu_threads), "cpu"); });
    const double gc = median_ms(reps, [&] { check(dgp_cuda_select_layers(codes.data(), 1), "cuda"); });
    const double ca = median_ms(reps, [&] { check(dgp::select_layers_cpu(all.data(), 1, g_cpu_threads), "cpu"); });
    const double ga = median_ms(reps, [&] { check(dgp_cuda_select_layers(all.data(), 1), "cuda"); });
    std::printf("  %10zu %12.4f %12.4f %12.4f %12.4f\n", n, cc, gc, ca, ga);
    if (!cross_codes && gc < cc) cross_codes = n;
    if (!cross_all && ga < ca) cross_all = n;
  }
  std::printf("  GPU first faster at n = %zu (codes only), n = %zu (all outputs); 0 = never\n",
              cross_codes, cross_all);
  return 0;
}
