// Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization", section 4.1) for
// depthwise-separable stacks: where a Conv2D or DepthwiseConv2D (with no activation or a fused
// ReLU, which commutes with positive scaling) feeds only a Conv2D or DepthwiseConv2D, output
// channel c of the first is divided by s_c = sqrt(r1_c / r2_c) and input channel c of the second
// multiplied by it (r1, r2: the channels' weight ranges), so both end with range sqrt(r1 r2).
// The float function is unchanged; int8 grids fit the weights and the first layer's per-tensor
// output range more evenly. Runs on a prepared float graph (BatchNorm folded, ReLU fused), before
// calibration.
#ifndef TINYFORGE_TOOLKIT_QUANTIZE_CROSS_LAYER_EQUALIZATION_H_
#define TINYFORGE_TOOLKIT_QUANTIZE_CROSS_LAYER_EQUALIZATION_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include "toolkit/graph/graph.h"

namespace tinyforge::quantize {

struct EqualizedPair {
  std::string first, second;  // the layers' output values
  int channels = 0;
  // max over channels / min over channels of the first layer's weight ranges, before and after
  // (1 = every channel alike); the quantity per-tensor grids suffer from.
  double range_spread_before = 0, range_spread_after = 0;
};

// Equalizes every eligible pair once, in graph order, each channel's scale bounded to [1/4, 4]
// (a larger one can push the second layer's effective multiplier over 1, which TFLite's kernels
// refuse). Returns the pairs with their spreads before and after.
std::vector<EqualizedPair> equalize_cross_layer(graph::Graph& g);

nlohmann::json equalized_pairs_json(const std::vector<EqualizedPair>& pairs);

}  // namespace tinyforge::quantize

#endif  // TINYFORGE_TOOLKIT_QUANTIZE_CROSS_LAYER_EQUALIZATION_H_
