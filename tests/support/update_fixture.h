// Packages and a simulated device for the update agent's tests: two small float models that
// differ in their weights, signed with a fresh key, and a flash simulator laid out as two state
// pages and two model slots.
#ifndef TINYFORGE_TESTS_SUPPORT_UPDATE_FIXTURE_H_
#define TINYFORGE_TESTS_SUPPORT_UPDATE_FIXTURE_H_

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/flash_simulator.h"
#include "tests/support/model_builder.h"
#include "tinyforge/update/update_agent.h"
#include "toolkit/host/model_file.h"
#include "toolkit/host/temp_dir.h"
#include "toolkit/package/model_package.h"

namespace tinyforge::testing {

// A one-layer float model, 4 inputs to 3 outputs; `weight` tells models apart.
inline std::vector<uint8_t> tiny_model(float weight) {
  ModelBuilder b;
  const int in = b.add_input(DataType::kFloat32, {1, 4});
  const int w = b.add_constant(DataType::kFloat32, {3, 4}, std::vector<float>(12, weight));
  const int out = b.add_tensor(DataType::kFloat32, {1, 3});
  b.add_op(::tflite::BuiltinOperator::FULLY_CONNECTED, {in, w, -1}, {out});
  b.add_output(out);
  return b.finish();
}

inline std::vector<uint8_t> tiny_model_input() {
  const float values[4] = {1, 2, 3, 4};
  std::vector<uint8_t> bytes(sizeof(values));
  std::memcpy(bytes.data(), values, sizeof(values));
  return bytes;
}

struct PackageSpec {
  float weight = 0.5f;
  uint32_t counter = 1;
  std::string board = "mps2-an386";
  bool self_test = true;
};

class PackageMaker {
 public:
  PackageMaker() : key_(host::ed25519_generate()), public_key_(host::ed25519_public_key(key_)) {}
  std::vector<uint8_t> make(const PackageSpec& spec) const {
    host::PackageOptions options;
    options.model = dir_.path() / "model.tflite";
    options.version = "1.0." + std::to_string(spec.counter);
    options.counter = spec.counter;
    options.board = spec.board;
    if (spec.self_test) {
      options.self_test_input = dir_.path() / "input.bin";
      const auto input = tiny_model_input();
      std::ofstream(*options.self_test_input, std::ios::binary)
          .write(reinterpret_cast<const char*>(input.data()), std::streamsize(input.size()));
    }
    return host::make_package(tiny_model(spec.weight), "tiny model", options, key_, nullptr);
  }
  // Rewrites the payload hash and signs again: a validly signed package with altered contents.
  std::vector<uint8_t> resign(std::vector<uint8_t> package) const {
    update::PackageHeader h;
    EXPECT_EQ(update::parse_package_header(package.data(), &h), update::UpdateStatus::kOk);
    update::sha256(package.data() + update::kPackageHeaderBytes, h.payload_bytes(),
                   h.payload_sha256);
    update::write_package_header(h, package.data());
    const auto signature = host::ed25519_sign(key_, package.data(), h.signature_offset());
    std::memcpy(package.data() + h.signature_offset(), signature.data(), signature.size());
    return package;
  }
  const host::Ed25519PublicKey& public_key() const { return public_key_; }

 private:
  host::TempDir dir_{"tinyforge-update-test-"};
  host::Ed25519Seed key_;
  host::Ed25519PublicKey public_key_;
};

// Flash: pages 0 and 1 hold state records, then two slots of `slot_pages` pages each.
class SimulatedDevice {
 public:
  static constexpr size_t kPageBytes = 256;
  explicit SimulatedDevice(const host::Ed25519PublicKey& key, size_t slot_pages = 16)
      : memory_((2 + 2 * slot_pages) * kPageBytes),
        flash_(memory_.data(), memory_.size(), kPageBytes),
        arena_(16384),
        key_(key) {
    flash_.erase_all();
    layout_.state_page[0] = 0;
    layout_.state_page[1] = kPageBytes;
    layout_.slot_offset[0] = 2 * kPageBytes;
    layout_.slot_offset[1] = (2 + slot_pages) * kPageBytes;
    layout_.slot_bytes = slot_pages * kPageBytes;
    config_.public_key = key_.data();
    config_.board = "mps2-an386";
    config_.arena = arena_.data();
    config_.arena_bytes = arena_.size();
  }
  FlashSimulator& flash() { return flash_; }
  // A fresh agent, as after a reset.
  update::UpdateAgent agent() { return update::UpdateAgent(flash_, layout_, config_); }
  update::UpdateStatus send(update::UpdateAgent& agent, const std::vector<uint8_t>& package,
                            size_t chunk = 64) {
    update::UpdateStatus s = agent.begin();
    for (size_t at = 0; s == update::UpdateStatus::kOk && at < package.size(); at += chunk) {
      s = agent.receive(package.data() + at, std::min(chunk, package.size() - at));
    }
    return s == update::UpdateStatus::kOk ? agent.finish() : s;
  }
  std::vector<uint8_t> snapshot() const {
    return std::vector<uint8_t>(memory_.data(), memory_.data() + memory_.size());
  }
  void restore(const std::vector<uint8_t>& bytes) {
    std::memcpy(memory_.data(), bytes.data(), bytes.size());
  }

 private:
  host::AlignedBytes memory_;
  FlashSimulator flash_;
  host::AlignedBytes arena_;
  host::Ed25519PublicKey key_;
  update::FlashLayout layout_;
  update::AgentConfig config_;
};

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_UPDATE_FIXTURE_H_
