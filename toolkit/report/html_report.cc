#include "toolkit/report/html_report.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "toolkit/data/csv.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/deploy/shell.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/host/temp_dir.h"
#include "toolkit/inspect/model_report.h"
#include "toolkit/pipeline/features_run.h"
#include "toolkit/report/detection_samples.h"
#include "toolkit/report/report_page.h"
#include "toolkit/report/svg_chart.h"

namespace tinyforge::report {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A JSON document the numbers come from: a file of the run, or one computed here and embedded in
// the page (<script type="application/json" id="NAME">).
struct Source {
  std::string name;  // "float.json", "train/log.csv", or "inspect" / "profile" when embedded
  json doc;
  bool embedded = false;
};

std::optional<Source> read_json(const fs::path& run_dir, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    const fs::path path = run_dir / name;
    if (!fs::is_regular_file(path)) continue;
    const std::string text = deploy::read_text(path);
    // A JSON file, or a command's --json output saved whole (the object is its last line).
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) {
      const size_t end = text.find_last_not_of("\n");
      const size_t start = end == std::string::npos ? std::string::npos : text.rfind('\n', end);
      doc = json::parse(text.substr(start == std::string::npos ? 0 : start + 1), nullptr, false);
    }
    if (!doc.is_object()) throw host::Error(path.string() + ": expected a JSON object");
    return Source{name, doc};
  }
  return std::nullopt;
}

// log.csv as {"columns": [...], "rows": [{column: number}]}: the header names the columns.
std::optional<Source> read_log(const fs::path& run_dir) {
  for (const std::string name : {"log.csv", "train/log.csv"}) {
    std::ifstream in(run_dir / name);
    if (!in) continue;
    std::string line;
    std::vector<std::string> columns;
    json rows = json::array();
    size_t line_number = 0;
    while (std::getline(in, line)) {
      ++line_number;
      const std::vector<std::string> cells = data::split_csv_line(line, ',');
      if (columns.empty()) {
        columns = cells;
        continue;
      }
      json row = json::object();
      for (size_t i = 0; i < cells.size() && i < columns.size(); ++i) {
        if (cells[i].empty()) continue;
        try {
          row[columns[i]] = std::stod(cells[i]);
        } catch (const std::exception&) {
          throw host::Error((run_dir / name).string() + ":" + std::to_string(line_number) +
                            ": column " + columns[i] + ": expected a number, got '" + cells[i] +
                            "'");
        }
      }
      rows.push_back(row);
    }
    return Source{name, {{"columns", columns}, {"rows", rows}}};
  }
  return std::nullopt;
}

// "/a/b/3" from its parts.
json::json_pointer path(std::initializer_list<std::string> parts) {
  std::string text;
  for (const auto& part : parts) {
    text += '/';
    text += part;
  }
  return json::json_pointer(text);
}

// Appends `item` to a `separator`-separated list.
void append(std::string* list, const std::string& item, const char* separator) {
  if (!list->empty()) *list += separator;
  *list += item;
}

Value at(const Source& s, const json::json_pointer& pointer) {
  return {s.doc.at(pointer).get<double>(), s.name + "#" + pointer.to_string()};
}

std::string number_cell(const Value& v, int digits = 4) {
  return "<td class=\"num\"" + data_attributes(v) + ">" + format_number(v.value, digits) + "</td>";
}

std::string missing_note(const std::string& what, ReportResult* result) {
  result->missing.push_back(what);
  return "<p class=\"missing\">Not available: " + escape(what) + ".</p>";
}

std::vector<std::string> class_names(const Source& eval) {
  std::vector<std::string> names;
  if (eval.doc.contains("class_names"))
    names = eval.doc["class_names"].get<std::vector<std::string>>();
  const size_t n = eval.doc.contains("confusion_matrix") ? eval.doc["confusion_matrix"].size() : 0;
  for (size_t i = names.size(); i < n; ++i) names.push_back(std::to_string(i));
  return names;
}

