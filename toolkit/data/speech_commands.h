// Google Speech Commands' folder conventions, which many keyword datasets follow:
// ROOT/<word>/<speaker>_nohash_<n>.wav, background noise in ROOT/_background_noise_ (not a
// class), and ROOT/testing_list.txt / validation_list.txt naming the clips (relative to ROOT)
// of the test and validation splits, chosen by speaker so no speaker spans two splits.
#ifndef TINYFORGE_TOOLKIT_DATA_SPEECH_COMMANDS_H_
#define TINYFORGE_TOOLKIT_DATA_SPEECH_COMMANDS_H_

#include <optional>
#include <string>
#include <vector>

#include "toolkit/data/dataset.h"

namespace tinyforge::data {

inline constexpr const char* kBackgroundNoiseFolder = "_background_noise_";

// The speaker of a clip named <speaker>_nohash_<n>.wav; "" when the name has no "_nohash_".
std::string speaker_of(const std::string& path);

// ROOT/_background_noise_ when it exists, else "".
std::string background_noise_folder(const std::string& root);

// The split the lists give: samples whose source is ROOT/<a line of testing_list.txt> go to
// test, those of validation_list.txt to validation, the others are `unlisted`. nullopt when ROOT
// has neither list. Listed clips that are not in the dataset (a bad clip skipped, a typo) are
// counted in a warning.
struct ListedSplit {
  bool has_test_list = false, has_validation_list = false;
  std::vector<int64_t> unlisted, validation, test;
  std::vector<std::string> warnings;
};
std::optional<ListedSplit> listed_split(const Dataset& dataset, const std::string& root);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_SPEECH_COMMANDS_H_
