#include "toolkit/data/detection.h"

#include <stb_image.h>
#include <tinyxml2.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "toolkit/data/class_folders.h"
#include "toolkit/data/dataset.h"
#include "toolkit/data/image_folder.h"
#include "toolkit/host/error.h"

namespace tinyforge::data {

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> files_with(const std::string& dir, const std::string& extension) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw host::Error(dir + ": not a directory of annotations");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == extension &&
        !is_hidden(entry.path())) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Throws or records, like reject_sample() for classification datasets.
void reject(DetectionSet& set, bool skip_bad, std::string message) {
  if (!skip_bad) throw host::Error(message + " (skip_bad: true skips bad samples)");
  set.skipped.push_back(std::move(message));
}

const char* child_text(const tinyxml2::XMLElement* parent, const char* name) {
  const tinyxml2::XMLElement* child = parent ? parent->FirstChildElement(name) : nullptr;
  return child && child->GetText() ? child->GetText() : nullptr;
}

float child_number(const tinyxml2::XMLElement* parent, const char* name, const std::string& where) {
  const char* text = child_text(parent, name);
  float value = 0;
  if (!text || !tinyxml2::XMLUtil::ToFloat(text, &value)) {
    throw host::Error(where + ": <" + std::string(name) + "> is missing or not a number");
  }
  return value;
}

// LabelImg writes boxes that touch the border with coordinates up to one pixel beyond it (VOC's
// 1-based pixels): those are clamped; anything further out is bad data.
void check_inside(Box& box, int width, int height, const std::string& where) {
  constexpr float kOverhang = 1.0f;
  if (width <= 0 || height <= 0) return;  // no usable <size>: checked against the image later
  if (box.xmin < -kOverhang || box.ymin < -kOverhang || box.xmax > width + kOverhang ||
      box.ymax > height + kOverhang) {
    char text[160];
    std::snprintf(text, sizeof text, ": box (%g, %g)-(%g, %g) is outside the %dx%d image", box.xmin,
                  box.ymin, box.xmax, box.ymax, width, height);
    throw host::Error(where + text);
  }
  box.xmin = std::max(box.xmin, 0.0f);
  box.ymin = std::max(box.ymin, 0.0f);
  box.xmax = std::min(box.xmax, static_cast<float>(width));
  box.ymax = std::min(box.ymax, static_cast<float>(height));
}

DetectionSample read_voc_file(const fs::path& file, std::vector<std::string>& classes,
                              bool fixed_classes) {
  const std::string path = file.string();
  tinyxml2::XMLDocument doc;
  if (doc.LoadFile(path.c_str()) != tinyxml2::XML_SUCCESS) {
    throw host::Error(path + ":" + std::to_string(doc.ErrorLineNum()) + ": unreadable XML (" +
                      doc.ErrorStr() + ")");
  }
  const tinyxml2::XMLElement* root = doc.FirstChildElement("annotation");
  if (!root) throw host::Error(path + ": no <annotation> root; expected Pascal VOC XML");
  DetectionSample sample;
  sample.annotation = path;
  const char* filename = child_text(root, "filename");
  const char* image_path = child_text(root, "path");
  const tinyxml2::XMLElement* filename_element = root->FirstChildElement("filename");
  const std::string filename_where =
      path + ":" +
      std::to_string(filename_element ? filename_element->GetLineNum() : root->GetLineNum());
  // An image listed but missing is reported after the boxes, so a file with both problems names
  // the first one in it.
  std::string missing_image;
  if (filename && fs::exists(file.parent_path() / filename)) {
    sample.image = (file.parent_path() / filename).string();
  } else if (image_path && fs::exists(image_path)) {
    sample.image = image_path;
  } else if (filename) {
    missing_image = filename_where + ": the image '" + filename + "' is missing (looked in " +
                    file.parent_path().string() + (image_path ? " and at <path>" : "") + ")";
  } else {
    throw host::Error(filename_where + ": <filename> is missing");
  }
  const tinyxml2::XMLElement* size = root->FirstChildElement("size");
  const std::string size_where = path + ":" + std::to_string(size ? size->GetLineNum() : 0);
  sample.width = static_cast<int>(child_number(size, "width", size_where));
  sample.height = static_cast<int>(child_number(size, "height", size_where));
  for (const tinyxml2::XMLElement* object = root->FirstChildElement("object"); object;
       object = object->NextSiblingElement("object")) {
    const std::string where = path + ":" + std::to_string(object->GetLineNum());
    const char* name = child_text(object, "name");
    if (!name) throw host::Error(where + ": <object> has no <name>");
    auto it = std::find(classes.begin(), classes.end(), name);
    if (it == classes.end()) {
      if (fixed_classes) throw host::Error(where + ": unknown class '" + name + "'");
      classes.push_back(name);
      it = classes.end() - 1;
    }
    const tinyxml2::XMLElement* bndbox = object->FirstChildElement("bndbox");
    if (!bndbox) throw host::Error(where + ": <object> has no <bndbox>");
    const std::string box_where = path + ":" + std::to_string(bndbox->GetLineNum());
    Box box{static_cast<int>(it - classes.begin()), child_number(bndbox, "xmin", box_where),
            child_number(bndbox, "ymin", box_where), child_number(bndbox, "xmax", box_where),
            child_number(bndbox, "ymax", box_where)};
    if (!(box.xmin < box.xmax && box.ymin < box.ymax)) {
      throw host::Error(box_where +
                        ": box has xmin >= xmax or ymin >= ymax (zero or negative area)");
    }
    check_inside(box, sample.width, sample.height, box_where);
    const char* difficult = child_text(object, "difficult");
    box.difficult = difficult && std::string(difficult) == "1";
    sample.boxes.push_back(box);
  }
  if (!missing_image.empty()) throw host::Error(missing_image);
  return sample;
}

}  // namespace

