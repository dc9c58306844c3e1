#include "io/mat_file.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "io/mat_bytes.hpp"
#include "io/temp_dir.hpp"

namespace vigil::io {
namespace VIGIL_TEST_FILE {

using test::MatBytes;
using test::TempDir;

// A small CWRU-like file: X105_DE_time, X105_FE_time, X105_BA_time (4 samples each), X105RPM = 1797.
MatBytes cwru_like(bool big_endian = false) {
  MatBytes m(big_endian);
  m.add(m.doubles("X105_DE_time", {0.5, -0.25, 1.0e-3, 2.0}))
      .add(m.doubles("X105_FE_time", {1, 2, 3, 4}))
      .add(m.doubles("X105_BA_time", {-1, -2, -3, -4}))
      .add(m.uint16_scalar("X105RPM", 1797));
  return m;
}

std::vector<double> as_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

TEST(MatFile, ListsVariablesWithClassAndSize) {
  TempDir dir;
  const auto path = dir / "105.mat";
  MatBytes m = cwru_like();
  m.add(m.chars("note", "hi"));
  m.write(path);
  auto vars = list_mat_variables(path);
  ASSERT_TRUE(vars.has_value()) << vars.error().message;
  ASSERT_EQ(vars->size(), 5u);
  EXPECT_EQ((*vars)[0].name, "X105_DE_time");
  EXPECT_EQ((*vars)[0].class_name, "double");
  EXPECT_EQ((*vars)[0].dims, (std::vector<std::size_t>{4, 1}));
  EXPECT_EQ((*vars)[3].name, "X105RPM");
  EXPECT_EQ((*vars)[3].class_name, "uint16");
  EXPECT_EQ((*vars)[4].class_name, "char");
}

TEST(MatFile, ReadsCwruChannelsBySuffixAndSpeedFromRpmVariableNotFileName) {
  TempDir dir;
  const auto path = dir / "123.mat";  // the file name's number must not leak into anything
  cwru_like().write(path);
  MatReadOptions options;
  options.sample_rate_hz = 12000;
  auto rec = read_cwru_mat(path, options);
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  ASSERT_EQ(rec->channels.size(), 3u);
  EXPECT_EQ(rec->channels[0].name, "DE");
  EXPECT_EQ(rec->channels[1].name, "FE");
  EXPECT_EQ(rec->channels[2].name, "BA");
  // Values are exactly representable in float, so the double -> float conversion is exact.
  EXPECT_EQ(as_double(rec->find_channel("DE")->samples), (std::vector<double>{0.5, -0.25, 1.0e-3f, 2.0}));
  EXPECT_EQ(as_double(rec->find_channel("BA")->samples), (std::vector<double>{-1, -2, -3, -4}));
  ASSERT_TRUE(rec->speed_rpm.has_value());
  EXPECT_EQ(*rec->speed_rpm, 1797.0);
  EXPECT_EQ(rec->sample_rate_hz, 12000.0);
  EXPECT_EQ(rec->sample_count(), 4u);
}

TEST(MatFile, ReadsBigEndianFile) {
  TempDir dir;
  const auto path = dir / "be.mat";
  cwru_like(true).write(path);
  auto rec = read_cwru_mat(path);
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  EXPECT_EQ(as_double(rec->find_channel("DE")->samples), (std::vector<double>{0.5, -0.25, 1.0e-3f, 2.0}));
  EXPECT_EQ(rec->speed_rpm, 1797.0);
}

TEST(MatFile, ReadsOnlyRequestedChannels) {
  TempDir dir;
  const auto path = dir / "105.mat";
  cwru_like().write(path);
  MatReadOptions options;
  options.channels = {"FE"};
  auto rec = read_cwru_mat(path, options);
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  ASSERT_EQ(rec->channels.size(), 1u);
  EXPECT_EQ(rec->channels[0].name, "FE");
}

TEST(MatFile, ReadsChannelsFromStructFields) {
  TempDir dir;
  const auto path = dir / "s.mat";
  MatBytes m;
  m.add(m.structure("rec", {{"DE_time", m.doubles("", {1, 2, 3})},
                            {"FE_time", m.doubles("", {4, 5, 6})},
                            {"RPM", m.doubles("", {1772.5}, {1, 1})}}));
  m.write(path);
  auto vars = list_mat_variables(path);
  ASSERT_TRUE(vars.has_value()) << vars.error().message;
  ASSERT_EQ(vars->size(), 4u);
  EXPECT_EQ((*vars)[0].class_name, "struct");
  EXPECT_EQ((*vars)[1].name, "rec.DE_time");

  auto rec = read_cwru_mat(path);
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  ASSERT_EQ(rec->channels.size(), 2u);
  EXPECT_EQ(as_double(rec->find_channel("DE")->samples), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(as_double(rec->find_channel("FE")->samples), (std::vector<double>{4, 5, 6}));
  EXPECT_EQ(rec->speed_rpm, 1772.5);

  auto field = read_mat_vector(path, "rec.FE_time");
  ASSERT_TRUE(field.has_value()) << field.error().message;
  EXPECT_EQ(*field, (std::vector<double>{4, 5, 6}));
}

TEST(MatFile, AcceptsAnyNumericClassForChannelsAndRpm) {
  TempDir dir;
  const auto path = dir / "int.mat";
  MatBytes m;
  m.add(m.matrix("X001_DE_time", test::mx_single, {1, 3}, test::mi_single,
                 m.encode(std::vector<float>{1.5f, -2, 3})))
      .add(m.matrix("X001RPM", test::mx_int32, {1, 1}, test::mi_int32,
                    m.encode(std::vector<std::int32_t>{1730})));
  m.write(path);
  auto rec = read_cwru_mat(path);
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  EXPECT_EQ(as_double(rec->channels[0].samples), (std::vector<double>{1.5, -2, 3}));
  EXPECT_EQ(rec->speed_rpm, 1730.0);
}

// MATLAB stores doubles in a smaller integer type when they fit (format document, "Data Element
// Format"); the class stays double.
TEST(MatFile, ReadsDoubleClassStoredAsUint8) {
  TempDir dir;
  const auto path = dir / "compact.mat";
  MatBytes m;
  m.add(m.matrix("X001_DE_time", test::mx_double, {3, 1}, test::mi_uint8, std::string("\x01\x02\xff", 3)));
  m.write(path);
  auto v = read_mat_vector(path, "X001_DE_time");
  ASSERT_TRUE(v.has_value()) << v.error().message;
  EXPECT_EQ(*v, (std::vector<double>{1, 2, 255}));
}

TEST(MatFile, NoRpmVariableLeavesSpeedUnknown) {
  TempDir dir;
  const auto path = dir / "98.mat";
  MatBytes m;
  m.add(m.doubles("X098_DE_time", {1, 2})).add(m.doubles("X098_FE_time", {3, 4}));
  m.write(path);
  auto rec = read_cwru_mat(path);
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  EXPECT_FALSE(rec->speed_rpm.has_value());
  EXPECT_EQ(rec->channels.size(), 2u);
}

TEST(MatFile, SharedSuffixPrefersVariableMatchingRpmNumber) {
  TempDir dir;
  const auto path = dir / "99.mat";
  MatBytes m;
  m.add(m.doubles("X098_DE_time", {9, 8}))
      .add(m.doubles("X099_DE_time", {1, 2}))
      .add(m.doubles("ans", {0}, {1, 1}))
      .add(m.uint16_scalar("X099RPM", 1750));
  m.write(path);
  auto rec = read_cwru_mat(path);
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  EXPECT_EQ(as_double(rec->find_channel("DE")->samples), (std::vector<double>{1, 2}));
  EXPECT_EQ(rec->speed_rpm, 1750.0);
}

TEST(MatFile, SharedSuffixWithoutRpmListsCandidatesAndPrefixChooses) {
  TempDir dir;
  const auto path = dir / "99.mat";
  MatBytes m;
  m.add(m.doubles("X098_DE_time", {9, 8})).add(m.doubles("X099_DE_time", {1, 2}));
  m.write(path);
  auto rec = read_cwru_mat(path);
  ASSERT_FALSE(rec.has_value());
  EXPECT_EQ(rec.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(rec.error().message.find("99.mat"), std::string::npos) << rec.error().message;
  EXPECT_NE(rec.error().message.find("X098_DE_time, X099_DE_time"), std::string::npos) << rec.error().message;

  MatReadOptions options;
  options.prefix = "X099";
  auto chosen = read_cwru_mat(path, options);
  ASSERT_TRUE(chosen.has_value()) << chosen.error().message;
  EXPECT_EQ(as_double(chosen->channels[0].samples), (std::vector<double>{1, 2}));
}

TEST(MatFile, SeveralRpmVariablesIsAnError) {
  TempDir dir;
  const auto path = dir / "x.mat";
  MatBytes m;
  m.add(m.doubles("X001_DE_time", {1})).add(m.uint16_scalar("X001RPM", 1)).add(m.uint16_scalar("X002RPM", 2));
  m.write(path);
  auto rec = read_cwru_mat(path);
  ASSERT_FALSE(rec.has_value());
  EXPECT_NE(rec.error().message.find("X001RPM, X002RPM"), std::string::npos) << rec.error().message;
}

// ---- error paths: each message names the file and the variable ----------------------------------

struct BadVariableCase {
  const char* label;
  std::string (*element)(const MatBytes&);
  ErrorCode code;
  const char* expected;  // substring of the message
};

class MatBadVariable : public ::testing::TestWithParam<BadVariableCase> {};

TEST_P(MatBadVariable, IsAClearError) {
  TempDir dir;
  const auto path = dir / "105.mat";
  MatBytes m;
  m.add(GetParam().element(m));
  m.write(path);
  auto rec = read_cwru_mat(path);
  ASSERT_FALSE(rec.has_value()) << GetParam().label;
  EXPECT_EQ(rec.error().code, GetParam().code) << rec.error().message;
  EXPECT_NE(rec.error().message.find(path.string()), std::string::npos) << rec.error().message;
  EXPECT_NE(rec.error().message.find(GetParam().expected), std::string::npos) << rec.error().message;
}

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
constexpr double k_inf = std::numeric_limits<double>::infinity();

INSTANTIATE_TEST_SUITE_P(
    Cases, MatBadVariable,
    ::testing::Values(
        BadVariableCase{"char", [](const MatBytes& m) { return m.chars("X105_DE_time", "abc"); },
                        ErrorCode::unsupported, "variable X105_DE_time has class char, expected numeric"},
        BadVariableCase{"empty",
                        [](const MatBytes& m) {
                          return m.doubles("X105_DE_time", {}, {0, 0});
                        },
                        ErrorCode::parse, "variable X105_DE_time is empty"},
        BadVariableCase{"matrix",
                        [](const MatBytes& m) {
                          return m.doubles("X105_DE_time", {1, 2, 3, 4, 5, 6}, {3, 2});
                        },
                        ErrorCode::parse, "variable X105_DE_time has size 3x2, expected a vector"},
        BadVariableCase{"nan",
                        [](const MatBytes& m) {
                          return m.doubles("X105_DE_time", {1, k_nan, 3});
                        },
                        ErrorCode::parse, "variable X105_DE_time has a non-finite value (nan) at element 2"},
        BadVariableCase{"inf", [](const MatBytes& m) { return m.doubles("X105_DE_time", {-k_inf}); },
                        ErrorCode::parse, "variable X105_DE_time has a non-finite value (-inf) at element 1"},
        BadVariableCase{"beyond float", [](const MatBytes& m) { return m.doubles("X105_DE_time", {1e300}); },
                        ErrorCode::out_of_range, "outside the float range"},
        BadVariableCase{"logical",
                        [](const MatBytes& m) {
                          return m.matrix("X105_DE_time", test::mx_uint8, {2, 1}, test::mi_uint8,
                                          std::string("\x01\x00", 2), test::k_flag_logical);
                        },
                        ErrorCode::unsupported, "has class logical, expected numeric"},
        BadVariableCase{"complex",
                        [](const MatBytes& m) {
                          const std::string im = m.encode(std::vector<double>{1, 1});
                          return m.matrix("X105_DE_time", test::mx_double, {2, 1}, test::mi_double,
                                          m.encode(std::vector<double>{0, 0}), test::k_flag_complex, &im);
                        },
                        ErrorCode::unsupported, "variable X105_DE_time is complex"},
        BadVariableCase{
            "rpm char",
            [](const MatBytes& m) { return m.doubles("X105_DE_time", {1}) + m.chars("X105RPM", "1797"); },
            ErrorCode::unsupported, "variable X105RPM has class char, expected numeric"},
        BadVariableCase{"rpm not 1x1",
                        [](const MatBytes& m) {
                          return m.doubles("X105_DE_time", {1}) + m.doubles("X105RPM", {1, 2});
                        },
                        ErrorCode::parse, "variable X105RPM has size 2x1, expected 1x1"},
        BadVariableCase{
            "rpm zero",
            [](const MatBytes& m) { return m.doubles("X105_DE_time", {1}) + m.uint16_scalar("X105RPM", 0); },
            ErrorCode::out_of_range, "variable X105RPM is 0 rpm"},
        BadVariableCase{"lengths differ",
                        [](const MatBytes& m) {
                          return m.doubles("X105_DE_time", {1, 2}) + m.doubles("X105_FE_time", {1});
                        },
                        ErrorCode::parse, "channel FE has 1 samples, channel DE has 2"},
        BadVariableCase{
            "no channel",
            [](const MatBytes& m) { return m.doubles("vibration", {1}) + m.doubles("speed", {1}); },
            ErrorCode::not_found,
            "no variable ending in _DE_time, _FE_time or _BA_time (variables: "
            "vibration, speed)"},
        BadVariableCase{
            "duplicate",
            [](const MatBytes& m) { return m.doubles("X105_DE_time", {1}) + m.doubles("X105_DE_time", {2}); },
            ErrorCode::parse, "variable X105_DE_time appears twice"},
        BadVariableCase{
            "huge dims in a small element",
            [](const MatBytes& m) {
              return m.matrix("X105_DE_time", test::mx_double, {1000000, 1000}, test::mi_double,
                              m.encode(std::vector<double>{1}));
            },
            ErrorCode::parse,
            "(X105_DE_time): real part holds 8 bytes, its size needs 1000000000 values of 8 bytes"},
        // Found by fuzz_mat: libmatio allocated dims x fields pointers before reading any field.
        BadVariableCase{"struct declaring more fields than bytes",
                        [](const MatBytes& m) {
                          std::string s = m.structure("s", {{"DE_time", m.doubles("", {1})}});
                          // Element tag (8) + array flags (16) + dimensions tag (8): the first
                          // dimension, a little-endian int32, becomes 0x00400040 = 4194368.
                          s[8 + 16 + 8] = 0x40;
                          s[8 + 16 + 8 + 2] = 0x40;
                          return s;
                        },
                        ErrorCode::parse, "(s): declares 4194368 fields/cells, the"},
        BadVariableCase{"object class",
                        [](const MatBytes& m) {
                          return m.matrix("X105_DE_time", static_cast<test::MxClass>(3), {1, 1},
                                          test::mi_double, m.encode(std::vector<double>{1}));
                        },
                        ErrorCode::unsupported,
                        "(X105_DE_time): class 3 (object, function handle or opaque) is not supported"},
        BadVariableCase{"bad data type",
                        [](const MatBytes& m) {
                          return m.matrix("X105_DE_time", test::mx_double, {1, 1},
                                          static_cast<test::MiType>(8), m.encode(std::vector<double>{1}));
                        },
                        ErrorCode::parse, "(X105_DE_time): real part has data type 8, not a numeric type"}),
    [](const auto& test_info) {
      std::string s = test_info.param.label;
      for (char& c : s) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return s;
    });

TEST(MatFile, MissingRequestedChannelListsWhatExists) {
  TempDir dir;
  const auto path = dir / "105.mat";
  cwru_like().write(path);
  MatReadOptions options;
  options.channels = {"DE", "XY"};
  auto rec = read_cwru_mat(path, options);
  ASSERT_FALSE(rec.has_value());
  EXPECT_EQ(rec.error().code, ErrorCode::not_found);
  EXPECT_NE(
      rec.error().message.find("no variable named XY_time or ending in _XY_time (variables: X105_DE_time, "
                               "X105_FE_time, X105_BA_time, X105RPM)"),
      std::string::npos)
      << rec.error().message;
}

TEST(MatFile, MissingVectorNamesFile) {
  TempDir dir;
  const auto path = dir / "105.mat";
  cwru_like().write(path);
  auto v = read_mat_vector(path, "nope");
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().code, ErrorCode::not_found);
  EXPECT_NE(v.error().message.find("105.mat: no variable nope"), std::string::npos) << v.error().message;
}

TEST(MatFile, NotAMatFile) {
  TempDir dir;
  auto short_text = list_mat_variables(dir.write("a.mat", "hello"));
  ASSERT_FALSE(short_text.has_value());
  EXPECT_NE(short_text.error().message.find("a.mat: not a MAT file"), std::string::npos)
      << short_text.error().message;

  auto long_text = read_cwru_mat(dir.write("b.mat", std::string(300, 'x')));
  ASSERT_FALSE(long_text.has_value());
  EXPECT_EQ(long_text.error().code, ErrorCode::parse);
  EXPECT_NE(long_text.error().message.find("b.mat: not a MAT v5 file"), std::string::npos)
      << long_text.error().message;

  auto missing = read_cwru_mat(dir / "none.mat");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST(MatFile, Version73IsUnsupported) {
  TempDir dir;
  std::string bytes = MatBytes().bytes();
  bytes[124] = 0x00;
  bytes[125] = 0x02;  // version 0x0200, little-endian
  auto r = list_mat_variables(dir.write("v73.mat", bytes));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::unsupported);
  EXPECT_NE(r.error().message.find("v7.3"), std::string::npos) << r.error().message;
}

TEST(MatFile, UnknownTopLevelElementIsAnError) {
  TempDir dir;
  MatBytes m;
  m.add(m.element(test::mi_double, m.encode(std::vector<double>{1})));
  auto r = list_mat_variables(dir.write("odd.mat", m.bytes()));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("element #1 at byte offset 128 has type 9"), std::string::npos)
      << r.error().message;
}

// Every cut of a valid file is either a complete shorter file (cut at an element boundary) or a
// clear error; never a crash or a silently shorter recording.
TEST(MatFile, TruncatedAtEveryCutPointIsAClearError) {
  TempDir dir;
  const std::string full = cwru_like().bytes();
  std::vector<std::size_t> boundaries = {128};
  {
    MatBytes m;
    std::size_t at = 128;
    for (const auto& e :
         {m.doubles("X105_DE_time", {0.5, -0.25, 1.0e-3, 2.0}), m.doubles("X105_FE_time", {1, 2, 3, 4}),
          m.doubles("X105_BA_time", {-1, -2, -3, -4}), m.uint16_scalar("X105RPM", 1797)}) {
      at += e.size();
      boundaries.push_back(at);
    }
    ASSERT_EQ(at, full.size());
  }
  for (std::size_t cut = 0; cut < full.size(); ++cut) {
    const auto path = dir.write("cut.mat", std::string_view(full).substr(0, cut));
    auto vars = list_mat_variables(path);
    const bool at_boundary = std::find(boundaries.begin(), boundaries.end(), cut) != boundaries.end();
    if (at_boundary) {
      EXPECT_TRUE(vars.has_value()) << "cut " << cut << ": " << vars.error().message;
      continue;
    }
    ASSERT_FALSE(vars.has_value()) << "cut " << cut;
    EXPECT_EQ(vars.error().code, ErrorCode::parse) << "cut " << cut;
    const std::string& msg = vars.error().message;
    EXPECT_NE(msg.find(path.string()), std::string::npos) << msg;
    if (cut >= 19) {  // from there on the MAT signature is complete
      EXPECT_NE(msg.find("truncated"), std::string::npos) << "cut " << cut << ": " << msg;
    }
    EXPECT_FALSE(read_cwru_mat(path).has_value()) << "cut " << cut;
  }
}

TEST(MatFile, ZlibCompressedFileWrittenByMatioRoundTrips) {
  TempDir dir;
  Recording rec;
  rec.speed_rpm = 1797;
  rec.channels.push_back({"DE", {}});
  rec.channels.push_back({"FE", {}});
  for (int i = 0; i < 4000; ++i) {
    rec.channels[0].samples.push_back(static_cast<float>(std::sin(0.01 * i)));
    rec.channels[1].samples.push_back(static_cast<float>(i % 7) * 0.125f);
  }
  const auto path = dir / "z.mat";
  auto ok = write_cwru_mat(path, rec, "X105", MatCompression::zlib);
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir / "z.mat.partial"));

