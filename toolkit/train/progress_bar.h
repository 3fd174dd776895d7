// The training progress line on stderr: epoch, a bar, batches done, live loss and accuracy,
// elapsed time and ETA. On a terminal it redraws in place (at most ~10 times a second); when
// stderr is a file or pipe it prints only each epoch's final line, so logs stay readable.
#ifndef TINYFORGE_TOOLKIT_TRAIN_PROGRESS_BAR_H_
#define TINYFORGE_TOOLKIT_TRAIN_PROGRESS_BAR_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace tinyforge::train {

class ProgressBar {
 public:
  ProgressBar(bool enabled, int epoch, int epochs, int64_t batches);
  // After batch `done` (1-based) with the running mean loss and accuracy (NaN = not shown).
  void update(int64_t done, double loss, double accuracy_pct);
  // Ends the line, appending `tail` (validation figures).
  void finish(const std::string& tail);

 private:
  std::string line(int64_t done, double loss, double accuracy_pct) const;
  bool enabled_, terminal_;
  int epoch_, epochs_;
  int64_t batches_;
  int64_t done_ = 0;
  double loss_ = 0, accuracy_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace tinyforge::train

#endif  // TINYFORGE_TOOLKIT_TRAIN_PROGRESS_BAR_H_
