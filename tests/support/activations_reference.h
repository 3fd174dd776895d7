// Helpers for the activation / quantization / softmax kernel tests: running a one-operator model
// on one input, and real-valued references.
#ifndef TINYFORGE_TESTS_SUPPORT_ACTIVATIONS_REFERENCE_H_
#define TINYFORGE_TESTS_SUPPORT_ACTIVATIONS_REFERENCE_H_

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tests/support/model_builder.h"
#include "tests/support/quant_reference.h"
#include "tests/support/run_model.h"

namespace tinyforge::testing {

struct UnaryOp {
  tflite::BuiltinOperator op;
  tflite::BuiltinOptions options_type = tflite::BuiltinOptions::NONE;
  // Builds the options table in the model's builder (may be null).
  flatbuffers::Offset<void> (*options)(flatbuffers::FlatBufferBuilder&, float) = nullptr;
  float option_value = 0.0f;
  int version = 1;
};

inline std::vector<uint8_t> unary_model(const UnaryOp& op, DataType in_type, DataType out_type,
                                        const std::vector<int32_t>& shape, Quant in_q, Quant out_q,
                                        std::vector<int32_t> out_shape = {}) {
  ModelBuilder m;
  const int in = m.add_input(in_type, shape, in_q);
  const int out = m.add_tensor(out_type, out_shape.empty() ? shape : out_shape, out_q);
  flatbuffers::Offset<void> options = 0;
  if (op.options != nullptr) options = op.options(m.fbb(), op.option_value);
  m.add_op(op.op, {in}, {out}, op.options_type, options, op.version);
  return m.finish();
}

template <typename Out, typename In>
std::vector<Out> run_unary(const UnaryOp& op, DataType in_type, DataType out_type,
                           const std::vector<int32_t>& shape, Quant in_q, Quant out_q,
                           const std::vector<In>& input, std::string* error) {
  const RunResult result =
      run_model(unary_model(op, in_type, out_type, shape, in_q, out_q), {to_bytes(input)});
  if (result.status != Status::kOk) {
    *error = result.message.empty() ? "run failed" : result.message;
    return {};
  }
  return from_bytes<Out>(result.outputs[0]);
}

inline int64_t shape_elements(const std::vector<int32_t>& shape) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

inline std::vector<int32_t> random_shape(std::mt19937& rng, int max_rank = 4, int max_dim = 9) {
  std::vector<int32_t> shape(random_int<int>(rng, 1, max_rank));
  for (auto& d : shape) d = random_int<int32_t>(rng, 1, max_dim);
  return shape;
}

inline double reference_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

inline double reference_hard_swish(double x) {
  return x * std::min(6.0, std::max(0.0, x + 3.0)) / 6.0;
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_ACTIVATIONS_REFERENCE_H_
