// toolkit/data on tiny files the tests write themselves (IDX, PNG, WAV, CSV, VOC, YOLO), plus the
// real Fashion-MNIST files when Debian's dataset-fashion-mnist is installed.
#include <gtest/gtest.h>
#include <sndfile.h>
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>
#include <set>

#include "toolkit/data/augment.h"
#include "toolkit/data/batcher.h"
#include "toolkit/data/config.h"
#include "toolkit/data/csv.h"
#include "toolkit/data/detection.h"
#include "toolkit/data/idx.h"
#include "toolkit/data/image_folder.h"
#include "toolkit/data/inspect.h"
#include "toolkit/data/normalization.h"
#include "toolkit/data/speech_commands.h"
#include "toolkit/data/split.h"
#include "toolkit/data/summary.h"
#include "toolkit/data/wav_folder.h"
#include "toolkit/host/error.h"

namespace tinyforge::data {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class DataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("tinyforge_data_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write_text(const std::string& name, const std::string& text) const {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return path(name);
  }
  // A gray (channels 1) or RGB PNG whose pixel i has value (seed + i) % 256.
  std::string write_png(const std::string& name, int w, int h, int channels, int seed) const {
    fs::create_directories((dir_ / name).parent_path());
    std::vector<uint8_t> px(static_cast<size_t>(w * h * channels));
    for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>((seed + i) % 256);
    EXPECT_TRUE(stbi_write_png(path(name).c_str(), w, h, channels, px.data(), w * channels));
    return path(name);
  }
  // `samples` interleaved over `channels`.
  std::string write_wav(const std::string& name, const std::vector<int16_t>& samples,
                        int rate = 16000, int channels = 1) const {
    fs::create_directories((dir_ / name).parent_path());
    SF_INFO info{};
    info.samplerate = rate;
    info.channels = channels;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE* f = sf_open(path(name).c_str(), SFM_WRITE, &info);
    EXPECT_NE(f, nullptr);
    sf_write_short(f, samples.data(), static_cast<sf_count_t>(samples.size()));
    sf_close(f);
    return path(name);
  }
  // A 32-bit float WAV (values beyond full scale and NaN survive in it).
  std::string write_float_wav(const std::string& name, const std::vector<float>& samples) const {
    fs::create_directories((dir_ / name).parent_path());
    SF_INFO info{};
    info.samplerate = 16000;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE* f = sf_open(path(name).c_str(), SFM_WRITE, &info);
    EXPECT_NE(f, nullptr);
    sf_command(f, SFC_SET_CLIPPING, nullptr, SF_FALSE);
    sf_write_float(f, samples.data(), static_cast<sf_count_t>(samples.size()));
    sf_close(f);
    return path(name);
  }
  // A sensor recording: a `Time` column, then ax = start + row, ay = 2 * (start + row), and
  // `extra` appended to each row ("" or ",<value>").
  std::string write_recording(const std::string& name, int rows, int start,
                              const std::string& extra_header = "",
                              const std::function<std::string(int)>& extra = {}) const {
    std::string text = "Time,ax,ay" + extra_header + "\n";
    for (int r = 0; r < rows; ++r) {
      text += std::to_string(r * 10) + "," + std::to_string(start + r) + "," +
              std::to_string(2 * (start + r)) + (extra ? extra(r) : "") + "\n";
    }
    return write_text(name, text);
  }
  // An IDX file of unsigned bytes, gzipped when `gz`.
  std::string write_idx(const std::string& name, const std::vector<int>& dims,
                        const std::vector<uint8_t>& values, bool gz) const {
    std::vector<uint8_t> bytes = {0, 0, 8, static_cast<uint8_t>(dims.size())};
    for (int d : dims) {
      for (int shift : {24, 16, 8, 0}) bytes.push_back(static_cast<uint8_t>(d >> shift));
    }
    bytes.insert(bytes.end(), values.begin(), values.end());
    if (gz) {
      gzFile f = gzopen(path(name).c_str(), "wb");
      gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
      gzclose(f);
    } else {
      std::ofstream(path(name), std::ios::binary)
          .write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }
    return path(name);
  }

  fs::path dir_;
};

// Runs `f`, expecting host::Error whose message contains every one of `parts`.
template <typename F>
void expect_error(F f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "no host::Error thrown";
  } catch (const host::Error& e) {
    for (const auto& part : parts) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "message: " << e.what() << "\nmissing: " << part;
    }
  }
}

// ---- IDX --------------------------------------------------------------------------------------

TEST_F(DataTest, IdxPlainAndGzippedGiveTheSameDataset) {
  std::vector<uint8_t> pixels(4 * 2 * 3);
  std::iota(pixels.begin(), pixels.end(), 0);
  pixels[5] = 255;
  for (bool gz : {false, true}) {
    const std::string tag = gz ? ".gz" : "";
    auto images = write_idx("img" + tag, {4, 2, 3}, pixels, gz);
    auto labels = write_idx("lab" + tag, {4}, {1, 0, 2, 1}, gz);
    Dataset d = load_idx(images, labels);
    EXPECT_EQ(d.size(), 4);
    EXPECT_EQ(d.sample_shape(), (graph::Shape{2, 3, 1}));
    EXPECT_EQ(d.class_names(), (std::vector<std::string>{"0", "1", "2"}));
    EXPECT_EQ(d.labels(), (std::vector<int>{1, 0, 2, 1}));
    EXPECT_FLOAT_EQ(d.sample(0)[5], 1.0f);
    EXPECT_FLOAT_EQ(d.sample(1)[1], 7 / 255.0f);
    EXPECT_EQ(d.source(2), labels + ":2");
  }
}

TEST_F(DataTest, IdxErrorsNameTheFile) {
  auto truncated = write_idx("short", {4, 2, 3}, std::vector<uint8_t>(10), false);
  expect_error([&] { read_idx(truncated); }, {truncated, "[4,2,3]", "the 10 values"});
  auto text = write_text("notidx", "hello world");
  expect_error([&] { read_idx(text); }, {text, "not an IDX file"});
  expect_error([&] { read_idx(path("missing")); }, {path("missing"), "cannot open"});
  auto images = write_idx("img", {2, 1, 1}, {1, 2}, false);
  auto labels = write_idx("lab", {3}, {0, 1, 1}, false);
  expect_error([&] { load_idx(images, labels); }, {labels, "expected 2 labels"});
  auto bad_label = write_idx("lab2", {2}, {0, 7}, false);
  expect_error([&] { load_idx(images, bad_label, {"a", "b"}); }, {bad_label + ":1", "label 7"});
}

TEST(FashionMnist, RealFilesHaveTheDocumentedCounts) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  Dataset train = load_fashion_mnist(true), test = load_fashion_mnist(false);
  EXPECT_EQ(train.size(), 60000);
  EXPECT_EQ(test.size(), 10000);
  EXPECT_EQ(train.sample_shape(), (graph::Shape{28, 28, 1}));
  EXPECT_EQ(train.class_names()[9], "Ankle boot");
  // Fashion-MNIST is balanced: 6000 training and 1000 test images per class.
  EXPECT_EQ(train.class_counts(), std::vector<int64_t>(10, 6000));
  EXPECT_EQ(test.class_counts(), std::vector<int64_t>(10, 1000));
  auto [lo, hi] = std::minmax_element(train.features().begin(), train.features().end());
  EXPECT_EQ(*lo, 0.0f);
  EXPECT_EQ(*hi, 1.0f);
}

// ---- image folders ----------------------------------------------------------------------------

