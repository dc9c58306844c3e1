#include "proto/sensor_frame.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include <zlib.h>

namespace vigil::proto {
namespace {

constexpr std::byte k_magic[4] = {std::byte{'V'}, std::byte{'G'}, std::byte{'S'}, std::byte{'F'}};

// Offsets of the fixed part (docs/formats/sensor-frame.md).
constexpr std::size_t k_off_version = 4;
constexpr std::size_t k_off_encoding = 5;
constexpr std::size_t k_off_unit = 6;
constexpr std::size_t k_off_reserved = 7;
constexpr std::size_t k_off_sequence = 8;
constexpr std::size_t k_off_first_sample_ns = 16;
constexpr std::size_t k_off_sample_rate = 24;
constexpr std::size_t k_off_scale = 32;
constexpr std::size_t k_off_sample_count = 36;
constexpr std::size_t k_off_node_len = 40;
constexpr std::size_t k_off_channel_len = 41;

std::size_t sample_bytes(SampleEncoding encoding) { return encoding == SampleEncoding::int16 ? 2 : 4; }

bool valid_encoding(std::uint8_t v) { return v == 1 || v == 2; }
bool valid_unit(std::uint8_t v) { return v >= 1 && v <= 4; }

template <typename T>
void put(std::byte* p, T value) {
  using U = std::conditional_t<sizeof(T) == 8, std::uint64_t,
                               std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint16_t>>;
  const auto u = std::bit_cast<U>(value);
  for (std::size_t i = 0; i < sizeof(T); ++i) p[i] = static_cast<std::byte>((u >> (8 * i)) & 0xff);
}

template <typename T>
T get(const std::byte* p) {
  using U = std::conditional_t<sizeof(T) == 8, std::uint64_t,
                               std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint16_t>>;
  U u = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) u = static_cast<U>(u | (static_cast<U>(p[i]) << (8 * i)));
  return std::bit_cast<T>(u);
}

std::uint32_t crc32_of(std::span<const std::byte> bytes) {
  // zlib's CRC-32 (IEEE 802.3 polynomial, reflected, init and final xor 0xFFFFFFFF): the one every
  // language's standard library has (Python zlib.crc32, Java CRC32, Go hash/crc32 IEEE).
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* data = reinterpret_cast<const Bytef*>(bytes.data());
  std::size_t left = bytes.size();
  while (left > 0) {  // zlib takes a uInt length
    const uInt chunk = static_cast<uInt>(std::min<std::size_t>(left, 1u << 30));
    crc = crc32(crc, data, chunk);
    data += chunk;
    left -= chunk;
  }
  return static_cast<std::uint32_t>(crc);
}

bool topic_safe(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

Status check_name(std::string_view field, std::string_view value, std::size_t max_bytes) {
  if (value.empty()) return fail(ErrorCode::invalid_argument, "sensor frame: {} is empty", field);
  if (value.size() > max_bytes) {
    return fail(ErrorCode::out_of_range, "sensor frame: {} length {} exceeds {} bytes", field, value.size(),
                max_bytes);
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!topic_safe(value[i])) {
      return fail(ErrorCode::invalid_argument,
                  "sensor frame: {} byte {} (0x{:02x}) is not one of A-Z a-z 0-9 _ . -", field, i,
                  static_cast<unsigned char>(value[i]));
    }
  }
  return {};
}

// The checks shared by encode and decode, on values (not bytes).
Status check_values(const SensorFrameHeader& h) {
  if (auto ok = check_name("node id", h.node_id, k_max_node_id_bytes); !ok) return ok;
  if (auto ok = check_name("channel", h.channel, k_max_channel_bytes); !ok) return ok;
  if (!std::isfinite(h.sample_rate_hz) || !(h.sample_rate_hz > 0) ||
      h.sample_rate_hz > k_max_sample_rate_hz) {
    return fail(ErrorCode::out_of_range, "sensor frame: sample rate {} Hz outside (0, {}]", h.sample_rate_hz,
                k_max_sample_rate_hz);
  }
  // Normal, so that 1 / scale is finite too.
  if (!std::isnormal(h.scale) || !(h.scale > 0)) {
    return fail(ErrorCode::out_of_range, "sensor frame: scale {} must be a positive normal float", h.scale);
  }
  if (h.first_sample_ns < 0) {
    return fail(ErrorCode::out_of_range, "sensor frame: first sample time {} ns is before the Unix epoch",
                h.first_sample_ns);
  }
  return {};
}

Status check_count(std::size_t count) {
  if (count == 0) return fail(ErrorCode::invalid_argument, "sensor frame: sample count is 0");
  if (count > k_max_frame_samples) {
    return fail(ErrorCode::out_of_range, "sensor frame: sample count {} exceeds {}", count,
                k_max_frame_samples);
  }
  return {};
}

}  // namespace

std::string_view to_string(SampleEncoding encoding) {
  return encoding == SampleEncoding::int16 ? "int16" : encoding == SampleEncoding::float32 ? "float32" : "?";
}

