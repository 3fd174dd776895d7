#include "toolkit/data/csv.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <utility>

#include "toolkit/data/bad_data.h"
#include "toolkit/data/class_folders.h"
#include "toolkit/host/error.h"

namespace tinyforge::data {

namespace fs = std::filesystem;

std::vector<std::string> split_csv_line(const std::string& line, char delimiter) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == delimiter) {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  for (std::string& f : fields) {  // trim spaces around values
    size_t b = f.find_first_not_of(" \t"), e = f.find_last_not_of(" \t");
    f = b == std::string::npos ? "" : f.substr(b, e - b + 1);
  }
  return fields;
}

namespace {

bool parse_float(const std::string& text, float& value) {
  const char* end = text.data() + text.size();
  auto result = std::from_chars(text.data(), end, value);
  return !text.empty() && result.ec == std::errc() && result.ptr == end;
}

// One good row of one file: its features, label text (or targets) and line number (1-based).
struct Row {
  std::vector<float> features;
  std::string label;
  std::vector<float> targets;
  int line;
  bool after_skipped = false;  // a bad row was skipped just before it: windows do not span it
};

struct CsvFile {
  std::string path;
  std::vector<Row> rows;
  std::vector<std::string> target_names;
};

// Where the rows come from: the files, and for class folders each file's class.
struct CsvLayout {
  std::vector<std::string> files;
  std::vector<std::string> file_classes;  // class folders: per file its class; else empty
  std::vector<std::string> classes;       // class folders, in label order
  std::vector<std::string> skipped;       // empty class folders skipped (skip_bad)
};

bool is_csv(const fs::path& p) { return p.extension() == ".csv" && !is_hidden(p); }

CsvLayout csv_layout(const std::string& path, const CsvOptions& options) {
  std::error_code ec;
  CsvLayout layout;
  if (fs::is_regular_file(path, ec)) {
    layout.files = {path};
    return layout;
  }
  if (!fs::is_directory(path, ec)) throw host::Error(path + ": no such CSV file or directory");
  for (const auto& entry : fs::directory_iterator(path)) {
    if (entry.is_regular_file() && is_csv(entry.path()))
      layout.files.push_back(entry.path().string());
  }
  std::sort(layout.files.begin(), layout.files.end());
  const bool folders = !visible_subfolders(path).empty();
  if (folders && !layout.files.empty()) {
    throw host::Error(path +
                      ": holds both .csv files and subfolders; expected either the files "
                      "(labels from a label column) or one subfolder per class");
  }
  if (!folders) {
    if (layout.files.empty()) throw host::Error(path + ": directory holds no .csv file");
    return layout;
  }
  const bool regression = !options.target_columns.empty();
  if (!regression && !options.label_column.empty()) {
    throw host::Error(path +
                      ": csv.label_column is set, but the directory holds class folders, "
                      "which give the labels (remove label_column, or put the .csv files "
                      "directly in " +
                      path + ")");
  }
  ClassFolders folders_found = list_class_folders(path, {".csv"}, options.skip_bad, layout.skipped);
  for (size_t k = 0; k < folders_found.files.size(); ++k) {
    for (const std::string& f : folders_found.files[k]) {
      layout.files.push_back(f);
      layout.file_classes.push_back(folders_found.class_names[k]);
    }
  }
  layout.classes = std::move(folders_found.class_names);
  return layout;
}

// Resolves a column given by header name or index; `what` names the option for errors.
int column_index(const std::string& spec, const std::vector<std::string>& header, int columns,
                 const std::string& file, const std::string& what) {
  auto it = std::find(header.begin(), header.end(), spec);
  if (it != header.end()) return static_cast<int>(it - header.begin());
  int index = -1;
  auto r = std::from_chars(spec.data(), spec.data() + spec.size(), index);
  if (r.ec == std::errc() && r.ptr == spec.data() + spec.size() && index >= 0 && index < columns) {
    return index;
  }
  throw host::Error(file + ":1: " + what + " '" + spec + "' is neither a header name nor a " +
                    "column index below " + std::to_string(columns));
}

// Which column is what in one file.
struct Columns {
  int count = -1;
  int label = -1;  // -1: the label comes from the class folder (or there is none: regression)
  std::vector<int> targets;
  std::vector<int> features;
  std::vector<std::string> names;  // the header, or empty
};

Columns resolve_columns(int n, const std::vector<std::string>& header, const CsvOptions& options,
                        bool label_column, const std::string& path) {
  Columns c;
  c.count = n;
  c.names = header;
  if (label_column) {
    c.label = options.label_column.empty()
                  ? n - 1
                  : column_index(options.label_column, header, n, path, "label_column");
  }
  for (const auto& spec : options.target_columns)
    c.targets.push_back(column_index(spec, header, n, path, "target_column"));
  const auto is_target = [&](int col) {
    return std::find(c.targets.begin(), c.targets.end(), col) != c.targets.end();
  };
  if (options.feature_columns.empty()) {
    for (int col = 0; col < n; ++col) {
      const bool time = col < static_cast<int>(header.size()) && is_time_column(header[col]);
      if (col != c.label && !is_target(col) && !time) c.features.push_back(col);
    }
  } else {
    for (const auto& spec : options.feature_columns) {
      const int col = column_index(spec, header, n, path, "feature_columns entry");
      if (col == c.label || is_target(col)) {
        throw host::Error(path + ":1: feature_columns entry '" + spec + "' is the " +
                          (col == c.label ? "label" : "target") + " column");
      }
      c.features.push_back(col);
    }
  }
  if (c.features.empty()) {
    throw host::Error(path + ":1: no feature columns besides the label, targets and time");
  }
  return c;
}

// Parses field `col` as a finite number; otherwise says why, for reject_sample().
bool parse_value(const std::vector<std::string>& fields, int col, float& value,
                 std::string& problem) {
  if (!parse_float(fields[col], value)) {
    problem =
        "column " + std::to_string(col + 1) + " holds '" + fields[col] + "'; expected a number";
    return false;
  }
  if (!std::isfinite(value)) {
    problem = "column " + std::to_string(col + 1) + " holds '" + fields[col] +
              "'; expected a finite number";
    return false;
  }
  return true;
}

CsvFile read_csv_file(const std::string& path, const CsvOptions& options,
                      const std::string& folder_class, Dataset& rejects) {
  std::ifstream in(path);
  if (!in) throw host::Error(path + ": cannot open file");
  CsvFile file{path, {}, {}};
  const bool label_column = folder_class.empty() && options.target_columns.empty();
  std::string line;
  int line_number = 0;
  bool skipped = false;
  Columns columns;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank line
    std::vector<std::string> fields = split_csv_line(line, options.delimiter);
    if (columns.count < 0) {
      const std::vector<std::string> header = options.header ? fields : std::vector<std::string>();
      columns =
          resolve_columns(static_cast<int>(fields.size()), header, options, label_column, path);
      for (size_t t = 0; t < columns.targets.size(); ++t) {
        file.target_names.push_back(options.header ? header[columns.targets[t]]
                                                   : options.target_columns[t]);
      }
      if (options.header) continue;
    }
    const std::string where = path + ":" + std::to_string(line_number);
    if (static_cast<int>(fields.size()) != columns.count) {
      reject_sample(rejects, options.skip_bad, where,
                    "ragged row with " + std::to_string(fields.size()) + " fields; expected " +
                        std::to_string(columns.count));
      skipped = true;
      continue;
    }
    Row row{{}, columns.label >= 0 ? fields[columns.label] : folder_class, {}, line_number};
    std::string problem;
    bool good = true;
    for (int c : columns.features) {
      float v;
      good = good && parse_value(fields, c, v, problem);
      row.features.push_back(v);
    }
    for (int c : columns.targets) {
      float v;
      good = good && parse_value(fields, c, v, problem);
      row.targets.push_back(v);
    }
    if (good && label_column && row.label.empty()) {
      problem = "empty label";
      good = false;
    }
    if (!good) {
      reject_sample(rejects, options.skip_bad, where, problem);
      skipped = true;
      continue;
    }
    row.after_skipped = std::exchange(skipped, false);
    file.rows.push_back(std::move(row));
  }
  return file;
}

