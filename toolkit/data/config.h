// The project file's `data:` section (docs/data.md documents every key) and the one call a
// trainer makes: load, split, normalize.
#ifndef TINYFORGE_TOOLKIT_DATA_CONFIG_H_
#define TINYFORGE_TOOLKIT_DATA_CONFIG_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "toolkit/data/augment.h"
#include "toolkit/data/csv.h"
#include "toolkit/data/dataset.h"
#include "toolkit/data/detection.h"
#include "toolkit/data/image_folder.h"
#include "toolkit/data/wav_folder.h"

namespace tinyforge::data {

enum class DataFormat {
  kFashionMnist,
  kIdx,
  kImageFolder,
  kWavFolder,
  kCsv,
  kCsvWindows,
  kVoc,
  kYolo
};

// The format's name in the project file ("fashion_mnist", "image_folder", ...).
const char* format_name(DataFormat format);

struct DataConfig {
  DataFormat format = DataFormat::kFashionMnist;
  // Dataset root, file or directory (fashion_mnist: the directory of the four .gz files).
  std::string path;
  // Optional separate test set in the same format (fashion_mnist and idx have their own).
  std::string test_path;
  // idx only: the four files (test ones optional).
  std::string images, labels, test_images, test_labels;
  std::vector<std::string> class_names;  // idx/voc: names for labels 0..K-1

  double validation_fraction = 0.0;  // of the data that is not a separate test set
  double test_fraction = 0.0;        // only when there is no separate test set
  uint64_t seed = 1234;
  bool normalize = false;  // per-channel mean/std from the training split
  bool skip_bad = false;

  ImageOptions image;
  AudioOptions audio;
  CsvOptions csv;

  ImageAugmentation image_augmentation;
  AudioAugmentation audio_augmentation;  // noise clips are loaded by make_augmentation()
  // Noise clips' directory; "none" = no noise; empty = ROOT/_background_noise_ for a WAV folder
  // that has one (effective_noise_path()).
  std::string noise_path;
  // With a features block: augmented copies of each training clip made before the frames are
  // computed (augmentation.copies).
  int augmented_copies = 0;

  // A target column makes the task regression (csv and csv_windows).
  bool is_regression() const { return !csv.target_columns.empty(); }
};

// Parses `data:`; relative paths are taken relative to `base_dir` (the project file's directory).
// Unknown keys and bad values throw host::Error naming the key ("data.splits.validation: ...").
DataConfig parse_data_config(const YAML::Node& node, const std::string& base_dir = "");

// Loads the dataset, splits it (by group, stratified by class, from the seed; a separate test set
// is used as is; a WAV folder's testing_list.txt/validation_list.txt decide the splits they
// name), and, with normalize, computes the normalization on train and applies it to all splits.
// Regression targets stay in their units; their train mean/std is target_normalization.
// config.skip_bad governs every loader (even if set after parsing, as --skip-bad does); image
// sizes fixed by the training data also apply to test_path. A dataset (or test set) without a
// usable sample, or an empty training split, throws host::Error. Warnings (too few recordings
// for the fractions, odd sample rates, ...) come back in DatasetSplit::warnings. voc and yolo
// give a detection dataset (detection_dataset(): images with their boxes, class 0 background).
DatasetSplit load_dataset(const DataConfig& config);

// voc/yolo annotations from config.path.
DetectionSet load_detection_set(const DataConfig& config);

// The augmentation to apply to training batches: the config's options with noise clips loaded
// and shifted-in pixels set to what black is after `norm`.
struct Augmentation {
  ImageAugmentation image;
  AudioAugmentation audio;
  bool enabled() const { return image.enabled() || audio.enabled(); }
};
Augmentation make_augmentation(const DataConfig& config, const Normalization& norm);
// The noise directory make_augmentation() uses ("" for none).
std::string effective_noise_path(const DataConfig& config);
// Applies the image options to a rank-4 batch, the audio ones to rank 2 and [N,L,1].
void augment(graph::Tensor& batch, const Augmentation& augmentation, Rng& rng);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_CONFIG_H_