std::string training_section(const std::optional<Source>& log, ReportResult* result) {
  if (!log) return missing_note("training curves (log.csv, written by tinyforge train)", result);
  const json& rows = log->doc["rows"];
  auto series = [&](const std::string& column, const std::string& name) {
    Series s{name, {}};
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].contains(column))
        s.values.push_back(at(*log, path({"rows", std::to_string(i), column})));
    }
    return s;
  };
  std::vector<Series> loss, accuracy;
  for (const auto& [column, name] : std::vector<std::pair<std::string, std::string>>{
           {"train_loss", "training"}, {"val_loss", "validation"}}) {
    Series s = series(column, name);
    if (!s.values.empty()) loss.push_back(s);
  }
  for (const auto& [column, name] : std::vector<std::pair<std::string, std::string>>{
           {"train_accuracy_pct", "training"}, {"val_accuracy_pct", "validation"}}) {
    Series s = series(column, name);
    if (!s.values.empty()) accuracy.push_back(s);
  }
  std::string html = "<div class=\"charts\">";
  if (!loss.empty()) html += line_chart("Loss per epoch", "epoch", "loss", loss);
  if (!accuracy.empty())
    html += line_chart("Accuracy per epoch", "epoch", "accuracy (%)", accuracy);
  Series rate = series("learning_rate", "learning rate");
  if (!rate.values.empty()) html += line_chart("Learning rate", "epoch", "learning rate", {rate});
  return html + "</div><p>From " + escape(log->name) + " (" + std::to_string(rows.size()) +
         " epochs).</p>";
}

std::string per_class_table(const std::vector<const Source*>& evals,
                            const std::vector<std::string>& names) {
  std::ostringstream s;
  s << "<table class=\"sortable\"><thead><tr><th>class</th>";
  for (const Source* e : evals) {
    for (const char* metric : {"precision", "recall", "F1"})
      s << "<th>" << metric << " (" << escape(e->name) << ")</th>";
  }
  s << "<th>support</th></tr></thead><tbody>";
  for (size_t c = 0; c < names.size(); ++c) {
    s << "<tr><td>" << escape(names[c]) << "</td>";
    for (const Source* e : evals) {
      for (const char* key : {"precision", "recall", "f1"}) {
        if (e->doc.contains(key) && c < e->doc[key].size())
          s << number_cell(at(*e, path({key, std::to_string(c)})));
        else
          s << "<td></td>";
      }
    }
    const Source* first = evals.front();
    if (first->doc.contains("support") && c < first->doc["support"].size())
      s << number_cell(at(*first, path({"support", std::to_string(c)})), 10);
    s << "</tr>";
  }
  s << "</tbody></table>";
  return s.str();
}

// ROC curves where the evaluation kept them (eval --json's roc_curves), else the AUC per class.
std::string roc_section(const std::vector<const Source*>& classified,
                        const std::vector<std::string>& names) {
  std::ostringstream s;
  std::vector<Series> auc;
  for (const Source* e : classified) {
    if (!e->doc.contains("roc_auc") || !e->doc["roc_auc"].is_array()) continue;
    const json& aucs = e->doc["roc_auc"];
    const json* curves = e->doc.contains("roc_curves") && e->doc["roc_curves"].is_array()
                             ? &e->doc["roc_curves"]
                             : nullptr;
    if (curves && curves->size() == aucs.size()) {
      std::vector<RocSeries> lines;
      for (size_t c = 0; c < curves->size(); ++c) {
        const json& curve = (*curves)[c];
        if (!curve.is_object() || !aucs[c].is_number()) continue;  // undefined for this class
        lines.push_back({c < names.size() ? names[c] : std::to_string(c),
                         curve.at("fpr").get<std::vector<double>>(),
                         curve.at("tpr").get<std::vector<double>>(),
                         at(*e, path({"roc_auc", std::to_string(c)}))});
      }
      s << "<figure>" << roc_chart("ROC curves: " + e->name, lines)
        << "<figcaption>each class against the rest, from the scores</figcaption></figure>";
      continue;
    }
    Series series{e->name, {}};
    for (size_t c = 0; c < aucs.size(); ++c)
      series.values.push_back(at(*e, path({"roc_auc", std::to_string(c)})));
    auc.push_back(series);
  }
  std::string out;
  if (!s.str().empty()) out = "<h3>ROC curves</h3><div class=\"charts\">" + s.str() + "</div>";
  if (!auc.empty()) {
    out += "<h3>ROC-AUC per class (one class against the rest, from the scores)</h3>" +
           bar_chart("ROC-AUC per class", names, auc);
  }
  return out;
}

