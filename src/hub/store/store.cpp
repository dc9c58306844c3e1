#include "hub/store/store.hpp"

#include "hub/store/schema.hpp"

namespace vigil::hub::store {

Result<Store> Store::open(const StoreOptions& options) {
  if (auto ok = check(options.retention); !ok) return std::unexpected(ok.error());
  auto connection = options.engine == Engine::sqlite ? open_sqlite(options.sqlite_path)
                                                     : open_postgres(options.postgres_conninfo);
  if (!connection) return std::unexpected(connection.error());
  if (auto ok = migrate(**connection); !ok) return std::unexpected(ok.error());
  return Store(std::move(*connection), options.retention);
}

}  // namespace vigil::hub::store