TEST_F(DataTest, ImageFolderLoadsClassesInSortedOrder) {
  write_png("imgs/dog/b.png", 4, 3, 1, 10);
  write_png("imgs/cat/a.png", 4, 3, 1, 0);
  write_png("imgs/cat/c.png", 4, 3, 3, 5);  // RGB, converted to gray on load
  write_text("imgs/cat/notes.txt", "ignored");
  Dataset d = load_image_folder(path("imgs"), {});
  EXPECT_EQ(d.class_names(), (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(d.labels(), (std::vector<int>{0, 0, 1}));
  EXPECT_EQ(d.sample_shape(), (graph::Shape{3, 4, 1}));
  EXPECT_FLOAT_EQ(d.sample(2)[3], 13 / 255.0f);
  EXPECT_EQ(d.source(2), path("imgs/dog/b.png"));

  ImageOptions rgb;
  rgb.channels = 3;
  Dataset c = load_image_folder(path("imgs"), rgb);
  EXPECT_EQ(c.sample_shape(), (graph::Shape{3, 4, 3}));
  EXPECT_FLOAT_EQ(c.sample(1)[4], 9 / 255.0f);
}

TEST_F(DataTest, ImageFolderResizesOnRequest) {
  write_png("imgs/a/x.png", 8, 8, 1, 0);
  write_png("imgs/b/y.png", 4, 4, 1, 0);
  expect_error([&] { load_image_folder(path("imgs"), {}); },
               {path("imgs/b/y.png"), "4x4", "expected 8x8"});
  ImageOptions options;
  options.width = options.height = 6;
  options.resize = true;
  Dataset d = load_image_folder(path("imgs"), options);
  EXPECT_EQ(d.sample_shape(), (graph::Shape{6, 6, 1}));
  EXPECT_EQ(d.size(), 2);
}

TEST_F(DataTest, BadImagesThrowOrAreSkippedAndCounted) {
  write_png("imgs/a/good.png", 4, 4, 1, 0);
  write_png("imgs/b/good.png", 4, 4, 1, 0);
  write_text("imgs/b/broken.png", "this is not a png");
  expect_error([&] { load_image_folder(path("imgs"), {}); },
               {path("imgs/b/broken.png"), "unreadable image"});
  ImageOptions skip;
  skip.skip_bad = true;
  Dataset d = load_image_folder(path("imgs"), skip);
  EXPECT_EQ(d.size(), 2);
  ASSERT_EQ(d.skipped.size(), 1u);
  EXPECT_NE(d.skipped[0].find("broken.png"), std::string::npos);
}

TEST_F(DataTest, EmptyClassFolderIsAnErrorUnlessSkipped) {
  write_png("imgs/a/x.png", 4, 4, 1, 0);
  fs::create_directories(dir_ / "imgs/empty");
  expect_error([&] { load_image_folder(path("imgs"), {}); },
               {path("imgs/empty"), "class folder is empty"});
  ImageOptions skip;
  skip.skip_bad = true;
  Dataset d = load_image_folder(path("imgs"), skip);
  EXPECT_EQ(d.class_names(), (std::vector<std::string>{"a"}));
  EXPECT_EQ(d.skipped.size(), 1u);
}

// ---- WAV folders ------------------------------------------------------------------------------

TEST_F(DataTest, WavFolderPadsCropsAndScales) {
  write_wav("wav/no/a.wav", {16384, -16384, 8192});                  // short: padded
  write_wav("wav/yes/b.wav", {1000, 2000, 3000, 4000, 5000, 6000});  // long: cropped
  AudioOptions options;
  options.length = 4;
  Dataset d = load_wav_folder(path("wav"), options);
  EXPECT_EQ(d.sample_shape(), (graph::Shape{4, 1}));
  EXPECT_EQ(d.class_names(), (std::vector<std::string>{"no", "yes"}));
  EXPECT_FLOAT_EQ(d.sample(0)[0], 0.5f);
  EXPECT_FLOAT_EQ(d.sample(0)[1], -0.5f);
  EXPECT_FLOAT_EQ(d.sample(0)[3], 0.0f);
  options.format = SampleFormat::kInt16;
  Dataset i = load_wav_folder(path("wav"), options);
  EXPECT_FLOAT_EQ(i.sample(1)[3], 4000.0f);
  EXPECT_FLOAT_EQ(i.sample(0)[2], 8192.0f);
}

TEST_F(DataTest, BadWavNamesTheFile) {
  write_wav("wav/a/good.wav", {1, 2, 3});
  write_wav("wav/a/fast.wav", {1, 2, 3}, 8000);
  write_text("wav/b/bad.wav", "RIFF garbage");
  AudioOptions options;
  options.length = 3;
  expect_error([&] { load_wav_folder(path("wav"), options); },
               {path("wav/b/bad.wav"), "unreadable audio"});
  options.sample_rate = 16000;
  options.skip_bad = true;
  Dataset d = load_wav_folder(path("wav"), options);
  EXPECT_EQ(d.size(), 1);
  ASSERT_EQ(d.skipped.size(), 2u);
  EXPECT_NE(d.skipped[0].find("fast.wav: sample rate 8000 Hz; expected 16000"), std::string::npos);
}

// ---- CSV --------------------------------------------------------------------------------------

TEST_F(DataTest, CsvTableWithNamedLabelColumn) {
  auto file = write_text("t.csv", "x,kind,y\n1.5,b,2\n\n3,a,4\n5,\"b\",6\n");
  CsvOptions options;
  options.label_column = "kind";
  Dataset d = load_csv_table(file, options);
  EXPECT_EQ(d.sample_shape(), (graph::Shape{2}));
  EXPECT_EQ(d.class_names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.labels(), (std::vector<int>{1, 0, 1}));
  EXPECT_FLOAT_EQ(d.sample(0)[0], 1.5f);
  EXPECT_EQ(d.source(1), file + ":4");
}

TEST_F(DataTest, CsvNumericLabelsSortNumericallyWithoutHeader) {
  auto file = write_text("t.csv", "0.1,10\n0.2,9\n0.3,10\n");
  CsvOptions options;
  options.header = false;
  Dataset d = load_csv_table(file, options);
  EXPECT_EQ(d.class_names(), (std::vector<std::string>{"9", "10"}));
  EXPECT_EQ(d.labels(), (std::vector<int>{1, 0, 1}));
}

TEST_F(DataTest, RaggedCsvRowNamesFileAndLine) {
  auto file = write_text("t.csv", "a,b,label\n1,2,x\n3,4,y\n5,x\n6,seven,y\n");
  expect_error([&] { load_csv_table(file, {}); },
               {file + ":4", "ragged row with 2 fields; expected 3"});
  CsvOptions skip;
  skip.skip_bad = true;
  Dataset d = load_csv_table(file, skip);
  EXPECT_EQ(d.size(), 2);
  ASSERT_EQ(d.skipped.size(), 2u);
  EXPECT_NE(d.skipped[1].find(file + ":5: column 2 holds 'seven'; expected a number"),
            std::string::npos);
}

TEST_F(DataTest, CsvWindowsStayWithinOneLabelAndFile) {
  std::string text = "t,ax,ay,activity\n";
  for (int r = 0; r < 10; ++r) text += std::to_string(r) + "," + std::to_string(r) + ",0,walk\n";
  for (int r = 10; r < 16; ++r) text += std::to_string(r) + "," + std::to_string(r) + ",1,run\n";
  write_text("series/one.csv", text);
  write_text("series/two.csv", "t,ax,ay,activity\n0,0,0,run\n1,1,1,run\n2,2,2,run\n3,3,3,run\n");
  CsvOptions options;
  options.feature_columns = {"ax", "ay"};
  options.window = 4;
  options.stride = 2;
  Dataset d = load_csv_windows(path("series"), options);
  EXPECT_EQ(d.sample_shape(), (graph::Shape{4, 2}));
  // one.csv: walk starts 0,2,4,6; run starts 10,12; (8 straddles); two.csv: one window.
  EXPECT_EQ(d.size(), 7);
  EXPECT_EQ(d.class_names(), (std::vector<std::string>{"run", "walk"}));
  EXPECT_EQ(d.labels(), (std::vector<int>{1, 1, 1, 1, 0, 0, 0}));
  EXPECT_EQ(d.source(1), path("series/one.csv") + ":4");
  EXPECT_FLOAT_EQ(d.sample(1)[0], 2.0f);  // ax of row 2
  EXPECT_FLOAT_EQ(d.sample(4)[1], 1.0f);  // ay of row 10
}

// ---- detection --------------------------------------------------------------------------------

TEST_F(DataTest, PascalVocAnnotations) {
  write_png("voc/img1.png", 20, 10, 3, 0);
  write_text("voc/img1.xml", R"(<annotation>
  <filename>img1.png</filename>
  <size><width>20</width><height>10</height><depth>3</depth></size>
  <object><name>cup</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>5</xmax><ymax>8</ymax></bndbox></object>
  <object><name>pen</name><bndbox><xmin>10</xmin><ymin>0</ymin><xmax>19</xmax><ymax>3</ymax></bndbox></object>
</annotation>)");
  DetectionSet set = load_voc(path("voc"));
  EXPECT_EQ(set.class_names, (std::vector<std::string>{"cup", "pen"}));
  ASSERT_EQ(set.samples.size(), 1u);
  EXPECT_EQ(set.samples[0].image, path("voc/img1.png"));
  EXPECT_EQ(set.samples[0].width, 20);
  ASSERT_EQ(set.samples[0].boxes.size(), 2u);
  EXPECT_EQ(set.samples[0].boxes[1].label, 1);
  EXPECT_FLOAT_EQ(set.samples[0].boxes[1].xmax, 19);

  auto bad = write_text("voc/img2.xml",
                        "<annotation>\n<filename>x.png</filename>\n<size>\n"
                        "<width>4</width><height>4</height></size>\n"
                        "<object><name>cup</name>\n<bndbox><xmin>a</xmin>"
                        "</bndbox></object></annotation>");
  expect_error([&] { load_voc(path("voc")); }, {bad + ":6", "<xmin>"});
  DetectionSet skipped = load_voc(path("voc"), {}, true);
  EXPECT_EQ(skipped.samples.size(), 1u);
  EXPECT_EQ(skipped.skipped.size(), 1u);
}

TEST_F(DataTest, YoloAnnotations) {
  write_png("yolo/a.png", 100, 50, 3, 0);
  write_text("yolo/classes.txt", "person\ncar\n");
  write_text("yolo/a.txt", "1 0.5 0.5 0.2 0.4\n0 0.1 0.2 0.2 0.2\n");
  DetectionSet set = load_yolo(path("yolo"));
  EXPECT_EQ(set.class_names, (std::vector<std::string>{"person", "car"}));
  ASSERT_EQ(set.samples.size(), 1u);
  const Box& box = set.samples[0].boxes[0];
  EXPECT_EQ(box.label, 1);
  EXPECT_FLOAT_EQ(box.xmin, 40);
  EXPECT_FLOAT_EQ(box.xmax, 60);
  EXPECT_FLOAT_EQ(box.ymin, 15);
  EXPECT_FLOAT_EQ(box.ymax, 35);
  write_png("yolo/b.png", 10, 10, 3, 0);
  auto bad = write_text("yolo/b.txt", "0 0.5 0.5 0.1 0.1\n5 0.5 0.5 0.1 0.1\n");
  expect_error([&] { load_yolo(path("yolo")); }, {bad + ":2", "class 5 is outside 0..1"});
}

// ---- splits, normalization, augmentation, batching --------------------------------------------

Dataset counting_dataset(const std::vector<int>& per_class) {
  std::vector<std::string> names;
  for (size_t k = 0; k < per_class.size(); ++k) names.push_back("c" + std::to_string(k));
  Dataset d({1}, names);
  for (size_t k = 0; k < per_class.size(); ++k) {
    for (int i = 0; i < per_class[k]; ++i) {
      const float v = static_cast<float>(d.size());
      d.add(std::span<const float>(&v, 1), static_cast<int>(k), "row" + std::to_string(d.size()));
    }
  }
  return d;
}

TEST(Split, StratifiedDeterministicAndDisjoint) {
  Dataset d = counting_dataset({100, 50, 10});
  SplitIndices a = stratified_split_indices(d, 0.2, 0.1, 7);
  SplitIndices b = stratified_split_indices(d, 0.2, 0.1, 7);
  SplitIndices c = stratified_split_indices(d, 0.2, 0.1, 8);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.test, b.test);
  EXPECT_NE(a.test, c.test);
  // Per class: round(n * 0.1) test and round(n * 0.2) validation.
  EXPECT_EQ(a.test.size(), 10u + 5u + 1u);
  EXPECT_EQ(a.validation.size(), 20u + 10u + 2u);
  std::set<int64_t> all(a.train.begin(), a.train.end());
  all.insert(a.validation.begin(), a.validation.end());
  all.insert(a.test.begin(), a.test.end());
  EXPECT_EQ(all.size(), 160u);
  DatasetSplit split = stratified_split(d, 0.2, 0.1, 7);
  EXPECT_EQ(split.validation.class_counts(), (std::vector<int64_t>{20, 10, 2}));
  EXPECT_EQ(split.train.class_counts(), (std::vector<int64_t>{70, 35, 7}));
  expect_error([&] { stratified_split(d, 0.6, 0.5, 1); }, {"sum below 1"});
}

TEST(Normalization, PerChannelFromTrainAppliedToAll) {
  Dataset train({2}, {"a"});
  for (float v : {0.0f, 2.0f}) {
    float s[2] = {v, 5.0f};
    train.add(s, 0, "t");
  }
  Normalization norm = compute_normalization(train);
  EXPECT_FLOAT_EQ(norm.mean[0], 1.0f);
  EXPECT_FLOAT_EQ(norm.std[0], 1.0f);
  EXPECT_FLOAT_EQ(norm.mean[1], 5.0f);
  EXPECT_FLOAT_EQ(norm.std[1], 1.0f);  // constant channel: centered only
  Dataset test({2}, {"a"});
  float s[2] = {3.0f, 7.0f};
  test.add(s, 0, "x");
  normalize(test, norm);
  EXPECT_FLOAT_EQ(test.sample(0)[0], 2.0f);
  EXPECT_FLOAT_EQ(test.sample(0)[1], 2.0f);
  Normalization back = normalization_from_json(to_json(norm));
  EXPECT_EQ(back.mean, norm.mean);
  EXPECT_EQ(back.std, norm.std);
  expect_error([] { normalization_from_json({{"mean", {1}}}); }, {"normalization", "std"});
}

graph::Tensor ramp_images(int64_t n, int64_t h, int64_t w) {
  graph::Tensor t({n, h, w, 1});
  for (int64_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i % (h * w) + 1);
  return t;
}

TEST(Augment, FlipAndShiftMovePixels) {
  ImageAugmentation flip;
  flip.horizontal_flip = true;
  graph::Tensor batch = ramp_images(64, 2, 3);
  Rng rng(1);
  augment_images(batch, flip, rng);
  int flipped = 0;
  for (int64_t i = 0; i < 64; ++i) {
    const float* img = batch.data() + i * 6;
    if (img[0] == 3) {
      ++flipped;
      EXPECT_EQ(img[2], 1);
      EXPECT_EQ(img[3], 6);
    } else {
      EXPECT_EQ(img[0], 1);
    }
  }
  EXPECT_GT(flipped, 16);
  EXPECT_LT(flipped, 48);

  ImageAugmentation shift;
  shift.max_shift = 1;
  shift.fill = {-1};
  graph::Tensor a = ramp_images(32, 4, 4), b = a;
  Rng r1(5), r2(5);
  augment_images(a, shift, r1);
  augment_images(b, shift, r2);
  EXPECT_EQ(a.values(), b.values());  // same seed, same augmentation
  for (int64_t i = 0; i < 32; ++i) {
    // A shift by at most one pixel keeps the centre pixel (value 6 at (1,1)) on a neighbour
    // of its place, and every pixel is either a ramp value or the fill.
    const float* img = a.data() + i * 16;
    for (int p = 0; p < 16; ++p) EXPECT_TRUE(img[p] == -1 || (img[p] >= 1 && img[p] <= 16));
    bool found = false;
    for (int y = 0; y <= 2; ++y) {
      for (int x = 0; x <= 2; ++x) found |= img[y * 4 + x] == 6;
    }
    EXPECT_TRUE(found);
  }
}

TEST(Augment, CropPaddingKeepsSizeAndFills) {
  ImageAugmentation crop;
  crop.crop_padding = 2;
  graph::Tensor batch = ramp_images(16, 5, 5);
  Rng rng(3);
  augment_images(batch, crop, rng);
  EXPECT_EQ(batch.shape(), (graph::Shape{16, 5, 5, 1}));
  int zeros = 0;
  for (float v : batch.values()) zeros += v == 0;
  EXPECT_GT(zeros, 0);
}

TEST(Augment, AudioTimeShiftAndNoiseAtSnr) {
  AudioAugmentation shift;
  shift.max_time_shift = 2;
  graph::Tensor clip({1, 8, 1});
  clip[3] = 1;
  Rng rng(9);
  augment_audio(clip, shift, rng);
  int position = -1;
  for (int t = 0; t < 8; ++t) {
    if (clip[t] == 1) position = t;
  }
  EXPECT_GE(position, 1);
  EXPECT_LE(position, 5);

  AudioAugmentation noisy;
  std::vector<float> noise(1000);
  for (size_t i = 0; i < noise.size(); ++i) noise[i] = (i % 2 ? 0.3f : -0.3f);
  noisy.noise = {noise};
  noisy.snr_db = 20;
  graph::Tensor signal({1, 400});
  for (int t = 0; t < 400; ++t) signal[t] = std::sin(t * 0.1f);
  graph::Tensor mixed = signal;
  augment_audio(mixed, noisy, rng);
  double ps = 0, pn = 0;
  for (int t = 0; t < 400; ++t) {
    ps += signal[t] * signal[t];
    pn += (mixed[t] - signal[t]) * (mixed[t] - signal[t]);
  }
  EXPECT_NEAR(10 * std::log10(ps / pn), 20.0, 0.01);
}

// Speed perturbation: a tone's zero crossings scale with the drawn speed, within the bounds, and
// the speeds differ from clip to clip.
TEST(Augment, SpeedChangesPitchWithinItsBounds) {
  AudioAugmentation speed;
  speed.max_speed_change = 0.2f;
  const int clips = 16, len = 4000;
  graph::Tensor batch({clips, len, 1});
  for (int i = 0; i < clips; ++i)
    for (int t = 0; t < len; ++t) batch[i * len + t] = std::sin(0.05f * t + 0.3f);
  Rng rng(5);
  augment_audio(batch, speed, rng);
  std::set<int> counts;
  for (int i = 0; i < clips; ++i) {
    int crossings = 0;
    // The first 3000 samples stay inside the resampled clip even at 1.2x.
    for (int t = 1; t < 3000; ++t)
      crossings += (batch[i * len + t - 1] < 0) != (batch[i * len + t] < 0);
    const double unperturbed = 3000 * 0.05 / M_PI;  // about 47.7
    EXPECT_GE(crossings, 0.8 * unperturbed - 2) << "clip " << i;
    EXPECT_LE(crossings, 1.2 * unperturbed + 2) << "clip " << i;
    counts.insert(crossings);
  }
  EXPECT_GE(counts.size(), 4u);
}

TEST(Batcher, ShuffledPerEpochFromSeed) {
  Dataset d = counting_dataset({7, 3});
  Batcher batcher(d, 4, true, 42);
  EXPECT_EQ(batcher.batches_per_epoch(), 3);
  std::vector<int64_t> seen;
  Batch batch;
  std::vector<size_t> sizes;
  while (batcher.next(batch)) {
    sizes.push_back(batch.labels.size());
    for (size_t i = 0; i < batch.indices.size(); ++i) {
      EXPECT_EQ(batch.features[i], static_cast<float>(batch.indices[i]));
      EXPECT_EQ(batch.labels[i], d.label(batch.indices[i]));
    }
    seen.insert(seen.end(), batch.indices.begin(), batch.indices.end());
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{4, 4, 2}));
  EXPECT_EQ(seen, epoch_order(10, 42, 0));
  EXPECT_NE(epoch_order(10, 42, 0), epoch_order(10, 42, 1));
  EXPECT_EQ(epoch_order(10, 42, 1), epoch_order(10, 42, 1));
  std::vector<int64_t> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> all(10);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(sorted, all);
  Batcher ordered(d, 4, false, 0, true);
  EXPECT_EQ(ordered.batches_per_epoch(), 2);
  ASSERT_TRUE(ordered.next(batch));
  EXPECT_EQ(batch.indices, (std::vector<int64_t>{0, 1, 2, 3}));
}

