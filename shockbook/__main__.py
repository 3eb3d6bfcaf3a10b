"""Command line: ``python -m shockbook {run,import,refresh,verify,tickers}``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

PARAMETER_FLAGS = ("-p", "--parameter")


def split_parameters(argv: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Take every ``-p NAME VALUE`` out of ``argv`` before argparse sees it.

    argparse would read a VALUE that starts with '-' (``-p close_factor -inf``) as an option; here
    the two words after -p are always the name and the value. An incomplete -p is left for
    argparse to report.
    """
    rest, pairs, i = [], [], 0
    while i < len(argv):
        if argv[i] in PARAMETER_FLAGS and len(argv) - i >= 3:
            pairs.append((argv[i + 1], argv[i + 2]))
            i += 3
            continue
        rest.append(argv[i])
        i += 1
    return rest, pairs


def parameters_given(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """{name: value}; a name given twice is an error that shows both values."""
    seen: dict[str, str] = {}
    for name, value in pairs:
        if name in seen:
            from shockbook import runner

            raise runner.RunError(f"parameter {name} was given twice (-p {name} {seen[name]!r} and "
                                  f"-p {name} {value!r}); give it once.")
        seen[name] = value
    return seen


def main(argv: list[str] | None = None) -> int:
    from shockbook import runner
    from shockbook.data import cache, catalog

    parser = argparse.ArgumentParser(prog="python -m shockbook", description="The DeepSeek Shock: build tools.")
    sub = parser.add_subparsers(dest="command", required=True)

    p_run = sub.add_parser("run", help="execute chapters with papermill (skips unchanged ones)")
    p_run.add_argument("chapters", nargs="*", help="chapter names, numbers or parts of names (default: all)")
    p_run.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"), default=[],
                       help="run ONE chapter with this parameter; the result goes to runs/. A list is "
                            "written NVDA,AMD or \"['NVDA', 'AMD']\"")
    p_run.add_argument("--force", action="store_true", help="run even if nothing changed")
    p_run.add_argument("--out", type=Path, help="write executed notebooks here instead of in place")
    p_run.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    p_run.add_argument("--jobs", type=int, default=runner.DEFAULT_JOBS,
                       help=f"chapters executed side by side (default {runner.DEFAULT_JOBS}, the number of CPUs up to 4)")

    p_open = sub.add_parser("open", help="make the page of an executed notebook (a run or a chapter) and open it")
    p_open.add_argument("notebook", type=Path, help="e.g. runs/01_shock__event_date-2025-01-21.ipynb or chapters/01_shock.ipynb")
    p_open.add_argument("--no-browser", action="store_true", help="only make the page and print its path")

    sub.add_parser("import", help="rebuild data/market and data/facts from ../shared")
    p_ref = sub.add_parser("refresh", help="rebuild data/market from Yahoo Finance (needs the network)")
    p_ref.add_argument("tickers", nargs="*", help="only these series (default: all)")
    p_ref.add_argument("--into", type=Path,
                       help="write the new cache to this new or empty folder and leave data/market alone")
    p_ref.add_argument("-v", "--verbose", action="store_true", help="show yfinance's own messages")
    sub.add_parser("verify", help="check every cached file against the manifest and the schema")
    sub.add_parser("tickers", help="list the series in the cache")

    argv = list(sys.argv[1:] if argv is None else argv)
    rest, pairs = split_parameters(argv) if argv[:1] == ["run"] else (argv, [])
    args = parser.parse_args(rest)

    try:
        if args.command == "run":
            params = parameters_given(pairs + [tuple(p) for p in args.parameter])
            runner.run(args.chapters, params, force=args.force, out_dir=args.out, timeout=args.timeout, jobs=args.jobs)
        elif args.command == "open":
            from shockbook.site import render

            page = render.open_target(args.notebook)
            print(page)
            if not args.no_browser:
                import webbrowser

                webbrowser.open(page.resolve().as_uri())
        elif args.command == "import":
            from shockbook.data import facts, importer

            out = importer.import_all()
            print(f"imported {len(catalog.SERIES)} series into {out}")
            manifest = facts.import_facts()
            print(f"imported {manifest['files'][facts.FACTS_FILE]['rows']} facts into {facts.FACTS_DIR}")
        elif args.command == "refresh":
            from shockbook.data import refresh

            out = refresh.refresh(args.tickers or None, into=args.into, verbose=args.verbose)
            print(f"refreshed: {out}")
        elif args.command == "verify":
            print(f"{cache.verify()} files match the manifest and the schema")
        elif args.command == "tickers":
            for s in catalog.SERIES:
                print(f"{s.ticker:<11} {s.market}  {s.group:<24} {s.name}  [{s.price_basis}]")
    except KeyError as exc:  # unknown ticker
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    except (cache.CacheError, runner.RunError, ValueError) as exc:  # FactsError, ClaimError are ValueErrors
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk, a read-only folder: the writes are atomic, so nothing is half-done
        print(f"error: {exc.strerror or exc}{f' ({exc.filename})' if exc.filename else ''}; "
              "nothing was replaced.", file=sys.stderr)
        return 1
    except Exception as exc:
        from shockbook.data.refresh import RefreshError

        if isinstance(exc, RefreshError):
            print(f"error: {exc}", file=sys.stderr)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
