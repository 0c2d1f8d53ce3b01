// hardneg: a header-only C++20 library for training top-K recommenders from
// implicit feedback with (hard) negative sampling. This umbrella includes
// every part; include a folder umbrella (hardneg/eval.hpp) or a single
// policy header (hardneg/samplers/uniform.hpp) to compile less.
#pragma once

#include "hardneg/version.hpp"
#include "hardneg/core.hpp"
#include "hardneg/data.hpp"
#include "hardneg/simd.hpp"
#include "hardneg/eval.hpp"
#include "hardneg/models.hpp"
#include "hardneg/samplers.hpp"
#include "hardneg/losses.hpp"
#include "hardneg/optim.hpp"
#include "hardneg/io.hpp"
#include "hardneg/train.hpp"
