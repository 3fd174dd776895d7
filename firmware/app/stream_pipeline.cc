#include "app/stream_pipeline.h"

#include <string.h>

namespace tinyforge::app {
namespace {

struct Layout {
  uint32_t ring = 0, stack = 0, scores = 0, averages = 0, history = 0, armed = 0;
  int32_t frames = 1;
  int64_t frame_elements = 0;
  uint32_t total() const { return ring + stack + scores + averages + history + armed; }
};

uint32_t align8(uint64_t bytes) { return static_cast<uint32_t>((bytes + 7u) & ~uint64_t{7}); }

bool scoreable(DataType type) { return convertible(type, DataType::kFloat32); }

// Checks the settings and the models against each other (the pipeline contract) and lays out the
// working memory. On failure `error` says what does not fit.
bool plan(const Settings& s, const Model* features, const Model& classifier, ErrorMessage* error,
          Layout* layout) {
  if (s.axes < 1 || s.sample_rate_hz < 1 || s.window < 1 || s.stride < 1 ||
      s.inference_period < 1 || s.average_count < 1 || s.num_labels < 1 || s.labels == nullptr ||
      s.thresholds == nullptr || s.norm_channels < 0 ||
      (s.norm_channels > 0 && (s.input_mean == nullptr || s.input_std == nullptr))) {
    error->add(
        "settings: axes, sample rate, window, stride, inference period, average count and "
        "labels must be set (at least 1)");
    return false;
  }
  if (classifier.num_inputs() < 1 || classifier.num_outputs() < 1) {
    error->add("classifier: needs an input and an output");
    return false;
  }
  const TensorView input = classifier.tensor(classifier.input_tensor(0));
  const TensorView output = classifier.tensor(classifier.output_tensor(0));
  const int64_t window_values = static_cast<int64_t>(s.window) * s.axes;
  const DataType sample_type =
      s.samples == SampleKind::kAudioInt16 ? DataType::kInt16 : DataType::kFloat32;
  if (!convertible(sample_type, input.type) || !scoreable(output.type)) {
    error->add("classifier: input 0 and output 0 must be int8, uint8, int16, int32 or float32");
    return false;
  }
  layout->frames = 1;
  layout->frame_elements = input.elements();
  if (features != nullptr) {
    if (features->num_inputs() < 1 || features->num_outputs() < 1) {
      error->add("feature model: needs an input and an output");
      return false;
    }
    const TensorView in = features->tensor(features->input_tensor(0));
    const TensorView frame = features->tensor(features->output_tensor(0));
    if (in.elements() != window_values) {
      error->add("feature model: input 0 has ")
          .add(in.elements())
          .add(" values, but a window is ")
          .add(static_cast<int64_t>(s.window))
          .add(" samples of ")
          .add(static_cast<int64_t>(s.axes))
          .add(" values");
      return false;
    }
    if (!convertible(sample_type, in.type) || !convertible(frame.type, input.type)) {
      error->add(
          "feature model: input 0 and output 0 must be int8, uint8, int16, int32 or float32");
      return false;
    }
    if (frame.elements() < 1 || input.elements() % frame.elements() != 0) {
      error->add("classifier: input 0 has ")
          .add(input.elements())
          .add(" values, not a whole number of feature frames of ")
          .add(frame.elements());
      return false;
    }
    layout->frame_elements = frame.elements();
    layout->frames = static_cast<int32_t>(input.elements() / frame.elements());
  } else if (input.elements() != window_values) {
    error->add("classifier: input 0 has ")
        .add(input.elements())
        .add(" values, but a window (no feature model) is ")
        .add(window_values);
    return false;
  }
  if (s.scoring != Scoring::kReconstruction && output.elements() != s.num_labels) {
    error->add("classifier: output 0 has ")
        .add(output.elements())
        .add(" scores, but there are ")
        .add(static_cast<int64_t>(s.num_labels))
        .add(" labels");
    return false;
  }
  if (s.scoring == Scoring::kReconstruction &&
      (output.elements() != input.elements() || s.num_labels != 1)) {
    error->add("anomaly: the autoencoder's output 0 must have its input's ")
        .add(input.elements())
        .add(" values (it has ")
        .add(output.elements())
        .add("), with one label");
    return false;
  }
  const uint64_t labels = static_cast<uint64_t>(s.num_labels);
  layout->ring = align8(static_cast<uint64_t>(s.window) * sample_bytes(s));
  layout->stack = align8(input.bytes());
  layout->scores = align8(4 * labels);
  layout->averages = align8(4 * labels);
  layout->history = align8(4 * labels * s.average_count);
  layout->armed = align8(labels);
  return true;
}

}  // namespace

uint32_t StreamPipeline::storage_bytes(const Settings& settings, const Model* features,
                                       const Model& classifier, ErrorMessage* error) {
  ErrorMessage ignored;
  Layout layout;
  return plan(settings, features, classifier, error != nullptr ? error : &ignored, &layout)
             ? layout.total()
             : 0;
}

Status StreamPipeline::fail(Status status, const char* what, const char* detail) {
  error_.clear();
  error_.add(what).add(detail);
  return status;
}

Status StreamPipeline::init(const Settings& settings, Interpreter* features,
                            Interpreter* classifier, void* storage, size_t storage_size) {
  error_.clear();
  settings_ = nullptr;
  if (classifier == nullptr || storage == nullptr)
    return fail(Status::kInvalidArgument, "no classifier or no storage");
  Layout layout;
  if (!plan(settings, features != nullptr ? &features->model() : nullptr, classifier->model(),
            &error_, &layout)) {
    return Status::kUnsupported;
  }
  if (storage_size < layout.total() || reinterpret_cast<uintptr_t>(storage) % 8 != 0) {
    error_.add("storage: ")
        .add(static_cast<int64_t>(storage_size))
        .add(" bytes, 8-aligned, needed ")
        .add(static_cast<int64_t>(layout.total()));
    return Status::kInvalidArgument;
  }
  uint8_t* p = static_cast<uint8_t*>(storage);
  memset(p, 0, layout.total());
  ring_.init(p, settings.window, sample_bytes(settings));
  p += layout.ring;
  stack_ = p;
  p += layout.stack;
  scores_ = reinterpret_cast<int32_t*>(p);
  p += layout.scores;
  averages_ = reinterpret_cast<int32_t*>(p);
  p += layout.averages;
  int32_t* history = reinterpret_cast<int32_t*>(p);
  p += layout.history;
  uint8_t* armed = p;
  if (averager_.init(history, static_cast<int>(settings.average_count), settings.num_labels) !=
          Status::kOk ||
      detector_.init(settings.thresholds, armed, settings.num_labels, settings.suppression_ms) !=
          Status::kOk) {
    return fail(Status::kInvalidArgument, "postprocess: bad settings");
  }
  stack_view_ = classifier->model().tensor(classifier->model().input_tensor(0));
  stack_view_.data = stack_;
  norm_ = Normalization{settings.input_mean, settings.input_std, settings.norm_channels};
  frames_ = layout.frames;
  frame_elements_ = layout.frame_elements;
  frames_seen_ = 0;
  until_step_ = settings.window;
  since_inference_ = 0;
  strides_ = 0;
  inferences_ = 0;
  settings_ = &settings;
  features_ = features;
  classifier_ = classifier;
  return Status::kOk;
}

void StreamPipeline::convert_window(const TensorView& to, void* to_data,
                                    const Normalization& norm) {
  int64_t written = 0;
  for (int i = 0; i < 2; ++i) {
    const TensorView run = settings_->samples == SampleKind::kAudioInt16
                               ? audio_samples_view(ring_.run(i))
                               : sensor_samples_view(ring_.run(i));
    const int64_t values = static_cast<int64_t>(ring_.run_length(i)) * settings_->axes;
    convert_values(run, values, to, to_data, written, norm);
    written += values;
  }
}

Status StreamPipeline::step(uint32_t now_ms, Event* events, int max_events, int* num_events) {
  ++strides_;
  if (features_ != nullptr) {
    const TensorView in = features_->input(0);
    convert_window(in, in.data, Normalization{});
    if (features_->invoke() != Status::kOk)
      return fail(Status::kKernelError, "feature model: ", features_->error());
    // The oldest frame leaves the stack, the new one goes last.
    const size_t frame_bytes = static_cast<size_t>(frame_elements_) * dtype_size(stack_view_.type);
    memmove(stack_, stack_ + frame_bytes, frame_bytes * static_cast<size_t>(frames_ - 1));
    convert_values(features_->output(0), frame_elements_, stack_view_, stack_,
                   frame_elements_ * (frames_ - 1), norm_);
    if (frames_seen_ < static_cast<uint32_t>(frames_)) ++frames_seen_;
    if (frames_seen_ < static_cast<uint32_t>(frames_)) return Status::kOk;
  }
  if (inferences_ > 0 && ++since_inference_ < settings_->inference_period) return Status::kOk;
  since_inference_ = 0;
  if (features_ == nullptr) convert_window(stack_view_, stack_, norm_);
  const TensorView input = classifier_->input(0);
  memcpy(input.data, stack_, input.bytes());
  if (classifier_->invoke() != Status::kOk)
    return fail(Status::kKernelError, "classifier: ", classifier_->error());
  ++inferences_;
  const TensorView output = classifier_->output(0);
  if (settings_->scoring == Scoring::kReconstruction) {
    scores_[0] = mean_squared_error_q16(stack_view_, output, output.elements());
  } else {
    for (int32_t c = 0; c < settings_->num_labels; ++c) scores_[c] = score_q16(output, c);
    if (settings_->scoring == Scoring::kSoftmax) {
      softmax_q16(scores_, settings_->num_labels, scores_);
    }
  }
  averager_.add(scores_, averages_);
  // Right after start the average holds fewer inferences than the thresholds were chosen for:
  // one noisy window would decide alone.
  if (inferences_ < settings_->average_count) return Status::kOk;
  Event event;
  if (detector_.update(averages_, now_ms, &event) && *num_events < max_events) {
    events[(*num_events)++] = event;
  }
  return Status::kOk;
}

Status StreamPipeline::push(const void* samples, uint32_t count, uint32_t now_ms, Event* events,
                            int max_events, int* num_events) {
  *num_events = 0;
  if (settings_ == nullptr) return fail(Status::kNotReady, "push before a successful init");
  if (samples == nullptr && count > 0) return fail(Status::kInvalidArgument, "push: no samples");
  const uint8_t* p = static_cast<const uint8_t*>(samples);
  const uint32_t size = sample_bytes(*settings_);
  while (count > 0) {
    const uint32_t n = count < until_step_ ? count : until_step_;
    ring_.write(p, n);
    p += static_cast<size_t>(n) * size;
    count -= n;
    until_step_ -= n;
    if (until_step_ == 0) {
      until_step_ = settings_->stride;
      const Status status = step(now_ms, events, max_events, num_events);
      if (status != Status::kOk) return status;
    }
  }
  return Status::kOk;
}

}  // namespace tinyforge::app
