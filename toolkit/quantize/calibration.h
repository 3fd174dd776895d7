// Calibration: run the float graph over representative samples and record the range of every
// activation (graph inputs and node outputs), which post-training quantization turns into scales.
#ifndef TINYFORGE_TOOLKIT_QUANTIZE_CALIBRATION_H_
#define TINYFORGE_TOOLKIT_QUANTIZE_CALIBRATION_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tinyforge/tensor.h"
#include "toolkit/graph/graph.h"
#include "toolkit/quantize/quant_params.h"

namespace tinyforge::quantize {

enum class Calibrator {
  kMinMax,      // the observed extremes
  kPercentile,  // clip |x| at a percentile of its histogram
  kMse,         // clip |x| where the expected quantization error is smallest
};

// "minmax", "percentile", "mse"; throws host::Error naming the accepted spellings.
Calibrator parse_calibrator(const std::string& name);
const char* calibrator_name(Calibrator c);

struct CalibrationOptions {
  Calibrator method = Calibrator::kMinMax;
  double percentile = 99.99;                    // kPercentile
  int bins = 2048;                              // histogram resolution (kPercentile, kMse)
  DataType activation_dtype = DataType::kInt8;  // levels assumed by kMse
};

// The calibration samples as batches: batch(i) returns one tensor per graph input, batch first.
struct BatchProvider {
  int count = 0;
  std::function<std::vector<graph::Tensor>(int)> batch;
};

// Batches of `batch_size` from a tensor of samples (first dimension) for a one-input graph; at
// most `max_samples` samples (all when <= 0).
BatchProvider batches_of(const graph::Tensor& samples, int64_t max_samples, int64_t batch_size);

// Range per value id (graph inputs and node outputs); every range includes 0.
struct Calibration {
  std::map<int, Range> ranges;
  int64_t samples = 0;
};

// Runs the graph in inference mode over every batch (twice for the histogram calibrators: once
// for the extremes that size the histograms, once to fill them).
Calibration calibrate(graph::Graph& g, const BatchProvider& batches,
                      const CalibrationOptions& options = {});

}  // namespace tinyforge::quantize

#endif  // TINYFORGE_TOOLKIT_QUANTIZE_CALIBRATION_H_
