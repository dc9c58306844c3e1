#include "io/recording.hpp"

#include <gtest/gtest.h>

namespace vigil::io {
namespace VIGIL_TEST_FILE {

TEST(Recording, FindsChannelsByExactName) {
  Recording rec;
  rec.channels.push_back({"DE", {1, 2, 3}});
  rec.channels.push_back({"FE", {4, 5, 6}});
  ASSERT_NE(rec.find_channel("FE"), nullptr);
  EXPECT_EQ(rec.find_channel("FE")->samples[0], 4.0f);
  EXPECT_EQ(rec.find_channel("de"), nullptr);
  EXPECT_EQ(rec.sample_count(), 3u);
  EXPECT_EQ(Recording{}.sample_count(), 0u);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::io
