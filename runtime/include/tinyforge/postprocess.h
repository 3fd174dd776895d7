// Post-processing for a classifier that runs again and again over a sliding window of a stream:
// its outputs as fixed-point scores, averaged over the last N inferences, compared with per-class
// thresholds, and turned into events that fire once. Integer arithmetic after the one rounding of
// each score, so every machine takes the same decisions from the same model outputs.
#ifndef TINYFORGE_POSTPROCESS_H_
#define TINYFORGE_POSTPROCESS_H_

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/status.h"
#include "tinyforge/tensor.h"

namespace tinyforge {

// Scores are Q16.16 fixed point: kScoreOne is 1.0. A class whose threshold is kNeverFires is
// scored and averaged but never fires (background classes such as "silence").
constexpr int32_t kScoreOne = 65536;
constexpr int32_t kNeverFires = INT32_MAX;

// Element `index` of a float32, int8, uint8, int16 or int32 tensor as a real number: dequantized
// with the tensor's scale and zero point (the raw value if it has none).
float dequantized_value(const TensorView& tensor, int64_t index);
// Rounds half away from zero, saturating to the int32 range; NaN gives 0. Exact: no float addition.
int32_t round_to_int32(float value);

// Element `index` as a score: dequantized_value() in Q16, rounded, saturated.
int32_t score_q16(const TensorView& tensor, int64_t index);

// The mean squared difference of the dequantized elements of `a` and `b` (an autoencoder's input
// and reconstruction), as a score. Both hold `count` elements of the dtypes score_q16 reads.
int32_t mean_squared_error_q16(const TensorView& a, const TensorView& b, int64_t count);

// The softmax of `count` Q16 logits as Q16 probabilities (for classifiers that end without a
// softmax), in integer arithmetic: the same bits on every target. Rounded to within 1/65536.
void softmax_q16(const int32_t* logits, int count, int32_t* probabilities);  // may be in place

// The mean of each class's scores over the last `capacity` inferences (over fewer until that many
// have run), in caller memory: `history` holds capacity * classes scores.
class ScoreAverager {
 public:
  Status init(int32_t* history, int capacity, int classes);
  // Records one inference's scores and writes the averages (rounded half away from zero).
  void add(const int32_t* scores, int32_t* averages);
  void reset() { count_ = next_ = 0; }
  int classes() const { return classes_; }

 private:
  int32_t* history_ = nullptr;
  int capacity_ = 0;
  int classes_ = 0;
  int count_ = 0;  // inferences recorded, at most capacity_
  int next_ = 0;   // the slot the next inference overwrites
};

struct Event {
  int label = -1;     // class index
  int32_t score = 0;  // its averaged score (Q16)
  uint32_t time_ms = 0;
};

// Decides when an averaged score is an event. A class fires when its average reaches its
// threshold, it is armed, and no event fired in the last `suppression_ms` (a refractory time
// shared by every class); the best such class wins. Firing disarms the class until its average
// falls below the threshold again, so one long utterance or gesture fires once.
class EventDetector {
 public:
  // `thresholds` (Q16, per class) must outlive the detector; `armed` is caller memory for
  // `classes` flags.
  Status init(const int32_t* thresholds, uint8_t* armed, int classes, uint32_t suppression_ms);
  // True (and `*event` filled) if an event fires at `now_ms`.
  bool update(const int32_t* averages, uint32_t now_ms, Event* event);
  void reset();

 private:
  const int32_t* thresholds_ = nullptr;
  uint8_t* armed_ = nullptr;
  int classes_ = 0;
  uint32_t suppression_ms_ = 0;
  uint32_t last_event_ms_ = 0;
  bool fired_ = false;
};

}  // namespace tinyforge

#endif  // TINYFORGE_POSTPROCESS_H_