// ---- config, load_dataset, summary ------------------------------------------------------------

TEST_F(DataTest, ParseDataConfigReadsEveryKey) {
  YAML::Node node = YAML::Load(R"(
format: image_folder
path: imgs
test_path: /abs/test
splits: {validation: 0.25}
seed: 99
normalization: per_channel
skip_bad: true
image: {width: 8, height: 6, channels: 3, resize: true}
augmentation: {shift: 2, horizontal_flip: true, crop_padding: 4, time_shift: 100,
               noise_snr_db: 5, noise_probability: 0.5}
)");
  DataConfig c = parse_data_config(node, "/base");
  EXPECT_EQ(c.format, DataFormat::kImageFolder);
  EXPECT_EQ(c.path, "/base/imgs");
  EXPECT_EQ(c.test_path, "/abs/test");
  EXPECT_DOUBLE_EQ(c.validation_fraction, 0.25);
  EXPECT_EQ(c.seed, 99u);
  EXPECT_TRUE(c.normalize);
  EXPECT_TRUE(c.image.skip_bad);
  EXPECT_EQ(c.image.width, 8);
  EXPECT_EQ(c.image.channels, 3);
  EXPECT_TRUE(c.image.resize);
  EXPECT_EQ(c.image_augmentation.max_shift, 2);
  EXPECT_TRUE(c.image_augmentation.horizontal_flip);
  EXPECT_EQ(c.image_augmentation.crop_padding, 4);
  EXPECT_EQ(c.audio_augmentation.max_time_shift, 100);
  EXPECT_FLOAT_EQ(c.audio_augmentation.snr_db, 5);
  EXPECT_FLOAT_EQ(c.audio_augmentation.noise_probability, 0.5f);

  DataConfig csv = parse_data_config(
      YAML::Load("{format: csv_windows, path: s, csv: {label_column: 3, feature_columns: [ax, 1], "
                 "delimiter: ';', window: 50, stride: 25, header: false}, audio: {length: 8000, "
                 "format: int16}}"));
  EXPECT_EQ(csv.csv.label_column, "3");
  EXPECT_EQ(csv.csv.feature_columns, (std::vector<std::string>{"ax", "1"}));
  EXPECT_EQ(csv.csv.delimiter, ';');
  EXPECT_EQ(csv.csv.window, 50);
  EXPECT_FALSE(csv.csv.header);
  EXPECT_EQ(csv.audio.format, SampleFormat::kInt16);

  EXPECT_EQ(parse_data_config(YAML::Node()).format, DataFormat::kFashionMnist);
}

