#!/usr/bin/env bash
# Reproduces the model experiments of docs/reproduction/models.md.
#
# Groups (default: all, in this order):
#   www2023   the hard-negative paper's LightGCN rows on gowalla-www2023: BPR
#             (5 uniform negatives), DNS(5,200) and Softmax-v(1,200), with the
#             settings of its MF rows (scripts/reproduce/hard_negatives.sh)
#   gowalla   LightGCN + BPR (the LightGCN paper's setting) and SimpleX + CCL
#             (the SimpleX reference configuration) on the LightGCN split
#
#   HARDNEG_DATA=../shared/data scripts/reproduce/models.sh [group...]
#
# Each run writes <out>/<name>.json; a run whose JSON exists is skipped, so an
# interrupted script resumes. Then scripts/reproduce/plot_models.py turns the
# JSONs into the doc's tables.
#
# Environment: HARDNEG_DATA (required), HARDNEG_BIN (the hardneg tool;
# default build/release/tools/hardneg, built if missing), OUT (default
# docs/reproduction/runs/models: the JSONs are kept in git), EPOCHS (default
# 100 for www2023, as the MF rows; gowalla's runs use their papers' budgets
# below unless EPOCHS is set), THREADS (default 2).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
: "${HARDNEG_DATA:?set HARDNEG_DATA to the folder holding gowalla-www2023/ and gowalla/}"
threads="${THREADS:-2}"
source "$root/scripts/lib/reproduce.sh"
reproduce_setup "$root" "$root/docs/reproduction/runs/models"

www="$HARDNEG_DATA/gowalla-www2023"
lgn="$HARDNEG_DATA/gowalla"

# The WWW'23 code's LightGCN (spec/algorithms.md 5.4, 7.1): 3 layers, mean of
# layers 0..3, xavier-normal init, dim 32, batch 4096, Adam lr 1e-3 with step
# decay x0.95 every 5 epochs, summed batch loss, seen items allowed, seed 10.
# Weight decay as the MF rows: 1e-4 for BPR, 1e-2 for the hard samplers.
# shellcheck disable=SC2054  # the commas are inside option values
paper=(--model lightgcn:layers=3,init=xavier_normal --dim 32 --batch 4096
       --schedule step:every=5,gamma=0.95 --reduction sum --allow-seen --seed 10
       --k 5,20,50 --eval-every 10 --epochs "${EPOCHS:-100}" --threads "$threads"
       --train "$www/train.txt" --test "$www/test.txt")

group_www2023() {
  reproduce_run lightgcn-bpr "${paper[@]}" --optimizer adam:lr=1e-3,wd=1e-4 \
    --sampler uniform:k=5 --loss bpr
  reproduce_run lightgcn-dns-m5-n200 "${paper[@]}" --optimizer adam:lr=1e-3,wd=1e-2 \
    --sampler dns:m=5,n=200,scale=sum --loss bpr
  reproduce_run lightgcn-softmax-v-rho1-n200 "${paper[@]}" --optimizer adam:lr=1e-3,wd=1e-2 \
    --sampler softmax-v:rho=1,n=200 --loss bpr
}

group_gowalla() {
  local common=(--train "$lgn/train.txt" --test "$lgn/test.txt" --threads "$threads" --k 20)
  # LightGCN paper: dim 64, 3 layers, batch 2048, Adam lr 1e-3, L2 1e-4, one
  # uniform negative excluding seen items (its budget was 1000 epochs).
  reproduce_run gowalla-lightgcn-bpr "${common[@]}" --model lightgcn:layers=3,init=xavier_normal \
    --dim 64 --batch 2048 --optimizer adam:lr=1e-3,wd=1e-4 --sampler uniform:k=1 --loss bpr \
    --seed 2020 --eval-every 20 --epochs "${EPOCHS:-400}"
  # SimpleX's Gowalla configuration (spec/algorithms.md 5.5): user attention
  # over the history, g 0.8, dim 64, batch 256, Adam lr 1e-4, L2 1e-7, 2000
  # uniform negatives with the positives not excluded, margin 0.9, w 250, user
  # dropout 0.1, init N(0, 1e-4^2).
  reproduce_run gowalla-simplex-ccl "${common[@]}" \
    --model simplex:g=0.8,aggregation=user_attention,dropout=0.1 \
    --init-std 1e-4 --dim 64 --batch 256 --allow-seen --optimizer adam:lr=1e-4,wd=1e-7 \
    --reduction mean --sampler uniform:k=2000 --loss ccl:margin=0.9,w=250 --seed 2019 \
    --eval-every 5 --epochs "${EPOCHS:-50}"
}

groups=("$@")
[[ ${#groups[@]} -gt 0 ]] || groups=(www2023 gowalla)
for g in "${groups[@]}"; do
  "group_${g//-/_}"
done
echo "done: $out (now run /usr/bin/python3 scripts/reproduce/plot_models.py $out)"
