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

// A clip's samples (floats in [-1, 1], or int16-scaled with SampleFormat::kInt16) as int16 PCM.
std::vector<int16_t> to_pcm16(std::span<const float> samples, data::SampleFormat format);

// `clips` (samples [length, 1]) as frames [frames, frame_size, 1] holding the real values of the
// int8 frames (features::frame_quantization). Spread over the machine's cores.
data::Dataset featurize(const data::Dataset& clips, const features::FeatureSettings& settings,
                        data::SampleFormat format);

// `clips` followed by `copies` augmented versions of each (time shift, noise mixed in: the raw
// audio augmentation), each copy keeping its clip's label and group. Frames are computed once, so
// a project with a features block augments its training clips here, before featurize().
data::Dataset with_augmented_copies(const data::Dataset& clips,
                                    const data::AudioAugmentation& augmentation, int copies,
                                    uint64_t seed);

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_FEATURIZE_H_
