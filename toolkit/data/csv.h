// CSV datasets: tabular rows (one sample per row) and sensor time series cut into windows (one
// sample per `window` consecutive rows, every `stride` rows). Labels come from a label column,
// or from class folders (ROOT/<class>/<recording>.csv); a numeric target column instead makes the
// dataset a regression one.
#ifndef TINYFORGE_TOOLKIT_DATA_CSV_H_
#define TINYFORGE_TOOLKIT_DATA_CSV_H_

#include <string>
#include <vector>

#include "toolkit/data/dataset.h"

namespace tinyforge::data {

struct CsvOptions {
  // The label column: a header name, or a 0-based index as text ("0"); empty = the last column.
  // Not used when class folders give the labels, nor for regression.
  std::string label_column;
  // Target columns (names or indices): when given, the dataset is a regression one with one
  // float target per column, and there is no label.
  std::vector<std::string> target_columns;
  // Feature columns (names or indices); empty = every column but the label, the targets and a
  // time column (a header named t, time, time_s, time_ms or timestamp, in any case).
  std::vector<std::string> feature_columns;
  bool header = true;
  char delimiter = ',';
  // Time series only: rows per window and rows between window starts (0 = window, no overlap).
  int window = 0;
  int stride = 0;
  bool skip_bad = false;
};

// Whether `name` is a time column's header (t, time, time_s, time_ms, timestamp;
// case-insensitive): the training loader and the stream application skip the same columns.
bool is_time_column(const std::string& name);

// `path` is a .csv file, a directory of them (read in sorted order, all with the same columns),
// or a directory of class folders ROOT/<class>/<file>.csv (classes = the visible subfolders in
// sorted order; the folder is every row's label). A ragged row, a non-numeric or non-finite
// (NaN, inf) value and an empty label are bad data named "file:line".

// One sample per row, shape [features]. In label-column mode the classes are the distinct label
// values, sorted (numerically if all are numbers). Every row is its own group.
Dataset load_csv_table(const std::string& path, const CsvOptions& options);

// One sample per window of `options.window` rows, shape [window, features]. Windows never cross
// a file boundary nor a bad row skipped (skip_bad), and in label-column mode a window whose rows
// carry different labels is not emitted (it straddles two activities). A regression window's target
// is the mean of its rows' targets. Its source is the file and the line of its first row; its group
// is the file (the recording), so a split never puts windows of one recording on both sides.
Dataset load_csv_windows(const std::string& path, const CsvOptions& options);

// Splits one CSV line into fields (double quotes may enclose delimiters; "" is a quote).
std::vector<std::string> split_csv_line(const std::string& line, char delimiter);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_CSV_H_
