// hardneg stats: counts and anomalies of a dataset, as one JSON object.
#include "commands.hpp"
#include "common.hpp"

namespace hardneg::tool {

void register_stats(CLI::App& app) {
  auto* cmd = app.add_subcommand("stats", "Print the users, items, interactions and anomalies of a dataset as JSON");
  auto opts = std::make_shared<DataOptions>();
  add_data_options(*cmd, *opts, /*allow_synthetic=*/true);
  cmd->callback([opts] { print_json(stats_json(load_data(*opts).stats)); });
}

}  // namespace hardneg::tool
