// The stream application's main loop: read a chunk from the sensor, push it through the pipeline
// (feature model, classifier, postprocessing) and hand every event to the actuator. On QEMU the
// sensor stream ends, the instructions of each chunk's processing are counted between the
// hal_insn_begin/end markers, and a summary line closes the run; start-up errors go to the
// console (hal_puts) as a TF_ERROR line.
#include "app/app_hal.h"
#include "app/app_image.h"
#include "app/stream_pipeline.h"
#include "hal/hal.h"

namespace {

using tinyforge::Status;
using tinyforge::app::g_app_image;

int fail(const char* what, const char* detail) {
  hal_puts("TF_ERROR ");
  hal_puts(what);
  hal_puts(detail);
  hal_puts("\n");
  return 1;
}

bool start(tinyforge::Model& model, tinyforge::Interpreter& interpreter, const uint8_t* bytes,
           size_t size, uint8_t* arena, size_t arena_bytes, const char* what) {
  if (model.load(bytes, size) != Status::kOk) return fail(what, model.error()), false;
  if (interpreter.init(model, arena, arena_bytes) != Status::kOk) {
    return fail(what, interpreter.error()), false;
  }
  return true;
}

}  // namespace

int main() {
  const tinyforge::app::AppImage& image = g_app_image;
  static tinyforge::Model classifier_model, features_model;
  static tinyforge::Interpreter classifier, features;
  if (!start(classifier_model, classifier, image.classifier_model, image.classifier_model_bytes,
             image.classifier_arena, image.classifier_arena_bytes, "classifier: ")) {
    return 1;
  }
  const bool with_features = image.features_model != nullptr;
  if (with_features &&
      !start(features_model, features, image.features_model, image.features_model_bytes,
             image.features_arena, image.features_arena_bytes, "feature model: ")) {
    return 1;
  }
  static tinyforge::app::StreamPipeline pipeline;
  if (pipeline.init(*image.settings, with_features ? &features : nullptr, &classifier,
                    image.storage, image.storage_bytes) != Status::kOk) {
    return fail("pipeline: ", pipeline.error());
  }
  const char* const* labels = image.settings->labels;
  uint32_t samples = 0;
  for (;;) {
    const uint32_t count = sensor_read(image.chunk, image.chunk_samples);
    if (count == 0) break;
    samples += count;
    const uint32_t now = now_ms();
    tinyforge::Event events[4];
    int num_events = 0;
    hal_insn_begin();
    const Status status = pipeline.push(image.chunk, count, now, events, 4, &num_events);
    hal_insn_end();
    if (status != Status::kOk) return fail("pipeline: ", pipeline.error());
    for (int i = 0; i < num_events; ++i) {
      const tf_event event = {events[i].time_ms, events[i].label, labels[events[i].label],
                              events[i].score};
      actuator_set(&event);
    }
  }
  hal_puts("TF_RESULT samples=");
  hal_put_uint(samples);
  hal_puts(" strides=");
  hal_put_uint(pipeline.strides());
  hal_puts(" inferences=");
  hal_put_uint(pipeline.inferences());
  hal_puts("\n");
  return 0;
}
