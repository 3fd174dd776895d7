// libFuzzer target for the dataset parsers that read outside files: IDX (plain and gzip), CSV
// tables and windows, images (stb), WAV (libsndfile), Pascal VOC XML, YOLO txt, the project
// file's data: and features: sections and the feature settings a model's metadata carries. The
// first byte picks the parser; the rest is the file. A parser may only answer bad bytes with
// host::Error (the message names the file); any other exception, a crash or a sanitizer report is a
// finding. Built with AddressSanitizer and UBSan by scripts/fuzz.
#include <yaml-cpp/yaml.h>

#include <unistd.h>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "toolkit/data/config.h"
#include "toolkit/data/csv.h"
#include "toolkit/data/detection.h"
#include "toolkit/data/idx.h"
#include "toolkit/data/image_folder.h"
#include "toolkit/data/wav_folder.h"
#include "toolkit/features/settings.h"
#include "toolkit/host/error.h"

namespace fs = std::filesystem;
using namespace tinyforge;

namespace {

const fs::path& scratch_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("tinyforge-fuzz-" + std::to_string(getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

fs::path write(const fs::path& path, const uint8_t* data, size_t size) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), size);
  return path;
}

// A tiny valid PNG header-only stand-in is not needed: YOLO reads the image size from the header,
// and a missing image is itself bad data the loader must report.
void parse(uint8_t format, const uint8_t* data, size_t size) {
  const fs::path dir = scratch_dir() / "case";
  fs::remove_all(dir);
  fs::create_directories(dir);
  switch (format % 10) {
    case 0: {  // IDX images + labels: the bytes split in two files
      const size_t half = size / 2;
      data::load_idx(write(dir / "images.idx", data, half).string(),
                     write(dir / "labels.idx", data + half, size - half).string());
      break;
    }
    case 1: {
      data::CsvOptions options;
      data::load_csv_table(write(dir / "table.csv", data, size).string(), options);
      break;
    }
    case 2: {
      data::CsvOptions options;
      options.window = 4;
      options.stride = 2;
      data::load_csv_windows(write(dir / "series.csv", data, size).string(), options);
      break;
    }
    case 3: {
      int width = 0, height = 0;
      data::load_image(write(dir / "image.png", data, size).string(), width, height, 1, true);
      break;
    }
    case 4: {
      int rate = 0;
      data::read_wav_mono(write(dir / "clip.wav", data, size).string(), rate);
      break;
    }
    case 5:
      write(dir / "a.xml", data, size);
      data::load_voc(dir.string());
      break;
    case 6: {
      const size_t split = size / 4;
      write(dir / "classes.txt", data, split);
      write(dir / "a.txt", data + split, size - split);
      data::load_yolo(dir.string());
      break;
    }
    case 7: {
      const std::string text(reinterpret_cast<const char*>(data), size);
      YAML::Node node;
      try {
        node = YAML::Load(text);
      } catch (const YAML::Exception&) {
        return;  // not YAML at all: yaml-cpp's concern, not the data: section parser's
      }
      data::parse_data_config(node, dir.string());
      break;
    }
    case 8: {
      const std::string text(reinterpret_cast<const char*>(data), size);
      YAML::Node node;
      try {
        node = YAML::Load(text);
      } catch (const YAML::Exception&) {
        return;
      }
      features::parse_feature_settings(node);
      break;
    }
    case 9: {  // a model's metadata "features" object
      const nlohmann::json json = nlohmann::json::parse(data, data + size, nullptr, false);
      if (json.is_discarded()) return;  // not JSON: the JSON library's concern
      features::feature_settings_from_json(json, "metadata");
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  try {
    parse(data[0], data + 1, size - 1);
  } catch (const host::Error&) {
    // The expected answer to bad input.
  }
  return 0;
}
