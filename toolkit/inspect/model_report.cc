#include "toolkit/inspect/model_report.h"

#include <algorithm>
#include <sstream>

#include "tflite_generated.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/tflite/metadata_json.h"

namespace tinyforge::host {
namespace {

using Op = ::tflite::BuiltinOperator;

// The runtime's dtype name, or TFLite's (lower case) for a type this build cannot hold.
std::string dtype_text(DataType type) {
  if (dtype_size(type) > 0) return dtype_name(type);
  std::string name = ::tflite::EnumNameTensorType(static_cast<::tflite::TensorType>(type));
  if (name.empty()) return "type " + std::to_string(static_cast<int>(type));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string shape_text(const std::vector<int32_t>& shape) {
  std::string text = "[";
  // append(), not `(i ? "," : "") + std::to_string(...)`: GCC 12's -Wrestrict misfires there.
  for (size_t i = 0; i < shape.size(); ++i)
    text.append(i ? "," : "").append(std::to_string(shape[i]));
  return text + "]";
}

}  // namespace

int64_t operator_macs(const Model& model, int op_index) {
  const auto code = static_cast<Op>(model.op_code(op_index));
  // Operands and dimensions the operator does not have read as absent (0), never out of bounds.
  auto input = [&](int i) -> std::optional<TensorView> {
    if (i >= model.op_num_inputs(op_index) || model.op_input(op_index, i) < 0) return std::nullopt;
    return model.tensor(model.op_input(op_index, i));
  };
  auto dim = [](const std::optional<TensorView>& t, int d) -> int64_t {
    if (!t || d >= t->rank || d < -t->rank) return 0;
    return t->dim(d);
  };
  auto elements = [](const std::optional<TensorView>& t) -> int64_t {
    return t ? t->elements() : 0;
  };
  if (model.op_num_outputs(op_index) < 1) return 0;
  const int64_t out = model.tensor(model.op_output(op_index, 0)).elements();
  switch (code) {
    case Op::CONV_2D: {  // each output element sums kh * kw * input channels products
      const auto filter = input(1);
      return out * dim(filter, 1) * dim(filter, 2) * dim(filter, 3);
    }
    case Op::DEPTHWISE_CONV_2D: {
      const auto filter = input(1);
      return out * dim(filter, 1) * dim(filter, 2);
    }
    case Op::TRANSPOSE_CONV: {
      const auto filter = input(1);
      return elements(input(2)) * dim(filter, 0) * dim(filter, 1) * dim(filter, 2);
    }
    case Op::FULLY_CONNECTED:
      return out * dim(input(1), 1);
    case Op::BATCH_MATMUL:
      return out * dim(input(0), -1);
    case Op::SVDF:
      return dim(input(0), 0) * (elements(input(1)) + elements(input(2)));
    case Op::UNIDIRECTIONAL_SEQUENCE_LSTM: {
      const auto in = input(0);
      const int64_t width = dim(in, -1);
      const int64_t steps = width > 0 ? elements(in) / width : 0;
      return steps * 4 * (elements(input(4)) + elements(input(8)));
    }
    default:
      return 0;
  }
}

ModelReport make_report(const ModelFile& file, KernelSet device_kernels, const std::string& board) {
  const Model& model = file.model();
  ModelReport report;
  report.cannot_run = file.unrunnable_reason();
  for (int i = 0; i < model.num_inputs(); ++i) report.inputs.push_back(model.input_tensor(i));
  for (int i = 0; i < model.num_outputs(); ++i) report.outputs.push_back(model.output_tensor(i));
  for (int t = 0; t < model.num_tensors(); ++t) {
    const TensorView v = model.tensor(t);
    TensorReport tr{t,  v.name,        dtype_text(v.type), {}, {},
                    {}, v.is_constant, v.is_variable,      {}, {}};
    for (int d = 0; d < v.rank; ++d) tr.shape.push_back(v.dims[d]);
    for (int s = 0; s < v.num_scales; ++s) {
      tr.scales.push_back(v.scale(s));
      tr.zero_points.push_back(v.zero_point(s));
    }
    ErrorMessage why;
    if (model.check_tensor(t, &why) == Status::kOk) {
      tr.bytes = v.bytes();
    } else {
      tr.cannot_run = why.c_str();
    }
    if (v.is_constant) report.params += v.elements();
    report.tensors.push_back(std::move(tr));
  }
  for (int i = 0; i < model.num_operators(); ++i) {
    OperatorReport op{i, op_name(model.op_code(i)), model.op_version(i), {}, {}, {}, {}};
    for (int k = 0; k < model.op_num_inputs(i); ++k) op.inputs.push_back(model.op_input(i, k));
    for (int k = 0; k < model.op_num_outputs(i); ++k) op.outputs.push_back(model.op_output(i, k));
    // MACs read operand shapes, which only the operator's kernel has checked.
    ErrorMessage why;
    if (model.runnable() || model.check_operator(i, &why) == Status::kOk) {
      op.macs = operator_macs(model, i);
      report.macs += *op.macs;
    } else {
      op.cannot_run = why.c_str();
    }
    report.operators.push_back(std::move(op));
  }
  try {
    report.metadata = tflite::find_metadata_json(*model.flatbuffer(), file.bytes().data(),
                                                 file.bytes().size(), file.label());
  } catch (const Error& e) {
    report.metadata_error = e.what();
  }
  if (!model.runnable()) return report;  // no kernels to ask for a memory plan
  report.arena = plan_arena(model, host_plan_options());
  report.device_arena = device_arena(model, device_kernels, board);
  // Tensors live at the peak operator: produced at or before it, last read at or after it.
  const int peak = report.arena.live_set_peak_op;
  if (peak >= 0) {
    for (const TensorReport& t : report.tensors) {
      if (t.constant || t.variable) continue;
      int first = std::count(report.inputs.begin(), report.inputs.end(), t.index) ? 0 : INT32_MAX;
      int last = std::count(report.outputs.begin(), report.outputs.end(), t.index)
                     ? model.num_operators() - 1
                     : -1;
      for (const OperatorReport& op : report.operators) {
        for (int o : op.outputs)
          if (o == t.index) first = std::min(first, op.index);
        for (int in : op.inputs)
          if (in == t.index) last = std::max(last, op.index);
      }
      if (first <= peak && peak <= std::max(last, first)) report.live_at_peak.push_back(t.index);
    }
  }
  return report;
}

namespace {

// The metadata as JSON: the object it holds, or its text when that is not JSON.
nlohmann::json metadata_json(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? nlohmann::json(text) : j;
}

int cannot_run_count(const auto& items) {
  return static_cast<int>(std::count_if(items.begin(), items.end(),
                                        [](const auto& item) { return !item.cannot_run.empty(); }));
}

}  // namespace

nlohmann::json report_json(const ModelReport& report) {
  using nlohmann::json;
  auto optional = [](const auto& v) { return v ? json(*v) : json(nullptr); };
  json ops = json::array();
  for (const OperatorReport& op : report.operators) {
    json j = {{"index", op.index},   {"op", op.name},         {"version", op.version},
              {"inputs", op.inputs}, {"outputs", op.outputs}, {"macs", optional(op.macs)}};
    if (!op.cannot_run.empty()) j["cannot_run"] = op.cannot_run;
    ops.push_back(j);
  }
  auto tensor_json = [&](int index) {
    const TensorReport& t = report.tensors[index];
    json j = {{"index", t.index},
              {"name", t.name},
              {"dtype", t.dtype},
              {"shape", t.shape},
              {"bytes", optional(t.bytes)}};
    if (!t.scales.empty()) {
      j["scale"] = t.scales.size() == 1 ? json(t.scales[0]) : json(t.scales);
      j["zero_point"] = t.zero_points.size() == 1 ? json(t.zero_points[0]) : json(t.zero_points);
    }
    if (!t.cannot_run.empty()) j["cannot_run"] = t.cannot_run;
    return j;
  };
  json inputs = json::array(), outputs = json::array(), tensors = json::array();
  for (int t : report.inputs) inputs.push_back(tensor_json(t));
  for (int t : report.outputs) outputs.push_back(tensor_json(t));
  for (const TensorReport& t : report.tensors) {
    json j = tensor_json(t.index);
    j["constant"] = t.constant;
    j["variable"] = t.variable;
    tensors.push_back(j);
  }
  json result = {{"ops", ops},         {"inputs", inputs},        {"outputs", outputs},
                 {"tensors", tensors}, {"params", report.params}, {"macs", report.macs}};
  if (report.metadata) result["metadata"] = metadata_json(*report.metadata);
  if (!report.metadata_error.empty()) result["metadata_error"] = report.metadata_error;
  if (!report.cannot_run.empty()) {
    result["error"] = report.cannot_run;
    result["cannot_run_ops"] = cannot_run_count(report.operators);
    result["cannot_run_tensors"] = cannot_run_count(report.tensors);
    return result;
  }
  // arena_bytes (DESIGN.md) is the host interpreter's figure; host_arena_bytes names it.
  result.update({{"arena_bytes", report.arena.total_bytes},
                 {"host_arena_bytes", report.arena.total_bytes},
                 {"arena_lower_bound_bytes", report.arena.live_set_bytes},
                 {"arena_planned_bytes", report.arena.planned_bytes},
                 {"arena_persistent_bytes", report.arena.persistent_bytes},
                 {"live_set_peak_op", report.arena.live_set_peak_op},
                 {"live_at_peak", report.live_at_peak},
                 {"in_place_ops", report.arena.in_place_ops},
                 {"reordered", report.arena.reordered},
                 {"patch_ops", report.arena.patch_ops},
                 {"patch_first_op", report.arena.patch_first_op},
                 {"patch_tiles", report.arena.patch_tiles},
                 {"patch_moved_bytes", report.arena.patch_moved_bytes}});
  add_device_arena_json(result, report.device_arena);
  return result;
}

std::string report_text(const ModelReport& report) {
  std::ostringstream out;
  auto mark = [](const std::string& why) { return why.empty() ? "" : "  CANNOT RUN: " + why; };
  out << "Operators (" << report.operators.size() << "):\n";
  for (const OperatorReport& op : report.operators) {
    out << "  #" << op.index << " " << op.name << " v" << op.version << "  in";
    for (int t : op.inputs) out << " " << t;
    out << "  out";
    for (int t : op.outputs) out << " " << t;
    if (op.macs.value_or(0) > 0) out << "  MACs " << *op.macs;
    out << mark(op.cannot_run) << "\n";
  }
  out << "Tensors (" << report.tensors.size() << "):\n";
  for (const TensorReport& t : report.tensors) {
    out << "  " << t.index << " " << t.dtype << shape_text(t.shape);
    if (t.scales.size() == 1) out << " scale " << t.scales[0] << " zp " << t.zero_points[0];
    if (t.scales.size() > 1) out << " per-channel (" << t.scales.size() << " scales)";
    out << (t.constant ? " const" : "") << (t.variable ? " variable" : "") << "  '" << t.name << "'"
        << mark(t.cannot_run) << "\n";
  }
  auto list = [&](const char* what, const std::vector<int>& ids) {
    out << what << ":";
    for (int t : ids) {
      const TensorReport& tr = report.tensors[t];
      out << " " << t << " " << tr.dtype << shape_text(tr.shape);
    }
    out << "\n";
  };
  list("Inputs", report.inputs);
  list("Outputs", report.outputs);
  const int unknown_macs = static_cast<int>(std::count_if(
      report.operators.begin(), report.operators.end(), [](const auto& op) { return !op.macs; }));
  out << "Parameters: " << report.params << "\nMACs: " << report.macs;
  if (unknown_macs > 0) out << " (without the " << unknown_macs << " operator(s) it cannot run)";
  out << "\n";
  if (report.metadata) {
    const nlohmann::json j = metadata_json(*report.metadata);
    out << "Metadata (tinyforge):";
    if (!j.is_object()) out << " " << *report.metadata;
    out << "\n";
    for (auto it = j.begin(); j.is_object() && it != j.end(); ++it) {
      out << "  " << it.key() << ": "
          << (it->is_string() ? it->get_ref<const std::string&>()
                              : it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
          << "\n";
    }
  }
  if (!report.metadata_error.empty()) out << "Metadata: " << report.metadata_error << "\n";
  if (!report.cannot_run.empty()) {
    out << "Cannot run: " << report.cannot_run << "\n  (" << cannot_run_count(report.operators)
        << " operator(s) and " << cannot_run_count(report.tensors)
        << " tensor(s) this build cannot run are marked above)\n";
    return out.str();
  }
  out << "Arena: " << report.arena.total_bytes << " bytes in the " << host_arena_label()
      << " (activations and scratch " << report.arena.planned_bytes << ", persistent "
      << report.arena.persistent_bytes << "); " << report.device_arena.bytes << " bytes on a "
      << device_arena_label(report.device_arena) << "\n";
  out << "In place: " << report.arena.in_place_ops << " operator(s)"
      << (report.arena.reordered ? "; operators reordered to lower the peak" : "") << "\n";
  if (report.arena.patch_ops > 0) {
    out << "Patches: " << report.arena.patch_ops << " operators from #"
        << report.arena.patch_first_op << " in " << report.arena.patch_tiles
        << " bands of rows; no MAC repeated, " << report.arena.patch_moved_bytes
        << " bytes of overlapping rows moved per inference\n";
  }
  out << "Live set: " << report.arena.live_set_bytes << " bytes at operator #"
      << report.arena.live_set_peak_op << "; live there:";
  for (int t : report.live_at_peak) {
    out << " " << t << "(" << report.tensors[t].bytes.value_or(0) << "B)";
  }
  out << "\n";
  return out.str();
}

}  // namespace tinyforge::host
