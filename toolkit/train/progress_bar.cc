#include "toolkit/train/progress_bar.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace tinyforge::train {

namespace {

std::string format_seconds(double s) {
  char buf[32];
  const int total = static_cast<int>(std::lround(s));
  if (total >= 3600) {
    std::snprintf(buf, sizeof buf, "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%d:%02d", total / 60, total % 60);
  }
  return buf;
}

}  // namespace

ProgressBar::ProgressBar(bool enabled, int epoch, int epochs, int64_t batches)
    : enabled_(enabled),
      terminal_(isatty(STDERR_FILENO) != 0),
      epoch_(epoch),
      epochs_(epochs),
      batches_(batches),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

std::string ProgressBar::line(int64_t done, double loss, double accuracy_pct) const {
  constexpr int kWidth = 24;
  const double fraction = batches_ > 0 ? static_cast<double>(done) / batches_ : 1.0;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(filled, '=');
  if (filled < kWidth) bar += '>' + std::string(kWidth - filled - 1, ' ');
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  char buf[256];
  int n = std::snprintf(buf, sizeof buf, "epoch %d/%d [%s] %lld/%lld loss %.4f", epoch_, epochs_,
                        bar.c_str(), static_cast<long long>(done), static_cast<long long>(batches_),
                        loss);
  if (!std::isnan(accuracy_pct))
    n += std::snprintf(buf + n, sizeof buf - n, " acc %.2f%%", accuracy_pct);
  if (done < batches_ && done > 0) {
    const double eta = elapsed / done * (batches_ - done);
    std::snprintf(buf + n, sizeof buf - n, " ETA %s", format_seconds(eta).c_str());
  } else {
    std::snprintf(buf + n, sizeof buf - n, " %s", format_seconds(elapsed).c_str());
  }
  return buf;
}

void ProgressBar::update(int64_t done, double loss, double accuracy_pct) {
  done_ = done;
  loss_ = loss;
  accuracy_ = accuracy_pct;
  if (!enabled_ || !terminal_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < batches_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  std::cerr << '\r' << line(done, loss, accuracy_pct) << "\033[K" << std::flush;
}

void ProgressBar::finish(const std::string& tail) {
  if (!enabled_) return;
  std::cerr << (terminal_ ? "\r" : "") << line(done_, loss_, accuracy_) << tail
            << (terminal_ ? "\033[K" : "") << std::endl;
}

}  // namespace tinyforge::train
