// Resampling a loaded image dataset to another resolution (data.image: {width, height, resize:
// true} for datasets whose files fix the size, such as Fashion-MNIST and IDX), so a model can
// take a smaller or larger input than the data was stored at.
#ifndef TINYFORGE_TOOLKIT_DATA_IMAGE_RESIZE_H_
#define TINYFORGE_TOOLKIT_DATA_IMAGE_RESIZE_H_

#include <string>

#include "toolkit/data/dataset.h"

namespace tinyforge::data {

// The same samples (labels, sources, groups, skipped and warnings kept) at width x height, each
// [height, width, channels] image resampled with stb_image_resize's default filter. Classification
// datasets of [height, width, channels] samples only; anything else throws host::Error naming
// `label`.
Dataset resize_images(const Dataset& images, int width, int height, const std::string& label);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_IMAGE_RESIZE_H_
