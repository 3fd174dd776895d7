#include "toolkit/data/detection_augment.h"

#include <algorithm>
#include <cmath>

#include "toolkit/host/error.h"

namespace tinyforge::data {

namespace {

// Where a point of the source image lands: x' = (flip(x) - w/2) * zoom + w/2 + dx.
struct Transform {
  bool flip = false;
  double zoom = 1, dx = 0, dy = 0;
  double width = 0, height = 0;

  double forward_x(double x) const {
    return ((flip ? width - x : x) - width / 2) * zoom + width / 2 + dx;
  }
  double forward_y(double y) const { return (y - height / 2) * zoom + height / 2 + dy; }
  double inverse_x(double x) const {
    const double source = (x - width / 2 - dx) / zoom + width / 2;
    return flip ? width - source : source;
  }
  double inverse_y(double y) const { return (y - height / 2 - dy) / zoom + height / 2; }
};

void warp_image(float* img, int64_t h, int64_t w, int64_t c, const Transform& t,
                const std::vector<float>& fill, std::vector<float>& scratch) {
  scratch.assign(img, img + h * w * c);
  for (int64_t y = 0; y < h; ++y) {
    const int64_t sy = static_cast<int64_t>(std::floor(t.inverse_y(y + 0.5)));
    for (int64_t x = 0; x < w; ++x) {
      const int64_t sx = static_cast<int64_t>(std::floor(t.inverse_x(x + 0.5)));
      float* dst = img + (y * w + x) * c;
      if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
        for (int64_t ch = 0; ch < c; ++ch) dst[ch] = fill.empty() ? 0.0f : fill[ch % fill.size()];
      } else {
        const float* src = scratch.data() + (sy * w + sx) * c;
        std::copy(src, src + c, dst);
      }
    }
  }
}

std::vector<Box> move_boxes(const std::vector<Box>& boxes, const Transform& t) {
  std::vector<Box> moved;
  for (const Box& b : boxes) {
    Box m = b;
    const double x0 = t.forward_x(b.xmin), x1 = t.forward_x(b.xmax);
    m.xmin = static_cast<float>(std::min(x0, x1));
    m.xmax = static_cast<float>(std::max(x0, x1));
    m.ymin = static_cast<float>(t.forward_y(b.ymin));
    m.ymax = static_cast<float>(t.forward_y(b.ymax));
    const float cx = m.centre_x(), cy = m.centre_y();
    if (cx < 0 || cy < 0 || cx >= t.width || cy >= t.height) continue;
    m.xmin = std::max(m.xmin, 0.0f);
    m.ymin = std::max(m.ymin, 0.0f);
    m.xmax = std::min(m.xmax, static_cast<float>(t.width));
    m.ymax = std::min(m.ymax, static_cast<float>(t.height));
    moved.push_back(m);
  }
  return moved;
}

}  // namespace

void augment_detection(graph::Tensor& batch, std::vector<std::vector<Box>>& boxes,
                       const ImageAugmentation& options, Rng& rng) {
  if (!options.enabled()) return;
  if (batch.rank() != 4 || static_cast<int64_t>(boxes.size()) != batch.dim(0)) {
    throw host::Error("detection augmentation needs a batch [N,H,W,C] and N box lists; got " +
                      graph::shape_string(batch.shape()));
  }
  const int64_t n = batch.dim(0), h = batch.dim(1), w = batch.dim(2), c = batch.dim(3);
  const int64_t reach = options.max_shift + options.crop_padding;
  std::vector<float> scratch;
  for (int64_t i = 0; i < n; ++i) {
    Transform t;
    t.width = static_cast<double>(w);
    t.height = static_cast<double>(h);
    // Which draws are made depends only on the options, so a seeded run repeats exactly.
    if (options.horizontal_flip) t.flip = uniform_below(rng, 2) == 1;
    if (options.max_zoom > 0) t.zoom = 1 + options.max_zoom * uniform01(rng);
    if (reach > 0) {
      t.dy = static_cast<double>(uniform_int(rng, -reach, reach));
      t.dx = static_cast<double>(uniform_int(rng, -reach, reach));
    }
    warp_image(batch.data() + i * h * w * c, h, w, c, t, options.fill, scratch);
    boxes[i] = move_boxes(boxes[i], t);
  }
}

}  // namespace tinyforge::data
