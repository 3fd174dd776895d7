// Clips to feature frames for training and evaluation: each clip goes through the feature graph
// in tinyforge's runtime (the host build of the device's kernels), window by window in one
// stateful interpreter, as the firmware will run it.
#ifndef TINYFORGE_TOOLKIT_PIPELINE_FEATURIZE_H_
#define TINYFORGE_TOOLKIT_PIPELINE_FEATURIZE_H_

#include <cstdint>
#include <vector>

#include "toolkit/data/augment.h"
#include "toolkit/data/dataset.h"
#include "toolkit/data/wav_folder.h"
#include "toolkit/features/settings.h"

namespace tinyforge::pipeline {

// `clips` (samples [length, 1]) as frames [frames, frame_size, 1] holding the real values of the
// int8 frames (features::frame_quantization). Spread over the machine's cores.
data::Dataset featurize(const data::Dataset& clips, const features::FeatureSettings& settings,
                        data::SampleFormat format);

// featurize(clips) followed by the frames of `copies` augmented versions of each clip (speed,
// time shift, noise: the raw-audio augmentation), each keeping its clip's label and group. Frames
// are computed once, so a project with a features block augments its training clips here; they
// are augmented and featurized a chunk at a time.
data::Dataset featurize_with_augmented_copies(const data::Dataset& clips,
                                              const features::FeatureSettings& settings,
                                              data::SampleFormat format,
                                              const data::AudioAugmentation& augmentation,
                                              int copies, uint64_t seed);

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_FEATURIZE_H_
