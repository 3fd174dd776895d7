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

#include "hal/hal.h"
#include "tinyforge/interpreter.h"
#include "tinyforge/model.h"

extern "C" uint8_t __tf_pool_start[];
extern "C" uint8_t __tf_pool_end[];

namespace {

constexpr int kMaxFiles = 32;
char job[4096];

struct Job {
  const char* model = nullptr;
  const char* inputs[kMaxFiles] = {};
  const char* outputs[kMaxFiles] = {};
  int num_inputs = 0;
  int num_outputs = 0;
  uint32_t samples = 1;
  bool profile = false;
  bool stream = false;
  bool patches = true;
};

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

// A decimal count; false unless the whole text is digits and the count is at least 1.
bool parse_count(const char* text, uint32_t* out) {
  uint32_t value = 0;
  if (*text == '\0') return false;
  for (; *text != '\0'; ++text) {
    if (*text < '0' || *text > '9' || value > 100000000u) return false;
    value = value * 10u + static_cast<uint32_t>(*text - '0');
  }
  *out = value;
  return value > 0;
}

int error(const char* a, const char* b = "", const char* c = "") {
  hal_puts("TF_ERROR ");
  hal_puts(a);
  hal_puts(b);
  hal_puts(c);
  hal_puts("\n");
  return 1;
}

bool starts_with(const char* line, const char* word) {
  while (*word != '\0') {
    if (*line++ != *word++) return false;
  }
  return true;
}

// Splits the job text in place into lines "key value".
bool parse_job(char* text, Job* out) {
  char* p = text;
  while (*p != '\0') {
    char* line = p;
    while (*p != '\0' && *p != '\n') ++p;
    if (*p == '\n') *p++ = '\0';
    if (starts_with(line, "model ")) {
      out->model = line + 6;
    } else if (starts_with(line, "input ") && out->num_inputs < kMaxFiles) {
      out->inputs[out->num_inputs++] = line + 6;
    } else if (starts_with(line, "output ") && out->num_outputs < kMaxFiles) {
      out->outputs[out->num_outputs++] = line + 7;
    } else if (starts_with(line, "samples ")) {
      if (!parse_count(line + 8, &out->samples)) return false;
    } else if (starts_with(line, "profile") && line[7] == '\0') {
      out->profile = true;
    } else if (starts_with(line, "stream") && line[6] == '\0') {
      out->stream = true;
    } else if (starts_with(line, "patches off") && line[11] == '\0') {
      out->patches = false;
    } else if (line[0] != '\0') {
      return false;
    }
  }
  return out->model != nullptr;
}

// Reads a whole file into `data` (at most `capacity` bytes); returns its size or -1.
int32_t read_whole(const char* path, void* data, size_t capacity, const char* what) {
  const int handle = hal_open(path, HAL_READ_BINARY);
  if (handle < 0) return error("cannot open ", what, path), -1;
  const int32_t size = hal_file_length(handle);
  if (size < 0) return hal_close(handle), error("cannot size ", what, path), -1;
  if (static_cast<size_t>(size) > capacity) {
    hal_puts("TF_ERROR ");
    hal_puts(what);
    hal_puts(path);
    hal_puts(" has ");
    hal_put_uint(static_cast<uint32_t>(size));
    hal_puts(" bytes; room for ");
    hal_put_uint(static_cast<uint32_t>(capacity));
    hal_puts("\n");
    hal_close(handle);
    return -1;
  }
  const int status = hal_read(handle, data, static_cast<size_t>(size));
  hal_close(handle);
  if (status != 0) return error("cannot read ", what, path), -1;
  return size;
}

}  // namespace

int main() {
  hal_led_set(1);
  if (hal_command_line(job, sizeof(job)) != 0) return error("no command line (job file expected)");
  static char job_text[8192];
  char* job_path = job;
  while (*job_path == ' ') ++job_path;
  const int32_t job_size = read_whole(job_path, job_text, sizeof(job_text) - 1, "job file ");
  if (job_size < 0) return 2;
  job_text[job_size] = '\0';
  Job j;
  if (!parse_job(job_text, &j)) return error("malformed job file ", job_path);

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
  // Files stay open across samples: semihosting reads and writes continue where the last stopped.
  int input_files[kMaxFiles];
  int output_files[kMaxFiles];
  for (int i = 0; i < j.num_inputs; ++i) {
    input_files[i] = hal_open(j.inputs[i], HAL_READ_BINARY);
    if (input_files[i] < 0) return error("cannot open input ", j.inputs[i]);
    const size_t expected = interpreter.input(i).bytes() * j.samples;
    if (static_cast<size_t>(hal_file_length(input_files[i])) != expected)
      return error("input ", j.inputs[i], ": wrong size");
  }
  for (int i = 0; i < j.num_outputs; ++i) {
    output_files[i] = hal_open(j.outputs[i], HAL_WRITE_BINARY);
    if (output_files[i] < 0) return error("cannot open output ", j.outputs[i]);
  }
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
