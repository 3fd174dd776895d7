#include "toolkit/pipeline/detect_run.h"

#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>

#include "toolkit/data/image_folder.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/host/temp_dir.h"
#include "toolkit/host/tensor_io.h"
#include "toolkit/pipeline/box_detection.h"
#include "toolkit/pipeline/centroid_detection.h"
#include "toolkit/pipeline/detection.h"
#include "toolkit/tflite/metadata_json.h"

namespace tinyforge::pipeline {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Distinct, saturated colours for the classes (1-based labels).
constexpr uint8_t kColours[][3] = {{255, 40, 40}, {40, 220, 40}, {40, 120, 255}, {255, 200, 0},
                                   {255, 0, 220}, {0, 230, 230}, {255, 130, 0},  {150, 80, 255}};

struct Rgb {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;  // 3 bytes a pixel
  void put(int x, int y, const uint8_t* colour) {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    std::copy(colour, colour + 3, pixels.begin() + 3 * (static_cast<size_t>(y) * width + x));
  }
};

Rgb read_rgb(const std::string& path) {
  Rgb image;
  int channels = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load(path.c_str(), &image.width, &image.height, &channels, 3), stbi_image_free);
  if (!pixels) throw host::Error(path + ": unreadable image (expected PNG, JPEG or BMP)");
  image.pixels.assign(pixels.get(), pixels.get() + 3 * image.width * image.height);
  return image;
}

// A ring of `radius` (two pixels thick, black-edged so it shows on any background) and a dot.
void draw_marker(Rgb& image, int cx, int cy, int radius, const uint8_t* colour) {
  static constexpr uint8_t kBlack[3] = {0, 0, 0};
  for (int y = cy - radius - 2; y <= cy + radius + 2; ++y) {
    for (int x = cx - radius - 2; x <= cx + radius + 2; ++x) {
      const double d = std::hypot(x - cx, y - cy);
      if (std::abs(d - radius) < 1.0 || d < 1.6) {
        image.put(x, y, colour);
      } else if (std::abs(d - radius) < 2.0) {
        image.put(x, y, kBlack);
      }
    }
  }
}

// A rectangle outline two pixels thick with a black edge outside it.
void draw_box(Rgb& image, int x0, int y0, int x1, int y1, const uint8_t* colour) {
  static constexpr uint8_t kBlack[3] = {0, 0, 0};
  for (int y = y0 - 1; y <= y1 + 1; ++y) {
    for (int x = x0 - 1; x <= x1 + 1; ++x) {
      const int inside = std::min({x - x0, x1 - x, y - y0, y1 - y});  // -1 on the black edge
      if (inside == 0 || inside == 1) {
        image.put(x, y, colour);
      } else if (inside == -1) {
        image.put(x, y, kBlack);
      }
    }
  }
}

// One object as detect reports it: a centroid, or a box (and its centre).
struct Found {
  int label = 0;
  float score = 0;
  float x = 0, y = 0;
  bool has_box = false;
  float xmin = 0, ymin = 0, xmax = 0, ymax = 0;
};

std::vector<Found> find_objects(const TensorView& output, bool boxes, const CentroidOptions& c,
                                const BoxOptions& b) {
  std::vector<Found> found;
  if (!boxes) {
    for (const metrics::DetectedObject& o : centroid_objects(output, c))
      found.push_back({o.label, o.score, o.x, o.y});
    return found;
  }
  for (const metrics::DetectedBox& o : box_objects(output, b)) {
    found.push_back({o.label, o.score, (o.xmin + o.xmax) / 2, (o.ymin + o.ymax) / 2, true, o.xmin,
                     o.ymin, o.xmax, o.ymax});
  }
  return found;
}

fs::path drawing_path(const DetectRequest& request, const std::string& image) {
  if (request.images.size() == 1) return request.output;
  const fs::path out = request.output;
  return out.parent_path() / (out.stem().string() + "_" + fs::path(image).stem().string() + ".png");
}

void write_png(const fs::path& path, const Rgb& image) {
  // Written beside the target and renamed: a failed run leaves no half-written PNG.
  const fs::path temp = path.string() + ".partial";
  if (!stbi_write_png(temp.c_str(), image.width, image.height, 3, image.pixels.data(),
                      3 * image.width)) {
    throw host::Error(path.string() + ": cannot write the PNG");
  }
  fs::rename(temp, path);
}

}  // namespace

