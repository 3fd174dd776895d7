// Detection data (toolkit/data/detection.h, detection_augment.h, train/centroid_targets.h):
// hand-written LabelImg files (its Pascal VOC layout: difficult and truncated flags, boxes
// touching the border, an image listed but missing), every kind of bad annotation named by file
// and line or skipped with skip_bad, the detection dataset load_dataset() makes of them, boxes
// moved with the pixels by augmentation, and the heat-map targets made from box centres.
#include <gtest/gtest.h>
#include <stb/stb_image_write.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "toolkit/data/config.h"
#include "toolkit/data/detection.h"
#include "toolkit/data/detection_augment.h"
#include "toolkit/host/error.h"
#include "toolkit/train/box_targets.h"
#include "toolkit/train/centroid_targets.h"

namespace tinyforge::data {
namespace {

namespace fs = std::filesystem;

// One LabelImg object block, as LabelImg writes it.
std::string labelimg_object(const std::string& name, int xmin, int ymin, int xmax, int ymax,
                            int truncated = 0, int difficult = 0) {
  return "\t<object>\n\t\t<name>" + name +
         "</name>\n\t\t<pose>Unspecified</pose>\n\t\t<truncated>" + std::to_string(truncated) +
         "</truncated>\n\t\t<difficult>" + std::to_string(difficult) +
         "</difficult>\n\t\t<bndbox>\n\t\t\t<xmin>" + std::to_string(xmin) +
         "</xmin>\n\t\t\t<ymin>" + std::to_string(ymin) + "</ymin>\n\t\t\t<xmax>" +
         std::to_string(xmax) + "</xmax>\n\t\t\t<ymax>" + std::to_string(ymax) +
         "</ymax>\n\t\t</bndbox>\n\t</object>\n";
}

// A LabelImg annotation: the object blocks start on line 14 (their <bndbox> on 19).
std::string labelimg(const std::string& image, int width, int height, const std::string& objects) {
  return "<annotation>\n\t<folder>shelf</folder>\n\t<filename>" + image +
         "</filename>\n\t<path>/home/user/shelf/" + image +
         "</path>\n\t<source>\n\t\t<database>Unknown</database>\n\t</source>\n\t<size>\n\t\t"
         "<width>" +
         std::to_string(width) + "</width>\n\t\t<height>" + std::to_string(height) +
         "</height>\n\t\t<depth>3</depth>\n\t</size>\n\t<segmented>0</segmented>\n" + objects +
         "</annotation>\n";
}

class DetectionDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tinyforge_detection_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
    return path(name);
  }
  void write_png(const std::string& name, int w, int h) const {
    std::vector<unsigned char> px(static_cast<size_t>(w) * h * 3);
    for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<unsigned char>(i * 7);
    ASSERT_TRUE(stbi_write_png(path(name).c_str(), w, h, 3, px.data(), w * 3));
  }
  // Expects `f` to throw host::Error containing every one of `parts`.
  template <typename F>
  void expect_error(F f, const std::vector<std::string>& parts) {
    try {
      f();
      ADD_FAILURE() << "no error";
    } catch (const host::Error& e) {
      for (const auto& p : parts)
        EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what() << " lacks " << p;
    }
  }

  fs::path dir_;
};

TEST_F(DetectionDataTest, ReadsLabelImgFilesWithTheirFlagsAndBorderBoxes) {
  write_png("a.png", 40, 20);
  write_png("b.png", 40, 20);
  write("a.xml", labelimg("a.png", 40, 20,
                          labelimg_object("can", 0, 0, 10, 10, 1) +          // touches the corner
                              labelimg_object("box", 30, 5, 41, 21) +        // LabelImg's overhang
                              labelimg_object("can", 12, 2, 20, 9, 0, 1)));  // difficult
  write("b.xml", labelimg("b.png", 40, 20, ""));  // an image without objects
  const DetectionSet set = load_voc(dir_.string());
  EXPECT_EQ(set.class_names, (std::vector<std::string>{"can", "box"}));
  ASSERT_EQ(set.samples.size(), 2u);
  const std::vector<Box>& boxes = set.samples[0].boxes;
  ASSERT_EQ(boxes.size(), 3u);
  EXPECT_FLOAT_EQ(boxes[1].xmax, 40);  // clamped to the image
  EXPECT_FLOAT_EQ(boxes[1].ymax, 20);
  EXPECT_FALSE(boxes[0].difficult);
  EXPECT_TRUE(boxes[2].difficult);
  EXPECT_TRUE(set.samples[1].boxes.empty());
}

