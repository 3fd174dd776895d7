// Patch-based execution (plan/patch_stage.h): the planner's stage lowers the peak where the first
// layers set it and keeps every band buffer apart from what lives with it; outputs are the same
// bytes with and without it for every conformance model with vectors and every kernel set.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>

#include "kernels/kernel.h"
#include "plan/memory_planner.h"
#include "plan/patch_stage.h"
#include "tests/support/shared_data.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::testing {
namespace {

namespace fs = std::filesystem;

constexpr KernelSet kKernelSets[] = {KernelSet::kReference, KernelSet::kArmDsp, KernelSet::kArmMve};

fs::path model_path(const std::string& name) {
  return shared_dir() / "conformance" / "models" / (name + ".tflite");
}

// The planner as the interpreter drives it: every kernel's sizing prepare states its scratch and
// in-place offers, then plan().
struct Plan {
  host::AlignedBytes work;
  std::unique_ptr<MemoryPlanner> planner;
  uint32_t peak = 0;
};

std::unique_ptr<Plan> plan(const Model& model, KernelSet kernels, bool patches) {
  auto p = std::make_unique<Plan>();
  p->work = host::AlignedBytes(MemoryPlanner::work_bytes(model));
  PlannerChoices choices;
  choices.patches = patches;
  p->planner = std::make_unique<MemoryPlanner>(model, p->work.data(), choices);
  ErrorMessage error;
  for (int i = 0; i < model.num_operators(); ++i) {
    PrepareContext ctx(model, i, nullptr, &error, nullptr, 0);
    EXPECT_EQ(find_kernel_in(model.op_code(i), kernels)->prepare(ctx), Status::kOk)
        << error.c_str();
    p->planner->set_scratch(i, ctx.scratch_bytes());
    p->planner->set_in_place(i, ctx.in_place_inputs(), ctx.in_place_lead());
  }
  p->peak = p->planner->plan();
  return p;
}

// Every pair of buffers whose lifetimes meet is disjoint, except an output over the input it may
// overwrite and the scratch of two operators of the stage (one runs at a time). Lifetimes are
// computed here from the order and the stage, and must lie inside the planner's.
void expect_stage_buffers_apart(const Model& model, const MemoryPlanner& planner) {
  const PatchStage& stage = planner.patch_stage();
  ASSERT_GT(stage.ops, 1);
  const int first = stage.first, last = stage.first + stage.ops - 1;
  const int tensors = model.num_tensors();
  // Tensor lifetimes: the stage's input is read until the stage ends, everything it writes
  // exists from its start; scratch lives at its operator, or throughout the stage.
  std::vector<int> from(planner.num_buffers(), INT32_MAX), to(planner.num_buffers(), -1);
  auto touch = [&](int index, int a, int b) {
    from[index] = std::min(from[index], a);
    to[index] = std::max(to[index], b);
  };
  for (int k = 0; k < model.num_inputs(); ++k) touch(model.input_tensor(k), 0, 0);
  for (int p = 0; p < model.num_operators(); ++p) {
    const int op = planner.op_at(p);
    const bool in_stage = p >= first && p <= last;
    for (int k = 0; k < model.op_num_inputs(op); ++k) {
      if (model.op_input(op, k) >= 0) touch(model.op_input(op, k), p, in_stage ? last : p);
    }
    for (int k = 0; k < model.op_num_outputs(op); ++k)
      touch(model.op_output(op, k), in_stage ? first : p, p);
    touch(tensors + op, in_stage ? first : p, in_stage ? last : p);
  }
  for (int k = 0; k < model.num_outputs(); ++k)
    touch(model.output_tensor(k), model.num_operators() - 1, model.num_operators() - 1);
  std::vector<bool> stage_scratch(planner.num_buffers());
  for (int p = first; p <= last; ++p) stage_scratch[tensors + planner.op_at(p)] = true;
  for (int a = 0; a < planner.num_buffers(); ++a) {
    const PlannedBuffer& x = planner.buffer(a);
    if (x.size == 0 || to[a] < 0) continue;
    EXPECT_LE(x.first, from[a]) << "buffer " << a;
    EXPECT_GE(x.last, to[a]) << "buffer " << a;
    for (int b = a + 1; b < planner.num_buffers(); ++b) {
      const PlannedBuffer& y = planner.buffer(b);
      if (y.size == 0 || to[b] < 0 || from[a] > to[b] || from[b] > to[a]) continue;
      const bool disjoint = x.offset + x.size <= y.offset || y.offset + y.size <= x.offset;
      const bool linked = (x.link_kind == BufferLink::kOverwrites && x.link == b) ||
                          (y.link_kind == BufferLink::kOverwrites && y.link == a);
      EXPECT_TRUE(disjoint || linked || (stage_scratch[a] && stage_scratch[b]))
          << "buffers " << a << " and " << b << " overlap while both live";
    }
  }
  // Each band buffer holds every band's rows; the last operator's bands cover its output once.
  int32_t covered = 0;
  for (int band = 0; band < stage.tiles; ++band) {
    BandRows rows;
    band_rows(stage, band, &rows);
    EXPECT_EQ(rows.begin[stage.ops], covered);
    covered = rows.end[stage.ops];
    for (int j = 0; j + 1 < stage.ops; ++j) {
      const int t = model.op_output(planner.op_at(first + j), 0);
      const uint64_t bytes =
          static_cast<uint64_t>(rows.end[j + 1] - rows.begin[j + 1]) * stage.rows[j].out_row_bytes;
      EXPECT_LE(bytes, planner.buffer(t).size) << "band " << band << " of tensor " << t;
      EXPECT_LT(planner.buffer(t).size, model.tensor(t).bytes()) << "tensor " << t;
    }
  }
  EXPECT_EQ(covered, stage.rows[stage.ops - 1].out_h);
}

TEST(PatchStage, LowersThePeakOfTheVisionModelsAndKeepsBuffersApart) {
  TINYFORGE_REQUIRE_SHARED();
  for (const char* name : {"vww_96_int8", "person_detect"}) {
    for (const KernelSet kernels : {KernelSet::kArmDsp, KernelSet::kArmMve}) {
      SCOPED_TRACE(std::string(name) + " " + std::to_string(static_cast<int>(kernels)));
      const host::ModelFile file(model_path(name));
      const auto with = plan(file.model(), kernels, true);
      const auto without = plan(file.model(), kernels, false);
      EXPECT_EQ(without->planner->patch_stage().ops, 0);
      // The first layers set the peak: their stage takes at least a twentieth off (vww_96_int8
      // about 8%, person_detect about 25%).
      EXPECT_LT(with->peak, without->peak - without->peak / 20);
      EXPECT_LT(with->peak, with->planner->live_set_bytes());
      expect_stage_buffers_apart(file.model(), *with->planner);
    }
  }
}

TEST(PatchStage, IsNotChosenWhereItDoesNotLowerThePeak) {
  TINYFORGE_REQUIRE_SHARED();
  // ad01_int8 is fully connected; pretrainedResnet_quant's peak is at its residual additions.
  for (const char* name : {"ad01_int8", "pretrainedResnet_quant"}) {
    const host::ModelFile file(model_path(name));
    EXPECT_EQ(host::plan_arena(file.model(), host::host_plan_options()).patch_ops, 0) << name;
  }
}

struct Outputs {
  ArenaUsage usage;
  std::vector<std::vector<uint8_t>> bytes;
};

// Runs `inputs` through an arena filled with garbage, so a band that read rows nobody wrote
// would change the outputs.
Outputs run(const host::ModelFile& file, const std::vector<std::vector<uint8_t>>& inputs,
            KernelSet kernels, bool patches) {
  PlanOptions options;
  options.kernels = kernels;
  options.patches = patches;
  Outputs out;
  out.usage = host::plan_arena(file.model(), options);
  host::AlignedBytes arena(out.usage.total_bytes);
  std::memset(arena.data(), 0xA5, arena.size());
  Interpreter interpreter;
  const Status status = interpreter.init(file.model(), arena.data(), arena.size(), options);
  EXPECT_EQ(status, Status::kOk) << interpreter.error();
  if (status != Status::kOk) return out;
  for (int k = 0; k < interpreter.num_inputs(); ++k)
    std::memcpy(interpreter.input(k).data, inputs[k].data(), inputs[k].size());
  EXPECT_EQ(interpreter.invoke(), Status::kOk) << interpreter.error();
  for (int k = 0; k < interpreter.num_outputs(); ++k) {
    const auto* data = static_cast<const uint8_t*>(interpreter.output(k).data);
    out.bytes.emplace_back(data, data + interpreter.output(k).bytes());
  }
  return out;
}

TEST(PatchStage, ConformanceOutputsAreTheSameBytesWithAndWithout) {
  TINYFORGE_REQUIRE_SHARED();
  int staged = 0;
  for (const auto& entry : fs::directory_iterator(shared_dir() / "conformance" / "vectors")) {
    const std::string name = entry.path().filename().string();
    if (!fs::exists(model_path(name))) continue;
    const host::ModelFile file(model_path(name), /*allow_unrunnable=*/true);
    if (!file.model().runnable()) continue;
    std::vector<std::vector<uint8_t>> inputs;
    for (int k = 0; k < file.model().num_inputs(); ++k) {
      inputs.push_back(
          host::read_file(entry.path() / ("input_" + std::to_string(k + 1) + "_0.bin")));
      ASSERT_EQ(inputs.back().size(), file.model().tensor(file.model().input_tensor(k)).bytes())
          << name;
    }
    for (const KernelSet kernels : kKernelSets) {
      SCOPED_TRACE(name + " kernels " + std::to_string(static_cast<int>(kernels)));
      const Outputs with = run(file, inputs, kernels, true);
      if (with.usage.patch_ops == 0) continue;
      ++staged;
      const Outputs without = run(file, inputs, kernels, false);
      EXPECT_EQ(with.bytes, without.bytes);
      EXPECT_LT(with.usage.planned_bytes, without.usage.planned_bytes);
    }
  }
  // vww_96_int8, person_detect and kws_ref_model at least, with each kernel set.
  EXPECT_GE(staged, 9);
}

TEST(PatchStage, ProfileSeesTheStageAsItsFirstOperator) {
  TINYFORGE_REQUIRE_SHARED();
  const host::ModelFile file(model_path("person_detect"));
  host::HostInterpreter runner(file);
  const ArenaUsage& usage = runner.get().arena_usage();
  ASSERT_GT(usage.patch_ops, 1);
  std::vector<std::pair<int, bool>> calls;
  runner.get().set_profile_hook(
      [](void* user, int op, bool begin) {
        static_cast<std::vector<std::pair<int, bool>>*>(user)->push_back({op, begin});
      },
      &calls);
  runner.invoke();
  // Every operator bracketed once, in execution order.
  ASSERT_EQ(calls.size(), 2u * file.model().num_operators());
  for (int p = 0; p < file.model().num_operators(); ++p) {
    EXPECT_EQ(calls[2 * p], std::make_pair(runner.get().op_at(p), true));
    EXPECT_EQ(calls[2 * p + 1], std::make_pair(runner.get().op_at(p), false));
  }
}

}  // namespace
}  // namespace tinyforge::testing