DetectionSet load_voc(const std::string& dir, std::vector<std::string> class_names, bool skip_bad) {
  DetectionSet set;
  const bool fixed = !class_names.empty();
  set.class_names = std::move(class_names);
  for (const fs::path& file : files_with(dir, ".xml")) {
    // A file's new classes are only kept if the whole file is good.
    std::vector<std::string> classes = set.class_names;
    try {
      set.samples.push_back(read_voc_file(file, classes, fixed));
      set.class_names = std::move(classes);
    } catch (const host::Error& e) {
      reject(set, skip_bad, e.what());
    }
  }
  if (set.samples.empty()) throw host::Error(dir + ": no Pascal VOC .xml annotation found");
  return set;
}

DetectionSet load_yolo(const std::string& dir, bool skip_bad) {
  DetectionSet set;
  const fs::path classes_path = fs::path(dir) / "classes.txt";
  std::ifstream classes(classes_path);
  if (!classes) {
    throw host::Error(classes_path.string() + ": cannot open (YOLO needs one class name a line)");
  }
  for (std::string line; std::getline(classes, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) set.class_names.push_back(line);
  }
  for (const fs::path& file : files_with(dir, ".txt")) {
    if (file.filename() == "classes.txt") continue;
    const std::string path = file.string();
    try {
      DetectionSample sample;
      sample.annotation = path;
      for (const char* ext : {".png", ".jpg", ".jpeg", ".bmp", ".PNG", ".JPG", ".JPEG", ".BMP"}) {
        fs::path image = file;
        image.replace_extension(ext);
        if (fs::exists(image)) {
          sample.image = image.string();
          break;
        }
      }
      if (sample.image.empty()) {
        throw host::Error(path + ": no image with the same name (.png/.jpg/.jpeg/.bmp)");
      }
      int channels = 0;
      if (!stbi_info(sample.image.c_str(), &sample.width, &sample.height, &channels)) {
        throw host::Error(sample.image + ": unreadable image (" + stbi_failure_reason() + ")");
      }
      std::ifstream in(file);
      int line_number = 0;
      for (std::string line; std::getline(in, line);) {
        ++line_number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = path + ":" + std::to_string(line_number);
        std::istringstream fields(line);
        int label = -1;
        float cx, cy, w, h;
        std::string extra;
        if (!(fields >> label >> cx >> cy >> w >> h) || (fields >> extra)) {
          throw host::Error(where + ": expected 'class cx cy w h' (5 numbers)");
        }
        if (label < 0 || label >= static_cast<int>(set.class_names.size())) {
          throw host::Error(where + ": class " + std::to_string(label) + " is outside 0.." +
                            std::to_string(set.class_names.size() - 1) + " (classes.txt)");
        }
        if (cx < 0 || cx > 1 || cy < 0 || cy > 1 || w <= 0 || w > 1 || h <= 0 || h > 1) {
          throw host::Error(where + ": box values must be normalized to [0, 1]");
        }
        sample.boxes.push_back({label, (cx - w / 2) * sample.width, (cy - h / 2) * sample.height,
                                (cx + w / 2) * sample.width, (cy + h / 2) * sample.height});
      }
      set.samples.push_back(std::move(sample));
    } catch (const host::Error& e) {
      reject(set, skip_bad, e.what());
    }
  }
  if (set.samples.empty()) throw host::Error(dir + ": no YOLO .txt annotation found");
  return set;
}

}  // namespace tinyforge::data

namespace tinyforge::data {

Dataset detection_dataset(const DetectionSet& set, const ImageOptions& options) {
  std::vector<std::string> classes{"background"};
  classes.insert(classes.end(), set.class_names.begin(), set.class_names.end());
  int width = options.width, height = options.height;
  Dataset out;
  for (const DetectionSample& sample : set.samples) {
    try {
      int file_width = 0, file_height = 0, file_channels = 0;
      if (!stbi_info(sample.image.c_str(), &file_width, &file_height, &file_channels)) {
        const char* reason = stbi_failure_reason();
        throw host::Error(sample.image + ": unreadable image (" +
                          (reason != nullptr ? reason : "corrupt") + ")");
      }
      if (sample.width > 0 && (sample.width != file_width || sample.height != file_height)) {
        throw host::Error(sample.annotation + ": <size> says " + std::to_string(sample.width) +
                          "x" + std::to_string(sample.height) + ", but " + sample.image + " is " +
                          std::to_string(file_width) + "x" + std::to_string(file_height));
      }
      const std::vector<float> pixels =
          load_image(sample.image, width, height, options.channels, options.resize);
      if (out.sample_shape().empty()) {
        out = Dataset::detection({height, width, options.channels}, classes);
      }
      const float sx = static_cast<float>(width) / file_width;
      const float sy = static_cast<float>(height) / file_height;
      std::vector<Box> boxes;
      for (Box box : sample.boxes) {
        box.label += 1;
        box.xmin *= sx;
        box.xmax *= sx;
        box.ymin *= sy;
        box.ymax *= sy;
        boxes.push_back(box);
      }
      out.add_objects(pixels, std::move(boxes), sample.annotation);
    } catch (const host::Error& e) {
      if (!options.skip_bad)
        throw host::Error(std::string(e.what()) + " (skip_bad: true skips bad samples)");
      out.skipped.push_back(e.what());
    }
  }
  if (out.sample_shape().empty()) out = Dataset::detection({0, 0, options.channels}, classes);
  out.skipped.insert(out.skipped.begin(), set.skipped.begin(), set.skipped.end());
  return out;
}

}  // namespace tinyforge::data
