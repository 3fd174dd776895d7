#include "toolkit/data/image_folder.h"

#include <stb_image.h>
#include <stb_image_resize.h>

#include <memory>

#include "toolkit/data/bad_data.h"
#include "toolkit/data/class_folders.h"
#include "toolkit/host/error.h"

namespace tinyforge::data {

std::vector<float> load_image(const std::string& path, int& width, int& height, int channels,
                              bool resize) {
  if (channels != 1 && channels != 3) {
    throw host::Error("image channels must be 1 or 3; got " + std::to_string(channels));
  }
  int w = 0, h = 0, file_channels = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load(path.c_str(), &w, &h, &file_channels, channels), stbi_image_free);
  if (!pixels) {
    // stb may give no reason (a null pointer) for some malformed files.
    const char* reason = stbi_failure_reason();
    throw host::Error(path + ": unreadable image (" + (reason != nullptr ? reason : "corrupt") +
                      "; expected PNG, JPEG or BMP)");
  }
  if (width == 0 || height == 0) {
    width = w;
    height = h;
  }
  std::vector<stbi_uc> resized;
  const stbi_uc* source = pixels.get();
  if (w != width || h != height) {
    if (!resize) {
      throw host::Error(path + ": image is " + std::to_string(w) + "x" + std::to_string(h) +
                        "; expected " + std::to_string(width) + "x" + std::to_string(height) +
                        " (image.resize: true resamples)");
    }
    resized.resize(static_cast<size_t>(width) * height * channels);
    if (!stbir_resize_uint8(pixels.get(), w, h, 0, resized.data(), width, height, 0, channels)) {
      throw host::Error(path + ": resizing to " + std::to_string(width) + "x" +
                        std::to_string(height) + " failed");
    }
    source = resized.data();
  }
  std::vector<float> values(static_cast<size_t>(width) * height * channels);
  for (size_t i = 0; i < values.size(); ++i) values[i] = source[i] / 255.0f;
  return values;
}

Dataset load_image_folder(const std::string& root, const ImageOptions& options) {
  if (options.channels != 1 && options.channels != 3) {
    throw host::Error("image.channels must be 1 or 3; got " + std::to_string(options.channels));
  }
  std::vector<std::string> skipped;
  ClassFolders folders =
      list_class_folders(root, {".png", ".jpg", ".jpeg", ".bmp"}, options.skip_bad, skipped);
  int width = options.width, height = options.height;
  Dataset dataset;
  bool shaped = false;
  for (size_t k = 0; k < folders.files.size(); ++k) {
    for (const std::string& file : folders.files[k]) {
      std::vector<float> values;
      try {
        values = load_image(file, width, height, options.channels, options.resize);
      } catch (const host::Error& e) {
        reject_sample(dataset, options.skip_bad, e.what());
        continue;
      }
      if (!shaped) {  // the first good image fixes the sample shape when none was given
        std::vector<std::string> kept = std::move(dataset.skipped);
        dataset = Dataset({height, width, options.channels}, folders.class_names);
        dataset.skipped = std::move(kept);
        shaped = true;
      }
      dataset.add(values, static_cast<int>(k), file);
    }
  }
  if (!shaped) throw host::Error(root + ": no readable image found");
  dataset.skipped.insert(dataset.skipped.begin(), skipped.begin(), skipped.end());
  return dataset;
}

}  // namespace tinyforge::data
