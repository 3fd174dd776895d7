// Image classification datasets: ROOT/<class>/<image>.{png,jpg,jpeg,bmp}, decoded with stb_image.
#ifndef TINYFORGE_TOOLKIT_DATA_IMAGE_FOLDER_H_
#define TINYFORGE_TOOLKIT_DATA_IMAGE_FOLDER_H_

#include <string>

#include "toolkit/data/dataset.h"

namespace tinyforge::data {

struct ImageOptions {
  // Target size; 0 takes it from the first image. With resize false, an image of another size is
  // bad data; with resize true it is resampled (stb_image_resize).
  int width = 0;
  int height = 0;
  int channels = 1;  // 1 (grayscale) or 3 (RGB); stb converts on load
  bool resize = false;
  bool skip_bad = false;
};

// Samples are [height, width, channels] floats in [0, 1].
Dataset load_image_folder(const std::string& root, const ImageOptions& options);

// Decodes one image file to `channels` channels of [0, 1] floats at width x height (resizing if
// `resize`, else requiring that size; 0 accepts any). Throws host::Error naming the file.
std::vector<float> load_image(const std::string& path, int& width, int& height, int channels,
                              bool resize);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_IMAGE_FOLDER_H_
