// A batch of float outputs [N, ...] seen one sample at a time as the runtime's tensor views, so
// the device's decoders (tinyforge/centroids.h, tinyforge/boxes.h) run on a .tfm's outputs too.
#ifndef TINYFORGE_TOOLKIT_PIPELINE_SAMPLE_VIEWS_H_
#define TINYFORGE_TOOLKIT_PIPELINE_SAMPLE_VIEWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tinyforge/tensor.h"
#include "toolkit/graph/tensor.h"
#include "toolkit/host/error.h"

namespace tinyforge::pipeline {

// `decode(view)` of each sample of `outputs` [N, rows, cols, channels], in order; throws
// host::Error naming `what` for another rank.
template <typename Decode>
auto decode_samples(const graph::Tensor& outputs, const std::string& what, Decode decode) {
  if (outputs.rank() != 4) {
    throw host::Error(what + ": expected outputs [N, rows, cols, channels], got " +
                      graph::shape_string(outputs.shape()));
  }
  const int32_t dims[3] = {static_cast<int32_t>(outputs.dim(1)),
                           static_cast<int32_t>(outputs.dim(2)),
                           static_cast<int32_t>(outputs.dim(3))};
  TensorView view;
  view.type = DataType::kFloat32;
  view.rank = 3;
  view.dims = dims;
  const int64_t per_sample = outputs.dim(1) * outputs.dim(2) * outputs.dim(3);
  std::vector<decltype(decode(view))> lists;
  for (int64_t i = 0; i < outputs.dim(0); ++i) {
    view.data = const_cast<float*>(outputs.data() + i * per_sample);
    lists.push_back(decode(view));
  }
  return lists;
}

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_SAMPLE_VIEWS_H_
