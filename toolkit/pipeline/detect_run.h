// `tinyforge detect` as a library call: a centroid detector (.tflite, int8 or float) run on
// images through tinyforge's runtime, its objects decoded by the device's own post-processing
// (tinyforge/centroids.h) and drawn onto the images for people to look at.
#ifndef TINYFORGE_TOOLKIT_PIPELINE_DETECT_RUN_H_
#define TINYFORGE_TOOLKIT_PIPELINE_DETECT_RUN_H_

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tinyforge::pipeline {

struct DetectRequest {
  std::filesystem::path model;
  std::vector<std::string> images;
  // A PNG with the objects drawn: for one image this file; for several, one file per image named
  // <stem of output>_<stem of image>.png beside it. Empty: nothing drawn.
  std::filesystem::path output;
  float threshold = 0.5f;  // the probability a cell must reach to be an object
};

// {"images": [{"image", "width", "height", "objects": [{"class", "label", "score", "x", "y"}],
// "count": {class: n}, "output"}], "objects": the first image's objects, "output": the first
// drawing}. x and y are in the image's own pixels. Throws host::Error naming the model or image.
nlohmann::json run_detect(const DetectRequest& request);

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_DETECT_RUN_H_
