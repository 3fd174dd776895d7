// A trial's project file: the user's project with the candidate's layers as its model, its
// learning rate and feature settings, the `tune:` block removed and relative data paths made
// absolute (the trial's file lives in another directory).
#ifndef TINYFORGE_TOOLKIT_TUNE_TRIAL_PROJECT_H_
#define TINYFORGE_TOOLKIT_TUNE_TRIAL_PROJECT_H_

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>

#include "toolkit/tune/search_space.h"

namespace tinyforge::tune {

std::string trial_project_text(const YAML::Node& project, const std::filesystem::path& base_dir,
                               const Candidate& candidate, int classes,
                               const std::filesystem::path& output_dir);

}  // namespace tinyforge::tune

#endif  // TINYFORGE_TOOLKIT_TUNE_TRIAL_PROJECT_H_