// Every file of the layout, read; rejects collects bad rows (skip_bad).
std::vector<CsvFile> read_csv_files(const std::string& path, const CsvLayout& layout,
                                    const CsvOptions& options, Dataset& rejects) {
  std::vector<CsvFile> files;
  for (size_t i = 0; i < layout.files.size(); ++i) {
    const std::string folder_class = layout.file_classes.empty() ? "" : layout.file_classes[i];
    files.push_back(read_csv_file(layout.files[i], options, folder_class, rejects));
  }
  const CsvFile* first = nullptr;
  for (const CsvFile& f : files) {
    if (f.rows.empty()) continue;
    if (first == nullptr) first = &f;
    if (f.rows[0].features.size() != first->rows[0].features.size()) {
      throw host::Error(f.path + ": " + std::to_string(f.rows[0].features.size()) +
                        " feature columns; expected " +
                        std::to_string(first->rows[0].features.size()) + " like " + first->path);
    }
  }
  if (first == nullptr) throw host::Error(path + ": no data rows");
  return files;
}

// Distinct labels sorted, numerically when every label is a number (so "10" follows "9").
std::vector<std::string> label_names(const std::vector<CsvFile>& files) {
  std::vector<std::string> names;
  for (const CsvFile& f : files) {
    for (const Row& r : f.rows) names.push_back(r.label);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  bool numeric = std::all_of(names.begin(), names.end(), [](const std::string& s) {
    float v;
    return parse_float(s, v);
  });
  if (numeric) {
    std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
      return std::stod(a) < std::stod(b);
    });
  }
  return names;
}

