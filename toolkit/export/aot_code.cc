#include "toolkit/export/aot_code.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>

#include "kernels/activations_common.h"
#include "kernels/arm/fallback.h"
#include "kernels/binary_common.h"
#include "kernels/conv_common.h"
#include "kernels/fully_connected_common.h"
#include "kernels/kernel.h"
#include "kernels/lstm_common.h"
#include "kernels/mve/state.h"
#include "kernels/pool_common.h"
#include "kernels/quantize_common.h"
#include "kernels/tconv_svdf_common.h"
#include "toolkit/export/c_array.h"
#include "toolkit/host/error.h"

namespace tinyforge::host {
namespace fs = std::filesystem;

namespace {

// Integer literals that parse back to the same value and type in any context (INT32_MIN and
// INT64_MIN have no literal of their own).
std::string int_literal(int64_t v) {
  if (v == INT64_MIN) return "(-9223372036854775807LL - 1)";
  if (v < INT32_MIN || v > INT32_MAX) return std::to_string(v) + "LL";
  if (v == INT32_MIN) return "(-2147483647 - 1)";
  return std::to_string(v);
}

// Exact: hexadecimal floating literals keep every bit.
std::string float_literal(float f) {
  if (std::isinf(f)) return f < 0 ? "-__builtin_inff()" : "__builtin_inff()";
  if (std::isnan(f)) return "__builtin_nanf(\"\")";
  char text[64];
  std::snprintf(text, sizeof(text), "%af", static_cast<double>(f));
  return text;
}

std::string bool_literal(bool b) { return b ? "true" : "false"; }

template <typename T>
T load(const void* p, size_t i = 0) {
  T v;
  std::memcpy(&v, static_cast<const uint8_t*>(p) + i * sizeof(T), sizeof(T));
  return v;
}

// A comma-separated list of `count` values of type T read from `data`, 16 to a line.
template <typename T>
std::string values(const void* data, size_t count) {
  std::string text;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) text += (i % 16 == 0) ? ",\n    " : ", ";
    if constexpr (std::is_same_v<T, float>) {
      text += float_literal(load<float>(data, i));
    } else {
      text += int_literal(static_cast<int64_t>(load<T>(data, i)));
    }
  }
  return text;
}

// The C++ element type and the values of a constant tensor's data.
struct TypedData {
  const char* type;
  std::string values;
};

TypedData typed_data(const TensorView& t) {
  const size_t n = static_cast<size_t>(t.elements());
  switch (t.type) {
    case DataType::kFloat32:
      return {"float", values<float>(t.data, n)};
    case DataType::kInt32:
      return {"int32_t", values<int32_t>(t.data, n)};
    case DataType::kUInt8:
      return {"uint8_t", values<uint8_t>(t.data, n)};
    case DataType::kInt64:
      return {"int64_t", values<int64_t>(t.data, n)};
    case DataType::kBool:
      return {"uint8_t", values<uint8_t>(t.data, n)};
    case DataType::kInt16:
      return {"int16_t", values<int16_t>(t.data, n)};
    case DataType::kInt8:
      return {"int8_t", values<int8_t>(t.data, n)};
    case DataType::kUInt16:
      return {"uint16_t", values<uint16_t>(t.data, n)};
    case DataType::kUInt32:
      return {"uint32_t", values<uint32_t>(t.data, n)};
    default:
      return {nullptr, ""};
  }
}

const char* dtype_enumerator(DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return "kFloat32";
    case DataType::kFloat16:
      return "kFloat16";
    case DataType::kInt32:
      return "kInt32";
    case DataType::kUInt8:
      return "kUInt8";
    case DataType::kInt64:
      return "kInt64";
    case DataType::kString:
      return "kString";
    case DataType::kBool:
      return "kBool";
    case DataType::kInt16:
      return "kInt16";
    case DataType::kInt8:
      return "kInt8";
    case DataType::kUInt64:
      return "kUInt64";
    case DataType::kUInt32:
      return "kUInt32";
    case DataType::kUInt16:
      return "kUInt16";
    case DataType::kNone:
      return "kNone";
  }
  return "kNone";
}

