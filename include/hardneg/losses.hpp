// All hardneg losses: each maps one training row (the positive's score s_i,
// the negatives' scores s_j and weights w_j) to the row's loss and writes
// d(row loss)/d(score). Each satisfies hardneg::Loss (core/concepts.hpp).
//
// Weights convention. The sampler's weights w_j sum to 1: they are an
// expectation over the sampling distribution (uniform k negatives: 1/k each;
// DNS(M, N): 1/M on its M picks; softmax samplers: the softmax weights).
//   - Pairwise losses (BPR, Hinge) average the pair losses over negatives:
//       L = sum_j w_j * l(s_i, s_j)
//   - Pointwise (BCE, MSE) and set-wise (CCE) losses count each negative with
//     multiplicity n * w_j, n = the number of negatives handed to the loss.
//     With uniform weights (n * w_j = 1) they equal their papers' sums over
//     the sampled negatives.
// n counts every negative in the row, zero-weight ones included, so a sampler
// should hand over only the negatives it picked. To get the WWW'23 code's
// "sum over the M picks" for a pairwise loss, scale the weights to 1 each
// (DNS's scale=sum), not the loss.
//
//   BPR    sum_j w_j softplus(s_j - s_i)                      losses/bpr.hpp
//   Hinge  sum_j w_j max(0, m + s_j - s_i)                    losses/hinge.hpp
//   BCE    softplus(-s_i) + sum_j n w_j softplus(s_j)          losses/bce.hpp
//   MSE    (s_i - 1)^2/2 + sum_j n w_j s_j^2/2                 losses/mse.hpp
//   CCE    -log(e^{s_i} / (e^{s_i} + sum_j n w_j e^{s_j}))     losses/cce.hpp
#pragma once

#include "hardneg/losses/bce.hpp"
#include "hardneg/losses/bpr.hpp"
#include "hardneg/losses/cce.hpp"
#include "hardneg/losses/hinge.hpp"
#include "hardneg/losses/mse.hpp"
