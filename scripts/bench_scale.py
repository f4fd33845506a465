#!/usr/bin/env python3
"""`make bench-scale`: needmap on synthetic datasets from 1x the district to England.

For each size it generates the dataset once (cached under TARGET/synth/, keyed
by size, seed and a hash of the generator), then runs, BENCH_REPEAT times each,
  needmap check
  needmap report --level ward
  needmap gaps --level ward --category gp
  needmap serve (until it prints its listening line, then killed)
each from scratch (--no-cache), and check and serve start-up again from the built-engine cache
and, when geopandas is importable, scripts/geopandas_ward_report.py (the same
ward report: LSOA -> ward overlay by area share, population-weighted means).
It prints the medians of wall time, CPU (user + sys, from wait4) and peak
RSS, the log-log slope of CPU against the number of LSOAs, and the needmap /
geopandas CPU ratio of the ward report.

Usage: bench_scale.py NEEDMAP SYNTH TARGET_DIR
Environment: BENCH_SIZES (default "1x 4x 16x 64x england"), BENCH_SEED (1),
BENCH_REPEAT (3), BENCH_OAS=1 (add OAs to every size), BENCH_GEOPANDAS=0 (skip).
"""

import hashlib
import math
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(argv, env=None, until=None):
    """Run argv; return (wall s, cpu s, peak RSS MiB). With `until`, stop the
    process (SIGKILL) as soon as a line of its stdout contains that text, and
    take the wall time at that line."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE if until else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    wall = None
    if until:
        for line in proc.stdout:
            if until in line.decode(errors="replace"):
                wall = time.perf_counter() - start
                proc.kill()
                break
        proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if wall is None:
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"bench-scale: {' '.join(argv)} exited with {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def median_run(argv, repeat, env=None, until=None):
    runs = [run(argv, env, until) for _ in range(repeat)]
    return tuple(statistics.median(r[k] for r in runs) for k in range(3))


def dataset(synth, target, size, seed, oas):
    """The cached dataset folder for this size, seed and generator."""
    h = hashlib.sha256()
    for name in ("generate.rs", "main.rs"):
        with open(os.path.join(ROOT, "examples", "synth", name), "rb") as f:
            h.update(f.read())
    key = f"{size}-seed{seed}{'-oas' if oas else ''}-{h.hexdigest()[:10]}"
    folder = os.path.join(target, "synth", key)
    done = os.path.join(folder, ".complete")
    if not os.path.exists(done):
        argv = [synth, size, folder, "--seed", str(seed)] + (["--oas"] if oas else [])
        print(f"generating {key} ...", flush=True)
        subprocess.run(argv, check=True)
        open(done, "w").close()
    with open(os.path.join(folder, "lsoa.geojson"), "rb") as f:
        lsoas = sum(line.count(b'"Feature"') for line in f)
    return folder, lsoas


def slope(xs, ys):
    """Least-squares slope of log(y) against log(x)."""
    lx, ly = [math.log(x) for x in xs], [math.log(max(y, 1e-6)) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    den = sum((a - mx) ** 2 for a in lx)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / den if den else float("nan")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    needmap, synth, target = sys.argv[1:]
    sizes = os.environ.get("BENCH_SIZES", "1x 4x 16x 64x england").split()
    seed = int(os.environ.get("BENCH_SEED", "1"))
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    oas = os.environ.get("BENCH_OAS", "0") == "1"
    geopandas = os.environ.get("BENCH_GEOPANDAS", "1") != "0"
    if geopandas:
        try:
            import geopandas  # noqa: F401
        except ImportError:
            print("geopandas is not installed: no geopandas comparison (pip install geopandas)")
            geopandas = False

    # From scratch (`--no-cache`), then from the built-engine cache (warmed by one run first).
    cache_dir = os.path.join(target, "bench-scale-cache")
    cached = ["--cache-dir", cache_dir]
    tasks = [
        ("check", ["check", "--no-cache"], None),
        ("report ward", ["report", "--level", "ward", "--no-cache"], None),
        ("gaps ward gp", ["gaps", "--level", "ward", "--category", "gp", "--no-cache"], None),
        ("serve start", ["serve", "--addr", "127.0.0.1:0", "--no-cache"], "needmap serving on"),
        ("check cached", ["check"] + cached, None),
        ("serve cached", ["serve", "--addr", "127.0.0.1:0"] + cached, "needmap serving on"),
    ]
    rows = []  # (size, lsoas, task, wall, cpu, rss)
    for size in sizes:
        folder, lsoas = dataset(synth, target, size, seed, oas)
        env = dict(os.environ, NEEDMAP_DATA=folder, NEEDMAP_LOG="warn")
        run([needmap, "check", "--data", folder] + cached, env)  # warm the cache
        for name, args, until in tasks:
            w, c, m = median_run([needmap] + args + ["--data", folder], repeat, env, until)
            rows.append((size, lsoas, name, w, c, m))
            print(f"  {size:>8} {name:<14} wall {w:7.3f} s  cpu {c:7.3f} s  rss {m:7.1f} MiB", flush=True)
        if geopandas:
            out = os.path.join(folder, "geopandas_ward_report.csv")
            argv = [sys.executable, os.path.join(HERE, "geopandas_ward_report.py"), folder, out]
            w, c, m = median_run(argv, repeat)
            rows.append((size, lsoas, "geopandas ward", w, c, m))
            print(f"  {size:>8} {'geopandas ward':<14} wall {w:7.3f} s  cpu {c:7.3f} s  rss {m:7.1f} MiB", flush=True)

    print()
    print(f"medians of {repeat} run(s), seed {seed}{', with OAs' if oas else ''}")
    print(f"| size | LSOAs | command | wall s | CPU s | peak RSS MiB |")
    print(f"|---|---:|---|---:|---:|---:|")
    for size, lsoas, name, w, c, m in rows:
        print(f"| {size} | {lsoas} | {name} | {w:.3f} | {c:.3f} | {m:.0f} |")
    print()
    names = [t[0] for t in tasks] + (["geopandas ward"] if geopandas else [])
    for name in names:
        pts = [(r[1], r[4]) for r in rows if r[2] == name]
        if len(pts) >= 2:
            print(f"log-log slope of CPU against LSOAs, {name}: {slope(*zip(*pts)):.2f}")
    if geopandas:
        print()
        for size in sizes:
            ours = next(r[4] for r in rows if r[0] == size and r[2] == "report ward")
            theirs = next(r[4] for r in rows if r[0] == size and r[2] == "geopandas ward")
            print(f"CPU of needmap report --level ward against geopandas, {size}: {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
