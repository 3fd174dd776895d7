// `tinyforge convert MODEL (--int8|--int16x8|--float) [--project PROJECT.yaml]
// [--calibration-samples N] [--calibrator minmax|percentile|mse] [--io-dtype int8|int16|float32]
// [--error-report FILE] [--equalize] [--bias-correction]
// [--adaround [--adaround-samples N] [--adaround-iterations K] [--seed S]]
// [--mixed-precision (--max-arena SIZE | --max-model SIZE | --int16-layers N)] -o OUT.tflite
// [--json]`
#include <algorithm>
#include <iostream>

#include "cli/command.h"
#include "toolkit/host/error.h"
#include "toolkit/inspect/arena_figures.h"
#include "toolkit/pipeline/convert.h"
#include "toolkit/pipeline/project.h"
#include "toolkit/tune/budget.h"

namespace tinyforge::cli {
namespace {

struct ConvertCommand {
  std::string model;
  std::string project;
  bool int8 = false, int16x8 = false, float32 = false;
  std::string calibrator = "minmax";
  std::string io_dtype;
  std::string error_report;
  bool bias_correction = false;
  bool equalize = false;
  bool adaround = false;
  int64_t adaround_samples = 256;
  int adaround_iterations = 1000;
  uint64_t seed = 0;
  bool mixed_precision = false;
  std::string max_arena, max_model;
  int int16_layers = -1;
  int64_t calibration_samples = 1000;
  std::string output;
  bool no_report = false;
  bool json = false;
};

pipeline::ConvertOptions options_of(const ConvertCommand& c) {
  pipeline::ConvertOptions o;
  o.dtype = c.int16x8   ? pipeline::ConvertDtype::kInt16x8
            : c.float32 ? pipeline::ConvertDtype::kFloat32
                        : pipeline::ConvertDtype::kInt8;
  o.calibrator = quantize::parse_calibrator(c.calibrator);
  o.calibration_samples = c.calibration_samples;
  // The integer io type must be the scheme's own; float32 adds QUANTIZE/DEQUANTIZE at the edges.
  const std::string integer_io = o.dtype == pipeline::ConvertDtype::kInt16x8 ? "int16" : "int8";
  if (!c.io_dtype.empty() && c.io_dtype != "float32" && c.io_dtype != integer_io) {
    throw UsageError("--io-dtype " + c.io_dtype + ": expected " + integer_io + " or float32 for " +
                     pipeline::convert_dtype_name(o.dtype));
  }
  o.float_io = c.io_dtype == "float32" && o.dtype != pipeline::ConvertDtype::kFloat32;
  o.error_report = c.error_report;
  o.bias_correction = c.bias_correction;
  o.equalize = c.equalize;
  o.adaround = c.adaround;
  o.adaround_options.samples = c.adaround_samples;
  o.adaround_options.iterations = c.adaround_iterations;
  o.adaround_options.seed = c.seed;
  o.mixed_precision = c.mixed_precision;
  if (c.mixed_precision && c.max_arena.empty() && c.max_model.empty() && c.int16_layers < 0)
    throw UsageError("--mixed-precision: give a budget (--max-arena, --max-model, --int16-layers)");
  if (!c.max_arena.empty())
    o.mixed_precision_budget.max_arena_bytes = tune::parse_size(c.max_arena, "--max-arena");
  if (!c.max_model.empty())
    o.mixed_precision_budget.max_model_bytes = tune::parse_size(c.max_model, "--max-model");
  o.mixed_precision_budget.max_layers = c.int16_layers;
  return o;
}

nlohmann::json convert(const ConvertCommand& c) {
  if (c.int8 + c.int16x8 + c.float32 != 1)
    throw UsageError("convert: give exactly one of --int8, --int16x8, --float");
  std::optional<pipeline::Project> project;
  if (!c.project.empty()) project = pipeline::load_project(c.project);
  nlohmann::json r = pipeline::run_conversion(c.model, project, options_of(c), c.output);
  if (!c.no_report) {
    // OUT_report.html beside OUT.tflite, from the trained model's run directory.
    std::filesystem::path page = c.output;
    page.replace_extension();
    page += "_report.html";
    const std::string report = report_defaults::write(std::filesystem::path(c.model).parent_path(),
                                                      c.output, c.error_report, page);
    if (!report.empty()) r["report_file"] = report;
  }
  if (!c.json) {
    const auto pct = [](const nlohmann::json& v) {
      return v.is_number() ? std::to_string(v.get<double>()) + " %" : std::string("-");
    };
    std::cout << "wrote " << r["output"].get<std::string>() << " (" << r["dtype"].get<std::string>()
              << ", " << r["model_bytes"] << " bytes; arena " << r["host_arena_bytes"]
              << " bytes in the " << host::host_arena_label()
              << ", a device's: inspect --board B)\n"
              << (r.contains("float_mae")       ? "MAE"
                  : r.contains("float_roc_auc") ? "anomaly ROC-AUC"
                                                : "accuracy")
              << " on the " << r["evaluated_split"].get<std::string>() << " split: float "
              << (r.contains("float_mae")       ? r["float_mae"].dump()
                  : r.contains("float_roc_auc") ? r["float_roc_auc"].dump()
                                                : pct(r["float_accuracy_pct"]))
              << ", converted "
              << (r.contains("output_mae")       ? r["output_mae"].dump()
                  : r.contains("output_roc_auc") ? r["output_roc_auc"].dump()
                                                 : pct(r["output_accuracy_pct"]))
              << std::endl;
    if (r.contains("adaround")) {
      int learned = 0;
      double before = 0, after = 0;
      for (const auto& l : r["adaround"]) {
        learned += l["learned"].get<bool>();
        before += l["rmse_nearest_steps"].get<double>();
        after += l["rmse_steps"].get<double>();
      }
      const double n = std::max<double>(1.0, static_cast<double>(r["adaround"].size()));
      std::cout << "adaround: learned rounding kept in " << learned << " of "
                << r["adaround"].size() << " layers; mean layer output RMSE " << before / n
                << " -> " << after / n << " steps\n";
    }
    if (r.contains("mixed_precision")) {
      const auto& m = r["mixed_precision"];
      std::cout << "mixed precision: " << m["int16_layers"] << " layers in 16x8, device arena "
                << m["arena_bytes"] << " bytes (reference kernels)\n";
    }
    if (r.contains("threshold")) {
      std::cout << "threshold " << r["threshold"].dump() << " (" << r["threshold_rule"].dump()
                << "), stored in the file; pAUC float " << r["float_pauc"].dump() << ", converted "
                << r["output_pauc"].dump() << std::endl;
    }
  }
  return r;
}

}  // namespace

void add_convert_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "convert",
      "Convert a trained model (.tfm, or a float .tflite) into a float32, int8 or 16x8 .tflite: "
      "Dropout dropped, BatchNorm folded, ReLU fused, activations calibrated on the project's "
      "training split, quantized as TFLite does (per-channel int8 weights), then the float model "
      "and the written file (in tinyforge's runtime) evaluated on the project's test split");
  auto c = std::make_shared<ConvertCommand>();
  cmd->add_option("model", c->model, "model.tfm from `tinyforge train`, or a float .tflite")
      ->required();
  auto* int8 = cmd->add_flag("--int8", c->int8,
                             "Full int8: int8 activations and weights, int32 bias (the default "
                             "for microcontrollers)");
  auto* int16 = cmd->add_flag("--int16x8", c->int16x8,
                              "int16 activations, int8 weights, int64 bias (for models that lose "
                              "too much at int8)");
  auto* float32 = cmd->add_flag("--float", c->float32, "float32 (prepared, not quantized)");
  int8->excludes(int16)->excludes(float32);
  int16->excludes(float32);
  cmd->add_option("--project", c->project,
                  "The project whose data calibrates and evaluates (default: the one stored in "
                  "the .tfm; required for a .tflite)");
  cmd->add_option("--calibration-samples", c->calibration_samples,
                  "Training samples, spread over the split, that calibrate the activations")
      ->check(whole_number_at_least(1))
      ->capture_default_str();
  cmd->add_option("--calibrator", c->calibrator,
                  "minmax (observed extremes), percentile (99.99th of |x|) or mse (the clipping "
                  "with the least expected error); docs/quantization.md")
      ->capture_default_str();
  cmd->add_option("--io-dtype", c->io_dtype,
                  "The quantized model's input/output type: int8 (int16 for --int16x8; the "
                  "default) or float32 (QUANTIZE/DEQUANTIZE inside the model)");
  cmd->add_option("--error-report", c->error_report,
                  "Also write the per-layer quantization error (float vs runtime) as JSON here");
  cmd->add_flag("--equalize", c->equalize,
                "Cross-layer equalization of conv/depthwise pairs before calibration (reported "
                "per pair as equalized)");
  cmd->add_flag("--bias-correction", c->bias_correction,
                "Correct each conv/FC bias by its channels' mean quantization error on the "
                "calibration samples, layer by layer (reported per layer as bias_correction)");
  auto* adaround =
      cmd->add_flag("--adaround", c->adaround,
                    "Learn each conv/FC weight's rounding (up or down) on calibration samples, "
                    "layer by layer, so the layer's output stays closest to the float model's "
                    "(AdaRound; reported per layer as adaround)");
  cmd->add_option("--adaround-samples", c->adaround_samples,
                  "Calibration samples AdaRound learns on (the first of --calibration-samples)")
      ->check(whole_number_at_least(1))
      ->needs(adaround)
      ->capture_default_str();
  cmd->add_option("--adaround-iterations", c->adaround_iterations,
                  "AdaRound's optimizer steps per layer (batches of 32)")
      ->check(whole_number_at_least(1))
      ->needs(adaround)
      ->capture_default_str();
  cmd->add_option("--seed", c->seed, "Seed of AdaRound's batches (same seed, same file)")
      ->capture_default_str();
  auto* mixed =
      cmd->add_flag("--mixed-precision", c->mixed_precision,
                    "With --int8: the layers adding the most quantization error run in 16x8 (int16 "
                    "activations), chosen greedily while the model stays within the budget below "
                    "(reported as mixed_precision)");
  cmd->add_option("--max-arena", c->max_arena,
                  "Mixed precision's arena budget (65536, 64KB, 1MB; the planner's figure for a "
                  "32-bit device)")
      ->needs(mixed);
  cmd->add_option("--max-model", c->max_model, "Mixed precision's model size budget (256KB)")
      ->needs(mixed);
  cmd->add_option("--int16-layers", c->int16_layers, "Mixed precision: at most N int16 layers")
      ->check(whole_number_at_least(0))
      ->needs(mixed);
  cmd->add_option("-o,--output", c->output, "The .tflite to write (atomically)")->required();
  cmd->add_flag("--no-report", c->no_report,
                "Do not write OUT_report.html beside the output (docs/report.md)");
  cmd->add_flag("--json", c->json, "Print one JSON object (DESIGN.md keys) as the last line");
  cmd->callback(
      [c, &exit_code]() { exit_code = run_command(c->json, [&]() { return convert(*c); }); });
}

}  // namespace tinyforge::cli