std::string evaluation_section(const std::vector<Source>& evals, ReportResult* result) {
  std::vector<const Source*> classified;
  for (const auto& e : evals) {
    if (e.doc.contains("confusion_matrix")) classified.push_back(&e);
  }
  if (classified.empty()) {
    return missing_note(
        "evaluation (float.json / int8_host.json from tinyforge eval --json, or "
        "train.json)",
        result);
  }
  const std::vector<std::string> names = class_names(*classified.front());
  std::ostringstream s;
  s << "<table><thead><tr><th>evaluation</th><th>split</th><th>samples</th><th>accuracy (%)</th>"
       "<th>macro F1</th><th>macro ROC-AUC</th></tr></thead><tbody>";
  for (const Source* e : classified) {
    s << "<tr><td>" << escape(e->name) << "</td><td>"
      << escape(e->doc.value("evaluated_split", std::string())) << "</td>";
    for (const char* key : {"evaluated_samples", "accuracy_pct", "macro_f1", "macro_roc_auc"}) {
      if (e->doc.contains(key))
        s << number_cell(at(*e, path({key})), 6);
      else
        s << "<td></td>";
    }
    s << "</tr>";
  }
  s << "</tbody></table><div class=\"charts\">";
  for (const Source* e : classified) {
    std::vector<std::vector<Value>> matrix;
    const json& m = e->doc["confusion_matrix"];
    for (size_t r = 0; r < m.size(); ++r) {
      matrix.emplace_back();
      for (size_t c = 0; c < m[r].size(); ++c) {
        matrix.back().push_back(
            at(*e, path({"confusion_matrix", std::to_string(r), std::to_string(c)})));
      }
    }
    s << "<figure>" << matrix_chart("Confusion matrix: " + e->name, names, matrix)
      << "<figcaption>rows: true class, columns: predicted</figcaption></figure>";
  }
  s << "</div><h3>Per class</h3>" << per_class_table(classified, names);
  s << roc_section(classified, names);
  return s.str();
}

std::string quantization_section(const std::optional<Source>& errors, ReportResult* result) {
  if (!errors || !errors->doc.contains("layers")) {
    return missing_note("per-layer quantization errors (convert --error-report FILE.json)", result);
  }
  const json& layers = errors->doc["layers"];
  std::ostringstream s;
  Series sqnr{"SQNR (dB)", {}};
  std::vector<std::string> names;
  s << "<table class=\"sortable\"><thead><tr><th>layer</th><th>op</th><th>SQNR (dB)</th>"
       "<th>RMSE</th><th>max abs error</th><th>scale</th></tr></thead><tbody>";
  for (size_t i = 0; i < layers.size(); ++i) {
    s << "<tr><td>" << escape(layers[i].value("name", "")) << "</td><td>"
      << escape(layers[i].value("op", "")) << "</td>";
    for (const char* key : {"sqnr_db", "rmse", "max_abs_error", "scale"}) {
      if (layers[i].contains(key) && layers[i][key].is_number())
        s << number_cell(at(*errors, path({"layers", std::to_string(i), key})));
      else
        s << "<td></td>";
    }
    s << "</tr>";
    if (layers[i].contains("sqnr_db") && layers[i]["sqnr_db"].is_number()) {
      sqnr.values.push_back(at(*errors, path({"layers", std::to_string(i), "sqnr_db"})));
      names.push_back(layers[i].value("name", std::to_string(i)));
    }
  }
  s << "</tbody></table>";
  return bar_chart("Signal-to-quantization-noise ratio per layer (higher is better)", names,
                   {sqnr}) +
         s.str() + "<p>From " + escape(errors->name) + " (" +
         escape(errors->doc.value("samples", json()).dump()) + " calibration samples).</p>";
}

