// The recording `tinyforge stream` plays to an application: a WAV file (mono int16 audio at the
// application's sample rate) or a CSV file (one sample per row, one finite number per axis; a
// header row may name a time column, t, time, time_s, time_ms or timestamp, which is skipped),
// checked against the settings and turned into the raw samples the sensor would deliver.
#ifndef TINYFORGE_TOOLKIT_DEPLOY_STREAM_INPUT_H_
#define TINYFORGE_TOOLKIT_DEPLOY_STREAM_INPUT_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "toolkit/deploy/app_config.h"

namespace tinyforge::deploy {

struct StreamSamples {
  std::vector<uint8_t> bytes;  // little-endian samples back to back, as sensor_read() delivers
  uint32_t count = 0;          // samples (each `axes` values)
};

// "audio" for a .csv-less recording (WAV, FLAC, ... as libsndfile reads them), "sensor" for .csv.
std::string stream_source_of(const std::filesystem::path& path);

// The sensor columns of a CSV recording: its header's columns but a time column (t, time,
// timestamp, ...), or every field of its first row when it has no header.
uint32_t sensor_columns(const std::filesystem::path& csv);

// Reads and checks the recording: a clear Error (naming the file, the line or field, and what was
// expected) for an unreadable file, stereo audio, another sample rate, no samples, a ragged row
// or a value that is not a finite number, and a stream shorter than one window.
StreamSamples read_stream_input(const std::filesystem::path& path, const AppConfig& config);

}  // namespace tinyforge::deploy

#endif  // TINYFORGE_TOOLKIT_DEPLOY_STREAM_INPUT_H_
