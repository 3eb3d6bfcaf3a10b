"""The book's table of sourced facts, and the Epoch AI extract used to compare training costs.

Two steps, kept apart on purpose:

``import_facts(shared_dir, out_dir)``
    Reads the hand-checked files in ``../shared/facts`` (read-only) and the book's own sourced
    additions, ``data/facts/additions.csv`` (same columns, ids in the separate range ``RSP-B01``…,
    hand-maintained), and writes the book's own copies to ``data/facts/``: ``facts.csv`` (the source columns plus ``status`` and ``reliability``),
    ``epoch_models.csv`` (Epoch AI's rows, unchanged) and ``manifest.json`` (hash, rows, columns,
    dtypes and origin of each file; the additions are a second origin of ``facts.csv``, placed after
    the shared rows and labelled by the same rules). Running it twice writes byte-identical files.

``load_sources()`` / ``kind_counts()`` / ``marker(id)``
    The source-kind table ``data/facts/sources.csv`` (hand-maintained, one row per fact: the kind
    of the stored source, the best source found with its kind, outlet, date and URL, and what it
    replaced) and the compact citation chapters put in prose: a superscript link to the fact's row
    on the Sources page (``chapters/sources.md``, written by ``python -m shockbook.site.sources``).

``load_facts()`` / ``fact(id)`` / ``load_epoch()``
    What chapters use. Every load checks the file's sha256 against ``manifest.json`` and the
    schema, and raises :class:`FactsError` with the file, the problem and the fix.

Status and reliability
----------------------
``reliability`` is the source-quality label written by whoever gathered the fact (in ``note``):
Primary, Well-sourced, MEDIUM, LOW-MEDIUM, UNVERIFIED, CONFLICT, or ``derived`` for rows computed
from other rows. Where a note carries no label, the label is assigned in
:data:`RELIABILITY_UNLABELLED` from the README's reliability overview, one line of reason each.

``status`` is the book's editorial call on what kind of statement the value is:

* ``claim``    – an assertion by an interested party with no published evidence;
* ``estimate`` – a modelled, tracker or analyst number (including every Epoch AI figure);
* ``disputed`` – a matter of record on which the sources disagree;
* ``fact``     – everything else: a matter of record, or a party's own primary disclosure.

It is set by the rules in :func:`rule_status` (read from ``unit`` and the opening of ``note``),
then by :data:`STATUS_OVERRIDES` for the rows the rules get wrong. Derived rows take the weakest
status of the rows they are computed from.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from shockbook import paths as _paths
from shockbook.data.cache import atomic_write, sha256_file

if TYPE_CHECKING:  # pandas is imported where it is used: the runner's workers use the markers alone
    import pandas as pd

_DATA_DIR = _paths.DATA_DIR
_SHARED_DIR = _paths.SHARED_DIR

FACTS_DIR = _DATA_DIR / "facts"
SHARED_FACTS_DIR = _SHARED_DIR / "facts"

FACTS_FILE = "facts.csv"
EPOCH_FILE = "epoch_models.csv"
MANIFEST_FILE = "manifest.json"
SOURCE_FACTS = "facts.csv"
SOURCE_EPOCH = "epoch_selected_models.csv"
SOURCE_README = "README.md"
ADDITIONS_FILE = "additions.csv"  # the book's own sourced facts, hand-maintained in data/facts/

SCHEMA_VERSION = 1
FIX = "Restore it with `git checkout -- data/facts`, or rebuild it from ../shared with `python -m shockbook import`."

STATUSES = ("fact", "estimate", "claim", "disputed")
# The weakest status wins when a derived row combines several: claim > estimate > disputed > fact.
_STATUS_WEAKNESS = {"fact": 0, "disputed": 1, "estimate": 2, "claim": 3}
RELIABILITIES = ("Primary", "Well-sourced", "MEDIUM", "LOW-MEDIUM", "UNVERIFIED", "CONFLICT", "derived")

SOURCE_COLUMNS = ("id", "chapter", "statement", "value", "unit", "as_of", "source_title", "source_url", "note")
FACTS_COLUMNS = SOURCE_COLUMNS + ("status", "reliability")
# dtype labels written to the manifest and enforced on load (independent of the pandas version)
FACTS_DTYPES = {c: ("int64" if c == "chapter" else "string") for c in FACTS_COLUMNS}

EPOCH_COLUMNS = (
    "Model", "Organization", "Publication date", "Parameters", "Training compute (FLOP)",
    "Training dataset size (gradients)", "Training hardware", "Hardware quantity",
    "Training time (hours)", "Hardware utilization (MFU)", "Training compute cost (2023 USD)",
    "Training compute cost (cloud)", "Training compute cost (upfront)", "Hardware acquisition cost",
    "Confidence", "Country (of organization)", "Link",
)
_EPOCH_TEXT = {"Model", "Organization", "Publication date", "Training hardware", "Confidence",
               "Country (of organization)", "Link"}
EPOCH_DTYPES = {c: ("string" if c in _EPOCH_TEXT else "float64") for c in EPOCH_COLUMNS}
EPOCH_CREDIT = "Data: Epoch AI"
EPOCH_LICENCE = "CC BY 4.0"

CHAPTER_OF_PREFIX = {"SHK": 1, "CST": 2, "SKP": 3, "RSP": 4, "GEO": 5}
_ID_RE = re.compile(r"^(SHK|CST|SKP|RSP|GEO)-(?:\d{2}|B\d{2})$")
#: Ids of the book's own additions (data/facts/additions.csv): a separate range, e.g. RSP-B01.
_ADDITION_ID_RE = re.compile(r"^(SHK|CST|SKP|RSP|GEO)-B\d{2}$")


def is_addition_id(fact_id: str) -> bool:
    """True for the id range of the book's own additions (``RSP-B01``), never used by ../shared."""
    return bool(_ADDITION_ID_RE.match(str(fact_id)))


class FactsError(ValueError):
    """The facts files are missing, changed since import, or not in the book's schema."""


# --------------------------------------------------------------------------------------------
# Editorial tables. Each entry was decided by reading the row; the comment says why.
# --------------------------------------------------------------------------------------------

