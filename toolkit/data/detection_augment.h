// Training-time augmentation of a detection batch: each image is flipped, zoomed and shifted, and
// its boxes are moved exactly as its pixels, so the heat maps made from them stay true.
#ifndef TINYFORGE_TOOLKIT_DATA_DETECTION_AUGMENT_H_
#define TINYFORGE_TOOLKIT_DATA_DETECTION_AUGMENT_H_

#include <vector>

#include "toolkit/data/augment.h"
#include "toolkit/data/detection.h"
#include "toolkit/data/random.h"
#include "toolkit/graph/tensor.h"

namespace tinyforge::data {

// `batch` is [N, H, W, C], `boxes` one list per image in its pixels. Per image, in this order of
// draws: a left-right mirror (horizontal_flip, half of the images), a zoom into the centre by a
// factor in [1, 1 + max_zoom] (a crop scaled back up), and a shift by up to
// max_shift + crop_padding pixels each way. Pixels come from the nearest source pixel; those from
// outside the image are `fill`. A box is clipped to the image and dropped when its centre leaves
// it.
void augment_detection(graph::Tensor& batch, std::vector<std::vector<Box>>& boxes,
                       const ImageAugmentation& options, Rng& rng);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_DETECTION_AUGMENT_H_
