// The update agent (runtime/src/update) on the flash simulator: install, confirm and roll back;
// every refusal of issue 14 with its reason and the old model still running; and a power cut at
// every single erase and write of an update, after which the device runs the complete old or the
// complete new model and the anti-rollback counter never goes back.
#include <gtest/gtest.h>

#include <random>

#include "tests/support/update_fixture.h"

namespace tinyforge {
namespace {

using testing::PackageMaker;
using testing::PackageSpec;
using testing::SimulatedDevice;
using update::UpdateStatus;

class UpdateAgentTest : public ::testing::Test {
 protected:
  UpdateAgentTest()
      : device_(maker_.public_key()),
        old_package_(maker_.make({0.5f, 1})),
        new_package_(maker_.make({-0.25f, 2})),
        old_model_(testing::tiny_model(0.5f)),
        new_model_(testing::tiny_model(-0.25f)) {}

  // The device as shipped: the old model installed and confirmed (counter 1).
  void install_old() {
    auto agent = device_.agent();
    update::ActiveModel active;
    ASSERT_EQ(agent.boot(&active), UpdateStatus::kNoModel);
    ASSERT_EQ(device_.send(agent, old_package_), UpdateStatus::kOk);
    ASSERT_EQ(agent.boot(&active), UpdateStatus::kOk);
    ASSERT_TRUE(active.on_trial);
    ASSERT_EQ(agent.confirm(), UpdateStatus::kOk);
  }

  // Boots a fresh agent and returns the model bytes it runs (empty when none).
  std::vector<uint8_t> running_model(update::ActiveModel* out = nullptr) {
    auto agent = device_.agent();
    update::ActiveModel active;
    if (agent.boot(&active) != UpdateStatus::kOk) return {};
    if (out != nullptr) *out = active;
    return std::vector<uint8_t>(active.model, active.model + active.model_bytes);
  }

  // Sends `package` to a booted device running the old model; expects `refusal` and the old model
  // still running (also after a reset) with the counter unchanged.
  void expect_refused(const std::vector<uint8_t>& package, UpdateStatus refusal) {
    auto agent = device_.agent();
    update::ActiveModel active;
    ASSERT_EQ(agent.boot(&active), UpdateStatus::kOk);
    EXPECT_EQ(device_.send(agent, package), refusal)
        << "expected: " << update::update_status_reason(refusal);
    EXPECT_EQ(running_model(), old_model_);
    auto after = device_.agent();
    ASSERT_EQ(after.boot(&active), UpdateStatus::kOk);
    EXPECT_EQ(after.min_counter(), 1u);
    EXPECT_FALSE(active.on_trial);
  }

