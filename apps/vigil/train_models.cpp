// vigil train anomaly / vigil train classifier (see train_models.hpp).
#include "train_models.hpp"

namespace vigil::cli {

void add_train_models(CLI::App& app) {
  CLI::App* train = app.get_subcommand("train");
  add_train_anomaly(*train);
  add_train_classifier(*train);
}

}  // namespace vigil::cli
