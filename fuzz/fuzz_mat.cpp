// libFuzzer target: MAT v5 reader. libmatio reads from a path, so each input is written to one
// memfd (memory only, no disk) and read back through /proc/self/fd/N.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_check.hpp"
#include "io/mat_file.hpp"

namespace {

int memfd() {
  static const int fd = memfd_create("fuzz_mat", 0);
  if (fd < 0) std::abort();
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = memfd();
  if (ftruncate(fd, 0) != 0) std::abort();
  if (size > 0 && pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
  const std::string path = "/proc/self/fd/" + std::to_string(fd);

  (void)vigil::io::list_mat_variables(path);
  if (auto rec = vigil::io::read_cwru_mat(path)) {
    vigil::io::fuzz::check_recording(*rec);
    if (rec->speed_rpm && !(*rec->speed_rpm > 0.0)) __builtin_trap();
  }
  (void)vigil::io::read_mat_vector(path, "s.DE_time");
  return 0;
}
