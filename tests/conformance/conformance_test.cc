// Conformance against ../shared/conformance: every model and vector in manifest.json, TFLM's
// seanet int16 suites and the example test data. Integer outputs must be byte-identical to what
// TFLite Micro produced; float32 outputs agree within 1e-5 (relative, or absolute near 0).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/support/run_model.h"
#include "tests/support/shared_data.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json manifest() {
  std::ifstream in(shared_dir() / "conformance" / "manifest.json");
  return json::parse(in);
}

std::vector<uint8_t> read_bytes(const fs::path& path) { return host::read_file(path); }

// Compares one output; returns an empty string when it matches.
std::string compare(const std::string& dtype, const std::vector<uint8_t>& got,
                    const std::vector<uint8_t>& want) {
  if (got.size() != want.size()) {
    return "size " + std::to_string(got.size()) + " != expected " + std::to_string(want.size());
  }
  if (dtype == "float32") {
    const size_t n = got.size() / 4;
    for (size_t i = 0; i < n; ++i) {
      float a, b;
      std::memcpy(&a, got.data() + 4 * i, 4);
      std::memcpy(&b, want.data() + 4 * i, 4);
      const double tolerance = 1e-5 * std::max(1.0, std::fabs(static_cast<double>(b)));
      if (!(std::fabs(static_cast<double>(a) - b) <= tolerance)) {
        std::ostringstream msg;
        msg << "element " << i << ": " << a << " != expected " << b;
        return msg.str();
      }
    }
    return "";
  }
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != want[i]) return "byte " + std::to_string(i) + " differs";
  }
  return "";
}

struct Tally {
  int passed = 0, failed = 0;
  void record(bool ok, const std::string& line) {
    (ok ? passed : failed) += 1;
    std::cout << (ok ? "PASS " : "FAIL ") << line << std::endl;
  }
  void summary(const char* what) const {
    std::cout << what << ": " << passed << " passed, " << failed << " failed" << std::endl;
  }
};

TEST(Conformance, ManifestVectorsMatchTfliteMicro) {
  TINYFORGE_REQUIRE_SHARED();
  const json m = manifest();
  const fs::path root = shared_dir() / "conformance";
  Tally tally;
  for (const auto& [name, entry] : m["models"].items()) {
    const auto model = read_bytes(root / entry["file"].get<std::string>());
    if (entry["vectors"].is_null()) {
      // No vectors (kws_ref_model_float32, a hybrid model TFLM refuses): it must either run or be
      // refused with a message naming the reason.
      const LoadResult load = load_model(model);
      const bool ok = load.status == Status::kOk || !load.message.empty();
      tally.record(ok, name + " (no vectors): " +
                           (load.status == Status::kOk ? "loads" : "refused: " + load.message));
      continue;
    }
    const fs::path dir = root / entry["vectors"]["dir"].get<std::string>();
    for (int seed : entry["vectors"]["seeds"]) {
      std::vector<std::vector<uint8_t>> inputs;
      for (size_t i = 0; i < entry["inputs"].size(); ++i)
        inputs.push_back(
            read_bytes(dir / ("input_" + std::to_string(seed) + "_" + std::to_string(i) + ".bin")));
      // The reference kernels, and the set the toolkit runs on the host (portable DSP kernels).
      for (const KernelSet kernels : {KernelSet::kReference, host::kHostKernels}) {
        const RunResult result = run_model(model, inputs, 1, kernels);
        std::string problem = result.status == Status::kOk ? "" : result.message;
        for (size_t o = 0; problem.empty() && o < entry["outputs"].size(); ++o) {
          const auto want = read_bytes(
              dir / ("output_" + std::to_string(seed) + "_" + std::to_string(o) + ".bin"));
          problem = compare(entry["outputs"][o]["dtype"], result.outputs[o], want);
          if (!problem.empty()) problem = "output " + std::to_string(o) + ": " + problem;
        }
        const char* set = kernels == KernelSet::kReference ? "" : " (host kernels)";
        tally.record(problem.empty(), name + " seed " + std::to_string(seed) + set +
                                          (problem.empty() ? "" : ": " + problem));
      }
    }
  }
  tally.summary("manifest vectors");
  EXPECT_EQ(tally.failed, 0);
}

std::vector<uint8_t> read_csv(const fs::path& path, const std::string& dtype) {
  std::ifstream in(path);
  std::vector<uint8_t> bytes;
  std::string value;
  while (std::getline(in, value, ',')) {
    const long long v = std::stoll(value);
    if (dtype == "int16") {
      const int16_t x = static_cast<int16_t>(v);
      bytes.insert(bytes.end(), reinterpret_cast<const uint8_t*>(&x),
                   reinterpret_cast<const uint8_t*>(&x) + 2);
    } else if (dtype == "int32") {
      const int32_t x = static_cast<int32_t>(v);
      bytes.insert(bytes.end(), reinterpret_cast<const uint8_t*>(&x),
                   reinterpret_cast<const uint8_t*>(&x) + 4);
    } else {
      bytes.push_back(static_cast<uint8_t>(static_cast<int8_t>(v)));
    }
  }
  return bytes;
}

