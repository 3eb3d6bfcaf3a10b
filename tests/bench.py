"""Benchmark: prints figures, asserts nothing (`make bench`).

Runs in a temporary copy of the book so the working tree is left alone, and measures, in one
run so that ratios are comparable on a shared, noisy machine:
  - the bare papermill round trip (a one-cell notebook: kernel start, execute, save);
  - each chapter's execution with the book's runner (one process for all, as `make book` runs it);
  - a full build (every chapter executed, site built from scratch) and an empty book's build;
  - the PDF edition (time, pages, size);
  - a no-change rebuild, and a rebuild after one data file changed;
  - the test suite, as `make test` runs it (`make pytest`), and its ratio to the full build;
  - the size of each chapter page (HTML plus the figure data it embeds).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
JB = str(Path(PY).parent / "jupyter-book")


DRAW_ALL = """
import nbformat
from shockbook import paths
from shockbook.site import charts, edition, render
tr = edition.translator()
for stem in edition.chapter_stems():
    nb = nbformat.read(paths.CHAPTERS_DIR / f"{stem}.ipynb", as_version=4)
    zh = nbformat.from_dict(edition.translate_notebook(stem, tr))
    for book in (nb, zh):
        for spec in filter(None, map(render.chart_spec, render.glued(book).values())):
            charts.keyed_svg(spec, fresh=True)
