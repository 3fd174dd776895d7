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

// The order invoke() runs is a valid one: every operator's inputs exist before it runs.
void expect_valid_order(const Interpreter& interpreter) {
  const Model& m = interpreter.model();
  std::vector<bool> ready(m.num_tensors()), ran(m.num_operators());
  for (int t = 0; t < m.num_tensors(); ++t)
    ready[t] = m.tensor(t).is_constant || m.tensor(t).is_variable;
  for (int k = 0; k < m.num_inputs(); ++k) ready[m.input_tensor(k)] = true;
  for (int p = 0; p < m.num_operators(); ++p) {
    const int op = interpreter.op_at(p);
    ASSERT_TRUE(op >= 0 && op < m.num_operators() && !ran[op]) << "position " << p;
    ran[op] = true;
    for (int k = 0; k < m.op_num_inputs(op); ++k) {
      const int t = m.op_input(op, k);
      EXPECT_TRUE(t < 0 || ready[t]) << "operator " << op << " runs before its input " << t;
    }
    for (int k = 0; k < m.op_num_outputs(op); ++k) ready[m.op_output(op, k)] = true;
  }
}

// Lifetimes over the execution order computed independently of the planner; checks every pair
// of tensors live at the same operator occupies disjoint memory, unless the later one is an
// output written in place over an input of the operator where that input dies. A patch stage's
// operators all run while it runs: its input lives to its end, its output from its start; the
// tensors inside it are band buffers, which patch_stage_test checks.
void expect_no_overlap(const Interpreter& interpreter, const std::string& label) {
  const Model& m = interpreter.model();
  const int n = m.num_tensors(), ops = m.num_operators();
  const ArenaUsage& usage = interpreter.arena_usage();
  int stage_first = -1, stage_last = -1;
  for (int p = 0; p < ops && usage.patch_ops > 0; ++p) {
    if (interpreter.op_at(p) == usage.patch_first_op) {
      stage_first = p;
      stage_last = p + usage.patch_ops - 1;
    }
  }
  auto in_stage = [&](int p) { return p >= stage_first && p <= stage_last && stage_first >= 0; };
  std::vector<bool> inside(n);
  for (int p = stage_first; p >= 0 && p < stage_last; ++p)
    inside[m.op_output(interpreter.op_at(p), 0)] = true;
  std::vector<int> first(n, INT32_MAX), last(n, -1);
  for (int k = 0; k < m.num_inputs(); ++k) first[m.input_tensor(k)] = 0;
  for (int p = 0; p < ops; ++p) {
    const int op = interpreter.op_at(p);
    const int reads_until = in_stage(p) ? stage_last : p;
    const int written_from = in_stage(p) ? stage_first : p;
    for (int k = 0; k < m.op_num_inputs(op); ++k) {
      const int t = m.op_input(op, k);
      if (t >= 0) last[t] = std::max(last[t], reads_until);
    }
    for (int k = 0; k < m.op_num_outputs(op); ++k) {
      const int t = m.op_output(op, k);
      first[t] = std::min(first[t], written_from);
      last[t] = std::max(last[t], p);
    }
  }
  for (int k = 0; k < m.num_outputs(); ++k) last[m.output_tensor(k)] = ops - 1;
  auto written_over = [&](int out, int in) {
    if (last[in] != first[out]) return false;
    const int op = interpreter.op_at(first[out]);
    bool reads_in = false;
    for (int k = 0; k < m.op_num_inputs(op); ++k) reads_in |= m.op_input(op, k) == in;
    return reads_in && m.op_num_outputs(op) > 0 && m.op_output(op, 0) == out;
  };
  for (int a = 0; a < n; ++a) {
    const TensorView ta = interpreter.tensor(a);
    if (ta.is_constant || ta.is_variable || ta.bytes() == 0 || last[a] < 0 || inside[a]) continue;
    ASSERT_NE(ta.data, nullptr) << "tensor " << a;
    for (int b = a + 1; b < n; ++b) {
      const TensorView tb = interpreter.tensor(b);
      if (tb.is_constant || tb.is_variable || tb.bytes() == 0 || last[b] < 0 || inside[b]) continue;
      const bool live_together = first[a] <= last[b] && first[b] <= last[a];
      if (!live_together) continue;
      const auto* pa = static_cast<const uint8_t*>(ta.data);
      const auto* pb = static_cast<const uint8_t*>(tb.data);
      const bool disjoint = pa + ta.bytes() <= pb || pb + tb.bytes() <= pa;
      EXPECT_TRUE(disjoint || written_over(a, b) || written_over(b, a))
          << label << ": tensors " << a << " and " << b << " overlap while both live";
    }
  }
}

