// Evaluation: full-ranking metrics, block scorers, recommendation and the
// theory tools (OPAUC bounds and simulations).
#pragma once

#include "hardneg/eval/block_scorer.hpp"
#include "hardneg/eval/dot_scorer.hpp"
#include "hardneg/eval/evaluator.hpp"
#include "hardneg/eval/labeled.hpp"
#include "hardneg/eval/metrics.hpp"
#include "hardneg/eval/popularity_scorer.hpp"
#include "hardneg/eval/recommend.hpp"
#include "hardneg/eval/theory.hpp"
