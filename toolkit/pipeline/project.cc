#include "toolkit/pipeline/project.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "toolkit/host/error.h"
#include "toolkit/train/regression.h"

namespace tinyforge::pipeline {

namespace {

// Every error names the file and the key path ("cnn.yaml: training.epochs: ...").
class Fields {
 public:
  explicit Fields(std::string label) : label_(std::move(label)) {}

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw host::Error(label_ + ": " + where + ": " + what);
  }

  void check_keys(const YAML::Node& node, const std::string& where,
                  std::initializer_list<const char*> allowed) const {
    if (!node.IsMap()) fail(where, "expected a mapping of keys");
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      bool ok = false;
      std::string list;
      for (const char* a : allowed) {
        ok = ok || key == a;
        list += (list.empty() ? "" : ", ") + std::string(a);
      }
      if (!ok) fail(where + "." + key, "unknown key; expected one of " + list);
    }
  }

  template <typename T>
  T get(const YAML::Node& node, const char* key, const std::string& where, T fallback,
        const char* expected) const {
    const YAML::Node v = node[key];
    if (!v || v.IsNull()) return fallback;
    try {
      return v.as<T>();
    } catch (const YAML::Exception&) {
      fail(where + "." + key, "expected " + std::string(expected) + ", got '" + scalar(v) + "'");
    }
  }

  // An int or a list of `n` ints ("kernel: 3" or "kernel: [3, 5]").
  std::vector<int> ints(const YAML::Node& node, const char* key, const std::string& where,
                        std::vector<int> fallback, size_t n) const {
    const YAML::Node v = node[key];
    if (!v || v.IsNull()) return fallback;
    try {
      if (v.IsScalar()) return std::vector<int>(n, v.as<int>());
      auto list = v.as<std::vector<int>>();
      if (list.size() == n) return list;
    } catch (const YAML::Exception&) {
    }
    fail(where + "." + key, "expected an integer or a list of " + std::to_string(n) + " integers");
  }

  static std::string scalar(const YAML::Node& v) {
    if (v.IsScalar()) return v.Scalar();
    std::ostringstream out;
    out << v;
    return out.str();
  }

  const std::string& label() const { return label_; }

 private:
  std::string label_;
};

train::Initializer parse_init(const Fields& f, const YAML::Node& n, const char* key,
                              const std::string& where) {
  const std::string name = f.get<std::string>(n, key, where, "default", "an initializer name");
  try {
    return train::parse_initializer(name);
  } catch (const host::Error& e) {
    f.fail(where + "." + key, e.what());
  }
}

// model.freeze: a list of layer names, or {all_but_last: N} / {first: N}.
train::FreezeSpec parse_freeze(const Fields& f, const YAML::Node& n, const std::string& w) {
  train::FreezeSpec spec;
  if (!n || n.IsNull()) return spec;
  if (n.IsSequence()) {
    for (const YAML::Node& l : n) {
      if (!l.IsScalar()) f.fail(w, "expected layer names");
      spec.layers.push_back(l.Scalar());
    }
    return spec;
  }
  if (!n.IsMap()) f.fail(w, "expected a list of layer names, {all_but_last: N} or {first: N}");
  f.check_keys(n, w, {"all_but_last", "first"});
  spec.all_but_last = f.get<int>(n, "all_but_last", w, -1, "a number of layers");
  spec.first = f.get<int>(n, "first", w, -1, "a number of layers");
  if ((n["all_but_last"] && spec.all_but_last < 0) || (n["first"] && spec.first < 0))
    f.fail(w, "expected a non-negative number of layers");
  if (n["all_but_last"] && n["first"]) f.fail(w, "give all_but_last or first, not both");
  return spec;
}

