// The layout shared by image, WAV and CSV-recording datasets: ROOT/<class name>/<file>, classes in
// sorted name order (so labels do not depend on directory listing order), files sorted within
// each class. Hidden entries (names starting with '.', such as .ipynb_checkpoints or .DS_Store)
// are never classes or samples.
#ifndef TINYFORGE_TOOLKIT_DATA_CLASS_FOLDERS_H_
#define TINYFORGE_TOOLKIT_DATA_CLASS_FOLDERS_H_

#include <filesystem>
#include <string>
#include <vector>

namespace tinyforge::data {

struct ClassFolders {
  std::vector<std::string> class_names;
  // files[k]: the files of class k with one of the accepted extensions.
  std::vector<std::vector<std::string>> files;
};

// Whether a file or folder is hidden (its name starts with '.').
bool is_hidden(const std::filesystem::path& path);

// Lists ROOT's class folders. `extensions` are lower-case with the dot (".png"); other files are
// ignored, and so are hidden entries and the folders named in `not_classes` (e.g. Speech
// Commands' _background_noise_). Throws host::Error if ROOT is missing or has no class folder,
// and — unless skip_bad — if a class folder holds no accepted file (an empty class would leave
// the model a class it never sees). Empty classes skipped are reported in `skipped`.
ClassFolders list_class_folders(const std::string& root, const std::vector<std::string>& extensions,
                                bool skip_bad, std::vector<std::string>& skipped,
                                const std::vector<std::string>& not_classes = {});

// ROOT's visible subfolders minus `not_classes`, sorted (empty if ROOT is not a directory).
std::vector<std::filesystem::path> visible_subfolders(
    const std::string& root, const std::vector<std::string>& not_classes = {});

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_CLASS_FOLDERS_H_
