#include "TinyforgeModel.h"

#include "model_data.h"
#include "tinyforge_config.h"

namespace {

// The runtime reads the model in place and keeps every tensor here: sized by the exporter for the
// largest of the kernel sets a Cortex-M core may register (reference, DSP, MVE).
alignas(16) uint8_t g_arena[TINYFORGE_ARENA_BYTES];

int32_t round_to_int(float value) {
  return static_cast<int32_t>(value < 0 ? value - 0.5f : value + 0.5f);
}

int32_t clamp(int32_t value, int32_t low, int32_t high) {
  return value < low ? low : (value > high ? high : value);
}

}  // namespace

bool TinyforgeModel::begin() {
  ready_ = false;
  if (model_.load(g_model, g_model_len) != tinyforge::Status::kOk) {
    error_ = model_.error();
    return false;
  }
  if (interpreter_.init(model_, g_arena, sizeof(g_arena)) != tinyforge::Status::kOk) {
    error_ = interpreter_.error();
    return false;
  }
  error_ = "";
  ready_ = true;
  return true;
}

bool TinyforgeModel::invoke() {
  if (!ready_) return false;
  if (interpreter_.invoke() != tinyforge::Status::kOk) {
    error_ = interpreter_.error();
    return false;
  }
  return true;
}

tinyforge::TensorView TinyforgeModel::input(int index) const {
  return ready_ ? interpreter_.input(index) : tinyforge::TensorView();
}

tinyforge::TensorView TinyforgeModel::output(int index) const {
  return ready_ ? interpreter_.output(index) : tinyforge::TensorView();
}

int TinyforgeModel::num_inputs() const { return ready_ ? interpreter_.num_inputs() : 0; }

int TinyforgeModel::num_outputs() const { return ready_ ? interpreter_.num_outputs() : 0; }

bool TinyforgeModel::set_input(int32_t element, float value, int index) {
  if (!ready_ || index < 0 || index >= num_inputs()) return false;
  const tinyforge::TensorView t = interpreter_.input(index);
  if (element < 0 || element >= t.elements()) return false;
  using tinyforge::DataType;
  if (t.type == DataType::kFloat32) {
    static_cast<float*>(t.data)[element] = value;
    return true;
  }
  const float scale = t.scale() != 0.0f ? t.scale() : 1.0f;
  const int32_t q = round_to_int(value / scale) + t.zero_point();
  if (t.type == DataType::kInt8) {
    static_cast<int8_t*>(t.data)[element] = static_cast<int8_t>(clamp(q, -128, 127));
  } else if (t.type == DataType::kInt16) {
    static_cast<int16_t*>(t.data)[element] = static_cast<int16_t>(clamp(q, -32768, 32767));
  } else if (t.type == DataType::kUInt8) {
    static_cast<uint8_t*>(t.data)[element] = static_cast<uint8_t>(clamp(q, 0, 255));
  } else {
    return false;
  }
  return true;
}

float TinyforgeModel::output_value(int32_t element, int index) const {
  if (!ready_ || index < 0 || index >= num_outputs()) return 0.0f;
  const tinyforge::TensorView t = interpreter_.output(index);
  if (element < 0 || element >= t.elements()) return 0.0f;
  using tinyforge::DataType;
  int32_t q = 0;
  switch (t.type) {
    case DataType::kFloat32:
      return static_cast<const float*>(t.data)[element];
    case DataType::kInt8:
      q = static_cast<const int8_t*>(t.data)[element];
      break;
    case DataType::kInt16:
      q = static_cast<const int16_t*>(t.data)[element];
      break;
    case DataType::kUInt8:
      q = static_cast<const uint8_t*>(t.data)[element];
      break;
    case DataType::kInt32:
      q = static_cast<const int32_t*>(t.data)[element];
      break;
    default:
      return 0.0f;
  }
  return t.num_scales > 0 ? (q - t.zero_point()) * t.scale() : static_cast<float>(q);
}

int32_t TinyforgeModel::top_index(int index) const {
  if (!ready_ || index < 0 || index >= num_outputs()) return -1;
  const int32_t n = static_cast<int32_t>(interpreter_.output(index).elements());
  int32_t best = 0;
  for (int32_t i = 1; i < n; ++i) {
    if (output_value(i, index) > output_value(best, index)) best = i;
  }
  return n > 0 ? best : -1;
}

const char* TinyforgeModel::label(int32_t element) {
#if TINYFORGE_MODEL_HAS_LABELS
  if (element >= 0 && static_cast<uint32_t>(element) < g_model_num_labels) {
    return g_model_labels[element];
  }
#else
  (void)element;
#endif
  return "";
}

size_t TinyforgeModel::arena_bytes() { return sizeof(g_arena); }
