// The YAML project file (docs/project-file.md documents every key): the dataset (the data
// section, parsed by data::parse_data_config), the model (a zoo name with options, or a list of
// layers), the training settings and where outputs go. Command-line flags override it.
#ifndef TINYFORGE_TOOLKIT_PIPELINE_PROJECT_H_
#define TINYFORGE_TOOLKIT_PIPELINE_PROJECT_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "toolkit/data/config.h"
#include "toolkit/features/settings.h"
#include "toolkit/quantize/calibration.h"
#include "toolkit/train/trainer.h"
#include "toolkit/zoo/zoo.h"

namespace tinyforge::pipeline {

struct ModelSpec {
  std::string zoo;                 // a zoo name, or empty when `layers` or `from` gives the model
  std::filesystem::path from;      // a pretrained .tflite (float or hybrid) to fine-tune
  int replace_head = -1;           // with `from`: new class count of the final FC (0 = the
                                   // dataset's; -1 = keep the model's head)
  train::FreezeSpec freeze;        // layers whose weights stay as they are
  zoo::ModelOptions options;       // input_shape/classes default to the dataset's
  std::vector<YAML::Node> layers;  // each a map with `type` and the layer's keys
  std::string yaml;                // the model section as written, for the checkpoint
};

// training.qat: quantization-aware fine-tuning of a trained float checkpoint (pipeline/qat.h).
// Its epochs and learning_rate become the trainer's.
struct QatSpec {
  std::filesystem::path from;          // the float model.tfm
  int64_t calibration_samples = 1000;  // training samples that initialise the ranges
  quantize::Calibrator calibrator = quantize::Calibrator::kMinMax;
  bool compare_ptq = true;  // also quantize without QAT (same calibration) and report its accuracy
};

struct TrainingSpec {
  train::TrainerConfig trainer;         // epochs, batch size, seed, loss, optimizer, schedule, ...
  bool balanced_class_weights = false;  // class_weights: balanced (computed on train)
  // An autoencoder's normal class (pipeline/anomaly.h); empty: `normal`, or the only class.
  std::string normal_class;
  std::optional<QatSpec> qat;
};

struct Project {
  std::filesystem::path path;  // the file it came from ("" for text)
  std::string text;            // the file's text, stored in model.tfm
  std::string name;
  data::DataConfig data;
  // features: raw samples become feature frames (docs/features.md) before the model sees them.
  std::optional<features::FeatureSettings> features;
  ModelSpec model;
  TrainingSpec training;
  std::filesystem::path output_dir = "runs/model";
};

// Flags that override the file (unset = keep the file's value).
struct Overrides {
  std::optional<int> epochs;
  std::optional<std::string> output_dir;
  std::optional<uint64_t> seed;
  bool skip_bad = false;  // --skip-bad: skip and count bad samples instead of failing
  // --data DIR: replaces data.path (taken relative to the current directory, stored absolute).
  std::optional<std::string> data_path;
};

// Parses a project; relative paths are relative to `base_dir`. Unknown keys and bad values throw
// host::Error naming `label`, the key path and what was expected.
Project parse_project(const std::string& text, const std::string& label,
                      const std::filesystem::path& base_dir);
Project load_project(const std::filesystem::path& path);
void apply_overrides(Project& project, const Overrides& overrides);

// The model: the zoo entry, the layer list or the imported .tflite (model.from), built for samples
// of `sample_shape` and `classes` outputs (unless the model section sets them), initialised from
// `seed` (a replaced head too), with model.freeze applied. An imported model loses a trailing
// SOFTMAX (training takes logits) and must take `sample_shape` and give `classes` outputs (or
// replace its head); otherwise host::Error says which and how to fix it.
graph::Graph build_model(const ModelSpec& spec, const graph::Shape& sample_shape, int classes,
                         uint64_t seed);

// The project's dataset as the model expects it: load_dataset(), except that with model.from a
// .tflite whose tinyforge metadata carries input_mean/input_std, that normalization is applied
// instead of the project's (the pretrained weights were trained on it), and with a features block
// every clip becomes its frames, computed by the feature graph in tinyforge's runtime
// (pipeline/featurize.h).
// Motion features learn their axes from the data's columns: pass `bound` (the project's features,
// or a copy) to receive them, so what is recorded and deployed matches what was trained.
data::DatasetSplit load_project_data(const Project& project,
                                     features::FeatureSettings* bound = nullptr);

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_PROJECT_H_
