// A plain float reference for the IR (batch 1, double accumulation), written straight from
// TFLite's op definitions, so tflite_* tests can check what the runtime computes on a written
// file without trusting either the writer or the runtime's kernels.
#ifndef TINYFORGE_TESTS_UNIT_TFLITE_REFERENCE_H_
#define TINYFORGE_TESTS_UNIT_TFLITE_REFERENCE_H_

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "toolkit/graph/graph.h"

namespace tinyforge::testing {

struct RefTensor {
  graph::Shape shape;  // batch 1
  std::vector<double> v;
};

inline graph::Shape batch_one(graph::Shape s) {
  if (!s.empty() && s[0] == -1) s[0] = 1;
  return s;
}

inline double ref_activation(double x, graph::Activation a) {
  if (a == graph::Activation::kRelu) return std::max(x, 0.0);
  if (a == graph::Activation::kRelu6) return std::clamp(x, 0.0, 6.0);
  return x;
}

// Where a window starts: TFLite's SAME pads total = max((out-1)*stride + window - in, 0), half
// (rounded down) before.
inline int64_t ref_pad_before(const graph::Attributes& a, bool height, int64_t in, int64_t out,
                              int64_t window, int dilation) {
  if (a.padding != graph::Padding::kSame) return 0;
  const int stride = height ? a.stride_h : a.stride_w;
  const int64_t effective = (window - 1) * dilation + 1;
  return std::max<int64_t>((out - 1) * stride + effective - in, 0) / 2;
}

// Row-major index of `index` in `shape`, broadcasting dimensions of size 1 (aligned at the end).
inline int64_t ref_broadcast_index(const graph::Shape& shape, const graph::Shape& out_shape,
                                   int64_t flat) {
  int64_t index = 0, stride = 1;
  for (int d = static_cast<int>(out_shape.size()) - 1, s = static_cast<int>(shape.size()) - 1;
       s >= 0; --d, --s) {
    const int64_t coord = (flat /
                           [&] {
                             int64_t st = 1;
                             for (size_t k = d + 1; k < out_shape.size(); ++k) st *= out_shape[k];
                             return st;
                           }()) %
                          out_shape[d];
    if (shape[s] != 1) index += coord * stride;
    stride *= shape[s];
  }
  return index;
}

inline std::map<int, RefTensor> reference_run(const graph::Graph& g,
                                              const std::vector<std::vector<float>>& inputs) {
  std::map<int, RefTensor> t;
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    RefTensor r{batch_one(g.value(g.inputs()[i]).shape), {}};
    r.v.assign(inputs[i].begin(), inputs[i].end());
    t[g.inputs()[i]] = r;
  }
  auto get = [&](int id) -> const RefTensor& {
    if (!t.count(id)) {
      const graph::Value& v = g.value(id);
      t[id] =
          RefTensor{v.shape, std::vector<double>(v.data.values().begin(), v.data.values().end())};
    }
    return t[id];
  };
  for (const graph::Node& n : g.nodes()) {
    const graph::Attributes& a = n.attrs;
    RefTensor out{batch_one(g.value(n.outputs[0]).shape), {}};
    const int64_t count = graph::num_elements(out.shape);
    out.v.assign(count, 0.0);
    const RefTensor& x = get(n.inputs[0]);
    switch (n.type) {
      case graph::OpType::kFullyConnected: {
        const RefTensor& w = get(n.inputs[1]);
        const int64_t units = w.shape[0], in = w.shape[1];
        for (int64_t u = 0; u < units; ++u) {
          double s = n.inputs.size() > 2 ? get(n.inputs[2]).v[u] : 0.0;
          for (int64_t i = 0; i < in; ++i) s += w.v[u * in + i] * x.v[i];
          out.v[u] = ref_activation(s, a.activation);
        }
        break;
      }
      case graph::OpType::kConv2D:
      case graph::OpType::kDepthwiseConv2D: {
        const bool dw = n.type == graph::OpType::kDepthwiseConv2D;
        const RefTensor& f = get(n.inputs[1]);
        const int64_t H = x.shape[1], W = x.shape[2], C = x.shape[3];
        const int64_t OH = out.shape[1], OW = out.shape[2], OC = out.shape[3];
        const int64_t KH = f.shape[1], KW = f.shape[2];
        const int64_t ph = ref_pad_before(a, true, H, OH, KH, a.dilation_h);
        const int64_t pw = ref_pad_before(a, false, W, OW, KW, a.dilation_w);
        const int64_t m = dw ? OC / C : 1;
        for (int64_t oy = 0; oy < OH; ++oy)
          for (int64_t ox = 0; ox < OW; ++ox)
            for (int64_t oc = 0; oc < OC; ++oc) {
              double s = n.inputs.size() > 2 ? get(n.inputs[2]).v[oc] : 0.0;
              for (int64_t ky = 0; ky < KH; ++ky)
                for (int64_t kx = 0; kx < KW; ++kx) {
                  const int64_t iy = oy * a.stride_h - ph + ky * a.dilation_h;
                  const int64_t ix = ox * a.stride_w - pw + kx * a.dilation_w;
                  if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                  if (dw) {
                    s += f.v[(ky * KW + kx) * OC + oc] * x.v[(iy * W + ix) * C + oc / m];
                  } else {
                    for (int64_t c = 0; c < C; ++c)
                      s += f.v[((oc * KH + ky) * KW + kx) * C + c] * x.v[(iy * W + ix) * C + c];
                  }
                }
              out.v[(oy * OW + ox) * OC + oc] = ref_activation(s, a.activation);
            }
        break;
      }
      case graph::OpType::kMaxPool2D:
      case graph::OpType::kAveragePool2D: {
        const bool max = n.type == graph::OpType::kMaxPool2D;
        const int64_t H = x.shape[1], W = x.shape[2], C = x.shape[3];
        const int64_t OH = out.shape[1], OW = out.shape[2];
        const int64_t ph = ref_pad_before(a, true, H, OH, a.filter_h, 1);
        const int64_t pw = ref_pad_before(a, false, W, OW, a.filter_w, 1);
        for (int64_t oy = 0; oy < OH; ++oy)
          for (int64_t ox = 0; ox < OW; ++ox)
            for (int64_t c = 0; c < C; ++c) {
              double s = max ? -INFINITY : 0.0;
              int cnt = 0;  // padding is excluded from the average
              for (int64_t ky = 0; ky < a.filter_h; ++ky)
                for (int64_t kx = 0; kx < a.filter_w; ++kx) {
                  const int64_t iy = oy * a.stride_h - ph + ky, ix = ox * a.stride_w - pw + kx;
                  if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                  const double v = x.v[(iy * W + ix) * C + c];
                  s = max ? std::max(s, v) : s + v;
                  ++cnt;
                }
              out.v[(oy * OW + ox) * C + c] = ref_activation(max ? s : s / cnt, a.activation);
            }
        break;
      }
      case graph::OpType::kMean: {
        const int rank = static_cast<int>(x.shape.size());
        std::vector<bool> reduced(rank, false);
        for (int axis : a.axes) reduced[axis < 0 ? axis + rank : axis] = true;
        std::vector<int> cnt(count, 0);
        for (int64_t i = 0; i < static_cast<int64_t>(x.v.size()); ++i) {
          int64_t rem = i, o = 0, ostride = 1;
          std::vector<int64_t> coord(rank);
          for (int d = rank - 1; d >= 0; --d) coord[d] = rem % x.shape[d], rem /= x.shape[d];
          for (int d = rank - 1; d >= 0; --d) {
            if (reduced[d]) continue;
            o += coord[d] * ostride;
            ostride *= x.shape[d];
          }
          out.v[o] += x.v[i];
          ++cnt[o];
        }
        for (int64_t o = 0; o < count; ++o) out.v[o] /= cnt[o];
        break;
      }
      case graph::OpType::kRelu:
      case graph::OpType::kRelu6:
      case graph::OpType::kLeakyRelu:
      case graph::OpType::kLogistic:
      case graph::OpType::kTanh:
      case graph::OpType::kHardSwish:
        for (int64_t i = 0; i < count; ++i) {
          const double v = x.v[i];
          switch (n.type) {
            case graph::OpType::kRelu:
              out.v[i] = std::max(v, 0.0);
              break;
            case graph::OpType::kRelu6:
              out.v[i] = std::clamp(v, 0.0, 6.0);
              break;
            case graph::OpType::kLeakyRelu:
              out.v[i] = v > 0 ? v : a.alpha * v;
              break;
            case graph::OpType::kLogistic:
              out.v[i] = 1.0 / (1.0 + std::exp(-v));
              break;
            case graph::OpType::kTanh:
              out.v[i] = std::tanh(v);
              break;
            default:
              out.v[i] = v * std::clamp(v + 3.0, 0.0, 6.0) / 6.0;
              break;
          }
        }
        break;
      case graph::OpType::kSoftmax: {
        const int64_t depth = out.shape.back();
        for (int64_t r = 0; r < count / depth; ++r) {
          double mx = -INFINITY, sum = 0;
          for (int64_t j = 0; j < depth; ++j) mx = std::max(mx, x.v[r * depth + j]);
          for (int64_t j = 0; j < depth; ++j)
            sum += out.v[r * depth + j] = std::exp(a.beta * (x.v[r * depth + j] - mx));
          for (int64_t j = 0; j < depth; ++j) out.v[r * depth + j] /= sum;
        }
        break;
      }
      case graph::OpType::kReshape:
        out.v = x.v;
        break;
      case graph::OpType::kPad: {
        const int rank = static_cast<int>(x.shape.size());
        for (int64_t i = 0; i < static_cast<int64_t>(x.v.size()); ++i) {
          int64_t rem = i, o = 0, ostride = 1;
          for (int d = rank - 1; d >= 0; --d) {
            const int64_t c = rem % x.shape[d];
            rem /= x.shape[d];
            o += (c + a.paddings[2 * d]) * ostride;
            ostride *= out.shape[d];
          }
          out.v[o] = x.v[i];
        }
        break;
      }
      case graph::OpType::kAdd:
      case graph::OpType::kMul: {
        const RefTensor& y = get(n.inputs[1]);
        for (int64_t i = 0; i < count; ++i) {
          const double p = x.v[ref_broadcast_index(x.shape, out.shape, i)];
          const double q = y.v[ref_broadcast_index(y.shape, out.shape, i)];
          out.v[i] = ref_activation(n.type == graph::OpType::kAdd ? p + q : p * q, a.activation);
        }
        break;
      }
      case graph::OpType::kConcatenation: {
        const int rank = static_cast<int>(out.shape.size());
        const int axis = a.axis < 0 ? a.axis + rank : a.axis;
        int64_t outer = 1, inner = 1;
        for (int d = 0; d < axis; ++d) outer *= out.shape[d];
        for (int d = axis + 1; d < rank; ++d) inner *= out.shape[d];
        int64_t offset = 0;
        for (int id : n.inputs) {
          const RefTensor& in = get(id);
          const int64_t len = in.shape[axis] * inner;
          for (int64_t o = 0; o < outer; ++o)
            for (int64_t j = 0; j < len; ++j)
              out.v[o * out.shape[axis] * inner + offset + j] =
                  ref_activation(in.v[o * len + j], a.activation);
          offset += len;
        }
        break;
      }
      default:
        ADD_FAILURE() << "reference_run: no reference for " << graph::op_type_name(n.type);
    }
    t[n.outputs[0]] = std::move(out);
  }
  return t;
}

// |got - want| <= tol * max(1, |want|) element by element.
inline void expect_close(const std::vector<float>& got, const std::vector<double>& want, double tol,
                         const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], tol * std::max(1.0, std::abs(want[i])))
        << what << " element " << i;
  }
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_UNIT_TFLITE_REFERENCE_H_