// Which registration list a kernel comes from, as the runtime's CMake names their symbols.
const char* registration_prefix(const KernelRegistration* kernel, int32_t code) {
  if (kernel == find_kernel_in(code, KernelSet::kReference)) return "kKernel_";
  if (kernel == find_kernel_in(code, KernelSet::kArmDsp)) return "kDspKernel_";
  return "kMveKernel_";
}

// Operator name -> the header defining its reference kernel's state ("" for none).
const std::map<std::string, std::string>& state_types();

class Generator {
 public:
  Generator(const ModelFile& file, const AotOptions& options, const uint8_t* base,
            const Interpreter& interpreter)
      : model_(file.model()), options_(options), base_(base), interpreter_(interpreter) {}

  AotCode run();

  // Emits `const TYPE NAME[]` holding `count` values (in the model section: constant data the
  // model carries, as its flatbuffer would) and returns NAME.
  std::string constant_array(const std::string& name, const char* type, const std::string& body,
                             size_t alignment = 4) {
    data_ << "alignas(" << alignment << ") const " << type << " " << name
          << "[] TINYFORGE_AOT_DATA = {\n    " << body << "};\n";
    return name;
  }

  // The ChannelMultipliers block of `channels` channels at `block` (null: none), as an int32 array.
  std::string multipliers(int op, const int32_t* block, int64_t channels) {
    if (block == nullptr) return "nullptr";
    const size_t words = (ChannelMultipliers::bytes(channels) + 3) / 4;
    const std::string name = "kMultipliers" + std::to_string(op);
    constant_array(name, "int32_t", values<int32_t>(block, words));
    return "const_cast<int32_t*>(" + name + ")";
  }

  std::string geometry(const conv::Geometry& g) {
    std::ostringstream s;
    s << "{" << g.batches << ", " << g.in_h << ", " << g.in_w << ", " << g.filter_h << ", "
      << g.filter_w << ", " << g.out_h << ", " << g.out_w << ", " << g.stride_h << ", "
      << g.stride_w << ", " << g.dilation_h << ", " << g.dilation_w << ", " << g.pad_h << ", "
      << g.pad_w << "}";
    return s.str();
  }

  std::string quant_params(int op, const conv::QuantParams& q, int32_t channels) {
    std::ostringstream s;
    s << "{" << int_literal(q.input_offset) << ", " << int_literal(q.output_offset) << ", "
      << int_literal(q.act_min) << ", " << int_literal(q.act_max) << ", "
      << float_literal(q.act_min_f) << ", " << float_literal(q.act_max_f) << ", "
      << multipliers(op, q.multiplier_block, channels) << "}";
    return s.str();
  }

  std::string multiplier(const QuantizedMultiplier& m) {
    return "{" + int_literal(m.multiplier) + ", " + int_literal(m.shift) + "}";
  }

  // Defines `constexpr TYPE NAME = INITIALIZER;` among the parameters.
  void parameter(const std::string& type, const std::string& name, const std::string& initializer) {
    params_ << "constexpr " << type << " " << name << " = " << initializer << ";\n";
  }

 private:
  std::string tensor(int index);
  std::string reference_state(int op, int32_t code, const void* state, int32_t* channels);
  std::string state(int op, int32_t code, const KernelRegistration* kernel);
  std::string arena_pointer(const void* p, size_t bytes);

  const Model& model_;
  const AotOptions& options_;
  const uint8_t* base_;
  const Interpreter& interpreter_;
  size_t arena_end_ = 0;
  std::map<int, std::string> tensors_;
  std::ostringstream data_;    // constant tensors and arrays (model section)
  std::ostringstream views_;   // tensor views
  std::ostringstream params_;  // operator parameters and operand tables
  std::ostringstream body_;    // invoke()
  std::ostringstream reset_;   // reset_state()
};

