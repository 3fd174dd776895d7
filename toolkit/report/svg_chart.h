// Static SVG charts for the HTML report (docs/report.md): drawn on the host, so the page shows
// them without JavaScript. Every plotted number carries data-src (the JSON file and pointer it came
// from) and data-value (its full precision), so tests can check the page against its sources, and
// a <title> tooltip.
#ifndef TINYFORGE_TOOLKIT_REPORT_SVG_CHART_H_
#define TINYFORGE_TOOLKIT_REPORT_SVG_CHART_H_

#include <string>
#include <vector>

namespace tinyforge::report {

// One plotted number and where it came from ("float.json#/f1/3"; empty: computed here).
struct Value {
  double value = 0;
  std::string src;
};

struct Series {
  std::string name;
  std::vector<Value> values;
};

// `text` with &, <, >, " escaped for HTML text and attributes.
std::string escape(const std::string& text);
// `value` with `digits` significant digits, without trailing zeros.
std::string format_number(double value, int digits = 4);
// data-src and data-value attributes (with a leading space) for a sourced number.
std::string data_attributes(const Value& v);

// Lines over x = 1..n (epochs), one per series, with a legend.
std::string line_chart(const std::string& title, const std::string& x_label,
                       const std::string& y_label, const std::vector<Series>& series);
// Grouped vertical bars: one group per category, one bar per series.
std::string bar_chart(const std::string& title, const std::vector<std::string>& categories,
                      const std::vector<Series>& series);
// A confusion matrix: rows true classes, columns predictions; shade by share of the row.
std::string matrix_chart(const std::string& title, const std::vector<std::string>& labels,
                         const std::vector<std::vector<Value>>& matrix);

// ROC curves, one per class: false-positive rate (x) against true-positive rate (y), both 0..1,
// chance as the dashed diagonal. Each curve's polyline carries its AUC's data attributes.
struct RocSeries {
  std::string name;
  std::vector<double> fpr;
  std::vector<double> tpr;
  Value auc;
};
std::string roc_chart(const std::string& title, const std::vector<RocSeries>& curves);

// A spectrogram: `values` holds `frames` rows of `channels` values; time runs left to right,
// channel 0 at the bottom, shade from the smallest value to the largest.
std::string spectrogram_chart(const std::string& title, const std::vector<double>& values,
                              int frames, int channels);

// The memory plan: each tensor a bar from its first to its last use (x, execution steps) at its
// arena offset (y, bytes), the peak marked.
struct TensorSpan {
  std::string name;
  int first = 0;  // execution step that writes it (0 for model inputs)
  int last = 0;   // last step that reads it
  size_t offset = 0;
  size_t bytes = 0;
};
std::string timeline_chart(const std::string& title, const std::vector<TensorSpan>& spans,
                           int steps, size_t arena_bytes, int peak_step);

}  // namespace tinyforge::report

#endif  // TINYFORGE_TOOLKIT_REPORT_SVG_CHART_H_
