#!/usr/bin/env bash
# Seconds per epoch of `hardneg train` for the configurations the issues set
# targets on (docs/results.md, "Training speed"): each configuration runs
# REPEATS times at 1 and at 2 threads, alternating, and the table shows the
# fastest and the median run (the host is shared: the minimum is the figure
# least disturbed by other work, the median how noisy the host was).
#
#   HARDNEG_DATA=../shared/data scripts/reproduce/epoch_times.sh [REPEATS]
#
# Environment: HARDNEG_DATA (required), HARDNEG_BIN (the tool; default
# build/release/tools/hardneg, built if missing), EPOCHS (per run, default 3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
: "${HARDNEG_DATA:?set HARDNEG_DATA to the folder holding gowalla/ and gowalla-www2023/}"
repeats="${1:-3}"
epochs="${EPOCHS:-3}"
source "$root/scripts/lib/reproduce.sh"
reproduce_setup "$root" "${TMPDIR:-/tmp}"

gowalla=(--train "$HARDNEG_DATA/gowalla/train.txt" --test "$HARDNEG_DATA/gowalla/test.txt")
www=(--train "$HARDNEG_DATA/gowalla-www2023/train.txt" --test "$HARDNEG_DATA/gowalla-www2023/test.txt"
     --allow-seen --optimizer adam:lr=1e-3 --dim 32 --batch 4096 --loss bpr)
configs=(
  "gowalla, uniform BPR, dim 64, batch 2048, lazy-adam|${gowalla[*]} --dim 64 --batch 2048 --sampler uniform:k=1 --optimizer lazy-adam:lr=1e-3"
  "gowalla, uniform BPR, dim 64, batch 2048, adam (dense)|${gowalla[*]} --dim 64 --batch 2048 --sampler uniform:k=1 --optimizer adam:lr=1e-3"
  "gowalla, uniform BPR, dim 32, batch 2048, sgd|${gowalla[*]} --dim 32 --batch 2048 --sampler uniform:k=1 --optimizer sgd:lr=0.05"
  "gowalla, uniform BPR, dim 64, batch 2048, sgd|${gowalla[*]} --dim 64 --batch 2048 --sampler uniform:k=1 --optimizer sgd:lr=0.05"
  "gowalla, BPR 5 negatives, dim 32, batch 4096, lazy-adam|${gowalla[*]} --dim 32 --batch 4096 --sampler uniform:k=5 --optimizer lazy-adam:lr=1e-3"
  "gowalla-www2023, DNS(5,200), adam|${www[*]} --sampler dns:m=5,n=200,scale=sum"
  "gowalla-www2023, Softmax-v(1,200), adam|${www[*]} --sampler softmax-v:rho=1,n=200"
)

# seconds LABEL_ARGS THREADS -> one seconds_per_epoch
seconds() {
  # shellcheck disable=SC2086  # the configuration's words are meant to split
  "$bin" train $1 --epochs "$epochs" --threads "$2" --quiet --k 20 |
    sed -n 's/.*"seconds_per_epoch": \([0-9.e+-]*\).*/\1/p'
}

# stats "x y z" -> "min median"
stats() { tr ' ' '\n' <<<"$1" | sort -g | awk '{v[NR]=$1} END {printf "%.3f %.3f", v[1], v[int((NR+1)/2)]}'; }

echo "| configuration | 1 thread: min / median s | 2 threads: min / median s | speed-up (min) |"
echo "|---|---|---|---|"
for c in "${configs[@]}"; do
  label="${c%%|*}" args="${c#*|}"
  one="" two=""
  for ((r = 0; r < repeats; ++r)); do
    one+="$(seconds "$args" 1) "
    two+="$(seconds "$args" 2) "
  done
  read -r one_min one_med <<<"$(stats "${one% }")"
  read -r two_min two_med <<<"$(stats "${two% }")"
  speedup=$(awk -v a="$one_min" -v b="$two_min" 'BEGIN {printf "%.2f", a / b}')
  echo "| $label | $one_min / $one_med | $two_min / $two_med | $speedup |"
done