TEST_F(DataTest, ParseDataConfigErrorsNameTheKey) {
  expect_error([] { parse_data_config(YAML::Load("{format: image_folder, pth: x}")); },
               {"data.pth: unknown key"});
  expect_error([] { parse_data_config(YAML::Load("{format: pictures}")); },
               {"data.format", "pictures", "image_folder"});
  expect_error([] { parse_data_config(YAML::Load("{format: csv, path: x, seed: abc}")); },
               {"data.seed", "integer"});
  expect_error([] { parse_data_config(YAML::Load("{format: csv}")); }, {"data.path"});
  expect_error([] { parse_data_config(YAML::Load("{splits: {test: 0.1}}")); },
               {"data.splits.test", "own test set"});
  expect_error(
      [] {
        parse_data_config(YAML::Load("{format: image_folder, path: x, image: {channels: 2}}"));
      },
      {"data.image.channels"});
}

TEST_F(DataTest, IdxImagesResampleToTheConfiguredSize) {
  // Two 4x4 images: a flat grey one and a left/right split (dark left half, bright right half).
  std::vector<uint8_t> pixels(2 * 4 * 4, 128);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) pixels[16 + y * 4 + x] = x < 2 ? 0 : 255;
  const std::string images = write_idx("img", {2, 4, 4}, pixels, false);
  const std::string labels = write_idx("lab", {2}, {0, 1}, false);
  const std::string base = "{format: idx, images: " + images + ", labels: " + labels;
  DatasetSplit split = load_dataset(parse_data_config(
      YAML::Load(base + ", image: {width: 2, height: 2, resize: true}}"), dir_.string()));
  ASSERT_EQ(split.train.sample_shape(), (graph::Shape{2, 2, 1}));
  ASSERT_EQ(split.train.size(), 2);
  EXPECT_EQ(split.train.labels(), (std::vector<int>{0, 1}));
  EXPECT_EQ(split.train.source(1), labels + ":1");
  for (float v : split.train.sample(0)) EXPECT_NEAR(v, 128 / 255.0f, 1e-3);
  const auto split_image = split.train.sample(1);
  EXPECT_LT(split_image[0], 0.2f);  // the dark half stays dark, the bright half bright
  EXPECT_GT(split_image[1], 0.8f);
  EXPECT_LT(split_image[2], 0.2f);
  EXPECT_GT(split_image[3], 0.8f);
  // Another size without resize: true is refused, naming the file and both sizes.
  expect_error(
      [&] {
        load_dataset(
            parse_data_config(YAML::Load(base + ", image: {width: 2, height: 2}}"), dir_.string()));
      },
      {images, "4x4", "2x2", "data.image.resize"});
  expect_error(
      [&] {
        load_dataset(parse_data_config(
            YAML::Load(base + ", image: {width: 4, height: 4, channels: 3}}"), dir_.string()));
      },
      {images, "1 channel", "data.image.channels"});
}

