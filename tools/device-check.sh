#!/usr/bin/env bash
# The GPU check for a task lent a machine through the device tool (/work/.library/device/README.md):
# `aegl-gpu info`, `bench --quick`, and ResNet-32 on CIFAR-10-LT ρ = 0.01 for as many epochs as
# the time allows (resumable), with results in $OUT.
#
# That machine has no Node.js and takes at most 64 MiB per call, so the check travels in parts:
#   here:   tools/device-check.sh pack [--tiny]
#           builds .device/ (ignored): runtime/ (this machine's node; dist/ and the runtime node_modules,
#           Dawn for Linux x64 only, plus TypeScript's compiler for the bench; the Vulkan loader .deb),
#           test/ (the CIFAR-10 test batch)
#           and train/ (the train batches with only the ρ = 0.01 subset's pixels: tools/cifar-lt-pack.mjs),
#           and prints the device calls to make. --tiny: a 1/50 subset and 500 test images.
#   there:  tools/device-check.sh run [--minutes M] [--tiny]
#           unpacks the parts it was carried (they stay while the machine is warm), then does
#           whatever they allow and is not yet done: info and bench with the runtime, training once
#           the data is there too, for M minutes (default 6) before an interrupt that keeps the run
#           resumable: the next `run` continues it.
# Here, `OUT=/tmp/out tools/device-check.sh run --tiny --minutes 1` checks the whole path on lavapipe.
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=.device
ROOT=$DEV/root
RUN_DIR=$ROOT/runs/cifar10-lt-resnet32-ce
say() { echo "device-check: $*"; }
die() { echo "device-check: $*" >&2; exit 1; }

# The train command, the same here and there: the paper's CE baseline (200 epochs; the time budget cuts it).
train_args() {
  local subset=()
  [[ -f $ROOT/data/subset.json ]] && subset=(--subset "$ROOT/data/subset.json")
  echo train --dataset cifar10 --data-dir "$ROOT/data" --imbalance 0.01 "${subset[@]}" --out "$RUN_DIR"
}

pack() {
  local tiny=0
  [[ ${1:-} == --tiny ]] && tiny=1
  [[ -f dist/cli.js ]] || die "build first: npm run build"
  local cifar=../shared/data/cifar-10-batches-bin
  [[ -d $cifar ]] || die "$cifar: the CIFAR-10 copy beside the clone is missing"
  rm -rf "$DEV" && mkdir -p "$DEV/runtime" "$DEV/test" "$DEV/train" "$DEV/tmp"
  grep -qx '/.device/' .git/info/exclude 2>/dev/null || echo '/.device/' >>.git/info/exclude

  say "runtime: node $(node --version), dist, runtime modules (Dawn for linux-x64 only) and TypeScript's transpiler (the bench), libvulkan1"
  xz -T2 -6 -c "$(readlink -f "$(command -v node)")" >"$DEV/runtime/node.xz"
  local stage=$DEV/tmp/stage
  mkdir -p "$stage/node_modules/typescript/lib"
  cp -r dist "$stage/dist"
  for m in $(node -e 'console.log(Object.keys(require("./package.json").dependencies).join(" "))'); do
    cp -r "node_modules/$m" "$stage/node_modules/$m"
  done
  # Dawn's other platforms stay behind.
  find "$stage/node_modules/webgpu/dist" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
  # bench/ts-hooks.mjs transpiles the bench with TypeScript: its package file and compiler only.
  cp node_modules/typescript/package.json "$stage/node_modules/typescript/"
  cp node_modules/typescript/lib/typescript.js "$stage/node_modules/typescript/lib/"
  tar -C "$stage" -cf - dist node_modules | xz -T2 -6 >"$DEV/runtime/modules.tar.xz"
  local o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64)
  (cd "$DEV/runtime" && apt-get "${o[@]}" download libvulkan1 >/dev/null) || die "apt-get download libvulkan1 failed"

  say "data: CIFAR-10-LT ρ = 0.01 (LDAM-DRW's subset)"
  node bin/aegl-gpu.js data --dataset cifar10 --data-dir "$cifar" --imbalance 0.01 --out "$DEV/tmp" >/dev/null
  local subset=$DEV/tmp/subset.json test=()
  if ((tiny)); then
    # Every 50th image of each class's share: the same long tail, 1/50 of it.
    node -e '
      const f = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      let at = 0; const indices = [];
      f.counts = f.counts.map((n) => { const mine = f.indices.slice(at, at + n).filter((_, i) => i % 50 === 0); at += n; indices.push(...mine); return mine.length; });
      f.indices = indices;
      require("fs").writeFileSync(process.argv[1], JSON.stringify(f));' "$subset"
    cp "$subset" "$DEV/train/subset.json"
    test=(--test-records 500)
  fi
  node tools/cifar-lt-pack.mjs "$cifar" "$subset" "$DEV/tmp/cifar" "${test[@]}"
  xz -T2 -9 "$DEV/tmp/cifar/"*.bin
  mv "$DEV/tmp/cifar/test_batch.bin.xz" "$DEV/test/"
  mv "$DEV/tmp/cifar/"* "$DEV/train/"
  chmod -R u+w "$DEV"
  rm -rf "$DEV/tmp"

  local rt test_mb train_mb tree
  rt=$(du -sm "$DEV/runtime" | cut -f1) test_mb=$(du -sm "$DEV/test" | cut -f1) train_mb=$(du -sm "$DEV/train" | cut -f1)
  tree=$(git ls-files -z | du -cm --files0-from=- | tail -1 | cut -f1)
  say "sizes (MiB): runtime $rt, test $test_mb, train $train_mb, tracked tree $tree; at most 64 a call"
  if ((rt + test_mb + train_mb + tree < 64)); then
    say "one call:  run(command='bash tools/device-check.sh run', carry=['.device/runtime', '.device/test', '.device/train'])"
  else
    say "call 1:    run(command='bash tools/device-check.sh run', carry=['.device/runtime', '.device/test'])   (info, bench)"
    say "call 2, within 30 s (while the machine is warm):"
    say "           run(command='bash tools/device-check.sh run --minutes 7', carry=['.device/train'])   (training)"
  fi
}

