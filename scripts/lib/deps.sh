# Sourced by scripts/test.sh and scripts/quickstart.sh: installs the Debian
# packages hardneg builds with, when (and only when) one of them is missing.
#
#   source scripts/lib/deps.sh
#   hardneg_ensure_deps            # uses HARDNEG_DEBIAN_PACKAGES below

HARDNEG_DEBIAN_PACKAGES=(
  g++ cmake ninja-build                       # toolchain
  xtensor-dev libxsimd-dev librange-v3-dev    # the library's dependencies (xtl comes with xtensor-dev)
  catch2 libbenchmark-dev                     # tests, benchmarks
  libcli11-dev nlohmann-json3-dev libfmt-dev  # the hardneg tool and examples
)

hardneg_missing_packages() {
  local pkg
  for pkg in "${HARDNEG_DEBIAN_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      printf '%s\n' "$pkg"
    fi
  done
}

hardneg_ensure_deps() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "hardneg: not a Debian-like system; make sure these are installed: ${HARDNEG_DEBIAN_PACKAGES[*]}" >&2
    return 0
  fi
  local missing
  mapfile -t missing < <(hardneg_missing_packages)
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  echo "hardneg: installing missing packages: ${missing[*]}" >&2
  local sudo=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "hardneg: not root and no sudo; install these first: ${missing[*]}" >&2
      return 1
    fi
  fi
  "${sudo[@]}" apt-get -q update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends "${missing[@]}"
}
