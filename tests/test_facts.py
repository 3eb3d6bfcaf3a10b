"""Tests for shockbook.data.facts: import, verification on load, status rules, value parsing, citations."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from shockbook.data import facts as F
from shockbook.data.facts import FactsError, cite, fact, import_facts, load_epoch, load_facts

REPO_FACTS = F.FACTS_DIR
SHARED = F.SHARED_FACTS_DIR
HAVE_SHARED = (SHARED / F.SOURCE_FACTS).is_file()
NO_SHARED = "../shared/facts is not present (it exists only on the machine the book is built from)"


@pytest.fixture
def source_dir(tmp_path: Path) -> Path:
    """The shared facts folder; where it is absent (CI), a rebuild of it from data/facts."""
    if HAVE_SHARED:
        return SHARED
    src = tmp_path / "shared_facts"
    src.mkdir()
    df = pd.read_csv(REPO_FACTS / F.FACTS_FILE, dtype=str, keep_default_na=False)
    df = df[~df["id"].map(F.is_addition_id)]  # the book's additions come from data/facts/additions.csv
    df[list(F.SOURCE_COLUMNS)].to_csv(src / F.SOURCE_FACTS, index=False, lineterminator="\n")
    shutil.copy(REPO_FACTS / F.EPOCH_FILE, src / F.SOURCE_EPOCH)
    (src / F.SOURCE_README).write_text(
        "Epoch AI's *Notable AI Models* CSV (https://epochai.org/data/notable-ai-models, CC BY 4.0). "
        "The copy used was the one committed in `github.com/x/y` at `data/z.csv`,\naccessed 2026-01-26.\n",
        encoding="utf-8")
    return src


@pytest.fixture
def facts_copy(tmp_path: Path) -> Path:
    """A copy of the committed data/facts that a test may damage."""
    dst = tmp_path / "facts"
    shutil.copytree(REPO_FACTS, dst)
    return dst


def _rewrite_with_matching_hash(folder: Path, name: str, df: pd.DataFrame) -> None:
    """Write a changed CSV and update manifest.json so only the schema check can catch it."""
    (folder / name).write_bytes(df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    man = json.loads((folder / F.MANIFEST_FILE).read_text())
    man["files"][name]["sha256"] = F.sha256_file(folder / name)
    (folder / F.MANIFEST_FILE).write_text(json.dumps(man))


# ---------------------------------------------------------------------------- import

@pytest.mark.usefixtures("data_untouched")
def test_import_twice_is_byte_identical(source_dir: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    import_facts(source_dir, a)
    first = {p.name: p.read_bytes() for p in a.iterdir()}
    import_facts(source_dir, a)  # same folder again
    import_facts(source_dir, b)  # and a fresh one
    assert set(first) == {F.FACTS_FILE, F.EPOCH_FILE, F.MANIFEST_FILE}
    for name, data in first.items():
        assert (a / name).read_bytes() == data, name
        assert (b / name).read_bytes() == data, name


@pytest.mark.usefixtures("data_untouched")
def test_import_reproduces_committed_csvs(source_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    import_facts(source_dir, out)
    for name in (F.FACTS_FILE, F.EPOCH_FILE):
        assert (out / name).read_bytes() == (REPO_FACTS / name).read_bytes(), name


@pytest.mark.skipif(not HAVE_SHARED, reason=NO_SHARED)
@pytest.mark.usefixtures("data_untouched")
def test_committed_data_is_a_fresh_import(tmp_path: Path) -> None:
    out = tmp_path / "out"
    import_facts(SHARED, out)
    for name in (F.FACTS_FILE, F.EPOCH_FILE, F.MANIFEST_FILE):
        assert (out / name).read_bytes() == (REPO_FACTS / name).read_bytes(), name


@pytest.mark.skipif(not HAVE_SHARED, reason=NO_SHARED)
def test_manifest_records_origin() -> None:
    man = F.read_manifest()
    facts_entry, epoch_entry = man["files"][F.FACTS_FILE], man["files"][F.EPOCH_FILE]
    assert facts_entry["origin"]["path"] == "../shared/facts/facts.csv"
    assert facts_entry["origin"]["sha256"] == F.sha256_file(SHARED / F.SOURCE_FACTS)
    assert epoch_entry["origin"]["path"] == "../shared/facts/epoch_selected_models.csv"
    assert epoch_entry["origin"]["sha256"] == F.sha256_file(SHARED / F.SOURCE_EPOCH)
    assert epoch_entry["origin"]["accessed"] == "2026-01-26"
    assert epoch_entry["credit"] == "Data: Epoch AI" and epoch_entry["licence"] == "CC BY 4.0"


def test_manifest_describes_files() -> None:
    man = F.read_manifest()
    df, ep = load_facts(), load_epoch()
    entry = man["files"][F.FACTS_FILE]
    # 127 rows from ../shared, then the book's own sourced additions (data/facts/additions.csv)
    additions = pd.read_csv(REPO_FACTS / F.ADDITIONS_FILE, dtype=str, keep_default_na=False)
    assert entry["shared_rows"] == 127 and entry["addition_rows"] == len(additions)
    assert entry["rows"] == len(df) == 127 + len(additions)
    assert entry["additions_origin"]["sha256"] == F.sha256_file(REPO_FACTS / F.ADDITIONS_FILE)
    assert entry["additions_origin"]["path"] == "data/facts/additions.csv"
    assert [c["name"] for c in entry["columns"]] == list(F.FACTS_COLUMNS)
    assert {c["name"]: c["dtype"] for c in entry["columns"]}["chapter"] == "int64"
    assert entry["status_counts"] == {s: int((df["status"] == s).sum()) for s in F.STATUSES}
    assert sum(entry["status_counts"].values()) == len(df)
    assert man["files"][F.EPOCH_FILE]["rows"] == len(ep) == 21
    assert entry["sha256"] == F.sha256_file(REPO_FACTS / F.FACTS_FILE)


def test_epoch_extract_unchanged() -> None:
    ep = load_epoch()
    assert list(ep.columns) == list(F.EPOCH_COLUMNS)
    v3 = ep.loc[ep["Model"] == "DeepSeek-V3"].iloc[0]
    assert v3["Training compute (FLOP)"] == pytest.approx(3.4078e24)
    assert v3["Hardware quantity"] == 2048
    assert ep["Parameters"].dtype == "float64"
    assert ep.attrs["credit"] == "Data: Epoch AI"


@pytest.mark.skipif(not HAVE_SHARED, reason=NO_SHARED)
def test_epoch_values_match_source_text() -> None:
    src = pd.read_csv(SHARED / F.SOURCE_EPOCH, dtype=str, keep_default_na=False)
    ours = pd.read_csv(REPO_FACTS / F.EPOCH_FILE, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(src, ours)


@pytest.mark.usefixtures("data_untouched")
def test_import_rejects_bad_source(tmp_path: Path, source_dir: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(source_dir, bad)
    df = pd.read_csv(bad / F.SOURCE_FACTS, dtype=str, keep_default_na=False)
    df.drop(columns=["note"]).to_csv(bad / F.SOURCE_FACTS, index=False)
    with pytest.raises(FactsError, match="columns"):
        import_facts(bad, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.usefixtures("data_untouched")
def test_import_missing_source(tmp_path: Path) -> None:
    with pytest.raises(FactsError, match="source file not found"):
        import_facts(tmp_path / "nowhere", tmp_path / "out")


# ---------------------------------------------------------------------------- verified loading

def test_hand_edited_copy_fails_hash_check(facts_copy: Path) -> None:
    path = facts_copy / F.FACTS_FILE
    path.write_text(path.read_text(encoding="utf-8").replace("5.576", "5.6", 1), encoding="utf-8")
    with pytest.raises(FactsError) as err:
        load_facts(facts_copy)
    msg = str(err.value)
    assert str(path) in msg
    assert "sha256" in msg and "does not match manifest.json" in msg
    assert "git checkout -- data/facts" in msg and "python -m shockbook import" in msg
    with pytest.raises(FactsError, match="does not match"):
        fact("CST-06", facts_copy)


def test_hand_edited_epoch_fails_hash_check(facts_copy: Path) -> None:
    path = facts_copy / F.EPOCH_FILE
    path.write_bytes(path.read_bytes() + b"\n")
    with pytest.raises(FactsError, match="does not match manifest.json"):
        load_epoch(facts_copy)


def test_unchanged_copy_loads(facts_copy: Path) -> None:
    assert load_facts(facts_copy).equals(load_facts())


@pytest.mark.parametrize("name", [F.FACTS_FILE, F.MANIFEST_FILE])
def test_missing_file(facts_copy: Path, name: str) -> None:
    (facts_copy / name).unlink()
    with pytest.raises(FactsError, match="missing") as err:
        load_facts(facts_copy)
    assert "git checkout -- data/facts" in str(err.value)


def test_bad_schema_missing_column(facts_copy: Path) -> None:
    df = pd.read_csv(facts_copy / F.FACTS_FILE, dtype=str, keep_default_na=False)
    _rewrite_with_matching_hash(facts_copy, F.FACTS_FILE, df.drop(columns=["reliability"]))
    with pytest.raises(FactsError, match="bad schema"):
        load_facts(facts_copy)


def test_bad_schema_unknown_status(facts_copy: Path) -> None:
    df = pd.read_csv(facts_copy / F.FACTS_FILE, dtype=str, keep_default_na=False)
    df.loc[0, "status"] = "rumour"
    _rewrite_with_matching_hash(facts_copy, F.FACTS_FILE, df)
    with pytest.raises(FactsError, match="status values \\['rumour'\\]"):
        load_facts(facts_copy)


def test_bad_schema_wrong_chapter(facts_copy: Path) -> None:
    df = pd.read_csv(facts_copy / F.FACTS_FILE, dtype=str, keep_default_na=False)
    df.loc[df["id"] == "CST-06", "chapter"] = "3"
    _rewrite_with_matching_hash(facts_copy, F.FACTS_FILE, df)
    with pytest.raises(FactsError, match="CST-06 is in chapter 3"):
        load_facts(facts_copy)


def test_bad_manifest(facts_copy: Path) -> None:
    (facts_copy / F.MANIFEST_FILE).write_text("{not json")
    with pytest.raises(FactsError, match="not valid"):
        load_facts(facts_copy)


def test_unknown_id() -> None:
    with pytest.raises(FactsError, match="unknown fact id 'CST-99'") as err:
        fact("CST-99")
    assert "Did you mean" in str(err.value)
    with pytest.raises(FactsError, match="unknown fact id 'nonsense'"):
        fact("nonsense")
    assert issubclass(FactsError, ValueError)


# ---------------------------------------------------------------------------- status and reliability

# The editorial decisions, frozen: every row not listed here is a fact.
CLAIMS = {"SHK-33", "SKP-01", "SKP-02", "SKP-10", "SKP-11", "SKP-12", "SKP-13", "SKP-15", "GEO-15"}
ESTIMATES = {"SHK-06", "SHK-07", "SHK-08", "SHK-23", "CST-14", "CST-15", "CST-16", "CST-32", "CST-35",
             "CST-36", "CST-37", "CST-38", "CST-39", "CST-40", "CST-41", "CST-42", "CST-43", "SKP-03",
             "SKP-04", "SKP-05", "SKP-06", "SKP-07", "SKP-08", "SKP-09"}
DISPUTED = {"SHK-05", "SHK-28", "RSP-12", "RSP-13"}
# The book's additions that are estimates: a catalogue's price and DeepSeek's self-reported benchmark tables.
ADDED_ESTIMATES = {"GEO-B06", "CST-B01", "CST-B02", "CST-B03", "CST-B04",
                   "RSP-B31",  # the ledger's: a projection
                   # chapters 2 and 3: more of DeepSeek's benchmark table; grey-market premiums from dealers' prices
                   "CST-B10", "CST-B11", "SKP-B10", "SKP-B11"}
ESTIMATES |= ADDED_ESTIMATES
ALL_IDS = load_facts()["id"].tolist()


def _expected(fid: str) -> str:
    return ("claim" if fid in CLAIMS else "estimate" if fid in ESTIMATES
            else "disputed" if fid in DISPUTED else "fact")


@pytest.mark.parametrize("fid", ALL_IDS)
def test_status_of_every_row(fid: str) -> None:
    assert fact(fid).status == _expected(fid)


def test_status_examples() -> None:
    assert fact("SKP-01").status == "claim"  # Wang's 50,000 H100s
    assert fact("SKP-02").status == "claim"  # Musk's "Obviously"
    assert {fact(i).status for i in ("SKP-03", "SKP-04", "SKP-06", "SKP-07")} == {"estimate"}  # SemiAnalysis
    assert {fact(i).status for i in ("CST-01", "CST-02", "CST-03", "CST-04", "CST-05", "CST-06", "CST-07")} == {"fact"}
    assert {fact(i).status for i in ("SKP-10", "SKP-11")} == {"claim"}  # distillation accusations
    assert fact("CST-41").status == "estimate"  # derived from Epoch estimates
    assert fact("CST-29").status == "fact"  # derived from list prices


def test_status_counts() -> None:
    df = load_facts()
    added = df["id"].map(F.is_addition_id)
    shared = df[~added]
    assert {s: int((shared["status"] == s).sum()) for s in F.STATUSES} == {
        "fact": 90, "estimate": 24, "claim": 9, "disputed": 4}
    # the additions are dates and figures of record (facts), except the few estimates, by the same rules
    est = df.loc[added, "id"].isin(ADDED_ESTIMATES)
    assert df.loc[added & ~df["id"].isin(ADDED_ESTIMATES), "status"].eq("fact").all()
    assert F.status_counts() == {"fact": 90 + int(added.sum()) - int(est.sum()), "estimate": 24 + int(est.sum()),
                                 "claim": 9, "disputed": 4}


# ---------------------------------------------------------------------------- the book's additions

def test_additions_follow_the_shared_rows_with_sources() -> None:
    df = load_facts()
    added = df[df["id"].map(F.is_addition_id)]
    src = pd.read_csv(REPO_FACTS / F.ADDITIONS_FILE, dtype=str, keep_default_na=False)
    assert list(src.columns) == list(F.SOURCE_COLUMNS)
    assert list(added["id"]) == list(src["id"]) and len(added) >= 1
    assert list(df["id"][-len(added):]) == list(src["id"])  # after the 127 shared rows
    assert added["source_url"].str.match(r"^https?://").all()
    assert added["note"].str.startswith("Book addition, looked up ").all()
    assert added["reliability"].isin(F.RELIABILITIES).all()
    assert fact("RSP-B01").value == "2025-01-29" and fact("RSP-B01").reliability == "Primary"
    assert fact("RSP-B03").value == "2025-01-29" and "after the US close" in fact("RSP-B03").unit
    assert fact("RSP-B02").number() == 22.6 and fact("RSP-B02").reliability == "MEDIUM"


def test_addition_ids_are_a_separate_range() -> None:
    assert F.is_addition_id("RSP-B01") and not F.is_addition_id("RSP-01")
    assert not any(F.is_addition_id(i) for i in pd.read_csv(SHARED / F.SOURCE_FACTS, dtype=str)["id"]) \
        if HAVE_SHARED else True


@pytest.mark.usefixtures("data_untouched")
def test_import_rejects_bad_additions(tmp_path: Path, source_dir: Path) -> None:
    src = pd.read_csv(REPO_FACTS / F.ADDITIONS_FILE, dtype=str, keep_default_na=False)
    bad = src.copy()
    bad.loc[0, "id"] = "RSP-01"  # a shared-range id
    bad.to_csv(tmp_path / "a.csv", index=False)
    with pytest.raises(FactsError, match="outside the additions' range"):
        import_facts(source_dir, tmp_path / "out", additions=tmp_path / "a.csv")
    bad = src.copy()
    bad.loc[0, "source_url"] = ""
    bad.to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(FactsError, match="no source URL"):
        import_facts(source_dir, tmp_path / "out", additions=tmp_path / "b.csv")
    bad = pd.concat([src, src.iloc[[0]]])
    bad.to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(FactsError, match="duplicate ids"):
        import_facts(source_dir, tmp_path / "out", additions=tmp_path / "c.csv")


@pytest.mark.parametrize("unit,note,source,expected", [
    ("H100 GPUs (claimed)", "Interview.", "Mint", "claim"),
    ("date", "Allegation; no evidence.", "Semafor", "claim"),
    ("GPUs (estimate)", "Paywalled model.", "Taiwan News", "estimate"),
    ("USD", "Analyst estimate; more text.", "X", "estimate"),
    ("FLOP", "'Likely' confidence.", "Epoch AI, Notable AI Models dataset", "estimate"),
    ("percent", "CONFLICT on the close.", "Reuters", "disputed"),
    ("percent", "Reuters close.", "Reuters", "fact"),
    ("percent", "Unsubstantiated claim; sources CONFLICT.", "X", "claim"),  # claim outranks disputed
    ("FLOP", "Estimate; CONFLICT with another estimate.", "X", "estimate"),  # estimate outranks disputed
    ("date", "Reuters. Later, someone claimed otherwise.", "X", "fact"),  # only the note's opening counts
])
def test_rule_status(unit: str, note: str, source: str, expected: str) -> None:
    row = {"id": "SHK-99", "statement": "s", "unit": unit, "note": note, "source_title": source}
    assert F.rule_status(row) == expected


def test_overrides_are_needed() -> None:
    """Each override changes what the rules say; no dead entries."""
    df = load_facts().set_index("id")
    for fid, (status, why) in F.STATUS_OVERRIDES.items():
        assert status in F.STATUSES and why
        assert F.rule_status(df.loc[fid].to_dict()) != status, fid
    for fid, (label, why) in F.RELIABILITY_OVERRIDES.items():
        assert F.parsed_reliability(df.loc[fid].to_dict()) != label, fid
    for fid, (label, why) in F.RELIABILITY_UNLABELLED.items():
        assert label in F.RELIABILITIES and why
        assert F.parsed_reliability(df.loc[fid].to_dict()) is None, fid


def test_reliability_labels() -> None:
    df = load_facts().set_index("id")
    assert set(df["reliability"]) <= set(F.RELIABILITIES)
    assert set(df.index[df["reliability"] == "derived"]) == {"SHK-15", "CST-29", "CST-41"}
    assert df.loc["CST-01", "reliability"] == "Primary"
    assert df.loc["SHK-24", "reliability"] == "LOW-MEDIUM"
    assert df.loc["RSP-02", "reliability"] == "UNVERIFIED"
    assert df.loc["SKP-07", "reliability"] == "CONFLICT"
    assert df.loc["CST-24", "reliability"] == "MEDIUM"
    # "A Medium post" (the blogging site) is not the MEDIUM label
    assert F.parsed_reliability({**df.loc["SHK-25"].to_dict(), "id": "SHK-25"}) is None


def test_every_row_has_status_and_reliability() -> None:
    df = load_facts()
    assert df["status"].isin(F.STATUSES).all()
    assert df["reliability"].isin(F.RELIABILITIES).all()
    assert list(df.columns) == list(F.FACTS_COLUMNS)


@pytest.mark.usefixtures("data_untouched")
def test_unlabelled_row_without_decision_fails_import(tmp_path: Path, source_dir: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(source_dir, bad)
    df = pd.read_csv(bad / F.SOURCE_FACTS, dtype=str, keep_default_na=False)
    extra = df.iloc[[0]].copy()
    extra["id"], extra["note"] = "SHK-99", "No label here."
    pd.concat([df, extra]).to_csv(bad / F.SOURCE_FACTS, index=False)
    with pytest.raises(FactsError, match="SHK-99: the note carries no reliability label"):
        import_facts(bad, tmp_path / "out")


# ---------------------------------------------------------------------------- values

def test_fact_fields() -> None:
    f = fact("CST-06")
    assert isinstance(f, F.Fact)
    assert (f.id, f.value, f.unit, f.status, f.as_of) == ("CST-06", 5.576, "USD million", "fact", "2024-12-27")
    assert f.source_url == "https://arxiv.org/html/2412.19437v2"
    assert f.scaled(unit_contains="USD million") == 5_576_000
    assert "5.576 million" in f.statement


def test_value_kinds() -> None:
    assert fact("CST-07").value == (5.328, 0.238, 0.01)
    assert fact("CST-07").kind == "numbers"
    assert fact("SHK-01").value == "2025-01-20" and fact("SHK-01").kind == "date"
    assert fact("SKP-15").value == "2025-02"
    assert fact("GEO-08").value == ("2025-04-09", "2025-04-14")
    assert fact("CST-10").value == 2048.0
    assert fact("SKP-02").value == "Obviously" and fact("SKP-02").numbers == ()
    assert fact("CST-14").value == pytest.approx(3.4078e24)


@pytest.mark.parametrize("text,expected", [
    ("180K GPU-h per 1T tokens", (180_000, 1e12)),
    ("3,320 cost; 25,000-30,000 price", (3320, 25_000, 30_000)),
    ("2.99 (Oct 2024); ~2.2-2.4 (2025)", (2.99, 2.2, 2.4)),
    ("608B in; 168B out; 56.3% cache", (608e9, 168e9, 56.3)),
    ("Marvell -19; Oracle -13.8", (-19, -13.8)),
    ("Llama405B/V3 = 11.2; GPT-4/V3 = 6.2", (11.2, 6.2)),
    ("R1-Zero 198 h; R1 80 h; 512 GPUs", (198, 80, 512)),
    ("H800 ~10,000; H100 ~10,000; H20 remainder (~30,000 implied)", (10_000, 10_000)),
    ("1.6B capex & 640M/yr (60k GPUs); 1.4B & 545M/yr (Hoppers)", (1.6e9, 640e6, 1.4e9, 545e6)),
    ("2025-02-06 to 2025-02-25", ()),
    ("Claude 3.5 Sonnet 2.7e25; Qwen2.5-72B 7.8e24", (3.5, 2.7e25, 7.8e24)),
])
def test_number_tokens(text: str, expected: tuple) -> None:
    _, _, parts = F.parse_value(text)
    got = tuple(x for p in parts for x in p)
    assert got == pytest.approx(expected)


def test_number_access_errors() -> None:
    with pytest.raises(FactsError, match="part 5 does not exist"):
        fact("CST-07").number(5)
    with pytest.raises(FactsError, match="index 3 does not exist"):
        fact("CST-42").number(1, 3)
    with pytest.raises(FactsError, match="expected it to contain"):
        fact("CST-06").scaled(unit_contains="USD billion")
    with pytest.raises(FactsError, match="differs by part"):
        fact("CST-16").scaled()


def test_unit_scale() -> None:
    assert F.unit_scale("thousand H800 GPU-hours") == 1e3
    assert F.unit_scale("million H800 GPU-hours") == 1e6
    assert F.unit_scale("USD billion") == 1e9
    assert F.unit_scale("USD per 1M tokens") == 1


# ---------------------------------------------------------------------------- citations

def test_cite() -> None:
    assert cite("SHK-16") == "Source: Reuters, 2025-01-27 (fact)"
    assert cite(fact("CST-06")) == "Source: DeepSeek-V3 Technical Report, 2024-12-27 (fact)"
    assert cite("SKP-01") == "Source: Mint, 2025-01-23 (claim)"
    assert cite("SKP-03") == "Source: Taiwan News, 2025-01-31 (estimate)"
    assert cite("CST-29") == "Source: derived from CST-21, CST-22, CST-28, 2025-01-20 (fact)"
    assert cite("SHK-16", url=True).endswith("<https://au.investing.com/news/stock-market-news/"
                                              "nasdaq-futures-tumble-as-chinas-ai-push-rattles-big-tech-3641785>")


@pytest.mark.parametrize("fid", ALL_IDS)
def test_cite_every_row_is_short_and_balanced(fid: str) -> None:
    line = cite(fid)
    assert line.startswith("Source: ") and line.endswith(f"({fact(fid).status})")
    assert len(line) < 110
    assert line.count("(") == line.count(")") and line.count("'") % 2 == 0


def test_facts_are_parsed_once_but_each_load_is_a_fresh_copy_and_noted(facts_copy: Path, tmp_path: Path,
                                                                        monkeypatch) -> None:
    log = tmp_path / "reads.txt"
    monkeypatch.setenv("SHOCKBOOK_READ_LOG", str(log))
    first = load_facts(facts_copy)
    first.loc[first.index[0], "value"] = "changed by a caller"
    second = load_facts(facts_copy)
    assert second.loc[second.index[0], "value"] != "changed by a caller"
    assert second.equals(load_facts())
    noted = [line for line in log.read_text().splitlines() if line.endswith(str(facts_copy / F.FACTS_FILE))]
    assert len(noted) == 1, "the file and its bytes are recorded once for the runner"
    # A memoised load is recorded too: the next run's log says the file was read.
    monkeypatch.setenv("SHOCKBOOK_READ_LOG", str(tmp_path / "next-run.txt"))
    load_facts(facts_copy)
    again = (tmp_path / "next-run.txt").read_text().splitlines()
    assert [line for line in again if line.endswith(str(facts_copy / F.FACTS_FILE))] == noted
    # A change of the file with a matching manifest is parsed (and checked) again, not served from memory.
    df = pd.read_csv(facts_copy / F.FACTS_FILE, dtype=str, keep_default_na=False)
    df.loc[0, "status"] = "rumour"
    _rewrite_with_matching_hash(facts_copy, F.FACTS_FILE, df)
    with pytest.raises(FactsError, match="rumour"):
        load_facts(facts_copy)


def test_a_fact_is_made_once_but_its_file_is_verified_and_noted_at_every_call(facts_copy: Path, tmp_path: Path,
                                                                              monkeypatch) -> None:
    log = tmp_path / "reads.txt"
    monkeypatch.setenv("SHOCKBOOK_READ_LOG", str(log))
    first = fact("CST-06", facts_copy)
    assert fact("CST-06", facts_copy) is first  # immutable, shared
    assert F.facts(["CST-06"], facts_copy)["CST-06"] is first
    # Each call is a read the runner must know of (the log keeps one line per file and digest).
    monkeypatch.setenv("SHOCKBOOK_READ_LOG", str(tmp_path / "next-run.txt"))
    fact("CST-06", facts_copy)
    assert (tmp_path / "next-run.txt").read_text().strip().endswith(str(facts_copy / F.FACTS_FILE))
    # A file changed under a matching manifest gives the new value, not the remembered one.
    df = pd.read_csv(facts_copy / F.FACTS_FILE, dtype=str, keep_default_na=False)
    df.loc[df["id"] == "CST-06", "statement"] = "restated"
    _rewrite_with_matching_hash(facts_copy, F.FACTS_FILE, df)
    assert fact("CST-06", facts_copy).statement == "restated"
    # A file changed without its manifest is refused, whatever was remembered.
    (facts_copy / F.FACTS_FILE).write_text((facts_copy / F.FACTS_FILE).read_text() + "\n")
    with pytest.raises(FactsError, match="does not match manifest"):
        fact("CST-06", facts_copy)