std::string_view to_string(PhysicalUnit unit) {
  switch (unit) {
    case PhysicalUnit::g:
      return "g";
    case PhysicalUnit::m_per_s2:
      return "m/s2";
    case PhysicalUnit::mm_per_s:
      return "mm/s";
    case PhysicalUnit::um:
      return "um";
  }
  return "?";
}

Result<SampleEncoding> parse_sample_encoding(std::string_view name) {
  if (name == "int16") return SampleEncoding::int16;
  if (name == "float32") return SampleEncoding::float32;
  return fail(ErrorCode::not_found, "unknown sample encoding '{}' (known: int16, float32)", name);
}

std::size_t sensor_frame_size(SampleEncoding encoding, std::size_t node_id_bytes, std::size_t channel_bytes,
                              std::size_t sample_count) {
  return k_sensor_frame_header_bytes + node_id_bytes + channel_bytes + sample_count * sample_bytes(encoding) +
         k_sensor_frame_crc_bytes;
}

Result<EncodedFrame> encode_sensor_frame(const SensorFrameHeader& header, std::span<const float> samples,
                                         std::span<std::byte> out) {
  if (!valid_encoding(static_cast<std::uint8_t>(header.encoding))) {
    return fail(ErrorCode::invalid_argument, "sensor frame: encoding {} is not int16 (1) or float32 (2)",
                static_cast<int>(header.encoding));
  }
  if (!valid_unit(static_cast<std::uint8_t>(header.unit))) {
    return fail(ErrorCode::invalid_argument, "sensor frame: unit {} is not a known unit (1-4)",
                static_cast<int>(header.unit));
  }
  if (auto ok = check_values(header); !ok) return std::unexpected(ok.error());
  if (auto ok = check_count(samples.size()); !ok) return std::unexpected(ok.error());
  const std::size_t size =
      sensor_frame_size(header.encoding, header.node_id.size(), header.channel.size(), samples.size());
  if (out.size() < size) {
    return fail(ErrorCode::invalid_argument, "sensor frame: output buffer of {} bytes, frame needs {}",
                out.size(), size);
  }

  std::byte* p = out.data();
  std::memcpy(p, k_magic, sizeof k_magic);
  p[k_off_version] = std::byte{k_sensor_frame_version};
  p[k_off_encoding] = static_cast<std::byte>(header.encoding);
  p[k_off_unit] = static_cast<std::byte>(header.unit);
  p[k_off_reserved] = std::byte{0};
  put(p + k_off_sequence, header.sequence);
  put(p + k_off_first_sample_ns, header.first_sample_ns);
  put(p + k_off_sample_rate, header.sample_rate_hz);
  put(p + k_off_scale, header.scale);
  put(p + k_off_sample_count, static_cast<std::uint32_t>(samples.size()));
  p[k_off_node_len] = static_cast<std::byte>(header.node_id.size());
  p[k_off_channel_len] = static_cast<std::byte>(header.channel.size());
  std::byte* q = p + k_sensor_frame_header_bytes;
  std::memcpy(q, header.node_id.data(), header.node_id.size());
  q += header.node_id.size();
  std::memcpy(q, header.channel.data(), header.channel.size());
  q += header.channel.size();

  EncodedFrame encoded{.size_bytes = size};
  const float inverse_scale = 1.0f / header.scale;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const float x = samples[i];
    if (!std::isfinite(x)) {
      return fail(ErrorCode::invalid_argument, "sensor frame: sample {} is not finite ({})", i, x);
    }
    if (header.encoding == SampleEncoding::float32) {
      const float stored = header.scale == 1.0f ? x : x * inverse_scale;
      if (!std::isfinite(stored)) {
        return fail(ErrorCode::out_of_range, "sensor frame: sample {} ({}) / scale {} overflows float32", i,
                    x, header.scale);
      }
      put(q, stored);
      q += 4;
    } else {
      // Divide (not multiply by the inverse) so that a value on the grid, k * scale, maps back to k exactly.
      const double stored = std::nearbyint(static_cast<double>(x) / static_cast<double>(header.scale));
      const double clamped = std::clamp(stored, -32768.0, 32767.0);
      if (clamped != stored) ++encoded.clipped_samples;
      put(q, static_cast<std::int16_t>(clamped));
      q += 2;
    }
  }
  put(q, crc32_of(std::span<const std::byte>(p, size - k_sensor_frame_crc_bytes)));
  return encoded;
}

