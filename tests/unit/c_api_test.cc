// The C API runs a real model and reports errors as codes with messages.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "tests/support/shared_data.h"
#include "tinyforge/c_api.h"
#include "toolkit/host/model_file.h"

namespace tinyforge::testing {
namespace {

TEST(CApi, RunsHelloWorldLikeTfliteMicro) {
  TINYFORGE_REQUIRE_SHARED();
  const auto dir = shared_dir() / "conformance";
  const host::ModelFile file(dir / "models" / "hello_world_int8.tflite");
  tf_model model;
  ASSERT_EQ(tf_model_load(&model, file.bytes().data(), file.bytes().size()), 0)
      << tf_model_error(&model);
  alignas(16) static unsigned char arena[4096];
  tf_interpreter interpreter;
  ASSERT_EQ(tf_interpreter_init(&interpreter, &model, arena, sizeof(arena)), 0)
      << tf_interpreter_error(&interpreter);
  EXPECT_GT(tf_interpreter_arena_bytes(&interpreter), 0u);
  ASSERT_EQ(tf_interpreter_num_inputs(&interpreter), 1);
  tf_tensor input, output;
  ASSERT_EQ(tf_interpreter_input(&interpreter, 0, &input), 0);
  EXPECT_EQ(input.dtype, 9);  // int8
  const auto in = host::read_file(dir / "vectors" / "hello_world_int8" / "input_2_0.bin");
  ASSERT_EQ(in.size(), input.bytes);
  std::memcpy(input.data, in.data(), in.size());
  ASSERT_EQ(tf_interpreter_invoke(&interpreter), 0);
  ASSERT_EQ(tf_interpreter_output(&interpreter, 0, &output), 0);
  const auto want = host::read_file(dir / "vectors" / "hello_world_int8" / "output_2_0.bin");
  ASSERT_EQ(output.bytes, want.size());
  EXPECT_EQ(std::memcmp(output.data, want.data(), want.size()), 0);
  EXPECT_NE(tf_interpreter_output(&interpreter, 5, &output), 0);
}

TEST(CApi, ReportsMalformedModels) {
  alignas(16) static const unsigned char junk[64] = {1, 2, 3};
  tf_model model;
  EXPECT_NE(tf_model_load(&model, junk, sizeof(junk)), 0);
  EXPECT_NE(std::string(tf_model_error(&model)).find("TFL3"), std::string::npos);
}

}  // namespace
}  // namespace tinyforge::testing
