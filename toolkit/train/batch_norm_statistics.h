// BatchNorm moving statistics that cannot have converged, recomputed on the training split.
//
// A moving average with momentum m keeps m^steps of its starting values (mean 0, variance 1):
// with m = 0.99 and 100 steps that is 37 %, so on a small dataset the statistics inference uses
// are far from the data's and a model that fits its training batches fails everywhere else. At
// the end of training such layers get statistics measured over the whole training split instead
// (docs/project-file.md, "BatchNorm statistics").
#ifndef TINYFORGE_TOOLKIT_TRAIN_BATCH_NORM_STATISTICS_H_
#define TINYFORGE_TOOLKIT_TRAIN_BATCH_NORM_STATISTICS_H_

#include <cstdint>
#include <vector>

#include "toolkit/data/dataset.h"
#include "toolkit/graph/graph.h"
#include "toolkit/train/executor.h"

namespace tinyforge::train {

// The starting values' share above which moving statistics count as not converged.
constexpr double kUnconvergedShare = 0.01;

// Indices of the trained (not frozen) BatchNorm nodes whose moving statistics, after `steps`
// updates, still hold more than kUnconvergedShare of their starting values.
std::vector<int> unconverged_batch_norms(const graph::Graph& graph, int64_t steps);

// Replaces the moving mean and variance of `nodes` by their values over `train`: one pass in
// training mode (each BatchNorm normalizing with its batch, as in training, so later layers see
// what they were trained on) in dataset order, batches of `batch_size`, without augmentation;
// the mean is the sample-weighted mean of the batch means, the variance the mean of the batch
// variances plus the variance of the batch means. Weights and other state are untouched.
void recompute_batch_norm_statistics(graph::Graph& graph, Executor& executor,
                                     const data::Dataset& train, int64_t batch_size,
                                     const std::vector<int>& nodes);

}  // namespace tinyforge::train

#endif  // TINYFORGE_TOOLKIT_TRAIN_BATCH_NORM_STATISTICS_H_
