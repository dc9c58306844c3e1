#include "edge/modbus_server.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include <arpa/inet.h>
#include <modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace vigil::edge {

namespace {

// x rounded to the nearest count and clamped to an unsigned 16-bit register; NaN reads 0.
std::uint16_t u16(double x) {
  if (!(x > 0)) return 0;
  if (x >= 65535) return 65535;
  return static_cast<std::uint16_t>(std::lround(x));
}

void put_u32(std::uint16_t* at, std::uint32_t v) {
  at[0] = static_cast<std::uint16_t>(v >> 16);
  at[1] = static_cast<std::uint16_t>(v & 0xFFFF);
}

}  // namespace

std::array<std::uint16_t, k_asset_block_size> encode_asset(const AssetRegisters& v) {
  std::array<std::uint16_t, k_asset_block_size> r{};
  r[0] = u16(std::min(v.health_index, 1.0) * 1000);
  r[1] = static_cast<std::uint16_t>(v.level);
  r[2] = static_cast<std::uint16_t>(v.ne107);
  r[3] = v.rul_h && !std::isnan(*v.rul_h) ? std::min<std::uint16_t>(u16(*v.rul_h), k_rul_unknown - 1)
                                          : k_rul_unknown;
  r[4] = static_cast<std::uint16_t>(v.fault);
  r[5] = u16(std::min(v.fault_confidence, 1.0) * 1000);
  r[6] = u16(v.velocity_rms_mm_s * 100);
  r[7] = static_cast<std::uint16_t>(v.iso_zone);
  put_u32(&r[8], static_cast<std::uint32_t>(v.windows));  // modulo 2^32
  return r;
}

std::array<std::uint16_t, k_node_block_size> encode_node(const NodeRegisters& v, std::size_t asset_count) {
  std::array<std::uint16_t, k_node_block_size> r{};
  r[0] = k_modbus_map_version;
  r[1] = static_cast<std::uint16_t>(asset_count);
  const double uptime_s = std::isnan(v.uptime_s) ? 0 : std::clamp(v.uptime_s, 0.0, 4294967295.0);
  put_u32(&r[2], static_cast<std::uint32_t>(uptime_s));
  put_u32(&r[4], static_cast<std::uint32_t>(std::min<std::uint64_t>(v.backlog_records, 0xFFFFFFFFu)));
  return r;
}

void ModbusServer::FreeContext::operator()(modbus_t* ctx) const { modbus_free(ctx); }
void ModbusServer::FreeMapping::operator()(modbus_mapping_t* mapping) const { modbus_mapping_free(mapping); }

