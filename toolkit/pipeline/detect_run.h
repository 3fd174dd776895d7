// `tinyforge detect` as a library call: a centroid or box detector (.tflite, int8 or float) run on
// images through tinyforge's runtime, its objects decoded by the device's own post-processing
// (tinyforge/centroids.h, tinyforge/boxes.h) and drawn onto the images for people to look at.
#ifndef TINYFORGE_TOOLKIT_PIPELINE_DETECT_RUN_H_
#define TINYFORGE_TOOLKIT_PIPELINE_DETECT_RUN_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tinyforge/boxes.h"
#include "tinyforge/centroids.h"

namespace tinyforge::pipeline {

struct DetectRequest {
  std::filesystem::path model;
  std::vector<std::string> images;
  // A PNG with the objects drawn: for one image this file; for several, one file per image named
  // <stem of output>_<stem of image>.png beside it. Empty: nothing drawn.
  std::filesystem::path output;
  float threshold = 0.5f;  // the probability a cell must reach to be an object
  float iou = 0.5f;        // a box detector: suppress a box overlapping a better one more
};

// {"images": [{"image", "width", "height", "objects": [{"class", "label", "score", "x", "y"
// (centre), "box" ([xmin, ymin, xmax, ymax], box detectors)}],
// "count": {class: n}, "output"}], "objects": the first image's objects, "output": the first
// drawing}. x and y are in the image's own pixels. Throws host::Error naming the model or image.
nlohmann::json run_detect(const DetectRequest& request);

// What the firmware of `deploy --app detect` printed for a file of frames (the model's input
// tensors back to back), run in QEMU on `board`: each frame's objects (label, score, x, y; row and
// col are not printed and stay 0) or, for a box detector, its boxes (label, score, corners), its
// instructions, and the arena the firmware used.
struct BoardDetections {
  std::vector<std::vector<CentroidObject>> frames;
  std::vector<std::vector<BoxObject>> box_frames;  // a box detector's frames (then `frames` empty)
  std::vector<uint64_t> instructions;
  uint64_t arena_bytes = 0;
};
BoardDetections run_detect_app(const std::filesystem::path& elf, const std::string& board,
                               const std::filesystem::path& frames, int timeout_seconds = 600);

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_DETECT_RUN_H_
