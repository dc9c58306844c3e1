#include "proto/sensor_frame.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/alloc_counter.hpp"

namespace vigil::proto {
namespace VIGIL_TEST_FILE {

using Bytes = std::vector<std::byte>;

Bytes from_hex(std::string_view hex) {
  Bytes out;
  int high = -1;
  for (char c : hex) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (v < 0) continue;  // spaces, newlines
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::byte>(high * 16 + v));
      high = -1;
    }
  }
  return out;
}

// docs/formats/sensor-frame.md, "Example": written with Python's struct and zlib.crc32.
const Bytes k_doc_example = from_hex(R"(
  56 47 53 46 01 01 01 00 2a 00 00 00 00 00 00 00
  00 00 ca 67 a7 fc 7a 18 00 00 00 00 00 00 d9 40
  6f 12 83 3a 04 00 00 00 06 02 70 75 6d 70 2d 37
  44 45 00 00 f4 01 1e fb d0 07 f9 a2 01 bf)");

SensorFrameHeader doc_header() {
  return SensorFrameHeader{.node_id = "pump-7",
                           .channel = "DE",
                           .encoding = SampleEncoding::int16,
                           .unit = PhysicalUnit::g,
                           .sample_rate_hz = 25600,
                           .sequence = 42,
                           .first_sample_ns = 1764000000000000000,
                           .scale = 0.001f};
}

