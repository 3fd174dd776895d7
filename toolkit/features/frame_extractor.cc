#include "toolkit/features/frame_extractor.h"

#include <cstring>
#include <string>

#include "toolkit/host/error.h"

namespace tinyforge::features {

FrameExtractor::FrameExtractor(const host::ModelFile& model) : interpreter_(model) {
  const Model& m = model.model();
  if (m.num_inputs() != 1)
    throw host::Error(model.label() + ": a feature model has one input (a window of samples), " +
                      "this one has " + std::to_string(m.num_inputs()));
  const TensorView in = input();
  if (in.type == DataType::kFloat32 && in.rank >= 2 && in.dim(-1) <= 16 && in.dim(-2) > 1) {
    // [window, axes] or [1, window, axes]: interleaved sensor samples.
    channels_ = in.dim(-1);
  } else if (in.type != DataType::kInt16 && in.type != DataType::kFloat32 &&
             in.type != DataType::kInt8) {
    throw host::Error(model.label() + ": a feature model's input holds samples (int16, int8 or " +
                      "float32), not " + dtype_name(in.type));
  }
  window_ = in.elements() / channels_;
}

int64_t FrameExtractor::frames_for(int64_t sample_count, int64_t stride) const {
  if (stride < 1) throw host::Error("stride must be at least one sample");
  if (sample_count < window_) return 0;
  return (sample_count - window_) / stride + 1;
}

std::vector<uint8_t> FrameExtractor::run(std::span<const uint8_t> samples, int64_t stride) {
  const size_t per_sample = sample_bytes();
  const int64_t count = static_cast<int64_t>(samples.size() / per_sample);
  const int64_t frames = frames_for(count, stride);
  std::vector<uint8_t> out(static_cast<size_t>(frames) * frame_bytes());
  Interpreter& interpreter = interpreter_.get();
  for (int64_t f = 0; f < frames; ++f) {
    // The input is consumed by each invoke (the planner may reuse its memory), so set it every
    // time.
    const TensorView in = interpreter.input(0);
    std::memcpy(in.data, samples.data() + static_cast<size_t>(f * stride) * per_sample, in.bytes());
    interpreter_.invoke();
    std::memcpy(out.data() + static_cast<size_t>(f) * frame_bytes(), interpreter.output(0).data,
                frame_bytes());
  }
  return out;
}

}  // namespace tinyforge::features
