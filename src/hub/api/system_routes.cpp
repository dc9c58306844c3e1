// GET /healthz, GET /metrics and the live stream GET /api/v1/events.
#include "hub/api/routes.hpp"

namespace vigil::hub::api {

void add_system_routes(Router& router, MetricsRegistry& metrics, EventBus& events,
                       std::size_t live_queue_events) {
  metrics.gauge_callback(
      "vigil_api_live_dropped_total",
      "Live connections dropped because they fell behind (a counter, read from the event bus).", {},
      [&events] { return static_cast<double>(events.dropped()); });
  router.add(Method::get, "/healthz", Role::none,
             [](Request&) { return json_response(200, R"({"status":"ok"})"); });
  router.add(Method::get, "/metrics", Role::viewer, [&metrics](Request&) {
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics.render();
    return r;
  });
  router.add(
      Method::get, "/api/v1/events", Role::viewer,
      [&events, live_queue_events](Request&) {
        Response r;
        r.stream = events.subscribe(live_queue_events);
        return r;
      },
      TokenIn::header_or_query);
}

}  // namespace vigil::hub::api
