// Output shapes and MAC counts of every IR op, with TFLite's semantics. Activations carry the
// batch as their first dimension, usually -1 (unknown until a batch arrives); it passes through
// every op unchanged. All other dimensions must be known.
//
// Reshape: attrs.new_shape is the whole output shape; its first entry is the batch and must be -1
// (or the input's batch); at most one later entry may be -1, inferred from the elements per sample.
#include <algorithm>
#include <string>

#include "toolkit/graph/graph.h"
#include "toolkit/host/error.h"

namespace tinyforge::graph {
namespace {

[[noreturn]] void fail(const Node& node, const std::string& what) {
  throw host::Error("node '" + node.name + "' (" + op_type_name(node.type) + "): " + what);
}

void expect_inputs(const Node& node, const std::vector<Shape>& in, size_t min, size_t max) {
  if (in.size() < min || in.size() > max) {
    const std::string want =
        min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max);
    fail(node, "expects " + want + " inputs, got " + std::to_string(in.size()));
  }
}

void expect_rank(const Node& node, const std::vector<Shape>& in, size_t i, size_t rank) {
  if (in[i].size() != rank) {
    fail(node, "input " + std::to_string(i) + " has shape " + shape_string(in[i]) +
                   ", expected rank " + std::to_string(rank));
  }
}

// Dimensions after the batch must be known and positive.
void expect_known(const Node& node, const std::vector<Shape>& in, size_t i) {
  for (size_t d = 1; d < in[i].size(); ++d) {
    if (in[i][d] <= 0) {
      fail(node, "input " + std::to_string(i) + " has shape " + shape_string(in[i]) +
                     ", expected positive dimensions after the batch");
    }
  }
}

void expect_shape(const Node& node, const std::vector<Shape>& in, size_t i, const Shape& want,
                  const char* role) {
  if (in[i] != want) {
    fail(node, std::string(role) + " (input " + std::to_string(i) + ") has shape " +
                   shape_string(in[i]) + ", expected " + shape_string(want));
  }
}

int64_t per_sample(const Shape& shape) {
  int64_t n = 1;
  for (size_t d = 1; d < shape.size(); ++d) n *= shape[d];
  return n;
}

// Normalizes an axis against a rank (negative counts from the end).
int normalize_axis(const Node& node, int axis, size_t rank, const char* what) {
  const int r = static_cast<int>(rank);
  if (axis < -r || axis >= r) {
    fail(node, std::string(what) + " " + std::to_string(axis) + " is out of range for rank " +
                   std::to_string(rank));
  }
  return axis < 0 ? axis + r : axis;
}

// TFLite's output size: SAME keeps ceil(in / stride); VALID fits the dilated window entirely.
int64_t window_output(const Node& node, const char* dim_name, int64_t in, int64_t filter,
                      int stride, int dilation, Padding padding) {
  if (stride < 1 || dilation < 1 || filter < 1) {
    fail(node, std::string("stride, dilation and window along ") + dim_name +
                   " must be positive (stride " + std::to_string(stride) + ", dilation " +
                   std::to_string(dilation) + ", window " + std::to_string(filter) + ")");
  }
  const int64_t effective = (filter - 1) * dilation + 1;
  if (padding == Padding::kSame) return (in + stride - 1) / stride;
  if (effective > in) {
    fail(node, std::string("window ") + std::to_string(effective) + " (dilated) is larger than " +
                   dim_name + " " + std::to_string(in) + " with VALID padding");
  }
  return (in - effective) / stride + 1;
}

Shape fully_connected(const Node& node, const std::vector<Shape>& in) {
  expect_inputs(node, in, 2, 3);
  if (in[0].size() < 2) {
    fail(node, "input has shape " + shape_string(in[0]) + ", expected [batch, features, ...]");
  }
  expect_known(node, in, 0);
  expect_rank(node, in, 1, 2);
  const int64_t units = in[1][0], features = per_sample(in[0]);
  if (in[1][1] != features) {
    fail(node, "weights have shape " + shape_string(in[1]) + ", expected [units, " +
                   std::to_string(features) + "] for input " + shape_string(in[0]));
  }
  if (in.size() == 3) expect_shape(node, in, 2, {units}, "bias");
  return {in[0][0], units};
}

Shape conv2d(const Node& node, const std::vector<Shape>& in, bool depthwise) {
  expect_inputs(node, in, 2, 3);
  expect_rank(node, in, 0, 4);
  expect_known(node, in, 0);
  expect_rank(node, in, 1, 4);
  const Shape& x = in[0];
  const Shape& f = in[1];
  const Attributes& a = node.attrs;
  int64_t out_channels;
  if (depthwise) {
    // TFLite's depthwise filter is [1, kh, kw, C * multiplier]; the multiplier comes from it.
    if (f[0] != 1 || f[3] <= 0 || f[3] % x[3] != 0) {
      fail(node, "filter has shape " + shape_string(f) + ", expected [1, kh, kw, " +
                     std::to_string(x[3]) + " * multiplier]");
    }
    out_channels = f[3];
  } else {
    if (f[0] <= 0 || f[3] != x[3]) {
      fail(node, "filter has shape " + shape_string(f) + ", expected [out, kh, kw, " +
                     std::to_string(x[3]) + "]");
    }
    out_channels = f[0];
  }
  if (in.size() == 3) expect_shape(node, in, 2, {out_channels}, "bias");
  return {x[0], window_output(node, "height", x[1], f[1], a.stride_h, a.dilation_h, a.padding),
          window_output(node, "width", x[2], f[2], a.stride_w, a.dilation_w, a.padding),
          out_channels};
}

Shape pool2d(const Node& node, const std::vector<Shape>& in) {
  expect_inputs(node, in, 1, 1);
  expect_rank(node, in, 0, 4);
  expect_known(node, in, 0);
  const Attributes& a = node.attrs;
  const Shape& x = in[0];
  return {x[0], window_output(node, "height", x[1], a.filter_h, a.stride_h, 1, a.padding),
          window_output(node, "width", x[2], a.filter_w, a.stride_w, 1, a.padding), x[3]};
}

Shape mean(const Node& node, const std::vector<Shape>& in) {
  expect_inputs(node, in, 1, 1);
  const Shape& x = in[0];
  if (node.attrs.axes.empty()) fail(node, "needs at least one axis to reduce");
  std::vector<bool> reduced(x.size(), false);
  for (int axis : node.attrs.axes) {
    const int a = normalize_axis(node, axis, x.size(), "axis");
    if (a == 0) fail(node, "cannot reduce the batch dimension (axis 0)");
    if (reduced[a]) fail(node, "axis " + std::to_string(axis) + " is listed twice");
    reduced[a] = true;
  }
  Shape out;
  for (size_t d = 0; d < x.size(); ++d) {
    if (!reduced[d]) {
      out.push_back(x[d]);
    } else if (node.attrs.keep_dims) {
      out.push_back(1);
    }
  }
  return out;
}

Shape batch_norm(const Node& node, const std::vector<Shape>& in) {
  expect_inputs(node, in, 5, 5);
  if (in[0].size() < 2)
    fail(node, "input has shape " + shape_string(in[0]) + ", expected [..., C]");
  static const char* const kRoles[] = {"", "gamma", "beta", "moving_mean", "moving_variance"};
  for (size_t i = 1; i < 5; ++i) expect_shape(node, in, i, {in[0].back()}, kRoles[i]);
  return in[0];
}

Shape unary(const Node& node, const std::vector<Shape>& in) {
  expect_inputs(node, in, 1, 1);
  return in[0];
}

Shape softmax(const Node& node, const std::vector<Shape>& in) {
  expect_inputs(node, in, 1, 1);
  if (in[0].size() < 2) {
    fail(node, "input has shape " + shape_string(in[0]) + ", expected [batch, ..., classes]");
  }
  // TFLite's SOFTMAX always normalizes the last dimension.
  if (normalize_axis(node, node.attrs.axis, in[0].size(), "axis") !=
      static_cast<int>(in[0].size()) - 1) {
    fail(node, "axis " + std::to_string(node.attrs.axis) + " is not the last dimension");
  }
  return in[0];
}

Shape reshape(const Node& node, const std::vector<Shape>& in) {
  expect_inputs(node, in, 1, 1);
  expect_known(node, in, 0);
  const Shape& x = in[0];
  const Shape& want = node.attrs.new_shape;
  if (want.empty()) fail(node, "new_shape is empty, expected [-1, ...] with the batch first");
  if (x.empty()) fail(node, "input is a scalar, expected a batch dimension");
  if (want[0] != -1 && want[0] != x[0]) {
    fail(node, "new_shape " + shape_string(want) + " must keep the batch: first entry -1, not " +
                   std::to_string(want[0]));
  }
  Shape out = want;
  out[0] = x[0];
  int inferred = -1;
  int64_t known = 1;
  for (size_t d = 1; d < want.size(); ++d) {
    if (want[d] == -1) {
      if (inferred >= 0)
        fail(node, "new_shape " + shape_string(want) + " has two -1 after the batch");
      inferred = static_cast<int>(d);
    } else if (want[d] <= 0) {
      fail(node, "new_shape " + shape_string(want) + " has a non-positive dimension");
    } else {
      known *= want[d];
    }
  }
  const int64_t elements = per_sample(x);
  if (inferred >= 0) {
    if (elements % known != 0) {
      fail(node, "cannot reshape " + shape_string(x) + " to " + shape_string(want) + ": " +
                     std::to_string(elements) + " elements per sample");
    }
    out[inferred] = elements / known;
  } else if (known != elements) {
    fail(node, "cannot reshape " + shape_string(x) + " to " + shape_string(want) + ": " +
                   std::to_string(elements) + " elements per sample, " + std::to_string(known) +
                   " wanted");
  }
  return out;
}

Shape pad(const Node& node, const std::vector<Shape>& in) {
  expect_inputs(node, in, 1, 1);
  const Shape& x = in[0];
  const std::vector<int64_t>& p = node.attrs.paddings;
  if (p.size() != 2 * x.size()) {
    fail(node, "paddings has " + std::to_string(p.size()) + " entries, expected " +
                   std::to_string(2 * x.size()) + " (before and after for each of " +
                   shape_string(x) + ")");
  }
  if (x.empty()) return x;
  if (p[0] != 0 || p[1] != 0) fail(node, "cannot pad the batch dimension");
  Shape out = x;
  for (size_t d = 1; d < x.size(); ++d) {
    if (p[2 * d] < 0 || p[2 * d + 1] < 0) fail(node, "paddings must not be negative");
    out[d] = x[d] + p[2 * d] + p[2 * d + 1];
  }
  return out;
}

// NumPy/TFLite broadcasting: align from the end; each pair is equal or one side is 1. An unknown
// batch (-1) broadcasts with 1 or -1 and otherwise takes the other side's size.
Shape broadcast(const Node& node, const std::vector<Shape>& in) {
  expect_inputs(node, in, 2, 2);
  const Shape& a = in[0];
  const Shape& b = in[1];
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    int64_t d;
    if (da == db || db == 1) {
      d = da;
    } else if (da == 1) {
      d = db;
    } else if (da == -1 || db == -1) {
      d = da == -1 ? db : da;
    } else {
      fail(node, "cannot broadcast " + shape_string(a) + " with " + shape_string(b));
    }
    out[rank - 1 - i] = d;
  }
  return out;
}