Result<DecodedFrame> decode_sensor_frame(std::span<const std::byte> frame, std::span<float> samples_out) {
  constexpr std::size_t min_size = k_sensor_frame_header_bytes + k_sensor_frame_crc_bytes;
  if (frame.size() < min_size) {
    return fail(ErrorCode::parse, "sensor frame: length {} bytes is shorter than the {}-byte minimum",
                frame.size(), min_size);
  }
  if (frame.size() > k_max_sensor_frame_bytes) {
    return fail(ErrorCode::out_of_range, "sensor frame: length {} bytes exceeds {}", frame.size(),
                k_max_sensor_frame_bytes);
  }
  const std::byte* p = frame.data();
  if (std::memcmp(p, k_magic, sizeof k_magic) != 0) {
    return fail(ErrorCode::parse, "sensor frame: magic {:02x} {:02x} {:02x} {:02x} is not 'VGSF'",
                static_cast<unsigned>(p[0]), static_cast<unsigned>(p[1]), static_cast<unsigned>(p[2]),
                static_cast<unsigned>(p[3]));
  }
  const auto version = static_cast<std::uint8_t>(p[k_off_version]);
  if (version != k_sensor_frame_version) {
    return fail(ErrorCode::unsupported, "sensor frame: version {} is not supported (this reader reads {})",
                version, k_sensor_frame_version);
  }
  const auto encoding = static_cast<std::uint8_t>(p[k_off_encoding]);
  if (!valid_encoding(encoding)) {
    return fail(ErrorCode::parse, "sensor frame: encoding {} is not int16 (1) or float32 (2)", encoding);
  }
  const auto unit = static_cast<std::uint8_t>(p[k_off_unit]);
  if (!valid_unit(unit))
    return fail(ErrorCode::parse, "sensor frame: unit {} is not a known unit (1-4)", unit);
  if (p[k_off_reserved] != std::byte{0}) {
    return fail(ErrorCode::parse, "sensor frame: reserved byte is {}, expected 0",
                static_cast<unsigned>(p[k_off_reserved]));
  }
  const auto node_len = static_cast<std::size_t>(p[k_off_node_len]);
  const auto channel_len = static_cast<std::size_t>(p[k_off_channel_len]);
  if (node_len == 0 || node_len > k_max_node_id_bytes) {
    return fail(ErrorCode::parse, "sensor frame: node id length {} outside [1, {}]", node_len,
                k_max_node_id_bytes);
  }
  if (channel_len == 0 || channel_len > k_max_channel_bytes) {
    return fail(ErrorCode::parse, "sensor frame: channel length {} outside [1, {}]", channel_len,
                k_max_channel_bytes);
  }
  const std::uint32_t count = get<std::uint32_t>(p + k_off_sample_count);
  if (auto ok = check_count(count); !ok) return std::unexpected(Error{ErrorCode::parse, ok.error().message});
  const auto enc = static_cast<SampleEncoding>(encoding);
  const std::size_t expected = sensor_frame_size(enc, node_len, channel_len, count);
  if (frame.size() != expected) {
    return fail(ErrorCode::parse,
                "sensor frame: length {} bytes, expected {} for a {}-byte node id, a {}-byte channel and {} "
                "{} samples",
                frame.size(), expected, node_len, channel_len, count, to_string(enc));
  }
  const std::size_t crc_offset = expected - k_sensor_frame_crc_bytes;
  const std::uint32_t stored_crc = get<std::uint32_t>(p + crc_offset);
  const std::uint32_t actual_crc = crc32_of(frame.first(crc_offset));
  if (stored_crc != actual_crc) {
    return fail(ErrorCode::parse, "sensor frame: CRC-32 {:08x} does not match the content ({:08x})",
                stored_crc, actual_crc);
  }
  if (samples_out.size() < count) {
    return fail(ErrorCode::invalid_argument,
                "sensor frame: sample storage of {} values, frame has {} samples", samples_out.size(), count);
  }

  DecodedFrame out;
  SensorFrameHeader& h = out.header;
  const char* names = reinterpret_cast<const char*>(p + k_sensor_frame_header_bytes);
  h.node_id = std::string_view(names, node_len);
  h.channel = std::string_view(names + node_len, channel_len);
  h.encoding = enc;
  h.unit = static_cast<PhysicalUnit>(unit);
  h.sequence = get<std::uint64_t>(p + k_off_sequence);
  h.first_sample_ns = get<std::int64_t>(p + k_off_first_sample_ns);
  h.sample_rate_hz = get<double>(p + k_off_sample_rate);
  h.scale = get<float>(p + k_off_scale);
  if (auto ok = check_values(h); !ok) return std::unexpected(Error{ErrorCode::parse, ok.error().message});

  const std::byte* q = p + k_sensor_frame_header_bytes + node_len + channel_len;
  for (std::size_t i = 0; i < count; ++i) {
    float x;
    if (enc == SampleEncoding::int16) {
      x = static_cast<float>(get<std::int16_t>(q + 2 * i)) * h.scale;
    } else {
      x = get<float>(q + 4 * i) * h.scale;
    }
    if (!std::isfinite(x)) {
      return fail(ErrorCode::parse, "sensor frame: sample {} is not finite ({} after scale {})", i, x,
                  h.scale);
    }
    samples_out[i] = x;
  }
  out.samples = samples_out.first(count);
  return out;
}

}  // namespace vigil::proto
