// The application `tinyforge deploy --app detect` builds for a detector: the model is a C array in
// flash, the arena a static array of the planned size (TINYFORGE_ARENA_BYTES). Frames (the
// model's input tensor, raw, back to back) come from the host file named on the semihosting
// command line, or one zeroed frame without one (a camera driver takes that place on a board).
// Each frame runs between the instruction-count markers, the runtime's post-processing turns the
// cell outputs into objects (no heap) and the app prints
//   TF_FRAME <n> objects=<k>
// then k lines, highest score first: for a centroid detector (tinyforge/centroids.h)
//   TF_OBJECT label=<class> score=<Q16> x=<px> y=<px>
// and for a box detector (TINYFORGE_DETECT_BOX_CLASSES defined: its classes with the background;
// tinyforge/boxes.h, after suppression at TINYFORGE_DETECT_IOU), which first prints
// TF_DETECTOR boxes,
//   TF_BOX label=<class> score=<Q16> xmin=<px> ymin=<px> xmax=<px> ymax=<px>
// and at the end TF_RESULT arena_bytes=N frames=F.
#include <stdint.h>
#include <string.h>

#include "hal/hal.h"
#include "model_data.h"
#include "tinyforge/boxes.h"
#include "tinyforge/centroids.h"
#include "tinyforge/interpreter.h"
#include "tinyforge/model.h"

#ifndef TINYFORGE_DETECT_THRESHOLD
#define TINYFORGE_DETECT_THRESHOLD 32768  // Q16 probability: 0.5
#endif
#ifndef TINYFORGE_DETECT_IOU
#define TINYFORGE_DETECT_IOU 32768  // Q16 IoU above which a box is suppressed: 0.5
#endif
#ifndef TINYFORGE_DETECT_MAX_OBJECTS
#define TINYFORGE_DETECT_MAX_OBJECTS 16
#endif

namespace {
alignas(16) uint8_t arena[TINYFORGE_ARENA_BYTES];
#ifdef TINYFORGE_DETECT_BOX_CLASSES
tinyforge::BoxObject objects[TINYFORGE_DETECT_MAX_OBJECTS];
#else
tinyforge::CentroidObject objects[TINYFORGE_DETECT_MAX_OBJECTS];
#endif
char frames_path[512];

int fail(const char* what, const char* detail) {
  hal_puts("TF_ERROR ");
  hal_puts(what);
  hal_puts(detail);
  hal_puts("\n");
  return 1;
}

void put_field(const char* name, uint32_t value) {
  hal_puts(name);
  hal_put_uint(value);
}

}  // namespace

int main() {
  tinyforge::Model model;
  if (model.load(g_model, g_model_len) != tinyforge::Status::kOk)
    return fail("model: ", model.error());
  tinyforge::Interpreter interpreter;
  if (interpreter.init(model, arena, sizeof(arena)) != tinyforge::Status::kOk)
    return fail("init: ", interpreter.error());
  const tinyforge::TensorView input = interpreter.input(0);
  if (interpreter.num_inputs() != 1 || input.rank != 4)
    return fail("model: ", "a detector takes one image input [1, height, width, channels]");
#ifdef TINYFORGE_DETECT_BOX_CLASSES
  tinyforge::BoxOptions options;
  options.classes = TINYFORGE_DETECT_BOX_CLASSES;
  options.iou_threshold = TINYFORGE_DETECT_IOU;
  hal_puts("TF_DETECTOR boxes\n");
#else
  tinyforge::CentroidOptions options;
#endif
  options.threshold = TINYFORGE_DETECT_THRESHOLD;
  options.input_height = input.dim(1);
  options.input_width = input.dim(2);

  int handle = -1;
  uint32_t frames = 1;
  if (hal_command_line(frames_path, sizeof(frames_path)) == 0 && frames_path[0] != '\0') {
    handle = hal_open(frames_path, HAL_READ_BINARY);
    if (handle < 0) return fail("cannot open ", frames_path);
    const int32_t length = hal_file_length(handle);
    if (length <= 0 || static_cast<uint32_t>(length) % input.bytes() != 0)
      return fail("frames: the file is not whole input tensors: ", frames_path);
    frames = static_cast<uint32_t>(length) / static_cast<uint32_t>(input.bytes());
  } else {
    memset(input.data, 0, input.bytes());
  }
  for (uint32_t frame = 0; frame < frames; ++frame) {
    if (handle >= 0 && hal_read(handle, input.data, input.bytes()) != 0)
      return fail("cannot read ", frames_path);
    hal_led_set(1);
    hal_insn_begin();
    const tinyforge::Status status = interpreter.invoke();
    hal_insn_end();
    hal_led_set(0);
    if (status != tinyforge::Status::kOk) return fail("invoke: ", interpreter.error());
    int count = 0;
#ifdef TINYFORGE_DETECT_BOX_CLASSES
    if (tinyforge::decode_boxes(interpreter.output(0), options, objects,
                                TINYFORGE_DETECT_MAX_OBJECTS, &count,
                                nullptr) != tinyforge::Status::kOk) {
      return fail("decode: ", "the output is not per-cell classes and boxes [1, rows, cols, c+4]");
    }
#else
    if (tinyforge::decode_centroids(interpreter.output(0), options, objects,
                                    TINYFORGE_DETECT_MAX_OBJECTS, &count,
                                    nullptr) != tinyforge::Status::kOk) {
      return fail("decode: ", "the output is not per-cell class scores [1, rows, cols, classes]");
    }
#endif
    put_field("TF_FRAME ", frame);
    put_field(" objects=", static_cast<uint32_t>(count));
    hal_puts("\n");
    for (int i = 0; i < count; ++i) {
#ifdef TINYFORGE_DETECT_BOX_CLASSES
      put_field("TF_BOX label=", static_cast<uint32_t>(objects[i].label));
      put_field(" score=", static_cast<uint32_t>(objects[i].score));
      put_field(" xmin=", static_cast<uint32_t>(objects[i].xmin));
      put_field(" ymin=", static_cast<uint32_t>(objects[i].ymin));
      put_field(" xmax=", static_cast<uint32_t>(objects[i].xmax));
      put_field(" ymax=", static_cast<uint32_t>(objects[i].ymax));
#else
      put_field("TF_OBJECT label=", static_cast<uint32_t>(objects[i].label));
      put_field(" score=", static_cast<uint32_t>(objects[i].score));
      put_field(" x=", static_cast<uint32_t>(objects[i].x));
      put_field(" y=", static_cast<uint32_t>(objects[i].y));
#endif
      hal_puts("\n");
    }
  }
  if (handle >= 0) hal_close(handle);
  put_field("TF_RESULT arena_bytes=", static_cast<uint32_t>(interpreter.arena_usage().total_bytes));
  put_field(" frames=", frames);
  hal_puts("\n");
  return 0;
}