std::string shape_text(const json& tensor) {
  std::string dims;
  for (const auto& d : tensor["shape"]) append(&dims, d.dump(), ",");
  return tensor.value("dtype", "") + "[" + dims + "]";
}

std::string graph_section(const Source& inspect) {
  const json& doc = inspect.doc;
  std::ostringstream s;
  s << "<p>" << doc["ops"].size() << " operators, parameters "
    << "<span" << data_attributes(at(inspect, json::json_pointer("/params"))) << ">"
    << doc["params"].dump() << "</span>, MACs <span"
    << data_attributes(at(inspect, json::json_pointer("/macs"))) << ">" << doc["macs"].dump()
    << "</span> per inference.</p><table class=\"sortable\"><thead><tr><th>#</th><th>operator</th>"
       "<th>inputs</th><th>outputs</th><th>parameters</th><th>MACs</th></tr></thead><tbody>";
  for (size_t i = 0; i < doc["ops"].size(); ++i) {
    const json& op = doc["ops"][i];
    std::string inputs, outputs;
    int64_t params = 0;
    for (const auto& t : op["inputs"]) {
      if (t.get<int>() < 0) continue;
      const json& tensor = doc["tensors"][t.get<int>()];
      if (tensor.value("constant", false)) {
        int64_t n = 1;
        for (const auto& d : tensor["shape"]) n *= d.get<int64_t>();
        params += n;
      } else {
        append(&inputs, shape_text(tensor), " ");
      }
    }
    for (const auto& t : op["outputs"])
      append(&outputs, shape_text(doc["tensors"][t.get<int>()]), " ");
    s << "<tr><td>" << i << "</td><td>" << escape(op["op"].get<std::string>()) << "</td><td>"
      << escape(inputs) << "</td><td>" << escape(outputs) << "</td><td class=\"num\">" << params
      << "</td>";
    if (op.contains("macs") && op["macs"].is_number())
      s << number_cell(at(inspect, path({"ops", std::to_string(i), "macs"})), 12);
    else
      s << "<td></td>";
    s << "</tr>";
  }
  s << "</tbody></table>";
  return s.str();
}

// The host interpreter's plan: where each tensor lives and from which step to which.
std::string memory_timeline(const host::ModelFile& file) {
  const host::HostInterpreter host(file);
  const Interpreter& interpreter = host.get();
  const Model& model = file.model();
  const int steps = model.num_operators();
  std::vector<int> first(model.num_tensors(), steps), last(model.num_tensors(), -1);
  for (int i = 0; i < model.num_inputs(); ++i) first[model.input_tensor(i)] = 0;
  for (int i = 0; i < model.num_outputs(); ++i) last[model.output_tensor(i)] = steps - 1;
  int peak_step = -1;
  for (int p = 0; p < steps; ++p) {
    const int op = interpreter.op_at(p);
    if (op == interpreter.arena_usage().live_set_peak_op) peak_step = p;
    for (int i = 0; i < model.op_num_inputs(op); ++i) {
      const int t = model.op_input(op, i);
      if (t >= 0) last[t] = std::max(last[t], p);
    }
    for (int i = 0; i < model.op_num_outputs(op); ++i) {
      const int t = model.op_output(op, i);
      first[t] = std::min(first[t], p);
      last[t] = std::max(last[t], p);
    }
  }
  std::vector<TensorSpan> spans;
  const uint8_t* base = host.arena().data();
  for (int t = 0; t < model.num_tensors(); ++t) {
    const TensorView v = interpreter.tensor(t);
    if (v.is_constant || v.data == nullptr || first[t] > last[t]) continue;
    const auto* data = static_cast<const uint8_t*>(v.data);
    if (data < base || data >= base + host.arena().size()) continue;
    spans.push_back({v.name, first[t], last[t], static_cast<size_t>(data - base), v.bytes()});
  }
  return timeline_chart("Memory plan (host interpreter)", spans, steps,
                        interpreter.arena_usage().total_bytes, peak_step);
}

