// The SIMD kernels of hardneg (xsimd, default architecture), each beside its
// scalar reference: gather-dot scoring of candidates, block scoring of users
// against all items, threshold counting, top-k selection.
#pragma once

#include "hardneg/simd/block_dot.hpp"
#include "hardneg/simd/count_at_least.hpp"
#include "hardneg/simd/gather_dot.hpp"
#include "hardneg/simd/top_k.hpp"
