// vigil: the command-line front door — diagnose a recording, evaluate on labelled data, list bearings.
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "exit_codes.hpp"

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
  vigil::cli::add_sensor(app);
  vigil::cli::add_rul_commands(app);
  vigil::cli::add_train_models(app);  // after add_rul_commands: joins its `train` group
  vigil::cli::add_log(app);
  // Usage errors exit 2 like every other bad input (exit_codes.hpp); a command's own failure arrives as a
  // CLI::RuntimeError carrying its exit status.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 || dynamic_cast<const CLI::RuntimeError*>(&e) != nullptr ? rc : vigil::cli::k_exit_input;
  }
  return vigil::cli::k_exit_ok;
}