std::string budget_table(const Source& inspect, const std::optional<Source>& deploy_json) {
  std::ostringstream s;
  s << "<table><thead><tr><th>figure</th><th>bytes</th><th>budget</th><th>use</th></tr></thead>"
       "<tbody><tr><td>arena, host interpreter</td>"
    << number_cell(at(inspect, json::json_pointer("/host_arena_bytes")), 12)
    << "<td></td><td></td></tr><tr><td>arena, 32-bit device ("
    << escape(inspect.doc.value("device_kernels", "")) << " kernels)</td>"
    << number_cell(at(inspect, json::json_pointer("/device_arena_bytes")), 12)
    << "<td></td><td></td></tr>";
  if (deploy_json && deploy_json->doc.contains("flash_budget_bytes")) {
    const json& d = deploy_json->doc;
    auto row = [&](const std::string& label, std::vector<std::string> keys,
                   const std::string& budget_key) {
      double used = 0;
      std::string sources;
      for (const auto& k : keys) used += d.value(k, 0.0);
      const double budget = d[budget_key].get<double>();
      s << "<tr><td>" << escape(label) << " on " << escape(d.value("board", "")) << "</td>"
        << "<td class=\"num\">" << format_number(used, 12) << "</td>"
        << number_cell(at(*deploy_json, path({budget_key})), 12)
        << "<td><div class=\"meter\"><div style=\"width:"
        << format_number(std::min(100.0, 100 * used / std::max(1.0, budget)), 4)
        << "%\"></div></div>" << format_number(100 * used / std::max(1.0, budget), 3)
        << " %</td></tr>";
    };
    row("flash (code + model)", {"flash_code_bytes", "flash_model_bytes"}, "flash_budget_bytes");
    row("RAM (arena + static + stack)", {"ram_arena_bytes", "ram_static_bytes", "ram_stack_bytes"},
        "ram_budget_bytes");
  }
  s << "</tbody></table>";
  return s.str();
}

std::string profile_section(const std::optional<Source>& profile, ReportResult* result) {
  if (!profile || !profile->doc.contains("op_instructions")) {
    return missing_note(
        "instructions per operator (profile.json from tinyforge run --board B "
        "--profile --json, or report --board B)",
        result);
  }
  const json& ops = profile->doc["op_instructions"];
  Series instructions{"instructions", {}};
  std::vector<std::string> names;
  std::ostringstream table;
  table << "<table class=\"sortable\"><thead><tr><th>step</th><th>operator</th><th>#</th>"
           "<th>instructions</th></tr></thead><tbody>";
  for (size_t k = 0; k < ops.size(); ++k) {
    const Value v = at(*profile, path({"op_instructions", std::to_string(k), "instructions"}));
    instructions.values.push_back(v);
    names.push_back(ops[k]["name"].get<std::string>());
    table << "<tr><td>" << k << "</td><td>" << escape(names.back()) << "</td><td>"
          << ops[k]["op"].dump() << "</td>" << number_cell(v, 12) << "</tr>";
  }
  table << "</tbody></table>";
  return "<p>On " + escape(profile->doc.value("board", "")) + ": " +
         escape(profile->doc.value("instructions", json()).dump()) +
         " instructions per inference.</p>" +
         bar_chart("Instructions per operator (execution order)", names, {instructions}) +
         table.str();
}

