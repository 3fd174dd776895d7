#include "toolkit/inspect/model_report.h"

#include <algorithm>
#include <sstream>

#include "tflite_generated.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::host {
namespace {

using Op = tflite::BuiltinOperator;

std::string shape_text(const std::vector<int32_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

}  // namespace

int64_t operator_macs(const Model& model, int op_index) {
  const auto code = static_cast<Op>(model.op_code(op_index));
  auto input = [&](int i) { return model.tensor(model.op_input(op_index, i)); };
  const TensorView output = model.tensor(model.op_output(op_index, 0));
  switch (code) {
    case Op::CONV_2D: {  // each output element sums kh * kw * input channels products
      const TensorView filter = input(1);
      return output.elements() * filter.dim(1) * filter.dim(2) * filter.dim(3);
    }
    case Op::DEPTHWISE_CONV_2D: {
      const TensorView filter = input(1);
      return output.elements() * filter.dim(1) * filter.dim(2);
    }
    case Op::TRANSPOSE_CONV: {
      const TensorView filter = input(1), in = input(2);
      return in.elements() * filter.dim(0) * filter.dim(1) * filter.dim(2);
    }
    case Op::FULLY_CONNECTED: {
      const TensorView filter = input(1);
      return output.elements() * filter.dim(1);
    }
    case Op::BATCH_MATMUL: {
      const TensorView a = input(0);
      return output.elements() * a.dim(-1);
    }
    case Op::SVDF: {
      const TensorView features = input(1), time = input(2);
      const int64_t batches = input(0).dim(0);
      return batches * (features.elements() + time.elements());
    }
    case Op::UNIDIRECTIONAL_SEQUENCE_LSTM: {
      const TensorView in = input(0);
      const TensorView input_to_output = input(4), recurrent_to_output = input(8);
      const int64_t steps = in.elements() / in.dim(-1);
      return steps * 4 * (input_to_output.elements() + recurrent_to_output.elements());
    }
    default:
      return 0;
  }
}

ModelReport make_report(const Model& model, KernelSet device_kernels) {
  ModelReport report;
  report.device_kernels = device_kernels;
  for (int i = 0; i < model.num_inputs(); ++i) report.inputs.push_back(model.input_tensor(i));
  for (int i = 0; i < model.num_outputs(); ++i) report.outputs.push_back(model.output_tensor(i));
  for (int t = 0; t < model.num_tensors(); ++t) {
    const TensorView v = model.tensor(t);
    TensorReport tr{t,  v.name,        dtype_name(v.type), {},       {},
                    {}, v.is_constant, v.is_variable,      v.bytes()};
    for (int d = 0; d < v.rank; ++d) tr.shape.push_back(v.dims[d]);
    for (int s = 0; s < v.num_scales; ++s) {
      tr.scales.push_back(v.scale(s));
      tr.zero_points.push_back(v.zero_point(s));
    }
    if (v.is_constant) report.params += v.elements();
    report.tensors.push_back(std::move(tr));
  }
  for (int i = 0; i < model.num_operators(); ++i) {
    OperatorReport op{i,  op_name(model.op_code(i)), model.op_version(i), {},
                      {}, operator_macs(model, i)};
    for (int k = 0; k < model.op_num_inputs(i); ++k) op.inputs.push_back(model.op_input(i, k));
    for (int k = 0; k < model.op_num_outputs(i); ++k) op.outputs.push_back(model.op_output(i, k));
    report.macs += op.macs;
    report.operators.push_back(std::move(op));
  }
  if (!model.runnable()) return report;  // no kernels to ask for a memory plan
  report.arena = plan_arena(model, host_plan_options());
  report.device_arena = plan_device_arena(model, device_kernels);
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

nlohmann::json report_json(const ModelReport& report) {
  using nlohmann::json;
  json ops = json::array();
  for (const OperatorReport& op : report.operators) {
    ops.push_back({{"index", op.index},
                   {"op", op.name},
                   {"version", op.version},
                   {"inputs", op.inputs},
                   {"outputs", op.outputs},
                   {"macs", op.macs}});
  }
  auto tensor_json = [&](int index) {
    const TensorReport& t = report.tensors[index];
    json j = {{"index", t.index},
              {"name", t.name},
              {"dtype", t.dtype},
              {"shape", t.shape},
              {"bytes", t.bytes}};
    if (!t.scales.empty()) {
      j["scale"] = t.scales.size() == 1 ? json(t.scales[0]) : json(t.scales);
      j["zero_point"] = t.zero_points.size() == 1 ? json(t.zero_points[0]) : json(t.zero_points);
    }
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
  json result = {{"ops", ops},
                 {"inputs", inputs},
                 {"outputs", outputs},
                 {"tensors", tensors},
                 {"params", report.params},
                 {"macs", report.macs},
                 {"arena_bytes", report.arena.total_bytes},
                 {"arena_lower_bound_bytes", report.arena.live_set_bytes},
                 {"arena_planned_bytes", report.arena.planned_bytes},
                 {"arena_persistent_bytes", report.arena.persistent_bytes},
                 {"live_set_peak_op", report.arena.live_set_peak_op},
                 {"live_at_peak", report.live_at_peak},
                 {"device_arena_bytes", report.device_arena.total_bytes},
                 {"in_place_ops", report.arena.in_place_ops},
                 {"reordered", report.arena.reordered}};
  if (!report.cannot_run.empty()) {
    result["error"] = report.cannot_run;
    for (const char* key :
         {"arena_bytes", "arena_lower_bound_bytes", "arena_planned_bytes", "arena_persistent_bytes",
          "live_set_peak_op", "live_at_peak", "device_arena_bytes", "in_place_ops", "reordered"})
      result.erase(key);
  }
  return result;
}

std::string report_text(const ModelReport& report) {
  std::ostringstream out;
  out << "Operators (" << report.operators.size() << "):\n";
  for (const OperatorReport& op : report.operators) {
    out << "  #" << op.index << " " << op.name << " v" << op.version << "  in";
    for (int t : op.inputs) out << " " << t;
    out << "  out";
    for (int t : op.outputs) out << " " << t;
    if (op.macs > 0) out << "  MACs " << op.macs;
    out << "\n";
  }
  out << "Tensors (" << report.tensors.size() << "):\n";
  for (const TensorReport& t : report.tensors) {
    out << "  " << t.index << " " << t.dtype << shape_text(t.shape);
    if (t.scales.size() == 1) out << " scale " << t.scales[0] << " zp " << t.zero_points[0];
    if (t.scales.size() > 1) out << " per-channel (" << t.scales.size() << " scales)";
    out << (t.constant ? " const" : "") << (t.variable ? " variable" : "") << "  '" << t.name
        << "'\n";
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
  out << "Parameters: " << report.params << "\nMACs: " << report.macs << "\n";
  if (!report.cannot_run.empty()) {
    out << "Cannot run: " << report.cannot_run << "\n";
    return out.str();
  }
  out << "Memory plan: arena " << report.arena.total_bytes << " bytes (activations and scratch "
      << report.arena.planned_bytes << ", persistent " << report.arena.persistent_bytes << "); on "
      << (report.device_name.empty() ? "a 32-bit device" : report.device_name) << " "
      << report.device_arena.total_bytes << " bytes\n";
  out << "In place: " << report.arena.in_place_ops << " operator(s)"
      << (report.arena.reordered ? "; operators reordered to lower the peak" : "") << "\n";
  out << "Live set: " << report.arena.live_set_bytes << " bytes at operator #"
      << report.arena.live_set_peak_op << "; live there:";
  for (int t : report.live_at_peak) {
    out << " " << t << "(" << report.tensors[t].bytes << "B)";
  }
  out << "\n";
  return out.str();
}

}  // namespace tinyforge::host
