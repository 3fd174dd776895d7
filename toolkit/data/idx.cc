#include "toolkit/data/idx.h"

#include <zlib.h>

#include <algorithm>

#include "toolkit/graph/tensor.h"
#include "toolkit/host/error.h"

namespace tinyforge::data {

std::vector<uint8_t> read_maybe_gzipped(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) throw host::Error(path + ": cannot open file");
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  for (;;) {
    int n = gzread(file, chunk, sizeof(chunk));
    if (n < 0) {
      int code = 0;
      std::string reason = gzerror(file, &code);
      gzclose(file);
      throw host::Error(path + ": cannot read (" + reason + ")");
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  gzclose(file);
  return bytes;
}

IdxArray read_idx(const std::string& path) {
  std::vector<uint8_t> bytes = read_maybe_gzipped(path);
  if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0) {
    throw host::Error(path + ": not an IDX file (expected magic 00 00 <type> <rank>)");
  }
  if (bytes[2] != 0x08) {
    throw host::Error(path + ": IDX value type 0x" + std::to_string(bytes[2]) +
                      " is not supported; expected 0x08 (unsigned byte)");
  }
  const int rank = bytes[3];
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  if (rank == 0 || bytes.size() < header) {
    throw host::Error(path + ": truncated IDX header (rank " + std::to_string(rank) + ")");
  }
  IdxArray array;
  int64_t count = 1;
  for (int i = 0; i < rank; ++i) {
    const uint8_t* p = &bytes[4 + 4 * i];
    int64_t dim = (int64_t{p[0]} << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
    array.dims.push_back(dim);
    // Dimensions multiply beyond any file size; once past it the count is wrong whatever follows.
    const int64_t available = static_cast<int64_t>(bytes.size() - header);
    count = (dim != 0 && count > available / dim) ? available + 1 : count * dim;
  }
  if (bytes.size() - header != static_cast<size_t>(count)) {
    throw host::Error(path + ": IDX dimensions " + graph::shape_string(array.dims) +
                      " do not match the " + std::to_string(bytes.size() - header) +
                      " values the file holds");
  }
  array.values.assign(bytes.begin() + header, bytes.end());
  return array;
}

Dataset load_idx(const std::string& images_path, const std::string& labels_path,
                 std::vector<std::string> class_names) {
  IdxArray images = read_idx(images_path);
  IdxArray labels = read_idx(labels_path);
  if (images.dims.size() != 3 && images.dims.size() != 4) {
    throw host::Error(images_path + ": images must have rank 3 [N,H,W] or 4 [N,H,W,C]; got " +
                      graph::shape_string(images.dims));
  }
  if (labels.dims.size() != 1 || labels.dims[0] != images.dims[0]) {
    throw host::Error(labels_path + ": expected " + std::to_string(images.dims[0]) +
                      " labels (shape [N]) to match " + images_path + "; got shape " +
                      graph::shape_string(labels.dims));
  }
  const int64_t n = images.dims[0];
  if (class_names.empty()) {
    int max_label = 0;
    for (uint8_t l : labels.values) max_label = std::max<int>(max_label, l);
    for (int k = 0; k <= max_label; ++k) class_names.push_back(std::to_string(k));
  }
  graph::Shape sample_shape{images.dims[1], images.dims[2],
                            images.dims.size() == 4 ? images.dims[3] : 1};
  Dataset dataset(sample_shape, std::move(class_names));
  dataset.reserve(n);
  std::vector<float> sample(static_cast<size_t>(dataset.sample_size()));
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* pixels = images.values.data() + i * dataset.sample_size();
    for (size_t j = 0; j < sample.size(); ++j) sample[j] = pixels[j] / 255.0f;
    // The source names the record so an error can point at it ("labels.gz:record 17").
    dataset.add(sample, labels.values[i], labels_path + ":" + std::to_string(i));
  }
  return dataset;
}

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                 "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                 "Bag",         "Ankle boot"};
  return names;
}

Dataset load_fashion_mnist(bool train, const std::string& dir) {
  const std::string prefix = dir + (train ? "/train" : "/t10k");
  return load_idx(prefix + "-images-idx3-ubyte.gz", prefix + "-labels-idx1-ubyte.gz",
                  fashion_mnist_classes());
}

}  // namespace tinyforge::data