std::string Generator::arena_pointer(const void* p, size_t bytes) {
  if (p == nullptr) return "nullptr";
  const auto offset = static_cast<size_t>(static_cast<const uint8_t*>(p) - base_);
  arena_end_ = std::max(arena_end_, offset + bytes);
  return "g_arena + " + std::to_string(offset);
}

std::string Generator::tensor(int index) {
  if (index < 0) return "nullptr";
  const auto found = tensors_.find(index);
  if (found != tensors_.end()) return found->second;
  const std::string id = std::to_string(index);
  const TensorView model_view = model_.tensor(index);
  const TensorView t = interpreter_.tensor(index);
  std::ostringstream dims;
  for (int d = 0; d < t.rank; ++d) dims << (d ? ", " : "") << t.dims[d];
  std::string dims_name = "nullptr";
  if (t.rank > 0) {
    dims_name = "kDims" + id;
    views_ << "constexpr int32_t " << dims_name << "[] = {" << dims.str() << "};\n";
  }
  std::string data = "nullptr";
  if (t.is_constant) {
    const TypedData typed = typed_data(t);
    if (typed.type == nullptr) {
      throw Error(std::string("tensor ") + id + " '" + t.name + "': constant " +
                  dtype_name(t.type) + " data is not supported by AOT compilation");
    }
    const std::string name = constant_array("kData" + id, typed.type, typed.values, 16);
    data = "const_cast<" + std::string(typed.type) + "*>(" + name + ")";
  } else if (t.is_variable) {
    // State that outlives an invoke(): its own array, set by reset_state() as the interpreter's.
    const std::string name = "g_variable" + id;
    views_ << "alignas(16) uint8_t " << name << "[" << std::max<size_t>(t.bytes(), 1) << "];\n";
    reset_ << "  memset(" << name << ", "
           << (t.type == DataType::kInt8 ? model_view.zero_point() : 0) << ", " << t.bytes()
           << ");\n";
    data = name;
  } else {
    data = arena_pointer(t.data, t.bytes());
  }
  // Per-tensor quantization is kept (eval() may read it); per-channel scales served prepare() only.
  std::string scales = "nullptr", zero_points = "nullptr";
  int num_scales = 0, num_zero_points = 0;
  if (model_view.num_scales == 1) {
    scales = "kScale" + id;
    num_scales = 1;
    views_ << "constexpr float " << scales << "[] = {" << float_literal(model_view.scale())
           << "};\n";
  }
  if (model_view.num_zero_points == 1) {
    zero_points = "kZeroPoint" + id;
    num_zero_points = 1;
    views_ << "constexpr uint8_t " << zero_points << "[] = {"
           << values<uint8_t>(model_view.zero_points_raw, 8) << "};\n";
  }
  const bool io = [&] {
    for (int i = 0; i < model_.num_inputs(); ++i)
      if (model_.input_tensor(i) == index) return true;
    for (int i = 0; i < model_.num_outputs(); ++i)
      if (model_.output_tensor(i) == index) return true;
    return false;
  }();
  std::string name = "\"\"";
  if (io) {
    name = "\"";
    for (const char* c = t.name; *c != '\0'; ++c) {
      if (*c == '"' || *c == '\\') name += '\\';
      name += (*c >= 32 && *c < 127) ? *c : '_';
    }
    name += "\"";
  }
  const std::string view = "kTensor" + id;
  views_ << "constexpr TensorView " << view << " = {DataType::" << dtype_enumerator(t.type) << ", "
         << t.rank << ", " << dims_name << ", " << data << ", " << name << ", " << scales << ", "
         << num_scales << ", " << zero_points << ", " << num_zero_points << ", "
         << (num_scales == 1 ? model_view.quantized_dimension : 0) << ", "
         << bool_literal(t.is_constant) << ", " << bool_literal(t.is_variable) << "};\n";
  tensors_[index] = "&" + view;
  return tensors_[index];
}