PlanOptions without_in_place() {
  PlanOptions options;
  options.in_place = false;
  options.reorder = false;
  options.patches = false;
  return options;
}

struct PlannedRun {
  ArenaUsage usage;
  std::vector<std::vector<uint8_t>> outputs;
};

// Plans with `options`, runs once on inputs from `seed`, and checks the plan's invariants.
PlannedRun run_planned(const host::ModelFile& file, const PlanOptions& options, uint64_t seed) {
  const Model& m = file.model();
  PlannedRun run;
  run.usage = host::plan_arena(m, options);
  host::AlignedBytes arena(run.usage.total_bytes);
  Interpreter interpreter;
  const Status status = interpreter.init(m, arena.data(), arena.size(), options);
  EXPECT_EQ(status, Status::kOk) << file.label() << ": " << interpreter.error();
  if (status != Status::kOk) return run;
  expect_valid_order(interpreter);
  expect_no_overlap(interpreter, file.label());
  for (int k = 0; k < m.num_inputs(); ++k) {
    const TensorView input = interpreter.input(k);
    const std::vector<uint8_t> bytes = host::random_input(input, seed, k);
    std::memcpy(input.data, bytes.data(), bytes.size());
  }
  EXPECT_EQ(interpreter.invoke(), Status::kOk) << file.label() << ": " << interpreter.error();
  for (int k = 0; k < m.num_outputs(); ++k) {
    const TensorView output = interpreter.output(k);
    const auto* data = static_cast<const uint8_t*>(output.data);
    run.outputs.emplace_back(data, data + output.bytes());
  }
  return run;
}

// The plan's figure is exactly what init() needs: that many bytes work, one fewer is refused.
void expect_exact_arena(const host::ModelFile& file) {
  const size_t total = host::plan_arena(file.model()).total_bytes;
  host::AlignedBytes arena(total);
  Interpreter ok, short_of_one;
  EXPECT_EQ(ok.init(file.model(), arena.data(), total), Status::kOk) << ok.error();
  EXPECT_EQ(ok.invoke(), Status::kOk) << ok.error();
  EXPECT_EQ(short_of_one.init(file.model(), arena.data(), total - 1), Status::kArenaTooSmall)
      << file.label();
  EXPECT_NE(std::string(short_of_one.error()).find("arena too small"), std::string::npos);
}

// In-place execution, reordering and patches change where tensors live, never a single output byte,
// and never need more memory than the plain plan.
void expect_same_outputs_in_less_memory(const host::ModelFile& file) {
  const PlannedRun plain = run_planned(file, without_in_place(), 3);
  const PlannedRun tight = run_planned(file, PlanOptions(), 3);
  EXPECT_EQ(tight.outputs, plain.outputs) << file.label();
  EXPECT_LE(tight.usage.planned_bytes, plain.usage.planned_bytes) << file.label();
  // Only the reshape family shares memory in the plain plan.
  EXPECT_LE(plain.usage.in_place_ops, tight.usage.in_place_ops) << file.label();
}

TEST(MemoryPlanner, ConformanceModelsKeepTheirOutputsAndFitTheirFigure) {
  TINYFORGE_REQUIRE_SHARED();
  int checked = 0, in_place = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(shared_dir() / "conformance" / "models")) {
    const host::ModelFile file(entry.path(), /*allow_unrunnable=*/true);
    if (!file.model().runnable()) continue;
    SCOPED_TRACE(entry.path().filename().string());
    expect_same_outputs_in_less_memory(file);
    expect_exact_arena(file);
    const ArenaUsage device = host::plan_device_arena(file.model());
    EXPECT_LE(device.total_bytes, host::plan_arena(file.model()).total_bytes);
    in_place += host::plan_arena(file.model()).in_place_ops > 0;
    ++checked;
  }
  EXPECT_GT(checked, 0);
  EXPECT_GT(in_place, 0);
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
  EXPECT_FALSE(usage.reordered);
  expect_same_outputs_in_less_memory(file);
  expect_exact_arena(file);
}

