// The data layer: Interactions (CSR), loaders, filters, splits, synthetic data.
#pragma once

#include "hardneg/data/dataset.hpp"
#include "hardneg/data/delimited.hpp"
#include "hardneg/data/filter.hpp"
#include "hardneg/data/id_map.hpp"
#include "hardneg/data/interactions.hpp"
#include "hardneg/data/lightgcn.hpp"
#include "hardneg/data/load.hpp"
#include "hardneg/data/noisy_synthetic.hpp"
#include "hardneg/data/recbole.hpp"
#include "hardneg/data/records.hpp"
#include "hardneg/data/split.hpp"
#include "hardneg/data/stats.hpp"
#include "hardneg/data/synthetic.hpp"
