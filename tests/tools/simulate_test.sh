#!/usr/bin/env bash
# `hardneg simulate opauc | sampler` (docs/theory.md): CSV headers and row
# counts, thread-count independence, the single- and multi-sampler forms, and
# errors. Usage: simulate_test.sh HARDNEG_TOOL. Prints "N passed, M failed".
set -u
tool="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAILED: $*" >&2; }
check() { local name="$1"; shift; if "$@"; then ok; else bad "$name"; fi; }
not() { ! "$@"; }

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

# ---------------------------------------------------------------- opauc ----
expect_ok opauc '"peak_correlation": 0\.[0-9]+' -- \
  "$tool" simulate opauc --pos 200 --neg 800 --trials 2000 --betas 20 --out "$work/opauc.csv"
check "opauc header" [ "$(head -1 "$work/opauc.csv")" = \
  "beta,recall@5,recall@10,recall@20,recall@50,precision@5,precision@10,precision@20,precision@50,ndcg@5,ndcg@10,ndcg@20,ndcg@50" ]
check "opauc rows: a header and 20 betas" [ "$(wc -l <"$work/opauc.csv")" -eq 21 ]
check "opauc: the grid runs from 1/N- to 1" [ "$(sed -n 2p "$work/opauc.csv" | cut -d, -f1)" = "0.00125" ]
check "opauc: last beta is 1" [ "$(tail -1 "$work/opauc.csv" | cut -d, -f1)" = "1" ]
check "opauc: 13 columns on every row" [ "$(awk -F, '{print NF}' "$work/opauc.csv" | sort -u)" = "13" ]
# Every correlation lies in [-1, 1]; recall@K and precision@K coincide (same hit count).
check "opauc: correlations in [-1, 1]" awk -F, 'NR > 1 { for (i = 2; i <= NF; i++) if ($i < -1 || $i > 1) exit 1 }' "$work/opauc.csv"
check "opauc: recall@5 = precision@5" awk -F, 'NR > 1 { d = $2 - $6; if (d > 1e-9 || d < -1e-9) exit 1 }' "$work/opauc.csv"

"$tool" simulate opauc --pos 30 --neg 100 --trials 1500 --k 3,7 --betas 6 --threads 1 --out "$work/t1.csv" >/dev/null 2>&1
"$tool" simulate opauc --pos 30 --neg 100 --trials 1500 --k 3,7 --betas 6 --threads 2 --out "$work/t2.csv" >/dev/null 2>&1
check "opauc --k 3,7 header" [ "$(head -1 "$work/t1.csv")" = "beta,recall@3,recall@7,precision@3,precision@7,ndcg@3,ndcg@7" ]
check "opauc --betas 6 rows" [ "$(wc -l <"$work/t1.csv")" -eq 7 ]
check "opauc: same CSV with 1 and 2 threads" cmp -s "$work/t1.csv" "$work/t2.csv"
"$tool" simulate opauc --pos 30 --neg 100 --trials 1500 --k 3,7 --betas 6 --seed 2 --out "$work/t3.csv" >/dev/null 2>&1
check "opauc: another seed gives another CSV" not cmp -s "$work/t1.csv" "$work/t3.csv"

expect_fail opauc-one-trial "trials" -- "$tool" simulate opauc --trials 1 --out "$work/x.csv"
expect_fail opauc-bad-k "K must be at least 1" -- "$tool" simulate opauc --trials 10 --k 0 --out "$work/x.csv"
expect_fail opauc-no-out "--out" -- "$tool" simulate opauc --trials 10
expect_fail opauc-unwritable "nope/x.csv" -- "$tool" simulate opauc --trials 10 --out "$work/nope/x.csv"
expect_fail simulate-needs-subcommand "opauc|sampler|subcommand" -- "$tool" simulate

# -------------------------------------------------------------- sampler ----
"$tool" train --synthetic tiny --epochs 3 --quiet --save "$work/model.bin" >/dev/null 2>"$work/err" ||
  { bad "train --save for the sampler tests"; cat "$work/err" >&2; }
common=(--synthetic tiny --load "$work/model.bin" --user 3 --draws 2000)

expect_ok sampler '"negatives": [0-9]+' -- \
  "$tool" simulate sampler "${common[@]}" --sampler uniform:k=1 --out "$work/uniform.csv"
negatives="$(grep -oE '"negatives": [0-9]+' <<<"$("$tool" simulate sampler "${common[@]}" --sampler uniform:k=1 \
  --out "$work/uniform.csv")" | grep -oE '[0-9]+$')"