TEST(Conformance, SeanetInt16SuitesMatchGoldens) {
  TINYFORGE_REQUIRE_SHARED();
  const json m = manifest();
  const fs::path dir = shared_dir() / "conformance" / "seanet";
  std::map<std::string, int> allowed_diffs;  // where TFLM itself is off by one
  for (const auto& r : m["seanet"]["tflm_check"]["results"])
    if (r["result"] != "exact") allowed_diffs[r["model"]] = r["n_diff"];
  Tally tally;
  std::vector<fs::path> models;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.path().extension() == ".tflite") models.push_back(entry.path());
  std::sort(models.begin(), models.end());
  for (const fs::path& path : models) {
    const std::string stem = path.stem().string();
    const std::string key = path.parent_path().filename().string() + "/" + path.filename().string();
    std::vector<std::vector<uint8_t>> inputs;
    for (int i = 0;; ++i) {
      bool found = false;
      for (const char* dtype : {"int8", "int16", "int32"}) {
        const fs::path csv =
            path.parent_path() / (stem + "_input" + std::to_string(i) + "_" + dtype + ".csv");
        if (fs::exists(csv)) {
          inputs.push_back(read_csv(csv, dtype));
          found = true;
        }
      }
      if (!found) break;
    }
    std::string golden_dtype;
    for (const char* dtype : {"int8", "int16", "int32"})
      if (fs::exists(path.parent_path() / (stem + "_golden_" + dtype + ".csv")))
        golden_dtype = dtype;
    const auto golden =
        read_csv(path.parent_path() / (stem + "_golden_" + golden_dtype + ".csv"), golden_dtype);
    const RunResult result = run_model(read_bytes(path), inputs);
    std::string problem = result.status == Status::kOk ? "" : result.message;
    if (problem.empty() && result.outputs[0].size() != golden.size())
      problem = "output size differs";
    if (problem.empty()) {
      const size_t width = golden_dtype == "int8" ? 1 : (golden_dtype == "int16" ? 2 : 4);
      int diffs = 0, worst = 0;
      for (size_t i = 0; i < golden.size() / width; ++i) {
        int64_t a = 0, b = 0;
        if (width == 1) {
          a = static_cast<int8_t>(result.outputs[0][i]);
          b = static_cast<int8_t>(golden[i]);
        } else if (width == 2) {
          int16_t x, y;
          std::memcpy(&x, result.outputs[0].data() + 2 * i, 2);
          std::memcpy(&y, golden.data() + 2 * i, 2);
          a = x;
          b = y;
        } else {
          int32_t x, y;
          std::memcpy(&x, result.outputs[0].data() + 4 * i, 4);
          std::memcpy(&y, golden.data() + 4 * i, 4);
          a = x;
          b = y;
        }
        if (a != b) {
          ++diffs;
          worst = std::max<int>(worst, static_cast<int>(std::llabs(a - b)));
        }
      }
      const int allowed = allowed_diffs.count(key) ? allowed_diffs[key] : 0;
      if (diffs > allowed || worst > 1) {
        problem = std::to_string(diffs) + " elements differ (max " + std::to_string(worst) +
                  "), allowed " + std::to_string(allowed) + " within 1";
      }
    }
    tally.record(problem.empty(), key + (problem.empty() ? "" : ": " + problem));
  }
  tally.summary("seanet");
  EXPECT_GT(tally.passed + tally.failed, 100);
  EXPECT_EQ(tally.failed, 0);
}

TEST(Conformance, ExampleTestDataMatchesTfliteMicro) {
  TINYFORGE_REQUIRE_SHARED();
  const json m = manifest();
  const fs::path root = shared_dir() / "conformance";
  Tally tally;
  for (const char* suite : {"micro_speech", "person_detection"}) {
    for (const auto& [name, entry] : m["testdata"][suite].items()) {
      if (!entry.contains("tflm_output_file")) continue;
      const std::string input_key =
          entry.contains("features_file") ? "features_file" : "input_file";
      const auto input = read_bytes(root / entry[input_key].get<std::string>());
      const RunResult result =
          run_model(read_bytes(root / entry["model"].get<std::string>()), {input});
      std::string problem = result.status == Status::kOk ? "" : result.message;
      if (problem.empty())
        problem = compare("int8", result.outputs[0],
                          read_bytes(root / entry["tflm_output_file"].get<std::string>()));
      tally.record(problem.empty(),
                   std::string(suite) + "/" + name + (problem.empty() ? "" : ": " + problem));
    }
  }
  tally.summary("example test data");
  EXPECT_GT(tally.passed + tally.failed, 0);
  EXPECT_EQ(tally.failed, 0);
}

}  // namespace
}  // namespace tinyforge::testing
