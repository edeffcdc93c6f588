#!/usr/bin/env python3
"""Runs benchmark commands side by side, in interleaved rounds, and reports medians.

    python3 bench/measure.py --rounds 3 --bytes B --items N --ref NAME NAME=COMMAND ...

Each command runs under `sh -c` with output discarded. CPU time (user+sys of the command
and its children) and peak RSS come from wait4(); MB/s and items/s are computed on CPU
time, which a shared, noisy machine disturbs less than wall time. Ratios are to --ref.
"""
import argparse, json, os, statistics, subprocess, time

def run(cmd):
    t0 = time.monotonic()
    p = subprocess.Popen(["sh", "-c", cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--bytes", type=int, required=True)
    ap.add_argument("--items", type=int, required=True)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--title", default="")
    ap.add_argument("--json", help="also write the medians to this file")
    ap.add_argument("cmds", nargs="+")
    a = ap.parse_args()
    cmds = [c.split("=", 1) for c in a.cmds]
    res = {n: [] for n, _ in cmds}
    for _ in range(a.rounds):
        for n, c in cmds:
            res[n].append(run(c))
    med = {n: (statistics.median(x[0] for x in r), statistics.median(x[1] for x in r), max(x[2] for x in r), max(x[3] for x in r)) for n, r in res.items()}
    ref_cpu = med[a.ref][1]
    if a.json:
        with open(a.json, "w") as f:
            json.dump({n: {"wall": w, "cpu": c, "rss": r, "exit": x} for n, (w, c, r, x) in med.items()}, f)
    if a.title: print("\n### " + a.title)
    print("\n%d bytes (%.1f MB), %d items, %d rounds, medians\n" % (a.bytes, a.bytes / 1e6, a.items, a.rounds))
    print("| command | wall s | CPU s | MB/s (CPU) | items/s (CPU) | peak RSS MB | CPU vs %s | exit |" % a.ref)
    print("|---|---|---|---|---|---|---|---|")
    for n, _ in cmds:
        w, c, rss, code = med[n]
        print("| %s | %.2f | %.2f | %.1f | %.0f | %.1f | %.2fx | %d |" % (n, w, c, a.bytes / 1e6 / c, a.items / c, rss, c / ref_cpu, code))

if __name__ == "__main__":
    main()
