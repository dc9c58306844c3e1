// The compact evidence spectrum against hand-assembled bytes of the layout in docs/formats/sparkplug.md.
#include "proto/sparkplug_spectrum.hpp"

#include <cmath>
#include <limits>
#include <random>

#include <gtest/gtest.h>

namespace vigil::proto::sparkplug {
namespace VIGIL_TEST_FILE {

CompactSpectrum example() {
  CompactSpectrum s;
  s.kind = SpectrumKind::envelope_g2;
  s.bin_hz = 0.5f;
  s.first_bin_hz = 0;
  s.window_end_ms = 0x0102030405060708;
  s.amplitude = {32767.0f, 65535.0f};  // max 65535: scale exactly 1
  s.lines = {{DefectLine::bpfo, 1, true, 107.5f, 1.0f, 6.0f}};
  return s;
}

TEST(SparkplugSpectrum, LayoutMatchesTheDocumentation) {
  auto b = encode_spectrum(example());
  ASSERT_TRUE(b) << b.error().message;
  const Bytes expected = {
      'V',  'S',  'P',  'C',  0x01, 0x02, 0x02, 0x00,  // magic, version 1, kind 2 (envelope), 2 bins
      0x00, 0x00, 0x00, 0x3F,                          // bin_hz 0.5
      0x00, 0x00, 0x00, 0x00,                          // first_bin_hz 0
      0x00, 0x00, 0x80, 0x3F,                          // scale 1.0
      0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,  // window_end_ms
      0x01, 0x00, 0x00, 0x00,                          // 1 line, reserved
      0xFF, 0x7F, 0xFF, 0xFF,                          // codes 32767, 65535
      0x02, 0x01, 0x01, 0x00,                          // BPFO, 1st harmonic, detected
      0x00, 0x00, 0xD7, 0x42,                          // 107.5 Hz
      0x00, 0x00, 0x80, 0x3F,                          // amplitude 1.0
      0x00, 0x00, 0xC0, 0x40};                         // SNR 6 dB
  EXPECT_EQ(*b, expected);
  auto back = decode_spectrum(*b);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->kind, SpectrumKind::envelope_g2);
  EXPECT_EQ(back->amplitude, (std::vector<float>{32767.0f, 65535.0f}));
  EXPECT_EQ(back->window_end_ms, 0x0102030405060708u);
  ASSERT_EQ(back->lines.size(), 1u);
  EXPECT_EQ(back->lines[0].kind, DefectLine::bpfo);
  EXPECT_TRUE(back->lines[0].detected);
  EXPECT_EQ(back->lines[0].frequency_hz, 107.5f);
}

TEST(SparkplugSpectrum, QuantisationErrorIsWithinHalfAStepOfTheMaximum) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.0f, 3.7f);
  CompactSpectrum s = example();
  s.kind = SpectrumKind::velocity_mm_s;
  s.lines.clear();
  s.amplitude.resize(800);
  for (float& a : s.amplitude) a = u(rng);
  const float max = *std::max_element(s.amplitude.begin(), s.amplitude.end());
  auto back = decode_spectrum(*encode_spectrum(s));
  ASSERT_TRUE(back);
  // Half a quantisation step (max / 65535 / 2) plus float rounding of code * scale (2^-23 relative).
  const float tolerance = max / 131070.0f + max * 1.2e-7f;
  for (std::size_t k = 0; k < s.amplitude.size(); ++k) {
    EXPECT_NEAR(back->amplitude[k], s.amplitude[k], tolerance) << k;
  }
  CompactSpectrum zero = s;
  std::fill(zero.amplitude.begin(), zero.amplitude.end(), 0.0f);
  auto z = decode_spectrum(*encode_spectrum(zero));
  ASSERT_TRUE(z);
  EXPECT_EQ(z->amplitude, zero.amplitude);
  // Found by the fuzzer: a spectrum of denormals once encoded a zero scale that the decoder refuses.
  CompactSpectrum tiny = s;
  std::fill(tiny.amplitude.begin(), tiny.amplitude.end(), std::numeric_limits<float>::denorm_min());
  auto t = decode_spectrum(*encode_spectrum(tiny));
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->amplitude, zero.amplitude);
}

