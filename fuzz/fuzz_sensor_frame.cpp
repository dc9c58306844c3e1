// libFuzzer target: raw sensor frame decoder (docs/formats/sensor-frame.md). Each input is decoded as it
// is and again with its CRC recomputed, so that mutations reach the checks behind the CRC too. A frame that
// decodes must satisfy every documented limit and re-encode to the same size.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "proto/sensor_frame.hpp"

namespace {

// Bitwise CRC-32 (reflected 0xEDB88320), as zlib's.
std::uint32_t crc32(const std::uint8_t* data, std::size_t size) {
  std::uint32_t crc = 0xffffffffu;
  for (std::size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void check(const std::uint8_t* data, std::size_t size) {
  using namespace vigil::proto;
  static std::vector<float> samples(k_max_frame_samples);
  static std::vector<std::byte> again(k_max_sensor_frame_bytes);
  const std::span<const std::byte> frame(reinterpret_cast<const std::byte*>(data), size);
  auto decoded = decode_sensor_frame(frame, samples);
  if (!decoded) return;
  const SensorFrameHeader& h = decoded->header;
  const std::size_t n = decoded->samples.size();
  if (n == 0 || n > k_max_frame_samples) std::abort();
  if (h.node_id.empty() || h.node_id.size() > k_max_node_id_bytes) std::abort();
  if (h.channel.empty() || h.channel.size() > k_max_channel_bytes) std::abort();
  if (!(h.sample_rate_hz > 0 && h.sample_rate_hz <= k_max_sample_rate_hz)) std::abort();
  if (!(h.scale > 0 && std::isfinite(h.scale)) || h.first_sample_ns < 0) std::abort();
  if (sensor_frame_size(h.encoding, h.node_id.size(), h.channel.size(), n) != size) std::abort();
  for (const float x : decoded->samples) {
    if (!std::isfinite(x)) std::abort();
  }
  // Re-encoding the decoded values must give a frame of the same size, byte for byte for float32 at scale
  // 1. (float32 at another scale is skipped: stored * scale / scale may round past the float range.)
  if (h.encoding == SampleEncoding::float32 && h.scale != 1.0f) return;
  auto encoded = encode_sensor_frame(h, decoded->samples, again);
  if (!encoded || encoded->size_bytes != size) std::abort();
  if (h.encoding == SampleEncoding::float32 && std::memcmp(again.data(), data, size) != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check(data, size);
  if (size < 4 || size > vigil::proto::k_max_sensor_frame_bytes) return 0;
  static std::vector<std::uint8_t> sealed;
  sealed.assign(data, data + size);
  const std::uint32_t crc = crc32(sealed.data(), size - 4);
  for (std::size_t i = 0; i < 4; ++i) sealed[size - 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  check(sealed.data(), size);
  return 0;
}