TEST_F(DetectionDataTest, BadAnnotationsNameTheFileAndLineOrAreSkipped) {
  write_png("ok.png", 40, 20);
  write("ok.xml", labelimg("ok.png", 40, 20, labelimg_object("can", 1, 1, 9, 9)));
  struct Case {
    std::string file, text;
    std::vector<std::string> message;
  };
  write_png("x.png", 40, 20);
  const std::vector<Case> cases = {
      {"missing.xml", labelimg("gone.png", 40, 20, ""), {":3", "'gone.png' is missing"}},
      {"outside.xml",
       labelimg("x.png", 40, 20, labelimg_object("can", 30, 5, 60, 10)),
       {":19", "outside the 40x20 image"}},
      {"zero.xml",
       labelimg("x.png", 40, 20, labelimg_object("can", 5, 5, 5, 10)),
       {":19", "zero or negative area"}},
      {"negative.xml",
       labelimg("x.png", 40, 20, labelimg_object("can", 9, 5, 5, 10)),
       {":19", "zero or negative area"}},
      {"malformed.xml",
       "<annotation>\n<filename>x.png</filename>\n<size>\n</annotation>\n",  // <size> unclosed
       {":3", "unreadable XML"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string bad = write(c.file, c.text);
    std::vector<std::string> parts = c.message;
    parts[0] = bad + parts[0];
    expect_error([&] { load_voc(dir_.string()); }, parts);
    const DetectionSet skipped = load_voc(dir_.string(), {}, true);
    EXPECT_EQ(skipped.samples.size(), 1u);
    ASSERT_EQ(skipped.skipped.size(), 1u);
    EXPECT_NE(skipped.skipped[0].find(bad), std::string::npos);
    fs::remove(bad);
  }
  // A class the project does not list (data.classes).
  const std::string unknown =
      write("unknown.xml", labelimg("x.png", 40, 20, labelimg_object("cup", 1, 1, 9, 9)));
  expect_error([&] { load_voc(dir_.string(), {"can"}); }, {unknown + ":14", "unknown class 'cup'"});
  EXPECT_EQ(load_voc(dir_.string(), {"can"}, true).skipped.size(), 1u);
}

TEST_F(DetectionDataTest, AProjectLoadsImagesWithScaledBoxesAndABackgroundClass) {
  for (int i = 0; i < 6; ++i) {
    const std::string stem = "s" + std::to_string(i);
    write_png(stem + ".png", 64, 32);
    write(stem + ".xml",
          labelimg(stem + ".png", 64, 32, labelimg_object(i % 2 ? "can" : "box", 8, 4, 24, 20)));
  }
  const YAML::Node node = YAML::Load("{format: voc, path: " + dir_.string() +
                                     ", image: {width: 32, height: 16, channels: 3, resize: "
                                     "true}, splits: {test: 0.34}}");
  const DatasetSplit split = load_dataset(parse_data_config(node));
  ASSERT_TRUE(split.train.is_detection());
  EXPECT_EQ(split.train.class_names(), (std::vector<std::string>{"background", "box", "can"}));
  EXPECT_EQ(split.train.sample_shape(), (graph::Shape{16, 32, 3}));
  EXPECT_EQ(split.train.size() + split.test.size(), 6);
  ASSERT_TRUE(split.test.is_detection());
  const Box& b = split.train.boxes(0)[0];
  EXPECT_FLOAT_EQ(b.xmin, 4);  // halved with the image
  EXPECT_FLOAT_EQ(b.ymax, 10);
  EXPECT_EQ(split.train.label(0), b.label);
}

TEST_F(DetectionDataTest, AugmentationMovesTheBoxesWithThePixels) {
  // One bright pixel block in a 16x16 image and its box; after any flip/shift/zoom the box must
  // still enclose the block's pixels.
  ImageAugmentation options;
  options.horizontal_flip = true;
  options.max_shift = 3;
  options.max_zoom = 0.5f;
  Rng rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    graph::Tensor batch({1, 16, 16, 1}, 0.0f);
    for (int y = 6; y < 9; ++y)
      for (int x = 3; x < 7; ++x) batch[y * 16 + x] = 1.0f;
    std::vector<std::vector<Box>> boxes = {{{1, 3, 6, 7, 9}}};
    augment_detection(batch, boxes, options, rng);
    float xmin = 16, xmax = 0, ymin = 16, ymax = 0;
    for (int y = 0; y < 16; ++y) {
      for (int x = 0; x < 16; ++x) {
        if (batch[y * 16 + x] < 0.5f) continue;
        xmin = std::min<float>(xmin, x);
        xmax = std::max<float>(xmax, x + 1);
        ymin = std::min<float>(ymin, y);
        ymax = std::max<float>(ymax, y + 1);
      }
    }
    if (boxes[0].empty()) continue;  // its centre left the image
    const Box& b = boxes[0][0];
    EXPECT_NEAR(b.xmin, xmin, 1.01f) << trial;
    EXPECT_NEAR(b.xmax, xmax, 1.01f) << trial;
    EXPECT_NEAR(b.ymin, ymin, 1.01f) << trial;
    EXPECT_NEAR(b.ymax, ymax, 1.01f) << trial;
  }
}

TEST(CentroidTargets, TheCellOfEachBoxCentreTakesItsClass) {
  const train::CellGrid grid{2, 4, 16, 32};  // 8-pixel cells
  const std::vector<std::vector<Box>> boxes = {
      {{1, 0, 0, 6, 6}, {2, 20, 8, 30, 16}},
      {{1, 10, 2, 14, 6}, {2, 8, 0, 16, 8}},  // the same cell: the larger box wins
  };
  const std::vector<int> labels = train::centroid_cell_labels(boxes, grid);
  EXPECT_EQ(labels, (std::vector<int>{1, 0, 0, 0, 0, 0, 0, 2, 0, 2, 0, 0, 0, 0, 0, 0}));
}

TEST(BoxTargets, TheCentreCellLearnsTheBoxInCells) {
  const train::CellGrid grid{2, 4, 16, 32};  // 8-pixel cells
  // Centre (12, 6): cell (0, 1), 0.5 and 0.75 cells from its corner; 16 x 4 px = 2 x 0.5 cells.
  const train::BoxTargets t = train::box_cell_targets({{{2, 4, 4, 20, 8}}}, grid);
  EXPECT_EQ(t.labels, (std::vector<int>{0, 2, 0, 0, 0, 0, 0, 0}));
  ASSERT_EQ(t.box.size(), 8u * 4);
  EXPECT_EQ(std::vector<float>(t.box.begin() + 4, t.box.begin() + 8),
            (std::vector<float>{0.5f, 0.75f, 2.0f, 0.5f}));
  EXPECT_EQ(std::vector<float>(t.box.begin(), t.box.begin() + 4), std::vector<float>(4, 0.0f));

  // The loss: the class cross-entropy of every cell plus 0.1 x the L1 distance of the object
  // cell's box values (one object cell: not divided further); only those cells get a box gradient.
  graph::Tensor output({1, 2, 4, 3 + 4});                    // 3 classes + 4
  for (int v = 0; v < 4; ++v) output[1 * 7 + 3 + v] = 1.0f;  // the object cell predicts 1, 1, 1, 1
  output[5 * 7 + 3] = 9.0f;                                  // a background cell's box: ignored
  const train::LossOutput lo = train::box_detection_loss(output, t, {}, 0.1f);
  const double ce = std::log(3.0);  // equal logits: every cell's cross-entropy is log 3
  EXPECT_NEAR(lo.loss, ce + 0.1 * (0.5 + 0.25 + 1.0 + 0.5), 1e-6);
  EXPECT_FLOAT_EQ(lo.grad[1 * 7 + 3], 0.1f);   // predicted 1 > 0.5
  EXPECT_FLOAT_EQ(lo.grad[1 * 7 + 5], -0.1f);  // predicted 1 < 2
  EXPECT_FLOAT_EQ(lo.grad[5 * 7 + 3], 0.0f);
  EXPECT_NEAR(lo.grad[1 * 7 + 0], 1.0 / 3 / 8, 1e-6);  // softmax - one-hot, over 8 cells
}

}  // namespace
}  // namespace tinyforge::data