TEST(SparkplugSpectrum, EncodeRefusesWhatTheLayoutCannotCarry) {
  const auto refused = [](auto change) {
    CompactSpectrum s = example();
    change(s);
    return !encode_spectrum(s).has_value();
  };
  EXPECT_TRUE(refused([](CompactSpectrum& s) { s.amplitude.clear(); }));
  EXPECT_TRUE(refused([](CompactSpectrum& s) { s.amplitude.assign(k_max_spectrum_bins + 1, 1.0f); }));
  EXPECT_TRUE(refused([](CompactSpectrum& s) { s.amplitude[0] = -1.0f; }));
  EXPECT_TRUE(refused([](CompactSpectrum& s) { s.amplitude[0] = std::numeric_limits<float>::quiet_NaN(); }));
  EXPECT_TRUE(refused([](CompactSpectrum& s) { s.amplitude[0] = std::numeric_limits<float>::infinity(); }));
  EXPECT_TRUE(refused([](CompactSpectrum& s) { s.bin_hz = 0; }));
  EXPECT_TRUE(refused([](CompactSpectrum& s) { s.amplitude[0] = std::numeric_limits<float>::max(); }));
  EXPECT_TRUE(refused([](CompactSpectrum& s) { s.first_bin_hz = -1; }));
  EXPECT_TRUE(refused([](CompactSpectrum& s) { s.lines.resize(k_max_spectrum_lines + 1); }));
  EXPECT_TRUE(refused([](CompactSpectrum& s) { s.lines[0].harmonic = 0; }));
  EXPECT_TRUE(
      refused([](CompactSpectrum& s) { s.lines[0].snr_db = std::numeric_limits<float>::infinity(); }));
}

TEST(SparkplugSpectrum, MalformedBytesAreRefusedNamingTheField) {
  const Bytes good = *encode_spectrum(example());
  const auto error = [&](auto change) {
    Bytes b = good;
    change(b);
    auto s = decode_spectrum(b);
    return s ? std::string("accepted") : s.error().message;
  };
  EXPECT_NE(error([](Bytes& b) { b.resize(31); }).find("header"), std::string::npos);
  EXPECT_NE(error([](Bytes& b) { b[0] = 'X'; }).find("magic"), std::string::npos);
  EXPECT_NE(error([](Bytes& b) { b[4] = 2; }).find("version 2"), std::string::npos);
  EXPECT_NE(error([](Bytes& b) { b[5] = 3; }).find("kind 3"), std::string::npos);
  EXPECT_NE(error([](Bytes& b) {
              b[6] = 0;
              b[7] = 0;
            }).find("0 bins"),
            std::string::npos);
  EXPECT_NE(error([](Bytes& b) { b.pop_back(); }).find("expected 52"), std::string::npos);
  EXPECT_NE(error([](Bytes& b) {
              b[19] = 0xFF;
              b[18] = 0xC0;
            }).find("scale"),
            std::string::npos);                                                        // NaN
  EXPECT_NE(error([](Bytes& b) { b[11] = 0xBF; }).find("bin_hz"), std::string::npos);  // -0.5
  // scale 1.7e38: code 65535 x scale is infinite (found by the fuzzer)
  EXPECT_NE(error([](Bytes& b) {
              b[16] = 0xFF;
              b[17] = 0xFF;
              b[18] = 0x01;
              b[19] = 0x7F;
            }).find("overflows"),
            std::string::npos);
  EXPECT_NE(error([](Bytes& b) { b[28] = 65; }).find("65 lines"), std::string::npos);
  EXPECT_NE(error([](Bytes& b) { b[36] = 9; }).find("line 0: kind 9"), std::string::npos);
  EXPECT_NE(error([](Bytes& b) {
              b[43] = 0x7F;
              b[42] = 0x80;
            }).find("line 0 has a non-finite"),
            std::string::npos);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::proto::sparkplug