void parse_model(const Fields& f, const YAML::Node& m, ModelSpec& spec,
                 const std::filesystem::path& base_dir, bool optional) {
  const std::string w = "model";
  if (!m && optional) return;  // training.qat takes the model from its checkpoint
  if (!m) {
    f.fail(w,
           "missing; give a zoo name (model.zoo), a list of layers (model.layers) or a "
           "pretrained .tflite (model.from)");
  }
  f.check_keys(m, w,
               {"zoo", "layers", "from", "replace_head", "freeze", "input_shape", "classes",
                "width", "hidden", "filters", "bottleneck", "dropout", "output_softmax", "init"});
  std::ostringstream yaml;
  yaml << m;
  spec.yaml = yaml.str();
  spec.zoo = f.get<std::string>(m, "zoo", w, "", "a zoo model name");
  const std::string from = f.get<std::string>(m, "from", w, "", "a .tflite file");
  if (!from.empty()) {
    const std::filesystem::path p(from);
    spec.from = p.is_absolute() ? p : base_dir / p;
    if (spec.from.extension() != ".tflite")
      f.fail(w + ".from", "'" + from + "': expected a .tflite file");
  }
  const YAML::Node layers = m["layers"];
  if (int(!spec.zoo.empty()) + int(bool(layers)) + int(!from.empty()) != 1) {
    f.fail(
        w, "give exactly one of zoo (" + [] {
          std::string s;
          for (const auto& n : zoo::model_names()) s += (s.empty() ? "" : ", ") + n;
          return s;
        }() + "), layers and from");
  }
  if (const YAML::Node h = m["replace_head"]) {
    const std::string hw = w + ".replace_head";
    if (from.empty()) f.fail(hw, "only for a pretrained model (model.from)");
    if (h.IsScalar() && (h.Scalar() == "true" || h.Scalar() == "false")) {
      spec.replace_head = h.Scalar() == "true" ? 0 : -1;
    } else {
      f.check_keys(h, hw, {"classes"});
      spec.replace_head = f.get<int>(h, "classes", hw, 0, "a positive number of classes");
      if (spec.replace_head < 0 || (h["classes"] && spec.replace_head == 0))
        f.fail(hw + ".classes", "expected a positive number of classes");
    }
  }
  spec.freeze = parse_freeze(f, m["freeze"], w + ".freeze");
  if (!spec.zoo.empty()) {
    const auto& names = zoo::model_names();
    if (std::find(names.begin(), names.end(), spec.zoo) == names.end()) {
      std::string s;
      for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
      f.fail(w + ".zoo", "'" + spec.zoo + "' is not in the zoo; expected one of " + s);
    }
  }
  if (layers) {
    if (!layers.IsSequence() || layers.size() == 0)
      f.fail(w + ".layers", "expected a list of layers");
    for (const YAML::Node& l : layers) spec.layers.push_back(l);
  }
  zoo::ModelOptions& o = spec.options;
  o.input_shape = f.get<graph::Shape>(m, "input_shape", w, {}, "a list of dimensions");
  o.classes = f.get<int>(m, "classes", w, 0, "a positive integer");
  o.width = f.get<float>(m, "width", w, 0.0f, "a positive number");
  o.hidden = f.get<std::vector<int>>(m, "hidden", w, {}, "a list of layer sizes");
  o.filters = f.get<std::vector<int>>(m, "filters", w, {}, "a list of filter counts");
  o.bottleneck = f.get<int>(m, "bottleneck", w, 0, "a positive integer");
  o.dropout = f.get<float>(m, "dropout", w, -1.0f, "a rate in [0, 1)");
  o.output_softmax = f.get<bool>(m, "output_softmax", w, false, "true or false");
  o.kernel_init = parse_init(f, m, "init", w);
}

