// The job file of the firmware runners (runner.cc: any model through the interpreter;
// aot_runner.cc: one model compiled ahead of time), read over semihosting; see runner.cc for its
// lines. Header-only: each runner is one translation unit.
#ifndef TINYFORGE_FIRMWARE_APPS_JOB_FILE_H_
#define TINYFORGE_FIRMWARE_APPS_JOB_FILE_H_

#include <stddef.h>
#include <stdint.h>

#include "hal/hal.h"

namespace {

constexpr int kMaxFiles = 32;
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

// A decimal count; false unless the whole text is digits and the count is at least 1.
inline bool parse_count(const char* text, uint32_t* out) {
  uint32_t value = 0;
  if (*text == '\0') return false;
  for (; *text != '\0'; ++text) {
    if (*text < '0' || *text > '9' || value > 100000000u) return false;
    value = value * 10u + static_cast<uint32_t>(*text - '0');
  }
  *out = value;
  return value > 0;
}

inline int error(const char* a, const char* b = "", const char* c = "") {
  hal_puts("TF_ERROR ");
  hal_puts(a);
  hal_puts(b);
  hal_puts(c);
  hal_puts("\n");
  return 1;
}

inline bool starts_with(const char* line, const char* word) {
  while (*word != '\0') {
    if (*line++ != *word++) return false;
  }
  return true;
}

// Splits the job text in place into lines "key value".
inline bool parse_job(char* text, Job* out) {
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
inline int32_t read_whole(const char* path, void* data, size_t capacity, const char* what) {
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

// Reads the job file named on the semihosting command line into `text` (`capacity` bytes) and
// parses it; false (after printing TF_ERROR) when that fails.
inline bool read_job(char* text, size_t capacity, Job* out) {
  static char path[4096];
  if (hal_command_line(path, sizeof(path)) != 0) {
    error("no command line (job file expected)");
    return false;
  }
  char* job_path = path;
  while (*job_path == ' ') ++job_path;
  const int32_t size = read_whole(job_path, text, capacity - 1, "job file ");
  if (size < 0) return false;
  text[size] = '\0';
  if (!parse_job(text, out)) {
    error("malformed job file ", job_path);
    return false;
  }
  return true;
}

// Opens the job's input files, each `input_bytes(i)` bytes per sample, and its output files. Files
// stay open across samples: semihosting reads and writes continue where the last stopped. False
// (after printing TF_ERROR) when one cannot be opened or an input has the wrong size.
template <typename InputBytes>
bool open_job_files(const Job& j, InputBytes input_bytes, int* input_files, int* output_files) {
  for (int i = 0; i < j.num_inputs; ++i) {
    input_files[i] = hal_open(j.inputs[i], HAL_READ_BINARY);
    if (input_files[i] < 0) return error("cannot open input ", j.inputs[i]), false;
    const size_t expected = input_bytes(i) * j.samples;
    if (static_cast<size_t>(hal_file_length(input_files[i])) != expected)
      return error("input ", j.inputs[i], ": wrong size"), false;
  }
  for (int i = 0; i < j.num_outputs; ++i) {
    output_files[i] = hal_open(j.outputs[i], HAL_WRITE_BINARY);
    if (output_files[i] < 0) return error("cannot open output ", j.outputs[i]), false;
  }
  return true;
}

}  // namespace

#endif  // TINYFORGE_FIRMWARE_APPS_JOB_FILE_H_