#: Rows whose rule-based status is wrong. id -> (status, reason).
STATUS_OVERRIDES: dict[str, tuple[str, str]] = {
    # --- chapter 1 ---
    # Outlets differ by share count and close used ($589-596B); the LSEG figure matches the
    # book's own share-count x price-drop computation (SHK-15) to 0.1%. The record is not in doubt.
    "SHK-11": ("fact", "spread across outlets is definitional; LSEG figure agrees with SHK-15"),
    # "CONFLICT minor": +8.82% is another outlet's print; 128.99/118.42-1 = +8.93%.
    "SHK-30": ("fact", "minor print difference; +8.9% follows from the two closes"),
    # Appfigures' download split is a tracker estimate, like SHK-06 from the same report.
    "SHK-07": ("estimate", "Appfigures tracker figures, same report as SHK-06"),
    # Nvidia's own statement that DeepSeek's compute was export-compliant: an interested party's
    # assertion on a contested question (the rules miss it; the note's opening is 'Company statement').
    "SHK-33": ("claim", "interested party's assertion on the contested chip question"),
    # --- chapter 2 ---
    # AI Index figures are estimates; the CONFLICT is between estimation methods, not about a record.
    "CST-37": ("estimate", "AI Index/Epoch estimates that differ by method"),
    # DeepSeek's 'revenue if everything were billed at R1 prices': a hypothetical, not an outcome.
    "CST-32": ("estimate", "theoretical revenue and margin computed by DeepSeek"),
    # README: 'H100 prices and rental rates' are estimates; this is a tertiary compilation of quotes.
    "CST-43": ("estimate", "compiled market rental quotes (README: rental rates are estimates)"),
    # --- chapter 3 ---
    # Musk's one-word endorsement of Wang's claim is itself a claim.
    "SKP-02": ("claim", "endorsement of SKP-01, no evidence"),
    # The A100 count rests on SemiAnalysis' account; DeepSeek confirmed owning A100s, not the number.
    "SKP-05": ("estimate", "count from SemiAnalysis' account"),
    # SemiAnalysis' 'well above $500M' hardware spend: an analyst's estimate (lower bound).
    "SKP-06": ("estimate", "SemiAnalysis analyst estimate"),
    # SemiAnalysis capex/opex table: an estimate; the CONFLICT is about reading that same table.
    "SKP-07": ("estimate", "SemiAnalysis table; the conflict is over its subtotal"),
    # An independent analyst's recomputation of the SemiAnalysis table.
    "SKP-08": ("estimate", "informal recomputation of SKP-07"),
    # The Register's estimate of what 256 H800 servers cost.
    "SKP-09": ("estimate", "The Register's hardware cost estimate"),
    # Bloomberg reported an investigation by Microsoft researchers: no finding was published.
    "SKP-12": ("claim", "reported investigation, no finding"),
    # DeepSeek's denial of distillation, in its own words: an interested party's assertion.
    "SKP-13": ("claim", "interested party's statement"),
    # Reported probe into chip purchases via Singapore: investigation only, no finding.
    "SKP-15": ("claim", "reported investigation, no finding"),
    # --- chapter 4 ---
    # (RSP-14, Stargate: the rules already give 'fact'; 'claimed' in its note is about jobs and lies
    # outside the note's opening, so no override is needed.)
    # 'Vendor claim' is about Qwen's benchmarks; the value is the release date, a matter of record.
    "RSP-19": ("fact", "value is the release date; the benchmark boast is not used"),
}

#: Parsed labels that misread the note. id -> (label, reason).
RELIABILITY_OVERRIDES: dict[str, tuple[str, str]] = {
    # '(medium reliability)' in the note refers to a Chinese outlet's count, not this Reuters date.
    "RSP-05": ("Well-sourced", "Reuters; 'medium reliability' is about a different figure"),
    # 'Primary-adjacent': a law firm's summary of the rule, not the rule itself.
    "GEO-03": ("Well-sourced", "law-firm summary of the primary rule"),
}

