// Raw sensor frame: one block of consecutive samples of one channel of one sensor node, as a sensor
// publishes it over MQTT (topic vigil/raw/<node>/<channel>) and the edge agent reads it. The byte layout,
// limits, CRC and topic/QoS rules are in docs/formats/sensor-frame.md; this is their only codec.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/error.hpp"

namespace vigil::proto {

inline constexpr std::uint8_t k_sensor_frame_version = 1;
inline constexpr std::size_t k_sensor_frame_header_bytes = 42;  // fixed part, before the node id
inline constexpr std::size_t k_sensor_frame_crc_bytes = 4;
inline constexpr std::size_t k_max_node_id_bytes = 64;
inline constexpr std::size_t k_max_channel_bytes = 32;
inline constexpr std::size_t k_max_frame_samples = 65536;
inline constexpr double k_max_sample_rate_hz = 1e6;
// Largest frame: 42 + 64 + 32 + 65536 * 4 + 4 = 262,286 bytes.
inline constexpr std::size_t k_max_sensor_frame_bytes = k_sensor_frame_header_bytes + k_max_node_id_bytes +
                                                        k_max_channel_bytes + 4 * k_max_frame_samples +
                                                        k_sensor_frame_crc_bytes;

// How samples are stored. int16: stored = round(physical / scale), saturated to [-32768, 32767], so the
// quantisation error within full scale is at most scale / 2. float32: stored = physical / scale as IEEE 754
// binary32 (scale is normally 1).
enum class SampleEncoding : std::uint8_t { int16 = 1, float32 = 2 };

// Physical unit of `stored * scale`.
enum class PhysicalUnit : std::uint8_t {
  g = 1,         // acceleration in standard gravity (9.80665 m/s^2)
  m_per_s2 = 2,  // acceleration
  mm_per_s = 3,  // velocity
  um = 4,        // displacement (proximity probe)
};

// "int16", "float32" / "g", "m/s2", "mm/s", "um".
std::string_view to_string(SampleEncoding encoding);
std::string_view to_string(PhysicalUnit unit);
// Inverses of to_string; not_found names the accepted values.
Result<SampleEncoding> parse_sample_encoding(std::string_view name);

// Everything in a frame but its samples. node_id and channel: 1..64 and 1..32 bytes of [A-Za-z0-9_.-]
// (they are MQTT topic levels, so no '/', '+', '#'). A decoded header's views point into the frame bytes.
struct SensorFrameHeader {
  std::string_view node_id;
  std::string_view channel;
  SampleEncoding encoding = SampleEncoding::int16;
  PhysicalUnit unit = PhysicalUnit::g;
  double sample_rate_hz = 0;         // finite, in (0, 1e6]: 12000, 20000, 25600, 51200, ...
  std::uint64_t sequence = 0;        // frames of this (node, channel) since the stream started; 0 first
  std::int64_t first_sample_ns = 0;  // source time of the first sample, ns since the Unix epoch, >= 0
  float scale = 1.0f;                // physical = stored * scale; a positive normal float
};

// Bytes of an encoded frame.
std::size_t sensor_frame_size(SampleEncoding encoding, std::size_t node_id_bytes, std::size_t channel_bytes,
                              std::size_t sample_count);

struct EncodedFrame {
  std::size_t size_bytes = 0;       // bytes written at the start of `out`
  std::size_t clipped_samples = 0;  // int16 only: samples beyond +-32768 * scale, saturated
};

// Writes header + samples (physical values, finite) into `out`, which must hold sensor_frame_size(...)
// bytes. Allocates nothing. Errors name the field: a header value outside its limits, a non-finite
// sample, 0 or more than 65536 samples, `out` too small.
Result<EncodedFrame> encode_sensor_frame(const SensorFrameHeader& header, std::span<const float> samples,
                                         std::span<std::byte> out);

struct DecodedFrame {
  SensorFrameHeader header;        // node_id and channel view the frame bytes
  std::span<const float> samples;  // physical values: the first sample_count entries of samples_out
};

// Checks and reads one frame (the whole MQTT payload: trailing bytes are an error) into caller-owned
// storage. Allocates nothing. Every field is checked against its limit before use, the CRC before any
// sample is read, and every physical sample must be finite; errors read
// "sensor frame: <field> <what is wrong>", e.g. "sensor frame: sample count 70000 exceeds 65536".
Result<DecodedFrame> decode_sensor_frame(std::span<const std::byte> frame, std::span<float> samples_out);

}  // namespace vigil::proto
