// The alarm manager's own tables, migrated under the name "alarms" (store::Migrations): instances,
// their history, shelves, out-of-service points, the webhook outbox and its dead letters.
#pragma once

#include "hub/store/schema.hpp"

namespace vigil::hub::alarms {

store::Migrations alarm_migrations();

}  // namespace vigil::hub::alarms
