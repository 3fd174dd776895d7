// The layout shared by image and WAV datasets: ROOT/<class name>/<file>, classes in sorted name
// order (so labels do not depend on directory listing order), files sorted within each class.
#ifndef TINYFORGE_TOOLKIT_DATA_CLASS_FOLDERS_H_
#define TINYFORGE_TOOLKIT_DATA_CLASS_FOLDERS_H_

#include <string>
#include <vector>

namespace tinyforge::data {

struct ClassFolders {
  std::vector<std::string> class_names;
  // files[k]: the files of class k with one of the accepted extensions.
  std::vector<std::vector<std::string>> files;
};

// Lists ROOT's class folders. `extensions` are lower-case with the dot (".png"); other files are
// ignored. Throws host::Error if ROOT is missing or has no class folder, and — unless skip_bad —
// if a class folder holds no accepted file (an empty class would silently shift nothing but
// leave the model a class it never sees). Empty classes skipped are reported in `skipped`.
ClassFolders list_class_folders(const std::string& root, const std::vector<std::string>& extensions,
                                bool skip_bad, std::vector<std::string>& skipped);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_CLASS_FOLDERS_H_
