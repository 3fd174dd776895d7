// eval --limit's sample (toolkit/data/sample.h): stratified, seeded, in dataset order.
#include "toolkit/data/sample.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace tinyforge::data {
namespace {

// `sizes[k]` samples of class k, class after class (a class-sorted split).
Dataset sorted_classes(const std::vector<int>& sizes) {
  std::vector<std::string> names;
  for (size_t k = 0; k < sizes.size(); ++k) names.push_back("c" + std::to_string(k));
  Dataset d({1}, names);
  for (size_t k = 0; k < sizes.size(); ++k)
    for (int i = 0; i < sizes[k]; ++i) d.add(std::vector<float>{static_cast<float>(i)}, k, "x");
  return d;
}

std::vector<int64_t> per_class(const Dataset& d, const std::vector<int64_t>& indices) {
  std::vector<int64_t> counts(d.num_classes());
  for (int64_t i : indices) ++counts[d.label(i)];
  return counts;
}

TEST(StratifiedSample, EveryClassInItsProportion) {
  const Dataset d = sorted_classes(std::vector<int>(10, 100));
  const std::vector<int64_t> fifty = stratified_sample_indices(d, 50, 1);
  ASSERT_EQ(fifty.size(), 50u);
  EXPECT_EQ(per_class(d, fifty), std::vector<int64_t>(10, 5));
  EXPECT_TRUE(std::is_sorted(fifty.begin(), fifty.end()));
  EXPECT_EQ(std::adjacent_find(fifty.begin(), fifty.end()), fifty.end()) << "no repeats";

  // Unequal classes: 7 of 60/30/10 is 4.2/2.1/0.7, the largest remainder rounds up.
  const Dataset u = sorted_classes({60, 30, 10});
  EXPECT_EQ(per_class(u, stratified_sample_indices(u, 7, 3)), (std::vector<int64_t>{4, 2, 1}));
  EXPECT_EQ(stratified_sample_indices(u, 500, 3).size(), 100u) << "at most the whole set";
  EXPECT_TRUE(stratified_sample_indices(u, 0, 3).empty());
}

TEST(StratifiedSample, TheSeedChoosesTheMembers) {
  const Dataset d = sorted_classes({40, 40});
  const auto a = stratified_sample_indices(d, 10, 1);
  EXPECT_EQ(stratified_sample_indices(d, 10, 1), a);
  const auto b = stratified_sample_indices(d, 10, 2);
  EXPECT_NE(b, a);
  EXPECT_EQ(per_class(d, b), per_class(d, a));
  EXPECT_NE(a, (std::vector<int64_t>{0, 1, 2, 3, 4, 40, 41, 42, 43, 44})) << "not the first ones";
}

}  // namespace
}  // namespace tinyforge::data
