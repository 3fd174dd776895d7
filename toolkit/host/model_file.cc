#include "toolkit/host/model_file.h"

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "toolkit/host/error.h"

namespace tinyforge::host {

AlignedBytes::AlignedBytes(size_t size) : size_(size) {
  const size_t rounded = ((size + 15) / 16) * 16;
  data_.reset(static_cast<uint8_t*>(std::aligned_alloc(16, rounded == 0 ? 16 : rounded)));
  if (!data_) throw std::bad_alloc();
  std::memset(data_.get(), 0, rounded == 0 ? 16 : rounded);
}

void AlignedBytes::Free::operator()(uint8_t* p) const { std::free(p); }

std::vector<uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open for reading");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) throw Error(path.string() + ": cannot determine its size");
  in.seekg(0);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw Error(path.string() + ": read failed");
  return bytes;
}

void write_file(const std::filesystem::path& path, const void* data, size_t size) {
  const std::filesystem::path temporary = path.string() + ".partial";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path.string() + ": cannot open for writing");
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out.flush()) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw Error(path.string() + ": write failed");
    }
  }
  std::filesystem::rename(temporary, path);
}

ModelFile::ModelFile(const std::filesystem::path& path, bool allow_unrunnable)
    : label_(path.string()) {
  const std::vector<uint8_t> raw = read_file(path);
  bytes_ = AlignedBytes(raw.size());
  if (!raw.empty()) std::memcpy(bytes_.data(), raw.data(), raw.size());
  load(allow_unrunnable);
}

ModelFile::ModelFile(const void* data, size_t size, std::string label, bool allow_unrunnable)
    : bytes_(size), label_(std::move(label)) {
  if (size > 0) std::memcpy(bytes_.data(), data, size);
  load(allow_unrunnable);
}

void ModelFile::load(bool allow_unrunnable) {
  const Status status = model_.load(bytes_.data(), bytes_.size());
  if (status == Status::kOk) return;
  const std::string reason = std::string(status_name(status)) + ": " + model_.error();
  if (allow_unrunnable &&
      model_.load(bytes_.data(), bytes_.size(), Verification::kStructure) == Status::kOk) {
    unrunnable_reason_ = reason;
    return;
  }
  throw Error(label_ + ": " + reason);
}

ArenaUsage plan_arena(const Model& model, const PlanOptions& options) {
  AlignedBytes work(Interpreter::planner_work_bytes(model));
  ArenaUsage usage;
  ErrorMessage error;
  const Status status = Interpreter::plan(model, work.data(), work.size(), &usage, &error, options);
  if (status != Status::kOk) throw Error(std::string("memory plan: ") + error.c_str());
  return usage;
}

ArenaUsage plan_device_arena(const Model& model, KernelSet kernels, bool patches) {
  PlanOptions options;
  options.pointer_bytes = 4;
  options.kernels = kernels;
  options.patches = patches;
  return plan_arena(model, options);
}

HostInterpreter::HostInterpreter(const ModelFile& file, bool patches)
    : file_(file), arena_(plan_arena(file.model(), host_plan_options(patches)).total_bytes) {
  const Status status =
      interpreter_.init(file.model(), arena_.data(), arena_.size(), host_plan_options(patches));
  if (status != Status::kOk)
    throw Error(file.label() + ": " + status_name(status) + ": " + interpreter_.error());
}

void HostInterpreter::invoke() {
  const Status status = interpreter_.invoke();
  if (status != Status::kOk)
    throw Error(file_.label() + ": invoke: " + status_name(status) + ": " + interpreter_.error());
}

std::vector<uint8_t> random_input(const TensorView& tensor, uint64_t seed, int input_index) {
  uint64_t state = seed * 1000003u + static_cast<uint64_t>(input_index);
  auto next = [&state]() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  const size_t count = static_cast<size_t>(tensor.elements());
  const size_t width = dtype_size(tensor.type);
  std::vector<uint8_t> bytes(count * width);
  for (size_t i = 0; i < count; ++i) {
    const uint64_t r = next();
    uint8_t* out = bytes.data() + i * width;
    switch (tensor.type) {
      case DataType::kFloat32: {
        const float value =
            static_cast<float>(static_cast<double>(r >> 40) / 16777216.0 * 2.0 - 1.0);
        std::memcpy(out, &value, 4);
        break;
      }
      case DataType::kInt16:
      case DataType::kUInt16: {
        const uint16_t value = static_cast<uint16_t>(r & 0xFFFF);
        std::memcpy(out, &value, 2);
        break;
      }
      case DataType::kUInt32: {
        const uint32_t value = static_cast<uint8_t>(r & 0xFF);
        std::memcpy(out, &value, 4);
        break;
      }
      case DataType::kUInt64: {
        const uint64_t value = static_cast<uint8_t>(r & 0xFF);
        std::memcpy(out, &value, 8);
        break;
      }
      case DataType::kInt32: {
        const int32_t value = static_cast<int8_t>(r & 0xFF);
        std::memcpy(out, &value, 4);
        break;
      }
      case DataType::kInt64: {
        const int64_t value = static_cast<int8_t>(r & 0xFF);
        std::memcpy(out, &value, 8);
        break;
      }
      default:  // int8, uint8, bool: the low byte
        *out = static_cast<uint8_t>(r & 0xFF);
        break;
    }
  }
  return bytes;
}

}  // namespace tinyforge::host