// `run --board B --profile` of the model on random inputs (seed 1), as the run command does.
std::optional<Source> profile_on_board(const host::ModelFile& file, const fs::path& model,
                                       const std::string& board) {
  const host::TempDir temp("tinyforge-report-");
  std::vector<fs::path> inputs;
  for (int i = 0; i < file.model().num_inputs(); ++i) {
    const auto bytes = host::random_input(file.model().tensor(file.model().input_tensor(i)), 1, i);
    inputs.push_back(temp.path() / ("input_" + std::to_string(i) + ".bin"));
    host::write_file(inputs.back(), bytes.data(), bytes.size());
  }
  const deploy::BoardRun r = deploy::run_model_on_board(board, model, inputs, 600, 1, true);
  json ops = json::array();
  for (size_t k = 0; k < r.op_order.size(); ++k) {
    ops.push_back({{"op", r.op_order[k]},
                   {"name", op_name(file.model().op_code(r.op_order[k]))},
                   {"instructions", r.instructions_per_op[k]}});
  }
  return Source{"profile",
                {{"board", board}, {"instructions", r.instructions}, {"op_instructions", ops}},
                true};
}

// Frame values as numbers, from the feature model's output dtype.
std::vector<double> frame_values(const std::vector<uint8_t>& bytes, const std::string& dtype) {
  std::vector<double> values;
  auto read = [&](auto zero) {
    using T = decltype(zero);
    for (size_t at = 0; at + sizeof(T) <= bytes.size(); at += sizeof(T)) {
      T v;
      std::memcpy(&v, bytes.data() + at, sizeof(T));
      values.push_back(static_cast<double>(v));
    }
  };
  if (dtype == "float32")
    read(float());
  else if (dtype == "int8")
    read(int8_t());
  else if (dtype == "int16")
    read(int16_t());
  else if (dtype == "uint16")
    read(uint16_t());
  else if (dtype == "int32")
    read(int32_t());
  else if (dtype == "uint32")
    read(uint32_t());
  else
    throw host::Error("spectrogram: feature frames of dtype " + dtype + " are not drawn");
  return values;
}

// At most this many frames are drawn (a long recording's first ones), keeping the page small.
constexpr int kMaxSpectrogramFrames = 200;

std::string spectrogram_section(const ReportOptions& options, Page* page, ReportResult* result) {
  if (options.sample.empty()) {
    return missing_note(
        "a spectrogram of a sample (report --sample CLIP.wav, with "
        "RUN_DIR/features.tflite or --features)",
        result);
  }
  const fs::path features =
      options.features.empty() ? options.run_dir / "features.tflite" : options.features;
  if (!fs::is_regular_file(features)) {
    return missing_note("a spectrogram: no feature model " + features.string() +
                            " (a project's features: block writes it beside the model)",
                        result);
  }
  const host::TempDir temp("tinyforge-report-");
  pipeline::FeaturesRequest request{features, options.sample, options.stride_ms,
                                    temp.path() / "frames.bin"};
  const json info = pipeline::run_features(request);
  const std::vector<double> all = frame_values(host::read_file(request.output), info["dtype"]);
  int channels = 1;
  for (const auto& d : info["frame_shape"]) channels *= d.get<int>();
  const int frames = std::min<int>(info["frames"].get<int>(), kMaxSpectrogramFrames);
  const std::vector<double> shown(all.begin(),
                                  all.begin() + static_cast<size_t>(frames) * channels);
  page->embed_json("spectrogram", {{"sample", options.sample.string()},
                                   {"features", features.string()},
                                   {"frames", frames},
                                   {"channels", channels},
                                   {"dtype", info["dtype"]},
                                   {"values", shown}});
  return spectrogram_chart("Features of " + options.sample.filename().string(), shown, frames,
                           channels) +
         "<p>" + std::to_string(info["frames"].get<int>()) + " frames of " +
         std::to_string(channels) + " " + escape(info["dtype"].get<std::string>()) +
         " values from " + escape(features.filename().string()) + ", as the device computes them" +
         (info["frames"].get<int>() > frames ? "; the first " + std::to_string(frames) + " shown"
                                             : std::string()) +
         ".</p>";
}

fs::path default_model(const fs::path& run_dir) {
  for (const char* name : {"model_int8.tflite", "model_float.tflite", "train/model_float.tflite"}) {
    if (fs::is_regular_file(run_dir / name)) return run_dir / name;
  }
  throw host::Error(run_dir.string() +
                    ": no model_int8.tflite or model_float.tflite; name the model with --model");
}

}  // namespace