  PackageMaker maker_;
  SimulatedDevice device_;
  std::vector<uint8_t> old_package_;
  std::vector<uint8_t> new_package_;
  std::vector<uint8_t> old_model_;
  std::vector<uint8_t> new_model_;
};

TEST_F(UpdateAgentTest, InstallsConfirmsAndRaisesTheCounter) {
  install_old();
  EXPECT_EQ(running_model(), old_model_);
  auto agent = device_.agent();
  update::ActiveModel active;
  ASSERT_EQ(agent.boot(&active), UpdateStatus::kOk);
  ASSERT_EQ(device_.send(agent, new_package_, 7), UpdateStatus::kOk);  // odd chunks
  ASSERT_EQ(agent.boot(&active), UpdateStatus::kOk);
  EXPECT_TRUE(active.on_trial);
  EXPECT_EQ(active.header.security_counter, 2u);
  EXPECT_EQ(agent.min_counter(), 1u);  // raised only on confirmation
  // Updates wait until the trial ends.
  EXPECT_EQ(agent.begin(), UpdateStatus::kTrialPending);
  ASSERT_EQ(agent.confirm(), UpdateStatus::kOk);
  EXPECT_EQ(agent.min_counter(), 2u);
  EXPECT_EQ(running_model(&active), new_model_);
  EXPECT_FALSE(active.on_trial);
  EXPECT_EQ(device_.flash().double_writes(), 0);
}

TEST_F(UpdateAgentTest, RollsBackWhenTheFirstRunFails) {
  install_old();
  auto agent = device_.agent();
  update::ActiveModel active;
  ASSERT_EQ(agent.boot(&active), UpdateStatus::kOk);
  ASSERT_EQ(device_.send(agent, new_package_), UpdateStatus::kOk);
  ASSERT_EQ(agent.boot(&active), UpdateStatus::kOk);
  ASSERT_TRUE(active.on_trial);
  ASSERT_EQ(agent.report_failure(), UpdateStatus::kOk);
  EXPECT_EQ(running_model(&active), old_model_);
  EXPECT_FALSE(active.on_trial);
  auto after = device_.agent();
  ASSERT_EQ(after.boot(&active), UpdateStatus::kOk);
  EXPECT_EQ(after.min_counter(), 1u);  // the failed model's counter 2 was never made permanent
}

TEST_F(UpdateAgentTest, RollsBackWhenNeverConfirmed) {
  install_old();
  auto agent = device_.agent();
  update::ActiveModel active;
  ASSERT_EQ(agent.boot(&active), UpdateStatus::kOk);
  ASSERT_EQ(device_.send(agent, new_package_), UpdateStatus::kOk);
  EXPECT_EQ(running_model(), new_model_);         // first boot: the trial run
  EXPECT_EQ(running_model(&active), old_model_);  // reset without confirmation
  EXPECT_FALSE(active.on_trial);
  auto after = device_.agent();
  ASSERT_EQ(after.boot(&active), UpdateStatus::kOk);
  EXPECT_EQ(after.min_counter(), 1u);
}

TEST_F(UpdateAgentTest, RefusesAnotherKey) {
  install_old();
  PackageMaker other;
  expect_refused(other.make({-0.25f, 2}), UpdateStatus::kBadSignature);
}

TEST_F(UpdateAgentTest, RefusesAnotherBoard) {
  install_old();
  expect_refused(maker_.make({-0.25f, 2, "mps3-an547"}), UpdateStatus::kWrongBoard);
}

TEST_F(UpdateAgentTest, RefusesADowngradeAndAReplay) {
  install_old();
  expect_refused(maker_.make({-0.25f, 0}), UpdateStatus::kDowngrade);
  expect_refused(old_package_, UpdateStatus::kReplay);
}

TEST_F(UpdateAgentTest, RefusesTruncatedAndOverlongPackages) {
  install_old();
  for (size_t length : {size_t(0), size_t(10), update::kPackageHeaderBytes, new_package_.size() / 2,
                        new_package_.size() - 1}) {
    SCOPED_TRACE(length);
    expect_refused(std::vector<uint8_t>(new_package_.begin(), new_package_.begin() + length),
                   UpdateStatus::kTruncated);
  }
  auto longer = new_package_;
  longer.push_back(0);
  expect_refused(longer, UpdateStatus::kTooLong);
}

TEST_F(UpdateAgentTest, RefusesAPackageLargerThanASlot) {
  SimulatedDevice small(maker_.public_key(), 4);  // 1 KiB slots
  auto agent = small.agent();
  update::ActiveModel active;
  EXPECT_EQ(agent.boot(&active), UpdateStatus::kNoModel);
  // A signed package whose header announces more than a slot holds is refused as soon as the
  // header has arrived, before the rest is written.
  auto big = maker_.make({0.5f, 1});
  update::PackageHeader h;
  ASSERT_EQ(update::parse_package_header(big.data(), &h), UpdateStatus::kOk);
  ASSERT_LE(h.package_bytes(), 4 * SimulatedDevice::kPageBytes);
  big.insert(big.begin() + h.signature_offset(), 4096, uint8_t{' '});
  h.metadata_bytes += 4096;
  update::write_package_header(h, big.data());
  big = maker_.resign(big);
  small.flash().reset_operations();
  EXPECT_EQ(small.send(agent, big), UpdateStatus::kTooLarge);
  EXPECT_EQ(small.flash().operations(), 1 + long(update::kPackageHeaderBytes / 4));
}

TEST_F(UpdateAgentTest, RefusesASignedMalformedModel) {
  install_old();
  auto package = new_package_;
  update::PackageHeader h;
  ASSERT_EQ(update::parse_package_header(package.data(), &h), UpdateStatus::kOk);
  // The flatbuffer's root offset points outside the model.
  package[h.model_offset()] = 0xf0;
  package[h.model_offset() + 1] = 0xff;
  expect_refused(maker_.resign(package), UpdateStatus::kMalformedModel);
}

TEST_F(UpdateAgentTest, RefusesAWrongSelfTestOutput) {
  install_old();
  auto package = new_package_;
  update::PackageHeader h;
  ASSERT_EQ(update::parse_package_header(package.data(), &h), UpdateStatus::kOk);
  h.self_test_output_sha256[0] ^= 1;
  update::write_package_header(h, package.data());
  expect_refused(maker_.resign(package), UpdateStatus::kSelfTestFailed);
}

// One flipped bit anywhere: every bit of the header and the signature, and a sample of the
// payload's; each is refused (the reason depends on what the bit hit) and the old model runs.
TEST_F(UpdateAgentTest, RefusesEveryFlippedBit) {
  install_old();
  const auto before = device_.snapshot();
  update::PackageHeader h;
  ASSERT_EQ(update::parse_package_header(new_package_.data(), &h), UpdateStatus::kOk);
  std::vector<size_t> bits;
  for (size_t bit = 0; bit < 8 * update::kPackageHeaderBytes; ++bit) bits.push_back(bit);
  for (size_t bit = 8 * h.signature_offset(); bit < 8 * new_package_.size(); ++bit)
    bits.push_back(bit);
  std::mt19937 rng(14);
  for (int i = 0; i < 300; ++i) {
    bits.push_back(8 * update::kPackageHeaderBytes + rng() % (8 * h.payload_bytes()));
  }
  int refused = 0;
  for (size_t bit : bits) {
    auto package = new_package_;
    package[bit / 8] ^= uint8_t(1u << (bit % 8));
    auto agent = device_.agent();
    update::ActiveModel active;
    ASSERT_EQ(agent.boot(&active), UpdateStatus::kOk);
    const UpdateStatus s = device_.send(agent, package);
    ASSERT_NE(s, UpdateStatus::kOk) << "bit " << bit;
    ++refused;
    ASSERT_EQ(running_model(), old_model_) << "bit " << bit;
    device_.restore(before);  // the state record is untouched; the slot need not be
  }
  EXPECT_EQ(refused, int(bits.size()));
}

// What one scripted run does, stopping at the first failure (power lost).
enum class Script { kUpdateAndConfirm, kUpdateNeverConfirmed, kUpdateFirstRunFails };

void run_script(SimulatedDevice& device, const std::vector<uint8_t>& package, Script script) {
  auto agent = device.agent();
  update::ActiveModel active;
  if (agent.boot(&active) != UpdateStatus::kOk) return;
  if (device.send(agent, package) != UpdateStatus::kOk) return;
  if (agent.boot(&active) != UpdateStatus::kOk) return;  // the trial boot
  if (script == Script::kUpdateAndConfirm) agent.confirm();
  if (script == Script::kUpdateFirstRunFails) agent.report_failure();
  if (script == Script::kUpdateNeverConfirmed) agent.boot(&active);  // reset: rolls back
}

// Cuts power at every erase and write the script performs, resets, and checks the device.
TEST_F(UpdateAgentTest, PowerCutAtEveryFlashStep) {
  install_old();
  const auto shipped = device_.snapshot();
  long cut_points = 0;
  long boot_cut_points = 0;
  for (Script script :
       {Script::kUpdateAndConfirm, Script::kUpdateNeverConfirmed, Script::kUpdateFirstRunFails}) {
    device_.restore(shipped);
    device_.flash().reset_operations();
    run_script(device_, new_package_, script);
    const long steps = device_.flash().operations();
    ASSERT_GT(steps, 40);
    for (long cut = 0; cut < steps; ++cut) {
      SCOPED_TRACE("script " + std::to_string(int(script)) + ", cut at operation " +
                   std::to_string(cut) + " of " + std::to_string(steps));
      device_.restore(shipped);
      device_.flash().reset_operations();
      device_.flash().cut_power_at(cut);
      run_script(device_, new_package_, script);
      ASSERT_FALSE(device_.flash().powered());
      device_.flash().restore_power();
      // The boot after the cut may itself write (end a trial, roll back): cut it at each of its
      // operations too, then boot again.
      const auto after_cut = device_.snapshot();
      device_.flash().reset_operations();
      {
        update::ActiveModel ignored;
        device_.agent().boot(&ignored);
      }
      const long boot_steps = device_.flash().operations();
      for (long second = 0; second < boot_steps; ++second) {
        device_.restore(after_cut);
        device_.flash().reset_operations();
        device_.flash().cut_power_at(second);
        update::ActiveModel ignored;
        device_.agent().boot(&ignored);
        device_.flash().restore_power();
        auto agent = device_.agent();
        update::ActiveModel active;
        ASSERT_EQ(agent.boot(&active), UpdateStatus::kOk) << "second cut at " << second;
        const std::vector<uint8_t> running(active.model, active.model + active.model_bytes);
        ASSERT_TRUE(running == old_model_ || running == new_model_) << "second cut at " << second;
        ASSERT_GE(agent.min_counter(), 1u);
        ++boot_cut_points;
      }
      device_.restore(after_cut);
      // After the reset: a whole model, old or new, and the counter not below the shipped one.
      update::ActiveModel active;
      auto agent = device_.agent();
      ASSERT_EQ(agent.boot(&active), UpdateStatus::kOk);
      const std::vector<uint8_t> running(active.model, active.model + active.model_bytes);
      ASSERT_TRUE(running == old_model_ || running == new_model_);
      ASSERT_GE(agent.min_counter(), 1u);
      Model model;
      ASSERT_EQ(model.load(active.model, active.model_bytes), Status::kOk);
      // The device recovers: it finishes the update and ends on the new model, counter 2.
      if (running == new_model_ && active.on_trial) {
        ASSERT_EQ(agent.confirm(), UpdateStatus::kOk);
      } else if (running == old_model_) {
        ASSERT_EQ(device_.send(agent, new_package_), UpdateStatus::kOk);
        ASSERT_EQ(agent.boot(&active), UpdateStatus::kOk);
        ASSERT_EQ(agent.confirm(), UpdateStatus::kOk);
      }
      EXPECT_EQ(running_model(), new_model_);
      auto final_agent = device_.agent();
      ASSERT_EQ(final_agent.boot(&active), UpdateStatus::kOk);
      EXPECT_EQ(final_agent.min_counter(), 2u);
      ++cut_points;
    }
  }
  EXPECT_EQ(device_.flash().double_writes(), 0);
  ::testing::Test::RecordProperty("cut_points", int(cut_points));
  EXPECT_GT(boot_cut_points, 100);
  std::printf(
      "power cut at %ld flash operations, and at %ld operations of the boot after one: 0 "
      "bricked, 0 mixed\n",
      cut_points, boot_cut_points);
}

}  // namespace
}  // namespace tinyforge