std::string Generator::reference_state(int op, int32_t code, const void* state, int32_t* channels) {
  const std::string name = "kReference" + std::to_string(op);
  const std::string opname = op_name(code);
  std::ostringstream s;
  if (opname == "CONV_2D") {
    const auto& d = *static_cast<const conv::ConvData*>(state);
    *channels = d.out_depth;
    s << "{" << geometry(d.g) << ", static_cast<conv::AccumKind>(" << static_cast<int>(d.kind)
      << "), " << d.in_depth << ", " << d.out_depth << ", " << d.filter_depth << ", "
      << d.out_per_group << ", " << quant_params(op, d.q, d.out_depth) << "}";
    parameter("conv::ConvData", name, s.str());
    return "const_cast<conv::ConvData*>(&" + name + ")";
  }
  if (opname == "DEPTHWISE_CONV_2D") {
    const auto& d = *static_cast<const conv::DepthwiseData*>(state);
    *channels = d.out_depth;
    s << "{" << geometry(d.g) << ", static_cast<conv::AccumKind>(" << static_cast<int>(d.kind)
      << "), " << d.in_depth << ", " << d.out_depth << ", " << d.depth_multiplier << ", "
      << quant_params(op, d.q, d.out_depth) << "}";
    parameter("conv::DepthwiseData", name, s.str());
    return "const_cast<conv::DepthwiseData*>(&" + name + ")";
  }
  if (opname == "FULLY_CONNECTED") {
    const auto& d = *static_cast<const fully_connected::FullyConnectedData*>(state);
    *channels = d.units;
    s << "{" << d.batches << ", " << d.depth << ", " << d.units << ", "
      << int_literal(d.input_offset) << ", " << int_literal(d.filter_offset) << ", "
      << int_literal(d.output_offset) << ", " << int_literal(d.act_min) << ", "
      << int_literal(d.act_max) << ", " << float_literal(d.act_min_f) << ", "
      << float_literal(d.act_max_f) << ", " << d.num_multipliers << ", "
      << multipliers(op, d.multiplier_block, d.num_multipliers) << "}";
    parameter("fully_connected::FullyConnectedData", name, s.str());
    return "const_cast<fully_connected::FullyConnectedData*>(&" + name + ")";
  }
  if (opname == "AVERAGE_POOL_2D" || opname == "MAX_POOL_2D") {
    const auto& d = *static_cast<const PoolData*>(state);
    *channels = d.depth;
    s << "{" << d.batches << ", " << d.in_h << ", " << d.in_w << ", " << d.depth << ", " << d.out_h
      << ", " << d.out_w << ", " << d.stride_h << ", " << d.stride_w << ", " << d.filter_h << ", "
      << d.filter_w << ", " << d.pad_h << ", " << d.pad_w << ", " << int_literal(d.act_min) << ", "
      << int_literal(d.act_max) << ", " << float_literal(d.act_min_f) << ", "
      << float_literal(d.act_max_f) << "}";
    parameter("PoolData", name, s.str());
    return "const_cast<PoolData*>(&" + name + ")";
  }
  if (opname == "ADD" || opname == "SUB") {
    const auto& d = *static_cast<const AddSubData*>(state);
    *channels = 0;
    auto list = [](const int64_t* v) {
      std::string text = "{";
      for (int i = 0; i < kMaxRank; ++i) text += (i ? ", " : "") + int_literal(v[i]);
      return text + "}";
    };
    s << "{{" << d.shape.rank << ", " << list(d.shape.dims) << ", " << list(d.shape.stride_a)
      << ", " << list(d.shape.stride_b) << "}, " << d.left_shift << ", "
      << int_literal(d.input1_offset) << ", " << int_literal(d.input2_offset) << ", "
      << int_literal(d.output_offset) << ", " << multiplier(d.input1_multiplier) << ", "
      << multiplier(d.input2_multiplier) << ", " << multiplier(d.output_multiplier) << ", "
      << int_literal(d.act_min) << ", " << int_literal(d.act_max) << ", "
      << float_literal(d.act_min_f) << ", " << float_literal(d.act_max_f) << "}";
    parameter("AddSubData", name, s.str());
    return "const_cast<AddSubData*>(&" + name + ")";
  }
  if (opname == "SOFTMAX") {
    const auto& d = *static_cast<const act::SoftmaxData*>(state);
    *channels = 0;
    auto lut = [&](const int16_t* table, const char* what) -> std::string {
      if (table == nullptr) return "nullptr";
      const std::string lut_name = std::string(what) + std::to_string(op);
      constant_array(lut_name, "int16_t", values<int16_t>(table, act::kLutSize));
      return "const_cast<int16_t*>(" + lut_name + ")";
    };
    s << "{" << d.outer << ", " << d.depth << ", " << float_literal(d.beta) << ", "
      << int_literal(d.input_multiplier) << ", " << d.input_left_shift << ", "
      << int_literal(d.diff_min) << ", " << lut(d.exp_lut, "kExpLut") << ", "
      << lut(d.reciprocal_lut, "kReciprocalLut") << "}";
    parameter("act::SoftmaxData", name, s.str());
    return "const_cast<act::SoftmaxData*>(&" + name + ")";
  }
  if (opname == "QUANTIZE") {
    const auto& d = *static_cast<const QuantizeData*>(state);
    s << "{" << d.size << ", " << float_literal(d.output_scale) << ", "
      << int_literal(d.input_zero_point) << ", " << int_literal(d.output_zero_point) << ", "
      << multiplier(d.multiplier) << "}";
    parameter("QuantizeData", name, s.str());
    return "const_cast<QuantizeData*>(&" + name + ")";
  }
  if (opname == "SVDF") {
    const auto& d = *static_cast<const SvdfData*>(state);
    s << "{" << d.batches << ", " << d.input_size << ", " << d.num_filters << ", " << d.num_units
      << ", " << d.rank << ", " << d.memory << ", static_cast<tflite::ActivationFunctionType>("
      << static_cast<int>(d.activation) << "), " << multiplier(d.feature_scale) << ", "
      << multiplier(d.output_scale) << ", " << int_literal(d.input_zero_point) << ", "
      << int_literal(d.state_zero_point) << ", " << int_literal(d.output_zero_point) << "}";
    parameter("SvdfData", name, s.str());
    return "const_cast<SvdfData*>(&" + name + ")";
  }
  if (opname == "UNIDIRECTIONAL_SEQUENCE_LSTM") {
    const auto& d = *static_cast<const lstm::LstmData*>(state);
    s << "{DataType::" << dtype_enumerator(d.type) << ", " << bool_literal(d.time_major) << ", "
      << d.batches << ", " << d.time_steps << ", " << d.input_size << ", " << d.state_size << ", {";
    for (int g = 0; g < 4; ++g) {
      const lstm::GateParams& p = d.gates[g];
      s << (g ? ", " : "") << "{" << multiplier(p.input_multiplier) << ", "
        << multiplier(p.recurrent_multiplier) << ", " << int_literal(p.input_weight_offset) << ", "
        << int_literal(p.recurrent_weight_offset) << "}";
    }
    s << "}, " << int_literal(d.input_offset) << ", " << int_literal(d.hidden_offset) << ", "
      << int_literal(d.hidden_zero_point) << ", " << int_literal(d.hidden_min) << ", "
      << int_literal(d.hidden_max) << ", " << multiplier(d.forget_cell_multiplier) << ", "
      << multiplier(d.input_cell_multiplier) << ", " << multiplier(d.hidden_multiplier) << ", {"
      << int_literal(d.cell_tanh.multiplier) << ", " << d.cell_tanh.shift << "}, "
      << bool_literal(d.clip_cell) << ", " << d.quantized_cell_clip << ", "
      << float_literal(d.cell_clip) << "}";
    parameter("lstm::LstmData", name, s.str());
    return "const_cast<lstm::LstmData*>(&" + name + ")";
  }
  throw Error("operator #" + std::to_string(op) + " " + opname +
              ": no AOT code generator for its parameters");
}