Shape concatenation(const Node& node, const std::vector<Shape>& in) {
  if (in.empty()) fail(node, "expects at least one input");
  const Shape& first = in[0];
  const int axis = normalize_axis(node, node.attrs.axis, first.size(), "axis");
  if (axis == 0) fail(node, "cannot concatenate along the batch dimension (axis 0)");
  Shape out = first;
  for (size_t i = 1; i < in.size(); ++i) {
    bool fits = in[i].size() == first.size();
    for (size_t d = 0; fits && d < first.size(); ++d) {
      if (static_cast<int>(d) != axis && in[i][d] != first[d]) fits = false;
    }
    if (!fits) {
      fail(node, "input " + std::to_string(i) + " has shape " + shape_string(in[i]) +
                     ", which does not match input 0 " + shape_string(first) + " outside axis " +
                     std::to_string(axis));
    }
    out[axis] += in[i][axis];
  }
  return out;
}

// The optional second input holds the moving [min, max] of an activation.
Shape fake_quant(const Node& node, const std::vector<Shape>& in) {
  expect_inputs(node, in, 1, 2);
  if (in.size() == 2) expect_shape(node, in, 1, {2}, "range");
  if (in.size() == 1) normalize_axis(node, node.attrs.axis, in[0].size(), "axis");
  return in[0];
}

}  // namespace