#: Labels for rows whose note carries none, from README's reliability overview. id -> (label, reason).
RELIABILITY_UNLABELLED: dict[str, tuple[str, str]] = {
    "SHK-02": ("Well-sourced", "several secondary citations agree"),
    "SHK-03": ("Primary", "Hugging Face commit history"),
    "SHK-04": ("Well-sourced", "SCMP and Reuters agree"),
    "SHK-06": ("MEDIUM", "one outlet reporting a tracker"),
    "SHK-08": ("MEDIUM", "third-party tracker via SCMP"),
    "SHK-09": ("Well-sourced", "README: solid; consistent with -16.97%"),
    "SHK-10": ("Well-sourced", "Epoch Times and Reuters agree"),
    "SHK-12": ("MEDIUM", "aggregator restating Bloomberg"),
    "SHK-13": ("MEDIUM", "note: secondary source"),
    "SHK-14": ("MEDIUM", "10-Q cover line not seen; XBRL summary agrees"),
    "SHK-19": ("Well-sourced", "README: solid (Reuters close)"),
    "SHK-20": ("Well-sourced", "Reuters close"),
    "SHK-21": ("Well-sourced", "CNBC, rounded"),
    "SHK-22": ("Well-sourced", "Reuters"),
    "SHK-23": ("Well-sourced", "Reuters"),
    "SHK-25": ("MEDIUM", "Investopedia via a mirror; close approximate"),
    "SHK-26": ("UNVERIFIED", "note: exact close not verified (README lists Constellation)"),
    "SHK-27": ("Well-sourced", "Reuters late-session figures"),
    "SHK-29": ("Well-sourced", "AP wire"),
    "SHK-31": ("MEDIUM", "note: secondary"),
    "SHK-33": ("Well-sourced", "company statement reported by CNBC"),
    "CST-14": ("Primary", "Epoch AI dataset read directly"),
    "CST-15": ("Primary", "Epoch AI dataset read directly"),
    "CST-16": ("Primary", "Epoch AI dataset read directly"),
    "CST-19": ("Well-sourced", "TechSpot and Reuters"),
    "CST-26": ("Well-sourced", "SCMP, Bloomberg and Chinese outlets agree"),
    "CST-35": ("Primary", "Epoch AI dataset read directly"),
    "CST-36": ("Primary", "Epoch AI dataset read directly"),
    "CST-38": ("Primary", "Epoch AI dataset read directly"),
    "CST-39": ("Primary", "Epoch AI dataset read directly"),
    "CST-40": ("Primary", "Epoch AI dataset read directly"),
    "CST-42": ("MEDIUM", "analyst estimate reported second-hand"),
    "SKP-01": ("Well-sourced", "that Wang said it is widely reported (CNBC, Mint)"),
    "SKP-02": ("MEDIUM", "TipRanks; timestamp not verified"),
    "SKP-03": ("MEDIUM", "summary of a paywalled report"),
    "SKP-04": ("MEDIUM", "summary of a paywalled report"),
    "SKP-05": ("MEDIUM", "repost of the SemiAnalysis article"),
    "SKP-06": ("Well-sourced", "CNBC on the SemiAnalysis report"),
    "SKP-08": ("LOW-MEDIUM", "note: independent but informal analysis"),
    "SKP-09": ("MEDIUM", "rewrite of The Register"),
    "SKP-10": ("Well-sourced", "Semafor on the FT report"),
    "SKP-11": ("Well-sourced", "Sacks' Fox News interview, widely reported"),
    "SKP-12": ("MEDIUM", "Bloomberg via a newsletter"),
    "SKP-13": ("MEDIUM", "Nature news quoted by an aggregator"),
    "SKP-14": ("Well-sourced", "White House briefing, widely reported"),
    "SKP-15": ("MEDIUM", "Bloomberg via a Brazilian outlet"),
    "RSP-01": ("MEDIUM", "WinBuzzer; Azure blog not read"),
    "RSP-04": ("Well-sourced", "Reuters"),
    "RSP-09": ("Well-sourced", "README: solid (Microsoft's own post quoted)"),
    "RSP-10": ("Well-sourced", "README: solid"),
    "RSP-11": ("Well-sourced", "README: solid"),
    "RSP-14": ("Well-sourced", "README: solid (Stargate terms)"),
    "RSP-15": ("Well-sourced", "README: solid (Stargate terms)"),
    "RSP-16": ("MEDIUM", "single report (The Information via Fortune)"),
    "RSP-18": ("Well-sourced", "note: consistent across catalogues"),
    "RSP-19": ("Well-sourced", "Reuters-based"),
    "RSP-20": ("Well-sourced", "Reuters text"),
    "GEO-06": ("MEDIUM", "note: secondary summary of the rule"),
    "GEO-09": ("Well-sourced", "Nvidia's 8-K reported by CNBC"),
    "GEO-13": ("Well-sourced", "README: solid"),
    "GEO-15": ("MEDIUM", "single secondary write-up of the Davos interview"),
}

# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------

_CLAIM_RE = re.compile(r"\bclaim|alleg|accus|unsubstantiated|unsupported|opinion", re.IGNORECASE)
_ESTIMATE_RE = re.compile(r"estimat|speculative|projection", re.IGNORECASE)
_DERIVED_IDS_RE = re.compile(r"\b(?:SHK|CST|SKP|RSP|GEO)-\d{2}\b")


def note_opening(note: str) -> str:
    """The note's verdict: its text up to the first full stop or semicolon followed by a space."""
    return re.split(r"(?<=[.;])\s", str(note).strip(), maxsplit=1)[0]


def is_derived(row: Mapping[str, str]) -> bool:
    """A row computed from other rows (its arithmetic is in ``note``)."""
    return (str(row["statement"]).startswith("Derived")
            or "derived" in str(row["unit"]).lower()
            or str(row["source_title"]).startswith("Derived from"))


def rule_status(row: Mapping[str, str]) -> str:
    """Status from the rules alone (no overrides, derived rows not resolved).

    1. ``unit`` or the note's opening says claim / alleged / accusation / unsubstantiated /
       unsupported / opinion -> ``claim``;
    2. ``unit`` or the note's opening says estimate / speculative / projection, or the source is
       Epoch AI's dataset (README: all of Epoch's compute and cost figures are estimates) -> ``estimate``;
    3. the note says CONFLICT -> ``disputed``;
    4. otherwise -> ``fact``.
    """
    unit, opening = str(row["unit"]), note_opening(row["note"])
    if _CLAIM_RE.search(unit) or _CLAIM_RE.search(opening):
        return "claim"
    if (_ESTIMATE_RE.search(unit) or _ESTIMATE_RE.search(opening)
            or str(row["source_title"]).startswith("Epoch AI, Notable AI Models")):
        return "estimate"
    if "CONFLICT" in str(row["note"]):
        return "disputed"
    return "fact"


def parsed_reliability(row: Mapping[str, str]) -> str | None:
    """The label written in ``note`` (or ``derived``), or None when the note has none."""
    if is_derived(row):
        return "derived"
    note = str(row["note"])
    if "CONFLICT" in note:
        return "CONFLICT"
    if re.search(r"UNVERIFIED|\bNOT\b(?: \w+)? verified", note):
        return "UNVERIFIED"
    if "LOW-MEDIUM" in note:
        return "LOW-MEDIUM"
    if re.search(r"\bMEDIUM\b", note) or re.search(r"medium reliability", note, re.IGNORECASE):
        return "MEDIUM"
    if note.startswith("Primary") or re.search(r"\breliability: Primary\b", note):
        return "Primary"
    if "Well-sourced" in note:
        return "Well-sourced"
    return None


