#include <unistd.h>
#include <algorithm>
#include <chrono>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/host/tensor_io.h"
#include "toolkit/inspect/arena_figures.h"
#include "toolkit/inspect/model_report.h"

namespace tinyforge::cli {
namespace {

struct RunOptions {
  std::string model;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  int random = 0;
  int repeat = 1;
  int top_k = 5;
  bool json = false;
  std::string board;
  int timeout_s = 600;
  bool profile = false;
  bool aot = false;
  bool no_patches = false;
};

// --profile: instructions per operator in execution order, with their share and MACs per
// instruction; the JSON list `op_instructions` holds {op, name, instructions}.
nlohmann::json print_profile(const Model& model, const deploy::BoardRun& r, bool json) {
  nlohmann::json ops = nlohmann::json::array();
  if (!json)
    std::printf("%4s  %-22s %14s %7s %10s\n", "op", "operator", "instructions", "share",
                "MACs/instr");
  for (size_t k = 0; k < r.op_order.size(); ++k) {
    const int op = r.op_order[k];
    const uint64_t count = r.instructions_per_op[k];
    const char* name = op_name(model.op_code(op));
    ops.push_back({{"op", op}, {"name", name}, {"instructions", count}});
    if (json) continue;
    const double share = r.instructions > 0 ? 100.0 * static_cast<double>(count) /
                                                  static_cast<double>(r.instructions)
                                            : 0.0;
    const int64_t macs = host::operator_macs(model, op);
    std::printf("%4d  %-22s %14llu %6.1f%% %10.2f\n", op, name,
                static_cast<unsigned long long>(count), share,
                count > 0 ? static_cast<double>(macs) / static_cast<double>(count) : 0.0);
  }
  return ops;
}

// --board: the model runs in QEMU on the board's generic runner firmware.
nlohmann::json run_on_board(const RunOptions& o) {
  const host::ModelFile file(o.model);
  const Model& model = file.model();
  if (!o.outputs.empty() && static_cast<int>(o.outputs.size()) != model.num_outputs()) {
    throw host::Error(o.model + ": the model has " + std::to_string(model.num_outputs()) +
                      " output(s), but " + std::to_string(o.outputs.size()) + " --output given");
  }
  std::vector<std::filesystem::path> inputs(o.inputs.begin(), o.inputs.end());
  std::filesystem::path random_dir;
  if (o.random > 0) {
    random_dir =
        std::filesystem::temp_directory_path() / ("tinyforge-random-" + std::to_string(::getpid()));
    std::filesystem::create_directories(random_dir);
    for (int i = 0; i < model.num_inputs(); ++i) {
      const auto bytes = host::random_input(model.tensor(model.input_tensor(i)), o.random, i);
      inputs.push_back(random_dir / ("input_" + std::to_string(i) + ".bin"));
      host::write_file(inputs.back(), bytes.data(), bytes.size());
    }
  }
  deploy::BoardRun r;
  try {
    r = o.aot ? deploy::run_aot_model_on_board(o.board, o.model, inputs, o.timeout_s)
              : deploy::run_model_on_board(o.board, o.model, inputs, o.timeout_s, 1, o.profile,
                                           false, !o.no_patches);
  } catch (...) {
    if (!random_dir.empty()) std::filesystem::remove_all(random_dir);
    throw;
  }
  if (!random_dir.empty()) std::filesystem::remove_all(random_dir);
  nlohmann::json outputs = nlohmann::json::array();
  for (int i = 0; i < model.num_outputs(); ++i) {
    TensorView out = model.tensor(model.output_tensor(i));
    out.data = r.outputs[i].data();
    nlohmann::json entry = {{"name", out.name},
                            {"dtype", dtype_name(out.type)},
                            {"shape", std::vector<int32_t>(out.dims, out.dims + out.rank)}};
    if (!o.outputs.empty()) {
      host::write_file(o.outputs[i], r.outputs[i].data(), r.outputs[i].size());
      entry["file"] = o.outputs[i];
    }
    if (!o.json) {
      std::cout << "output " << i << " '" << out.name << "' " << dtype_name(out.type) << ": "
                << host::tensor_values_text(out) << "\n";
    }
    outputs.push_back(entry);
  }
  // arena_bytes is the board's device figure (what deploy reserves); the firmware's own measure
  // is device_arena_used_bytes (docs/runtime.md, "Arena figures").
  // Compiled ahead of time, the arena is the generated code's static array.
  const KernelSet kernels = deploy::board_info(o.board).kernels;
  const host::DeviceArena device = o.aot ? host::DeviceArena{o.board, kernels, r.arena_bytes}
                                         : host::device_arena(model, kernels, o.board);
  nlohmann::json result = {{"outputs", outputs},
                           {"arena_bytes", device.bytes},
                           {"device_arena_used_bytes", r.arena_bytes},
                           {"instructions", r.instructions}};
  host::add_device_arena_json(result, device);
  if (o.profile) result["op_instructions"] = print_profile(model, r, o.json);
  if (!o.json) {
    std::cout << r.board << ": " << r.instructions << " instructions per inference"
              << (o.profile ? " (sum of the operators)" : "") << "; arena " << device.bytes
              << " bytes on a " << host::device_arena_label(device) << " (the firmware used "
              << r.arena_bytes << ")\n";
  }
  return result;
}

nlohmann::json run(const RunOptions& o) {
  if (o.aot && o.board.empty())
    throw UsageError("--aot runs the compiled model on a board: give --board too");
  if (o.aot && o.profile) throw UsageError("--profile is not supported with --aot");
  if (!o.board.empty()) return run_on_board(o);
  if (o.profile) throw UsageError("--profile counts instructions on a board: give --board too");
  const host::ModelFile file(o.model);
  host::HostInterpreter runner(file, !o.no_patches);
  Interpreter& interpreter = runner.get();
  const int num_inputs = interpreter.num_inputs();
  if (o.random == 0 && static_cast<int>(o.inputs.size()) != num_inputs) {
    throw host::Error(o.model + ": the model has " + std::to_string(num_inputs) +
                      " input(s); give that many --input files or --random K");
  }
  if (!o.outputs.empty() && static_cast<int>(o.outputs.size()) != interpreter.num_outputs()) {
    throw host::Error(o.model + ": the model has " + std::to_string(interpreter.num_outputs()) +
                      " output(s), but " + std::to_string(o.outputs.size()) + " --output given");
  }
  std::vector<std::vector<uint8_t>> input_bytes;
  for (int i = 0; i < num_inputs; ++i) {
    const TensorView input = interpreter.input(i);
    if (o.random > 0) {
      input_bytes.push_back(host::random_input(input, o.random, i));
    } else {
      host::load_tensor_file(o.inputs[i], input, "input " + std::to_string(i));
      const uint8_t* data = static_cast<const uint8_t*>(input.data);
      input_bytes.emplace_back(data, data + input.bytes());
    }
  }
  // The arena reuses input memory once an input is consumed, and stateful models start from
  // zeroed state: every repetition sets both afresh, outside the timed region.
  std::vector<double> times;
  for (int r = 0; r < std::max(1, o.repeat); ++r) {
    interpreter.reset_state();
    for (int i = 0; i < num_inputs; ++i) {
      std::copy(input_bytes[i].begin(), input_bytes[i].end(),
                static_cast<uint8_t*>(interpreter.input(i).data));
    }
    const auto start = std::chrono::steady_clock::now();
    runner.invoke();
    const auto stop = std::chrono::steady_clock::now();
    times.push_back(std::chrono::duration<double, std::micro>(stop - start).count());
  }
  std::sort(times.begin(), times.end());
  const double median_us = times[times.size() / 2];

  nlohmann::json outputs = nlohmann::json::array();
  for (int i = 0; i < interpreter.num_outputs(); ++i) {
    const TensorView out = interpreter.output(i);
    nlohmann::json entry = {{"name", out.name},
                            {"dtype", dtype_name(out.type)},
                            {"shape", std::vector<int32_t>(out.dims, out.dims + out.rank)}};
    if (!o.outputs.empty()) {
      host::write_file(o.outputs[i], out.data, out.bytes());
      entry["file"] = o.outputs[i];
    }
    if (!o.json) {
      std::cout << "output " << i << " '" << out.name << "' " << dtype_name(out.type) << ": "
                << host::tensor_values_text(out) << "\n";
      const size_t n = static_cast<size_t>(out.elements());
      if (n > 1 && n <= 1000) {  // a classifier's scores: show the best classes
        std::vector<size_t> order(n);
        for (size_t k = 0; k < n; ++k) order[k] = k;
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
          return host::tensor_value(out, a) > host::tensor_value(out, b);
        });
        std::cout << "  top-" << std::min<size_t>(o.top_k, n) << ":";
        for (size_t k = 0; k < n && k < static_cast<size_t>(o.top_k); ++k)
          std::cout << " class " << order[k] << " (" << host::tensor_value(out, order[k]) << ")";
        std::cout << "\n";
      }
    }
    outputs.push_back(entry);
  }
  const size_t arena = interpreter.arena_usage().total_bytes;
  if (!o.json) {
    std::cout << "arena " << arena << " bytes in the " << host::host_arena_label() << ", invoke "
              << median_us << " us (median of " << times.size() << ")\n";
  }
  return {{"outputs", outputs},
          {"arena_bytes", arena},
          {"host_arena_bytes", arena},
          {"invoke_us", median_us}};
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("run", "Run a .tflite model on the host with tinyforge's runtime");
  auto o = std::make_shared<RunOptions>();
  cmd->add_option("model", o->model, "The .tflite file")->required();
  auto* inputs = cmd->add_option("--input,-i", o->inputs,
                                 "Input tensor files (raw little-endian bytes), in input order");
  auto* random = cmd->add_option("--random", o->random,
                                 "Fill inputs with the conformance generator for seed K (K >= 1)")
                     ->check(whole_number_at_least(1));
  inputs->excludes(random);
  cmd->add_option("--output,-o", o->outputs, "Write output tensors to these files, in order");
  cmd->add_option("--repeat", o->repeat, "Invoke N times and report the median time")
      ->check(whole_number_at_least(1));
  cmd->add_option("--top", o->top_k, "How many best classes to print")
      ->check(whole_number_at_least(1));
  cmd->add_option("--board", o->board,
                  "Run in QEMU on this board (mps2-an386, mps2-an500, mps3-an547) and count "
                  "instructions");
  cmd->add_option("--timeout", o->timeout_s, "With --board: seconds before QEMU is stopped")
      ->check(whole_number_at_least(1));
  cmd->add_flag("--profile", o->profile,
                "With --board: instructions per operator (the total is then their sum)");
  cmd->add_flag("--aot", o->aot,
                "With --board: run the model compiled ahead of time (export aot; docs/aot.md) "
                "instead of the interpreter");
  cmd->add_flag("--no-patches", o->no_patches,
                "Plan without patch-based execution (by default the first convolutions and pools "
                "of a vision model run in bands of rows where that lowers the arena; "
                "docs/runtime.md)");
  cmd->add_flag("--json", o->json, "Print one JSON object (DESIGN.md keys) as the last line");
  cmd->callback([o, &exit_code]() { exit_code = run_command(o->json, [&]() { return run(*o); }); });
}

}  // namespace tinyforge::cli