  // Independent of the reader: the first element's tag says miCOMPRESSED (15), little-endian.
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 136u);
  EXPECT_EQ(static_cast<unsigned char>(bytes[128]), 15u);
  EXPECT_LT(bytes.size(), 4000u * 8u * 2u / 2u) << "compression should at least halve 64 kB of doubles";

  auto back = read_cwru_mat(path);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->find_channel("DE")->samples, rec.channels[0].samples);
  EXPECT_EQ(back->find_channel("FE")->samples, rec.channels[1].samples);
  EXPECT_EQ(back->speed_rpm, 1797.0);

  // Cut inside the compressed stream: the element chain no longer fits the file.
  for (const std::size_t cut : {bytes.size() / 2, bytes.size() - 1, std::size_t{140}}) {
    auto r = read_cwru_mat(dir.write("zcut.mat", std::string_view(bytes).substr(0, cut)));
    ASSERT_FALSE(r.has_value()) << "cut " << cut;
    EXPECT_NE(r.error().message.find("truncated"), std::string::npos) << r.error().message;
  }
}

TEST(MatFile, CorruptZlibStreamIsAClearError) {
  TempDir dir;
  Recording rec;
  rec.channels.push_back({"DE", std::vector<float>(1000, 0.5f)});
  const auto path = dir / "z.mat";
  ASSERT_TRUE(write_cwru_mat(path, rec, "X001", MatCompression::zlib).has_value());
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t i = 140; i < bytes.size(); i += 3) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  auto r = read_cwru_mat(dir.write("bad.mat", bytes));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::parse);
  EXPECT_NE(
      r.error().message.find("bad.mat: element #1 at byte offset 128: corrupt or truncated zlib stream"),
      std::string::npos)
      << r.error().message;
}

