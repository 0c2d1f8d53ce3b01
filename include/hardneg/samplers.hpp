// Umbrella header of hardneg's negative samplers.
#pragma once

#include "hardneg/samplers/adasir.hpp"
#include "hardneg/samplers/aobpr.hpp"
#include "hardneg/samplers/dns.hpp"
#include "hardneg/samplers/irgan.hpp"
#include "hardneg/samplers/kernel.hpp"
#include "hardneg/samplers/pris.hpp"
#include "hardneg/samplers/popularity.hpp"
#include "hardneg/samplers/softmax.hpp"
#include "hardneg/samplers/softmax_v.hpp"
#include "hardneg/samplers/srns.hpp"
#include "hardneg/samplers/uniform.hpp"
#include "hardneg/samplers/warp.hpp"