Result<std::unique_ptr<ModbusServer>> ModbusServer::create(const ModbusServerConfig& config,
                                                           std::size_t asset_count) {
  const std::size_t registers = k_asset_base + asset_count * k_asset_stride;
  if (registers > 65536)
    return fail(ErrorCode::out_of_range, "Modbus server: {} assets do not fit the register map (at most {})",
                asset_count, (65536 - k_asset_base) / k_asset_stride);
  if (config.port < 0 || config.port > 65535)
    return fail(ErrorCode::invalid_argument, "Modbus server: port {} out of range", config.port);
  in_addr parsed{};
  if (::inet_pton(AF_INET, config.bind.c_str(), &parsed) != 1)
    return fail(ErrorCode::invalid_argument, "Modbus server: bind address '{}' is not an IPv4 address",
                config.bind);
  std::unique_ptr<ModbusServer> s(new ModbusServer());
  s->asset_count_ = asset_count;
  s->ctx_.reset(modbus_new_tcp(config.bind.c_str(), config.port));
  if (!s->ctx_)
    return fail(ErrorCode::internal, "Modbus server: cannot create a context for {}:{}: {}", config.bind,
                config.port, modbus_strerror(errno));
  // A client that stalls inside a request holds the (single) serving thread at most this long per read.
  modbus_set_byte_timeout(s->ctx_.get(), 0, 200'000);
  modbus_set_indication_timeout(s->ctx_.get(), 0, 200'000);
  const int n = static_cast<int>(registers);
  s->mapping_.reset(modbus_mapping_new(0, 0, n, n));
  s->serving_.reset(modbus_mapping_new(0, 0, n, n));
  if (!s->mapping_ || !s->serving_)
    return fail(ErrorCode::internal, "Modbus server: cannot allocate {} registers", registers);
  for (std::size_t i = 0; i < asset_count; ++i) {
    if (auto u = s->update(i, AssetRegisters{}); !u) return std::unexpected(u.error());
  }
  s->update_node(NodeRegisters{});

  s->listen_fd_ = modbus_tcp_listen(s->ctx_.get(), k_max_clients);
  if (s->listen_fd_ < 0)
    return fail(ErrorCode::io, "Modbus server: cannot listen on {}:{}: {}", config.bind, config.port,
                modbus_strerror(errno));
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(s->listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return fail(ErrorCode::io, "Modbus server: {}:{}: {}", config.bind, config.port, std::strerror(errno));
  s->port_ = ntohs(addr.sin_port);
  s->thread_ = std::jthread([server = s.get()](std::stop_token stop) { server->serve(stop); });
  return s;
}

ModbusServer::~ModbusServer() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void ModbusServer::write_block(int address, const std::uint16_t* values, std::size_t count) {
  const std::lock_guard lock(mapping_mutex_);
  std::copy_n(values, count, mapping_->tab_registers + address);
  std::copy_n(values, count, mapping_->tab_input_registers + address);
}

Status ModbusServer::update(std::size_t asset, const AssetRegisters& values) {
  if (asset >= asset_count_)
    return fail(ErrorCode::out_of_range, "Modbus server: asset index {} >= asset count {}", asset,
                asset_count_);
  const auto block = encode_asset(values);
  write_block(k_asset_base + static_cast<int>(asset) * k_asset_stride, block.data(), block.size());
  return {};
}

void ModbusServer::update_node(const NodeRegisters& values) {
  const auto block = encode_node(values, asset_count_);
  write_block(k_node_block, block.data(), block.size());
}

void ModbusServer::serve(std::stop_token stop) {
  std::array<pollfd, 1 + k_max_clients> fds{};
  fds[0] = {listen_fd_, POLLIN, 0};
  std::size_t n = 1;
  std::array<std::uint8_t, MODBUS_TCP_MAX_ADU_LENGTH> query{};
  const int header = modbus_get_header_length(ctx_.get());
  const auto registers = static_cast<std::size_t>(serving_->nb_registers);
  while (!stop.stop_requested()) {
    if (::poll(fds.data(), n, 100) <= 0) continue;
    for (std::size_t i = n; i-- > 1;) {
      if (fds[i].revents == 0) continue;
      bool keep = false;
      if ((fds[i].revents & POLLIN) != 0) {
        modbus_set_socket(ctx_.get(), fds[i].fd);
        const int length = modbus_receive(ctx_.get(), query.data());
        keep = length == 0;  // a request for another unit: ignored
        if (length > 0) {
          const std::uint8_t function = query[static_cast<std::size_t>(header)];
          if (function == MODBUS_FC_READ_HOLDING_REGISTERS || function == MODBUS_FC_READ_INPUT_REGISTERS) {
            {
              // Replies are sent from a copy, so update() never waits for a client's network.
              const std::lock_guard lock(mapping_mutex_);
              std::copy_n(mapping_->tab_registers, registers, serving_->tab_registers);
              std::copy_n(mapping_->tab_input_registers, registers, serving_->tab_input_registers);
            }
            keep = modbus_reply(ctx_.get(), query.data(), length, serving_.get()) >= 0;
          } else {
            keep = modbus_reply_exception(ctx_.get(), query.data(), MODBUS_EXCEPTION_ILLEGAL_FUNCTION) >= 0;
          }
        }
      }
      if (!keep) {
        ::close(fds[i].fd);
        fds[i] = fds[--n];
      }
    }
    if ((fds[0].revents & POLLIN) != 0) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0 && n < fds.size()) {
        fds[n++] = {fd, POLLIN, 0};
      } else if (fd >= 0) {
        ::close(fd);  // bounded: k_max_clients at once
      }
    }
  }
  for (std::size_t i = 1; i < n; ++i) ::close(fds[i].fd);
}

}  // namespace vigil::edge
