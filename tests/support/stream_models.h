// Small models and recordings for the stream application's tests: a "level" classifier (classes
// idle, up, down: whether the first axis sits high or low over the window), an autoencoder that
// reconstructs nothing (its error is the input's mean square), RESHAPE models that pass values
// through unchanged, and WAV and CSV files written from samples.
#ifndef TINYFORGE_TESTS_SUPPORT_STREAM_MODELS_H_
#define TINYFORGE_TESTS_SUPPORT_STREAM_MODELS_H_

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/model_builder.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::testing {

// int8 FULLY_CONNECTED + SOFTMAX over an int8 input of `input_shape` (scale 1/64, zero point 0:
// values in [-2, 2)), `axes` values per sample: logit(up) = 4 x mean of axis 0, logit(down) = its
// negative, logit(idle) = 0. So axis 0 at +1 scores up 0.98, at 0 every class 1/3. `metadata`:
// tinyforge's metadata JSON, if any.
inline std::vector<uint8_t> level_classifier(const std::vector<int32_t>& input_shape, int axes,
                                             const std::string& metadata = "") {
  int32_t n = 1;
  for (int32_t d : input_shape) n *= d;
  const int32_t samples = n / axes;
  const float input_scale = 1.0f / 64, weight_scale = 4.0f / static_cast<float>(samples);
  ModelBuilder m;
  const int in = m.add_input(DataType::kInt8, input_shape, per_tensor(input_scale, 0));
  std::vector<int8_t> weights(static_cast<size_t>(3 * n), 0);
  for (int32_t i = 0; i < n; i += axes) {
    weights[static_cast<size_t>(n + i)] = 1;
    weights[static_cast<size_t>(2 * n + i)] = -1;
  }
  const int w = m.add_constant(DataType::kInt8, {3, n}, weights, per_tensor(weight_scale, 0));
  const int b = m.add_constant(DataType::kInt32, {3}, std::vector<int32_t>{0, 0, 0},
                               per_tensor(input_scale * weight_scale, 0));
  const int logits = m.add_tensor(DataType::kInt8, {1, 3}, per_tensor(1.0f / 16, 0));
  auto fc = tflite::CreateFullyConnectedOptions(m.fbb()).Union();
  m.add_op(tflite::BuiltinOperator::FULLY_CONNECTED, {in, w, b}, {logits},
           tflite::BuiltinOptions::FullyConnectedOptions, fc, 4);
  const int scores = m.add_tensor(DataType::kInt8, {1, 3}, per_tensor(1.0f / 256, -128));
  auto softmax = tflite::CreateSoftmaxOptions(m.fbb(), 1.0f).Union();
  m.add_op(tflite::BuiltinOperator::SOFTMAX, {logits}, {scores},
           tflite::BuiltinOptions::SoftmaxOptions, softmax, 2);
  if (!metadata.empty()) m.add_metadata("tinyforge", metadata);
  return m.finish();
}

// An int8 autoencoder [1, n] -> [1, n] whose reconstruction is always 0 (FULLY_CONNECTED with zero
// weights): its mean squared error is the input's mean square.
inline std::vector<uint8_t> null_autoencoder(int32_t n) {
  const float scale = 1.0f / 64;
  ModelBuilder m;
  const int in = m.add_input(DataType::kInt8, {1, n}, per_tensor(scale, 0));
  const int w =
      m.add_constant(DataType::kInt8, {n, n}, std::vector<int8_t>(n * n, 0), per_tensor(1.0f, 0));
  const int out = m.add_tensor(DataType::kInt8, {1, n}, per_tensor(scale, 0));
  auto fc = tflite::CreateFullyConnectedOptions(m.fbb()).Union();
  m.add_op(tflite::BuiltinOperator::FULLY_CONNECTED, {in, w, -1}, {out},
           tflite::BuiltinOptions::FullyConnectedOptions, fc, 4);
  return m.finish();
}

// RESHAPE from `from` to `to` (same element count, dtype and quantization): values pass as they
// are. As a feature model it makes each window its own frame; as a classifier its "scores" are its
// inputs.
inline std::vector<uint8_t> pass_through(DataType type, const std::vector<int32_t>& from,
                                         const std::vector<int32_t>& to, Quant quant = {}) {
  ModelBuilder m;
  const int in = m.add_input(type, from, quant);
  const int out = m.add_tensor(type, to, quant);
  auto options = tflite::CreateReshapeOptionsDirect(m.fbb(), &to).Union();
  m.add_op(tflite::BuiltinOperator::RESHAPE, {in}, {out}, tflite::BuiltinOptions::ReshapeOptions,
           options);
  return m.finish();
}

inline std::filesystem::path write_model(const std::filesystem::path& path,
                                         const std::vector<uint8_t>& bytes) {
  host::write_file(path, bytes.data(), bytes.size());
  return path;
}

// A 16-bit PCM WAV file; `samples` interleaves `channels`.
inline void write_wav(const std::filesystem::path& path, const std::vector<int16_t>& samples,
                      uint32_t rate, uint16_t channels = 1) {
  std::ofstream out(path, std::ios::binary);
  auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  const uint32_t data_bytes = static_cast<uint32_t>(samples.size() * 2);
  out.write("RIFF", 4);
  u32(36 + data_bytes);
  out.write("WAVEfmt ", 8);
  u32(16);
  u16(1);
  u16(channels);
  u32(rate);
  u32(rate * channels * 2u);
  u16(static_cast<uint16_t>(channels * 2));
  u16(16);
  out.write("data", 4);
  u32(data_bytes);
  out.write(reinterpret_cast<const char*>(samples.data()), data_bytes);
}

// Audio at `level` (a fraction of full scale) for each of `segments` durations: a recording whose
// DC level the level classifier reads.
inline std::vector<int16_t> level_audio(const std::vector<std::pair<float, uint32_t>>& segments) {
  std::vector<int16_t> samples;
  for (const auto& [level, count] : segments) {
    samples.insert(samples.end(), count, static_cast<int16_t>(level * 32767.0f));
  }
  return samples;
}

// CSV rows "t,ax,ay,az" at 100 Hz (as examples/gestures writes them): axis 0 at `level` for each
// segment's number of rows, the others small and varying.
inline void write_level_csv(const std::filesystem::path& path,
                            const std::vector<std::pair<float, uint32_t>>& segments) {
  std::ofstream out(path);
  out << "t,ax,ay,az\n";
  int row = 0;
  for (const auto& [level, count] : segments) {
    for (uint32_t i = 0; i < count; ++i, ++row) {
      out << 0.01 * row << "," << level << "," << 0.01f * static_cast<float>(row % 7) << ","
          << -0.02f * static_cast<float>(row % 5) << "\n";
    }
  }
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_STREAM_MODELS_H_
