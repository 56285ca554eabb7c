#!/usr/bin/env bash
# Side-by-side run of the task suite T1-T6 (shared/bench/TASKS.md): flowppl (`flowppl bench`)
# and, where the peers' Python environment exists (shared/bench/setup.sh makes it), NumPyro and
# Pyro with their own scripts, task by task in one run on this machine, each task in its own
# process with its peak resident memory; then the end-to-end user runs of T1, T2 and T6 (process
# start to printed summary). Prints a markdown table with ms/step, ratios and quality figures.
#
# Usage: bench/compare.sh [T1 T2 ...]        (default: all six)
# Environment: PEERS_DIR (default ../shared/bench beside the repository), PEERS_VENV (default
# $PEERS_DIR/.venv), SEEDS (default 0,1,2), PEERS=numpyro,pyro (which peers to run; empty for
# none), SKIP=pyro:T3,... (peer:task pairs to leave out; Pyro's T3 takes about 7 minutes),
# E2E=1 (0 skips the end-to-end runs), OUT (results folder; default
# bench/results/<date>). Nothing is overwritten: OUT must not exist yet.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
peers_dir=${PEERS_DIR:-$root/../shared/bench}
venv=${PEERS_VENV:-$peers_dir/.venv}
seeds=${SEEDS:-0,1,2}
peers=${PEERS-numpyro,pyro}
e2e=${E2E:-1}
out=${OUT:-$root/bench/results/$(date +%Y%m%d-%H%M%S)}
tasks=("$@")
[ ${#tasks[@]} -eq 0 ] && tasks=(T1 T2 T3 T4 T5 T6)
if [ -e "$out" ]; then echo "error: $out exists; choose another OUT" >&2; exit 2; fi
mkdir -p "$out"
# The suite's threading rule: two threads. flowppl splits its dense layers' matrix products over
# FLOWPPL_THREADS threads (its JSON lines report the count); its other matrix products stay on
# one thread (dfdx's rayon split is slower at these sizes on two cores).
export FLOWPPL_THREADS=${FLOWPPL_THREADS:-2}
export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2
export XLA_FLAGS=--xla_cpu_multi_thread_eigen=true
(cd "$root" && cargo build --release -q -p flowppl-cli)
flowppl=$root/target/release/flowppl
python=$venv/bin/python
have_peers=0
if [ -n "$peers" ] && [ -x "$python" ] && [ -f "$peers_dir/numpyro_tasks.py" ]; then
  have_peers=1
else
  echo "note: no peers' environment at $venv (run $peers_dir/setup.sh); flowppl only" >&2
fi
# rss.py runs a command, passes its JSON lines through with the process's peak RSS added.
rss="python3 $root/bench/rss.py"
{
  echo "machine: $(uname -srm), $(nproc) cores"
  grep -m1 "model name" /proc/cpuinfo 2>/dev/null || true
  echo "flowppl: $($flowppl --version), $(rustc --version)"
  [ $have_peers = 1 ] && "$python" -c "import numpyro, jax, pyro, torch; print('numpyro', numpyro.__version__, 'jax', jax.__version__, 'pyro', pyro.__version__, 'torch', torch.__version__)"
  date -u
} > "$out/machine.txt" 2>&1
cat "$out/machine.txt" >&2
for task in "${tasks[@]}"; do
  echo "== $task: flowppl" >&2
  $rss "$flowppl" bench "$task" --json --seeds "$seeds" >> "$out/flowppl.jsonl"
  if [ $have_peers = 1 ]; then
    for peer in ${peers//,/ }; do
      if [[ ",${SKIP:-}," == *",$peer:$task,"* ]]; then continue; fi
      echo "== $task: $peer" >&2
      (cd "$peers_dir" && $rss "$python" "${peer}_tasks.py" "$task" 2>> "$out/peers.stderr") \
        >> "$out/$peer.jsonl" || echo "warning: $peer $task failed (see peers.stderr)" >&2
    done
  fi
done
if [ "$e2e" = 1 ]; then
  # End to end as a user runs it: the task's steps, then a printed posterior summary.
  e2e_line() { # framework task seconds
    printf '{"framework": "%s", "task": "%s", "e2e_seconds": %s}\n' "$1" "$2" "$3" >> "$out/e2e.jsonl"
  }
  timed() { python3 -c 'import subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(round(time.perf_counter() - start, 3))' "$@"; }
  for task in T1 T2 T6; do
    case $task in
      T1) args=(fit logistic_regression --guide normal --init feasible --lr 0.01 --steps 3000) ;;
      T2) args=(fit logistic_regression --guide iaf --layers 2 --hidden 64,64 --lr 0.005 --steps 3000) ;;
      T6) args=(fit eight_schools_noncentered --guide normal --init feasible --lr 0.01 --steps 5000) ;;
    esac
    # As the peers' scripts: 1 particle, constant learning rate, 1000 posterior draws (flowppl
    # also computes k-hat and a log-evidence estimate from them).
    args+=(--particles 1 --decay 1 --draws 1000)
    echo "== e2e $task" >&2
    e2e_line flowppl "$task" "$(timed "$flowppl" "${args[@]}")"
    if [ $have_peers = 1 ]; then
      for peer in ${peers//,/ }; do
        e2e_line "$peer" "$task" "$(cd "$peers_dir" && timed "$python" "e2e_${peer}.py" "$task")"
      done
    fi
  done
fi
python3 "$root/bench/compare.py" "$out" | tee "$out/table.md"