json run_detect(const DetectRequest& request) {
  if (request.images.empty()) throw host::Error("detect: no image given");
  if (!(request.threshold >= 0 && request.threshold <= 1))
    throw host::Error("detect: --threshold must be a probability in [0, 1]");
  if (!(request.iou >= 0 && request.iou <= 1)) throw host::Error("detect: --iou must be in [0, 1]");
  const host::ModelFile file(request.model);
  const Model& model = file.model();
  if (model.num_inputs() != 1 || model.num_outputs() != 1)
    throw host::Error(request.model.string() + ": expected one input and one output");
  const tflite::Metadata metadata =
      tflite::read_metadata(*model.flatbuffer(), request.model.string());
  const TensorView in = model.tensor(model.input_tensor(0));
  if (in.rank != 4 || (in.dim(3) != 1 && in.dim(3) != 3)) {
    throw host::Error(request.model.string() +
                      ": expected an image input [1, height, width, 1 or 3]");
  }
  int width = in.dim(2), height = in.dim(1);
  const int channels = in.dim(3);
  host::HostInterpreter interpreter(file);
  Interpreter& it = interpreter.get();
  CentroidOptions options;
  options.input_width = width;
  options.input_height = height;
  options.threshold = round_to_int32(request.threshold * static_cast<float>(kScoreOne));
  const bool boxes = is_box_detector(metadata.extra);
  BoxOptions box_options;
  box_options.classes = static_cast<int>(metadata.labels.size());
  box_options.input_width = width;
  box_options.input_height = height;
  box_options.threshold = options.threshold;
  box_options.iou_threshold = round_to_int32(request.iou * static_cast<float>(kScoreOne));
  json images = json::array();
  for (const std::string& path : request.images) {
    std::vector<float> pixels = data::load_image(path, width, height, channels, true);
    // The normalization the model was trained with (per channel), as its metadata records it.
    for (size_t i = 0; i < pixels.size() && !metadata.input_mean.empty(); ++i) {
      const size_t c = i % metadata.input_mean.size();
      pixels[i] = (pixels[i] - metadata.input_mean[c]) / metadata.input_std.at(c);
    }
    host::set_tensor_values(it.input(0), pixels, path);
    interpreter.invoke();
    const std::vector<Found> found = find_objects(it.output(0), boxes, options, box_options);
    Rgb drawing = read_rgb(path);
    const double sx = static_cast<double>(drawing.width) / width;
    const double sy = static_cast<double>(drawing.height) / height;
    const int rows = it.output(0).dim(-3);
    const int radius = std::max(3, static_cast<int>(drawing.height / (2.0 * rows)));
    json objects = json::array();
    json count = json::object();
    for (const Found& o : found) {
      const std::string name = static_cast<size_t>(o.label) < metadata.labels.size()
                                   ? metadata.labels[o.label]
                                   : std::to_string(o.label);
      const double x = o.x * sx, y = o.y * sy;
      json object = {{"class", name}, {"label", o.label}, {"score", o.score}, {"x", x}, {"y", y}};
      const uint8_t* colour = kColours[(o.label - 1) % std::size(kColours)];
      if (o.has_box) {
        object["box"] = {o.xmin * sx, o.ymin * sy, o.xmax * sx, o.ymax * sy};
        draw_box(drawing, static_cast<int>(std::lround(o.xmin * sx)),
                 static_cast<int>(std::lround(o.ymin * sy)),
                 static_cast<int>(std::lround(o.xmax * sx)) - 1,
                 static_cast<int>(std::lround(o.ymax * sy)) - 1, colour);
      } else {
        draw_marker(drawing, static_cast<int>(x), static_cast<int>(y), radius, colour);
      }
      objects.push_back(object);
      count[name] = count.value(name, 0) + 1;
    }
    json entry = {{"image", path},
                  {"width", drawing.width},
                  {"height", drawing.height},
                  {"objects", objects},
                  {"count", count}};
    if (!request.output.empty()) {
      const fs::path out = drawing_path(request, path);
      write_png(out, drawing);
      entry["output"] = out.string();
    }
    images.push_back(entry);
  }
  json result = {{"images", images}, {"objects", images[0]["objects"]}};
  result["output"] = images[0].contains("output") ? images[0]["output"] : json(nullptr);
  result["model_file"] = request.model.string();
  return result;
}

BoardDetections run_detect_app(const fs::path& elf, const std::string& board,
                               const fs::path& frames, int timeout_seconds) {
  const deploy::QemuResult run = deploy::run_qemu(deploy::board_info(board), elf,
                                                  fs::absolute(frames).string(), timeout_seconds);
  if (run.timed_out || run.exit_code != 0) {
    throw host::Error(elf.string() + " on " + board + ": " +
                      (run.timed_out ? "timed out" : "failed") + ": " + run.console);
  }
  BoardDetections result;
  // A box detector's firmware says so before its first frame.
  const bool boxes = run.console.find("TF_DETECTOR boxes") != std::string::npos;
  std::istringstream lines(run.console);
  for (std::string line; std::getline(lines, line);) {
    unsigned long long a = 0, b = 0, c = 0, d = 0, e = 0, f = 0;
    if (line.rfind("TF_FRAME ", 0) == 0) {
      if (boxes) {
        result.box_frames.emplace_back();
      } else {
        result.frames.emplace_back();
      }
    } else if (boxes &&
               std::sscanf(line.c_str(),
                           "TF_BOX label=%llu score=%llu xmin=%llu ymin=%llu xmax=%llu "
                           "ymax=%llu",
                           &a, &b, &c, &d, &e, &f) == 6 &&
               !result.box_frames.empty()) {
      BoxObject o;
      o.label = static_cast<int>(a);
      o.score = static_cast<int32_t>(b);
      o.xmin = static_cast<int>(c);
      o.ymin = static_cast<int>(d);
      o.xmax = static_cast<int>(e);
      o.ymax = static_cast<int>(f);
      result.box_frames.back().push_back(o);
    } else if (std::sscanf(line.c_str(), "TF_OBJECT label=%llu score=%llu x=%llu y=%llu", &a, &b,
                           &c, &d) == 4 &&
               !result.frames.empty()) {
      CentroidObject o;
      o.label = static_cast<int>(a);
      o.score = static_cast<int32_t>(b);
      o.x = static_cast<int>(c);
      o.y = static_cast<int>(d);
      result.frames.back().push_back(o);
    } else if (std::sscanf(line.c_str(), "TF_RESULT arena_bytes=%llu", &a) == 1) {
      result.arena_bytes = a;
    }
  }
  result.instructions = run.instructions;
  return result;
}

}  // namespace tinyforge::pipeline