def classify(rows: pd.DataFrame) -> pd.DataFrame:
    """Return ``id, status, reliability, status_basis, reliability_basis`` for the source rows."""
    import pandas as pd

    records = {r["id"]: r for r in rows.to_dict("records")}
    out: dict[str, dict[str, str]] = {}
    for fid, row in records.items():
        rel = parsed_reliability(row)
        rel_basis = "note" if rel else ""
        if fid in RELIABILITY_OVERRIDES:
            rel, why = RELIABILITY_OVERRIDES[fid]
            rel_basis = f"override: {why}"
        elif rel is None and fid in RELIABILITY_UNLABELLED:
            rel, why = RELIABILITY_UNLABELLED[fid]
            rel_basis = f"assigned (note has no label): {why}"
        if rel is None:
            raise FactsError(f"{fid}: the note carries no reliability label and none is assigned in "
                             "shockbook.data.facts.RELIABILITY_UNLABELLED; add one after reading the row.")
        if is_derived(row):
            status, basis = None, "derived"
        elif fid in STATUS_OVERRIDES:
            status, why = STATUS_OVERRIDES[fid]
            basis = f"override: {why}"
        else:
            status = rule_status(row)
            basis = f"rule: {status}"
        out[fid] = {"id": fid, "status": status, "reliability": rel,
                    "status_basis": basis, "reliability_basis": rel_basis}
    # derived rows: the weakest status of the rows they are computed from
    for fid, rec in out.items():
        if rec["status"] is not None:
            continue
        inputs = [i for i in _DERIVED_IDS_RE.findall(records[fid]["source_title"]) if i != fid]
        missing = [i for i in inputs if i not in out or out[i]["status"] is None]
        if not inputs or missing:
            raise FactsError(f"{fid}: derived row must name its input rows in source_title "
                             f"('Derived from ID, ID'); unresolved: {missing or 'none named'}.")
        weakest = max((out[i]["status"] for i in inputs), key=_STATUS_WEAKNESS.__getitem__)
        if fid in STATUS_OVERRIDES:
            weakest = STATUS_OVERRIDES[fid][0]
        rec["status"] = weakest
        rec["status_basis"] = f"derived from {', '.join(inputs)}"
    return pd.DataFrame(list(out.values()))


# --------------------------------------------------------------------------------------------
# Hashing, atomic writes, manifest
# --------------------------------------------------------------------------------------------

def _csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _origin_path(path: Path) -> str:
    """Path as recorded in the manifest: relative to the repository root, POSIX separators.

    Symlinks are not resolved, so a ../shared that is a link gives the same manifest as a folder.
    """
    return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(_paths.ROOT))).as_posix()


def _read_source_csv(path: Path) -> pd.DataFrame:
    import pandas as pd

    if not path.is_file():
        raise FactsError(f"{path}: source file not found. import_facts needs the shared facts folder "
                         "(../shared/facts) with facts.csv, epoch_selected_models.csv and README.md.")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _readme_dates(readme: str) -> dict[str, str | None]:
    accessed = re.search(r"accessed\s+(\d{4}-\d{2}-\d{2})", readme)
    upstream = re.search(r"\((https?://epochai\.org[^\s,)]*)", readme)
    copy = re.search(r"committed in\s+`([^`]+)`\s+at\s+`([^`]+)`", readme)
    return {
        "accessed": accessed.group(1) if accessed else None,
        "upstream": upstream.group(1) if upstream else None,
        "copy": f"{copy.group(1)}/{copy.group(2)}" if copy else None,
    }


def _validate_source_facts(df: pd.DataFrame, path: Path) -> None:
    if tuple(df.columns) != SOURCE_COLUMNS:
        raise FactsError(f"{path}: columns are {list(df.columns)}, expected {list(SOURCE_COLUMNS)}.")
    _check_ids_and_chapters(df, path)


def _check_ids_and_chapters(df: pd.DataFrame, path: Path) -> None:
    bad = [i for i in df["id"] if not _ID_RE.match(str(i))]
    if bad:
        raise FactsError(f"{path}: malformed ids {bad[:5]} (expected e.g. CST-01).")
    dup = df["id"][df["id"].duplicated()].tolist()
    if dup:
        raise FactsError(f"{path}: duplicate ids {dup[:5]}.")
    for fid, ch in zip(df["id"], df["chapter"]):
        if str(CHAPTER_OF_PREFIX[fid[:3]]) != str(ch):
            raise FactsError(f"{path}: {fid} is in chapter {ch}, but its prefix belongs to "
                             f"chapter {CHAPTER_OF_PREFIX[fid[:3]]}.")


def _read_additions(path: Path) -> pd.DataFrame:
    """The book's own sourced facts: same columns as the shared file, ids ``XXX-Bnn``, each with a URL."""
    import pandas as pd

    if not path.is_file():
        return pd.DataFrame(columns=list(SOURCE_COLUMNS), dtype=str)
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    if tuple(df.columns) != SOURCE_COLUMNS:
        raise FactsError(f"{path}: columns are {list(df.columns)}, expected {list(SOURCE_COLUMNS)} "
                         "(the columns of the shared facts.csv).")
    wrong = [i for i in df["id"] if not is_addition_id(i)]
    if wrong:
        raise FactsError(f"{path}: ids {wrong[:5]} are outside the additions' range (e.g. RSP-B01).")
    no_url = [i for i, u in zip(df["id"], df["source_url"]) if not str(u).startswith(("http://", "https://"))]
    if no_url:
        raise FactsError(f"{path}: rows {no_url[:5]} have no source URL; an addition must name its source.")
    _check_ids_and_chapters(df, path)
    return df


