// The runner of a model compiled ahead of time (`tinyforge run --board B --aot`): the generated
// model_aot.{h,cc} linked with this file. Reads the job file of runner.cc (its `model` line is
// ignored: the model is built in; `profile` is not supported), runs each sample between the
// instruction-count markers and prints TF_RESULT arena_bytes=N, or TF_ERROR.
#include <stddef.h>
#include <stdint.h>

#include "apps/job_file.h"
#include "hal/hal.h"
#include "model_aot.h"

int main() {
  hal_led_set(1);
  static char job_text[8192];
  Job j;
  if (!read_job(job_text, sizeof(job_text), &j)) return 2;
  if (j.profile) return error("job file: profile is not supported by an AOT-compiled model");
  if (j.num_inputs != model_aot::kNumInputs || j.num_outputs != model_aot::kNumOutputs) {
    return error("job file: input/output count does not match the model");
  }
  int input_files[kMaxFiles];
  int output_files[kMaxFiles];
  if (!open_job_files(
          j, [](int i) { return model_aot::input(i).bytes(); }, input_files, output_files))
    return 1;
  for (uint32_t sample = 0; sample < j.samples; ++sample) {
    // Independent samples, as the interpreter's runner; a stream keeps its state.
    if (sample == 0 || !j.stream) model_aot::reset_state();
    for (int i = 0; i < j.num_inputs; ++i) {
      const tinyforge::TensorView& t = model_aot::input(i);
      if (hal_read(input_files[i], t.data, t.bytes()) != 0)
        return error("cannot read input ", j.inputs[i]);
    }
    hal_led_set(2);
    hal_insn_begin();
    const tinyforge::Status status = model_aot::invoke();
    hal_insn_end();
    hal_led_set(0);
    if (status != tinyforge::Status::kOk) return error("invoke: ", model_aot::error());
    for (int i = 0; i < j.num_outputs; ++i) {
      const tinyforge::TensorView& t = model_aot::output(i);
      if (hal_write(output_files[i], t.data, t.bytes()) != 0)
        return error("cannot write output ", j.outputs[i]);
    }
  }
  for (int i = 0; i < j.num_inputs; ++i) hal_close(input_files[i]);
  for (int i = 0; i < j.num_outputs; ++i) hal_close(output_files[i]);
  hal_puts("TF_RESULT arena_bytes=");
  hal_put_uint(static_cast<uint32_t>(model_aot::kArenaBytes));
  hal_puts("\n");
  return 0;
}
