#include "toolkit/tune/device_figures.h"

#include <openssl/evp.h>

#include <fstream>
#include <set>

#include <nlohmann/json.hpp>
#include "toolkit/deploy/firmware_project.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/deploy/shell.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/host/temp_dir.h"
#include "toolkit/inspect/model_report.h"

namespace tinyforge::tune {
namespace {

// A short, stable name for a kernel set (directory names must stay short).
std::string digest(const std::string& text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), md, &n, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (unsigned int i = 0; i < 8; ++i) {
    s += hex[md[i] >> 4];
    s += hex[md[i] & 15];
  }
  return s;
}

}  // namespace

DeviceFigures::DeviceFigures(std::string board, std::filesystem::path cache_dir)
    : board_(std::move(board)), cache_dir_(std::move(cache_dir)) {
  deploy::board_info(board_);  // an unknown board fails here, naming the known ones
}

uint64_t DeviceFigures::code_bytes(const std::filesystem::path& tflite,
                                   const std::string& kernel_set) {
  const std::filesystem::path dir = cache_dir_ / (board_ + "-" + digest(kernel_set));
  const std::filesystem::path record = dir / "flash.json";
  if (std::filesystem::exists(record)) {
    return nlohmann::json::parse(deploy::read_text(record)).at("code_bytes").get<uint64_t>();
  }
  deploy::DeployOptions options;
  options.progress = false;
  const deploy::DeployReport r = deploy::deploy_model(tflite, board_, dir / "firmware", options);
  const uint64_t code =
      r.flash_code_bytes + r.flash_model_bytes - std::filesystem::file_size(tflite);
  const nlohmann::json j = {{"kernels", kernel_set}, {"code_bytes", code}};
  std::ofstream(dir / "flash.json.tmp") << j.dump() << "\n";
  std::filesystem::rename(dir / "flash.json.tmp", record);
  return code;
}

Figures DeviceFigures::measure(const std::filesystem::path& tflite, bool run_on_board) {
  const deploy::BoardInfo info = deploy::board_info(board_);
  const host::ModelFile file(tflite);
  const host::ModelReport report = host::make_report(file, info.kernels, board_);
  if (!report.cannot_run.empty()) {
    throw host::Error(tflite.string() + ": the runtime cannot run it: " + report.cannot_run);
  }
  Figures f;
  f.model_bytes = std::filesystem::file_size(tflite);
  f.arena_bytes = report.device_arena.bytes;
  f.macs = report.macs;
  f.params = report.params;
  // The firmware links the kernels of the operators (and their input types) the model uses.
  std::set<std::string> kernels;
  for (const auto& op : report.operators) {
    const std::string dtype =
        op.inputs.empty() || op.inputs[0] < 0 ? "" : report.tensors[op.inputs[0]].dtype;
    kernels.insert(op.name + "/" + std::to_string(op.version) + "/" + dtype);
  }
  std::string kernel_set;
  for (const auto& k : kernels) kernel_set += k + ";";
  f.flash_bytes = code_bytes(tflite, kernel_set) + f.model_bytes;
  if (run_on_board) {
    const host::TempDir tmp("tinyforge-tune-");
    std::vector<std::filesystem::path> inputs;
    for (int t : report.inputs) {
      const std::filesystem::path p = tmp.path() / ("input" + std::to_string(inputs.size()));
      const std::vector<char> zeros(report.tensors[t].bytes.value_or(0), 0);
      std::ofstream(p, std::ios::binary)
          .write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
      inputs.push_back(p);
    }
    f.instructions = deploy::run_model_on_board(board_, tflite, inputs).instructions;
  }
  return f;
}

}  // namespace tinyforge::tune
