// hardneg/core: vocabulary types, errors, random streams, thread pool,
// aligned matrices, sparse gradients and the four policy concepts.
#pragma once

#include "hardneg/core/aligned.hpp"
#include "hardneg/core/concepts.hpp"
#include "hardneg/core/config.hpp"
#include "hardneg/core/error.hpp"
#include "hardneg/core/gradient.hpp"
#include "hardneg/core/matrix.hpp"
#include "hardneg/core/negatives.hpp"
#include "hardneg/core/random.hpp"
#include "hardneg/core/thread_pool.hpp"
#include "hardneg/core/types.hpp"
