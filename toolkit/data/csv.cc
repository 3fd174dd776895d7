#include "toolkit/data/csv.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>

#include "toolkit/data/bad_data.h"
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

// One good row of one file: its features, label text and line number (1-based).
struct Row {
  std::vector<float> features;
  std::string label;
  int line;
};

struct CsvFile {
  std::string path;
  std::vector<Row> rows;
};

std::vector<std::string> csv_files(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return {path};
  if (!fs::is_directory(path, ec)) throw host::Error(path + ": no such CSV file or directory");
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(path)) {
    if (entry.is_regular_file() && entry.path().extension() == ".csv") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw host::Error(path + ": directory holds no .csv file");
  return files;
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

CsvFile read_csv_file(const std::string& path, const CsvOptions& options, Dataset& rejects) {
  std::ifstream in(path);
  if (!in) throw host::Error(path + ": cannot open file");
  CsvFile file{path, {}};
  std::string line;
  int line_number = 0;
  int columns = -1, label = -1;
  std::vector<int> features;
  std::vector<std::string> header;
  auto set_columns = [&](int n) {
    columns = n;
    label = options.label_column.empty()
                ? n - 1
                : column_index(options.label_column, header, n, path, "label_column");
    if (options.feature_columns.empty()) {
      for (int c = 0; c < n; ++c) {
        if (c != label) features.push_back(c);
      }
    } else {
      for (const auto& spec : options.feature_columns) {
        features.push_back(column_index(spec, header, n, path, "feature_columns entry"));
      }
    }
    if (features.empty()) throw host::Error(path + ":1: no feature columns besides the label");
  };
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank line
    std::vector<std::string> fields = split_csv_line(line, options.delimiter);
    if (columns < 0) {
      if (options.header) {
        header = fields;
        set_columns(static_cast<int>(fields.size()));
        continue;
      }
      set_columns(static_cast<int>(fields.size()));
    }
    const std::string where = path + ":" + std::to_string(line_number);
    if (static_cast<int>(fields.size()) != columns) {
      reject_sample(rejects, options.skip_bad, where,
                    "ragged row with " + std::to_string(fields.size()) + " fields; expected " +
                        std::to_string(columns));
      continue;
    }
    Row row{{}, fields[label], line_number};
    bool good = true;
    for (int c : features) {
      float v;
      if (!parse_float(fields[c], v)) {
        reject_sample(
            rejects, options.skip_bad, where,
            "column " + std::to_string(c + 1) + " holds '" + fields[c] + "'; expected a number");
        good = false;
        break;
      }
      row.features.push_back(v);
    }
    if (good && row.label.empty()) {
      reject_sample(rejects, options.skip_bad, where, "empty label");
      good = false;
    }
    if (good) file.rows.push_back(std::move(row));
  }
  return file;
}

std::vector<CsvFile> read_csv_files(const std::string& path, const CsvOptions& options,
                                    Dataset& rejects) {
  std::vector<CsvFile> files;
  for (const std::string& f : csv_files(path)) files.push_back(read_csv_file(f, options, rejects));
  size_t width = 0;
  for (const CsvFile& f : files) {
    if (f.rows.empty()) continue;
    if (width == 0) width = f.rows[0].features.size();
    if (f.rows[0].features.size() != width) {
      throw host::Error(f.path + ": " + std::to_string(f.rows[0].features.size()) +
                        " feature columns; expected " + std::to_string(width) +
                        " like the files before it");
    }
  }
  if (width == 0) throw host::Error(path + ": no data rows");
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

std::map<std::string, int> label_map(const std::vector<std::string>& names) {
  std::map<std::string, int> labels;
  for (size_t k = 0; k < names.size(); ++k) labels[names[k]] = static_cast<int>(k);
  return labels;
}

// Features per row (read_csv_files checked that every file agrees).
int64_t feature_count(const std::vector<CsvFile>& files) {
  for (const CsvFile& f : files) {
    if (!f.rows.empty()) return static_cast<int64_t>(f.rows[0].features.size());
  }
  return 0;
}

}  // namespace

Dataset load_csv_table(const std::string& path, const CsvOptions& options) {
  Dataset rejects;
  std::vector<CsvFile> files = read_csv_files(path, options, rejects);
  std::vector<std::string> names = label_names(files);
  std::map<std::string, int> labels = label_map(names);
  Dataset dataset({feature_count(files)}, names);
  dataset.skipped = std::move(rejects.skipped);
  for (const CsvFile& f : files) {
    for (const Row& r : f.rows) {
      dataset.add(r.features, labels[r.label], f.path + ":" + std::to_string(r.line));
    }
  }
  return dataset;
}

Dataset load_csv_windows(const std::string& path, const CsvOptions& options) {
  if (options.window <= 0) {
    throw host::Error("csv.window must be a positive number of rows; got " +
                      std::to_string(options.window));
  }
  const int stride = options.stride > 0 ? options.stride : options.window;
  Dataset rejects;
  std::vector<CsvFile> files = read_csv_files(path, options, rejects);
  std::vector<std::string> names = label_names(files);
  std::map<std::string, int> labels = label_map(names);
  Dataset dataset({options.window, feature_count(files)}, names);
  dataset.skipped = std::move(rejects.skipped);
  std::vector<float> sample;
  for (const CsvFile& f : files) {
    const size_t rows = f.rows.size();
    for (size_t start = 0; start + options.window <= rows; start += stride) {
      const std::string& label = f.rows[start].label;
      bool same = true;
      sample.clear();
      for (size_t r = start; r < start + options.window; ++r) {
        if (f.rows[r].label != label) {
          same = false;
          break;
        }
        sample.insert(sample.end(), f.rows[r].features.begin(), f.rows[r].features.end());
      }
      if (!same) continue;
      dataset.add(sample, labels[label], f.path + ":" + std::to_string(f.rows[start].line));
    }
  }
  return dataset;
}

}  // namespace tinyforge::data
