// The edge's Modbus TCP client of the machine's PLC ([plc]): reads process values (shaft speed, bearing
// temperature) and the actuation interlock from holding registers, and writes actuations that the gate
// (actuation.hpp) let through. Wraps libmodbus.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "edge/actuation.hpp"
#include "edge/config.hpp"

struct _modbus;  // libmodbus's modbus_t

namespace vigil::edge {

struct ProcessValues {
  std::optional<double> speed_rpm;              // speed_register (unsigned) x speed_scale, when wired
  std::optional<double> bearing_temperature_c;  // temperature_register (signed) x temperature_scale
};

// Not thread-safe: one owner thread does every call. Connects on the first call; after a failure (refused,
// timed out, dropped) the connection is closed and the next call connects again. Errors name the PLC
// (host:port unit N), the register and what failed, e.g. "PLC 10.0.0.5:502 unit 1: reading holding
// register 100 (speed): Connection refused".
class PlcClient {
 public:
  // `timeout` bounds the connect and each response. invalid_argument when [plc] is not enabled.
  static Result<PlcClient> create(const PlcConfig& config,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(1));

  // The wired process values (both absent when neither register is wired; no request is made then).
  Result<ProcessValues> read_process_values();
  // The interlock register: closed when it reads 1, open for any other value; not_wired (no request) when
  // interlock_register = -1. A failed read is an error: the caller treats it as Interlock::unreadable.
  Result<Interlock> read_interlock();
  // Writes one holding register (function 06).
  Status write_register(int address, std::uint16_t value);

  bool connected() const { return connected_; }

 private:
  struct Free {
    void operator()(_modbus* ctx) const;
  };
  PlcClient(PlcConfig config, std::unique_ptr<_modbus, Free> ctx)
      : config_(std::move(config)), ctx_(std::move(ctx)) {}
  Status connect(std::string_view doing);
  Result<std::uint16_t> read_holding(int address, std::string_view what);
  Error failure(std::string_view doing);  // from errno; closes the connection unless the PLC answered

  PlcConfig config_;
  std::unique_ptr<_modbus, Free> ctx_;
  bool connected_ = false;
};

}  // namespace vigil::edge