// training.qat: {from: FLOAT.tfm, epochs, learning_rate, calibration_samples, calibrator,
// compare_ptq}. epochs and learning_rate are written into the trainer's settings here, so a
// --epochs flag still overrides them.
void parse_qat(const Fields& f, const YAML::Node& t, const YAML::Node& q,
               const std::filesystem::path& base_dir, TrainingSpec& spec) {
  const std::string w = "training.qat";
  f.check_keys(
      q, w,
      {"from", "epochs", "learning_rate", "calibration_samples", "calibrator", "compare_ptq"});
  QatSpec qat;
  const std::string from = f.get<std::string>(q, "from", w, "", "a float model.tfm");
  if (from.empty())
    f.fail(w + ".from", "missing; name the float checkpoint (model.tfm) to start from");
  const std::filesystem::path p(from);
  qat.from = p.is_absolute() ? p : base_dir / p;
  train::TrainerConfig& c = spec.trainer;
  // QAT fine-tunes briefly at a small rate unless told otherwise (here or in training.*).
  const bool epochs_given = t["epochs"].IsDefined();
  const bool rate_given = t["optimizer"] && t["optimizer"]["learning_rate"];
  c.epochs = f.get<int>(q, "epochs", w, epochs_given ? c.epochs : 2, "a number of epochs");
  if (c.epochs < 0) f.fail(w + ".epochs", "expected a non-negative number");
  c.optimizer.learning_rate =
      f.get<double>(q, "learning_rate", w, rate_given ? c.optimizer.learning_rate : 1e-4,
                    "a positive learning rate");
  if (!(c.optimizer.learning_rate > 0)) f.fail(w + ".learning_rate", "expected a positive number");
  qat.calibration_samples =
      f.get<int64_t>(q, "calibration_samples", w, qat.calibration_samples, "a positive integer");
  if (qat.calibration_samples <= 0)
    f.fail(w + ".calibration_samples", "expected a positive integer");
  try {
    qat.calibrator = quantize::parse_calibrator(
        f.get<std::string>(q, "calibrator", w, "minmax", "minmax, percentile or mse"));
  } catch (const host::Error& e) {
    f.fail(w + ".calibrator", e.what());
  }
  qat.compare_ptq = f.get<bool>(q, "compare_ptq", w, true, "true or false");
  spec.qat = qat;
}

