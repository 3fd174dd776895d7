// Tensor files of DESIGN.md's command-line contract: raw little-endian bytes, one file per tensor.
#ifndef TINYFORGE_TOOLKIT_HOST_TENSOR_IO_H_
#define TINYFORGE_TOOLKIT_HOST_TENSOR_IO_H_

#include <filesystem>
#include <string>
#include <vector>

#include "tinyforge/tensor.h"

namespace tinyforge::host {

// Reads `path` into `tensor`; throws Error if the size is not exactly the tensor's bytes.
void load_tensor_file(const std::filesystem::path& path, const TensorView& tensor,
                      const std::string& what);
// Values as text: "[1, 2, 3]" (float32 with 6 significant digits), at most `limit` values.
std::string tensor_values_text(const TensorView& tensor, size_t limit = 64);
// The dequantized (or float) value of element i.
double tensor_value(const TensorView& tensor, size_t i);

}  // namespace tinyforge::host

#endif  // TINYFORGE_TOOLKIT_HOST_TENSOR_IO_H_
