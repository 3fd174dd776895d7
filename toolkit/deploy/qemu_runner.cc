#include "toolkit/deploy/qemu_runner.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <regex>
#include <sstream>

#include "toolkit/deploy/firmware_project.h"
#include "toolkit/deploy/shell.h"
#include "toolkit/export/c_array.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/host/temp_dir.h"

namespace tinyforge::deploy {
namespace fs = std::filesystem;
using host::Error;

namespace {

// QEMU option values escape ',' by doubling it.
std::string qemu_escape(const std::string& s) {
  std::string e;
  for (char c : s) e += c == ',' ? std::string(",,") : std::string(1, c);
  return e;
}

std::string tail(const std::string& text, size_t lines) {
  size_t pos = text.size();
  for (size_t n = 0; n <= lines && pos != std::string::npos && pos > 0; ++n)
    pos = text.rfind('\n', pos - 1);
  return pos == std::string::npos ? text : text.substr(pos + 1);
}

std::string board_setting(const fs::path& file, const std::string& key) {
  const std::regex pattern("^\\s*set\\(" + key + "\\s+\"?([^\")]*)\"?\\)");
  std::ifstream in(file);
  std::string line;
  std::smatch match;
  while (std::getline(in, line)) {
    if (std::regex_search(line, match, pattern)) return match[1];
  }
  throw Error(file.string() + ": " + key + " not set");
}

// The source directory CMake configured `build_dir` from (CMAKE_HOME_DIRECTORY in its cache), or
// an empty path when it is not configured.
fs::path configured_source(const fs::path& build_dir) {
  std::ifstream cache(build_dir / "CMakeCache.txt");
  const std::string key = "CMAKE_HOME_DIRECTORY:INTERNAL=";
  for (std::string line; std::getline(cache, line);) {
    if (line.rfind(key, 0) == 0) return fs::weakly_canonical(line.substr(key.size()));
  }
  return {};
}

}  // namespace

fs::path source_root() {
  if (const char* env = std::getenv("TINYFORGE_SOURCE_DIR")) return env;
  return TINYFORGE_SOURCE_ROOT;
}

fs::path firmware_cache_dir() {
  if (const char* env = std::getenv("TINYFORGE_FIRMWARE_CACHE")) return env;
  return TINYFORGE_DEFAULT_FIRMWARE_CACHE;
}

std::vector<std::string> known_boards() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(source_root() / "firmware" / "boards")) {
    if (entry.path().extension() == ".cmake") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

BoardInfo board_info(const std::string& name) {
  const auto names = known_boards();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    throw Error("--board '" + name + "': unknown board (known: " + list + ")");
  }
  BoardInfo info;
  info.name = name;
  info.file = source_root() / "firmware" / "boards" / (name + ".cmake");
  info.qemu_machine = board_setting(info.file, "BOARD_QEMU_MACHINE");
  const std::string kernels = board_setting(info.file, "BOARD_KERNELS");
  if (kernels == "arm_mve") {
    info.kernels = KernelSet::kArmMve;
  } else if (kernels == "arm_dsp") {
    info.kernels = KernelSet::kArmDsp;
  } else if (kernels != "reference") {
    throw Error(info.file.string() + ": BOARD_KERNELS is '" + kernels +
                "', expected arm_mve, arm_dsp or reference");
  }
  info.clock_mhz = std::stod(board_setting(info.file, "BOARD_CLOCK_MHZ"));
  return info;
}

void build_firmware(const fs::path& build_dir, const std::string& board,
                    const std::vector<std::string>& cmake_options) {
  fs::create_directories(build_dir);
  FileLock lock(build_dir.string() + ".lock");
  const fs::path log = build_dir / "tinyforge-build.log";
  fs::remove(log);
  const fs::path source = source_root() / "firmware";
  // A build directory configured from another checkout (moved, or a second working tree) would
  // rebuild that one's sources, or fail once it is gone: start it afresh.
  if (configured_source(build_dir) != fs::weakly_canonical(source)) {
    for (const auto& entry : fs::directory_iterator(build_dir))
      if (entry.path() != log) fs::remove_all(entry.path());
  }
  if (!fs::exists(build_dir / "build.ninja")) {
    std::string configure = "cmake -S " + shell_quote(source.string()) + " -B " +
                            shell_quote(build_dir.string()) +
                            " -G Ninja -DTINYFORGE_BOARD=" + shell_quote(board);
    // append(), not `" " + shell_quote(o)`: that trips GCC 12's -Wrestrict (a false positive).
    for (const auto& o : cmake_options) configure.append(" ").append(shell_quote(o));
    if (shell_logged(configure, log, "", false) != 0) {
      fs::remove(build_dir / "CMakeCache.txt");
      throw Error("firmware for " + board + ": cmake configure failed (" + log.string() + "):\n" +
                  tail(read_text(log), 20));
    }
  }
  if (shell_logged("cmake --build " + shell_quote(build_dir.string()), log,
                   "tinyforge: building the firmware for " + board, true) != 0) {
    throw Error("firmware for " + board + ": build failed (" + log.string() + "):\n" +
                tail(read_text(log), 30));
  }
}

