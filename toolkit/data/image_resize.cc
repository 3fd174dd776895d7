#include "toolkit/data/image_resize.h"

#include <stb_image_resize.h>

#include <vector>

#include "toolkit/host/error.h"

namespace tinyforge::data {

Dataset resize_images(const Dataset& images, int width, int height, const std::string& label) {
  const graph::Shape& shape = images.sample_shape();
  if (shape.size() != 3 || images.is_detection() || images.is_regression()) {
    throw host::Error(label + ": only classification images ([height, width, channels]) resize");
  }
  if (width < 1 || height < 1) {
    throw host::Error(label + ": expected a positive width and height, got " +
                      std::to_string(width) + "x" + std::to_string(height));
  }
  const int from_h = static_cast<int>(shape[0]), from_w = static_cast<int>(shape[1]);
  const int channels = static_cast<int>(shape[2]);
  Dataset out({height, width, channels}, images.class_names());
  out.reserve(images.size());
  out.group_kind = images.group_kind;
  out.skipped = images.skipped;
  out.warnings = images.warnings;
  std::vector<float> pixels(static_cast<size_t>(width) * height * channels);
  for (int64_t i = 0; i < images.size(); ++i) {
    if (!stbir_resize_float(images.sample(i).data(), from_w, from_h, 0, pixels.data(), width,
                            height, 0, channels)) {
      throw host::Error(label + ": " + images.source(i) + ": resizing to " + std::to_string(width) +
                        "x" + std::to_string(height) + " failed");
    }
    // A sample without a group of its own is named by its source, as before.
    const std::string& group = images.group(i);
    out.add(pixels, images.label(i), images.source(i),
            group == images.source(i) ? std::string() : group);
  }
  return out;
}

}  // namespace tinyforge::data