Shape infer_shape(const Node& node, const std::vector<Shape>& in) {
  switch (node.type) {
    case OpType::kFullyConnected:
      return fully_connected(node, in);
    case OpType::kConv2D:
      return conv2d(node, in, false);
    case OpType::kDepthwiseConv2D:
      return conv2d(node, in, true);
    case OpType::kMaxPool2D:
    case OpType::kAveragePool2D:
      return pool2d(node, in);
    case OpType::kMean:
      return mean(node, in);
    case OpType::kBatchNorm:
      return batch_norm(node, in);
    case OpType::kRelu:
    case OpType::kRelu6:
    case OpType::kLeakyRelu:
    case OpType::kLogistic:
    case OpType::kTanh:
    case OpType::kHardSwish:
    case OpType::kDropout:
    case OpType::kQuantize:
      return unary(node, in);
    case OpType::kSoftmax:
      return softmax(node, in);
    case OpType::kReshape:
      return reshape(node, in);
    case OpType::kPad:
      return pad(node, in);
    case OpType::kAdd:
    case OpType::kMul:
      return broadcast(node, in);
    case OpType::kConcatenation:
      return concatenation(node, in);
    case OpType::kFakeQuant:
      return fake_quant(node, in);
  }
  fail(node, "unknown op type " + std::to_string(static_cast<int>(node.type)));
}

// Counted like `tinyforge inspect` counts a .tflite: only FC and convolutions, per sample.
int64_t node_macs(const Node& node, const std::vector<Shape>& in, const Shape& out) {
  switch (node.type) {
    case OpType::kFullyConnected:
      return in[1][0] * in[1][1];
    case OpType::kConv2D:  // each output element sums kh * kw * C products
      return per_sample(out) * in[1][1] * in[1][2] * in[1][3];
    case OpType::kDepthwiseConv2D:
      return per_sample(out) * in[1][1] * in[1][2];
    default:
      return 0;
  }
}

}  // namespace tinyforge::graph