// Textbook bitwise CRC-32 (reflected polynomial 0xEDB88320), independent of the codec's zlib call; used
// to re-seal frames whose fields a test changes, so the check under test is the field's, not the CRC's.
std::uint32_t reference_crc32(std::span<const std::byte> bytes) {
  std::uint32_t crc = 0xffffffffu;
  for (std::byte b : bytes) {
    crc ^= static_cast<std::uint32_t>(b);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void reseal(Bytes& frame) {
  const std::uint32_t crc = reference_crc32(std::span<const std::byte>(frame).first(frame.size() - 4));
  for (int i = 0; i < 4; ++i) frame[frame.size() - 4 + std::size_t(i)] = std::byte((crc >> (8 * i)) & 0xff);
}

std::string decode_error(const Bytes& frame, std::size_t storage = k_max_frame_samples) {
  std::vector<float> samples(storage);
  auto decoded = decode_sensor_frame(frame, samples);
  return decoded ? std::string("decoded") : decoded.error().message;
}

std::string encode_error(const SensorFrameHeader& header, std::span<const float> samples) {
  Bytes out(k_max_sensor_frame_bytes);
  auto encoded = encode_sensor_frame(header, samples, out);
  return encoded ? std::string("encoded") : encoded.error().message;
}

TEST(SensorFrame, EncodesTheDocumentedExampleByteForByte) {
  const float samples[] = {0.0f, 0.5f, -1.25f, 2.0f};
  Bytes out(100, std::byte{0xee});
  auto encoded = encode_sensor_frame(doc_header(), samples, out);
  ASSERT_TRUE(encoded) << encoded.error().message;
  ASSERT_EQ(encoded->size_bytes, 62u);
  EXPECT_EQ(encoded->clipped_samples, 0u);
  EXPECT_EQ(sensor_frame_size(SampleEncoding::int16, 6, 2, 4), 62u);
  out.resize(encoded->size_bytes);
  EXPECT_EQ(out, k_doc_example);
}

TEST(SensorFrame, DecodesTheDocumentedExample) {
  std::vector<float> samples(8);
  auto decoded = decode_sensor_frame(k_doc_example, samples);
  ASSERT_TRUE(decoded) << decoded.error().message;
  const SensorFrameHeader& h = decoded->header;
  EXPECT_EQ(h.node_id, "pump-7");
  EXPECT_EQ(h.channel, "DE");
  EXPECT_EQ(h.encoding, SampleEncoding::int16);
  EXPECT_EQ(h.unit, PhysicalUnit::g);
  EXPECT_EQ(h.sample_rate_hz, 25600.0);
  EXPECT_EQ(h.sequence, 42u);
  EXPECT_EQ(h.first_sample_ns, 1764000000000000000);
  EXPECT_EQ(h.scale, 0.001f);
  ASSERT_EQ(decoded->samples.size(), 4u);
  EXPECT_EQ(decoded->samples.data(), samples.data());  // written into the caller's storage
  // stored x f32(0.001) = stored x 1.00000005e-3: within float rounding of the physical values.
  const float expected[] = {0.0f, 0.5f, -1.25f, 2.0f};
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(decoded->samples[i], expected[i], 1e-6) << i;
}

TEST(SensorFrame, Float32RoundTripsExactlyAtEveryCommonRate) {
  std::vector<float> samples(1000);
  for (std::size_t i = 0; i < samples.size(); ++i) samples[i] = std::sin(0.01f * float(i)) * 123.456f + 1e-7f;
  for (const double rate_hz : {12000.0, 20000.0, 25600.0, 51200.0, 48000.0, 1e6, 8192.5, 0.1}) {
    SensorFrameHeader h = doc_header();
    h.encoding = SampleEncoding::float32;
    h.scale = 1.0f;
    h.unit = PhysicalUnit::mm_per_s;
    h.sample_rate_hz = rate_hz;
    h.sequence = std::numeric_limits<std::uint64_t>::max();
    h.first_sample_ns = std::numeric_limits<std::int64_t>::max();
    Bytes out(sensor_frame_size(h.encoding, h.node_id.size(), h.channel.size(), samples.size()));
    auto encoded = encode_sensor_frame(h, samples, out);
    ASSERT_TRUE(encoded) << encoded.error().message;
    EXPECT_EQ(encoded->size_bytes, out.size());
    std::vector<float> back(samples.size());
    auto decoded = decode_sensor_frame(out, back);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(decoded->header.sample_rate_hz, rate_hz);
    EXPECT_EQ(decoded->header.sequence, h.sequence);
    EXPECT_EQ(decoded->header.first_sample_ns, h.first_sample_ns);
    EXPECT_EQ(decoded->header.unit, PhysicalUnit::mm_per_s);
    EXPECT_EQ(std::memcmp(back.data(), samples.data(), samples.size() * sizeof(float)), 0) << rate_hz;
  }
}

// The documented bound: within full scale, |received - sent| <= scale / 2 (+ float rounding).
TEST(SensorFrame, Int16ErrorIsAtMostHalfTheScaleAndClippingIsCounted) {
  const float scale = 50.0f / 32767.0f;
  std::vector<float> samples;
  for (int i = 0; i < 20000; ++i)
    samples.push_back(49.99f * std::sin(0.37f * float(i)) * std::cos(0.011f * float(i)));
  samples.push_back(50.0f);
  samples.push_back(-50.0f);
  samples.push_back(51.0f);   // beyond +full scale: saturates at 32767 x scale
  samples.push_back(-60.0f);  // beyond -full scale: saturates at -32768 x scale
  samples.push_back(1e30f);
  SensorFrameHeader h = doc_header();
  h.scale = scale;
  Bytes out(sensor_frame_size(h.encoding, h.node_id.size(), h.channel.size(), samples.size()));
  auto encoded = encode_sensor_frame(h, samples, out);
  ASSERT_TRUE(encoded) << encoded.error().message;
  EXPECT_EQ(encoded->clipped_samples, 3u);
  std::vector<float> back(samples.size());
  auto decoded = decode_sensor_frame(out, back);
  ASSERT_TRUE(decoded) << decoded.error().message;
  double worst = 0;
  for (std::size_t i = 0; i + 3 < samples.size(); ++i)
    worst = std::max(worst, double(std::abs(back[i] - samples[i])));
  EXPECT_LE(worst, 0.5 * scale * (1 + 1e-5));
  EXPECT_GT(worst, 0.4 * scale);  // the bound is reached, not vacuous
  EXPECT_FLOAT_EQ(back[samples.size() - 3], 32767.0f * scale);
  EXPECT_FLOAT_EQ(back[samples.size() - 2], -32768.0f * scale);
  EXPECT_FLOAT_EQ(back[samples.size() - 1], 32767.0f * scale);
}

TEST(SensorFrame, LargestFrameRoundTrips) {
  const std::string node(k_max_node_id_bytes, 'n');
  const std::string channel(k_max_channel_bytes, 'c');
  SensorFrameHeader h = doc_header();
  h.node_id = node;
  h.channel = channel;
  h.encoding = SampleEncoding::float32;
  std::vector<float> samples(k_max_frame_samples, 0.25f);
  Bytes out(k_max_sensor_frame_bytes);
  auto encoded = encode_sensor_frame(h, samples, out);
  ASSERT_TRUE(encoded) << encoded.error().message;
  EXPECT_EQ(encoded->size_bytes, 262286u);
  std::vector<float> back(k_max_frame_samples);
  auto decoded = decode_sensor_frame(out, back);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->header.node_id, node);
  EXPECT_EQ(decoded->header.channel, channel);
  EXPECT_EQ(decoded->samples.size(), k_max_frame_samples);
}

TEST(SensorFrame, EncodeRefusesValuesOutsideTheLimits) {
  const float four[] = {0, 1, 2, 3};
  auto with = [](auto change) {
    SensorFrameHeader h = doc_header();
    change(h);
    return h;
  };
  EXPECT_EQ(encode_error(with([](auto& h) { h.node_id = ""; }), four), "sensor frame: node id is empty");
  const std::string long_node(65, 'a');
  EXPECT_EQ(encode_error(with([&](auto& h) { h.node_id = long_node; }), four),
            "sensor frame: node id length 65 exceeds 64 bytes");
  const std::string long_channel(33, 'a');
  EXPECT_EQ(encode_error(with([&](auto& h) { h.channel = long_channel; }), four),
            "sensor frame: channel length 33 exceeds 32 bytes");
  EXPECT_EQ(encode_error(with([](auto& h) { h.channel = "D/E"; }), four),
            "sensor frame: channel byte 1 (0x2f) is not one of A-Z a-z 0-9 _ . -");
  EXPECT_EQ(encode_error(with([](auto& h) { h.node_id = "pump+"; }), four),
            "sensor frame: node id byte 4 (0x2b) is not one of A-Z a-z 0-9 _ . -");
  EXPECT_EQ(encode_error(with([](auto& h) { h.sample_rate_hz = 0; }), four),
            "sensor frame: sample rate 0 Hz outside (0, 1000000]");
  EXPECT_EQ(encode_error(with([](auto& h) { h.sample_rate_hz = 1000001; }), four),
            "sensor frame: sample rate 1000001 Hz outside (0, 1000000]");
  EXPECT_EQ(encode_error(with([](auto& h) { h.sample_rate_hz = std::nan(""); }), four),
            "sensor frame: sample rate nan Hz outside (0, 1000000]");
  EXPECT_EQ(encode_error(with([](auto& h) { h.scale = 0; }), four),
            "sensor frame: scale 0 must be a positive normal float");
  EXPECT_EQ(encode_error(with([](auto& h) { h.scale = -1; }), four),
            "sensor frame: scale -1 must be a positive normal float");
  EXPECT_EQ(encode_error(with([](auto& h) { h.first_sample_ns = -1; }), four),
            "sensor frame: first sample time -1 ns is before the Unix epoch");
  EXPECT_EQ(encode_error(with([](auto& h) { h.encoding = SampleEncoding{3}; }), four),
            "sensor frame: encoding 3 is not int16 (1) or float32 (2)");
  EXPECT_EQ(encode_error(with([](auto& h) { h.unit = PhysicalUnit{0}; }), four),
            "sensor frame: unit 0 is not a known unit (1-4)");
  EXPECT_EQ(encode_error(doc_header(), {}), "sensor frame: sample count is 0");
  const std::vector<float> too_many(k_max_frame_samples + 1);
  EXPECT_EQ(encode_error(doc_header(), too_many), "sensor frame: sample count 65537 exceeds 65536");
  EXPECT_EQ(encode_error(with([](auto& h) { h.scale = 1e-40f; }), four),
            "sensor frame: scale 1e-40 must be a positive normal float");
  const float huge[] = {3e38f};
  EXPECT_EQ(encode_error(with([](auto& h) {
                           h.encoding = SampleEncoding::float32;
                           h.scale = 0.5f;
                         }),
                         huge),
            "sensor frame: sample 0 (3e+38) / scale 0.5 overflows float32");
  const float bad[] = {0, 1, std::numeric_limits<float>::infinity()};
  EXPECT_EQ(encode_error(doc_header(), bad), "sensor frame: sample 2 is not finite (inf)");
  Bytes small(61);
  auto encoded = encode_sensor_frame(doc_header(), four, small);
  ASSERT_FALSE(encoded);
  EXPECT_EQ(encoded.error().message, "sensor frame: output buffer of 61 bytes, frame needs 62");
}

TEST(SensorFrame, DecodeNamesTheFieldThatIsWrong) {
  auto changed = [](std::size_t offset, std::uint8_t value, bool seal) {
    Bytes f = k_doc_example;
    f[offset] = std::byte{value};
    if (seal) reseal(f);
    return f;
  };
  EXPECT_EQ(decode_error(Bytes{}), "sensor frame: length 0 bytes is shorter than the 46-byte minimum");
  EXPECT_EQ(decode_error(Bytes(k_doc_example.begin(), k_doc_example.begin() + 45)),
            "sensor frame: length 45 bytes is shorter than the 46-byte minimum");
  EXPECT_EQ(decode_error(Bytes(k_max_sensor_frame_bytes + 1)),
            "sensor frame: length 262287 bytes exceeds 262286");
  EXPECT_EQ(decode_error(changed(0, 'X', false)), "sensor frame: magic 58 47 53 46 is not 'VGSF'");
  EXPECT_EQ(decode_error(changed(4, 2, false)),
            "sensor frame: version 2 is not supported (this reader reads 1)");
  EXPECT_EQ(decode_error(changed(5, 0, false)), "sensor frame: encoding 0 is not int16 (1) or float32 (2)");
  EXPECT_EQ(decode_error(changed(6, 5, false)), "sensor frame: unit 5 is not a known unit (1-4)");
  EXPECT_EQ(decode_error(changed(7, 1, false)), "sensor frame: reserved byte is 1, expected 0");
  EXPECT_EQ(decode_error(changed(40, 0, false)), "sensor frame: node id length 0 outside [1, 64]");
  EXPECT_EQ(decode_error(changed(40, 65, false)), "sensor frame: node id length 65 outside [1, 64]");
  EXPECT_EQ(decode_error(changed(41, 33, false)), "sensor frame: channel length 33 outside [1, 32]");
  // sample_count 70000 = 0x00011170
  Bytes count = k_doc_example;
  count[36] = std::byte{0x70};
  count[37] = std::byte{0x11};
  count[38] = std::byte{0x01};
  EXPECT_EQ(decode_error(count), "sensor frame: sample count 70000 exceeds 65536");
  EXPECT_EQ(decode_error(changed(36, 0, false)), "sensor frame: sample count is 0");
  EXPECT_EQ(decode_error(changed(36, 5, false)),
            "sensor frame: length 62 bytes, expected 64 for a 6-byte node id, a 2-byte channel and 5 int16 "
            "samples");
  Bytes longer = k_doc_example;
  longer.push_back(std::byte{0});
  EXPECT_EQ(decode_error(longer),
            "sensor frame: length 63 bytes, expected 62 for a 6-byte node id, a 2-byte channel and 4 int16 "
            "samples");
  EXPECT_EQ(decode_error(Bytes(k_doc_example.begin(), k_doc_example.end() - 1)),
            "sensor frame: length 61 bytes, expected 62 for a 6-byte node id, a 2-byte channel and 4 int16 "
            "samples");
  Bytes crc = k_doc_example;
  crc[58] = std::byte{0xf8};
  EXPECT_EQ(decode_error(crc), "sensor frame: CRC-32 bf01a2f8 does not match the content (bf01a2f9)");
  EXPECT_EQ(decode_error(changed(42, '#', true)),
            "sensor frame: node id byte 0 (0x23) is not one of A-Z a-z 0-9 _ . -");
  EXPECT_EQ(decode_error(changed(49, 0, true)),
            "sensor frame: channel byte 1 (0x00) is not one of A-Z a-z 0-9 _ . -");
  Bytes rate = k_doc_example;
  for (std::size_t i = 24; i < 32; ++i) rate[i] = std::byte{0};
  reseal(rate);
  EXPECT_EQ(decode_error(rate), "sensor frame: sample rate 0 Hz outside (0, 1000000]");
  EXPECT_EQ(decode_error(changed(35, 0xba, true)),
            "sensor frame: scale -0.001 must be a positive normal float");
  EXPECT_EQ(decode_error(changed(23, 0x98, true)),
            "sensor frame: first sample time -7459372036854775808 ns is before the Unix epoch");
  EXPECT_EQ(decode_error(k_doc_example, 3), "sensor frame: sample storage of 3 values, frame has 4 samples");
}

TEST(SensorFrame, DecodeRefusesNonFiniteSamples) {
  SensorFrameHeader h = doc_header();
  h.encoding = SampleEncoding::float32;
  h.scale = 1.0f;
  const float samples[] = {1, 2, 3};
  Bytes f(sensor_frame_size(h.encoding, 6, 2, 3));
  ASSERT_TRUE(encode_sensor_frame(h, samples, f));
  const std::size_t second = 42 + 6 + 2 + 4;
  const std::uint8_t quiet_nan[] = {0x00, 0x00, 0xc0, 0x7f};
  for (std::size_t i = 0; i < 4; ++i) f[second + i] = std::byte{quiet_nan[i]};
  reseal(f);
  EXPECT_EQ(decode_error(f), "sensor frame: sample 1 is not finite (nan after scale 1)");
  // Finite stored values whose product with the scale overflows.
  Bytes g = f;
  std::uint32_t big = 0x7f000000;  // 1.7e38
  std::memcpy(&g[second], &big, 4);
  g[32 + 3] = std::byte{0x41};  // scale 8.0 (0x41000000)
  g[32 + 2] = std::byte{0x00};
  reseal(g);
  EXPECT_EQ(decode_error(g), "sensor frame: sample 1 is not finite (inf after scale 8)");
}

// The CRC's promise, checked exhaustively on the example: every single-bit error is refused.
TEST(SensorFrame, EverySingleBitFlipIsRefused) {
  for (std::size_t byte = 0; byte < k_doc_example.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes f = k_doc_example;
      f[byte] ^= std::byte(1u << bit);
      EXPECT_NE(decode_error(f), "decoded") << "byte " << byte << " bit " << bit;
    }
  }
}

