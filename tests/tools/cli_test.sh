#!/usr/bin/env bash
# The hardneg tool's command-line contract (DESIGN.md): JSON results, errors
# that name the file, line and value, unknown keys listing the valid ones, and
# a save -> eval -> recommend round trip for every model, and --model mf being
# the default model. Prints "N passed, M failed".
set -u
tool="$1"
fixtures="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAILED: $*" >&2; }

# expect_ok NAME PATTERN -- CMD...: CMD succeeds and its stdout matches PATTERN.
expect_ok() {
  local name="$1" pattern="$2"; shift 3
  local out
  if out="$("$@" 2>"$work/err")" && grep -qE -- "$pattern" <<<"$out"; then ok; else
    bad "$name: expected success matching '$pattern'"; echo "$out" | head -20 >&2; cat "$work/err" >&2; fi
}
# expect_fail NAME PATTERN -- CMD...: CMD fails and its stderr matches PATTERN.
expect_fail() {
  local name="$1" pattern="$2"; shift 3
  if "$@" >"$work/out" 2>"$work/err"; then bad "$name: expected failure"; return; fi
  if grep -qE -- "$pattern" "$work/err"; then ok; else
    bad "$name: stderr does not match '$pattern'"; cat "$work/err" >&2; fi
}

expect_ok stats-lightgcn '"users": [0-9]+' -- \
  "$tool" stats --train "$fixtures/lightgcn_train.txt" --test "$fixtures/lightgcn_test.txt"
expect_ok stats-synthetic '"train": [0-9]+' -- "$tool" stats --synthetic tiny
expect_ok stats-csv '"items": [0-9]+' -- "$tool" stats --train "$fixtures/ratings.csv" --format csv --header

printf '0 1 2\n1 3 x4\n' >"$work/bad.txt"
expect_fail malformed-line "bad.txt:2:.*x4" -- "$tool" stats --train "$work/bad.txt"
printf '0 1 2\n1 -3\n' >"$work/neg.txt"
expect_fail negative-id "neg.txt:2:.*-3" -- "$tool" stats --train "$work/neg.txt"
: >"$work/empty.txt"
expect_fail empty-file "empty.txt" -- "$tool" stats --train "$work/empty.txt"
expect_fail missing-file "nope.txt" -- "$tool" stats --train "$work/nope.txt"
expect_fail unknown-option "--frobnicate" -- "$tool" train --synthetic tiny --frobnicate
expect_fail unknown-sampler-key "unknown key 'q'.*valid keys: k" -- \
  "$tool" train --synthetic tiny --sampler uniform:q=3 --epochs 1 --quiet
expect_fail unknown-loss "not a loss; valid: bpr" -- \
  "$tool" train --synthetic tiny --loss nope --epochs 1 --quiet
expect_fail bad-list "not a list of numbers" -- \
  "$tool" train --synthetic tiny --loss mml:margins=0.3/x --epochs 1 --quiet
expect_fail plateau-needs-early-stop "need --early-stop" -- \
  "$tool" train --synthetic tiny --plateau-reload --epochs 1 --quiet
# A learning rate that overfits at once: the plateaus decay it (0.05 -> 0.005)
# and the result reports them.
expect_ok plateau '"plateaus": [1-9]' -- \
  "$tool" train --synthetic tiny --optimizer lazy-adam:lr=0.05 --epochs 30 --eval-every 1 --quiet \
  --early-stop ndcg@20 --patience 3 --plateau-lr-factor 0.1 --min-lr 0.005 --plateau-reload
expect_ok mml-loss '"ndcg@20": 0\.[0-9]+' -- \
  "$tool" train --synthetic tiny --loss mml:margins=0.3/0.5,weights=0.5/0.5 --sampler uniform:k=4 --epochs 1 --quiet
expect_fail bad-number "not a number" -- \
  "$tool" train --synthetic tiny --optimizer adam:lr=fast --epochs 1 --quiet
expect_ok pair-order '"pair_order": "by-user"' -- \
  "$tool" train --synthetic tiny --pair-order by-user --epochs 1 --quiet
expect_fail bad-pair-order "--pair-order.*random" -- \
  "$tool" train --synthetic tiny --pair-order random --epochs 1 --quiet

# Train, save, then evaluate and recommend from the file.
common=(--synthetic tiny --k 10,20 --threads 2)
expect_ok train '"recall@20": 0\.[0-9]+' -- \
  "$tool" train "${common[@]}" --epochs 5 --optimizer lazy-adam:lr=0.01 --quiet \
  --save "$work/model.bin" --metrics-out "$work/metrics.json" --log-csv "$work/log.csv"
