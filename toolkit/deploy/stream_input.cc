#include "toolkit/deploy/stream_input.h"

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>

#include "toolkit/data/csv.h"
#include "toolkit/data/wav_folder.h"
#include "toolkit/host/error.h"

namespace tinyforge::deploy {
namespace fs = std::filesystem;
using host::Error;

namespace {

bool is_csv(const fs::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".csv";
}

StreamSamples read_audio(const fs::path& path, const AppConfig& config) {
  SF_INFO info{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  if (file == nullptr) {
    throw Error(path.string() + ": unreadable audio (" + sf_strerror(nullptr) + ")");
  }
  if (info.channels != 1) {
    sf_close(file);
    throw Error(path.string() + ": " + std::to_string(info.channels) +
                " channels; the application reads mono audio (mix it down, e.g. sox IN -c 1 OUT)");
  }
  if (static_cast<uint32_t>(info.samplerate) != config.sample_rate_hz) {
    sf_close(file);
    throw Error(path.string() + ": sampled at " + std::to_string(info.samplerate) +
                " Hz; the application expects " + std::to_string(config.sample_rate_hz) +
                " Hz (resample it, or set --sample-rate if the models were made for that rate)");
  }
  if (info.frames > std::numeric_limits<int32_t>::max()) {
    sf_close(file);
    throw Error(path.string() + ": too long (" + std::to_string(info.frames) + " samples)");
  }
  // Read as floats (int16 PCM comes back as s / 32768 exactly) and scaled here: libsndfile hands
  // a float WAV to sf_readf_short unscaled, and beyond full scale it should saturate, as an ADC.
  std::vector<float> values(static_cast<size_t>(info.frames));
  const sf_count_t read = sf_readf_float(file, values.data(), info.frames);
  sf_close(file);
  if (read != info.frames) {
    throw Error(path.string() + ": read " + std::to_string(read) + " of " +
                std::to_string(info.frames) + " samples");
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i]))
      throw Error(path.string() + ": sample " + std::to_string(i) + " is not a finite number");
  }
  const std::vector<int16_t> samples = data::to_pcm16(values, data::SampleFormat::kFloat);
  StreamSamples s;
  s.count = static_cast<uint32_t>(samples.size());
  s.bytes.resize(samples.size() * sizeof(int16_t));
  std::memcpy(s.bytes.data(), samples.data(), s.bytes.size());
  return s;
}

bool is_number(const std::string& field) {
  if (field.empty()) return false;
  char* end = nullptr;
  std::strtod(field.c_str(), &end);
  return end != nullptr && *end == '\0';
}

// The sensor columns a header row names (all but a time column), or nothing for a row of numbers.
std::optional<std::vector<size_t>> header_sensor_columns(const std::vector<std::string>& fields) {
  if (std::all_of(fields.begin(), fields.end(), is_number)) return std::nullopt;
  std::vector<size_t> columns;
  for (size_t c = 0; c < fields.size(); ++c)
    if (!data::is_time_column(fields[c])) columns.push_back(c);
  return columns;
}

StreamSamples read_csv(const fs::path& path, const AppConfig& config) {
  std::ifstream in(path);
  if (!in) throw Error(path.string() + ": cannot open");
  // The columns holding the axes: every column, unless a header names a time column.
  std::vector<size_t> axes;
  for (size_t c = 0; c < config.axes; ++c) axes.push_back(c);
  size_t width = config.axes;  // fields per row
  std::vector<float> values;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const auto fields = data::split_csv_line(line, ',');
    const std::string where = path.string() + ":" + std::to_string(number);
    // A first row that is not all numbers is a header.
    const auto header = number == 1 ? header_sensor_columns(fields) : std::nullopt;
    if (header) {
      axes = *header;
      if (axes.size() != config.axes) {
        throw Error(where + ": the header names " + std::to_string(axes.size()) +
                    " sensor columns; the application reads " + std::to_string(config.axes) +
                    " axes per sample (--axes)");
      }
      width = fields.size();
      continue;
    }
    if (fields.size() != width) {
      throw Error(where + ": " + std::to_string(fields.size()) + " values; expected " +
                  std::to_string(width) + " (one per axis" +
                  (width > config.axes ? " and the time" : "") + ", --axes)");
    }
    for (size_t column : axes) {
      const std::string& field = fields[column];
      char* end = nullptr;
      const double v = std::strtod(field.c_str(), &end);
      if (field.empty() || *end != '\0' || !std::isfinite(v) ||
          std::fabs(v) > std::numeric_limits<float>::max()) {
        throw Error(where + ": column " + std::to_string(column + 1) + " is '" + field +
                    "'; expected a finite number");
      }
      values.push_back(static_cast<float>(v));
    }
  }
  StreamSamples s;
  s.count = static_cast<uint32_t>(values.size() / config.axes);
  s.bytes.resize(values.size() * sizeof(float));
  std::memcpy(s.bytes.data(), values.data(), s.bytes.size());
  return s;
}

}  // namespace

uint32_t sensor_columns(const fs::path& csv) {
  std::ifstream in(csv);
  if (!in) throw Error(csv.string() + ": cannot open");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const auto fields = data::split_csv_line(line, ',');
    const auto header = header_sensor_columns(fields);
    return static_cast<uint32_t>(header ? header->size() : fields.size());
  }
  throw Error(csv.string() + ": no samples");
}

std::string stream_source_of(const fs::path& path) { return is_csv(path) ? "sensor" : "audio"; }

StreamSamples read_stream_input(const fs::path& path, const AppConfig& config) {
  if (!fs::is_regular_file(path)) throw Error(path.string() + ": no such file");
  const bool audio = config.samples == app::SampleKind::kAudioInt16;
  if (audio == is_csv(path)) {
    throw Error(path.string() + ": the application reads " +
                (audio ? std::string("audio (a WAV file)")
                       : "sensor samples (a CSV file, one row per sample)") +
                " (--source " + (audio ? "audio" : "sensor") + ")");
  }
  StreamSamples s = audio ? read_audio(path, config) : read_csv(path, config);
  if (s.count == 0) throw Error(path.string() + ": no samples");
  if (s.count < config.window) {
    throw Error(path.string() + ": " + std::to_string(s.count) + " samples (" +
                std::to_string(static_cast<int64_t>(config.milliseconds(s.count))) +
                " ms), shorter than one window of " + std::to_string(config.window) +
                " samples: nothing to classify");
  }
  return s;
}

}  // namespace tinyforge::deploy
