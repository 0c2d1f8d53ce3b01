// The help texts that end `hardneg train --help` and `hardneg simulate
// sampler --help` (defined in policies.cpp and models.cpp); a light header,
// so the subcommands need not include the policies.
#pragma once

#include <string>

namespace hardneg::tool {

/// Every sampler, loss, optimizer and schedule with its keys and defaults.
std::string policies_help();

/// Every model with its keys and defaults.
std::string models_help();

}  // namespace hardneg::tool
