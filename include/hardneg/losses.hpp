// All hardneg losses: each maps one training row (the positive's score s_i,
// the negatives' scores s_j and weights w_j) to the row's loss and writes
// d(row loss)/d(score). Each satisfies hardneg::Loss (core/concepts.hpp).
//
// Weights convention. The sampler's weights w_j sum to 1: they are an
// expectation over the sampling distribution (uniform k negatives: 1/k each;
// DNS(M, N): 1/M on its M picks; softmax samplers: the softmax weights).
//   - Pairwise losses (BPR, Hinge) average the pair losses over negatives:
//       L = sum_j w_j * l(s_i, s_j)
//     and so do the losses whose paper averages over the negatives (CCL, MML,
//     BSL with mean_negatives): their 1/N sum_j becomes sum_j w_j.
//   - Pointwise (BCE, MSE, Contrastive, RCE, IDL) and set-wise (CCE, InfoNCE,
//     BSL with the sum) losses count each negative with multiplicity n * w_j,
//     n = the number of negatives handed to the loss. With uniform weights
//     (n * w_j = 1) they equal their papers' sums over the sampled negatives.
// n counts every negative in the row, zero-weight ones included, so a sampler
// should hand over only the negatives it picked. To get the WWW'23 code's
// "sum over the M picks" for a pairwise loss, scale the weights to 1 each
// (DNS's scale=sum), not the loss.
//
//   BPR          sum_j w_j softplus(s_j - s_i)                          losses/bpr.hpp
//   Hinge        sum_j w_j max(0, m + s_j - s_i)                        losses/hinge.hpp
//   BCE          softplus(-s_i) + sum_j n w_j softplus(s_j)             losses/bce.hpp
//   MSE          (s_i - 1)^2/2 + sum_j n w_j s_j^2/2                    losses/mse.hpp
//   CCE          -log(e^{s_i} / (e^{s_i} + sum_j n w_j e^{s_j}))        losses/cce.hpp
//   InfoNCE      CCE on s / tau, with or without e^{s_i/tau} below      losses/infonce.hpp
//   CCL          relu(1 - s_i) + W sum_j w_j relu(s_j - m)              losses/ccl.hpp
//   MML          w_pos relu(1 - s_i)
//                + w_neg sum_j w_j sum_k c_k relu(s_j - m_k)            losses/mml.hpp
//   BSL          -s_i/tau1 + tau2 log sum_j (n) w_j e^{s_j/tau1}        losses/bsl.hpp
//   Contrastive  (1 - s_i)^2/2 + sum_j n w_j relu(s_j - m)^2/2          losses/contrastive.hpp
//   RCE          BCE with each term times sg[sigmoid(+-s)]^alpha        losses/rce.hpp
//   IDL          softplus(-s_i)
//                + sum_j n w_j (v1 softplus(-s_j) + v0 softplus(s_j))   losses/idl.hpp
//                (v0, v1: stop-gradient dual weights)
//
// A triplet loss on scores, max(0, m + s_j - s_i) averaged over the pairs,
// is Hinge. RCE and IDL hold some factors constant in the gradient
// (stop-gradient); they also offer surrogate_as(), the function whose
// derivative their gradient is.
#pragma once

#include "hardneg/losses/bce.hpp"
#include "hardneg/losses/bpr.hpp"
#include "hardneg/losses/bsl.hpp"
#include "hardneg/losses/cce.hpp"
#include "hardneg/losses/ccl.hpp"
#include "hardneg/losses/contrastive.hpp"
#include "hardneg/losses/hinge.hpp"
#include "hardneg/losses/idl.hpp"
#include "hardneg/losses/infonce.hpp"
#include "hardneg/losses/mml.hpp"
#include "hardneg/losses/mse.hpp"
#include "hardneg/losses/rce.hpp"
#include "hardneg/losses/tce.hpp"
