// Object detection annotations made with LabelImg: Pascal VOC XML (one .xml per image, boxes in
// pixels) and YOLO txt (one .txt per image, "class cx cy w h" normalized to the image size, plus
// classes.txt). Both become one list of images with boxes in pixel corners.
#ifndef TINYFORGE_TOOLKIT_DATA_DETECTION_H_
#define TINYFORGE_TOOLKIT_DATA_DETECTION_H_

#include <string>
#include <vector>

namespace tinyforge::data {

struct Box {
  int label = 0;                                 // index into DetectionSet::class_names
  float xmin = 0, ymin = 0, xmax = 0, ymax = 0;  // pixels
  // VOC's <difficult>1</difficult>: trained on, but a detector is not blamed for missing it.
  bool difficult = false;
  float centre_x() const { return (xmin + xmax) / 2; }
  float centre_y() const { return (ymin + ymax) / 2; }
};

struct DetectionSample {
  std::string image;       // path of the image file
  std::string annotation;  // path of the .xml/.txt it came from
  int width = 0, height = 0;
  std::vector<Box> boxes;
};

struct DetectionSet {
  std::vector<std::string> class_names;
  std::vector<DetectionSample> samples;
  std::vector<std::string> skipped;  // bad annotations skipped with skip_bad
};

// Every *.xml in `dir` (sorted). A box must lie inside the image (LabelImg's one-pixel overhang
// at the border is clamped) and have a positive area, and the image must exist; otherwise the
// error names the file and line (skip_bad skips the file instead). Classes are the object names in
// order of first appearance unless `class_names` is given (then an unknown name is bad data). Image
// paths are resolved against `dir` when the <filename> file exists there, else <path>.
DetectionSet load_voc(const std::string& dir, std::vector<std::string> class_names = {},
                      bool skip_bad = false);

// Every *.txt in `dir` but classes.txt (sorted), with the image of the same stem
// (.png/.jpg/.jpeg/.bmp) whose size stb reads from its header. Class names come from
// dir/classes.txt, one per line.
DetectionSet load_yolo(const std::string& dir, bool skip_bad = false);

// A detection dataset: each image decoded to `options.channels` channels of [0, 1] floats at
// options.width x options.height (resized when options.resize, else every image must have that
// size; 0 takes the first image's), its boxes scaled to those pixels with labels shifted by one:
// class 0 is "background", the class a centroid detector gives cells without an object.
class Dataset;
struct ImageOptions;
Dataset detection_dataset(const DetectionSet& set, const ImageOptions& options);

}  // namespace tinyforge::data

#endif  // TINYFORGE_TOOLKIT_DATA_DETECTION_H_