[ -s "$work/model.bin" ] && ok || bad "train --save wrote no model"
grep -q '"log"' "$work/metrics.json" && ok || bad "--metrics-out has no per-epoch log"
[ "$(wc -l <"$work/log.csv")" -eq 6 ] && ok || bad "--log-csv should have a header and 5 epochs"
trained="$(grep '"ndcg@20"' <<<"$("$tool" train "${common[@]}" --epochs 5 --optimizer lazy-adam:lr=0.01 --quiet)")"
evaluated="$(grep '"ndcg@20"' <<<"$("$tool" eval "${common[@]}" --load "$work/model.bin")")"
[ -n "$trained" ] && [ "$trained" = "$evaluated" ] && ok || bad "eval of the saved model differs: '$trained' vs '$evaluated'"
expect_ok recommend '"item"' -- "$tool" recommend --synthetic tiny --load "$work/model.bin" --user 3 --k 5
expect_fail recommend-unknown-user "not a user" -- \
  "$tool" recommend --synthetic tiny --load "$work/model.bin" --user 99999 --k 5
head -c 100 "$work/model.bin" >"$work/truncated.bin"
expect_fail truncated-model "truncated.bin" -- "$tool" eval "${common[@]}" --load "$work/truncated.bin"

# Every model: train -> save -> eval (same metrics) -> recommend -> simulate sampler.
for spec in mf:cosine=yes,dropout=0.1,init=xavier gmf:bias=no neumf:layers=2,dropout=0.1,activation=tanh \
            lightgcn:layers=2,ego_l2=1e-3 simplex simplex:aggregation=mean,g=0.5,history=shared; do
  name="${spec%%:*}"
  file="$work/$name.bin"
  trained="$(grep '"ndcg@20"' <<<"$("$tool" train "${common[@]}" --model "$spec" --epochs 2 \
             --optimizer adam:lr=0.01 --quiet --save "$file" 2>"$work/err")")"
  [ -n "$trained" ] && [ -s "$file" ] && ok || { bad "train --model $spec"; cat "$work/err" >&2; }
  evaluated="$(grep '"ndcg@20"' <<<"$("$tool" eval "${common[@]}" --load "$file" 2>"$work/err")")"
  [ -n "$trained" ] && [ "$trained" = "$evaluated" ] && ok ||
    { bad "eval of the saved $name model differs: '$trained' vs '$evaluated'"; cat "$work/err" >&2; }
  expect_ok "recommend-$name" '"item"' -- "$tool" recommend --synthetic tiny --load "$file" --user 3 --k 5
  expect_ok "simulate-$name" '"mean_rank"' -- "$tool" simulate sampler --synthetic tiny --load "$file" \
    --user 3 --sampler dns:m=2,n=20 --draws 50 --out "$work/sim-$name.csv"
done
expect_fail unknown-model "not a model; valid: mf, gmf, neumf, lightgcn, simplex" -- \
  "$tool" train --synthetic tiny --model svd --epochs 1 --quiet
expect_fail unknown-model-key "unknown key 'depth' for 'neumf'; valid keys: layers" -- \
  "$tool" train --synthetic tiny --model neumf:depth=2 --epochs 1 --quiet
expect_fail bad-model-value "key 'aggregation' has value 'max'; valid values: user_attention\|mean" -- \
  "$tool" train --synthetic tiny --model simplex:aggregation=max --epochs 1 --quiet
expect_fail model-check "--model 'mf:dropout=1': MF: user_dropout must be in" -- \
  "$tool" train --synthetic tiny --model mf:dropout=1 --epochs 1 --quiet
expect_fail lightgcn-ego-l2 "LightGCN: ego_l2 must be finite and >= 0, got -1" -- \
  "$tool" train --synthetic tiny --model lightgcn:ego_l2=-1 --epochs 1 --quiet
expect_fail sampler-model-mismatch "'aobpr' needs a model with user and item embedding tables.*not lightgcn" -- \
  "$tool" train --synthetic tiny --model lightgcn --sampler aobpr --epochs 1 --quiet
expect_fail simulate-sampler-model-mismatch "'kernel' needs a model with .*not neumf" -- \
  "$tool" simulate sampler --synthetic tiny --load "$work/neumf.bin" --user 3 --sampler kernel --out "$work/x.csv"
expect_fail lightgcn-other-graph "lightgcn.bin.*different graph" -- \
  "$tool" eval --synthetic tiny --data-seed 2 --load "$work/lightgcn.bin"

# --model mf (and its keys at their defaults) is the tool's MF of before: the
# same results and the same model file as no --model.
without_time() { grep -v 'seconds\|"model"'; }
reference="$("$tool" train "${common[@]}" --epochs 2 --quiet --save "$work/default.bin" | without_time)"
for spec in mf mf:cosine=no,dropout=0,init=normal; do
  [ -n "$reference" ] && [ "$reference" = "$("$tool" train "${common[@]}" --epochs 2 --quiet --model "$spec" \
    --save "$work/explicit.bin" | without_time)" ] && ok || bad "--model $spec differs from the default model"
  cmp -s "$work/default.bin" "$work/explicit.bin" && ok || bad "--model $spec saves a different model file"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