void parse_training(const Fields& f, const YAML::Node& t, const ModelSpec& model,
                    TrainingSpec& spec, const std::filesystem::path& base_dir, bool regression) {
  const std::string w = "training";
  train::TrainerConfig& c = spec.trainer;
  const bool autoencoder = model.zoo == "autoencoder";
  if (!t) {
    c.reconstruct = autoencoder;
    if (autoencoder || regression) c.loss = train::LossKind::kMeanSquaredError;
    return;
  }
  f.check_keys(
      t, w,
      {"epochs", "batch_size", "seed", "loss", "label_smoothing", "class_weights", "target",
       "normal_class", "optimizer", "schedule", "early_stopping", "progress", "qat"});
  c.epochs = f.get<int>(t, "epochs", w, c.epochs, "a number of epochs");
  if (c.epochs < 0) f.fail(w + ".epochs", "expected a non-negative number");
  c.batch_size = f.get<int64_t>(t, "batch_size", w, c.batch_size, "a positive integer");
  if (c.batch_size <= 0) f.fail(w + ".batch_size", "expected a positive integer");
  c.seed = f.get<uint64_t>(t, "seed", w, c.seed, "a non-negative integer");
  c.progress = f.get<bool>(t, "progress", w, true, "true or false");

  const std::string target =
      f.get<std::string>(t, "target", w, autoencoder ? "input" : "labels", "labels or input");
  if (target != "labels" && target != "input") f.fail(w + ".target", "expected labels or input");
  c.reconstruct = target == "input";
  spec.normal_class = f.get<std::string>(t, "normal_class", w, "", "a class name");
  if (t["normal_class"] && (!c.reconstruct || regression))
    f.fail(w + ".normal_class", "is for autoencoders (training.target: input) on labelled data");
  if (t["normal_class"] && spec.normal_class.empty())
    f.fail(w + ".normal_class", "expected a class name");
  const std::string loss = f.get<std::string>(
      t, "loss", w, c.reconstruct || regression ? "mse" : "cross_entropy", "a loss name");
  try {
    c.loss = train::loss_kind_from_name(loss);
    if (regression) train::check_regression_loss(c.loss);
  } catch (const host::Error& e) {
    f.fail(w + ".loss", e.what());
  }
  if (regression && (c.reconstruct || t["class_weights"] || t["label_smoothing"])) {
    f.fail(w,
           "target, class_weights and label_smoothing are for classification; this project "
           "is a regression (data.csv.target_column)");
  }
  c.cross_entropy.label_smoothing =
      f.get<double>(t, "label_smoothing", w, 0.0, "a fraction in [0, 1)");
  if (c.cross_entropy.label_smoothing < 0 || c.cross_entropy.label_smoothing >= 1)
    f.fail(w + ".label_smoothing", "expected a fraction in [0, 1)");
  if (const YAML::Node cw = t["class_weights"]) {
    if (cw.IsScalar() && cw.Scalar() == "balanced") {
      spec.balanced_class_weights = true;
    } else {
      c.cross_entropy.class_weights =
          f.get<std::vector<float>>(t, "class_weights", w, {}, "balanced or one weight per class");
    }
  }

  if (const YAML::Node o = t["optimizer"]) {
    const std::string ow = w + ".optimizer";
    f.check_keys(o, ow,
                 {"name", "learning_rate", "weight_decay", "momentum", "dampening", "nesterov",
                  "beta1", "beta2", "epsilon"});
    train::OptimizerConfig& oc = c.optimizer;
    try {
      oc.kind = train::optimizer_kind_from_name(
          f.get<std::string>(o, "name", ow, "adam", "sgd, adam or adamw"));
    } catch (const host::Error& e) {
      f.fail(ow + ".name", e.what());
    }
    if (oc.kind == train::OptimizerKind::kAdamW) oc.weight_decay = 0.01;  // PyTorch's default
    oc.learning_rate = f.get<double>(o, "learning_rate", ow, oc.learning_rate, "a positive number");
    oc.weight_decay = f.get<double>(o, "weight_decay", ow, oc.weight_decay, "a number >= 0");
    oc.momentum = f.get<double>(o, "momentum", ow, oc.momentum, "a number in [0, 1)");
    oc.dampening = f.get<double>(o, "dampening", ow, oc.dampening, "a number in [0, 1]");
    oc.nesterov = f.get<bool>(o, "nesterov", ow, oc.nesterov, "true or false");
    oc.beta1 = f.get<double>(o, "beta1", ow, oc.beta1, "a number in [0, 1)");
    oc.beta2 = f.get<double>(o, "beta2", ow, oc.beta2, "a number in [0, 1)");
    oc.epsilon = f.get<double>(o, "epsilon", ow, oc.epsilon, "a positive number");
    try {
      train::Optimizer probe(oc);  // range checks with the optimizer's own messages
    } catch (const host::Error& e) {
      f.fail(ow, e.what());
    }
  }

  if (const YAML::Node q = t["qat"]) {
    if (!model.zoo.empty() || !model.layers.empty() || !model.from.empty())
      f.fail(w + ".qat", "takes its model from the checkpoint; remove the model section");
    parse_qat(f, t, q, base_dir, spec);
  }

  if (const YAML::Node s = t["schedule"]) {
    const std::string sw = w + ".schedule";
    f.check_keys(s, sw, {"name", "unit", "warmup", "step_size", "gamma", "min_lr"});
    train::ScheduleConfig sc;
    try {
      sc.kind = train::schedule_kind_from_name(
          f.get<std::string>(s, "name", sw, "constant", "a schedule name"));
      sc.unit = train::schedule_unit_from_name(
          f.get<std::string>(s, "unit", sw, "epoch", "epoch or step"));
    } catch (const host::Error& e) {
      f.fail(sw, e.what());
    }
    sc.warmup = f.get<int64_t>(s, "warmup", sw, 0, "a number of epochs or steps");
    sc.step_size = f.get<int64_t>(s, "step_size", sw, 1, "a positive integer");
    sc.gamma = f.get<double>(s, "gamma", sw, 0.1, "a decay factor");
    sc.min_lr = f.get<double>(s, "min_lr", sw, 0.0, "a learning rate");
    c.schedule = sc;  // base_lr and the cosine length are filled in by finalize()
  }

  if (const YAML::Node e = t["early_stopping"]) {
    const std::string ew = w + ".early_stopping";
    f.check_keys(e, ew, {"monitor", "patience", "min_delta", "restore_best"});
    train::EarlyStoppingConfig ec;
    try {
      ec.monitor = train::monitor_from_name(
          f.get<std::string>(e, "monitor", ew, "val_loss", "val_loss or val_accuracy"));
    } catch (const host::Error& err) {
      f.fail(ew + ".monitor", err.what());
    }
    ec.patience = f.get<int>(e, "patience", ew, ec.patience, "a number of epochs");
    ec.min_delta = f.get<double>(e, "min_delta", ew, ec.min_delta, "a number >= 0");
    ec.restore_best = f.get<bool>(e, "restore_best", ew, ec.restore_best, "true or false");
    c.early_stopping = ec;
  }
}

