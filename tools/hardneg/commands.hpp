// The hardneg tool's subcommands; each registers itself on the app and runs
// from its callback.
#pragma once

#include <CLI/CLI.hpp>

namespace hardneg::tool {
void register_stats(CLI::App& app);
void register_train(CLI::App& app);
void register_eval(CLI::App& app);
void register_recommend(CLI::App& app);
void register_simulate(CLI::App& app);
}  // namespace hardneg::tool
