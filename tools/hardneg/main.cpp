// hardneg: train, evaluate and inspect recommenders from the command line.
// Each subcommand lives in its own file; see docs/cli.md.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "hardneg/core/error.hpp"
#include "hardneg/version.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"hardneg: top-K recommenders trained with (hard) negative sampling"};
  app.set_version_flag("--version", std::to_string(HARDNEG_VERSION_MAJOR) + "." +
                                        std::to_string(HARDNEG_VERSION_MINOR) + "." +
                                        std::to_string(HARDNEG_VERSION_PATCH));
  app.require_subcommand(1);
  hardneg::tool::register_stats(app);
  hardneg::tool::register_train(app);
  hardneg::tool::register_eval(app);
  hardneg::tool::register_recommend(app);
  hardneg::tool::register_simulate(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const hardneg::Error& e) {
    std::fprintf(stderr, "hardneg: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hardneg: internal error: %s\n", e.what());
    return 3;
  }
  return 0;
}
