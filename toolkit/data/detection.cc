#include "toolkit/data/detection.h"

#include <stb_image.h>
#include <tinyxml2.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "toolkit/data/class_folders.h"
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
  if (filename && fs::exists(file.parent_path() / filename)) {
    sample.image = (file.parent_path() / filename).string();
  } else if (image_path) {
    sample.image = image_path;
  } else if (filename) {
    sample.image = (file.parent_path() / filename).string();
  } else {
    throw host::Error(path + ":" + std::to_string(root->GetLineNum()) + ": <filename> is missing");
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
      throw host::Error(box_where + ": box has xmin >= xmax or ymin >= ymax");
    }
    sample.boxes.push_back(box);
  }
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
