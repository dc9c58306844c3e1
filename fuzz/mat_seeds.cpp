// Writes the fuzz_mat seed corpus into the folder given as argv[1]: small CWRU-layout MAT v5
// files made by libmatio (uncompressed, zlib-compressed, and channels inside a struct).
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <matio.h>

namespace {

bool write_seed(const std::string& path, matio_compression compression, bool as_struct) {
  mat_t* mat = Mat_CreateVer(path.c_str(), nullptr, MAT_FT_MAT5);
  if (mat == nullptr) return false;
  std::vector<double> de(64), fe(64);
  for (std::size_t i = 0; i < de.size(); ++i) {
    de[i] = std::sin(0.3 * static_cast<double>(i));
    fe[i] = 0.25 * static_cast<double>(i % 5);
  }
  std::uint16_t rpm = 1797;
  std::size_t dims[2] = {de.size(), 1};
  std::size_t one[2] = {1, 1};
  bool ok = true;
  if (as_struct) {
    const char* fields[] = {"DE_time", "FE_time", "RPM", nullptr};
    matvar_t* s = Mat_VarCreateStruct2("s", 2, one, fields);
    Mat_VarSetStructFieldByName(s, "DE_time", 0,
                                Mat_VarCreate(nullptr, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, de.data(), 0));
    Mat_VarSetStructFieldByName(s, "FE_time", 0,
                                Mat_VarCreate(nullptr, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, fe.data(), 0));
    Mat_VarSetStructFieldByName(s, "RPM", 0,
                                Mat_VarCreate(nullptr, MAT_C_UINT16, MAT_T_UINT16, 2, one, &rpm, 0));
    ok = Mat_VarWrite(mat, s, compression) == 0;
    Mat_VarFree(s);
  } else {
    const struct {
      const char* name;
      matio_classes cls;
      matio_types type;
      std::size_t* d;
      void* p;
    } vars[] = {{"X105_DE_time", MAT_C_DOUBLE, MAT_T_DOUBLE, dims, de.data()},
                {"X105_FE_time", MAT_C_DOUBLE, MAT_T_DOUBLE, dims, fe.data()},
                {"X105RPM", MAT_C_UINT16, MAT_T_UINT16, one, &rpm}};
    for (const auto& v : vars) {
      matvar_t* var = Mat_VarCreate(v.name, v.cls, v.type, 2, v.d, v.p, MAT_F_DONT_COPY_DATA);
      ok = ok && var != nullptr && Mat_VarWrite(mat, var, compression) == 0;
      Mat_VarFree(var);
    }
  }
  Mat_Close(mat);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const bool ok = write_seed(dir + "/plain.mat", MAT_COMPRESSION_NONE, false) &&
                  write_seed(dir + "/zlib.mat", MAT_COMPRESSION_ZLIB, false) &&
                  write_seed(dir + "/struct.mat", MAT_COMPRESSION_NONE, true) &&
                  write_seed(dir + "/struct_zlib.mat", MAT_COMPRESSION_ZLIB, true);
  if (!ok) std::fprintf(stderr, "mat_seeds: writing failed\n");
  return ok ? 0 : 1;
}
