#include "toolkit/data/config.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>

#include "toolkit/data/idx.h"
#include "toolkit/data/image_resize.h"
#include "toolkit/data/speech_commands.h"
#include "toolkit/data/split.h"
#include "toolkit/host/error.h"

namespace tinyforge::data {

namespace {

constexpr DataFormat kFormats[] = {DataFormat::kFashionMnist, DataFormat::kIdx,
                                   DataFormat::kImageFolder,  DataFormat::kWavFolder,
                                   DataFormat::kCsv,          DataFormat::kCsvWindows,
                                   DataFormat::kVoc,          DataFormat::kYolo};

// Rejects keys of `node` not in `known`, so a typo is an error rather than a silent default.
void check_keys(const YAML::Node& node, const std::string& where,
                const std::set<std::string>& known) {
  if (!node.IsMap()) throw host::Error(where + ": expected a mapping of keys");
  for (const auto& item : node) {
    const std::string key = item.first.as<std::string>();
    if (!known.count(key)) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw host::Error(where + "." + key + ": unknown key (known: " + list + ")");
    }
  }
}

template <typename T>
T get(const YAML::Node& node, const std::string& key, const std::string& where, T fallback,
      const char* expected) {
  if (!node[key]) return fallback;
  try {
    return node[key].as<T>();
  } catch (const YAML::Exception&) {
    throw host::Error(where + "." + key + ": expected " + expected + " (line " +
                      std::to_string(node[key].Mark().line + 1) + ")");
  }
}

std::string resolve(const std::string& path, const std::string& base_dir) {
  if (path.empty() || base_dir.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

// A column given as a name or an index (YAML may type "3" as an int; both become text).
std::vector<std::string> string_list(const YAML::Node& node, const std::string& where) {
  std::vector<std::string> out;
  if (!node) return out;
  if (!node.IsSequence()) throw host::Error(where + ": expected a list");
  for (const auto& item : node) {
    if (!item.IsScalar()) throw host::Error(where + ": expected column names or indices");
    out.push_back(item.Scalar());
  }
  return out;
}

}  // namespace

const char* format_name(DataFormat format) {
  switch (format) {
    case DataFormat::kFashionMnist:
      return "fashion_mnist";
    case DataFormat::kIdx:
      return "idx";
    case DataFormat::kImageFolder:
      return "image_folder";
    case DataFormat::kWavFolder:
      return "wav_folder";
    case DataFormat::kCsv:
      return "csv";
    case DataFormat::kCsvWindows:
      return "csv_windows";
    case DataFormat::kVoc:
      return "voc";
    case DataFormat::kYolo:
      return "yolo";
  }
  return "?";
}

DataConfig parse_data_config(const YAML::Node& node, const std::string& base_dir) {
  DataConfig c;
  if (!node || node.IsNull()) return c;  // no data section: the embedded Fashion-MNIST
  const std::string w = "data";
  check_keys(
      node, w,
      {"format", "path", "test_path", "images", "labels", "test_images", "test_labels", "classes",
       "splits", "seed", "normalization", "skip_bad", "image", "audio", "csv", "augmentation"});
  const std::string format = get<std::string>(node, "format", w, "fashion_mnist", "a format name");
  bool found = false;
  std::string names;
  for (DataFormat f : kFormats) {
    names += (names.empty() ? "" : ", ") + std::string(format_name(f));
    if (format == format_name(f)) {
      c.format = f;
      found = true;
    }
  }
  if (!found) throw host::Error(w + ".format: '" + format + "' is not one of " + names);

  c.path = resolve(get<std::string>(node, "path", w, "", "a path"), base_dir);
  c.test_path = resolve(get<std::string>(node, "test_path", w, "", "a path"), base_dir);
  c.images = resolve(get<std::string>(node, "images", w, "", "a path"), base_dir);
  c.labels = resolve(get<std::string>(node, "labels", w, "", "a path"), base_dir);
  c.test_images = resolve(get<std::string>(node, "test_images", w, "", "a path"), base_dir);
  c.test_labels = resolve(get<std::string>(node, "test_labels", w, "", "a path"), base_dir);
  c.class_names = string_list(node["classes"], w + ".classes");
  c.seed = get<uint64_t>(node, "seed", w, c.seed, "a non-negative integer");
  c.skip_bad = get<bool>(node, "skip_bad", w, false, "true or false");

  const std::string norm =
      get<std::string>(node, "normalization", w, "none", "none or per_channel");
  if (norm != "none" && norm != "per_channel") {
    throw host::Error(w + ".normalization: '" + norm + "'; expected none or per_channel");
  }
  c.normalize = norm == "per_channel";

  if (const YAML::Node s = node["splits"]) {
    check_keys(s, w + ".splits", {"validation", "test"});
    c.validation_fraction =
        get<double>(s, "validation", w + ".splits", 0.0, "a fraction in [0, 1)");
    c.test_fraction = get<double>(s, "test", w + ".splits", 0.0, "a fraction in [0, 1)");
    if (c.validation_fraction < 0 || c.test_fraction < 0 ||
        c.validation_fraction + c.test_fraction >= 1) {
      throw host::Error(w +
                        ".splits: validation and test must be fractions >= 0 with a sum "
                        "below 1");
    }
  }
  const bool own_test = c.format == DataFormat::kFashionMnist || !c.test_path.empty() ||
                        (c.format == DataFormat::kIdx && !c.test_images.empty());
  if (own_test && c.test_fraction > 0) {
    throw host::Error(w +
                      ".splits.test: this dataset has its own test set; remove splits.test "
                      "(or test_path/test_images)");
  }

  if (const YAML::Node i = node["image"]) {
    const std::string iw = w + ".image";
    check_keys(i, iw, {"width", "height", "channels", "resize"});
    c.image.width = get<int>(i, "width", iw, 0, "an integer");
    c.image.height = get<int>(i, "height", iw, 0, "an integer");
    c.image.channels = get<int>(i, "channels", iw, 1, "1 or 3");
    c.image.resize = get<bool>(i, "resize", iw, false, "true or false");
    if (c.image.channels != 1 && c.image.channels != 3) {
      throw host::Error(iw + ".channels: expected 1 or 3");
    }
    if (c.image.width < 0 || c.image.height < 0 || (c.image.width == 0) != (c.image.height == 0)) {
      throw host::Error(iw + ": width and height must both be positive (or both omitted)");
    }
  }
  if (const YAML::Node a = node["audio"]) {
    const std::string aw = w + ".audio";
    check_keys(a, aw, {"length", "sample_rate", "format"});
    c.audio.length = get<int>(a, "length", aw, c.audio.length, "a positive integer");
    c.audio.sample_rate = get<int>(a, "sample_rate", aw, 0, "an integer (Hz)");
    const std::string f = get<std::string>(a, "format", aw, "float", "float or int16");
    if (f != "float" && f != "int16") throw host::Error(aw + ".format: expected float or int16");
    c.audio.format = f == "int16" ? SampleFormat::kInt16 : SampleFormat::kFloat;
    if (c.audio.length <= 0) throw host::Error(aw + ".length: expected a positive integer");
  }
  if (const YAML::Node v = node["csv"]) {
    const std::string cw = w + ".csv";
    check_keys(v, cw,
               {"label_column", "target_column", "feature_columns", "header", "delimiter", "window",
                "stride"});
    c.csv.label_column = get<std::string>(v, "label_column", cw, "", "a column name or index");
    if (const YAML::Node t = v["target_column"]) {
      c.csv.target_columns =
          t.IsSequence() ? string_list(t, cw + ".target_column")
                         : std::vector<std::string>{get<std::string>(
                               v, "target_column", cw, "", "a column name or index (or a list)")};
      if (c.csv.target_columns.empty())
        throw host::Error(cw + ".target_column: expected a column name or index (or a list)");
      if (!c.csv.label_column.empty()) {
        throw host::Error(cw +
                          ": label_column (classification) and target_column (regression) "
                          "exclude each other; give one");
      }
    }
    c.csv.feature_columns = string_list(v["feature_columns"], cw + ".feature_columns");
    c.csv.header = get<bool>(v, "header", cw, true, "true or false");
    const std::string d = get<std::string>(v, "delimiter", cw, ",", "one character");
    if (d.size() != 1) throw host::Error(cw + ".delimiter: expected one character");
    c.csv.delimiter = d[0];
    c.csv.window = get<int>(v, "window", cw, 0, "a positive integer (rows)");
    c.csv.stride = get<int>(v, "stride", cw, 0, "a positive integer (rows)");
    if (c.csv.window < 0 || c.csv.stride < 0) {
      throw host::Error(cw + ": window and stride must not be negative");
    }
  }
  if (!c.csv.target_columns.empty() && c.format != DataFormat::kCsv &&
      c.format != DataFormat::kCsvWindows) {
    throw host::Error(w +
                      ".csv.target_column: regression targets come from CSV data (format csv "
                      "or csv_windows), not " +
                      format);
  }
  if (c.format == DataFormat::kCsvWindows && c.csv.window <= 0) {
    throw host::Error(w + ".csv.window: csv_windows needs a window length in rows");
  }
  if (const YAML::Node g = node["augmentation"]) {
    const std::string gw = w + ".augmentation";
    check_keys(g, gw,
               {"shift", "horizontal_flip", "crop_padding", "time_shift", "noise_path",
                "noise_snr_db", "noise_probability", "copies", "speed", "zoom"});
    c.image_augmentation.max_shift = get<int>(g, "shift", gw, 0, "pixels (an integer)");
    c.image_augmentation.horizontal_flip =
        get<bool>(g, "horizontal_flip", gw, false, "true or false");
    c.image_augmentation.crop_padding = get<int>(g, "crop_padding", gw, 0, "pixels (an integer)");
    c.audio_augmentation.max_time_shift = get<int>(g, "time_shift", gw, 0, "samples (an integer)");
    c.image_augmentation.max_zoom = get<float>(g, "zoom", gw, 0.0f, "a zoom factor beyond 1");
    if (!(c.image_augmentation.max_zoom >= 0 && c.image_augmentation.max_zoom <= 1))
      throw host::Error(gw + ".zoom: expected 0..1, e.g. 0.3 zooms in by up to 1.3x");
    if (c.image_augmentation.max_zoom > 0 && c.format != DataFormat::kVoc &&
        c.format != DataFormat::kYolo)
      throw host::Error(gw + ".zoom: zooming moves boxes; it is for voc and yolo data");
    c.noise_path = get<std::string>(g, "noise_path", gw, "", "a directory or none");
    if (c.noise_path != "none") c.noise_path = resolve(c.noise_path, base_dir);
    c.audio_augmentation.snr_db = get<float>(g, "noise_snr_db", gw, 10.0f, "decibels");
    c.audio_augmentation.noise_probability =
        get<float>(g, "noise_probability", gw, 1.0f, "a probability in [0, 1]");
    c.audio_augmentation.max_speed_change =
        get<float>(g, "speed", gw, 0.0f, "a fraction of the speed (0 to 0.5)");
    if (!(c.audio_augmentation.max_speed_change >= 0 &&
          c.audio_augmentation.max_speed_change < 0.5f))
      throw host::Error(gw + ".speed: expected a fraction in [0, 0.5), e.g. 0.1 for 0.9x..1.1x");
    c.augmented_copies = get<int>(g, "copies", gw, 0, "a number of copies (0..32)");
    if (c.augmented_copies < 0 || c.augmented_copies > 32)
      throw host::Error(gw + ".copies: expected 0..32 augmented copies of each training clip");
    if (c.image_augmentation.max_shift < 0 || c.image_augmentation.crop_padding < 0 ||
        c.audio_augmentation.max_time_shift < 0) {
      throw host::Error(gw + ": shift, crop_padding and time_shift must not be negative");
    }
  }
  c.image.skip_bad = c.audio.skip_bad = c.csv.skip_bad = c.skip_bad;

  const bool needs_path = c.format != DataFormat::kFashionMnist && c.format != DataFormat::kIdx;
  if (needs_path && c.path.empty()) {
    throw host::Error(w + ".path: format " + format + " needs the dataset's path");
  }
  if (c.format == DataFormat::kIdx && (c.images.empty() || c.labels.empty())) {
    throw host::Error(w + ": format idx needs images and labels (IDX files)");
  }
  if (c.format == DataFormat::kIdx && c.test_images.empty() != c.test_labels.empty()) {
    throw host::Error(w + ": test_images and test_labels go together");
  }
  return c;
}

namespace {

// One source of samples in the configured format (`path` for the folder/CSV formats).
Dataset load_one(const DataConfig& c, const std::string& path) {
  switch (c.format) {
    case DataFormat::kImageFolder:
      return load_image_folder(path, c.image);
    case DataFormat::kWavFolder:
      return load_wav_folder(path, c.audio);
    case DataFormat::kCsv:
      return load_csv_table(path, c.csv);
    case DataFormat::kCsvWindows:
      return load_csv_windows(path, c.csv);
    case DataFormat::kVoc:
    case DataFormat::kYolo: {
      DataConfig at = c;
      at.path = path;
      return detection_dataset(load_detection_set(at), c.image);
    }
    default:
      break;
  }
  throw host::Error(std::string("data.format: ") + format_name(c.format) +
                    " has no loader for a folder");
}

void check_same_classes(const Dataset& train, const Dataset& test, const std::string& test_path) {
  if (train.class_names() != test.class_names() || train.target_names() != test.target_names() ||
      train.sample_shape() != test.sample_shape()) {
    throw host::Error(test_path + ": the test set's classes (or targets) or sample shape " +
                      graph::shape_string(test.sample_shape()) +
                      " differ from the training data's " +
                      graph::shape_string(train.sample_shape()));
  }
}

// The error for a dataset without a single usable sample, with the first reasons samples were
// skipped (a folder of unreadable files would otherwise look like an empty table).
[[noreturn]] void no_usable_samples(const std::string& path, const Dataset& loaded) {
  std::string message = path + ": no usable samples";
  if (!loaded.skipped.empty()) {
    message += " (" + std::to_string(loaded.skipped.size()) +
               " bad ones skipped, the first: " + loaded.skipped.front() + ")";
  }
  throw host::Error(message);
}

// Splits `all`: Speech Commands' lists decide what they name, the fractions split the rest (by
// group, stratified). A separate test set (own_test) leaves only validation to split.
DatasetSplit split_all(const DataConfig& c, const Dataset& all, bool own_test, bool& want_val,
                       bool& want_test) {
  const double test_fraction = own_test ? 0.0 : c.test_fraction;
  want_val = c.validation_fraction > 0;
  want_test = test_fraction > 0;
  std::optional<ListedSplit> listed;
  if (c.format == DataFormat::kWavFolder) listed = listed_split(all, c.path);
  if (!listed) {
    return split_dataset(
        all, stratified_split_indices(all, c.validation_fraction, test_fraction, c.seed));
  }
  const bool test_listed = listed->has_test_list && !own_test;
  const double val = listed->has_validation_list ? 0.0 : c.validation_fraction;
  const double test = test_listed ? 0.0 : test_fraction;
  SplitIndices indices = stratified_split_indices(all, val, test, c.seed, &listed->unlisted);
  if (listed->has_validation_list) indices.validation = listed->validation;
  // With a separate test set, the clips testing_list.txt names are in no split.
  if (test_listed) indices.test = listed->test;
  for (auto* v : {&indices.train, &indices.validation, &indices.test})
    std::sort(v->begin(), v->end());
  DatasetSplit split = split_dataset(all, indices);
  split.warnings.insert(split.warnings.end(), listed->warnings.begin(), listed->warnings.end());
  if ((listed->has_validation_list && c.validation_fraction > 0) ||
      (test_listed && c.test_fraction > 0)) {
    split.warnings.push_back(c.path +
                             ": testing_list.txt/validation_list.txt decide those splits; "
                             "data.splits fractions for them are ignored");
  }
  want_val = want_val || listed->has_validation_list;
  want_test = want_test || test_listed;
  return split;
}

// data.image for datasets whose files fix the size (Fashion-MNIST, IDX): resampled when
// image.resize is set, refused otherwise, like an image folder's files of another size.
Dataset at_image_size(Dataset images, const DataConfig& c, const std::string& what) {
  if (c.image.width == 0 || images.empty() || images.sample_shape().size() != 3) return images;
  const graph::Shape& s = images.sample_shape();
  const std::string have = std::to_string(s[1]) + "x" + std::to_string(s[0]);
  const std::string want = std::to_string(c.image.width) + "x" + std::to_string(c.image.height);
  if (s[2] != c.image.channels) {
    throw host::Error(what + ": the images have " + std::to_string(s[2]) +
                      " channel(s); data.image.channels asks for " +
                      std::to_string(c.image.channels));
  }
  if (s[0] == c.image.height && s[1] == c.image.width) return images;
  if (!c.image.resize) {
    throw host::Error(what + ": the images are " + have + "; data.image asks for " + want +
                      " (data.image.resize: true resamples them)");
  }
  return resize_images(images, c.image.width, c.image.height, what);
}

}  // namespace

DatasetSplit load_dataset(const DataConfig& config) {
  // skip_bad may have been overridden after parsing (--skip-bad): it governs every loader.
  DataConfig c = config;
  c.image.skip_bad = c.audio.skip_bad = c.csv.skip_bad = c.skip_bad;
  Dataset all, test;
  bool own_test = false;
  if (c.format == DataFormat::kFashionMnist) {
    const std::string dir = c.path.empty() ? kFashionMnistDir : c.path;
    all = at_image_size(load_fashion_mnist(true, dir), c, dir);
    test = at_image_size(load_fashion_mnist(false, dir), c, dir);
    own_test = true;
  } else if (c.format == DataFormat::kIdx) {
    all = at_image_size(load_idx(c.images, c.labels, c.class_names), c, c.images);
    if (!c.test_images.empty()) {
      test = at_image_size(load_idx(c.test_images, c.test_labels, all.class_names()), c,
                           c.test_images);
      own_test = true;
    }
  } else {
    // Wav/image/CSV loaders fix the size from the first file: the test set must match it.
    DataConfig fixed = c;
    all = load_one(c, c.path);
    if (all.empty()) no_usable_samples(c.path, all);
    if (c.format == DataFormat::kImageFolder || all.is_detection()) {
      fixed.image.height = static_cast<int>(all.sample_shape()[0]);
      fixed.image.width = static_cast<int>(all.sample_shape()[1]);
    }
    // A VOC test folder names its classes in its own order: they must be the training set's.
    if (all.is_detection() && c.format == DataFormat::kVoc)
      fixed.class_names.assign(all.class_names().begin() + 1, all.class_names().end());
    if (!c.test_path.empty()) {
      test = load_one(fixed, c.test_path);
      if (test.empty()) no_usable_samples(c.test_path, test);
      check_same_classes(all, test, c.test_path);
      own_test = true;
    }
  }
  if (all.empty()) no_usable_samples(c.path.empty() ? c.images : c.path, all);
  bool want_val = false, want_test = false;
  DatasetSplit split = split_all(c, all, own_test, want_val, want_test);
  if (own_test) {
    test.skipped.insert(test.skipped.begin(), split.train.skipped.begin(),
                        split.train.skipped.end());
    split.train.skipped = std::move(test.skipped);
    test.skipped.clear();
    split.warnings.insert(split.warnings.end(), test.warnings.begin(), test.warnings.end());
    split.test = std::move(test);
  }
  if (split.train.empty()) {
    throw host::Error((c.path.empty() ? c.images : c.path) +
                      ": the training split is empty (every sample went to validation/test)");
  }
  const std::vector<std::string> missing = missing_class_warnings(split, want_val, want_test);
  split.warnings.insert(split.warnings.end(), missing.begin(), missing.end());
  if (c.normalize) {
    split.normalization = compute_normalization(split.train);
    normalize(split.train, split.normalization);
    normalize(split.validation, split.normalization);
    normalize(split.test, split.normalization);
  }
  split.target_normalization = compute_target_normalization(split.train);
  return split;
}

DetectionSet load_detection_set(const DataConfig& c) {
  if (c.format == DataFormat::kVoc) return load_voc(c.path, c.class_names, c.skip_bad);
  if (c.format == DataFormat::kYolo) return load_yolo(c.path, c.skip_bad);
  throw host::Error(std::string("data.format: ") + format_name(c.format) +
                    " is not a detection format (voc or yolo)");
}

std::string effective_noise_path(const DataConfig& c) {
  if (c.noise_path == "none") return "";
  if (!c.noise_path.empty() || c.format != DataFormat::kWavFolder) return c.noise_path;
  return background_noise_folder(c.path);
}

Augmentation make_augmentation(const DataConfig& c, const Normalization& norm) {
  Augmentation a{c.image_augmentation, c.audio_augmentation};
  if (norm.enabled()) {
    a.image.fill.clear();
    for (size_t ch = 0; ch < norm.mean.size(); ++ch)
      a.image.fill.push_back(-norm.mean[ch] / norm.std[ch]);
  }
  if (const std::string noise = effective_noise_path(c); !noise.empty())
    a.audio.noise = load_noise_clips(noise);
  return a;
}

void augment(graph::Tensor& batch, const Augmentation& augmentation, Rng& rng) {
  if (batch.rank() == 4) {
    augment_images(batch, augmentation.image, rng);
  } else if (batch.rank() == 2 || (batch.rank() == 3 && batch.dim(2) == 1)) {
    augment_audio(batch, augmentation.audio, rng);
  }
}

}  // namespace tinyforge::data