def import_facts(shared_dir: Path | None = None, out_dir: Path | None = None,
                 additions: Path | None = None) -> dict:
    """Build ``data/facts/`` from ``../shared/facts`` and the book's additions. Returns the manifest written.

    ``shared_dir`` is the shared facts folder (holding facts.csv, epoch_selected_models.csv and
    README.md); a folder that contains ``facts/`` is accepted too. ``additions`` is the book's
    hand-maintained file (default ``data/facts/additions.csv``; absent means none); its rows follow
    the shared rows. The output is deterministic: running twice gives byte-identical files. Files
    are written atomically, the manifest last.
    """
    import pandas as pd

    shared_dir = Path(shared_dir) if shared_dir is not None else SHARED_FACTS_DIR
    if not (shared_dir / SOURCE_FACTS).is_file() and (shared_dir / "facts" / SOURCE_FACTS).is_file():
        shared_dir = shared_dir / "facts"
    out_dir = Path(out_dir) if out_dir is not None else FACTS_DIR

    src_facts, src_epoch, src_readme = (shared_dir / SOURCE_FACTS, shared_dir / SOURCE_EPOCH,
                                        shared_dir / SOURCE_README)
    shared = _read_source_csv(src_facts)
    _validate_source_facts(shared, src_facts)
    booked = [i for i in shared["id"] if is_addition_id(i)]
    if booked:
        raise FactsError(f"{src_facts}: ids {booked[:5]} are in the range reserved for the book's additions.")
    src_add = Path(additions) if additions is not None else FACTS_DIR / ADDITIONS_FILE
    added = _read_additions(src_add)
    raw = pd.concat([shared, added], ignore_index=True) if len(added) else shared
    _check_ids_and_chapters(raw, src_add)  # no id may repeat across the two origins
    unknown = sorted((set(STATUS_OVERRIDES) | set(RELIABILITY_OVERRIDES) | set(RELIABILITY_UNLABELLED))
                     - set(raw["id"]))
    if unknown:
        raise FactsError(f"{src_facts}: the editorial tables in shockbook.data.facts name ids that are not "
                         f"in the source: {unknown}. Update the tables.")
    labels = classify(raw)
    facts = raw.merge(labels[["id", "status", "reliability"]], on="id", how="left", validate="1:1")
    facts = facts[list(FACTS_COLUMNS)]

    epoch = _read_source_csv(src_epoch)
    if tuple(epoch.columns) != EPOCH_COLUMNS:
        raise FactsError(f"{src_epoch}: columns are {list(epoch.columns)}, expected {list(EPOCH_COLUMNS)}.")

    if not src_readme.is_file():
        raise FactsError(f"{src_readme}: README not found; it states the Epoch access date.")
    readme_text = src_readme.read_text(encoding="utf-8")
    epoch_meta = _readme_dates(readme_text)

    facts_bytes, epoch_bytes = _csv_bytes(facts), _csv_bytes(epoch)
    readme_origin = {"path": _origin_path(src_readme), "sha256": sha256_file(src_readme)}
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "generated_by": "shockbook.data.facts.import_facts",
        "files": {
            FACTS_FILE: {
                "description": "Sourced facts for the chapters, with the book's status and reliability labels.",
                "sha256": hashlib.sha256(facts_bytes).hexdigest(),
                "rows": int(len(facts)),
                "columns": [{"name": c, "dtype": FACTS_DTYPES[c]} for c in FACTS_COLUMNS],
                "status_counts": {s: int((facts["status"] == s).sum()) for s in STATUSES},
                "origin": {
                    "path": _origin_path(src_facts),
                    "sha256": sha256_file(src_facts),
                    "retrieved": None,
                    "retrieval_note": ("The README gives no single retrieval date: facts were read from "
                                       "stored copies of public pages; as_of is the date each fact refers to."),
                    "readme": readme_origin,
                },
                "shared_rows": int(len(shared)),
                "addition_rows": int(len(added)),
                "additions_origin": ({
                    "path": _origin_path(src_add),
                    "sha256": sha256_file(src_add),
                    "rows": int(len(added)),
                    "ids": [str(i) for i in added["id"]],
                    "retrieval_note": ("The book's own additions, looked up in stored copies of public pages; "
                                       "each row's note gives the page, the look-up date and the reliability."),
                } if src_add.is_file() else None),
            },
            EPOCH_FILE: {
                "description": "Extract of Epoch AI's Notable AI Models dataset, rows and values unchanged.",
                "sha256": hashlib.sha256(epoch_bytes).hexdigest(),
                "rows": int(len(epoch)),
                "columns": [{"name": c, "dtype": EPOCH_DTYPES[c]} for c in EPOCH_COLUMNS],
                "credit": EPOCH_CREDIT,
                "licence": EPOCH_LICENCE,
                "origin": {
                    "path": _origin_path(src_epoch),
                    "sha256": sha256_file(src_epoch),
                    "accessed": epoch_meta["accessed"],
                    "upstream": epoch_meta["upstream"],
                    "copy": epoch_meta["copy"],
                    "readme": readme_origin,
                },
            },
        },
    }
    manifest_bytes = (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    atomic_write(out_dir / FACTS_FILE, facts_bytes)
    atomic_write(out_dir / EPOCH_FILE, epoch_bytes)
    atomic_write(out_dir / MANIFEST_FILE, manifest_bytes)
    return manifest


# --------------------------------------------------------------------------------------------
# Loading with verification
# --------------------------------------------------------------------------------------------

def _facts_dir(facts_dir: Path | None) -> Path:
    return Path(facts_dir) if facts_dir is not None else FACTS_DIR


def read_manifest(facts_dir: Path | None = None) -> dict:
    path = _facts_dir(facts_dir) / MANIFEST_FILE
    if not path.is_file():
        raise FactsError(f"{path}: manifest.json is missing, so the facts cannot be verified. {FIX}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifest["files"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise FactsError(f"{path}: manifest.json is not valid ({exc}). {FIX}") from None
    return manifest


def _verified_path(name: str, facts_dir: Path | None) -> tuple[Path, dict]:
    facts_dir = _facts_dir(facts_dir)
    manifest = read_manifest(facts_dir)
    entry = manifest["files"].get(name)
    path = facts_dir / name
    if entry is None:
        raise FactsError(f"{path}: not listed in manifest.json. {FIX}")
    if not path.is_file():
        raise FactsError(f"{path}: file is missing. {FIX}")
    actual = sha256_file(path)
    if actual != entry.get("sha256"):
        raise FactsError(f"{path}: sha256 {actual} does not match manifest.json ({entry.get('sha256')}); "
                         f"the file was changed after import. {FIX}")
    from shockbook.data.cache import _note_read  # the runner reruns the chapters that read a changed file

    _note_read(path, digest=actual)
    return path, entry


def _check_columns(path: Path, df: pd.DataFrame, expected: tuple[str, ...], entry: dict) -> None:
    listed = tuple(c.get("name") for c in entry.get("columns", []))
    if tuple(df.columns) != expected or listed != expected:
        raise FactsError(f"{path}: bad schema: columns {list(df.columns)} (manifest lists {list(listed)}), "
                         f"expected {list(expected)}. {FIX}")
    if int(entry.get("rows", -1)) != len(df):
        raise FactsError(f"{path}: bad schema: {len(df)} rows, manifest.json says {entry.get('rows')}. {FIX}")


_PARSED: dict[tuple[str, str, str], pd.DataFrame] = {}


def _parsed_once(path: Path, entry: dict, parse) -> pd.DataFrame:
    """``parse(path, entry)`` of a verified file, done once per process while the file (its sha256 is in
    ``entry``) and its manifest entry are unchanged: a chapter reads dozens of facts. A copy is returned."""
    key = (str(path), json.dumps(entry, sort_keys=True), parse.__name__)
    if key not in _PARSED:
        _PARSED[key] = parse(path, entry)
    return _PARSED[key].copy()


def load_facts(facts_dir: Path | None = None) -> pd.DataFrame:
    """The book's facts table, verified against ``manifest.json`` (sha256, columns, rows, labels)."""
    path, entry = _verified_path(FACTS_FILE, facts_dir)
    return _parsed_once(path, entry, _parse_facts)


def _parse_facts(path: Path, entry: dict) -> pd.DataFrame:
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    _check_columns(path, df, FACTS_COLUMNS, entry)
    try:
        _check_ids_and_chapters(df, path)
    except FactsError as exc:
        raise FactsError(f"bad schema: {exc} {FIX}") from None
    df["chapter"] = df["chapter"].astype("int64")
    for col, allowed in (("status", STATUSES), ("reliability", RELIABILITIES)):
        bad = sorted(set(df[col]) - set(allowed))
        if bad:
            raise FactsError(f"{path}: bad schema: {col} values {bad} are not in {list(allowed)}. {FIX}")
    return df


def load_epoch(facts_dir: Path | None = None) -> pd.DataFrame:
    """Epoch AI's model rows (credit "Data: Epoch AI", CC BY 4.0), verified; numeric columns as float."""
    path, entry = _verified_path(EPOCH_FILE, facts_dir)
    return _parsed_once(path, entry, _parse_epoch)


def _parse_epoch(path: Path, entry: dict) -> pd.DataFrame:
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    _check_columns(path, df, EPOCH_COLUMNS, entry)
    for col, dtype in EPOCH_DTYPES.items():
        if dtype == "float64":
            num = pd.to_numeric(df[col].replace("", None), errors="coerce").astype("float64")
            if (num.isna() & (df[col] != "")).any():
                raise FactsError(f"{path}: bad schema: non-numeric value in {col!r}. {FIX}")
            df[col] = num
    df.attrs["credit"] = entry.get("credit", EPOCH_CREDIT)
    df.attrs["licence"] = entry.get("licence", EPOCH_LICENCE)
    return df


# --------------------------------------------------------------------------------------------
# One fact
# --------------------------------------------------------------------------------------------

_STRICT_NUM_RE = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}(?:-\d{2})?$")
_DATE_ANYWHERE_RE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_MONTH_YEAR_RE = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{4}\b")
_TOKEN_RE = re.compile(r"[-+]?~?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?[KkMBT]?")
_SUFFIX = {"K": 1e3, "k": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
_UNIT_SCALE = (("thousand", 1e3), ("million", 1e6), ("billion", 1e9), ("trillion", 1e12))


def _to_float(text: str) -> float:
    return float(text.replace(",", ""))


def number_tokens(text: str) -> tuple[float, ...]:
    """Numbers written in a piece of value text, in reading order (a best-effort reading).

    Parenthetical remarks, ISO dates and 'Month YYYY' are ignored; digits glued to letters
    (H100, GPT-4, FP8, 96GB) are not numbers; ``25,000-30,000`` gives both ends; a K, M, B or T
    suffix scales by thousand, million, billion or trillion (147K -> 147000, 608B -> 6.08e11).
    """
    s = re.sub(r"\([^)]*\)", " ", str(text))
    s = _DATE_ANYWHERE_RE.sub(" ", s)
    s = _MONTH_YEAR_RE.sub(" ", s)
    out: list[float] = []
    last_end, last_ok = -2, False
    for m in _TOKEN_RE.finditer(s):
        tok, start, end = m.group(), m.start(), m.end()
        prev = s[start - 1] if start > 0 else " "
        nxt = s[end] if end < len(s) else " "
        if nxt.isalnum() or nxt == "_" or nxt == ".":
            last_ok = False
            last_end = end
            continue
        if tok[0] in "+-":
            if prev.isdigit() and start == last_end:  # a range such as 60-65
                if not last_ok:
                    last_end = end
                    continue
                tok = tok[1:]
            elif prev.isalnum() or prev in "_.-":
                last_ok, last_end = False, end
                continue
        elif prev.isalnum() or prev in "_.-":
            last_ok, last_end = False, end
            continue
        tok = tok.replace("~", "")
        scale = 1.0
        if tok[-1] in _SUFFIX:
            scale, tok = _SUFFIX[tok[-1]], tok[:-1]
        out.append(_to_float(tok) * scale)
        last_ok, last_end = True, end
    return tuple(out)


def parse_value(text: str) -> tuple[str, object, tuple[tuple[float, ...], ...]]:
    """Read a ``value`` cell. Returns ``(kind, value, parts)``.

    kind is ``number`` (value: float), ``numbers`` (';' list of plain numbers: tuple of floats),
    ``date`` (ISO date string), ``dates`` (tuple of them) or ``text`` (the text itself).
    ``parts`` holds, for each ';'-separated part, the numbers it contains (see :func:`number_tokens`).
    """
    s = str(text).strip()
    raw_parts = [p.strip() for p in s.split(";")]
    if _STRICT_NUM_RE.match(s):
        v = _to_float(s)
        return "number", v, ((v,),)
    if _DATE_RE.match(s):
        return "date", s, ((),)
    if len(raw_parts) > 1 and all(_STRICT_NUM_RE.match(p) for p in raw_parts):
        vals = tuple(_to_float(p) for p in raw_parts)
        return "numbers", vals, tuple((v,) for v in vals)
    dated = [re.sub(r"\s*\([^)]*\)\s*$", "", p) for p in raw_parts]
    if len(raw_parts) > 1 and all(_DATE_RE.match(p) for p in dated):
        return "dates", tuple(dated), tuple(() for _ in raw_parts)
    return "text", s, tuple(number_tokens(p) for p in raw_parts)


def unit_scale(unit: str) -> float:
    """1e3 / 1e6 / 1e9 / 1e12 when the unit says thousand / million / billion / trillion, else 1."""
    low = str(unit).lower()
    for word, scale in _UNIT_SCALE:
        if re.search(rf"\b{word}\b", low):
            return scale
    return 1.0


@dataclass(frozen=True)
class Fact:
    """One row of the facts table, with its value read into Python."""

    id: str
    value: object  # float | tuple[float, ...] | str (ISO date or text) | tuple[str, ...] (dates)
    unit: str
    status: str
    source_title: str
    source_url: str
    as_of: str
    statement: str
    reliability: str = ""
    chapter: int = 0
    note: str = ""
    kind: str = "text"
    raw_value: str = ""
    parts: tuple = ()

    @property
    def numbers(self) -> tuple[float, ...]:
        """All numbers of the value, part after part."""
        return tuple(x for part in self.parts for x in part)

    def number(self, part: int = 0, index: int = 0) -> float:
        """The ``index``-th number of the ``part``-th ';'-separated part of the value, as written."""
        try:
            nums = self.parts[part]
        except IndexError:
            raise FactsError(f"{self.id}: value {self.raw_value!r} has {len(self.parts)} part(s); "
                             f"part {part} does not exist.") from None
        try:
            return float(nums[index])
        except IndexError:
            raise FactsError(f"{self.id}: part {part} of value {self.raw_value!r} holds "
                             f"{len(nums)} number(s); index {index} does not exist.") from None

    def scaled(self, part: int = 0, index: int = 0, *, unit_contains: str | None = None) -> float:
        """:meth:`number` times the unit's multiplier (``million USD`` -> x1e6).

        ``unit_contains`` guards the caller: if the unit no longer contains that text (someone
        edited the facts), a FactsError says so instead of a silently wrong number.
        """
        if unit_contains is not None and unit_contains not in self.unit:
            raise FactsError(f"{self.id}: unit is {self.unit!r}, expected it to contain {unit_contains!r}.")
        if ";" in self.unit:
            raise FactsError(f"{self.id}: unit {self.unit!r} differs by part; read number() and scale it yourself.")
        return self.number(part, index) * unit_scale(self.unit)


def _row_to_fact(row: Mapping[str, object]) -> Fact:
    kind, value, parts = parse_value(str(row["value"]))
    return Fact(
        id=str(row["id"]), value=value, unit=str(row["unit"]), status=str(row["status"]),
        source_title=str(row["source_title"]), source_url=str(row["source_url"]),
        as_of=str(row["as_of"]), statement=str(row["statement"]),
        reliability=str(row["reliability"]), chapter=int(row["chapter"]), note=str(row["note"]),
        kind=kind, raw_value=str(row["value"]), parts=parts,
    )


_FACTS_BY_ID: dict[tuple[str, str], dict[str, Fact]] = {}


def _facts_by_id(facts_dir: Path | None) -> dict[str, Fact]:
    """Every fact of the verified table by id. The file is verified (and its read noted) at every call,
    as :func:`load_facts` does; the Facts are made once per process while the file and its manifest
    entry are unchanged (a chapter asks for hundreds; they are immutable, so they are shared)."""
    path, entry = _verified_path(FACTS_FILE, facts_dir)
    key = (str(path), json.dumps(entry, sort_keys=True))
    if key not in _FACTS_BY_ID:
        by_id: dict[str, Fact] = {}
        for row in _parsed_once(path, entry, _parse_facts).to_dict("records"):
            by_id.setdefault(str(row["id"]), _row_to_fact(row))
        _FACTS_BY_ID[key] = by_id
    return _FACTS_BY_ID[key]


def fact(fact_id: str, facts_dir: Path | None = None) -> Fact:
    """One fact by id (e.g. ``fact("CST-06")``). Unknown ids raise FactsError with suggestions."""
    by_id = _facts_by_id(facts_dir)
    if fact_id not in by_id:
        close = difflib.get_close_matches(str(fact_id), list(by_id), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise FactsError(f"unknown fact id {fact_id!r}: not in {_facts_dir(facts_dir) / FACTS_FILE} "
                         f"({len(by_id)} facts, ids like SHK-01, CST-06, SKP-01).{hint}")
    return by_id[fact_id]


def facts(ids: Iterable[str], facts_dir: Path | None = None) -> dict[str, Fact]:
    """Several facts with one verified load."""
    by_id = _facts_by_id(facts_dir)
    out = {}
    for fid in ids:
        if fid not in by_id:
            raise FactsError(f"unknown fact id {fid!r}: not in {_facts_dir(facts_dir) / FACTS_FILE}.")
        out[fid] = by_id[fid]
    return out


# --------------------------------------------------------------------------------------------
# Source lines
# --------------------------------------------------------------------------------------------

def short_source(source_title: str) -> str:
    """The publisher part of a source title: before ':' with parenthetical remarks dropped."""
    s = str(source_title).split(": ", 1)[0]
    while True:  # drop parenthetical remarks, innermost first (titles nest them)
        t = re.sub(r"\s*\([^()]*\)", "", s)
        if t == s:
            break
        s = t
    s = re.sub(r"\s*[()]", "", s).strip()
    if s.startswith("Derived from"):
        return "derived from " + s[len("Derived from"):].strip()
    if len(s) > 45 and ", " in s:
        s = s.split(", ", 1)[0]
    if s.count("'") % 2 and " '" in s:  # a quotation cut in half by the ':' split
        s = s[: s.rindex(" '")].strip()
    return s.rstrip(" .,;") or str(source_title)


def cite(f: Fact | str, *, url: bool = False, facts_dir: Path | None = None) -> str:
    """A short English source line, e.g. ``Source: Reuters, 2025-01-27 (fact)``."""
    if not isinstance(f, Fact):
        f = fact(str(f), facts_dir)
    line = f"Source: {short_source(f.source_title)}, {f.as_of} ({f.status})"
    if url and f.source_url:
        line += f" <{f.source_url}>"
    return line


def status_counts(facts_dir: Path | None = None) -> dict[str, int]:
    df = load_facts(facts_dir)
    return {s: int((df["status"] == s).sum()) for s in STATUSES}


def provenance(facts_dir: Path | None = None) -> pd.DataFrame:
    """One row per facts file: rows, origin and sha256 (for the appendix)."""
    import pandas as pd

    from shockbook.data.cache import _note_read

    facts_dir = _facts_dir(facts_dir)
    _note_read(facts_dir / MANIFEST_FILE)
    rows = []
    for name, entry in read_manifest(facts_dir)["files"].items():
        origin = entry.get("origin", {})
        where = origin.get("path", "").replace("../shared/", "shared/")
        extra = entry.get("additions_origin")
        if extra:
            where += f" + {extra['path']} ({extra['rows']} book additions)"
        rows.append({"file": f"data/facts/{name}", "rows": entry.get("rows"),
                     "origin": where,
                     "credit": entry.get("credit", "–"), "sha256": entry.get("sha256", "")[:16] + "…"})
    return pd.DataFrame(rows)


def number_in_text(text: str, pattern: str, fid: str) -> float:
    """A number a fact states only in words (its statement or note), found by ``pattern``'s first group.

    A fact row carries one value; some rows state a second figure in their text (a 2024 capex beside
    the 2025 plan, a threshold in a rule). A changed wording fails loudly rather than giving a number.
    """
    import re

    m = re.search(pattern, text)
    if not m:
        raise FactsError(f"{fid}: the text no longer states the figure this chapter reads "
                         f"(pattern {pattern!r}); check the facts table.")
    return float(m.group(1).replace(",", ""))


# --------------------------------------------------------------------------------------------
# Source kinds and the Sources page (data/facts/sources.csv, hand-maintained)
# --------------------------------------------------------------------------------------------

SOURCES_FILE = "sources.csv"
#: What a source is. ``primary``: a filing, paper, official page or the publisher's own release or
#: blog (for an estimate, the estimator's own publication); ``press``: a reputable news outlet's or
#: trade publication's own report (including licensed syndication); ``aggregator``: a site that
#: compiles or rewrites others' reports; ``mirror``: a copy of someone else's text on another site;
#: ``derived``: computed by the book from other rows.
SOURCE_KINDS = ("primary", "press", "aggregator", "mirror", "derived")
SOURCES_COLUMNS = ("id", "stored_kind", "stored_reason", "kind", "outlet", "published", "url", "title",
                   "upgrade_note")
#: Where the Sources page sits relative to the chapter pages (all in chapters/), and its anchors.
SOURCES_PAGE = "sources.html"


def anchor(fact_id: str) -> str:
    """The HTML id of a fact's row on the Sources page: ``SHK-11`` -> ``fact-shk-11``."""
    return "fact-" + str(fact_id).lower()


def load_sources(facts_dir: Path | None = None) -> pd.DataFrame:
    """One row per fact: the kind of the stored source and of the best source found, with its link.

    ``stored_kind`` classifies the address in facts.csv (what the facts were read from);
    ``kind``/``outlet``/``url`` are the best source the book found for the same statement (the
    stored one when nothing better was found; ``upgrade_note`` says what was replaced). Every fact
    has exactly one row; a derived fact has no URL (its row names the rows it is computed from).
    """
    import pandas as pd

    from shockbook.data.cache import _note_read

    path = _facts_dir(facts_dir) / SOURCES_FILE
    if not path.is_file():
        raise FactsError(f"{path}: the source-kind table is missing. Restore it with `git checkout -- data/facts`.")
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    _note_read(path)
    if tuple(df.columns) != SOURCES_COLUMNS:
        raise FactsError(f"{path}: columns are {list(df.columns)}, expected {list(SOURCES_COLUMNS)}.")
    for col in ("stored_kind", "kind"):
        bad = sorted(set(df[col]) - set(SOURCE_KINDS))
        if bad:
            raise FactsError(f"{path}: {col} values {bad} are not in {list(SOURCE_KINDS)}.")
    ids = load_facts(facts_dir)["id"]
    missing, extra = sorted(set(ids) - set(df["id"])), sorted(set(df["id"]) - set(ids))
    dup = sorted(df["id"][df["id"].duplicated()])
    if missing or extra or dup:
        raise FactsError(f"{path}: must hold one row per fact; missing {missing[:5]}, unknown {extra[:5]}, "
                         f"repeated {dup[:5]}. Add a row (kind, outlet, url, reason) for each new fact.")
    no_url = df[(df["kind"] != "derived") & ~df["url"].str.startswith(("http://", "https://"))]["id"].tolist()
    df.attrs["no_url"] = no_url
    return df


def kind_counts(facts_dir: Path | None = None, column: str = "kind") -> dict[str, int]:
    """Facts by source kind: ``column="stored_kind"`` before the book's upgrades, ``"kind"`` after."""
    df = load_sources(facts_dir)
    return {k: int((df[column] == k).sum()) for k in SOURCE_KINDS}


MARKER_TITLE = "Source of {id}"  # the marker's tooltip; an edition translates it (see retitle_markers)
_MARKER_RE = re.compile(r'<sup class="fact-marker"><a href="(?P<page>[^"#]*)#fact-[^"]*" '
                        r'title="[^"]*">(?P<id>[^<]+)</a></sup>')


def marker(f: Fact | str, *, page: str = SOURCES_PAGE, title: str | None = None) -> str:
    """A compact citation: MyST markdown for a superscript link to the fact's row on the Sources page.

    Chapters cite with :class:`shockbook.site.section.Cite`, which glues this for ``{glue:md}`` in
    prose. The link is relative: chapters and the Sources page share the chapters/ folder (in every
    edition). Raw HTML keeps Sphinx from resolving it as a document reference. ``title`` (the
    tooltip) defaults to ``MARKER_TITLE``.
    """
    import html

    fid = f.id if isinstance(f, Fact) else str(f)
    if not _ID_RE.match(fid):
        raise FactsError(f"marker: {fid!r} is not a fact id (e.g. SHK-11).")
    title = MARKER_TITLE.format(id=fid) if title is None else title
    return (f'<sup class="fact-marker"><a href="{page}#{anchor(fid)}" '
            f'title="{html.escape(title, quote=True)}">{fid}</a></sup>')


def retitle_markers(markup: str, title) -> str:
    """Every marker in ``markup`` made again by :func:`marker` with ``title(fact_id)`` as its tooltip
    (another edition's language); its page and anchor are kept."""
    return _MARKER_RE.sub(lambda m: marker(m["id"], page=m["page"], title=title(m["id"])), markup)
