#include "toolkit/features/feature_graph.h"

#include <flatbuffers/flexbuffers.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "toolkit/features/mel_filter_bank.h"
#include "toolkit/tflite/metadata_json.h"
#include "toolkit/tflite/model_builder.h"

namespace tinyforge::features {
namespace {

using builder::ModelBuilder;
using builder::per_tensor;
using Op = ::tflite::BuiltinOperator;

// The log stage: channel amplitudes scaled up by 2^3 then 64 ln(x) (int16), as TFLM's frontend.
constexpr int kLogCorrectionBits = 3;
constexpr int kLogScale = 64;
// int16 log -> int8: (log * 256 + 500) / 1000 - 128, clamped, so a frame value q stands for
// (q + 128) * 1000 / (256 * 64) nats: 0 to 15.6, from the quietest 16-bit signal to a full-scale
// tone (TFLM's micro_speech uses 666 where PCAN gain control has compressed the range first).
constexpr int32_t kToInt8Multiplier = 256, kToInt8Divisor = 1000,
                  kToInt8Rounding = kToInt8Divisor / 2;
// MFCC coefficients are int8 with this step (the first, a scaled mean of the log channels, clips
// for very loud input: docs/features.md).
constexpr float kMfccScale = 0.4f;

std::vector<uint8_t> flex(const std::function<void(flexbuffers::Builder&)>& fill) {
  flexbuffers::Builder fbb;
  fbb.Map([&]() { fill(fbb); });
  fbb.Finish();
  return fbb.GetBuffer();
}

std::vector<int16_t> hann_q12(int64_t length) {
  std::vector<int16_t> w(static_cast<size_t>(length));
  for (int64_t i = 0; i < length; ++i)
    w[i] = static_cast<int16_t>(
        std::lround(4096.0 * 0.5 * (1.0 - std::cos(2.0 * M_PI * static_cast<double>(i) / length))));
  return w;
}

int scalar_int32(ModelBuilder& b, int32_t value) {
  return b.add_constant<int32_t>(DataType::kInt32, {}, {value});
}

// Appends `op`(x, constant) for an int32 elementwise op; returns the result tensor.
int int32_op(ModelBuilder& b, Op op, int x, int32_t constant, int channels, const char* name) {
  const int out = b.add_tensor(DataType::kInt32, {channels}, {}, name);
  b.add_op(op, {x, scalar_int32(b, constant)}, {out});
  return out;
}

// An orthonormal DCT-II, [coefficients, channels], as int8 per row with one scale per row.
void add_dct(ModelBuilder& b, int frame, int channels, int coefficients, float input_scale,
             int input_zero_point, int* out) {
  const int row = b.add_tensor(DataType::kInt8, {1, channels},
                               per_tensor(input_scale, input_zero_point), "mel_row");
  b.add_op(Op::RESHAPE, {frame, b.add_constant<int32_t>(DataType::kInt32, {2}, {1, channels})},
           {row});
  std::vector<int8_t> weights;
  std::vector<float> scales, bias_scales;
  for (int k = 0; k < coefficients; ++k) {
    std::vector<double> basis(channels);
    const double norm = std::sqrt((k == 0 ? 1.0 : 2.0) / channels);
    double largest = 0;
    for (int c = 0; c < channels; ++c) {
      basis[c] = norm * std::cos(M_PI * k * (c + 0.5) / channels);
      largest = std::max(largest, std::fabs(basis[c]));
    }
    const double scale = largest / 127.0;
    for (int c = 0; c < channels; ++c)
      weights.push_back(static_cast<int8_t>(std::lround(basis[c] / scale)));
    scales.push_back(static_cast<float>(scale));
    bias_scales.push_back(static_cast<float>(scale) * input_scale);
  }
  builder::Quant weight_quant{scales, std::vector<int64_t>(coefficients, 0), 0};
  builder::Quant bias_quant{bias_scales, std::vector<int64_t>(coefficients, 0), 0};
  const int w =
      b.add_constant<int8_t>(DataType::kInt8, {coefficients, channels}, weights, weight_quant);
  const int bias = b.add_constant<int32_t>(DataType::kInt32, {coefficients},
                                           std::vector<int32_t>(coefficients, 0), bias_quant);
  *out = b.add_tensor(DataType::kInt8, {1, coefficients}, per_tensor(kMfccScale, 0), "mfcc");
  b.add_op(Op::FULLY_CONNECTED, {row, w, bias}, {*out});
}

}  // namespace

FrameQuantization frame_quantization(const FeatureSettings& settings) {
  if (settings.kind == Kind::kMfcc) return {kMfccScale, 0};
  return {static_cast<float>(kToInt8Divisor) / (kToInt8Multiplier * kLogScale), -128};
}

std::vector<uint8_t> build_feature_model(const FeatureSettings& s) {
  const int64_t window = s.window_samples();
  const int fft = s.effective_fft_length();
  const int channels = s.audio.channels;
  const int bins = fft / 2 + 1;
  const MelFilterBank bank = design_mel_filter_bank(s.audio.sample_rate, fft, channels,
                                                    s.audio.lower_hz, s.audio.upper_hz);
  const auto w32 = static_cast<int32_t>(window);
  ModelBuilder b;
  b.set_description("tinyforge audio features");
  const int samples = b.add_input(DataType::kInt16, {w32});
  const int hann = b.add_constant<int16_t>(DataType::kInt16, {w32}, hann_q12(window));
  const int windowed = b.add_tensor(DataType::kInt16, {w32}, {}, "windowed");
  b.add_custom_op("SignalWindow", {samples, hann}, {windowed},
                  flex([](flexbuffers::Builder& f) { f.Int("shift", 12); }));
  const int scaled = b.add_tensor(DataType::kInt16, {w32}, {}, "scaled");
  const int shift = b.add_tensor(DataType::kInt32, {}, {}, "fft_shift");
  b.add_custom_op("SignalFftAutoScale", {windowed}, {scaled, shift});
  const int spectrum = b.add_tensor(DataType::kInt16, {fft + 2}, {}, "spectrum");
  b.add_custom_op("SignalRfft", {scaled}, {spectrum}, flex([&](flexbuffers::Builder& f) {
                    f.Int("T", 7);  // int16
                    f.Int("fft_length", fft);
                  }));
  const int energy = b.add_tensor(DataType::kUInt32, {bins}, {}, "energy");
  b.add_custom_op("SignalEnergy", {spectrum}, {energy}, flex([&](flexbuffers::Builder& f) {
                    f.Int("start_index", bank.first_bin);
                    f.Int("end_index", bank.end_bin);
                  }));
  const int band_count = channels + 1;
  const int weights = b.add_constant<int16_t>(
      DataType::kInt16, {static_cast<int32_t>(bank.weights.size())}, bank.weights);
  const int unweights = b.add_constant<int16_t>(
      DataType::kInt16, {static_cast<int32_t>(bank.unweights.size())}, bank.unweights);
  const int starts = b.add_constant<int16_t>(DataType::kInt16, {band_count}, bank.band_starts);
  const int weight_starts =
      b.add_constant<int16_t>(DataType::kInt16, {band_count}, bank.weight_starts);
  const int widths = b.add_constant<int16_t>(DataType::kInt16, {band_count}, bank.band_widths);
  const int power = b.add_tensor(DataType::kUInt64, {channels}, {}, "mel_power");
  b.add_custom_op("SignalFilterBank", {energy, weights, unweights, starts, weight_starts, widths},
                  {power}, flex([&](flexbuffers::Builder& f) { f.Int("num_channels", channels); }));
  int amplitude = b.add_tensor(DataType::kUInt32, {channels}, {}, "mel_amplitude");
  b.add_custom_op("SignalFilterBankSquareRoot", {power, shift}, {amplitude});
  if (s.audio.noise_reduction) {
    // The microfrontend's defaults: smoothing 0.025 (even channels) / 0.06 (odd), at least 5% of
    // the signal kept, in Q14 with 10 extra bits for the estimate.
    const int cleaned = b.add_tensor(DataType::kUInt32, {channels}, {}, "denoised");
    const int noise = b.add_tensor(DataType::kUInt32, {channels}, {}, "noise_estimate");
    b.add_custom_op("SignalFilterBankSpectralSubtraction", {amplitude}, {cleaned, noise},
                    flex([&](flexbuffers::Builder& f) {
                      f.Int("alternate_one_minus_smoothing", 16384 - 983);
                      f.Int("alternate_smoothing", 983);
                      f.Bool("clamping", false);
                      f.Int("min_signal_remaining", 819);
                      f.Int("num_channels", channels);
                      f.Int("one_minus_smoothing", 16384 - 409);
                      f.Int("smoothing", 409);
                      f.Int("smoothing_bits", 10);
                      f.Int("spectral_subtraction_bits", 14);
                    }));
    amplitude = cleaned;
  }
  const int log = b.add_tensor(DataType::kInt16, {channels}, {}, "log_mel");
  b.add_custom_op("SignalFilterBankLog", {amplitude}, {log}, flex([](flexbuffers::Builder& f) {
                    f.Int("input_correction_bits", kLogCorrectionBits);
                    f.Int("output_scale", kLogScale);
                  }));
  const int wide = b.add_tensor(DataType::kInt32, {channels}, {}, "log_mel_int32");
  b.add_op(Op::CAST, {log}, {wide});
  int x = int32_op(b, Op::MUL, wide, kToInt8Multiplier, channels, "scaled_log");
  x = int32_op(b, Op::ADD, x, kToInt8Rounding, channels, "rounded_log");
  x = int32_op(b, Op::DIV, x, kToInt8Divisor, channels, "log_steps");
  x = int32_op(b, Op::ADD, x, -128, channels, "log_int8_range");
  x = int32_op(b, Op::MINIMUM, x, 127, channels, "clamped_high");
  x = int32_op(b, Op::MAXIMUM, x, -128, channels, "clamped");
  const FrameQuantization mel_q = frame_quantization(FeatureSettings{});
  int frame = b.add_tensor(DataType::kInt8, {channels}, per_tensor(mel_q.scale, mel_q.zero_point),
                           "log_mel_int8");
  b.add_op(Op::CAST, {x}, {frame});
  if (s.kind == Kind::kMfcc)
    add_dct(b, frame, channels, s.audio.coefficients, mel_q.scale, mel_q.zero_point, &frame);
  b.add_output(frame);
  nlohmann::json metadata = {{"features", to_json(s)}, {"labels", nlohmann::json::array()}};
  b.add_metadata(tflite::kMetadataName, metadata.dump());
  return b.finish();
}

}  // namespace tinyforge::features