TEST_F(DataTest, LoadDatasetSplitsNormalizesAndSummarizes) {
  for (int i = 0; i < 10; ++i) write_png("imgs/a/" + std::to_string(i) + ".png", 3, 3, 1, i * 20);
  for (int i = 0; i < 10; ++i) write_png("imgs/b/" + std::to_string(i) + ".png", 3, 3, 1, i * 3);
  DataConfig c = parse_data_config(
      YAML::Load("{format: image_folder, path: imgs, splits: {validation: 0.2, test: 0.2}, "
                 "normalization: per_channel, seed: 3, augmentation: {shift: 1}}"),
      dir_.string());
  DatasetSplit split = load_dataset(c);
  EXPECT_EQ(split.train.size(), 12);
  EXPECT_EQ(split.validation.class_counts(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(split.test.class_counts(), (std::vector<int64_t>{2, 2}));
  ASSERT_TRUE(split.normalization.enabled());
  double mean = 0;
  for (float v : split.train.features()) mean += v;
  EXPECT_NEAR(mean / split.train.features().size(), 0.0, 1e-5);

  Augmentation aug = make_augmentation(c, split.normalization);
  ASSERT_EQ(aug.image.fill.size(), 1u);
  EXPECT_FLOAT_EQ(aug.image.fill[0], -split.normalization.mean[0] / split.normalization.std[0]);

  DatasetSummary summary = inspect_dataset(c, path("grid.png"), 4);
  EXPECT_EQ(summary.grid_png, path("grid.png"));
  int w = 0, h = 0, channels = 0;
  ASSERT_TRUE(stbi_info(path("grid.png").c_str(), &w, &h, &channels));
  EXPECT_EQ(w, 4 * 4 + 1);  // 4 tiles of 3 pixels, with 1-pixel borders
  EXPECT_EQ(h, 2 * 4 + 1);
  nlohmann::json json = to_json(summary);
  EXPECT_EQ(json["splits"]["train"]["samples"], 12);
  EXPECT_EQ(json["splits"]["test"]["per_class"]["b"], 2);
  EXPECT_EQ(json["sample_shape"], nlohmann::json({3, 3, 1}));
  EXPECT_EQ(json["skipped"], 0);
  EXPECT_NE(to_text(summary).find("total"), std::string::npos);
}

TEST_F(DataTest, LoadDatasetWithSeparateTestFolderAndSkipBad) {
  write_png("train/a/0.png", 3, 3, 1, 0);
  write_png("train/b/0.png", 3, 3, 1, 0);
  write_text("train/b/bad.png", "nope");
  write_png("test/a/0.png", 3, 3, 1, 0);
  write_png("test/b/0.png", 5, 5, 1, 0);  // wrong size in the test set
  DataConfig c = parse_data_config(
      YAML::Load("{format: image_folder, path: train, test_path: test, skip_bad: true}"),
      dir_.string());
  DatasetSplit split = load_dataset(c);
  EXPECT_EQ(split.train.size(), 2);
  EXPECT_EQ(split.test.size(), 1);
  EXPECT_EQ(summarize(split).skipped.size(), 2u);
  c.skip_bad = false;  // as a command-line override would: the loaders follow it
  expect_error([&] { load_dataset(c); }, {path("train/b/bad.png"), "skip_bad"});
}

// ---- recordings in class folders, grouped splits, Speech Commands, regression ------------------

TEST_F(DataTest, CsvWindowsFromClassFoldersWithATimeColumn) {
  write_recording("rec/walk/w1.csv", 8, 0);
  write_recording("rec/walk/w2.csv", 5, 100);
  write_recording("rec/run/r1.csv", 4, 50);
  // Hidden entries are never classes or samples.
  write_recording("rec/.ipynb_checkpoints/w1-checkpoint.csv", 8, 0);
  write_recording("rec/walk/.w1-copy.csv", 8, 0);
  write_text("rec/.DS_Store", "junk");
  write_text("rec/walk/.DS_Store", "junk");
  CsvOptions options;
  options.window = 4;
  options.stride = 2;
  Dataset d = load_csv_windows(path("rec"), options);
  EXPECT_EQ(d.class_names(), (std::vector<std::string>{"run", "walk"}));
  // The time column is no feature: [window, ax ay].
  EXPECT_EQ(d.sample_shape(), (graph::Shape{4, 2}));
  // run/r1: one window; walk/w1: starts 0, 2, 4; walk/w2: start 0.
  EXPECT_EQ(d.labels(), (std::vector<int>{0, 1, 1, 1, 1}));
  EXPECT_FLOAT_EQ(d.sample(2)[0], 2.0f);  // ax of w1's row 2
  EXPECT_FLOAT_EQ(d.sample(2)[1], 4.0f);
  EXPECT_EQ(d.group(1), path("rec/walk/w1.csv"));
  EXPECT_EQ(d.group(3), path("rec/walk/w1.csv"));
  EXPECT_EQ(d.group(4), path("rec/walk/w2.csv"));
  EXPECT_EQ(d.source(2), path("rec/walk/w1.csv") + ":4");
  EXPECT_EQ(d.num_groups(), 3);
  EXPECT_EQ(d.group_kind, "recording");

  // Named explicitly, the time column is a feature like any other.
  options.feature_columns = {"time", "ax"};
  EXPECT_THROW(load_csv_windows(path("rec"), options), host::Error);  // names are exact
  options.feature_columns = {"Time", "ax"};
  Dataset timed = load_csv_windows(path("rec"), options);
  EXPECT_FLOAT_EQ(timed.sample(2)[0], 20.0f);
  EXPECT_TRUE(is_time_column("TIMESTAMP"));
  EXPECT_TRUE(is_time_column("t"));
  EXPECT_FALSE(is_time_column("temperature"));

  // The folders give the labels: a label column as well is a contradiction, and a mix of files
  // and folders is ambiguous.
  CsvOptions labelled;
  labelled.window = 4;
  labelled.label_column = "ax";
  expect_error([&] { load_csv_windows(path("rec"), labelled); }, {"label_column", "class folders"});
  write_recording("rec/loose.csv", 4, 0);
  expect_error([&] { load_csv_windows(path("rec"), CsvOptions{.window = 4}); },
               {path("rec"), "both .csv files and subfolders"});
}

TEST_F(DataTest, CsvLabelColumnModeSkipsTheTimeColumnAndHiddenFiles) {
  write_text("tab/a.csv", "timestamp,x,label\n0,1.5,p\n1,2.5,q\n");
  write_text("tab/.hidden.csv", "oops\n");
  Dataset d = load_csv_table(path("tab"), {});
  EXPECT_EQ(d.sample_shape(), (graph::Shape{1}));
  EXPECT_FLOAT_EQ(d.sample(1)[0], 2.5f);
  EXPECT_EQ(d.group(1), d.source(1));  // a table row is its own group
  EXPECT_EQ(d.group_kind, "sample");
}

TEST_F(DataTest, NanAndInfAreBadDataNamedByFileAndLine) {
  auto table = write_text("t.csv", "a,b,label\n1,2,x\n3,nan,y\n-inf,4,x\n5,6,y\n");
  expect_error([&] { load_csv_table(table, {}); },
               {table + ":3", "column 2 holds 'nan'; expected a finite number"});
  CsvOptions skip;
  skip.skip_bad = true;
  Dataset d = load_csv_table(table, skip);
  EXPECT_EQ(d.size(), 2);
  ASSERT_EQ(d.skipped.size(), 2u);
  EXPECT_NE(d.skipped[1].find(table + ":4: column 1 holds '-inf'"), std::string::npos);

  // Sensor windows: the bad row is named and, with skip_bad, dropped before windowing.
  write_recording("sensors/idle/r.csv", 6, 0);
  auto bad = write_text("sensors/move/r.csv", "t,ax,ay\n0,1,1\n1,inf,1\n2,1,1\n3,1,1\n4,1,1\n");
  CsvOptions windows;
  windows.window = 3;
  expect_error([&] { load_csv_windows(path("sensors"), windows); },
               {bad + ":3", "'inf'; expected a finite number"});
  windows.skip_bad = true;
  Dataset w = load_csv_windows(path("sensors"), windows);
  EXPECT_EQ(w.skipped.size(), 1u);
  for (float v : w.features()) EXPECT_TRUE(std::isfinite(v));
  // idle/r.csv: windows at rows 0 and 3; move/r.csv: rows 2..4 after the bad line only, as a
  // window over rows 0, 2, 3 would splice two moments of the recording.
  ASSERT_EQ(w.size(), 3);
  EXPECT_EQ(w.source(2), bad + ":4");

  // A regression target is checked the same way.
  auto target = write_text("r.csv", "x,y\n1,2\n2,NaN\n");
  CsvOptions regression;
  regression.target_columns = {"y"};
  expect_error([&] { load_csv_table(target, regression); }, {target + ":3", "finite"});
}

TEST_F(DataTest, ZeroUsableSamplesIsAnError) {
  write_text("wav/a/x.wav", "not audio");
  write_text("wav/b/y.wav", "not audio either");
  DataConfig c = parse_data_config(
      YAML::Load("{format: wav_folder, path: wav, skip_bad: true, audio: {length: 4}}"),
      dir_.string());
  expect_error([&] { load_dataset(c); }, {path("wav"), "no usable samples", "2 bad ones skipped"});
  expect_error([&] { inspect_dataset(c); }, {"no usable samples"});
  // A window longer than every recording leaves nothing either.
  write_recording("rec/a/r.csv", 3, 0);
  CsvOptions options;
  options.window = 10;
  expect_error([&] { load_csv_windows(path("rec"), options); },
               {"no window of 10 rows fits", "lower csv.window"});
}

TEST_F(DataTest, HiddenFoldersAreNeverClassesInImageAndWavFolders) {
  write_png("imgs/a/x.png", 2, 2, 1, 0);
  write_png("imgs/.ipynb_checkpoints/x.png", 2, 2, 1, 0);
  write_text("imgs/a/.DS_Store", "junk");
  Dataset d = load_image_folder(path("imgs"), {});
  EXPECT_EQ(d.class_names(), (std::vector<std::string>{"a"}));
  EXPECT_EQ(d.size(), 1);
  write_wav("wav/yes/a.wav", {1, 2});
  write_wav("wav/.trash/a.wav", {1, 2});
  write_text("wav/yes/._a.wav", "AppleDouble junk");
  AudioOptions options;
  options.length = 2;
  EXPECT_EQ(load_wav_folder(path("wav"), options).class_names(), (std::vector<std::string>{"yes"}));
}

// A Speech-Commands-like folder: 2 words, 6 speakers, lists for test and validation, noise.
void write_speech_commands(
    bool lists,
    const std::function<std::string(const std::string&, const std::vector<int16_t>&)>& wav,
    const std::function<std::string(const std::string&, const std::string&)>& text) {
  for (const char* word : {"no", "yes"}) {
    for (const char* speaker : {"s1", "s2", "s3", "s4", "s5", "s6"}) {
      for (int n = 0; n < 2; ++n) {
        wav(std::string("sc/") + word + "/" + speaker + "_nohash_" + std::to_string(n) + ".wav",
            {1000, static_cast<int16_t>(n), 3});
      }
    }
  }
  wav("sc/_background_noise_/white_noise.wav", {100, -100, 100, -100, 100, -100});
  if (lists) {
    text("sc/testing_list.txt", "no/s1_nohash_0.wav\nno/s1_nohash_1.wav\nyes/s1_nohash_0.wav\n");
    text("sc/validation_list.txt", "yes/s2_nohash_0.wav\r\nyes/s9_nohash_0.wav\r\n");
  }
}

TEST_F(DataTest, SpeechCommandsListsDecideTestAndValidation) {
  write_speech_commands(
      true, [&](const std::string& n, const std::vector<int16_t>& v) { return write_wav(n, v); },
      [&](const std::string& n, const std::string& v) { return write_text(n, v); });
  DataConfig c = parse_data_config(
      YAML::Load("{format: wav_folder, path: sc, audio: {length: 3}, splits: {test: 0.5}}"),
      dir_.string());
  DatasetSplit split = load_dataset(c);
  EXPECT_EQ(split.train.class_names(), (std::vector<std::string>{"no", "yes"}));
  EXPECT_EQ(split.test.size(), 3);
  EXPECT_EQ(split.validation.size(), 1);
  EXPECT_EQ(split.train.size(), 24 - 4);
  EXPECT_EQ(split.test.source(0), path("sc/no/s1_nohash_0.wav"));
  EXPECT_EQ(split.validation.source(0), path("sc/yes/s2_nohash_0.wav"));
  // One listed clip does not exist, and splits.test is overridden by the list: both said.
  std::string warnings;
  for (const auto& w : split.warnings) warnings += w + "\n";
  EXPECT_NE(warnings.find("1 of the 5 clips named"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("fractions for them are ignored"), std::string::npos) << warnings;
  EXPECT_EQ(warnings.find("no training samples"), std::string::npos) << warnings;
  // _background_noise_ is no class but the default noise for augmentation.
  EXPECT_EQ(effective_noise_path(c), path("sc/_background_noise_"));
  EXPECT_EQ(make_augmentation(c, {}).audio.noise.size(), 1u);
  DataConfig quiet = parse_data_config(
      YAML::Load("{format: wav_folder, path: sc, augmentation: {noise_path: none}}"),
      dir_.string());
  EXPECT_EQ(effective_noise_path(quiet), "");
  EXPECT_TRUE(make_augmentation(quiet, {}).audio.noise.empty());
}

TEST_F(DataTest, SpeakersNeverSpanSplitsWithoutLists) {
  write_speech_commands(
      false, [&](const std::string& n, const std::vector<int16_t>& v) { return write_wav(n, v); },
      [&](const std::string& n, const std::string& v) { return write_text(n, v); });
  DataConfig c =
      parse_data_config(YAML::Load("{format: wav_folder, path: sc, audio: {length: 3}, seed: 5, "
                                   "splits: {validation: 0.2, test: 0.2}}"),
                        dir_.string());
  DatasetSplit split = load_dataset(c);
  EXPECT_EQ(split.train.group_kind, "speaker");
  AudioOptions audio;
  audio.length = 3;
  const Dataset all = load_wav_folder(path("sc"), audio);
  EXPECT_EQ(all.group(0), "s1");  // speaker_of: the prefix before _nohash_
  EXPECT_EQ(all.num_groups(), 6);
  EXPECT_EQ(speaker_of("/x/yes/0a7c2a8d_nohash_0.wav"), "0a7c2a8d");
  EXPECT_EQ(speaker_of("/x/yes/clip.wav"), "");
  std::map<std::string, std::set<std::string>> splits_of;
  for (const auto& [name, d] :
       {std::pair{"train", &split.train}, {"val", &split.validation}, {"test", &split.test}}) {
    for (int64_t i = 0; i < d->size(); ++i) splits_of[d->group(i)].insert(name);
  }
  EXPECT_EQ(splits_of.size(), 6u);
  for (const auto& [speaker, names] : splits_of) EXPECT_EQ(names.size(), 1u) << speaker;
  EXPECT_GT(split.test.size(), 0);
  EXPECT_GT(split.validation.size(), 0);
  EXPECT_EQ(split.train.size() + split.validation.size() + split.test.size(), 24);
}

// windows of `recordings[k]` recordings per class, each `rows` rows: one group per recording.
Dataset recording_windows(const std::vector<int>& recordings, int windows_per_recording) {
  std::vector<std::string> names;
  for (size_t k = 0; k < recordings.size(); ++k) names.push_back("c" + std::to_string(k));
  Dataset d({1}, names);
  for (size_t k = 0; k < recordings.size(); ++k) {
    for (int r = 0; r < recordings[k]; ++r) {
      const std::string recording = "c" + std::to_string(k) + "/r" + std::to_string(r) + ".csv";
      for (int w = 0; w < windows_per_recording; ++w) {
        const float v = static_cast<float>(d.size());
        d.add(std::span<const float>(&v, 1), static_cast<int>(k),
              recording + ":" + std::to_string(w), recording);
      }
    }
  }
  d.group_kind = "recording";
  return d;
}

TEST(GroupedSplit, NoRecordingInTwoSplitsAndDeterministicForASeed) {
  const Dataset d = recording_windows({10, 20, 5}, 7);
  const SplitIndices a = stratified_split_indices(d, 0.2, 0.2, 11);
  const SplitIndices b = stratified_split_indices(d, 0.2, 0.2, 11);
  const SplitIndices other = stratified_split_indices(d, 0.2, 0.2, 12);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.validation, b.validation);
  EXPECT_EQ(a.test, b.test);
  EXPECT_NE(a.test, other.test);
  std::map<std::string, int> split_of;
  int where = 0;
  for (const auto* part : {&a.train, &a.validation, &a.test}) {
    for (int64_t i : *part) {
      auto [it, added] = split_of.try_emplace(d.group(i), where);
      EXPECT_EQ(it->second, where) << d.group(i) << " is in two splits";
    }
    ++where;
  }
  EXPECT_EQ(split_of.size(), 35u);
  EXPECT_EQ(a.train.size() + a.validation.size() + a.test.size(), 35u * 7);
  // Recordings per class: round(G * 0.2) each to test and validation (10 -> 2, 20 -> 4, 5 -> 1).
  const DatasetSplit split = split_dataset(d, a);
  EXPECT_EQ(split.test.class_counts(), (std::vector<int64_t>{2 * 7, 4 * 7, 1 * 7}));
  EXPECT_EQ(split.validation.class_counts(), (std::vector<int64_t>{2 * 7, 4 * 7, 1 * 7}));
  EXPECT_TRUE(missing_class_warnings(split, true, true).empty());
}

TEST(GroupedSplit, TooFewRecordingsWarnAndNeverLeak) {
  // c0 has 2 recordings: one to train, one to test, none left for validation. c1 has one: all
  // of it trains. Windows are never divided to fill the other splits.
  const Dataset d = recording_windows({2, 1, 6}, 5);
  const DatasetSplit split = split_dataset(d, stratified_split_indices(d, 0.1, 0.1, 3));
  EXPECT_EQ(split.train.class_counts(), (std::vector<int64_t>{5, 5, 20}));
  EXPECT_EQ(split.test.class_counts(), (std::vector<int64_t>{5, 0, 5}));
  EXPECT_EQ(split.validation.class_counts(), (std::vector<int64_t>{0, 0, 5}));
  const std::vector<std::string> warnings = missing_class_warnings(split, true, true);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("class 'c0' has 2 recording(s)"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("the validation split has none of it"), std::string::npos);
  EXPECT_NE(warnings[1].find("'c1' has 1 recording(s)"), std::string::npos) << warnings[1];
  EXPECT_NE(warnings[1].find("validation and test"), std::string::npos) << warnings[1];
  EXPECT_NE(warnings[1].find("never divided"), std::string::npos) << warnings[1];

  // A class all of whose samples sit outside train is said to be unlearnable.
  DatasetSplit moved = split;
  moved.test = split.train.subset(std::vector<int64_t>{5, 6, 7, 8, 9});  // all of c1
  moved.train = split.train.subset(std::vector<int64_t>{0, 1, 2, 3, 4});
  const std::vector<std::string> unlearnable = missing_class_warnings(moved, false, false);
  ASSERT_EQ(unlearnable.size(), 2u);  // c1 and c2 have no training sample left
  EXPECT_NE(unlearnable[0].find("class 'c1' has no training samples"), std::string::npos)
      << unlearnable[0];
}

TEST_F(DataTest, CsvWindowsSplitByRecordingThroughLoadDataset) {
  for (int r = 0; r < 5; ++r) {
    write_recording("rec/idle/" + std::to_string(r) + ".csv", 12, r * 100);
    write_recording("rec/walk/" + std::to_string(r) + ".csv", 12, r * 100 + 50);
  }
  DataConfig c =
      parse_data_config(YAML::Load("{format: csv_windows, path: rec, csv: {window: 4, stride: 2}, "
                                   "splits: {validation: 0.2, test: 0.2}, seed: 9}"),
                        dir_.string());
  const DatasetSplit split = load_dataset(c);
  // 5 windows per recording (starts 0, 2, 4, 6, 8); one recording per class in test and in
  // validation.
  EXPECT_EQ(split.test.size(), 2 * 5);
  EXPECT_EQ(split.validation.size(), 2 * 5);
  EXPECT_EQ(split.train.size(), 6 * 5);
  std::set<std::string> train_recordings;
  for (int64_t i = 0; i < split.train.size(); ++i) train_recordings.insert(split.train.group(i));
  for (const Dataset* d : {&split.validation, &split.test}) {
    for (int64_t i = 0; i < d->size(); ++i) EXPECT_FALSE(train_recordings.count(d->group(i)));
  }
  EXPECT_TRUE(split.warnings.empty());
  const nlohmann::json summary = to_json(inspect_dataset(c));
  EXPECT_EQ(summary["group_kind"], "recording");
  EXPECT_EQ(summary["splits"]["train"]["groups"], 6);
}

TEST_F(DataTest, WavRatesStereoEmptyAndClippedClips) {
  write_wav("wav/a/one.wav", {1000, 1000});
  write_wav("wav/a/two.wav", {1000, 1000});
  write_wav("wav/b/slow.wav", {1000, 1000}, 8000);
  write_wav("wav/b/stereo.wav", {1000, 3000, -2000, 0}, 16000, 2);  // two frames, two channels
  AudioOptions options;
  options.length = 2;
  Dataset d = load_wav_folder(path("wav"), options);
  EXPECT_EQ(d.size(), 4);
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_NE(d.warnings[0].find("1 of 4 clips are not at 16000 Hz"), std::string::npos)
      << d.warnings[0];
  EXPECT_NE(d.warnings[0].find("audio.sample_rate"), std::string::npos);
  EXPECT_FLOAT_EQ(d.sample(3)[0], 2000 / 32768.0f);  // stereo mixed: the channels' mean
  EXPECT_FLOAT_EQ(d.sample(3)[1], -1000 / 32768.0f);
  options.sample_rate = 16000;  // with a required rate the odd clip is bad data again
  expect_error([&] { load_wav_folder(path("wav"), options); },
               {path("wav/b/slow.wav"), "sample rate 8000 Hz"});

  write_wav("wav/b/empty.wav", {});
  write_float_wav("wav/c/loud.wav", {3.0f, -2.0f});
  write_float_wav("wav/c/nan.wav", {0.5f, std::nanf("")});
  AudioOptions any;
  any.length = 2;
  expect_error([&] { load_wav_folder(path("wav"), any); },
               {path("wav/b/empty.wav"), "no audio frames"});
  any.skip_bad = true;
  Dataset skipped = load_wav_folder(path("wav"), any);
  ASSERT_EQ(skipped.skipped.size(), 2u);
  EXPECT_NE(skipped.skipped[1].find("nan.wav: frame 1 is not a finite number"), std::string::npos);
  // Beyond full scale (a float WAV): clamped to it.
  const auto& loud = skipped.sample(skipped.size() - 1);
  EXPECT_FLOAT_EQ(loud[0], 1.0f);
  EXPECT_FLOAT_EQ(loud[1], -1.0f);
}

TEST_F(DataTest, RegressionTargetsFromTablesAndWindows) {
  auto table = write_text("t.csv", "time,x,y\n0,1,10\n1,2,20\n2,3,30\n3,4,40\n");
  CsvOptions options;
  options.target_columns = {"y"};
  Dataset d = load_csv_table(table, options);
  EXPECT_TRUE(d.is_regression());
  EXPECT_EQ(d.target_names(), (std::vector<std::string>{"y"}));
  EXPECT_EQ(d.sample_shape(), (graph::Shape{1}));  // not the time, not the target
  EXPECT_FLOAT_EQ(d.target(2)[0], 30.0f);
  EXPECT_TRUE(d.labels().empty());
  EXPECT_TRUE(d.class_counts().empty());

  // A window's target is the mean of its rows' targets; a folder layout only groups.
  write_recording("rec/a/r1.csv", 4, 0, ",speed", [](int r) { return "," + std::to_string(r); });
  write_recording("rec/b/r2.csv", 2, 0, ",speed",
                  [](int r) { return "," + std::to_string(10 * r); });
  options.window = 2;
  options.target_columns = {"speed"};
  Dataset w = load_csv_windows(path("rec"), options);
  ASSERT_EQ(w.size(), 3);
  EXPECT_EQ(w.sample_shape(), (graph::Shape{2, 2}));
  EXPECT_FLOAT_EQ(w.target(0)[0], 0.5f);  // rows 0, 1
  EXPECT_FLOAT_EQ(w.target(1)[0], 2.5f);  // rows 2, 3
  EXPECT_FLOAT_EQ(w.target(2)[0], 5.0f);  // r2: 0 and 10
  EXPECT_EQ(w.group(2), path("rec/b/r2.csv"));
  const graph::Tensor targets = w.gather_targets(std::vector<int64_t>{2, 0});
  EXPECT_EQ(targets.shape(), (graph::Shape{2, 1}));
  EXPECT_FLOAT_EQ(targets[0], 5.0f);

  // Through load_dataset: the split is by recording and the targets keep their units, their
  // train statistics in target_normalization.
  DataConfig c = parse_data_config(
      YAML::Load("{format: csv, path: t.csv, csv: {target_column: y}, normalization: "
                 "per_channel}"),
      dir_.string());
  EXPECT_TRUE(c.is_regression());
  DatasetSplit split = load_dataset(c);
  EXPECT_FLOAT_EQ(split.target_normalization.mean[0], 25.0f);
  EXPECT_FLOAT_EQ(split.target_normalization.std[0], std::sqrt(125.0f));
  EXPECT_FLOAT_EQ(split.train.target(0)[0], 10.0f);
  const nlohmann::json summary = to_json(summarize(split));
  EXPECT_EQ(summary["task"], "regression");
  EXPECT_EQ(summary["targets"], nlohmann::json({"y"}));
  EXPECT_DOUBLE_EQ(summary["splits"]["train"]["target_max"][0].get<double>(), 40.0);
  EXPECT_NE(to_text(summarize(split)).find("y mean"), std::string::npos);

  expect_error(
      [&] {
        parse_data_config(
            YAML::Load("{format: csv, path: x, csv: {label_column: a, "
                       "target_column: b}}"));
      },
      {"data.csv", "exclude each other"});
  expect_error(
      [&] {
        parse_data_config(
            YAML::Load("{format: image_folder, path: x, csv: {target_column: "
                       "b}}"));
      },
      {"data.csv.target_column", "not image_folder"});
  DataConfig two =
      parse_data_config(YAML::Load("{format: csv, path: x, csv: {target_column: [y, 2]}}"));
  EXPECT_EQ(two.csv.target_columns, (std::vector<std::string>{"y", "2"}));
}

TEST(LoadDataset, FashionMnistWithValidationSplit) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  DataConfig c =
      parse_data_config(YAML::Load("{format: fashion_mnist, splits: {validation: 0.1}}"));
  DatasetSplit split = load_dataset(c);
  EXPECT_EQ(split.train.size(), 54000);
  EXPECT_EQ(split.validation.size(), 6000);
  EXPECT_EQ(split.test.size(), 10000);
  EXPECT_EQ(split.validation.class_counts(), std::vector<int64_t>(10, 600));
}

}  // namespace
}  // namespace tinyforge::data