// x feeds two wide branches that each narrow before they meet. In model order both wide
// tensors are live at once; finishing one branch first needs only one of them.
std::vector<uint8_t> branchy_model() {
  ModelBuilder b;
  const int x = b.add_input(DataType::kFloat32, {1, 16});
  auto fc = [&](int in, int in_width, int out_width, float weight) {
    const int w = b.add_constant(DataType::kFloat32, {out_width, in_width},
                                 std::vector<float>(out_width * in_width, weight));
    const int y = b.add_tensor(DataType::kFloat32, {1, out_width});
    b.add_op(BuiltinOperator::FULLY_CONNECTED, {in, w, -1}, {y});
    return y;
  };
  const int a1 = fc(x, 16, 256, 0.01f);
  const int b1 = fc(x, 16, 256, -0.02f);
  const int a2 = fc(a1, 256, 8, 0.03f);
  const int b2 = fc(b1, 256, 8, 0.05f);
  const int sum = b.add_tensor(DataType::kFloat32, {1, 8});
  b.add_op(BuiltinOperator::ADD, {a2, b2}, {sum});
  return b.finish();
}

TEST(MemoryPlanner, BranchyGraphIsReorderedToLowerThePeak) {
  const auto bytes = branchy_model();
  const host::ModelFile file(bytes.data(), bytes.size(), "branchy");
  PlanOptions model_order;
  model_order.reorder = false;
  const ArenaUsage fixed = host::plan_arena(file.model(), model_order);
  const ArenaUsage usage = host::plan_arena(file.model());
  EXPECT_TRUE(usage.reordered);
  EXPECT_FALSE(fixed.reordered);
  // Model order holds both 1 KiB tensors at the second operator; the better one never does.
  EXPECT_GE(fixed.planned_bytes, 2u * 1024);
  EXPECT_LT(usage.planned_bytes, 2u * 1024);
  expect_same_outputs_in_less_memory(file);
  expect_exact_arena(file);
}

// FULLY_CONNECTED widening 16 -> 256 floats, then RELU, LOGISTIC and ADD of a constant: each
// elementwise operator can write over its dying input.
std::vector<uint8_t> elementwise_chain_model() {
  ModelBuilder b;
  const int x = b.add_input(DataType::kFloat32, {1, 16});
  const int w = b.add_constant(DataType::kFloat32, {256, 16}, std::vector<float>(256 * 16, 0.02f));
  const int h = b.add_tensor(DataType::kFloat32, {1, 256});
  b.add_op(BuiltinOperator::FULLY_CONNECTED, {x, w, -1}, {h});
  const int r = b.add_tensor(DataType::kFloat32, {1, 256});
  b.add_op(BuiltinOperator::RELU, {h}, {r});
  const int s = b.add_tensor(DataType::kFloat32, {1, 256});
  b.add_op(BuiltinOperator::LOGISTIC, {r}, {s});
  const int bias = b.add_constant(DataType::kFloat32, {1, 256}, std::vector<float>(256, 0.5f));
  const int y = b.add_tensor(DataType::kFloat32, {1, 256});
  b.add_op(BuiltinOperator::ADD, {bias, s}, {y});
  return b.finish();
}

TEST(MemoryPlanner, ElementwiseOperatorsRunInPlace) {
  const auto bytes = elementwise_chain_model();
  const host::ModelFile file(bytes.data(), bytes.size(), "elementwise");
  const ArenaUsage plain = host::plan_arena(file.model(), without_in_place());
  const ArenaUsage usage = host::plan_arena(file.model());
  EXPECT_EQ(usage.in_place_ops, 3);
  // Without in-place two 1 KiB activations are live at each elementwise operator; with it the
  // peak is the FULLY_CONNECTED's input and output (64 + 1024 bytes), below the live set.
  EXPECT_EQ(plain.planned_bytes, 2u * 1024);
  EXPECT_EQ(usage.live_set_bytes, 2u * 1024);
  EXPECT_EQ(usage.planned_bytes, 64u + 1024);
  expect_same_outputs_in_less_memory(file);
  expect_exact_arena(file);
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