std::string Generator::state(int op, int32_t code, const KernelRegistration* kernel) {
  const void* persistent = interpreter_.op_persistent(op);
  if (persistent == nullptr) return "nullptr";
  const std::string prefix = registration_prefix(kernel, code);
  int32_t channels = 0;
  if (prefix == std::string("kKernel_")) {
    return reference_state(op, code, persistent, &channels);
  }
  const auto& header = *static_cast<const fast::FallbackHeader*>(persistent);
  const std::string reference = reference_state(op, code, header.reference_state, &channels);
  const std::string fallback = "{" + reference + ", " + bool_literal(header.use_fast_path) + ", " +
                               bool_literal(header.short_accumulators) + "}";
  const std::string name = "kState" + std::to_string(op);
  if (prefix == std::string("kDspKernel_")) {
    parameter("fast::FallbackHeader", name, fallback);
  } else {
    const auto& mve = *static_cast<const mve::MveHeader*>(persistent);
    std::string corrected = "nullptr", input_channel = "nullptr";
    if (mve.corrected_bias != nullptr) {
      corrected = "const_cast<int32_t*>(" +
                  constant_array("kCorrectedBias" + std::to_string(op), "int32_t",
                                 values<int32_t>(mve.corrected_bias, channels)) +
                  ")";
    }
    if (mve.input_channel != nullptr) {
      input_channel = "const_cast<uint16_t*>(" +
                      constant_array("kInputChannel" + std::to_string(op), "uint16_t",
                                     values<uint16_t>(mve.input_channel, channels)) +
                      ")";
    }
    parameter("mve::MveHeader", name,
              "{" + fallback + ", " + corrected + ", " + input_channel + "}");
  }
  return "const_cast<void*>(static_cast<const void*>(&" + name + "))";
}

