// Independent reference for the LSTM kernel tests: TFLite Micro's integer LSTM recipe written
// out step by step with int64 / 128-bit arithmetic (the int16 sigmoid/tanh interpolation, the
// FC requantization into Q3.12, the gate products), and a double-precision float LSTM. Shares
// no code with the runtime.
#ifndef TINYFORGE_TESTS_SUPPORT_LSTM_REFERENCE_H_
#define TINYFORGE_TESTS_SUPPORT_LSTM_REFERENCE_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "tests/support/quant_reference.h"

namespace tinyforge::testing {

// TFLite's sigmoid_table_uint16: sigmoid(k / 24) in unsigned Q0.16 (checked against the real
// function in the tests).
inline const std::vector<int64_t>& reference_sigmoid_table() {
  static const std::vector<int64_t> table = {
      32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794,
      41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443,
      48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169, 53581, 53983, 54374,
      54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544,
      58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279,
      61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990,
      63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030,
      64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652,
      64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019,
      65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234,
      65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360,
      65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
      65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476,
      65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498, 65500, 65501,
      65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516,
      65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
      65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529,
      65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532,
      65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65534, 65534,
      65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535};
  return table;
}

inline int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Linear interpolation in the table at |v| / 2^frac_bits, in units of 2^-(16 + frac_bits).
inline int64_t reference_table_interp(int64_t magnitude, int frac_bits) {
  const auto& t = reference_sigmoid_table();
  const int64_t k = magnitude >> frac_bits;
  if (k >= 255) return -1;  // saturated
  const int64_t frac = magnitude - (k << frac_bits);
  return t[k] * (int64_t{1} << frac_bits) + frac * (t[k + 1] - t[k]);
}

// TFLite int16 logistic of a Q3.12 input -> Q0.15.
inline int32_t reference_sigmoid16(int32_t x) {
  const int64_t v = int64_t{3} * x;  // 3/4 range expansion, one table step per 2^9
  int64_t r = reference_table_interp(std::llabs(v), 9);
  if (r < 0) r = int64_t{0x7FFF} * 1024;
  // Positive: (r + 2^9) / 2^10; negative: 1 - sigmoid(|x|) with the complementary rounding.
  const int64_t value = v >= 0 ? r + 512 : (int64_t{1} << 25) - r + 511;
  return static_cast<int32_t>(value >> 10);
}

// TFLite int16 tanh with input multiplier/shift chosen from the input scale 2^power -> Q0.15.
inline int32_t reference_tanh16(int32_t x, int power) {
  const int left = 12 + power;
  int64_t v;
  if (left >= 0) {
    v = x * (int64_t{3} << left);
  } else {
    const int s = -left;
    v = floor_div(int64_t{3} * x + (int64_t{1} << (s - 1)), int64_t{1} << s);
  }
  int64_t r = reference_table_interp(std::llabs(v), 8);
  if (r < 0) r = int64_t{0xFFFF} * 256;
  const int64_t value = v >= 0 ? r - (int64_t{1} << 23) + 128 : -r + (int64_t{1} << 23) + 127;
  return static_cast<int32_t>(floor_div(value, 256));
}

// TFLite's 64-bit-accumulator requantization (multiplier reduced to 16 bits, one rounding).
inline int64_t reference_requantize64(int64_t acc, double real_multiplier) {
  int64_t mantissa;
  int exponent;
  reference_quantize_multiplier(real_multiplier, &mantissa, &exponent);
  const int64_t reduced = mantissa < 0x7FFF0000 ? (mantissa + (1 << 15)) >> 16 : 0x7FFF;
  const int total = 15 - exponent;
  const __int128 p =
      static_cast<__int128>(acc) * reduced + (static_cast<__int128>(1) << (total - 1));
  const __int128 d = static_cast<__int128>(1) << total;
  __int128 q = p / d;
  if (p % d != 0 && p < 0) --q;
  return static_cast<int64_t>(q);
}

struct IntLstmSpec {
  int batches, time_steps, input_size, state_size;
  bool int16_activations;
  double input_scale, hidden_scale;
  int32_t input_zp, hidden_zp;
  int cell_power;  // cell scale = 2^cell_power
  double cell_clip;
  double input_weight_scale[4], recurrent_weight_scale[4];  // gates: input, forget, cell, output
  std::vector<int8_t> input_weights[4], recurrent_weights[4];
  std::vector<int64_t> bias[4];
};

// Runs one invocation over the whole [batch, time, input] sequence (batch-major layout for the
// arrays here), updating `hidden` and `cell` ([batch, state]) and returning [batch, time, state].
inline std::vector<int64_t> reference_int_lstm(const IntLstmSpec& s, const std::vector<int64_t>& x,
                                               std::vector<int64_t>& hidden,
                                               std::vector<int64_t>& cell) {
  const int S = s.state_size, I = s.input_size;
  const double q312 = std::ldexp(1.0, -12), q015 = std::ldexp(1.0, -15);
  const double cell_scale = std::ldexp(1.0, s.cell_power);
  const int64_t act_lo = s.int16_activations ? -32768 : -128;
  const int64_t act_hi = s.int16_activations ? 32767 : 127;
  auto sat16 = [](int64_t v) { return std::clamp<int64_t>(v, -32768, 32767); };
  auto requant = [&](int64_t acc, double m) {
    return s.int16_activations ? reference_requantize64(acc, m) : reference_requantize(acc, m);
  };
  int64_t clip = 0;
  if (s.cell_clip > 0) clip = static_cast<int64_t>(std::min(s.cell_clip / cell_scale, 32767.0));
  std::vector<int64_t> out(static_cast<size_t>(s.batches) * s.time_steps * S);
  for (int b = 0; b < s.batches; ++b) {
    for (int t = 0; t < s.time_steps; ++t) {
      const int64_t* xt = &x[(static_cast<size_t>(b) * s.time_steps + t) * I];
      int64_t* h = &hidden[static_cast<size_t>(b) * S];
      int64_t* c = &cell[static_cast<size_t>(b) * S];
      std::vector<int64_t> gate[4];
      for (int g = 0; g < 4; ++g) {
        gate[g].resize(S);
        const double m_in = s.input_scale * s.input_weight_scale[g] / q312;
        const double m_rec = s.hidden_scale * s.recurrent_weight_scale[g] / q312;
        for (int u = 0; u < S; ++u) {
          int64_t acc_in = s.bias[g][u];
          for (int i = 0; i < I; ++i)
            acc_in += s.input_weights[g][u * I + i] * (xt[i] - s.input_zp);
          int64_t acc_rec = 0;
          for (int j = 0; j < S; ++j)
            acc_rec += s.recurrent_weights[g][u * S + j] * (h[j] - s.hidden_zp);
          const int64_t pre = sat16(sat16(requant(acc_in, m_in)) + sat16(requant(acc_rec, m_rec)));
          gate[g][u] = g == 2 ? reference_tanh16(static_cast<int32_t>(pre), -12)
                              : reference_sigmoid16(static_cast<int32_t>(pre));
        }
      }
      for (int u = 0; u < S; ++u) {
        const int64_t kept =
            sat16(reference_requantize(gate[1][u] * c[u], q015 * cell_scale / cell_scale));
        const int64_t added =
            sat16(reference_requantize(gate[0][u] * gate[2][u], q015 * q015 / cell_scale));
        int64_t nc = sat16(kept + added);
        if (s.cell_clip > 0) nc = std::clamp<int64_t>(nc, -clip, clip);
        c[u] = nc;
      }
      for (int u = 0; u < S; ++u) {
        const int64_t th = reference_tanh16(static_cast<int32_t>(c[u]), s.cell_power);
        const int64_t v =
            reference_requantize(th * gate[3][u], q015 * q015 / s.hidden_scale) + s.hidden_zp;
        h[u] = std::clamp(v, act_lo, act_hi);
        out[(static_cast<size_t>(b) * s.time_steps + t) * S + u] = h[u];
      }
    }
  }
  return out;
}

struct FloatLstmSpec {
  int batches, time_steps, input_size, state_size;
  double cell_clip;
  std::vector<float> input_weights[4], recurrent_weights[4], bias[4];
};

inline std::vector<double> reference_float_lstm(const FloatLstmSpec& s, const std::vector<float>& x,
                                                std::vector<double>& hidden,
                                                std::vector<double>& cell) {
  const int S = s.state_size, I = s.input_size;
  std::vector<double> out(static_cast<size_t>(s.batches) * s.time_steps * S);
  for (int b = 0; b < s.batches; ++b) {
    for (int t = 0; t < s.time_steps; ++t) {
      const float* xt = &x[(static_cast<size_t>(b) * s.time_steps + t) * I];
      double* h = &hidden[static_cast<size_t>(b) * S];
      double* c = &cell[static_cast<size_t>(b) * S];
      std::vector<double> gate[4];
      for (int g = 0; g < 4; ++g) {
        gate[g].resize(S);
        for (int u = 0; u < S; ++u) {
          double z = s.bias[g][u];
          for (int i = 0; i < I; ++i)
            z += static_cast<double>(s.input_weights[g][u * I + i]) * xt[i];
          for (int j = 0; j < S; ++j)
            z += static_cast<double>(s.recurrent_weights[g][u * S + j]) * h[j];
          gate[g][u] = g == 2 ? std::tanh(z) : 1.0 / (1.0 + std::exp(-z));
        }
      }
      for (int u = 0; u < S; ++u) {
        double nc = gate[1][u] * c[u] + gate[0][u] * gate[2][u];
        if (s.cell_clip > 0) nc = std::clamp(nc, -s.cell_clip, s.cell_clip);
        c[u] = nc;
      }
      for (int u = 0; u < S; ++u) {
        h[u] = gate[3][u] * std::tanh(c[u]);
        out[(static_cast<size_t>(b) * s.time_steps + t) * S + u] = h[u];
      }
    }
  }
  return out;
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_LSTM_REFERENCE_H_
