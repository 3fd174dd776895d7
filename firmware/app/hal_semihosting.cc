// The stream application's HAL on QEMU: the sensor is a file of raw samples on the host (its path
// is the semihosting command line), read one chunk at a time; the clock is the samples consumed;
// the actuator lights the MPS2 FPGA LEDs and logs an ACT line on the console.
#include "app/app_hal.h"
#include "app/app_image.h"
#include "hal/hal.h"

namespace {

int stream = -1;
uint32_t remaining = 0;  // samples left in the file
uint32_t consumed = 0;

void open_stream(uint32_t bytes_per_sample) {
  static char path[512];
  if (hal_command_line(path, sizeof(path)) != 0) {
    hal_puts("TF_ERROR sensor: no command line (the sample file's path expected)\n");
    hal_exit(2);
  }
  const char* start = path;
  while (*start == ' ') ++start;
  stream = hal_open(start, HAL_READ_BINARY);
  const int32_t length = stream >= 0 ? hal_file_length(stream) : -1;
  if (length < 0 || static_cast<uint32_t>(length) % bytes_per_sample != 0) {
    hal_puts("TF_ERROR sensor: cannot read whole samples from ");
    hal_puts(start);
    hal_puts("\n");
    hal_exit(2);
  }
  remaining = static_cast<uint32_t>(length) / bytes_per_sample;
}

}  // namespace

extern "C" uint32_t sensor_read(void* samples, uint32_t max_samples) {
  const uint32_t bytes_per_sample =
      tinyforge::app::sample_bytes(*tinyforge::app::g_app_image.settings);
  if (stream < 0) open_stream(bytes_per_sample);
  const uint32_t count = max_samples < remaining ? max_samples : remaining;
  if (count == 0) return 0;
  if (hal_read(stream, samples, static_cast<size_t>(count) * bytes_per_sample) != 0) {
    hal_puts("TF_ERROR sensor: read failed\n");
    hal_exit(2);
  }
  remaining -= count;
  consumed += count;
  return count;
}

extern "C" uint32_t now_ms(void) {
  const uint64_t rate = tinyforge::app::g_app_image.settings->sample_rate_hz;
  return static_cast<uint32_t>(static_cast<uint64_t>(consumed) * 1000u / rate);
}

extern "C" void actuator_set(const tf_event* event) {
  hal_led_set(1u << (static_cast<uint32_t>(event->label_index) & 7u));
  char line[128];
  tf_format_event(line, sizeof(line), event);
  hal_puts(line);
}
