"""Benchmark of the two editions (prints figures, asserts nothing): `python tests/bench_editions.py`.

In one run, so the ratios are comparable on a shared, noisy machine: after a warm-up build of both
editions, one chapter notebook is changed (a metadata key, so its Chinese twin changes too, as after
a re-execution), then
  - the English edition alone is rebuilt (``jupyter-book build .``, as the Makefile runs it), and
  - after a second change, both editions are rebuilt as ``make site`` does (the Chinese sources
    generated, then both books built side by side);
and the same for full builds from scratch (``_build`` removed). The chapter is restored at the end.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
JB = [PY, "-m", "shockbook.site.jupyterbook", "build", "--warningiserror", "--nitpick", "--keep-going", "--quiet"]
CHAPTER = ROOT / "chapters" / "01_shock.ipynb"


def run(cmds: list[list[str]]) -> float:
    """Seconds to run the commands side by side."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    procs = [subprocess.Popen(c, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for c in cmds]
    codes = [p.wait() for p in procs]
    if any(codes):
        raise SystemExit(f"a build failed: {codes}")
    return time.perf_counter() - t0


def english() -> float:
    return run([JB + ["."]])


def both() -> float:
    """As `make site`: the English book, and beside it the Chinese sources then the Chinese book."""
    return run([[PY, "-m", "shockbook.site.jupyterbook", "editions"]])


def touch(n: int) -> None:
    nb = json.loads(CHAPTER.read_text())
    nb["metadata"]["bench_edition"] = n
    CHAPTER.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def main() -> None:
    original = CHAPTER.read_text()
    try:
        for d in ("_build/html", "_build/jupyter_execute", "_build/.doctrees", "_build/zh"):
            shutil.rmtree(ROOT / d, ignore_errors=True)
        full_en = english()
        shutil.rmtree(ROOT / "_build", ignore_errors=True)
        full_both = both()
        ens, boths, zhs = [], [], []
        for i in range(3):  # alternated and repeated: the machine is shared, one sample is noise
            touch(10 * i + 1)
            ens.append(english())
            touch(10 * i + 2)
            boths.append(both())
            touch(10 * i + 3)  # the Chinese edition alone, to tell CPU contention from its own cost
            zhs.append(run([[PY, "-m", "shockbook.site.edition", "build"]]) + run([JB + ["zh", "--path-output", "_build/zh"]]))
        inc_en, inc_both, inc_zh = (statistics.median(x) for x in (ens, boths, zhs))
    finally:
        CHAPTER.write_text(original)
    load = os.getloadavg()[0]
    print(f"full build:   English {full_en:6.1f} s   both editions {full_both:6.1f} s   ratio {full_both / full_en:.2f}")
    print(f"one chapter (median of 3):  English {inc_en:6.1f} s   both editions {inc_both:6.1f} s   ratio {inc_both / inc_en:.2f}")
    print(f"one chapter, Chinese edition alone {inc_zh:6.1f} s (sources + build); load average {load:.1f} "
          f"on {os.cpu_count()} CPUs: with a free core for each book the ratio would be about "
          f"{max(inc_en, inc_zh) / inc_en:.2f}")


if __name__ == "__main__":
    main()
