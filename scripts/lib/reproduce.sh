# Sourced by scripts/reproduce/*.sh: finds or builds the hardneg tool and runs
# resumable training runs, one JSON per run.
#
#   source scripts/lib/reproduce.sh      # sets $bin, $out (from HARDNEG_BIN, OUT)
#   reproduce_run NAME ARGS...           # hardneg train ARGS --metrics-out $out/NAME.json
#
# A run whose JSON exists is skipped, so an interrupted script resumes; the
# JSON appears only when the run finished (written as .tmp, then renamed).
# stdout (the result) and stderr (one progress line per epoch: follow a long
# run with tail -f) go to $out/NAME.out and $out/NAME.err.

reproduce_setup() {  # reproduce_setup ROOT DEFAULT_OUT
  local root="$1"
  bin="${HARDNEG_BIN:-$root/build/release/tools/hardneg}"
  out="${OUT:-$2}"
  if [[ ! -x "$bin" ]]; then
    cmake --preset release -S "$root" >/dev/null
    cmake --build "$root/build/release" --target hardneg_tool
  fi
  mkdir -p "$out"
}

reproduce_run() {
  local name="$1"
  shift
  local json="$out/$name.json"
  if [[ -s "$json" ]]; then
    echo "skip $name (exists)"
    return
  fi
  echo "run  $name: $*"
  "$bin" train "$@" --metrics-out "$json.tmp" >"$out/$name.out" 2>"$out/$name.err"
  mv "$json.tmp" "$json"
}