AotCode Generator::run() {
  AotCode code;
  std::set<std::string> registrations;
  for (int position = 0; position < model_.num_operators(); ++position) {
    const int op = interpreter_.op_at(position);
    const int32_t opcode = model_.op_code(op);
    const std::string opname = op_name(opcode);
    const auto& supported = aot_supported_ops();
    if (std::find(supported.begin(), supported.end(), opname) == supported.end()) {
      std::string list;
      for (const auto& s : supported) list += (list.empty() ? "" : ", ") + s;
      throw Error("operator #" + std::to_string(op) + " " + opname +
                  " is not supported by AOT compilation (supported: " + list +
                  "); run the model with the interpreter instead (without --aot)");
    }
    const KernelRegistration* kernel = find_kernel_in(opcode, options_.kernels);
    code.ops.insert(opname);
    const std::string registration = registration_prefix(kernel, opcode) + opname;
    registrations.insert(registration);
    std::string views;
    const int inputs = model_.op_num_inputs(op), outputs = model_.op_num_outputs(op);
    for (int i = 0; i < inputs; ++i) views += (i ? ", " : "") + tensor(model_.op_input(op, i));
    for (int i = 0; i < outputs; ++i) views += ", " + tensor(model_.op_output(op, i));
    const std::string id = std::to_string(op);
    const std::string persistent = state(op, opcode, kernel);
    params_ << "constexpr const TensorView* kViews" << id << "[] = {" << views << "};\n"
            << "constexpr OperandTable kOperands" << id << " = {kViews" << id << ", " << inputs
            << ", " << outputs << "};\n";
    // The scratch buffer's size is not kept; the plan reserved it up to the next tensor.
    const std::string scratch = arena_pointer(interpreter_.op_scratch(op), 0);
    body_ << "  {  // operator #" << op << " " << opname << "\n"
          << "    EvalContext ctx(kOperands" << id << ", &g_error, " << persistent << ", "
          << scratch << ");\n"
          << "    const Status status = " << registration << ".eval(ctx);\n"
          << "    if (status != Status::kOk) return status;\n"
          << "  }\n";
  }
  for (int t = 0; t < model_.num_tensors(); ++t) {
    const DataType type = model_.tensor(t).type;
    if (type == DataType::kFloat32) code.dtypes.insert("float32");
    if (type == DataType::kInt16) code.dtypes.insert("int16");
  }
  std::string inputs, outputs;
  for (int i = 0; i < model_.num_inputs(); ++i)
    inputs += (i ? ", " : "") + tensor(model_.input_tensor(i));
  for (int i = 0; i < model_.num_outputs(); ++i)
    outputs += (i ? ", " : "") + tensor(model_.output_tensor(i));
  const ArenaUsage& usage = interpreter_.arena_usage();
  code.arena_bytes = (std::max(arena_end_, usage.planned_bytes) + 15) & ~size_t{15};
  if (code.arena_bytes == 0) code.arena_bytes = 16;

  const std::string& ns = options_.name;
  const std::string guard = "TINYFORGE_AOT_" + ns + "_H_";
  std::ostringstream h;
  h << "// Generated by tinyforge export aot from " << options_.label
    << "; do not edit (docs/aot.md).\n"
    << "#ifndef " << guard << "\n#define " << guard << "\n\n"
    << "#include <stddef.h>\n\n#include \"tinyforge/status.h\"\n#include \"tinyforge/tensor.h\"\n\n"
    << "namespace " << ns << " {\n\n"
    << "// Activations and scratch buffers, planned on the host (a static array in " << ns
    << ".cc).\n"
    << "constexpr size_t kArenaBytes = " << code.arena_bytes << ";\n"
    << "constexpr int kNumInputs = " << model_.num_inputs() << ";\n"
    << "constexpr int kNumOutputs = " << model_.num_outputs() << ";\n\n"
    << "// Input and output i (dtype, shape, quantization); data points into the arena.\n"
    << "const tinyforge::TensorView& input(int i);\n"
    << "const tinyforge::TensorView& output(int i);\n"
    << "// Runs every operator once: fill the inputs first. The arena is reused, so inputs are\n"
    << "// overwritten.\n"
    << "tinyforge::Status invoke();\n"
    << "// Puts stateful operators' memory back to its start (as the interpreter's init() and\n"
    << "// reset_state()); the state is undefined before the first call.\n"
    << "void reset_state();\n"
    << "// Why the last invoke() failed.\n"
    << "const char* error();\n\n"
    << "}  // namespace " << ns << "\n\n#endif  // " << guard << "\n";
  code.header = h.str();

  std::ostringstream c;
  c << "// Generated by tinyforge export aot from " << options_.label << " for the "
    << (options_.kernels == KernelSet::kArmMve   ? "arm_mve"
        : options_.kernels == KernelSet::kArmDsp ? "arm_dsp"
                                                 : "reference")
    << " kernels; do not edit (docs/aot.md).\n"
    << "// Build with the runtime compiled with TINYFORGE_AOT=1 (firmware/cmake/targets.cmake).\n"
    << "#include \"" << ns << ".h\"\n\n"
    << "#include <stdint.h>\n#include <string.h>\n\n";
  std::set<std::string> headers = {"kernels/kernel.h"};
  for (const auto& op : code.ops) {
    const auto found = state_types().find(op);
    if (found != state_types().end() && !found->second.empty()) headers.insert(found->second);
  }
  if (options_.kernels == KernelSet::kArmMve) headers.insert("kernels/mve/state.h");
  if (options_.kernels != KernelSet::kReference) headers.insert("kernels/arm/fallback.h");
  for (const auto& header : headers) c << "#include \"" << header << "\"\n";
  c << "\n// Constant data lives with the model's bytes (flash, counted as model data).\n"
    << "#define TINYFORGE_AOT_DATA __attribute__((section(\".tinyforge_model\")))\n\n"
    << "namespace tinyforge {\n";
  for (const auto& r : registrations) c << "extern const KernelRegistration " << r << ";\n";
  c << "}  // namespace tinyforge\n\n"
    << "namespace " << ns << " {\nnamespace {\n\nusing namespace tinyforge;\n\n"
    << "alignas(16) uint8_t g_arena[kArenaBytes];\nErrorMessage g_error;\n\n"
    << data_.str() << "\n"
    << views_.str() << "\n"
    << params_.str() << "\n"
    << "constexpr const TensorView* kInputs[] = {" << inputs << "};\n"
    << "constexpr const TensorView* kOutputs[] = {" << outputs << "};\n\n"
    << "}  // namespace\n\n"
    << "const TensorView& input(int i) { return *kInputs[i]; }\n"
    << "const TensorView& output(int i) { return *kOutputs[i]; }\n"
    << "const char* error() { return g_error.c_str(); }\n\n"
    << "void reset_state() {\n"
    << reset_.str() << "}\n\n"
    << "Status invoke() {\n"
    << body_.str() << "  return Status::kOk;\n}\n\n"
    << "}  // namespace " << ns << "\n";
  code.source = c.str();
  return code;
}

