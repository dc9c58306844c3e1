// Size limits on outside bytes: every reader refuses input above k_max_input_bytes up front.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io/catalog.hpp"
#include "io/csv_signal.hpp"
#include "io/femto.hpp"
#include "io/ims.hpp"
#include "io/mat_file.hpp"
#include "io/temp_dir.hpp"

namespace vigil::io {
namespace VIGIL_TEST_FILE {

// In-memory input one byte over the limit is refused before a byte of it is read: the view covers
// a reserved, never-touched anonymous mapping, so the test needs no real memory.
TEST(InputLimits, OversizedTextIsRefusedUpFront) {
  const std::size_t size = k_max_input_bytes + 1;
  void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  const std::string_view big(static_cast<const char*>(p), size);
  auto femto = parse_femto_snapshot(big, "big");
  auto ims = parse_ims_snapshot(big, "2004.02.12.10.32.39");
  auto csv = parse_csv_signal(big, "big", 1.0);
  auto cat = parse_catalog(big, "big", ".");
  munmap(p, size);
  for (const Error& e : {femto.error(), ims.error(), csv.error(), cat.error()}) {
    EXPECT_EQ(e.code, ErrorCode::out_of_range);
    EXPECT_NE(e.message.find("more than the 536870912 byte input limit"), std::string::npos) << e.message;
  }
}

// A sparse file over the limit (no disk blocks used) is refused from its size alone.
TEST(InputLimits, OversizedFilesAreRefusedUpFront) {
  test::TempDir dir;
  for (const char* name : {"acc_00001.csv", "big.mat"}) {
    const auto path = dir / name;
    const int fd = open(path.c_str(), O_CREAT | O_WRONLY, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, static_cast<off_t>(k_max_input_bytes + 1)), 0);
    close(fd);
  }
  auto femto = read_femto_snapshot(dir / "acc_00001.csv");
  ASSERT_FALSE(femto.has_value());
  EXPECT_EQ(femto.error().code, ErrorCode::out_of_range);
  auto mat = list_mat_variables(dir / "big.mat");
  ASSERT_FALSE(mat.has_value());
  EXPECT_EQ(mat.error().code, ErrorCode::out_of_range);
  EXPECT_NE(mat.error().message.find("big.mat: 536870913 bytes"), std::string::npos) << mat.error().message;
}

TEST(InputLimits, FolderIsNotAFile) {
  test::TempDir dir;
  auto femto = read_femto_snapshot(dir.path());
  ASSERT_FALSE(femto.has_value());
  EXPECT_EQ(femto.error().code, ErrorCode::io);
  auto mat = read_cwru_mat(dir.path());
  ASSERT_FALSE(mat.has_value());
  EXPECT_EQ(mat.error().code, ErrorCode::io);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::io
