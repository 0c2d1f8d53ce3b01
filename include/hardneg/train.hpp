// hardneg/train: the Trainer, its callbacks and the run-time policy wrappers.
#pragma once

#include "hardneg/train/any_policy.hpp"
#include "hardneg/train/callbacks/checkpoint.hpp"
#include "hardneg/train/callbacks/early_stopping.hpp"
#include "hardneg/train/callbacks/evaluate_every.hpp"
#include "hardneg/train/callbacks/progress.hpp"
#include "hardneg/train/callbacks/training_log.hpp"
#include "hardneg/train/context.hpp"
#include "hardneg/train/inverse_gradient.hpp"
#include "hardneg/train/trainer.hpp"
