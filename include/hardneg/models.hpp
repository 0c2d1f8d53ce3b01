// Umbrella header of hardneg's models.
#pragma once

#include "hardneg/models/gmf.hpp"
#include "hardneg/models/lightgcn.hpp"
#include "hardneg/models/mf.hpp"
#include "hardneg/models/neumf.hpp"
#include "hardneg/models/recommendation.hpp"
#include "hardneg/models/simplex.hpp"
