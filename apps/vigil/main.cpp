// vigil: the command-line front door (analyse a recording, evaluate on a labelled data set).
#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"Vigil: vibration diagnosis for rotating machines"};
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
