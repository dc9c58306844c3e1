#include "edge/plc_client.hpp"

#include <cerrno>

#include <modbus.h>

namespace vigil::edge {

void PlcClient::Free::operator()(modbus_t* ctx) const {
  modbus_close(ctx);
  modbus_free(ctx);
}

Result<PlcClient> PlcClient::create(const PlcConfig& config, std::chrono::milliseconds timeout) {
  if (!config.enabled) return fail(ErrorCode::invalid_argument, "[plc] is not enabled");
  if (config.port < 1 || config.port > 65535 || config.unit_id < 0 || config.unit_id > 255)
    return fail(ErrorCode::invalid_argument, "PLC {}:{} unit {}: port or unit id out of range", config.host,
                config.port, config.unit_id);
  const std::string service = std::to_string(config.port);
  std::unique_ptr<modbus_t, Free> ctx(modbus_new_tcp_pi(config.host.c_str(), service.c_str()));
  if (!ctx)
    return fail(ErrorCode::internal, "PLC {}:{}: cannot create a Modbus TCP context: {}", config.host,
                config.port, modbus_strerror(errno));
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  const auto sec = static_cast<std::uint32_t>(us / 1'000'000);
  const auto usec = static_cast<std::uint32_t>(us % 1'000'000);
  if (modbus_set_slave(ctx.get(), config.unit_id) != 0 ||
      modbus_set_response_timeout(ctx.get(), sec, usec) != 0 ||
      modbus_set_byte_timeout(ctx.get(), sec, usec) != 0)
    return fail(ErrorCode::invalid_argument, "PLC {}:{} unit {}: timeout {} ms refused: {}", config.host,
                config.port, config.unit_id, timeout.count(), modbus_strerror(errno));
  return PlcClient(config, std::move(ctx));
}

Error PlcClient::failure(std::string_view doing) {
  const int err = errno;
  // A Modbus exception is the PLC's answer (wrong address, busy): the connection is fine. Anything else
  // (refused, timed out, dropped, garbled) leaves it in an unknown state: close, reconnect next time.
  const bool answered = err > MODBUS_ENOBASE && err <= EMBXGTAR;
  if (!answered && connected_) {
    modbus_close(ctx_.get());
    connected_ = false;
  }
  return Error{answered ? ErrorCode::invalid_argument : ErrorCode::io,
               fmt::format("PLC {}:{} unit {}: {}: {}", config_.host, config_.port, config_.unit_id, doing,
                           modbus_strerror(err))};
}

Status PlcClient::connect(std::string_view doing) {
  if (connected_) return {};
  if (modbus_connect(ctx_.get()) != 0) {
    const int err = errno;
    modbus_close(ctx_.get());
    errno = err;
    return std::unexpected(failure(fmt::format("connecting before {}", doing)));
  }
  connected_ = true;
  return {};
}

Result<std::uint16_t> PlcClient::read_holding(int address, std::string_view what) {
  const std::string doing = fmt::format("reading holding register {} ({})", address, what);
  if (auto c = connect(doing); !c) return std::unexpected(c.error());
  std::uint16_t value = 0;
  if (modbus_read_registers(ctx_.get(), address, 1, &value) != 1) return std::unexpected(failure(doing));
  return value;
}

Result<ProcessValues> PlcClient::read_process_values() {
  ProcessValues v;
  if (config_.speed_register >= 0) {
    auto raw = read_holding(config_.speed_register, "speed");
    if (!raw) return std::unexpected(raw.error());
    v.speed_rpm = *raw * config_.speed_scale;
  }
  if (config_.temperature_register >= 0) {
    auto raw = read_holding(config_.temperature_register, "temperature");
    if (!raw) return std::unexpected(raw.error());
    v.bearing_temperature_c = static_cast<std::int16_t>(*raw) * config_.temperature_scale;
  }
  return v;
}

Result<Interlock> PlcClient::read_interlock() {
  if (config_.interlock_register < 0) return Interlock::not_wired;
  auto raw = read_holding(config_.interlock_register, "interlock");
  if (!raw) return std::unexpected(raw.error());
  return *raw == 1 ? Interlock::closed : Interlock::open;
}

Status PlcClient::write_register(int address, std::uint16_t value) {
  const std::string doing = fmt::format("writing {} to holding register {}", value, address);
  if (address < 0 || address > 65535)
    return fail(ErrorCode::invalid_argument, "PLC {}:{} unit {}: {}: address out of range", config_.host,
                config_.port, config_.unit_id, doing);
  if (auto c = connect(doing); !c) return c;
  if (modbus_write_register(ctx_.get(), address, value) != 1) return std::unexpected(failure(doing));
  return {};
}

}  // namespace vigil::edge
