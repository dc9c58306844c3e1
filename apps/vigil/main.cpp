// vigil: the command-line front door — diagnose a recording, evaluate on labelled data, list bearings.
#include <CLI/CLI.hpp>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Vigil: physics-grounded vibration diagnosis for rotating machines.\n"
      "Examples:\n"
      "  vigil analyze ../shared/data/cwru/105.mat\n"
      "  vigil eval cwru ../shared/data/cwru/catalog.csv\n"
      "  vigil eval femto ../shared/data/femto/Learning_set"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "vigil 0.1.0");
  vigil::cli::add_analyze(app);
  vigil::cli::add_eval(app);
  vigil::cli::add_bearings(app);
  vigil::cli::add_simulate(app);
  vigil::cli::add_rul_commands(app);
  vigil::cli::add_train_models(app);  // after add_rul_commands: joins its `train` group
  CLI11_PARSE(app, argc, argv);
  return 0;
}
