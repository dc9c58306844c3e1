#include "hub/store/connection.hpp"

#include <cassert>

namespace vigil::hub::store {

std::string_view to_string(Engine engine) { return engine == Engine::sqlite ? "sqlite" : "postgres"; }

std::int64_t Row::int64(std::size_t column) const {
  const Value& v = values.at(column);
  if (is_null(column)) return 0;
  assert(std::holds_alternative<std::int64_t>(v));
  return std::get<std::int64_t>(v);
}

double Row::real(std::size_t column) const {
  const Value& v = values.at(column);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (is_null(column)) return 0.0;
  assert(std::holds_alternative<double>(v));
  return std::get<double>(v);
}

const std::string& Row::text(std::size_t column) const {
  static const std::string k_empty;
  const Value& v = values.at(column);
  if (is_null(column)) return k_empty;
  assert(std::holds_alternative<std::string>(v));
  return std::get<std::string>(v);
}

Result<Transaction> Transaction::begin(Connection& connection) {
  if (auto ok = connection.begin(); !ok) return std::unexpected(ok.error());
  return Transaction(&connection);
}

Status Transaction::commit() {
  if (auto ok = connection_->commit(); !ok) return ok;
  connection_ = nullptr;
  return {};
}

Transaction::~Transaction() {
  if (connection_ != nullptr) connection_->rollback();
}

}  // namespace vigil::hub::store
