// Umbrella header of hardneg's models.
#pragma once

#include "hardneg/models/mf.hpp"
#include "hardneg/models/recommendation.hpp"
