// For every conformance model: arena bytes (reference kernels) beside TFLite Micro's, the live-set
// figure, and host invoke time (median) with the reference kernels and with the set the toolkit
// runs on the host (host::kHostKernels), beside TFLite Micro's recorded reference-kernel time on
// the same kind of machine. Usage: bench_runtime_models [SHARED_DIR] [REPEATS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "toolkit/host/model_file.h"

namespace fs = std::filesystem;
using namespace tinyforge;

namespace {

struct Timing {
  ArenaUsage usage;
  double median_us = 0;
};

// `repeats` invocations of the model on input seed 1 with `kernels`; the median time.
Timing time_invoke(const Model& model, KernelSet kernels, int repeats) {
  PlanOptions options;
  options.kernels = kernels;
  host::AlignedBytes arena(host::plan_arena(model, options).total_bytes);
  Interpreter interpreter;
  if (interpreter.init(model, arena.data(), arena.size(), options) != Status::kOk)
    throw std::runtime_error(std::string("init: ") + interpreter.error());
  std::vector<std::vector<uint8_t>> inputs;
  for (int i = 0; i < interpreter.num_inputs(); ++i)
    inputs.push_back(host::random_input(interpreter.input(i), 1, i));
  // Inputs are consumed (their memory is reused), so each repetition sets them again.
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    interpreter.reset_state();
    for (int i = 0; i < interpreter.num_inputs(); ++i)
      std::copy(inputs[i].begin(), inputs[i].end(),
                static_cast<uint8_t*>(interpreter.input(i).data));
    const auto start = std::chrono::steady_clock::now();
    if (interpreter.invoke() != Status::kOk)
      throw std::runtime_error(std::string("invoke: ") + interpreter.error());
    times.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::sort(times.begin(), times.end());
  return {interpreter.arena_usage(), times[times.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path shared = argc > 1 ? fs::path(argv[1]) : fs::path(TINYFORGE_SHARED_DIR);
  const int repeats = argc > 2 ? std::stoi(argv[2]) : 50;
  std::ifstream in(shared / "conformance" / "manifest.json");
  if (!in) {
    std::cerr << "bench: cannot read " << (shared / "conformance" / "manifest.json") << "\n";
    return 1;
  }
  const nlohmann::json manifest = nlohmann::json::parse(in);
  std::printf(
      "| model | arena (ours) | planned + persistent | live set | TFLM arena (x86-64) | ours / "
      "TFLM | invoke us, reference kernels | invoke us, host kernels | host / reference | TFLM "
      "invoke us | host / TFLM |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& [name, entry] : manifest["models"].items()) {
    if (entry.value("tflm_status", "") != "ok") {
      std::printf("| %s | — | — | — | TFLM refuses it | — | — | — | — | — | — |\n", name.c_str());
      continue;
    }
    try {
      const host::ModelFile file(shared / "conformance" / entry["file"].get<std::string>());
      const Timing reference = time_invoke(file.model(), KernelSet::kReference, repeats);
      const Timing fast = time_invoke(file.model(), host::kHostKernels, repeats);
      const ArenaUsage& usage = reference.usage;
      const double tflm_arena = entry["tflm_arena_used_bytes"].get<double>();
      const double tflm_us = entry["tflm_host_invoke_us"].get<double>();
      std::printf(
          "| %s | %zu | %zu + %zu | %zu | %.0f | %.2f | %.1f | %.1f | %.2f | %.1f | %.2f |\n",
          name.c_str(), usage.total_bytes, usage.planned_bytes, usage.persistent_bytes,
          usage.live_set_bytes, tflm_arena, usage.total_bytes / tflm_arena, reference.median_us,
          fast.median_us, fast.median_us / reference.median_us, tflm_us, fast.median_us / tflm_us);
    } catch (const std::exception& e) {
      std::printf("| %s | error: %s | | | | | | | | | |\n", name.c_str(), e.what());
    }
    std::fflush(stdout);
  }
  return 0;
}