// A features block turns WAV clips into frames: the clips must be audio at the frontend's rate
// (a clip at another rate is bad data), and the frames' fixed int8 scale stands in for input
// normalization, which would break the byte-for-byte hand-over to the model on the device.
void check_audio_features_fit_data(const Fields& f, const features::FeatureSettings& s,
                                   data::DataConfig& data) {
  if (data.format != data::DataFormat::kWavFolder)
    f.fail("features", "audio features need data.format: wav_folder");
  if (data.audio.sample_rate == 0) data.audio.sample_rate = s.audio.sample_rate;
  if (data.audio.sample_rate != s.audio.sample_rate)
    f.fail("data.audio.sample_rate", std::to_string(data.audio.sample_rate) +
                                         " differs from features.sample_rate " +
                                         std::to_string(s.audio.sample_rate));
  if (data.normalize)
    f.fail("data.normalization",
           "must be none with features (frames have a fixed scale the device feeds as it is)");
  // Raw-audio augmentation needs copies made before the frames are computed, once.
  if (data.augmented_copies == 0 &&
      (data.audio_augmentation.max_time_shift > 0 || data.audio_augmentation.max_speed_change > 0 ||
       (!data.noise_path.empty() && data.noise_path != "none")))
    f.fail("data.augmentation",
           "time_shift, speed and noise_path act on raw audio, which features replace: set "
           "data.augmentation.copies (augmented copies of each training clip, made before the "
           "frames are computed)");
  if (s.frames_for(data.audio.length) < 1)
    f.fail("data.audio.length", std::to_string(data.audio.length) +
                                    " samples are shorter than one feature window (" +
                                    std::to_string(s.window_samples()) + ")");
  if (s.inputs_per_clip(data.audio.length) < 1)
    f.fail("features.frames", std::to_string(s.audio.frames) + " frames per input, but clips of " +
                                  std::to_string(data.audio.length) + " samples give " +
                                  std::to_string(s.frames_for(data.audio.length)) + " frames");
}

// Motion features turn each CSV window into one feature vector: the window and stride are the
// data's; the axes are the feature columns (bound now if the file names them, else when the data
// loads). data.normalization then applies to the features, computed on the training split.
void check_motion_features_fit_data(const Fields& f, features::FeatureSettings& s,
                                    const data::DataConfig& data) {
  if (data.format != data::DataFormat::kCsvWindows)
    f.fail("features", "motion features need data.format: csv_windows");
  if (data.csv.window < 2)
    f.fail("data.csv.window", "motion features need a window of 2 rows or more");
  try {
    features::bind_motion_window(
        s, data.csv.window, data.csv.stride,
        data.csv.feature_columns.empty() ? 1 : static_cast<int>(data.csv.feature_columns.size()));
  } catch (const host::Error& e) {
    f.fail("features", e.what());
  }
  if (data.csv.feature_columns.empty()) s.motion.axes = 0;  // from the data's columns
}

void check_features_fit_data(const Fields& f, features::FeatureSettings& s,
                             data::DataConfig& data) {
  if (s.is_audio()) {
    check_audio_features_fit_data(f, s, data);
  } else {
    check_motion_features_fit_data(f, s, data);
  }
}

