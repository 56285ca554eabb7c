#!/usr/bin/env python3
"""The posteriordb table: every zoo model with a reference posterior x guides normal, mvn, iaf,
nsf. Runs the release `flowppl` binary (build it first: cargo build --release -p flowppl-cli)
with --compare-reference --json and prints a markdown table of the mean |z| of the posterior
means, the mean sd ratio (fit sd / reference sd), the mean |ln sd ratio| (which, unlike the
mean ratio, does not let an over- and an under-estimate cancel), the PSIS k-hat and the
seconds.

Usage: python3 bench/posteriordb_table.py [--steps N] [--init laplace] [--guides normal,mvn,iaf,nsf]
       [--models a,b] > table.md
Models without a positive-definite mode (the centred eight schools) fall back to the prior median.
"""
import json
import math
import subprocess
import sys

MODELS = [
    "eight_schools_noncentered", "eight_schools_centered", "kidscore_interaction",
    "kilpisjarvi", "sblrc_blr", "nes2000", "low_dim_gauss_mix", "arK", "arma11",
    "garch11", "gp_regr", "gp_pois_regr", "hmm_example",
]


def main():
    args = sys.argv[1:]
    steps = args[args.index("--steps") + 1] if "--steps" in args else "5000"
    init = args[args.index("--init") + 1] if "--init" in args else "laplace"
    guides = (args[args.index("--guides") + 1] if "--guides" in args else "normal,mvn,iaf,nsf").split(",")
    models = (args[args.index("--models") + 1].split(",") if "--models" in args else MODELS)
    print("| model | guide | mean abs z | mean sd ratio | mean abs ln sd ratio | k-hat | seconds |")
    print("|---|---|---|---|---|---|---|")
    for model in models:
        for guide in guides:
            command = ["target/release/flowppl", "fit", model, "--guide", guide, "--steps", steps,
                       "--init", init, "--compare-reference", "--json", "--draws", "4000"]
            run = subprocess.run(command, capture_output=True, text=True)
            label = guide
            if run.returncode != 0 and "Laplace" in run.stderr:
                # No mode with positive-definite curvature (a funnel): start at the prior median.
                command[command.index("--init") + 1] = "median"
                run = subprocess.run(command, capture_output=True, text=True)
                label = f"{guide} (median init)"
            if run.returncode != 0:
                message = (run.stderr.strip().splitlines() or ["failed"])[-1][:80]
                print(f"| {model} | {label} | error: {message} | | | | |", flush=True)
                continue
            report = json.loads(run.stdout)
            rows = report["comparison"].values()
            z = sum(abs(r["z"]) for r in rows) / len(rows)
            ratio = sum(r["sd_ratio"] for r in rows) / len(rows)
            log_ratio = sum(abs(math.log(r["sd_ratio"])) for r in rows) / len(rows)
            print(f"| {model} | {label} | {z:.3f} | {ratio:.3f} | {log_ratio:.3f} | {report['psis_khat']:.2f} | "
                  f"{report['seconds']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
