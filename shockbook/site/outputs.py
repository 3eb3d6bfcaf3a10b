"""What a chapter shows, as data: every glued value with the bytes of its output.

Used to prove that a change to the code leaves a chapter's outputs as they were
(``python -m shockbook.site.outputs OLD.ipynb NEW.ipynb`` lists every key that differs), and by
the tests that compare two editions or two runs of one chapter.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from shockbook.site.book import STATIC_COPY  # a chart's static copy, shown by viewers, not glued

PREFIX = "application/papermill.record/"


def glued(nb_path: Path | str) -> dict[str, dict]:
    """{glue key: its mimebundle (mime type -> data)} for every value the notebook glued."""
    nb = json.loads(Path(nb_path).read_text())
    out: dict[str, dict] = {}
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            key = o.get("metadata", {}).get("scrapbook", {}).get("name")
            if key is None:
                continue
            out[key] = {m[len(PREFIX):] if m.startswith(PREFIX) else m: v for m, v in o.get("data", {}).items()}
    return out


def displayed(nb_path: Path | str) -> list[str]:
    """Digests of the outputs a chapter shows outside glue, in order (the environment report and the
    charts' static copies excepted: a changed chart is reported with its glued output)."""
    nb = json.loads(Path(nb_path).read_text())
    out = []
    for cell in nb["cells"]:
        if "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []):
            continue
        for o in cell.get("outputs", []):
            if "scrapbook" in o.get("metadata", {}) or "data" not in o or STATIC_COPY in o.get("metadata", {}):
                continue
            out.append(digest(o["data"]))
    return out


def digest(bundle: dict) -> str:
    return hashlib.sha256(json.dumps(bundle, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def differences(old: Path | str, new: Path | str) -> list[str]:
    """One line per glue key whose output differs, is missing or is new."""
    a, b = glued(old), glued(new)
    lines = []
    for key in sorted(set(a) | set(b)):
        if key not in b:
            lines.append(f"missing: {key}")
        elif key not in a:
            lines.append(f"new:     {key}")
        elif digest(a[key]) != digest(b[key]):
            lines.append(f"changed: {key}: {str(a[key].get('text/plain'))[:60]!r} -> {str(b[key].get('text/plain'))[:60]!r}")
    if displayed(old) != displayed(new):
        lines.append(f"changed: the outputs shown outside glue ({len(displayed(old))} before, {len(displayed(new))} after)")
    return lines


if __name__ == "__main__":  # python -m shockbook.site.outputs OLD.ipynb NEW.ipynb
    diff = differences(sys.argv[1], sys.argv[2])
    print("\n".join(diff) if diff else f"identical: {len(glued(sys.argv[1]))} glued outputs")
    sys.exit(1 if diff else 0)
