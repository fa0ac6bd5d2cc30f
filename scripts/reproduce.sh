#!/usr/bin/env bash
# The committed CPU reproduction, in one command:
#
#   scripts/reproduce.sh                  # ~85 min on 2 quiet cores (measured: 72 min sweep + 10 min convergence): sweep, report, ASH analysis -> reports/reproduction-cpu/
#
# 1. runs configs/paper/reproduction-cpu.yaml (nine activations x resnet20, wrn16-4 x Fashion-MNIST x 5 seeds)
#    into results/reproduction/reproduction-cpu/ (a finished job is not run again: re-running resumes);
# 2. writes the report (report.md, report.html, figures/*.svg, report.csv, runs.csv, report.tex, report.json)
#    into reports/reproduction-cpu/, compared with the paper's Table 2 by ranking and power (Fashion-MNIST stands
#    in for CIFAR-10, resnet20 for ResNet-164, wrn16-4 for WRN-28-10); the raw job folders stay in results/;
# 3. runs `ash analyze ash` on the trained ASH runs: ash-analysis.md and .json in the same folder;
# 4. runs configs/paper/convergence-cpu.yaml (ReLU, Swish, ASH x resnet20 x 5 seeds, 15 epochs: the convergence-
#    epoch claim, which 5 epochs cannot judge; ~10 min) and reports it into reports/reproduction-cpu/convergence/;
# 5. adds the segmentation and detection smokes' reports (reports/reproduction-cpu/smoke-*/) when their results
#    exist (the CI writes them to results/ci/smoke-segmentation and results/ci/smoke-detection).
#
# Arguments after the options go to `ash sweep` (e.g. a small variant to try the script:
#   RESULTS_DIR=/tmp/r REPORT_DIR=/tmp/r/report scripts/reproduce.sh --set train.epochs=1 --set data.trainLimit=200
#   --set 'grid.activation=[relu,ash]' --set 'grid.model=[resnet20]' --set 'seeds=[1,2]').
# Environment: RESULTS_DIR (default results/reproduction), REPORT_DIR (default reports/reproduction-cpu),
# SMOKE_RESULTS (default results/ci), SAMPLES (test images per ASH run for the analysis, default 256),
# JOBS (jobs at once, default: one per core).
set -euo pipefail
cd "$(dirname "$0")/.."

CONFIG=configs/paper/reproduction-cpu.yaml
CONVERGENCE_CONFIG=configs/paper/convergence-cpu.yaml
RESULTS_DIR=${RESULTS_DIR:-results/reproduction}
REPORT_DIR=${REPORT_DIR:-reports/reproduction-cpu}
SMOKE_RESULTS=${SMOKE_RESULTS:-results/ci}
SAMPLES=${SAMPLES:-256}
SWEEP_DIR="$RESULTS_DIR/reproduction-cpu"
# The paper's columns for our CPU-sized models, and our dataset standing in for Table 2's CIFAR-10.
PAPER_FLAGS=(--paper-dataset fashion-mnist --paper-model resnet20=resnet164,wrn16-4=wrn28-10)

ash() { node dist/cli/main.js "$@"; }

[ -f dist/cli/main.js ] || npm run build
ash doctor >/dev/null

echo "== 1/5 sweep $CONFIG -> $SWEEP_DIR" >&2
# Exit 1 means some job failed (after its retry): the report still shows every run, failures named, so go on
# and return that status at the end. Interrupted (130, 143) or bad input (2): stop here.
sweep_status=0
ash sweep "$CONFIG" --out "$RESULTS_DIR" ${JOBS:+--jobs "$JOBS"} --progress pretty "$@" || sweep_status=$?
if [ "$sweep_status" -ne 0 ] && [ "$sweep_status" -ne 1 ]; then exit "$sweep_status"; fi

echo "== 2/5 report -> $REPORT_DIR" >&2
# A fresh folder each time, so that nothing of an earlier report (a figure of a run since removed) lingers.
rm -rf "$REPORT_DIR"
mkdir -p "$REPORT_DIR"
ash report "$SWEEP_DIR" --out "$REPORT_DIR" "${PAPER_FLAGS[@]}"

echo "== 3/5 ash analyze ash -> $REPORT_DIR/ash-analysis.{md,json}" >&2
ash analyze ash "$SWEEP_DIR" --samples "$SAMPLES" --out "$REPORT_DIR"

echo "== 4/5 sweep $CONVERGENCE_CONFIG -> $RESULTS_DIR/convergence-cpu, report -> $REPORT_DIR/convergence" >&2
convergence_status=0
ash sweep "$CONVERGENCE_CONFIG" --out "$RESULTS_DIR" ${JOBS:+--jobs "$JOBS"} --progress pretty "$@" || convergence_status=$?
if [ "$convergence_status" -ne 0 ] && [ "$convergence_status" -ne 1 ]; then exit "$convergence_status"; fi
[ "$convergence_status" -eq 0 ] || sweep_status=$convergence_status
ash report "$RESULTS_DIR/convergence-cpu" --out "$REPORT_DIR/convergence" "${PAPER_FLAGS[@]}"

echo "== 5/5 smoke reports" >&2
for smoke in smoke-segmentation smoke-detection; do
  if [ -d "$SMOKE_RESULTS/$smoke" ]; then
    ash report "$SMOKE_RESULTS/$smoke" --out "$REPORT_DIR/$smoke"
  else
    echo "   $SMOKE_RESULTS/$smoke: no results, skipped (run: ash sweep configs/$smoke.yaml --out $SMOKE_RESULTS)" >&2
  fi
done

echo "done: $REPORT_DIR/report.md, report.html, runs.csv, ash-analysis.md" >&2
if [ "$sweep_status" -ne 0 ]; then echo "note: some jobs of the sweep failed (see the report)" >&2; fi
exit "$sweep_status"