// With features the sample shape is known before any data is read ([frames, frame_size, 1]), so a
// model that cannot take it is refused now, not after the data has loaded.
void check_model_takes_frames(const Fields& f, const Project& p) {
  if (!p.model.from.empty() || p.training.qat) return;
  const features::FeatureSettings& s = *p.features;
  if (!s.is_audio() && s.motion.axes == 0) return;  // the columns are known once the data loads
  const graph::Shape shape =
      s.is_audio() ? graph::Shape{s.input_frames_for(p.data.audio.length), s.frame_size(), 1}
                   : graph::Shape{s.frame_size()};
  try {
    build_model(p.model, shape, std::max(2, p.model.options.classes), 0);
  } catch (const std::exception& e) {
    std::string dims;
    for (int64_t d : shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
    f.fail("model", "cannot take the features' frames [" + dims + "]: " + e.what());
  }
}

// Settings that depend on others (the schedule starts from the optimizer's rate; a cosine
// schedule spans the whole run unless told otherwise).
void finalize(Project& p) {
  train::TrainerConfig& c = p.training.trainer;
  if (c.schedule) {
    c.schedule->base_lr = c.optimizer.learning_rate;
    if (c.schedule->kind == train::ScheduleKind::kCosine &&
        c.schedule->unit == train::ScheduleUnit::kEpoch)
      c.schedule->total = std::max<int64_t>(c.epochs, c.schedule->warmup + 1);
  }
}

}  // namespace

Project parse_project(const std::string& text, const std::string& label,
                      const std::filesystem::path& base_dir) {
  const Fields f(label);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw host::Error(label + ": not valid YAML: " + e.what());
  }
  if (!root || root.IsNull())
    f.fail("(top level)", "empty; expected data, model, training, output");
  // `tune` is the search space of `tinyforge tune` (toolkit/tune), read there; training ignores it.
  f.check_keys(root, "(top level)",
               {"name", "data", "features", "model", "training", "output", "tune"});
  Project p;
  p.text = text;
  p.name = f.get<std::string>(root, "name", "(top level)", "", "a name");
  try {
    p.data = data::parse_data_config(root["data"], base_dir.string());
  } catch (const host::Error& e) {
    throw host::Error(label + ": " + e.what());
  }
  if (const YAML::Node features = root["features"]) {
    try {
      p.features = features::parse_feature_settings(features);
    } catch (const host::Error& e) {
      throw host::Error(label + ": " + e.what());
    }
    check_features_fit_data(f, *p.features, p.data);
  }
  const YAML::Node training = root["training"];
  const bool qat = training && training.IsMap() && training["qat"];
  parse_model(f, root["model"], p.model, base_dir, qat);
  parse_training(f, training, p.model, p.training, base_dir, p.data.is_regression());
  if (const YAML::Node o = root["output"]) {
    f.check_keys(o, "output", {"dir"});
    const std::string dir = f.get<std::string>(o, "dir", "output", "", "a directory");
    if (!dir.empty()) {
      const std::filesystem::path d(dir);
      p.output_dir = d.is_absolute() ? d : base_dir / d;
    }
  }
  if (p.data.is_regression() && p.model.options.output_softmax)
    f.fail("model.output_softmax", "a regression model outputs its targets, not probabilities");
  if (p.name.empty())
    p.name = !p.model.zoo.empty() ? p.model.zoo : p.training.qat ? "qat" : "model";
  if (p.features) check_model_takes_frames(f, p);
  finalize(p);
  return p;
}

Project load_project(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw host::Error(path.string() + ": cannot read the project file");
  std::stringstream text;
  text << in.rdbuf();
  Project p = parse_project(text.str(), path.string(), path.parent_path());
  p.path = path;
  return p;
}

void apply_overrides(Project& p, const Overrides& o) {
  if (o.epochs) {
    if (*o.epochs < 0) throw host::Error("--epochs: expected a non-negative number");
    p.training.trainer.epochs = *o.epochs;
  }
  if (o.output_dir) p.output_dir = *o.output_dir;
  if (o.seed) {
    p.training.trainer.seed = *o.seed;
  }
  if (o.skip_bad) p.data.skip_bad = true;
  if (o.data_path) {
    if (o.data_path->empty()) throw host::Error("--data: expected a directory or file");
    if (p.data.format == data::DataFormat::kIdx)
      throw host::Error("--data: format idx takes data.images/labels files, not a path");
    p.data.path = std::filesystem::absolute(*o.data_path).lexically_normal().string();
  }
  finalize(p);
}

}  // namespace tinyforge::pipeline
