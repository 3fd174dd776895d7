// CSV datasets: tabular rows (one sample per row) and sensor time series cut into windows
// (one sample per `window` consecutive rows, every `stride` rows).
#ifndef TINYFORGE_TOOLKIT_DATA_CSV_H_
#define TINYFORGE_TOOLKIT_DATA_CSV_H_

#include <string>
#include <vector>

#include "toolkit/data/dataset.h"

namespace tinyforge::data {

struct CsvOptions {
  // The label column: a header name, or a 0-based index as text ("0"); empty = the last column.
  std::string label_column;
  // Feature columns (names or indices); empty = every column but the label.
  std::vector<std::string> feature_columns;
  bool header = true;
  char delimiter = ',';
  // Time series only: rows per window and rows between window starts (0 = window, no overlap).
  int window = 0;
  int stride = 0;
  bool skip_bad = false;
};

// One sample per row, shape [features]. `path` is a .csv file or a directory of them (read in
// sorted order, all with the same columns). Classes are the distinct label values, sorted
// (numerically if all are numbers). A ragged row or a non-numeric feature is bad data, named
// "file:line".
Dataset load_csv_table(const std::string& path, const CsvOptions& options);

// One sample per window of `options.window` rows, shape [window, features]. Windows never cross
// a file boundary and a window whose rows carry different labels is not emitted (it straddles two
// recordings/activities). Its source is the file and the line of its first row.
Dataset load_csv_windows(const std::string& path, const CsvOptions& options);

// Splits one CSV line into fields (double quotes may enclose delimiters; "" is a quote).
std::vector<std::string> split_csv_line(const std::string& line, char delimiter);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_CSV_H_
