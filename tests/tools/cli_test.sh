#!/usr/bin/env bash
# The hardneg tool's command-line contract (DESIGN.md): JSON results, errors
# that name the file, line and value, unknown keys listing the valid ones, and
# a save -> eval -> recommend round trip. Prints "N passed, M failed".
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
expect_ok mml-loss '"ndcg@20": 0\.[0-9]+' -- \
  "$tool" train --synthetic tiny --loss mml:margins=0.3/0.5,weights=0.5/0.5 --sampler uniform:k=4 --epochs 1 --quiet
expect_fail bad-number "not a number" -- \
  "$tool" train --synthetic tiny --optimizer adam:lr=fast --epochs 1 --quiet

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

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
