"""Prints the side-by-side tables of a `bench/compare.sh` results folder: ms per step of flowppl,
NumPyro (per-step loop and fused loop) and Pyro with the ratios (peer / flowppl: above 1 means
flowppl is faster), the quality figure of each (so speed never hides a worse answer), peak
memory per task process, and the end-to-end seconds.
Usage: python3 bench/compare.py RESULTS_DIR"""
import json
import os
import sys

folder = sys.argv[1]


def load(name):
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        return []
    return [json.loads(l) for l in open(path) if l.strip().startswith("{")]


def by_task(rows, keep=lambda r: True):
    table = {}
    for r in rows:
        if keep(r) and "error" not in r:
            table.setdefault(r["task"], r)
    return table


flowppl = by_task(load("flowppl.jsonl"))
numpyro = by_task(load("numpyro.jsonl"))
pyro_rows = load("pyro.jsonl")
pyro = by_task(pyro_rows, lambda r: r.get("framework") == "pyro" and "jit" not in str(r.get("elbo_impl", "")).lower())
zuko = by_task(pyro_rows, lambda r: r.get("framework") == "zuko")


def number(x, digits=3):
    if x is None:
        return "–"
    return f"{x:.1f}" if abs(x) >= 100 else f"{x:.{digits}g}"


def quality(r):
    if r is None:
        return "–"
    t, g = r["task"], r.get
    if t in ("T1", "T2"):
        return f"ELBO {number(g('elbo_1000'))}, RMSE {number(g('mean_rmse_vs_nuts'), 2)}, sd ratio {number(g('sd_ratio_mean_vs_nuts'))}"
    if t.startswith("T3"):
        return "KL " + number(g("kl_q_p")) + " (" + ", ".join(f"{x['kl_q_p']:.3f}" for x in r["runs"]) + ")"
    if t == "T4":
        return f"test loglik {number(g('test_mean_loglik'))}"
    if t == "T5":
        return f"test NLL {number(g('test_nll_iwae_k1000'), 4)}"
    if t.startswith("T6"):
        return f"ELBO {number(g('elbo_1000'))}, tau {number(g('tau_mean'))}±{number(g('tau_sd'))}"
    return ""


def ratio(peer, ours):
    if peer is None or ours is None or ours <= 0:
        return "–"
    return f"{peer / ours:.1f}x"


def ms(r, key="ms_per_step"):
    return None if r is None else r.get(key)


def rss(r):
    return "–" if r is None or "peak_rss_mb_process" not in r else f"{r['peak_rss_mb_process']:.0f}"


tasks = list(flowppl) + [t for t in list(numpyro) + list(pyro) if t not in flowppl]
print("## ms per optimizer step (median over seeds; ratio = peer / flowppl)\n")
print("| task | flowppl | NumPyro loop | NumPyro fused | Pyro | vs NumPyro loop | vs NumPyro fused | vs Pyro |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for t in tasks:
    f, n, p = flowppl.get(t), numpyro.get(t), pyro.get(t)
    fused = ms(n, "ms_per_step_fused_foriloop")
    print(f"| {t} | {number(ms(f))} | {number(ms(n))} | {number(fused)} | {number(ms(p))} | "
          f"{ratio(ms(n), ms(f))} | {ratio(fused, ms(f))} | {ratio(ms(p), ms(f))} |")
print("\n## quality (medians) and peak memory of each task's process (MB)\n")
print("| task | flowppl | NumPyro | Pyro | RSS flowppl | RSS NumPyro | RSS Pyro |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for t in tasks:
    f, n, p = flowppl.get(t), numpyro.get(t), pyro.get(t)
    print(f"| {t} | {quality(f)} | {quality(n)} | {quality(p)} | {rss(f)} | {rss(n)} | {rss(p)} |")
if zuko:
    for t, z in zuko.items():
        print(f"\nzuko {t}: {number(ms(z))} ms/step, {quality(z)}")
e2e = load("e2e.jsonl")
if e2e:
    seconds = {(r["framework"], r["task"]): r["e2e_seconds"] for r in e2e}
    print("\n## end to end: process start to printed summary (seconds; ratio = peer / flowppl)\n")
    print("| task | flowppl | NumPyro | Pyro | vs NumPyro | vs Pyro |")
    print("| --- | --- | --- | --- | --- | --- |")
    for t in ("T1", "T2", "T6"):
        f = seconds.get(("flowppl", t))
        n, p = seconds.get(("numpyro", t)), seconds.get(("pyro", t))
        if f is None:
            continue
        print(f"| {t} | {number(f)} | {number(n)} | {number(p)} | {ratio(n, f)} | {ratio(p, f)} |")
machine = os.path.join(folder, "machine.txt")
if os.path.exists(machine):
    print("\n" + "".join("    " + l for l in open(machine)))
