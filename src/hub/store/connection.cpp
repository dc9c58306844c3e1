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
  if (connection.transaction_depth_ == 0) {
    if (auto ok = connection.begin(); !ok) return std::unexpected(ok.error());
    connection.inner_rolled_back_ = false;
  }
  ++connection.transaction_depth_;
  return Transaction(&connection);
}

Status Transaction::commit() {
  Connection& c = *connection_;
  if (c.transaction_depth_ > 1) {
    --c.transaction_depth_;
    connection_ = nullptr;
    return {};
  }
  if (c.inner_rolled_back_)
    return fail(ErrorCode::internal, "{}: a step inside the transaction failed; nothing of it is stored",
                c.name());
  if (auto ok = c.commit(); !ok) return ok;
  c.transaction_depth_ = 0;
  connection_ = nullptr;
  return {};
}

Transaction::~Transaction() {
  if (connection_ == nullptr) return;
  Connection& c = *connection_;
  if (c.transaction_depth_ > 1) {
    --c.transaction_depth_;
    c.inner_rolled_back_ = true;
    return;
  }
  c.rollback();
  c.transaction_depth_ = 0;
}

}  // namespace vigil::hub::store
