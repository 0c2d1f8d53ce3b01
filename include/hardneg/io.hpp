// Umbrella header of hardneg's model input/output.
#pragma once

#include "hardneg/io/model_file.hpp"
