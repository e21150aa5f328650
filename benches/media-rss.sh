#!/usr/bin/env bash
# Peak memory of the client streaming media: `wab media upload` and
# `wab media download` run as their own processes under /usr/bin/time -v,
# against `wab sandbox` in another process, for two file sizes.
#
#   benches/media-rss.sh [MiB...]     (default: 16 96; the sandbox takes at
#                                     most 100 MiB, WhatsApp's own limit)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(16 96); fi
cargo build --release --features cli --bin wab >/dev/null 2>&1
wab=target/release/wab
work=$(mktemp -d)
trap 'kill $sandbox_pid 2>/dev/null || true; rm -rf "$work"' EXIT

"$wab" --json sandbox --bind 127.0.0.1:0 >"$work/sandbox.json" 2>/dev/null &
sandbox_pid=$!
for _ in $(seq 1 100); do [ -s "$work/sandbox.json" ] && break; sleep 0.1; done
base=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["base_url"])' "$work/sandbox.json")
client=("$wab" --json --username sandbox --password sandbox --base-url "$base" --source 6421000001)

peak() { awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$1"; }

printf '| file | upload: peak RSS (MiB) | download: peak RSS (MiB) | seconds up / down |\n|---|---|---|---|\n'
for mib in "${sizes[@]}"; do
  head -c "$((mib * 1024 * 1024))" /dev/urandom >"$work/in.bin"
  t0=$(date +%s.%N)
  /usr/bin/time -v "${client[@]}" media upload --type application/octet-stream "$work/in.bin" \
    >"$work/up.json" 2>"$work/up.time" || { echo "upload of $mib MiB failed:" >&2; sed "/Command being timed/,\$d" "$work/up.time" >&2; exit 1; }
  t1=$(date +%s.%N)
  id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/up.json")
  /usr/bin/time -v "${client[@]}" media download "$id" -o "$work/out.bin" \
    >/dev/null 2>"$work/down.time" || { echo "download of $mib MiB failed:" >&2; sed "/Command being timed/,\$d" "$work/down.time" >&2; exit 1; }
  t2=$(date +%s.%N)
  cmp -s "$work/in.bin" "$work/out.bin" || { echo "round trip differs for $mib MiB" >&2; exit 1; }
  printf '| %s MiB | %s | %s | %.1f / %.1f |\n' "$mib" "$(peak "$work/up.time")" "$(peak "$work/down.time")" \
    "$(python3 -c "print($t1-$t0)")" "$(python3 -c "print($t2-$t1)")"
  rm -f "$work/in.bin" "$work/out.bin"
done