fs::path build_board_firmware(const std::string& board) {
  board_info(board);
  const fs::path dir = firmware_cache_dir() / board;
  build_firmware(dir, board);
  return dir;
}

std::map<std::string, uint64_t> elf_symbols(const fs::path& elf) {
  const host::TempDir temp("tinyforge-qemu-");
  const fs::path listing = temp.path() / "nm.txt";
  if (shell("arm-none-eabi-nm " + shell_quote(elf.string()) + " > " +
            shell_quote(listing.string()) + " 2>&1") != 0) {
    throw Error(elf.string() + ": arm-none-eabi-nm failed: " + read_text(listing));
  }
  std::map<std::string, uint64_t> symbols;
  std::istringstream in(read_text(listing));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string address, type, name;
    if (fields >> address >> type >> name) symbols[name] = std::stoull(address, nullptr, 16);
  }
  return symbols;
}

QemuResult run_qemu(const BoardInfo& board, const fs::path& elf, const std::string& semihosting_arg,
                    int timeout_seconds) {
  const auto symbols = elf_symbols(elf);
  const auto begin = symbols.find("hal_insn_begin");
  const auto end = symbols.find("hal_insn_end");
  if (begin == symbols.end() || end == symbols.end()) {
    throw Error(elf.string() +
                ": no hal_insn_begin/hal_insn_end markers (not a tinyforge firmware?)");
  }
  const host::TempDir temp("tinyforge-qemu-");
  const fs::path counts = temp.path() / "insns.txt";
  const fs::path console = temp.path() / "console.txt";
  std::ostringstream plugin;
  plugin << qemu_escape(TINYFORGE_INSN_PLUGIN) << ",begin=0x" << std::hex << begin->second
         << ",end=0x" << end->second << ",out=" << qemu_escape(counts.string());
  const std::string command =
      "timeout -k 5 " + std::to_string(timeout_seconds) + " qemu-system-arm -machine " +
      shell_quote(board.qemu_machine) +
      " -nographic -monitor none -serial null -semihosting-config " +
      shell_quote("enable=on,target=native,arg=" + qemu_escape(semihosting_arg)) + " -kernel " +
      shell_quote(elf.string()) + " -plugin " + shell_quote(plugin.str()) + " < /dev/null > " +
      shell_quote(console.string()) + " 2>&1";
  QemuResult result;
  result.exit_code = shell(command);
  result.timed_out = result.exit_code == 124 || result.exit_code == 137;
  result.console = read_text(console);
  std::istringstream in(read_text(counts));
  std::string word;
  uint64_t value;
  while (in >> word >> value) {
    if (word == "insns") result.instructions.push_back(value);
    if (word == "total") in >> word >> value;  // "total N pairs K"
  }
  return result;
}