// Features per row (read_csv_files checked that every file agrees).
int64_t feature_count(const std::vector<CsvFile>& files) {
  for (const CsvFile& f : files) {
    if (!f.rows.empty()) return static_cast<int64_t>(f.rows[0].features.size());
  }
  return 0;
}

// What the CSV files give, before they become samples: the rows, and an empty dataset of the
// right kind (classes or targets) with the rejects and skipped folders recorded.
struct CsvData {
  std::vector<CsvFile> files;
  Dataset dataset;
  std::map<std::string, int> labels;
};

CsvData read_csv_data(const std::string& path, const CsvOptions& options,
                      const graph::Shape& shape_after_features) {
  const CsvLayout layout = csv_layout(path, options);
  Dataset rejects;
  CsvData data;
  data.files = read_csv_files(path, layout, options, rejects);
  graph::Shape shape = shape_after_features;
  shape.push_back(feature_count(data.files));
  if (!options.target_columns.empty()) {
    std::vector<std::string> names;
    for (const CsvFile& f : data.files) {
      if (!f.rows.empty()) {
        names = f.target_names;
        break;
      }
    }
    data.dataset = Dataset::regression(shape, names);
  } else {
    const std::vector<std::string> names =
        layout.classes.empty() ? label_names(data.files) : layout.classes;
    for (size_t k = 0; k < names.size(); ++k) data.labels[names[k]] = static_cast<int>(k);
    data.dataset = Dataset(shape, names);
  }
  data.dataset.skipped = layout.skipped;
  data.dataset.skipped.insert(data.dataset.skipped.end(), rejects.skipped.begin(),
                              rejects.skipped.end());
  return data;
}

}  // namespace

bool is_time_column(const std::string& name) {
  std::string n;
  for (char c : name) n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return n == "t" || n == "time" || n == "time_s" || n == "time_ms" || n == "timestamp";
}

Dataset load_csv_table(const std::string& path, const CsvOptions& options) {
  CsvData data = read_csv_data(path, options, {});
  Dataset& dataset = data.dataset;
  for (const CsvFile& f : data.files) {
    for (const Row& r : f.rows) {
      std::string source = f.path + ":" + std::to_string(r.line);
      if (dataset.is_regression()) {
        dataset.add_regression(r.features, r.targets, std::move(source));
      } else {
        dataset.add(r.features, data.labels[r.label], std::move(source));
      }
    }
  }
  return std::move(dataset);
}

namespace {

// Adds rows [start, start + window) of `f` as one sample, unless (classification) their labels
// differ: such a window straddles two activities. A regression window's target is the mean of
// its rows'.
void add_window(Dataset& dataset, const CsvFile& f, size_t start, size_t window,
                const std::map<std::string, int>& labels) {
  const std::string& label = f.rows[start].label;
  std::vector<float> sample;
  std::vector<double> sums(dataset.num_targets(), 0.0);
  for (size_t r = start; r < start + window; ++r) {
    const Row& row = f.rows[r];
    if (!dataset.is_regression() && row.label != label) return;
    sample.insert(sample.end(), row.features.begin(), row.features.end());
    for (size_t t = 0; t < sums.size(); ++t) sums[t] += row.targets[t];
  }
  std::string source = f.path + ":" + std::to_string(f.rows[start].line);
  if (!dataset.is_regression()) {
    dataset.add(sample, labels.at(label), std::move(source), f.path);
    return;
  }
  std::vector<float> target(sums.size());
  for (size_t t = 0; t < sums.size(); ++t) target[t] = static_cast<float>(sums[t] / window);
  dataset.add_regression(sample, target, std::move(source), f.path);
}

}  // namespace

Dataset load_csv_windows(const std::string& path, const CsvOptions& options) {
  if (options.window <= 0) {
    throw host::Error("csv.window must be a positive number of rows; got " +
                      std::to_string(options.window));
  }
  const size_t window = static_cast<size_t>(options.window);
  const size_t stride = options.stride > 0 ? static_cast<size_t>(options.stride) : window;
  CsvData data = read_csv_data(path, options, {options.window});
  Dataset& dataset = data.dataset;
  dataset.group_kind = "recording";
  size_t longest = 0;
  for (const CsvFile& f : data.files) {
    longest = std::max(longest, f.rows.size());
    // A skipped bad row cuts the recording: windows start afresh after it.
    for (size_t begin = 0, end = 0; begin < f.rows.size(); begin = end) {
      end = begin + 1;
      while (end < f.rows.size() && !f.rows[end].after_skipped) ++end;
      for (size_t start = begin; start + window <= end; start += stride)
        add_window(dataset, f, start, window, data.labels);
    }
  }
  if (dataset.empty()) {
    throw host::Error(
        path + ": no window of " + std::to_string(window) + " rows fits within one recording" +
        (dataset.is_regression() ? "" : " and one label") + " (the longest recording has " +
        std::to_string(longest) + " good rows); lower csv.window");
  }
  return std::move(dataset);
}

}  // namespace tinyforge::data