TEST(MatFile, UncompressedWriteUsesCwruNamesAndShapes) {
  TempDir dir;
  Recording rec;
  rec.speed_rpm = 1772.5;
  rec.channels.push_back({"BA", {1.0f, 2.0f}});
  const auto path = dir / "u.mat";
  ASSERT_TRUE(write_cwru_mat(path, rec, "X200").has_value());
  auto vars = list_mat_variables(path);
  ASSERT_TRUE(vars.has_value()) << vars.error().message;
  ASSERT_EQ(vars->size(), 2u);
  EXPECT_EQ((*vars)[0].name, "X200_BA_time");
  EXPECT_EQ((*vars)[0].dims, (std::vector<std::size_t>{2, 1}));
  EXPECT_EQ((*vars)[1].name, "X200RPM");
  EXPECT_EQ((*vars)[1].class_name, "double");
  EXPECT_EQ((*vars)[1].dims, (std::vector<std::size_t>{1, 1}));
  EXPECT_EQ(read_cwru_mat(path)->speed_rpm, 1772.5);
}

TEST(MatFile, WriteRejectsNamesMatlabCannotUse) {
  TempDir dir;
  Recording rec;
  rec.channels.push_back({"D E", {1.0f}});
  auto bad_channel = write_cwru_mat(dir / "a.mat", rec, "X1");
  ASSERT_FALSE(bad_channel.has_value());
  EXPECT_EQ(bad_channel.error().code, ErrorCode::invalid_argument);
  rec.channels[0].name = "DE";
  EXPECT_FALSE(write_cwru_mat(dir / "a.mat", rec, "1X").has_value());
  EXPECT_FALSE(write_cwru_mat(dir / "a.mat", Recording{}, "X1").has_value());
  EXPECT_FALSE(std::filesystem::exists(dir / "a.mat"));
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::io