namespace {

// At least one sample, and one input file per model input.
void check_job(const fs::path& model_path, const Model& model, const std::vector<fs::path>& inputs,
               uint32_t samples) {
  if (samples == 0) throw Error(model_path.string() + ": at least one sample to run");
  if (static_cast<int>(inputs.size()) != model.num_inputs()) {
    throw Error(model_path.string() + ": the model has " + std::to_string(model.num_inputs()) +
                " input(s); give that many --input files");
  }
}

// Runs `elf` (a runner firmware) on a job file for `model`'s inputs and reads back its results.
BoardRun run_job(const BoardInfo& board, const fs::path& elf, const fs::path& model_path,
                 const Model& model, const std::vector<fs::path>& inputs, int timeout_seconds,
                 uint32_t samples, bool profile, bool stream, bool patches) {
  const host::TempDir temp("tinyforge-qemu-");
  std::ofstream job(temp.path() / "job.txt");
  job << "model " << fs::absolute(model_path).string() << "\nsamples " << samples << "\n";
  if (profile) job << "profile\n";
  if (stream) job << "stream\n";
  if (!patches) job << "patches off\n";
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorView t = model.tensor(model.input_tensor(static_cast<int>(i)));
    const auto size = fs::file_size(inputs[i]);
    if (size != t.bytes() * samples) {
      throw Error(inputs[i].string() + ": input " + std::to_string(i) + " has " +
                  std::to_string(size) + " bytes; the model expects " + std::to_string(t.bytes()) +
                  (samples > 1 ? " per sample, " + std::to_string(samples) + " samples" : ""));
    }
    job << "input " << fs::absolute(inputs[i]).string() << "\n";
  }
  for (int i = 0; i < model.num_outputs(); ++i) {
    job << "output " << (temp.path() / ("output_" + std::to_string(i) + ".bin")).string() << "\n";
  }
  job.close();
  const QemuResult r = run_qemu(board, elf, (temp.path() / "job.txt").string(), timeout_seconds);
  const std::regex error_line("TF_ERROR ([^\n]*)");
  std::smatch match;
  if (r.timed_out) {
    throw Error(model_path.string() + " on " + board.name + ": QEMU timed out after " +
                std::to_string(timeout_seconds) + " s");
  }
  if (std::regex_search(r.console, match, error_line)) {
    throw Error(model_path.string() + " on " + board.name + ": " + match[1].str());
  }
  const std::regex result_line("TF_RESULT arena_bytes=([0-9]+)");
  if (r.exit_code != 0 || !std::regex_search(r.console, match, result_line)) {
    throw Error(model_path.string() + " on " + board.name + ": the firmware exited with status " +
                std::to_string(r.exit_code) + ": " + tail(r.console, 10));
  }
  const size_t windows = profile ? static_cast<size_t>(model.num_operators()) : 1;
  if (r.instructions.size() != samples * windows) {
    throw Error(model_path.string() + " on " + board.name + ": the instruction counter recorded " +
                std::to_string(r.instructions.size()) + " windows, expected " +
                std::to_string(samples * windows) + (profile ? " (one per operator)" : ""));
  }
  BoardRun run;
  run.board = board.name;
  run.arena_bytes = std::stoull(match[1].str());
  for (size_t sample = 0; sample < samples; ++sample) {
    const auto first = r.instructions.begin() + static_cast<std::ptrdiff_t>(sample * windows);
    run.instructions_per_sample.push_back(
        std::accumulate(first, first + static_cast<std::ptrdiff_t>(windows), uint64_t{0}));
  }
  run.instructions = run.instructions_per_sample[0];
  if (profile) {
    run.instructions_per_op.assign(r.instructions.begin(),
                                   r.instructions.begin() + static_cast<std::ptrdiff_t>(windows));
    const std::regex op_line("TF_OP ([0-9]+)");
    for (auto it = std::sregex_iterator(r.console.begin(), r.console.end(), op_line);
         it != std::sregex_iterator(); ++it) {
      run.op_order.push_back(std::stoi((*it)[1].str()));
    }
    if (run.op_order.size() != windows) {
      throw Error(model_path.string() + " on " + board.name + ": the firmware reported " +
                  std::to_string(run.op_order.size()) + " operators, expected " +
                  std::to_string(windows));
    }
  }
  for (int i = 0; i < model.num_outputs(); ++i) {
    run.outputs.push_back(host::read_file(temp.path() / ("output_" + std::to_string(i) + ".bin")));
    const size_t expected = model.tensor(model.output_tensor(i)).bytes() * samples;
    if (run.outputs.back().size() != expected) {
      throw Error(model_path.string() + " on " + board.name + ": output " + std::to_string(i) +
                  " has " + std::to_string(run.outputs.back().size()) + " bytes, expected " +
                  std::to_string(expected));
    }
  }
  return run;
}

}  // namespace

BoardRun run_model_on_board(const std::string& board_name, const fs::path& model_path,
                            const std::vector<fs::path>& inputs, int timeout_seconds,
                            uint32_t samples, bool profile, bool stream, bool patches) {
  const BoardInfo board = board_info(board_name);
  // Verified on the host first, so an unsupported model gets the runtime's reason right away.
  const host::ModelFile file(model_path);
  const Model& model = file.model();
  check_job(model_path, model, inputs, samples);
  const fs::path elf = build_board_firmware(board.name) / "tinyforge_runner.elf";
  const auto symbols = elf_symbols(elf);
  const uint64_t pool = symbols.at("__tf_pool_end") - symbols.at("__tf_pool_start");
  const size_t model_bytes = file.bytes().size();
  const size_t arena = host::plan_device_arena(model, board.kernels, patches).total_bytes;
  const uint64_t needed = ((model_bytes + 15) & ~size_t{15}) + arena;
  if (needed > pool) {
    throw Error(model_path.string() + " does not fit " + board.name + ": model " +
                std::to_string(model_bytes) + " bytes + arena " + std::to_string(arena) +
                " bytes = " + std::to_string(needed) +
                " bytes, but the board's RAM budget for them is " + std::to_string(pool) +
                " bytes (" + board.file.filename().string() + "); over by " +
                std::to_string(needed - pool) + " bytes");
  }
  return run_job(board, elf, model_path, model, inputs, timeout_seconds, samples, profile, stream,
                 patches);
}

BoardRun run_aot_model_on_board(const std::string& board_name, const fs::path& model_path,
                                const std::vector<fs::path>& inputs, int timeout_seconds,
                                uint32_t samples) {
  const BoardInfo board = board_info(board_name);
  const host::ModelFile file(model_path);
  const Model& model = file.model();
  check_job(model_path, model, inputs, samples);
  // One project per model (its bytes' hash) and board, rebuilt incrementally.
  const std::string hash = host::sha256_hex(file.bytes().data(), file.bytes().size());
  const fs::path project = firmware_cache_dir() / "aot" / board.name /
                           (model_path.stem().string() + "-" + hash.substr(0, 12));
  fs::create_directories(project.parent_path());
  {
    FileLock lock(project.string() + ".lock");
    DeployOptions options;
    options.aot = true;
    options.aot_runner = true;
    options.incremental = true;
    options.progress = false;
    deploy_model(model_path, board.name, project, options);
  }
  return run_job(board, project / "build" / "tinyforge_app.elf", model_path, model, inputs,
                 timeout_seconds, samples, false, false, /*patches=*/true);
}

}  // namespace tinyforge::deploy
