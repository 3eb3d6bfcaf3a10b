"""A record of the environment, printed at the end of every chapter (as pymc-examples do)."""
from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

KEY_PACKAGES = ["pandas", "numpy", "altair", "scipy", "statsmodels", "papermill", "myst-nb", "jupyter-book", "yfinance"]


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in KEY_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def report() -> None:
    print("  ".join(f"{k} {v}" for k, v in versions().items()))
