// All hardneg optimizers and learning-rate schedules. Each optimizer
// satisfies hardneg::Optimizer (core/concepts.hpp): it applies the merged
// sparse gradient of a mini-batch (core/gradient.hpp) to the model's
// parameter tables.
//
//   SGD       theta -= lr (g + wd theta)             touched rows     optim/sgd.hpp
//   Adagrad   s += g^2; theta -= lr g / (sqrt(s)+eps) touched rows     optim/adagrad.hpp
//   Adam      PyTorch's Adam, dense embedding grads   every row, step  optim/adam.hpp
//   LazyAdam  Adam on touched rows, global step t     touched rows     optim/adam.hpp
//
// Weight decay is coupled L2 (g += wd * theta), as PyTorch's weight_decay.
// Schedules (ConstantLR, StepDecay, Schedule): optim/schedule.hpp.
#pragma once

#include "hardneg/optim/adagrad.hpp"
#include "hardneg/optim/adam.hpp"
#include "hardneg/optim/schedule.hpp"
#include "hardneg/optim/sgd.hpp"