const std::map<std::string, std::string>& state_types() {
  static const std::map<std::string, std::string> types = {
      {"CONV_2D", "kernels/conv_common.h"},
      {"DEPTHWISE_CONV_2D", "kernels/conv_common.h"},
      {"FULLY_CONNECTED", "kernels/fully_connected_common.h"},
      {"AVERAGE_POOL_2D", "kernels/pool_common.h"},
      {"MAX_POOL_2D", "kernels/pool_common.h"},
      {"ADD", "kernels/binary_common.h"},
      {"SUB", "kernels/binary_common.h"},
      {"SOFTMAX", "kernels/activations_common.h"},
      {"QUANTIZE", "kernels/quantize_common.h"},
      {"SVDF", "kernels/tconv_svdf_common.h"},
      {"UNIDIRECTIONAL_SEQUENCE_LSTM", "kernels/lstm_common.h"},
      {"RESHAPE", ""},
      {"SQUEEZE", ""},
      {"EXPAND_DIMS", ""},
  };
  return types;
}

}  // namespace

const std::vector<std::string>& aot_supported_ops() {
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> names;
    for (const auto& [name, header] : state_types()) names.push_back(name);
    return names;
  }();
  return ops;
}

AotCode generate_aot(const ModelFile& file, const AotOptions& options) {
  if (!is_valid_c_identifier(options.name)) {
    throw Error("--name '" + options.name + "': not a valid C++ identifier");
  }
  const Model& model = file.model();
  PlanOptions plan;
  plan.kernels = options.kernels;
  // The generated invoke() runs whole operators; patch stages (the interpreter's banded execution
  // of the first layers) are not generated yet, so the plan must not assume them.
  plan.patches = false;
  const ArenaUsage usage = plan_arena(model, plan);
  AlignedBytes arena(usage.total_bytes);
  Interpreter interpreter;
  if (interpreter.init(model, arena.data(), arena.size(), plan) != Status::kOk) {
    throw Error(file.label() + ": " + interpreter.error());
  }
  // The interpreter aligns the arena's start to 16 bytes; AlignedBytes already is.
  AotOptions named = options;
  if (named.label.empty()) named.label = fs::path(file.label()).filename().string();
  try {
    Generator generator(file, named, arena.data(), interpreter);
    return generator.run();
  } catch (const Error& e) {
    throw Error(file.label() + ": " + e.what());
  }
}

std::vector<fs::path> export_aot(const fs::path& model, const fs::path& dir,
                                 const AotOptions& options, AotCode* code_out) {
  const ModelFile file(model);
  AotOptions named = options;
  if (named.label.empty()) named.label = model.filename().string();
  const AotCode code = generate_aot(file, named);
  fs::create_directories(dir);
  const fs::path header = dir / (options.name + ".h");
  const fs::path source = dir / (options.name + ".cc");
  for (const auto& [path, text] :
       {std::pair{header, code.header}, std::pair{source, code.source}}) {
    const bool same = fs::exists(path) && [&] {
      const auto bytes = read_file(path);
      return std::string(bytes.begin(), bytes.end()) == text;
    }();
    if (!same) write_file(path, text.data(), text.size());
  }
  if (code_out != nullptr) *code_out = code;
  return {header, source};
}

}  // namespace tinyforge::host
