// What the generated app_config.cc of a deployed stream application provides to app_main.cc: the
// settings, the models in flash and the RAM sized for them on the host (arenas, the pipeline's
// working memory and one chunk of samples).
#ifndef TINYFORGE_FIRMWARE_APP_APP_IMAGE_H_
#define TINYFORGE_FIRMWARE_APP_APP_IMAGE_H_

#include <stddef.h>
#include <stdint.h>

#include "app/settings.h"

namespace tinyforge::app {

struct AppImage {
  const Settings* settings;
  const uint8_t* classifier_model;
  size_t classifier_model_bytes;
  uint8_t* classifier_arena;
  size_t classifier_arena_bytes;
  const uint8_t* features_model;  // null: the classifier takes raw windows
  size_t features_model_bytes;
  uint8_t* features_arena;
  size_t features_arena_bytes;
  void* storage;  // StreamPipeline::storage_bytes()
  size_t storage_bytes;
  void* chunk;  // what one sensor_read() delivers: one stride of samples
  uint32_t chunk_samples;
};

extern const AppImage g_app_image;

}  // namespace tinyforge::app

#endif  // TINYFORGE_FIRMWARE_APP_APP_IMAGE_H_
