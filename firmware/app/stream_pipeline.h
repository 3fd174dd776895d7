// The application core every stream product runs, on the device and (compiled from the same
// sources) on the host: samples arrive in chunks into a ring; at every stride the feature model
// turns the last window into one frame (in one interpreter, so a stateful frontend keeps its
// state); every K strides the classifier sees the last F frames, oldest first (or, without a
// feature model, the window itself); its scores are averaged, thresholded and suppressed into
// events (tinyforge/postprocess.h).
#ifndef TINYFORGE_FIRMWARE_APP_STREAM_PIPELINE_H_
#define TINYFORGE_FIRMWARE_APP_STREAM_PIPELINE_H_

#include <stddef.h>
#include <stdint.h>

#include "app/sample_ring.h"
#include "app/settings.h"
#include "app/value_convert.h"
#include "tinyforge/interpreter.h"
#include "tinyforge/model.h"
#include "tinyforge/postprocess.h"

namespace tinyforge::app {

class StreamPipeline {
 public:
  // Working memory init() needs for these settings and models (the sample ring, the classifier's
  // input, scores), or 0 if the settings cannot work with the models (and `error`, if given, says
  // why). The same figure on every machine.
  static uint32_t storage_bytes(const Settings& settings, const Model* features,
                                const Model& classifier, ErrorMessage* error = nullptr);

  // Checks the pipeline contract (docs/firmware-app.md) against the interpreters' tensors. The
  // settings (and what they point to), interpreters and storage must outlive the pipeline.
  // `features` is null when the classifier takes raw windows.
  Status init(const Settings& settings, Interpreter* features, Interpreter* classifier,
              void* storage, size_t storage_size);

  // Feeds `count` samples (settings.axes values each) that had arrived by `now_ms`, running the
  // models at every stride they complete. Writes up to `max_events` events and their number.
  Status push(const void* samples, uint32_t count, uint32_t now_ms, Event* events, int max_events,
              int* num_events);

  const char* error() const { return error_.c_str(); }
  uint32_t strides() const { return strides_; }
  uint32_t inferences() const { return inferences_; }
  int32_t frames_per_inference() const { return frames_; }
  // The latest averaged scores, one per label (valid once an inference ran).
  const int32_t* averages() const { return averages_; }

 private:
  Status fail(Status status, const char* what, const char* detail = "");
  Status step(uint32_t now_ms, Event* events, int max_events, int* num_events);
  void convert_window(const TensorView& to, void* to_data, const Normalization& norm);

  const Settings* settings_ = nullptr;
  Interpreter* features_ = nullptr;
  Interpreter* classifier_ = nullptr;
  SampleRing ring_;
  uint8_t* stack_ = nullptr;  // the classifier's next input: F frames, oldest first
  TensorView stack_view_;     // the classifier input's dtype and quantization over stack_
  int32_t* scores_ = nullptr;
  int32_t* averages_ = nullptr;
  ScoreAverager averager_;
  EventDetector detector_;
  Normalization norm_;
  int32_t frames_ = 1;            // F
  int64_t frame_elements_ = 0;    // per frame, in the classifier's input
  uint32_t frames_seen_ = 0;      // up to F
  uint32_t until_step_ = 0;       // samples until the next stride completes
  uint32_t since_inference_ = 0;  // strides since the classifier last ran
  uint32_t strides_ = 0;
  uint32_t inferences_ = 0;
  ErrorMessage error_;
};

}  // namespace tinyforge::app

#endif  // TINYFORGE_FIRMWARE_APP_STREAM_PIPELINE_H_
