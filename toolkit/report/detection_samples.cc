#include "toolkit/report/detection_samples.h"

#include <openssl/evp.h>

#include <algorithm>
#include <sstream>

#include "toolkit/host/model_file.h"
#include "toolkit/host/temp_dir.h"
#include "toolkit/pipeline/detect_run.h"
#include "toolkit/report/svg_chart.h"
#include "toolkit/tflite/metadata_json.h"
#include "toolkit/train/checkpoint.h"

namespace tinyforge::report {

namespace fs = std::filesystem;

namespace {

std::string base64(const std::vector<uint8_t>& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// The folder the run trained on, as its model.tfm records it; empty when unknown.
fs::path data_folder(const fs::path& run_dir) {
  for (const char* name : {"model.tfm", "train/model.tfm"}) {
    if (!fs::is_regular_file(run_dir / name)) continue;
    const std::string path = train::load_checkpoint(run_dir / name).metadata.value("data_path", "");
    if (!path.empty() && fs::is_directory(path)) return path;
  }
  return {};
}

std::vector<std::string> first_images(const fs::path& folder) {
  std::vector<std::string> images;
  for (const auto& entry : fs::directory_iterator(folder)) {
    std::string ext = entry.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    if (entry.is_regular_file() && (ext == ".png" || ext == ".jpg" || ext == ".jpeg"))
      images.push_back(entry.path().string());
  }
  std::sort(images.begin(), images.end());
  if (images.size() > kDetectionSamples) images.resize(kDetectionSamples);
  return images;
}

std::string note(const std::string& what, std::vector<std::string>* missing) {
  missing->push_back(what);
  return "<p class=\"missing\">Not available: " + escape(what) + ".</p>";
}

}  // namespace

std::string detection_samples(const fs::path& model, const fs::path& run_dir,
                              std::vector<std::string>* missing) {
  const host::ModelFile file(model);
  const tflite::Metadata metadata =
      tflite::read_metadata(*file.model().flatbuffer(), model.string());
  const std::string detector = metadata.extra.value("detector", "");
  if (detector.empty()) return "<p>The model is not a detector.</p>";
  const fs::path folder = data_folder(run_dir);
  if (folder.empty())
    return note("sample detections: the images (RUN_DIR/model.tfm's data_path)", missing);
  pipeline::DetectRequest request;
  request.model = model;
  request.images = first_images(folder);
  if (request.images.empty())
    return note("sample detections: no PNG or JPEG images in " + folder.string(), missing);
  const host::TempDir temp("tinyforge-report-detections-");
  request.output = temp.path() / "drawn.png";
  const nlohmann::json found = pipeline::run_detect(request);
  std::ostringstream s;
  s << "<p>What " << escape(model.filename().string()) << " (a " << escape(detector)
    << " detector) finds in the first " << found["images"].size() << " images of "
    << escape(folder.string()) << ", through the runtime as on the device ("
    << (detector == "box" ? "boxes" : "rings at the centres") << ", one colour per class).</p>"
    << "<div class=\"detections\">";
  for (const nlohmann::json& image : found["images"]) {
    const std::string name = fs::path(image["image"].get<std::string>()).filename().string();
    std::string counts;
    for (const auto& [label, n] : image["count"].items())
      counts += (counts.empty() ? "" : ", ") + std::to_string(n.get<int>()) + " " + label;
    s << "<figure><img alt=\"" << escape(name) << "\" width=\"" << 2 * image["width"].get<int>()
      << "\" style=\"image-rendering:pixelated\" src=\"data:image/png;base64,"
      << base64(host::read_file(image["output"].get<std::string>())) << "\"><figcaption>"
      << escape(name) << ": " << (counts.empty() ? "nothing" : escape(counts))
      << "</figcaption></figure>";
  }
  s << "</div>";
  return s.str();
}

}  // namespace tinyforge::report
