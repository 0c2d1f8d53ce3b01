#!/usr/bin/env bash
# Reproduces the hard-negative paper's MF experiments (docs/reproduction/hard-negatives.md):
# Table 2's MF rows, the sweeps behind Figures 8-10, and the Figure 6/7 simulations.
#
#   HARDNEG_DATA=../shared/data scripts/reproduce/hard_negatives.sh [group...]
#
# Groups (default: all, in this order): table sweep-m sweep-rho sweep-n
# baselines baselines-wd excluding-seen gowalla figures. Each run writes
# <out>/<name>.json (metrics and the per-epoch log); a run whose JSON exists is
# skipped, so an interrupted script resumes. Then
# scripts/reproduce/plot_hard_negatives.py turns the JSONs into the tables and
# PNGs of the doc.
#
# Environment: HARDNEG_DATA (required), HARDNEG_BIN (the hardneg tool; default
# build/release/tools/hardneg, built if missing), OUT (default
# docs/reproduction/runs/hard-negatives: the JSONs are kept in git, the logs
# are not), EPOCHS (default 100: the curves are flat by then, see the doc),
# THREADS (default 2).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
: "${HARDNEG_DATA:?set HARDNEG_DATA to the folder holding gowalla-www2023/ and gowalla/}"
epochs="${EPOCHS:-100}"
threads="${THREADS:-2}"
source "$root/scripts/lib/reproduce.sh"
reproduce_setup "$root" "$root/docs/reproduction/runs/hard-negatives"

www="$HARDNEG_DATA/gowalla-www2023"
lgn="$HARDNEG_DATA/gowalla"

# The paper's settings (spec/algorithms.md 7.1): MF dim 32, batch 4096, Adam
# lr 1e-3, step decay x0.95 every 5 epochs, batch loss summed, seen items
# allowed as negatives, seed 10, metrics @5/20/50.
paper=(--model mf --dim 32 --init-std 0.1 --batch 4096 --schedule step:every=5,gamma=0.95
       --reduction sum --allow-seen --seed 10 --k 5,20,50 --eval-every 25)

# run NAME DATA_DIR WEIGHT_DECAY ARGS... (with the settings in `protocol`:
# the paper's, unless a group declares its own `local protocol`)
protocol=("${paper[@]}")
run() {
  local name="$1" data="$2" wd="$3"
  shift 3
  reproduce_run "$name" --train "$data/train.txt" --test "$data/test.txt" "${protocol[@]}" \
    --optimizer "adam:lr=1e-3,wd=$wd" --epochs "$epochs" --threads "$threads" "$@"
}

group_table() {
  run bpr "$www" 1e-4 --sampler uniform:k=5 --loss bpr
  run dns-classic "$www" 1e-4 --sampler dns:m=1,n=50,k=5 --loss bpr
  run dns-m5-n200 "$www" 1e-2 --sampler dns:m=5,n=200,scale=sum --loss bpr
  run softmax-v-rho1-n200 "$www" 1e-2 --sampler softmax-v:rho=1,n=200 --loss bpr
}

group_sweep_m() {  # Figure 8: M over {1,2,3,4,5,10,20}, N = 200
  for m in 1 2 3 4 10 20; do
    run "dns-m$m-n200" "$www" 1e-2 --sampler "dns:m=$m,n=200,scale=sum" --loss bpr
  done
}

group_sweep_rho() {  # Figure 10: rho over {0.01, 0.1, 1, 10, 100}, N = 200
  for rho in 0.01 0.1 10 100; do
    run "softmax-v-rho$rho-n200" "$www" 1e-2 --sampler "softmax-v:rho=$rho,n=200" --loss bpr
  done
}

group_sweep_n() {  # Figure 9: N over {20, 50, 100, 200, 400}, M = 5
  for n in 20 50 100 400; do
    run "dns-m5-n$n" "$www" 1e-2 --sampler "dns:m=5,n=$n,scale=sum" --loss bpr
  done
}

group_baselines() {  # the other samplers of Table 2, 5 negatives where they take a count
  run aobpr "$www" 1e-4 --sampler aobpr:k=5 --loss bpr
  run warp "$www" 1e-4 --sampler warp:max_trials=10 --loss hinge:margin=1
  run irgan "$www" 1e-4 --sampler irgan:k=5 --loss bpr
  run kernel "$www" 1e-4 --sampler kernel:k=5 --loss bpr
  run pris-u "$www" 1e-4 --sampler pris:n=5,proposal=uniform --loss bpr
  run pris-p "$www" 1e-4 --sampler pris:n=5,proposal=popularity --loss bpr
  run adasir-u "$www" 1e-4 --sampler adasir:n=5,proposal=uniform --loss bpr
  run adasir-p "$www" 1e-4 --sampler adasir:n=5,proposal=popularity --loss bpr
  run srns "$www" 1e-4 --sampler srns:k=5 --loss bpr
}

