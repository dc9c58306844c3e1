// The edge's Modbus TCP server ([modbus]): each asset's condition, and the node's, as registers a DCS, SCADA
// or PLC polls (docs/modbus.md is the register map). Read-only: input registers (function 04) and the same
// values as holding registers (function 03); every write is refused with an Illegal function exception.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "core/error.hpp"
#include "diag/diagnosis.hpp"
#include "diag/iso_severity.hpp"
#include "edge/alerting.hpp"
#include "edge/config.hpp"

struct _modbus;            // libmodbus's modbus_t
struct _modbus_mapping_t;  // libmodbus's modbus_mapping_t

namespace vigil::edge {

// What the server shows of one asset; scaled to registers by encode_asset().
struct AssetRegisters {
  double health_index = 1;  // [0, 1], 1 = as healthy as the baseline
  AlertLevel level = AlertLevel::normal;
  Ne107Status ne107 = Ne107Status::check_function;
  std::optional<double> rul_h;  // remaining life, lower bound, hours; absent when not tracked
  diag::Verdict fault = diag::Verdict::normal;
  double fault_confidence = 0;  // [0, 1]
  double velocity_rms_mm_s = 0;
  diag::IsoZone iso_zone = diag::IsoZone::A;
  std::uint64_t windows = 0;  // windows decided since start
};

struct NodeRegisters {
  double uptime_s = 0;
  std::uint64_t backlog_records = 0;  // records waiting in the uplink queue
};

// The register map (docs/modbus.md). Addresses are PDU addresses (0-based; mbpoll -0, or reference + 1).
inline constexpr int k_modbus_map_version = 1;
inline constexpr int k_node_block = 0;  // node block: registers 0..k_node_block_size-1
inline constexpr int k_node_block_size = 8;
inline constexpr int k_asset_base = 100;  // asset i's block starts at k_asset_base + i * k_asset_stride
inline constexpr int k_asset_stride = 20;
inline constexpr int k_asset_block_size = 10;  // registers used in each block; the rest read 0
inline constexpr std::uint16_t k_rul_unknown = 65535;

// Scaled register values, clamped to the register's range (a NaN reads as 0; an unknown RUL as 65535).
// Offsets: 0 health x1000, 1 level, 2 NE 107, 3 RUL h, 4 fault code (diag::Verdict), 5 confidence x1000,
// 6 velocity mm/s x100, 7 ISO zone, 8-9 windows (uint32, high word first).
std::array<std::uint16_t, k_asset_block_size> encode_asset(const AssetRegisters& values);
// 0 map version, 1 asset count, 2-3 uptime s (uint32, high word first), 4-5 backlog (uint32, high first).
std::array<std::uint16_t, k_node_block_size> encode_node(const NodeRegisters& values,
                                                         std::size_t asset_count);

class ModbusServer {
 public:
  // At most this many clients at once; a further connection is accepted and closed at once.
  static constexpr int k_max_clients = 8;

  // Listens on config.bind:config.port (port 0: the kernel picks one; see port()) and serves from its own
  // thread until destroyed. Every asset reads AssetRegisters{} (NE 107 check function) until its first
  // update. io when the address cannot be bound.
  static Result<std::unique_ptr<ModbusServer>> create(const ModbusServerConfig& config,
                                                      std::size_t asset_count);
  ~ModbusServer();
  ModbusServer(const ModbusServer&) = delete;
  ModbusServer& operator=(const ModbusServer&) = delete;

  // Thread-safe and allocation-free: any thread may call these at any time. out_of_range for an asset
  // index >= asset_count.
  Status update(std::size_t asset, const AssetRegisters& values);
  void update_node(const NodeRegisters& values);

  int port() const { return port_; }

 private:
  struct FreeContext {
    void operator()(_modbus* ctx) const;
  };
  struct FreeMapping {
    void operator()(_modbus_mapping_t* mapping) const;
  };
  ModbusServer() = default;
  void serve(std::stop_token stop);
  void write_block(int address, const std::uint16_t* values, std::size_t count);

  std::unique_ptr<_modbus, FreeContext> ctx_;
  std::unique_ptr<_modbus_mapping_t, FreeMapping> mapping_;  // updated under mapping_mutex_
  std::unique_ptr<_modbus_mapping_t, FreeMapping> serving_;  // the serving thread's copy for a reply
  std::mutex mapping_mutex_;
  std::size_t asset_count_ = 0;
  int listen_fd_ = -1;
  int port_ = 0;
  std::jthread thread_;  // last: stopped and joined before the rest is destroyed
};

}  // namespace vigil::edge
