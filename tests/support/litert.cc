#include "tests/support/litert.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tflite_generated.h"
#include "toolkit/host/model_file.h"
#include "toolkit/host/temp_dir.h"

namespace tinyforge::testing {
namespace fs = std::filesystem;

fs::path litert_dir() {
  if (const char* env = std::getenv("TINYFORGE_LITERT_DIR")) return env;
  return TINYFORGE_LITERT_DIR;
}

namespace {

// The node executable: TINYFORGE_NODE, else the first `node` on PATH ("" if none).
std::string find_node() {
  if (const char* env = std::getenv("TINYFORGE_NODE")) return env;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / "node";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

// Single-quoted for /bin/sh: the only character needing care inside is the quote itself.
std::string shell_quote(const std::string& s) {
  std::string quoted = "'";
  for (char c : s) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The last `n` lines of `text`, for error messages quoting a log.
std::string last_lines(const std::string& text, size_t n) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string tail;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) {
    tail += lines[i] + "\n";
  }
  return tail;
}

std::string read_text(const fs::path& path) {
  const std::vector<uint8_t> bytes = host::read_file(path);
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

std::string litert_unavailable_reason() {
  if (find_node().empty()) return "node not found on PATH (set TINYFORGE_NODE)";
  const fs::path dir = litert_dir();
  if (!fs::exists(dir / "node_modules" / "@litertjs" / "core" / "wasm")) {
    return "no " + (dir / "node_modules/@litertjs/core").string() + " (npm ci not run)";
  }
  if (!fs::exists(dir / "build" / "litert_patched.js")) {
    return "no " + (dir / "build/litert_patched.js").string() + " (patch.mjs not run)";
  }
  return "";
}

LiteRtResult run_litert(const fs::path& model, const std::vector<std::vector<uint8_t>>& inputs,
                        size_t samples) {
  LiteRtResult result;
  const host::TempDir tmp("tinyforge-litert-");
  std::string command =
      shell_quote(find_node()) + " " + shell_quote((litert_dir() / "run.mjs").string()) + " " +
      shell_quote(model.string()) + " --json --samples " + std::to_string(samples);
  if (!inputs.empty()) command += " --input";
  for (size_t i = 0; i < inputs.size(); ++i) {
    const fs::path file = tmp.path() / ("input_" + std::to_string(i) + ".bin");
    host::write_file(file, inputs[i].data(), inputs[i].size());
    command += " " + shell_quote(file.string());
  }
  // The number of outputs is the model's business: run.mjs writes output_K.bin files into
  // --output-dir and names each in its JSON line.
  const fs::path log = tmp.path() / "stderr.txt";
  command += " --output-dir " + shell_quote(tmp.path().string());
  command += " 2>" + shell_quote(log.string());

  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    result.error = "could not start node: " + command;
    return result;
  }
  std::string out;
  std::array<char, 4096> chunk;
  for (size_t n; (n = std::fread(chunk.data(), 1, chunk.size(), pipe)) > 0;)
    out.append(chunk.data(), n);
  const int status = ::pclose(pipe);

  // The contract: the last stdout line is one JSON object.
  while (!out.empty() && out.back() == '\n') out.pop_back();
  const size_t line_start = out.rfind('\n');
  const std::string line = line_start == std::string::npos ? out : out.substr(line_start + 1);
  const nlohmann::json reply = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!reply.is_object()) {
    result.error = "run.mjs exited with status " + std::to_string(WEXITSTATUS(status)) +
                   " without a JSON line; stderr ends:\n" + last_lines(read_text(log), 10);
    return result;
  }
  if (reply.contains("error")) {
    result.error = reply["error"].get<std::string>();
    if (result.error.empty()) result.error = "run.mjs reported an empty error";
    return result;
  }
  if (status != 0) {
    result.error = "run.mjs exited with status " + std::to_string(WEXITSTATUS(status));
    return result;
  }
  result.wasm = reply.value("wasm", "");
  for (const nlohmann::json& o : reply.at("outputs")) {
    LiteRtOutput output;
    output.name = o.value("name", "");
    output.dtype = o.at("dtype").get<std::string>();
    output.shape = o.at("shape").get<std::vector<int64_t>>();
    output.bytes = host::read_file(o.at("file").get<std::string>());
    output.samples = samples;
    result.outputs.push_back(std::move(output));
  }
  return result;
}

LiteRtResult run_litert(const std::vector<uint8_t>& model,
                        const std::vector<std::vector<uint8_t>>& inputs, size_t samples) {
  const host::TempDir tmp("tinyforge-litert-");
  const fs::path file = tmp.path() / "model.tflite";
  host::write_file(file, model.data(), model.size());
  return run_litert(file, inputs, samples);
}

std::vector<uint8_t> pin_dynamic_dimensions(std::vector<uint8_t> model) {
  flatbuffers::Verifier verifier(model.data(), model.size());
  if (!tflite::VerifyModelBuffer(verifier)) return model;
  const tflite::Model* m = tflite::GetModel(model.data());
  if (m->subgraphs() == nullptr) return model;
  for (const tflite::SubGraph* subgraph : *m->subgraphs()) {
    if (subgraph->tensors() == nullptr) continue;
    for (const tflite::Tensor* tensor : *subgraph->tensors()) {
      const auto* signature = tensor->shape_signature();
      const auto* shape = tensor->shape();
      if (signature == nullptr || shape == nullptr || signature->size() != shape->size()) continue;
      for (flatbuffers::uoffset_t i = 0; i < signature->size(); ++i) {
        if (signature->Get(i) >= 0) continue;
        // The schema is generated without mutators; the vector lives in `model`, our own
        // writable copy, so writing through the reader's pointer edits it in place.
        auto* slot = const_cast<int32_t*>(signature->data() + i);
        flatbuffers::WriteScalar(slot, shape->Get(i));
      }
    }
  }
  return model;
}

double max_relative_error(const std::vector<uint8_t>& theirs, const std::vector<uint8_t>& ours) {
  const size_t n = std::min(theirs.size(), ours.size()) / sizeof(float);
  std::vector<float> a(n), b(n);
  if (n > 0) {
    std::memcpy(a.data(), theirs.data(), n * sizeof(float));
    std::memcpy(b.data(), ours.data(), n * sizeof(float));
  }
  double largest = 0;
  for (float v : b) largest = std::max(largest, std::fabs(static_cast<double>(v)));
  const double floor = std::max(largest * 1e-6, static_cast<double>(1e-30f));
  double worst = 0;
  for (size_t i = 0; i < n; ++i) {
    const double diff = std::fabs(static_cast<double>(a[i]) - b[i]);
    if (std::isnan(diff)) return INFINITY;
    worst = std::max(worst, diff / std::max(std::fabs(static_cast<double>(b[i])), floor));
  }
  return worst;
}

}  // namespace tinyforge::testing
