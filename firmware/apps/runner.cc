// The generic runner: one firmware per board that runs any model the runtime supports. Over
// semihosting it reads a job file named on the command line:
//   model PATH       the .tflite, read into the pool (the rest of the pool is the arena)
//   input PATH       one per model input, raw tensor bytes
//   output PATH      one per model output, written back
//   samples N        optional (default 1): each input file holds N tensors back to back; the model
//                    runs N times and each output file receives N results back to back
//   profile          optional: count each operator's instructions instead of each inference's
//   stream           optional: the samples are consecutive windows of one stream, so stateful
//                    operators keep their state between them (otherwise each starts afresh)
//   patches off      optional: plan without a patch stage (PlanOptions::patches)
// runs each inference between the instruction-count markers (one count per sample; with profile,
// one per operator in execution order, the first sample's order printed as TF_OP lines) and prints
//   TF_RESULT arena_bytes=N model_bytes=M pool_bytes=P
// or a line starting with TF_ERROR and a non-zero exit status.
#include <stddef.h>
#include <stdint.h>

#include "apps/job_file.h"
#include "hal/hal.h"
#include "tinyforge/interpreter.h"
#include "tinyforge/model.h"

extern "C" uint8_t __tf_pool_start[];
extern "C" uint8_t __tf_pool_end[];

namespace {

// The interpreter's profiling hook: one instruction-count window per operator; `*print_order`
// while the operators' indices are to be printed (outside the windows).
void count_operator(void* print_order, int op_index, bool begin) {
  if (!begin) {
    hal_insn_end();
    return;
  }
  if (*static_cast<bool*>(print_order)) {
    hal_puts("TF_OP ");
    hal_put_uint(static_cast<uint32_t>(op_index));
    hal_puts("\n");
  }
  hal_insn_begin();
}

}  // namespace

int main() {
  hal_led_set(1);
  static char job_text[8192];
  Job j;
  if (!read_job(job_text, sizeof(job_text), &j)) return 2;

  uint8_t* const pool = __tf_pool_start;
  const size_t pool_bytes = static_cast<size_t>(__tf_pool_end - __tf_pool_start);
  const int32_t model_size = read_whole(j.model, pool, pool_bytes, "model ");
  if (model_size < 0) return 3;
  tinyforge::Model model;
  if (model.load(pool, static_cast<size_t>(model_size)) != tinyforge::Status::kOk) {
    return error("model: ", model.error());
  }
  const size_t arena_offset = (static_cast<size_t>(model_size) + 15u) & ~static_cast<size_t>(15u);
  uint8_t* const arena = pool + arena_offset;
  const size_t arena_room = pool_bytes > arena_offset ? pool_bytes - arena_offset : 0;
  tinyforge::Interpreter interpreter;
  tinyforge::PlanOptions plan_options;
  plan_options.patches = j.patches;
  if (interpreter.init(model, arena, arena_room, plan_options) != tinyforge::Status::kOk) {
    return error("init: ", interpreter.error());
  }
  if (j.num_inputs != interpreter.num_inputs() || j.num_outputs != interpreter.num_outputs()) {
    return error("job file: input/output count does not match the model");
  }
  bool print_order = true;
  if (j.profile) interpreter.set_profile_hook(count_operator, &print_order);
  int input_files[kMaxFiles];
  int output_files[kMaxFiles];
  if (!open_job_files(
          j, [&](int i) { return interpreter.input(i).bytes(); }, input_files, output_files))
    return 1;
  for (uint32_t sample = 0; sample < j.samples; ++sample) {
    if (!j.stream) interpreter.reset_state();  // independent samples, as in separate launches
    for (int i = 0; i < j.num_inputs; ++i) {
      const tinyforge::TensorView t = interpreter.input(i);
      if (hal_read(input_files[i], t.data, t.bytes()) != 0)
        return error("cannot read input ", j.inputs[i]);
    }
    hal_led_set(2);
    if (!j.profile) hal_insn_begin();
    const tinyforge::Status status = interpreter.invoke();
    if (!j.profile) hal_insn_end();
    print_order = false;
    hal_led_set(0);
    if (status != tinyforge::Status::kOk) return error("invoke: ", interpreter.error());
    for (int i = 0; i < j.num_outputs; ++i) {
      const tinyforge::TensorView t = interpreter.output(i);
      if (hal_write(output_files[i], t.data, t.bytes()) != 0)
        return error("cannot write output ", j.outputs[i]);
    }
  }
  for (int i = 0; i < j.num_inputs; ++i) hal_close(input_files[i]);
  for (int i = 0; i < j.num_outputs; ++i) hal_close(output_files[i]);
  hal_puts("TF_RESULT arena_bytes=");
  hal_put_uint(static_cast<uint32_t>(interpreter.arena_usage().total_bytes));
  hal_puts(" model_bytes=");
  hal_put_uint(static_cast<uint32_t>(model_size));
  hal_puts(" pool_bytes=");
  hal_put_uint(static_cast<uint32_t>(pool_bytes));
  hal_puts("\n");
  return 0;
}