"""


def timed(cmd: list[str], cwd: Path, env: dict, check: bool = True) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        tail = "\n".join(done.stdout.splitlines()[-15:])
        if check:
            raise SystemExit(f"{' '.join(cmd)} failed (exit {done.returncode}):\n{tail}")
        print(f"{' '.join(cmd)} exited {done.returncode}; its last lines:\n{tail}\n", file=sys.stderr)
    return time.perf_counter() - t0


def copy_book(dst: Path) -> None:
    """A clone of the committed book, as CI has it (the tests read git and npm's node_modules), with the
    npm assets this checkout already installed."""
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(dst)], check=True)
    # The files' times as here, so make sees the environment and the npm assets as installed (a fresh
    # clone's newer requirements.txt would reinstall this checkout's environment pointing at the copy).
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for rel in tracked:
        st = (ROOT / rel).stat()
        os.utime(dst / rel, ns=(st.st_atime_ns, st.st_mtime_ns))
    shutil.copytree(ROOT / "_assets", dst / "_assets")
    (dst / "node_modules").symlink_to(ROOT / "node_modules")


def main() -> None:
    import nbformat

    with tempfile.TemporaryDirectory(prefix="shockbook-bench-") as tmp:
        book = Path(tmp) / "book"
        copy_book(book)
        # The copy's package first; anything else on PYTHONPATH (a private package folder) is kept.
        others = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and Path(p).resolve() != ROOT]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(book), *others])}
        if (ROOT.parent / "shared").is_dir():  # ../shared beside the copy, as beside CI's clone
            (Path(tmp) / "shared").symlink_to(ROOT.parent / "shared")
        make = ["make", f"PY={PY}", f"VENV={Path(PY).parents[1]}"]  # the copy uses this environment
        rows = []

        nb = nbformat.v4.new_notebook()
        nb.cells.append(nbformat.v4.new_code_cell("1 + 1"))
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, Path(tmp) / "bare.ipynb")
        bare = min(timed([PY, "-m", "papermill", "--no-progress-bar", "-k", "python3", str(Path(tmp) / "bare.ipynb"),
                          str(Path(tmp) / "bare-out.ipynb")], book, env) for _ in range(3))
        rows.append(("bare papermill round trip (best of 3)", bare))

        # The full build as `make book` does it: one runner process executes every chapter (its
        # progress lines give each chapter's time), then the site is built from scratch.
        chapters = sorted(p.stem for p in (book / "chapters").glob("*.ipynb"))
        shutil.rmtree(book / "_build", ignore_errors=True)
        t0 = time.perf_counter()
        run = subprocess.run([PY, "-m", "shockbook", "run", "--force"], cwd=book, env=env, check=True,
                             capture_output=True, text=True)
        execute = time.perf_counter() - t0
        for line in run.stderr.splitlines():
            if " done in " in line:
                name, rest = line.split("] ", 1)[1].split(": done in ")
                rows.append((f"execute {name}", float(rest.split(" s")[0])))
        rows.append(("execute all chapters (one runner process)", execute))
        state = json.loads((book / "chapters" / "_run_state.json").read_text())
        reads = {stem: len(entry.get("data", {})) for stem, entry in sorted(state.items())}
        site = timed(make + ["site"], book, env)
        rows.append(("site build from scratch (make site)", site))
        full = execute + site
        rows.append(("full build: all chapters executed + site from scratch", full))
        # What keeping the drawings saves: each chart of both editions drawn afresh (the static copies a
        # clean build would otherwise draw; the title-fitting widths, about four a chart, come on top).
        rows.append(("drawing every chart of both editions afresh (kept, not in the build)",
                     timed([PY, "-c", DRAW_ALL], book, env)))
        # The PDF edition, printed from that site (make book does it after the site; timed apart so the
        # full-build ratio stays comparable with earlier runs).
        pdf_time = timed(make + ["pdf"], book, env)
        rows.append(("PDF edition (make pdf)", pdf_time))

        empty = Path(tmp) / "empty"
        empty.mkdir()
        (empty / "intro.md").write_text("# Empty\n\nAn empty book, for the baseline.\n")
        (empty / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
        (empty / "_config.yml").write_text("title: empty\nexecute:\n  execute_notebooks: 'off'\n")
        empty_build = timed([JB, "build", str(empty), "--quiet"], empty, env)
        rows.append(("empty book build", empty_build))

        nochange = timed(make + ["book"], book, env)
        rows.append(("no-change rebuild (make book)", nochange))

        # The suite on the untouched copy, as CI runs it (../shared beside it, the site built).
        t0 = time.perf_counter()  # exactly as `make test` runs the tests
        tests = subprocess.run(make + ["pytest"], cwd=book, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
        suite = time.perf_counter() - t0
        rows.append(("test suite (make pytest: units, nbval, browser)", suite))
        summary = [ln for ln in tests.stdout.splitlines() if ln.startswith(("FAILED", "ERROR")) or " in " in ln
                   and ("passed" in ln or "failed" in ln)]

        prices = book / "data" / "market" / "prices" / "NVDA.csv"
        lines = prices.read_text().splitlines(keepends=True)
        fields = lines[1].rstrip("\n").split(",")
        fields[-1] = str(int(fields[-1]) + 1)
        lines[1] = ",".join(fields) + "\n"
        prices.write_text("".join(lines))
        sys.path.insert(0, str(book))
        from shockbook.data import cache

        manifest_path = book / "data" / "market" / "manifest.json"
        manifest = json.loads(manifest_path.read_text())
        manifest["files"]["prices/NVDA.csv"]["sha256"] = cache.sha256_file(prices)
        manifest_path.write_bytes(cache.manifest_bytes(manifest))
        onechange = timed(make + ["book"], book, env)
        rows.append(("rebuild after NVDA.csv changed (make book)", onechange))


        print(f"{'measure':<58} {'seconds':>8}")
        for name, sec in rows:
            print(f"{name:<58} {sec:8.2f}")
        print()
        bound = 1.5 * (len(chapters) * bare + empty_build)
        print(f"full build {full:.1f} s vs 1.5 × ({len(chapters)} chapters × bare round trip + empty build) = {bound:.1f} s"
              f" → ratio {full / bound:.2f} ({'within' if full <= bound else 'OVER'} target)")
        print(f"no-change rebuild {nochange:.1f} s = {100 * nochange / full:.0f}% of the full build "
              f"({'within' if nochange <= 0.1 * full else 'OVER'} the 10% target)")
        print("test suite: " + "\n  ".join(summary[-60:] or [f"exit {tests.returncode}, no summary line"]))
        print(f"test suite {suite:.1f} s = {suite / full:.2f} × the full build "
              f"({'within' if suite <= 2.5 * full else 'OVER'} the 2.5× target)")
        from pypdf import PdfReader

        for label, name in (("English", "book.pdf"), ("Chinese", "book-zh.pdf")):
            book_pdf = book / "_build" / "pdf" / name
            if book_pdf.exists():
                print(f"PDF edition ({label}): {len(PdfReader(book_pdf).pages)} pages, "
                      f"{book_pdf.stat().st_size / 1e6:.1f} MB")
            else:
                print(f"PDF edition ({label}): not printed (no chromium)")
        print(f"both PDF editions printed in {pdf_time:.1f} s (make pdf)")
        print()
        print("data files recorded as read, per chapter: " + ", ".join(f"{k} {v}" for k, v in reads.items()))
        print()
        print(f"{'chapter page':<40} {'HTML (kB)':>10} {'figure data (kB)':>17}")
        for page in sorted((book / "_build" / "html" / "chapters").glob("*.html")):
            figdata = sum(p.stat().st_size for p in (book / "chapters" / "figdata").glob("*.csv")
                          if p.name.split("-")[1] in page.stem) if (book / "chapters" / "figdata").exists() else 0
            size = page.stat().st_size
            print(f"{page.name:<40} {size / 1e3:10.0f} {figdata / 1e3:17.0f}  ({'within' if size <= 2e6 else 'OVER'} 2 MB)")


if __name__ == "__main__":
    main()
