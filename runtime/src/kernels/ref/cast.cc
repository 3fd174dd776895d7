// CAST between int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32 and bool, element
// by element with C++'s conversions (TFLite's static_cast): integers wrap to the narrower type.
// Float to integer truncates toward zero and, where TFLite's result is undefined (NaN, out of
// range), saturates (NaN gives 0).
#include <string.h>

#include "kernels/kernel.h"

namespace tinyforge {
namespace {

bool castable(DataType type) {
  switch (type) {
    case DataType::kInt8:
    case DataType::kUInt8:
    case DataType::kInt16:
    case DataType::kUInt16:
    case DataType::kInt32:
    case DataType::kUInt32:
    case DataType::kInt64:
    case DataType::kUInt64:
    case DataType::kBool:
      return true;
    case DataType::kFloat32:
      return kWithFloat32;
    default:
      return false;
  }
}

[[gnu::cold]] Status prepare(PrepareContext& ctx) {
  if (ctx.num_inputs() != 1 || ctx.num_outputs() != 1 || !ctx.input(0).present())
    return ctx.fail(Status::kMalformedModel, "expects one input and one output");
  const TensorView input = ctx.input(0), output = ctx.output(0);
  if (!castable(input.type) || !castable(output.type)) {
    ctx.fail(Status::kUnsupported, "cannot cast ");
    ctx.message().add(dtype_name(input.type)).add(" to ").add(dtype_name(output.type));
    return Status::kUnsupported;
  }
  if (input.elements() != output.elements())
    return ctx.fail(Status::kMalformedModel, "input and output element counts differ");
  return Status::kOk;
}

// One element, as an integer (its bits, for the 64-bit types) or a float.
struct Value {
  bool is_float;
  bool is_unsigned64;
  int64_t integer;
  float real;
};

template <typename T>
T load_as(const void* data, int64_t i) {
  T v;
  memcpy(&v, static_cast<const uint8_t*>(data) + i * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return v;
}

Value load(DataType type, const void* data, int64_t i) {
  switch (type) {
    case DataType::kInt8:
      return {false, false, load_as<int8_t>(data, i), 0};
    case DataType::kUInt8:
      return {false, false, load_as<uint8_t>(data, i), 0};
    case DataType::kBool:
      return {false, false, load_as<uint8_t>(data, i) != 0, 0};
    case DataType::kInt16:
      return {false, false, load_as<int16_t>(data, i), 0};
    case DataType::kUInt16:
      return {false, false, load_as<uint16_t>(data, i), 0};
    case DataType::kInt32:
      return {false, false, load_as<int32_t>(data, i), 0};
    case DataType::kUInt32:
      return {false, false, load_as<uint32_t>(data, i), 0};
    case DataType::kInt64:
      return {false, false, load_as<int64_t>(data, i), 0};
    case DataType::kUInt64:
      return {false, true, static_cast<int64_t>(load_as<uint64_t>(data, i)), 0};
    default:
      return {true, false, 0, load_as<float>(data, i)};
  }
}

// Float to an integer type with `bits` bits: truncated, saturated at the type's range.
int64_t float_to_integer(float f, int bits, bool is_signed) {
  if (!(f == f)) return 0;
  const double d = f;
  if (is_signed) {
    const double limit = static_cast<double>(uint64_t{1} << (bits - 1));  // exact in a double
    if (d <= -limit) return -static_cast<int64_t>((uint64_t{1} << (bits - 1)) - 1) - 1;
    if (d >= limit) return static_cast<int64_t>((uint64_t{1} << (bits - 1)) - 1);
    return static_cast<int64_t>(d);
  }
  if (d <= 0.0) return 0;
  const double limit =
      bits == 64 ? 18446744073709551616.0 : static_cast<double>(uint64_t{1} << bits);
  if (d >= limit)
    return static_cast<int64_t>(bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1);
  return static_cast<int64_t>(static_cast<uint64_t>(d));
}

template <typename T>
void store_as(void* data, int64_t i, T v) {
  memcpy(static_cast<uint8_t*>(data) + i * static_cast<int64_t>(sizeof(T)), &v, sizeof(T));
}

void store(DataType type, void* data, int64_t i, const Value& v) {
  if (type == DataType::kFloat32) {
    const float f = v.is_float        ? v.real
                    : v.is_unsigned64 ? static_cast<float>(static_cast<uint64_t>(v.integer))
                                      : static_cast<float>(v.integer);
    store_as<float>(data, i, f);
    return;
  }
  if (type == DataType::kBool) {
    store_as<uint8_t>(data, i, v.is_float ? v.real != 0.0f : v.integer != 0);
    return;
  }
  const size_t width = dtype_size(type);
  const bool is_signed = type == DataType::kInt8 || type == DataType::kInt16 ||
                         type == DataType::kInt32 || type == DataType::kInt64;
  const int64_t integer =
      v.is_float ? float_to_integer(v.real, static_cast<int>(8 * width), is_signed) : v.integer;
  // Little-endian: the low `width` bytes are the value wrapped to the narrower type.
  const uint64_t bits = static_cast<uint64_t>(integer);
  uint8_t bytes[8];
  for (size_t b = 0; b < 8; ++b) bytes[b] = static_cast<uint8_t>(bits >> (8 * b));
  memcpy(static_cast<uint8_t*>(data) + i * static_cast<int64_t>(width), bytes, width);
}

Status eval(EvalContext& ctx) {
  const TensorView input = ctx.input(0), output = ctx.output(0);
  const int64_t n = input.elements();
  for (int64_t i = 0; i < n; ++i)
    store(output.type, output.data, i, load(input.type, input.data, i));
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernel_CAST = {
    static_cast<int32_t>(tflite::BuiltinOperator::CAST), 1, 6, prepare, eval, false};

}  // namespace tinyforge
