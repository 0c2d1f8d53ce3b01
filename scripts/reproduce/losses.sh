#!/usr/bin/env bash
# Reproduces the loss papers' experiments (docs/reproduction/losses.md) on
# Gowalla (the LightGCN split) with MF, dim 64, 100 uniform negatives unless
# stated:
#   analysis  BCE, CCE and BPR with 1 and with 100 negatives: NDCG@10 and MRR
#             per epoch, and the sampled negatives scored above the positive
#             and at or above zero (the trainer counts them each epoch)
#   table4    the Multi-Margin Loss paper's Table 4: BPR, pairwise hinge,
#             softmax CE, MSE, CCL, BSL and MML on cosine MF, with the
#             reference's protocol (up to 100 epochs, early stopping)
#   figure3   CCL, BSL and MML with 10 and 800 negatives (100 is table4's)
#   inverse   GMF and NeuMF with NS, T-CE, R-CE, IDL and Inverse Gradient on
#             the noisy synthetic data (examples/inverse_learning.cpp)
#
#   HARDNEG_DATA=../shared/data scripts/reproduce/losses.sh [group...]
#
# Each run writes <out>/<name>.json; a run whose JSON exists is skipped, so an
# interrupted script resumes. Then scripts/reproduce/plot_losses.py turns the
# JSONs into the doc's tables and PNGs.
#
# Environment: HARDNEG_DATA (required), HARDNEG_BIN (the hardneg tool;
# default build/release/tools/hardneg, built if missing), OUT (default
# docs/reproduction/runs/losses: the JSONs are kept in git), EPOCHS (the
# analysis runs' epochs, default 20), MAX_EPOCHS (the budget of the early-
# stopped table4 and figure3 runs, default 100), THREADS (default 2).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
: "${HARDNEG_DATA:?set HARDNEG_DATA to the folder holding gowalla/}"
epochs="${EPOCHS:-20}"
max_epochs="${MAX_EPOCHS:-100}"
threads="${THREADS:-2}"
source "$root/scripts/lib/reproduce.sh"
reproduce_setup "$root" "$root/docs/reproduction/runs/losses"
data="$HARDNEG_DATA/gowalla"
common=(--train "$data/train.txt" --test "$data/test.txt" --dim 64 --threads "$threads"
        --seed 2019)

# BCE, CCE, BPR on dot-product MF (the analysis paper's losses on logits).
group_analysis() {
  local loss k
  for loss in bce cce bpr; do
    for k in 1 100; do
      reproduce_run "analysis-$loss-k$k" "${common[@]}" --epochs "$epochs" --model mf \
        --init-std 0.1 --batch 2048 \
        --sampler "uniform:k=$k" --loss "$loss" --optimizer lazy-adam:lr=1e-3 --reduction mean \
        --eval-every 1 --k 10,20
    done
  done
}

# The SimpleX / MML pipeline (spec/algorithms.md 7.2-7.3): cosine MF with
# user dropout 0.1, init N(0, 1e-4^2), batch 256, Adam lr 1e-4 with L2 1e-8 on
# the whole tables (dense Adam: PyTorch's semantics, where the rows a batch
# does not touch keep moving with their moments), negatives drawn uniformly
# with the positives not excluded, batch mean. The reference's protocol: up
# to 100 epochs, Recall@20 on the test set after every epoch; each evaluation
# without improvement (by more than 1e-6) divides the learning rate by 10
# (not below 1e-6) and goes back to the best model; three in a row stop the
# run, which reports the best model.
simplex=(--model mf:cosine=yes,dropout=0.1 --init-std 1e-4 --batch 256 --allow-seen
         --optimizer adam:lr=1e-4,wd=1e-8 --reduction mean --k 20 --epochs "$max_epochs"
         --eval-every 1 --early-stop recall@20 --patience 3 --min-delta 1e-6
         --plateau-lr-factor 0.1 --min-lr 1e-6 --plateau-reload)
ccl="ccl:margin=0.9,w=150"
mml="mml:margins=0.7/0.8/0.9,weights=0.1/0.15/0.75,w_pos=1,w_neg=700"
bsl="bsl:tau1=0.08,tau2=1.22,mean=yes,same_user=yes"

group_table4() {  # the contrastive losses first, then the classic ones
  reproduce_run table4-ccl "${common[@]}" "${simplex[@]}" --sampler uniform:k=100 --loss "$ccl"
  reproduce_run table4-mml "${common[@]}" "${simplex[@]}" --sampler uniform:k=100 --loss "$mml"
  reproduce_run table4-bsl "${common[@]}" "${simplex[@]}" --sampler uniform:k=100 --loss "$bsl"
  reproduce_run table4-mse "${common[@]}" "${simplex[@]}" --sampler uniform:k=100 --loss mse
  reproduce_run table4-cce "${common[@]}" "${simplex[@]}" --sampler uniform:k=100 --loss cce
  reproduce_run table4-hinge "${common[@]}" "${simplex[@]}" --sampler uniform:k=100 --loss hinge:margin=0.9
  reproduce_run table4-bpr "${common[@]}" "${simplex[@]}" --sampler uniform:k=100 --loss bpr
}

group_figure3() {
  local k
  for k in 10 800; do
    reproduce_run "figure3-ccl-k$k" "${common[@]}" "${simplex[@]}" --sampler "uniform:k=$k" --loss "$ccl"
    reproduce_run "figure3-bsl-k$k" "${common[@]}" "${simplex[@]}" --sampler "uniform:k=$k" --loss "$bsl"
    reproduce_run "figure3-mml-k$k" "${common[@]}" "${simplex[@]}" --sampler "uniform:k=$k" --loss "$mml"
  done
}

group_inverse() {
  local example="$root/build/release/examples/example_inverse_learning"
  if [[ ! -x "$example" ]]; then
    cmake --preset release -S "$root" >/dev/null
    cmake --build "$root/build/release" --target example_inverse_learning
  fi
  # The preset (10 labelled rows per user, 20 % hidden positives), then denser
  # labels and more hidden positives.
  local name args
  for name in inverse inverse-labelled50 inverse-hidden50; do
    case "$name" in
      inverse) args=() ;;
      inverse-labelled50) args=(--labelled 50) ;;
      inverse-hidden50) args=(--hidden 0.5) ;;
    esac
    [[ -s "$out/$name.md" ]] && continue
    "$example" --full --seeds 5 --threads "$threads" "${args[@]}" --json "$out/$name.json" >"$out/$name.md.tmp"
    mv "$out/$name.md.tmp" "$out/$name.md"
  done
}

groups=("$@")
[[ ${#groups[@]} -gt 0 ]] || groups=(analysis table4 figure3 inverse)
for g in "${groups[@]}"; do
  "group_${g//-/_}"
done
echo "done: $out (now run /usr/bin/python3 scripts/reproduce/plot_losses.py $out)"