check "sampler header" [ "$(head -1 "$work/uniform.csv")" = "rank,item,score,probability,cumulative" ]
check "sampler rows: a header and one per negative ($negatives)" [ "$(wc -l <"$work/uniform.csv")" -eq $((negatives + 1)) ]
check "sampler: ranks 1..n" awk -F, 'NR > 1 && $1 != NR - 1 { exit 1 }' "$work/uniform.csv"
check "sampler: scores descend" awk -F, 'NR > 2 && $3 > prev { exit 1 } NR > 1 { prev = $3 }' "$work/uniform.csv"
check "sampler: cumulative ends at 1" awk -F, 'END { d = $5 - 1; exit !(d < 1e-9 && d > -1e-9) }' "$work/uniform.csv"
check "sampler: probabilities sum to 1" awk -F, 'NR > 1 { s += $4 } END { d = s - 1; exit !(d < 1e-6 && d > -1e-6) }' "$work/uniform.csv"
expect_ok sampler-outside '"outside": 0(\.0)?[,}]?$' -- \
  "$tool" simulate sampler "${common[@]}" --sampler uniform:k=1 --out "$work/uniform2.csv"
check "sampler: same seed, same CSV" cmp -s "$work/uniform.csv" "$work/uniform2.csv"

# Several samplers: one probability/cumulative pair per sampler; each block
# equals that sampler's single run (every sampler starts from the same seed).
expect_ok sampler-several '"sampler": "popularity"' -- \
  "$tool" simulate sampler "${common[@]}" --sampler uniform:k=1 --sampler popularity --out "$work/both.csv"
check "several samplers header" [ "$(head -1 "$work/both.csv")" = \
  "rank,item,score,probability(uniform:k=1),cumulative(uniform:k=1),probability(popularity),cumulative(popularity)" ]
check "several samplers rows" [ "$(wc -l <"$work/both.csv")" -eq $((negatives + 1)) ]
check "several samplers: the uniform block equals the single run" \
  cmp -s <(tail -n +2 "$work/both.csv" | cut -d, -f1-5) <(tail -n +2 "$work/uniform.csv")
"$tool" simulate sampler "${common[@]}" --sampler popularity:k=2,alpha=1 --sampler uniform:k=1 \
  --out "$work/quoted.csv" >/dev/null 2>&1
check "a sampler name with a comma is quoted" \
  grep -qF 'rank,item,score,"probability(popularity:k=2,alpha=1)","cumulative(popularity:k=2,alpha=1)",probability(uniform:k=1)' "$work/quoted.csv"
expect_ok sampler-positive '"positive": "0"' -- \
  "$tool" simulate sampler "${common[@]}" --positive 0 --sampler uniform:k=1 --out "$work/p.csv"

expect_fail sampler-unknown-user "not a user" -- \
  "$tool" simulate sampler --synthetic tiny --load "$work/model.bin" --user 99999 --sampler uniform:k=1 --out "$work/x.csv"
expect_fail sampler-unknown-item "not an item" -- \
  "$tool" simulate sampler "${common[@]}" --positive 99999 --sampler uniform:k=1 --out "$work/x.csv"
expect_fail sampler-unknown "not a sampler" -- \
  "$tool" simulate sampler "${common[@]}" --sampler nope --out "$work/x.csv"
expect_fail sampler-unknown-key "unknown key 'q'" -- \
  "$tool" simulate sampler "${common[@]}" --sampler uniform:q=1 --out "$work/x.csv"
expect_fail sampler-no-sampler "--sampler" -- "$tool" simulate sampler "${common[@]}" --out "$work/x.csv"
expect_fail sampler-missing-model "missing.bin" -- \
  "$tool" simulate sampler --synthetic tiny --load "$work/missing.bin" --user 3 --sampler uniform:k=1 --out "$work/x.csv"

# Hard samplers, when the tool has them: DNS(M, N) draws higher-ranked
# negatives than uniform sampling, and smaller M draws higher still.
if "$tool" simulate sampler "${common[@]}" --sampler dns:m=5,n=50 --out "$work/dns.csv" >"$work/dns.json" 2>/dev/null; then
  mean_rank() { grep -oE '"mean_rank": [0-9.e+-]+' "$1" | grep -oE '[0-9.e+-]+$'; }
  "$tool" simulate sampler "${common[@]}" --sampler dns:m=1,n=50 --out "$work/dns1.csv" >"$work/dns1.json" 2>/dev/null
  "$tool" simulate sampler "${common[@]}" --sampler uniform:k=1 --out "$work/u.csv" >"$work/u.json" 2>/dev/null
  check "dns: rows" [ "$(wc -l <"$work/dns.csv")" -eq $((negatives + 1)) ]
  check "dns draws harder negatives than uniform" \
    awk -v a="$(mean_rank "$work/dns.json")" -v b="$(mean_rank "$work/u.json")" 'BEGIN { exit !(a < b) }'
  check "dns m=1 draws harder negatives than m=5" \
    awk -v a="$(mean_rank "$work/dns1.json")" -v b="$(mean_rank "$work/dns.json")" 'BEGIN { exit !(a < b) }'
else
  echo "note: the tool has no dns sampler yet; its checks are skipped" >&2
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