const std::vector<std::string>& report_sections() {
  static const std::vector<std::string> sections = {"overview",     "training",    "evaluation",
                                                    "quantization", "graph",       "memory",
                                                    "profile",      "spectrogram", "detections"};
  return sections;
}

ReportResult write_report(const ReportOptions& options, const fs::path& output) {
  if (!fs::is_directory(options.run_dir))
    throw host::Error(options.run_dir.string() + ": not a directory (expected a run directory)");
  ReportResult result;
  result.output = output;
  const fs::path model_path =
      options.model.empty() ? default_model(options.run_dir) : options.model;
  const host::ModelFile file(model_path);
  Source inspect{
      "inspect",
      host::report_json(host::make_report(
          file,
          options.board.empty() ? KernelSet::kReference : deploy::board_info(options.board).kernels,
          options.board)),
      true};

  const auto log = read_log(options.run_dir);
  std::vector<Source> evals;
  for (const auto& names :
       std::vector<std::vector<std::string>>{{"float.json", "train.json", "train/train.json"},
                                             {"int8_host.json", "int8.json"},
                                             {"int8_device.json"}}) {
    if (auto source = read_json(options.run_dir, names)) evals.push_back(*source);
  }
  const auto errors =
      options.layer_errors.empty()
          ? read_json(options.run_dir, {"int8_layer_errors.json", "layer_errors.json"})
          : read_json(options.layer_errors.parent_path(),
                      {options.layer_errors.filename().string()});
  const auto deploy_json = read_json(options.run_dir, {"deploy.json"});
  auto profile = read_json(options.run_dir, {"profile.json"});
  if (!profile && !options.board.empty() && options.profile_on_board)
    profile = profile_on_board(file, model_path, options.board);

  const std::optional<Source>& profile_const = profile;
  Page page("tinyforge report: " + model_path.filename().string());
  std::ostringstream overview;
  overview << "<table><tbody><tr><th>model</th><td>" << escape(model_path.string())
           << "</td></tr><tr><th>bytes</th><td class=\"num\">" << file.bytes().size()
           << "</td></tr><tr><th>run directory</th><td>" << escape(options.run_dir.string())
           << "</td></tr>";
  if (!options.board.empty())
    overview << "<tr><th>board</th><td>" << escape(options.board) << "</td></tr>";
  overview << "</tbody></table>";
  page.section("overview", "Overview", overview.str());
  page.section("training", "Training", training_section(log, &result));
  page.section("evaluation", "Evaluation", evaluation_section(evals, &result));
  page.section("quantization", "Quantization error per layer",
               quantization_section(errors, &result));
  page.section("graph", "Model graph", graph_section(inspect));
  page.section("memory", "Memory",
               memory_timeline(file) + budget_table(inspect, deploy_json) +
                   (deploy_json ? ""
                                : "<p class=\"missing\">Flash and RAM against the board's "
                                  "budget: deploy.json (tinyforge deploy --json) not found.</p>"));
  page.section("profile", "Instructions per operator", profile_section(profile, &result));
  page.section("spectrogram", "Spectrogram of a sample",
               spectrogram_section(options, &page, &result));
  page.section("detections", "Sample detections",
               detection_samples(model_path, options.run_dir, &result.missing));

  for (const std::optional<Source>* source : {&log, &errors, &deploy_json, &profile_const}) {
    if (*source && !(*source)->embedded) result.sources.push_back((*source)->name);
  }
  for (const auto& e : evals) result.sources.push_back(e.name);
  page.embed_json("inspect", inspect.doc);
  if (profile && profile->embedded) page.embed_json("profile", profile->doc);
  const std::string html = page.html();
  host::write_file(output, html.data(), html.size());
  result.bytes = html.size();
  result.sections = report_sections();
  return result;
}

}  // namespace tinyforge::report