# The paper tunes weight decay over {1e-2, 1e-3, 1e-4} per row; the baselines
# above use 1e-4 (the uniform-style setting). The adaptive samplers that land
# below uniform BPR (AdaSIR, SRNS, IRGAN) get the other two values as well.
group_baselines_wd() {
  local wd
  for wd in 1e-2 1e-3; do
    run "adasir-u-wd$wd" "$www" "$wd" --sampler adasir:n=5,proposal=uniform --loss bpr
    run "adasir-p-wd$wd" "$www" "$wd" --sampler adasir:n=5,proposal=popularity --loss bpr
    run "srns-wd$wd" "$www" "$wd" --sampler srns:k=5 --loss bpr
    run "irgan-wd$wd" "$www" "$wd" --sampler irgan:k=5 --loss bpr
  done
}

# AdaSIR, SRNS and DNS(1, 200) again with the user's train items excluded from
# the negatives: if allowing them is what hurts (their highest-scored
# candidates being the user's own positives), these rows rise above their
# allow-seen rows; uniform BPR is the control. Same settings otherwise.
group_excluding_seen() {
  local protocol=() arg  # seen by run(): the paper's settings without --allow-seen
  for arg in "${paper[@]}"; do [[ $arg == --allow-seen ]] || protocol+=("$arg"); done
  run bpr-excl "$www" 1e-4 --sampler uniform:k=5 --loss bpr
  run adasir-u-excl "$www" 1e-4 --sampler adasir:n=5,proposal=uniform --loss bpr
  run srns-excl "$www" 1e-4 --sampler srns:k=5 --loss bpr
  run dns-m1-n200-excl "$www" 1e-2 --sampler dns:m=1,n=200,scale=sum --loss bpr
}

group_gowalla() {  # the main rows again on the LightGCN split of Gowalla
  run gowalla-bpr "$lgn" 1e-4 --sampler uniform:k=5 --loss bpr
  run gowalla-dns-m5-n200 "$lgn" 1e-2 --sampler dns:m=5,n=200,scale=sum --loss bpr
  run gowalla-softmax-v-rho1-n200 "$lgn" 1e-2 --sampler softmax-v:rho=1,n=200 --loss bpr
}

# The rows of figure7-full.csv (one per negative, 40k) that the figure and its
# table need, and only the rank and cumulative columns: ranks 1-100, the first
# rank of every 2 % step on a log scale, the ranks of the top 1/5/20 %, and the
# last rank (which gives the count). Small enough to keep in git.
thin_figure7() {
  /usr/bin/python3 - "$1" <<'PY'
import csv, math, sys
with open(sys.argv[1]) as f:
    rows = list(csv.reader(f))
head, body = rows[0], rows[1:]
cols = [0] + [c for c, name in enumerate(head) if name.startswith("cumulative")]
n = len(body)
keep = {1, n} | {math.ceil(q * n) for q in (0.01, 0.05, 0.20)} | set(range(1, 101))
step = lambda r: math.floor(math.log(r, 1.02))
keep |= {r for r in range(2, n + 1) if step(r) != step(r - 1)}
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow([head[c] for c in cols])
for row in body:
    if int(row[0]) in keep:
        out.writerow([row[c] for c in cols])
PY
}

group_figures() {  # Figure 6 (simulation) and Figure 7 (a trained model's sampling law)
  [[ -s "$out/figure6.csv" ]] ||
    "$bin" simulate opauc --pos 200 --neg 800 --trials 100000 --threads "$threads" --out "$out/figure6.csv"
  if [[ ! -s "$out/figure7.csv" ]]; then
    local model="$out/figure7-model.bin"
    [[ -s "$model" ]] ||
      "$bin" train --train "$www/train.txt" --test "$www/test.txt" "${paper[@]}" \
        --optimizer adam:lr=1e-3,wd=1e-2 --epochs "$epochs" --threads "$threads" --quiet \
        --sampler dns:m=5,n=200,scale=sum --save "$model" >"$out/figure7-model.out"
    "$bin" simulate sampler --load "$model" --train "$www/train.txt" --user 0 --draws 20000 \
      --sampler uniform:k=1 --sampler dns:m=1,n=200 --sampler dns:m=5,n=200 \
      --sampler dns:m=20,n=200 --sampler dns:m=5,n=50 --sampler softmax-v:rho=0.1,n=200 \
      --sampler softmax-v:rho=1,n=200 --sampler softmax-v:rho=10,n=200 --out "$out/figure7-full.csv"
    thin_figure7 "$out/figure7-full.csv" >"$out/figure7.csv.tmp"
    mv "$out/figure7.csv.tmp" "$out/figure7.csv"
  fi
}

groups=("$@")
[[ ${#groups[@]} -gt 0 ]] || groups=(table sweep-m sweep-rho sweep-n baselines baselines-wd excluding-seen gowalla figures)
for g in "${groups[@]}"; do
  "group_${g//-/_}"
done
echo "done: $out (now run /usr/bin/python3 scripts/reproduce/plot_hard_negatives.py $out)"