TEST(SensorFrame, EncodeAndDecodeAllocateNothing) {
  std::vector<float> samples(4096);
  for (std::size_t i = 0; i < samples.size(); ++i) samples[i] = float(i % 97) * 0.01f - 0.4f;
  std::vector<float> back(samples.size());
  Bytes frame(k_max_sensor_frame_bytes);
  SensorFrameHeader h = doc_header();
  std::size_t decoded_frames = 0;
  test::AllocationScope scope;
  for (std::uint64_t seq = 0; seq < 200; ++seq) {
    h.sequence = seq;
    h.encoding = seq % 2 == 0 ? SampleEncoding::int16 : SampleEncoding::float32;
    auto encoded = encode_sensor_frame(h, samples, frame);
    if (!encoded) break;
    auto decoded = decode_sensor_frame(std::span<const std::byte>(frame).first(encoded->size_bytes), back);
    if (!decoded || decoded->header.sequence != seq) break;
    ++decoded_frames;
  }
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_EQ(decoded_frames, 200u);
}

TEST(SensorFrame, EncodingNames) {
  EXPECT_EQ(*parse_sample_encoding("int16"), SampleEncoding::int16);
  EXPECT_EQ(*parse_sample_encoding("float32"), SampleEncoding::float32);
  auto bad = parse_sample_encoding("int24");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "unknown sample encoding 'int24' (known: int16, float32)");
  EXPECT_EQ(to_string(PhysicalUnit::m_per_s2), "m/s2");
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::proto
