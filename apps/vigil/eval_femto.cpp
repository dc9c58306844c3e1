#include "eval_femto.hpp"

namespace vigil::cli {

void add_eval_femto(CLI::App& eval) {
  eval.add_subcommand("femto", "Health indicators over each bearing's life (not yet available)");
}

}  // namespace vigil::cli
