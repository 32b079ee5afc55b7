#!/usr/bin/env bash
# Table 1's Fashion-MNIST row (docs/results/fmnist-row/): stage-1 CE of the ρ = 0.01 cell, the
# fine-tune lr chosen on validation only (seed 0, three rates), then the grid of four ρ × three
# seeds × CE, AEGL and the CE fine-tune control. Every phase resumes: run it again after a stop.
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR=/tmp
V=500
ROOT=runs/fmnist-row
CLI="node bin/aegl-gpu.js"
DOCS=docs/results/fmnist-row
# A fresh clone continues the row: the finished (dataset, ρ, seed) groups committed under
# $DOCS/cells (their result, predictions, metrics and config; no checkpoints) count as done.
if [ -d $DOCS/cells ]; then mkdir -p $ROOT && cp -rn $DOCS/cells/. $ROOT/; fi
# A: stage-1 CE of the ρ = 0.01 cell, three seeds.
$CLI sweep --dataset fmnist --imbalance 0.01 --seeds 0,1,2 --methods ce --val-per-class $V --out $ROOT
# B: the fine-tune lr chosen on validation: seed 0's stage 1, AEGL at three lrs, 3 epochs each.
S1=$ROOT/fmnist-0.01/s0/ce
for lr in 1e-3 1e-4 1e-5; do
  d=runs/fmnist-lr/aegl-lr$lr
  if [ -f $DOCS/lr-choice/aegl-lr$lr/result.json ] || [ -f $d/result.json ]; then continue; fi
  if [ -f $d/resume.safetensors ]; then $CLI train --resume $d; else rm -rf $d; $CLI train --method aegl --init $S1/best.safetensors --subset $S1/subset.json --val-per-class $V --lr $lr --epochs 3 --out $d; fi
done
LR=$(node -e '
  const fs = require("fs");
  let best = null;
  for (const lr of ["1e-3", "1e-4", "1e-5"]) {
    const dir = [`runs/fmnist-lr/aegl-lr${lr}`, `docs/results/fmnist-row/lr-choice/aegl-lr${lr}`].find((d) => fs.existsSync(`${d}/result.json`));
    const r = JSON.parse(fs.readFileSync(`${dir}/result.json`, "utf8"));
    const v = r.selections["val-selected"];
    console.error(`lr ${lr}: val-selected epoch ${v.epoch}, val top-1 ${v.val.top1.toFixed(2)}`);
    if (!best || v.val.top1 > best.val) best = { lr, val: v.val.top1 };
  }
  console.log(best.lr);')
echo "chosen on validation: lr $LR" | tee runs/fmnist-lr/chosen.txt
# C: the row: four ρ × three seeds × CE, AEGL, control.
$CLI sweep --dataset fmnist --imbalance 0.01,0.02,0.05,0.1 --seeds 0,1,2 --methods ce,aegl,control --aegl-lr $LR --aegl-epochs 3 --val-per-class $V --out $ROOT
# D: what to commit: the summaries, and each finished group's cells without checkpoints.
cp $ROOT/summary.md $ROOT/summary.json $ROOT/summary.csv $DOCS/
for group in $ROOT/fmnist-*/s*; do
  [ -f $group/ce/result.json ] && [ -f $group/aegl/result.json ] && [ -f $group/control/result.json ] || continue
  for cell in $group/ce $group/aegl $group/control; do
    dest=$DOCS/cells/${cell#$ROOT/}
    mkdir -p $dest && cp $cell/config.json $cell/metrics.jsonl $cell/result.json $cell/predictions.json $dest/
  done
done
