/* The board side of a tinyforge stream application: three functions. Port the application to a
 * board by writing them (docs/firmware-app.md); hal_semihosting.cc implements them for QEMU, where
 * the sensor is a file of samples on the host. C linkage, so a port may be written in C. */
#ifndef TINYFORGE_FIRMWARE_APP_APP_HAL_H_
#define TINYFORGE_FIRMWARE_APP_APP_HAL_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A decision: at `time_ms`, class `label_index` (named `label`) reached its threshold with the
 * averaged score `score_q16` (65536 = 1.0). */
typedef struct tf_event {
  uint32_t time_ms;
  int32_t label_index;
  const char* label;
  int32_t score_q16;
} tf_event;

/* Waits for the sensor's next samples and copies up to `max_samples` of them into `samples`, in
 * the application's sample format: int16 mono PCM for audio, or `axes` float32 values per sample
 * for a motion sensor (the settings in app_config.cc say which, and the rate). Returns how many it
 * copied; 0 means the stream has ended (a real sensor never ends). */
uint32_t sensor_read(void* samples, uint32_t max_samples);

/* Acts on a decision (a GPIO, a relay, a radio message). */
void actuator_set(const tf_event* event);

/* Milliseconds since the application started; it stamps events and times the suppression. */
uint32_t now_ms(void);

/* "ACT <time_ms> <label> <score>\n" with the score to three decimals, as the QEMU actuator logs
 * it and `tinyforge stream` prints it; at most `capacity` bytes with the terminating zero.
 * Returns the length written. */
uint32_t tf_format_event(char* out, uint32_t capacity, const tf_event* event);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORGE_FIRMWARE_APP_APP_HAL_H_ */
