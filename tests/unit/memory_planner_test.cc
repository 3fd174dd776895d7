// The memory plan: buffers live at the same time never overlap, the arena figure is enough (and
// a byte less is refused), and in-place aliasing is used only when the input is dead afterwards.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/model_builder.h"
#include "tests/support/run_model.h"
#include "tests/support/shared_data.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::testing {
namespace {

using tflite::BuiltinOperator;

// Lifetimes computed independently of the planner; checks every pair of tensors live at the same
// operator occupies disjoint memory.
void expect_no_overlap(const host::ModelFile& file) {
  const Model& m = file.model();
  host::HostInterpreter runner(file);
  const Interpreter& interpreter = runner.get();
  const int n = m.num_tensors(), ops = m.num_operators();
  std::vector<int> first(n, INT32_MAX), last(n, -1);
  for (int k = 0; k < m.num_inputs(); ++k) first[m.input_tensor(k)] = 0;
  for (int i = 0; i < ops; ++i) {
    for (int k = 0; k < m.op_num_inputs(i); ++k)
      if (m.op_input(i, k) >= 0) last[m.op_input(i, k)] = std::max(last[m.op_input(i, k)], i);
    for (int k = 0; k < m.op_num_outputs(i); ++k) {
      const int t = m.op_output(i, k);
      first[t] = std::min(first[t], i);
      last[t] = std::max(last[t], i);
    }
  }
  for (int k = 0; k < m.num_outputs(); ++k) last[m.output_tensor(k)] = ops - 1;
  for (int a = 0; a < n; ++a) {
    const TensorView ta = interpreter.tensor(a);
    if (ta.is_constant || ta.bytes() == 0 || last[a] < 0) continue;
    ASSERT_NE(ta.data, nullptr) << "tensor " << a;
    for (int b = a + 1; b < n; ++b) {
      const TensorView tb = interpreter.tensor(b);
      if (tb.is_constant || tb.bytes() == 0 || last[b] < 0) continue;
      const bool live_together = first[a] <= last[b] && first[b] <= last[a];
      if (!live_together) continue;
      const auto* pa = static_cast<const uint8_t*>(ta.data);
      const auto* pb = static_cast<const uint8_t*>(tb.data);
      const bool disjoint = pa + ta.bytes() <= pb || pb + tb.bytes() <= pa;
      // In-place pairs (reshape family) share memory on purpose: the input dies where the output
      // is born, and both hold the same bytes.
      const bool in_place = pa == pb && (last[a] == first[b] || last[b] == first[a]);
      EXPECT_TRUE(disjoint || in_place)
          << file.label() << ": tensors " << a << " and " << b << " overlap while both live";
    }
  }
}

TEST(MemoryPlanner, LiveTensorsNeverOverlapInConformanceModels) {
  TINYFORGE_REQUIRE_SHARED();
  int checked = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(shared_dir() / "conformance" / "models")) {
    const host::ModelFile file(entry.path(), /*allow_unrunnable=*/true);
    if (!file.model().runnable()) continue;
    SCOPED_TRACE(entry.path().filename().string());
    expect_no_overlap(file);
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

std::vector<uint8_t> chain_model(int layers, int width) {
  ModelBuilder b;
  int x = b.add_input(DataType::kFloat32, {1, width});
  for (int l = 0; l < layers; ++l) {
    const int w = b.add_constant(DataType::kFloat32, {width, width},
                                 std::vector<float>(width * width, 0.01f));
    const int y = b.add_tensor(DataType::kFloat32, {1, width});
    b.add_op(BuiltinOperator::FULLY_CONNECTED, {x, w, -1}, {y});
    x = y;
  }
  return b.finish();
}

TEST(MemoryPlanner, ChainReusesMemoryAndArenaFigureIsExact) {
  const auto bytes = chain_model(6, 64);
  const host::ModelFile file(bytes.data(), bytes.size(), "chain");
  const ArenaUsage usage = host::plan_arena(file.model());
  // A chain needs two activations of 256 bytes at a time, not six.
  EXPECT_EQ(usage.planned_bytes, 2u * 64 * 4);
  EXPECT_EQ(usage.live_set_bytes, 2u * 64 * 4);
  expect_no_overlap(file);

  host::AlignedBytes arena(usage.total_bytes);
  Interpreter ok, short_of_one;
  EXPECT_EQ(ok.init(file.model(), arena.data(), usage.total_bytes), Status::kOk) << ok.error();
  EXPECT_EQ(short_of_one.init(file.model(), arena.data(), usage.total_bytes - 1),
            Status::kArenaTooSmall);
  EXPECT_NE(std::string(short_of_one.error()).find("arena too small"), std::string::npos);
}

TEST(MemoryPlanner, UnalignedArenaIsAlignedInside) {
  const auto bytes = chain_model(3, 16);
  const host::ModelFile file(bytes.data(), bytes.size(), "chain");
  const ArenaUsage usage = host::plan_arena(file.model());
  host::AlignedBytes arena(usage.total_bytes + 32);
  Interpreter interpreter;
  ASSERT_EQ(interpreter.init(file.model(), arena.data() + 3, usage.total_bytes + 16), Status::kOk)
      << interpreter.error();
  EXPECT_EQ(reinterpret_cast<uintptr_t>(interpreter.input(0).data) % 8, 0u);
  EXPECT_EQ(interpreter.invoke(), Status::kOk);
}

TEST(Interpreter, ProfileHookBracketsEveryOperator) {
  const auto bytes = chain_model(4, 8);
  const host::ModelFile file(bytes.data(), bytes.size(), "chain");
  host::HostInterpreter runner(file);
  std::vector<std::pair<int, bool>> calls;
  runner.get().set_profile_hook(
      [](void* user, int op, bool begin) {
        static_cast<std::vector<std::pair<int, bool>>*>(user)->push_back({op, begin});
      },
      &calls);
  runner.invoke();
  ASSERT_EQ(calls.size(), 8u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(calls[2 * i], std::make_pair(i, true));
    EXPECT_EQ(calls[2 * i + 1], std::make_pair(i, false));
  }
}

TEST(Interpreter, InvokeBeforeInitIsRefused) {
  Interpreter interpreter;
  Model model;
  EXPECT_EQ(interpreter.init(model, nullptr, 0), Status::kNotReady);
}

}  // namespace
}  // namespace tinyforge::testing
