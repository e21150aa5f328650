#!/usr/bin/env bash
# Build cost: a clean build of the library with each TLS backend, and a rebuild
# after the spec changes. Each clean build uses its own target directory, so
# nothing is shared between them; run it on an otherwise idle machine.
#
#   benches/build-cost.sh            (about 5 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
root=target/build-cost
mkdir -p "$root"

seconds() { python3 -c 'import sys,time; print(f"{time.time():.3f}")'; }

printf '| build | seconds | crates compiled |\n|---|---|---|\n'
for backend in tls-aws-lc tls-ring native-tls; do
  dir="$root/$backend"
  rm -rf "$dir"
  start=$(seconds)
  log=$(CARGO_TARGET_DIR="$dir" cargo build --lib --no-default-features --features "$backend" 2>&1)
  end=$(seconds)
  crates=$(grep -c '^ *Compiling' <<<"$log" || true)
  printf '| clean build, %s | %.1f | %s |\n' "$backend" "$(python3 -c "print($end-$start)")" "$crates"
done

# A spec edit: the build script reruns, regenerates, and the crate recompiles.
dir="$root/tls-aws-lc"
touch openapi/whatsapp-wab-api.yaml
start=$(seconds)
CARGO_TARGET_DIR="$dir" cargo build --lib --no-default-features --features tls-aws-lc >/dev/null 2>&1
end=$(seconds)
printf '| rebuild after a spec edit, tls-aws-lc | %.1f | 1 |\n' "$(python3 -c "print($end-$start)")"
