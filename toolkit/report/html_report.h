// `tinyforge report`: one self-contained HTML file showing a run (docs/report.md): training
// curves from log.csv, the float and int8 evaluations (confusion matrices, per-class precision,
// recall, F1 and ROC-AUC), the per-layer quantization errors, the model graph, the memory plan
// against the board's budget and the instructions per operator. Everything is drawn as static SVG
// on the host (no network, readable without JavaScript); the numbers come from the JSON the
// commands wrote (train, eval, convert --error-report, deploy, run --profile) and from inspect.
#ifndef TINYFORGE_TOOLKIT_REPORT_HTML_REPORT_H_
#define TINYFORGE_TOOLKIT_REPORT_HTML_REPORT_H_

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tinyforge::report {

struct ReportOptions {
  std::filesystem::path run_dir;  // log.csv and the commands' JSON (also looked for in train/)
  std::filesystem::path model;    // empty: RUN_DIR's model_int8.tflite, else model_float.tflite
  std::string board;              // budget and per-operator instructions for this board
  bool profile_on_board = true;   // without profile.json, count them under QEMU (with a board)
  std::filesystem::path layer_errors;  // convert --error-report's file; empty: RUN_DIR's
  // A spectrogram of this clip (or sensor recording) through the feature model: `features`, else
  // RUN_DIR/features.tflite; `stride_ms` for a feature model without tinyforge metadata.
  std::filesystem::path sample;
  std::filesystem::path features;
  std::optional<double> stride_ms;
};

struct ReportResult {
  std::filesystem::path output;
  size_t bytes = 0;
  std::vector<std::string> sections;  // the section ids, in page order
  std::vector<std::string> sources;   // the files the numbers came from
  std::vector<std::string> missing;   // what a section lacked, and the file that gives it
};

// The ids of every section a report has (a section without its source says so).
const std::vector<std::string>& report_sections();

// Writes the report to `output` (through a temporary file and a rename). Throws Error naming the
// file and what was expected when an input cannot be read.
ReportResult write_report(const ReportOptions& options, const std::filesystem::path& output);

}  // namespace tinyforge::report

#endif  // TINYFORGE_TOOLKIT_REPORT_HTML_REPORT_H_
