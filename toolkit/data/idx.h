// IDX files (the MNIST format: big-endian magic, dimensions, then raw values), gzipped or not,
// and Fashion-MNIST, the embedded default dataset (Debian's dataset-fashion-mnist).
#ifndef TINYFORGE_TOOLKIT_DATA_IDX_H_
#define TINYFORGE_TOOLKIT_DATA_IDX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "toolkit/data/dataset.h"

namespace tinyforge::data {

// One IDX array of unsigned bytes (type 0x08): its dimensions and values.
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> values;
};

// Reads a whole file, inflating it if it is gzip (zlib reads plain files unchanged).
std::vector<uint8_t> read_maybe_gzipped(const std::string& path);
// Parses an IDX file of unsigned bytes; throws host::Error naming the file on a bad header/size.
IdxArray read_idx(const std::string& path);

// Images [N, H, W] (or [N, H, W, C]) and labels [N] into a dataset of [H, W, 1] samples scaled to
// [0, 1] (pixels / 255, as the PyTorch baseline does). Class names default to "0".."K-1".
Dataset load_idx(const std::string& images_path, const std::string& labels_path,
                 std::vector<std::string> class_names = {});

// Where Debian installs Fashion-MNIST.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
// The ten Fashion-MNIST class names, in label order.
const std::vector<std::string>& fashion_mnist_classes();
// The 60000 training or 10000 test images from `dir` (train-*/t10k-*-idx?-ubyte.gz).
Dataset load_fashion_mnist(bool train, const std::string& dir = kFashionMnistDir);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_IDX_H_
