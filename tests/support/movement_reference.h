// Plain reference implementations of the data movement ops for kernel tests, written with
// multi-indices over std::vector and sharing no code with the runtime's kernels.
#ifndef TINYFORGE_TESTS_SUPPORT_MOVEMENT_REFERENCE_H_
#define TINYFORGE_TESTS_SUPPORT_MOVEMENT_REFERENCE_H_

#include <algorithm>
#include <cstdint>
#include <vector>

namespace tinyforge::testing {

using Shape = std::vector<int32_t>;

inline int64_t shape_size(const Shape& shape) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

// Row-major flat index of a multi-index.
inline int64_t flat_index(const Shape& shape, const std::vector<int64_t>& index) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + index[d];
  return flat;
}

// Multi-index of a row-major flat index.
inline std::vector<int64_t> multi_index(const Shape& shape, int64_t flat) {
  std::vector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

template <typename T>
std::vector<T> reference_pad(const std::vector<T>& in, const Shape& in_shape,
                             const std::vector<std::pair<int, int>>& paddings, T value,
                             Shape* out_shape) {
  Shape out = in_shape;
  for (size_t d = 0; d < out.size(); ++d) out[d] += paddings[d].first + paddings[d].second;
  std::vector<T> result(shape_size(out), value);
  for (int64_t i = 0; i < static_cast<int64_t>(in.size()); ++i) {
    std::vector<int64_t> index = multi_index(in_shape, i);
    for (size_t d = 0; d < index.size(); ++d) index[d] += paddings[d].first;
    result[flat_index(out, index)] = in[i];
  }
  *out_shape = out;
  return result;
}

// The positions a strided slice visits along one axis, in TensorFlow's semantics.
inline std::vector<int64_t> slice_positions(int64_t size, int64_t begin, int64_t end,
                                            int64_t stride, bool begin_masked, bool end_masked,
                                            bool shrink, bool offset) {
  auto normalize = [&](int64_t v) {
    if (v < 0) v += size;
    return stride > 0 ? std::clamp<int64_t>(v, 0, size) : std::clamp<int64_t>(v, -1, size - 1);
  };
  const int64_t first = begin_masked ? (stride > 0 ? 0 : size - 1) : normalize(begin);
  if (shrink)
    return first >= 0 && first < size ? std::vector<int64_t>{first} : std::vector<int64_t>{};
  int64_t last = offset ? first + end : end;
  last = end_masked ? (stride > 0 ? size : -1) : normalize(last);
  std::vector<int64_t> positions;
  for (int64_t p = first; stride > 0 ? p < last : p > last; p += stride) positions.push_back(p);
  return positions;
}

template <typename T>
std::vector<T> reference_gather_positions(const std::vector<T>& in, const Shape& in_shape,
                                          const std::vector<std::vector<int64_t>>& positions) {
  Shape counts;
  for (const auto& p : positions) counts.push_back(static_cast<int32_t>(p.size()));
  std::vector<T> out(shape_size(counts));
  for (int64_t o = 0; o < static_cast<int64_t>(out.size()); ++o) {
    const std::vector<int64_t> index = multi_index(counts, o);
    std::vector<int64_t> src(index.size());
    for (size_t d = 0; d < index.size(); ++d) src[d] = positions[d][index[d]];
    out[o] = in[flat_index(in_shape, src)];
  }
  return out;
}

template <typename T>
std::vector<T> reference_transpose(const std::vector<T>& in, const Shape& in_shape,
                                   const std::vector<int>& perm, Shape* out_shape) {
  Shape out(in_shape.size());
  for (size_t k = 0; k < perm.size(); ++k) out[k] = in_shape[perm[k]];
  std::vector<T> result(in.size());
  for (int64_t o = 0; o < static_cast<int64_t>(result.size()); ++o) {
    const std::vector<int64_t> index = multi_index(out, o);
    std::vector<int64_t> src(index.size());
    for (size_t k = 0; k < perm.size(); ++k) src[perm[k]] = index[k];
    result[o] = in[flat_index(in_shape, src)];
  }
  *out_shape = out;
  return result;
}

// Concatenation along `axis`: each output element comes from the input whose range along the
// axis holds its coordinate.
template <typename T>
std::vector<T> reference_concat(const std::vector<std::vector<T>>& inputs,
                                const std::vector<Shape>& shapes, int axis, Shape* out_shape) {
  Shape out = shapes[0];
  out[axis] = 0;
  for (const Shape& s : shapes) out[axis] += s[axis];
  std::vector<T> result(shape_size(out));
  for (int64_t o = 0; o < static_cast<int64_t>(result.size()); ++o) {
    std::vector<int64_t> index = multi_index(out, o);
    size_t which = 0;
    while (index[axis] >= shapes[which][axis]) index[axis] -= shapes[which++][axis];
    result[o] = inputs[which][flat_index(shapes[which], index)];
  }
  *out_shape = out;
  return result;
}

// Part k of n along `axis` (split), or, with n == size along axis and the axis dropped, unpack.
template <typename T>
std::vector<T> reference_part(const std::vector<T>& in, const Shape& in_shape, int axis, int n,
                              int k, bool drop_axis) {
  Shape part = in_shape;
  part[axis] /= n;
  std::vector<T> result(shape_size(part));
  for (int64_t o = 0; o < static_cast<int64_t>(result.size()); ++o) {
    std::vector<int64_t> index = multi_index(part, o);
    index[axis] += static_cast<int64_t>(k) * part[axis];
    result[o] = in[flat_index(in_shape, index)];
  }
  (void)drop_axis;  // dropping a size-1 axis does not change the element order
  return result;
}

// Stacks same-shape inputs along a new axis.
template <typename T>
std::vector<T> reference_pack(const std::vector<std::vector<T>>& inputs, const Shape& in_shape,
                              int axis, Shape* out_shape) {
  Shape out = in_shape;
  out.insert(out.begin() + axis, static_cast<int32_t>(inputs.size()));
  std::vector<T> result(shape_size(out));
  for (int64_t o = 0; o < static_cast<int64_t>(result.size()); ++o) {
    std::vector<int64_t> index = multi_index(out, o);
    const int64_t which = index[axis];
    index.erase(index.begin() + axis);
    result[o] = inputs[which][flat_index(in_shape, index)];
  }
  *out_shape = out;
  return result;
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_MOVEMENT_REFERENCE_H_