# Unpacks each carried part once; a part unpacked by an earlier call on this (warm) machine stays.
unpack() {
  mkdir -p "$ROOT/data"
  if [[ -f $DEV/runtime/node.xz && ! -x $ROOT/node ]]; then
    xz -dc "$DEV/runtime/node.xz" >"$ROOT/node.tmp" && chmod +x "$ROOT/node.tmp" && mv "$ROOT/node.tmp" "$ROOT/node"
    # The device's copy of the tree has no node_modules (ignored paths do not travel); a
    # developer's checkout keeps its own, with the dev dependencies the runtime subset lacks.
    if [[ ! -d node_modules ]]; then
      rm -rf dist && xz -dc "$DEV/runtime/modules.tar.xz" | tar -xf -
    fi
    for f in "$DEV"/runtime/*.deb; do dpkg -x "$f" /; done
    ldconfig 2>/dev/null || true
  fi
  local f
  for f in "$DEV"/test/* "$DEV"/train/*; do
    [[ -e $f ]] || continue
    if [[ $f == *.xz ]]; then xz -dc "$f" >"$ROOT/data/$(basename "$f" .xz)"; else cp -f "$f" "$ROOT/data/"; fi
  done
}

run() {
  local minutes=6
  while (($#)); do
    case $1 in
      --minutes) minutes=$2; shift 2 ;;
      --tiny) shift ;; # the tiny data came with pack --tiny; kept for symmetry
      *) die "run: unknown option $1" ;;
    esac
  done
  : "${OUT:?set OUT to the folder for the results}"
  mkdir -p "$OUT" || die "cannot create OUT=$OUT"
  export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp} AEGL_CACHE_DIR=$ROOT/cache
  unpack
  local node=$ROOT/node
  [[ -x $node ]] || node=$(command -v node || true)
  [[ -n $node ]] || die "no runtime here: carry .device/runtime (this machine went cold since the first call?)"
  if [[ ! -d /usr/share/vulkan/icd.d && -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  fi
  "$node" bin/aegl-gpu.js info 2>&1 | tee "$OUT/info.txt"

  if [[ ! -f $ROOT/bench.done ]]; then
    "$node" bin/aegl-gpu.js bench --quick --no-tfjs --no-torch 2>&1 | tee "$OUT/bench.log"
    cp runs/bench/*.md "$OUT/bench.md" 2>/dev/null || true
    cp runs/bench/*.json "$OUT/bench.json" 2>/dev/null || true
    touch "$ROOT/bench.done"
  fi

  if [[ ! -f $ROOT/data/data_batch_5.bin || ! -f $ROOT/data/test_batch.bin ]]; then
    say "no training: the data has not all been carried yet (.device/test and .device/train)"
    return 0
  fi
  local args
  if [[ -f $RUN_DIR/config.json ]]; then args=(train --resume "$RUN_DIR"); else read -ra args <<<"$(train_args)"; fi
  say "training for at most $minutes min: ${args[*]}"
  # One SIGINT makes train save a resume point and exit (a second quits at once: --foreground, or
  # timeout would signal the whole process group too); the next `run` continues the same run.
  local status=0
  timeout --foreground --signal=INT --kill-after=120 "${minutes}m" "$node" bin/aegl-gpu.js "${args[@]}" 2>&1 | tee -a "$OUT/train.log" || status=$?
  for f in metrics.jsonl report.md result.json; do
    [[ -f $RUN_DIR/$f ]] && cp "$RUN_DIR/$f" "$OUT/$f"
  done
  local epochs=0
  [[ -f $RUN_DIR/metrics.jsonl ]] && epochs=$(wc -l <"$RUN_DIR/metrics.jsonl")
  say "train exited with status $status; $epochs epoch(s) recorded in $RUN_DIR" | tee -a "$OUT/train.log"
}

case ${1:-} in
  pack) shift; pack "$@" ;;
  run) shift; run "$@" ;;
  *) die "usage: tools/device-check.sh pack [--tiny] | run [--minutes M] [--tiny]" ;;
esac
