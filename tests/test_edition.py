"""The Chinese edition (shockbook.site.edition): same values as the English book, translated text.

(a) every glued value of an English chapter reaches its Chinese twin unchanged: numbers identical,
    texts carrying the same numbers, verdicts and statuses exactly the catalogue's translation,
    charts and tables with the same numbers in their data;
(b) the built Chinese pages: no glue left unresolved, and no run of five or more English words in
    their text (code, citations, tickers and names excepted) — asserted for pages whose passages are
    all current and for the generated Sources and data-changelog pages, reported for the rest;
    the Chinese Sources page and changelog carry every row, number and date of the English, and
    every fact marker on a Chinese page lands on a row of the Chinese Sources page;
(c) the glossary is used consistently: an English passage with a glossary term has its Chinese
    term in the translation;
(d) the language switch: every page has its twin in the other edition;
(e) the Chinese PDF edition: CJK fonts embedded, Chinese text on its chapter pages, a Chinese
    contents page whose numbers point at the chapters, offered by every Chinese page.
"""
from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from shockbook import paths
from shockbook.site import edition

STEMS = edition.chapter_stems()
HTML = paths.ROOT / "_build" / "html"
ZH_HTML = HTML / "zh"
needs_site = pytest.mark.skipif(not (ZH_HTML / "index.html").exists(),
                                reason="the Chinese edition is not built: run `make site` first")

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?")


def numbers(text: str) -> Counter:
    """The numbers written in a text, without sign (a sign may become a word, 下跌), thousands
    separators or leading zeros (2025-01-27 and 2025年1月27日 hold the same numbers)."""
    def norm(n: str) -> str:
        n = n.replace(",", "")
        return str(int(n)) if n.isdigit() else n
    return Counter(norm(n) for n in _NUMBER.findall(text))


def glued(nb: dict) -> dict[str, dict]:
    out = {}
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                out[name] = o["data"]
    return out


@pytest.fixture(scope="module")
def translator():
    return edition.Translator(edition.read_catalogue(), patterns=edition.read_patterns())


@pytest.fixture(scope="module")
def twins(translator):
    """(English notebook, Chinese twin) per chapter, the twin made as `edition build` makes it."""
    return {stem: (json.loads((paths.CHAPTERS_DIR / f"{stem}.ipynb").read_text()),
                   edition.translate_notebook(stem, translator)) for stem in STEMS}


# ----------------------------------------------------------------------------------- (a) values

def test_numbers_counts_thousands_and_minus_signs():
    assert numbers("−$592.7 bn, 1,234 and 2025年1月27日") == Counter({"592.7": 1, "1234": 1, "2025": 1, "1": 1, "27": 1})
    assert numbers("2025-01-27") == numbers("27 and 1, 2025")


@pytest.mark.parametrize("stem", STEMS)
def test_every_glued_value_reaches_the_twin_unchanged(stem, twins, translator):
    english, chinese = (glued(nb) for nb in twins[stem])
    assert english, f"{stem}: no glued outputs"
    lost = sorted(set(english) - set(chinese))
    assert not lost, f"{stem}: glue keys missing in the Chinese twin: {lost}"
    for key, en in english.items():
        zh = chinese[key]
        for mime, en_value in en.items():
            zh_value = zh[mime]
            if not isinstance(en_value, str):
                assert zh_value == en_value, (stem, key, mime)
                continue
            if mime.endswith("text/plain") and en_value[:1] not in "'\"":  # a number, or a chart's repr
                try:
                    assert json.loads(zh_value) == json.loads(en_value), (stem, key)
                except json.JSONDecodeError:
                    assert not numbers(en_value) - numbers(zh_value) or "<" in en_value, (stem, key)
            elif mime.endswith("text/plain"):  # a text: translated from the same value
                en_text, zh_text = edition._py_str(en_value), edition._py_str(zh_value)
                if en_text in translator.catalogue:  # verdicts, statuses, names: the catalogue's word
                    assert zh_text == translator.catalogue[en_text], (stem, key)
                missing = numbers(en_text) - numbers(zh_text)
                assert not missing, f"{stem} {key}: {en_text!r} -> {zh_text!r} lost {dict(missing)}"
            else:  # a chart or a table: every number of the English data is in the Chinese one
                zh_numbers = numbers(_data_of(zh_value))
                missing = numbers(_data_of(en_value)) - zh_numbers
                if "亿" in zh_value:  # a table's columns in billions are in 亿: the English amount x10
                    missing = Counter({n: c for n, c in missing.items()
                                       if not numbers(edition.yi_amounts(n)) <= zh_numbers})
                assert not missing, f"{stem} {key} ({mime}): numbers lost {dict(list(missing.items())[:5])}"


def _data_of(markup: str) -> str:
    """The data of a chart (its spec's datasets) or the text of a table."""
    m = edition._SPEC_IN_HTML.search(markup)
    if m:
        spec = json.loads(m.group(1))
        return json.dumps(spec.get("datasets", spec.get("data", {})), ensure_ascii=False)
    import html as html_lib

    return html_lib.unescape(re.sub(r"<[^>]+>", " ", markup))


@pytest.mark.parametrize("stem", STEMS)
def test_derived_glue_is_the_english_number_in_chinese_units(stem, twins):
    english, chinese = (glued(nb) for nb in twins[stem])
    plain = edition.GLUE_PREFIX + "text/plain"
    for key in chinese:
        base, _, unit = key.rpartition("__")
        if base and unit in edition._DERIVED_FACTOR:
            expected = json.loads(english[base][plain]) * edition._DERIVED_FACTOR[unit]
            assert json.loads(chinese[key][plain]) == pytest.approx(expected, rel=1e-12), key


def test_the_check_lists_no_untranslated_string_and_no_missing_passage(capsys):
    """Every output string is in the catalogue and every English cell has a passage. Stale passages
    (the English changed after translation, as it does while the book is being written) are
    reported, not failed: the edition uses them, and `edition check` lists each with its English."""
    edition.check()
    out = capsys.readouterr().out
    stale = [line for line in out.splitlines() if ": stale" in line]
    problems = [line for line in out.splitlines() if ": missing" in line or line.startswith("untranslated")]
    with capsys.disabled():
        print(f"\n{len(stale)} stale passage(s): " + "; ".join(line.split(" —")[0] for line in stale))
    assert not problems, problems


def test_a_stale_passage_is_reported_with_the_english_that_changed(tmp_path, monkeypatch):
    stem = STEMS[0]
    text = (edition.TRANSLATIONS / f"{stem}.md").read_text(encoding="utf-8")
    head = re.search(r"<!-- passage 1 en:([0-9a-f]{12}) -->", text)
    (tmp_path / f"{stem}.md").write_text(text.replace(head.group(0), "<!-- passage 1 en:000000000000 -->"),
                                         encoding="utf-8")
    monkeypatch.setattr(edition, "TRANSLATIONS", tmp_path)
    states = {k: s for k, s, _ in edition.status(stem)}
    assert states[1] == "stale" and states[0] == "current"
    skeleton = edition.skeleton(stem)
    assert f"set en:{head.group(1)}" in skeleton and "<!-- passage 1 en:000000000000 -->" in skeleton


def test_a_skeleton_passage_counts_as_missing_until_it_is_translated(tmp_path, monkeypatch):
    monkeypatch.setattr(edition, "TRANSLATIONS", tmp_path)
    stem = STEMS[0]
    (tmp_path / f"{stem}.md").write_text(edition.skeleton(stem), encoding="utf-8")
    assert {s for _, s, _ in edition.status(stem)} == {"missing"}


# --------------------------------------------------------------------------- (b) built pages

_ENGLISH_RUN = re.compile(r"(?:\b[A-Za-z][A-Za-z'’-]*\b[ ,;:()\"“”]*){5,}")


def visible_text(html: str) -> str:
    """The reader's text of a built page's article: no code, outputs of code cells' sources, scripts,
    math, citations (author-year links and the bibliography), or the environment listing."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    article = soup.find("article") or soup
    for tag in article.select("script, style, pre, code, .cell_input, .math, .bibliography, "
                              "dl.citation, div.citation, [role=doc-biblioentry], a.reference.internal[href*='#id'], .MathJax, "
                              "span.math, div.math, mjx-container, .headerlink"):
        tag.decompose()
    for a in article.select("a"):  # citations render as author-year links
        if re.search(r"\d{4}[a-z]?$", a.get_text(strip=True)):
            a.decompose()
    for section in article.select("section"):
        h = section.find(["h2", "h3"])
        if h and h.get_text(strip=True).rstrip("#").strip() in ("运行环境", "Environment"):
            section.decompose()
    return article.get_text(" ", strip=True)


def english_runs(text: str, names: set[str] = frozenset()) -> list[str]:
    """Runs of 5+ English words, not counting tickers and ids (all capitals), nor the names the
    edition keeps in English on purpose (publications, people: ``Translator.kept``)."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    runs = []
    for m in _ENGLISH_RUN.finditer(text):
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", m.group(0)) if not w.isupper()]
        if len(words) >= 5:
            runs.append(m.group(0).strip())
    return runs


def test_english_runs_finds_sentences_not_names():
    assert english_runs("英伟达下跌 17% （来源：The Motley Fool，2025-01-29）") == []
    assert english_runs("数据：csv AAPL, AMZN, AVGO, GOOGL, META, MSFT") == []
    assert english_runs("来源：Epoch AI, Notable AI Models dataset，2024", {"Epoch AI, Notable AI Models dataset"}) == []
    assert english_runs("本章 The market model asks how a stock moved 以及") == ["The market model asks how a stock moved"]


def _zh_pages() -> list[str]:
    if not ZH_HTML.exists():
        return []
    return sorted(p.relative_to(ZH_HTML).as_posix() for p in ZH_HTML.rglob("*.html")
                  if p.name not in ("genindex.html", "search.html") and "_static" not in p.parts)


def _current(page: str) -> bool | None:
    """True if every passage of the page's chapter is current; None for pages without passages."""
    stem = Path(page).stem
    if stem not in STEMS:
        return None
    return all(state == "current" for _, state, _ in edition.status(stem))


@needs_site
def test_no_glue_left_unresolved_in_the_chinese_pages():
    log = paths.ROOT / "_build" / "zh.log"
    if log.exists():  # written by `make site`; the build also runs with --warningiserror
        assert not [line for line in log.read_text().splitlines() if "WARNING" in line]
    for page in _zh_pages():
        html = (ZH_HTML / page).read_text(encoding="utf-8")
        assert "{glue:" not in html and "glue:text" not in html, page


@needs_site
def test_no_untranslated_english_sentence_on_a_current_chinese_page(capsys, twins, translator):
    report, failures = [], []
    edition.generated_pages(translator)  # the names the Sources page and the changelog keep (outlets)
    for page in _zh_pages():
        runs = english_runs(visible_text((ZH_HTML / page).read_text(encoding="utf-8")), translator.kept)
        state = _current(page)
        label = {True: "current", False: "STALE passages", None: "no passages"}[state]
        report.append(f"{page}: {len(runs)} run(s) of 5+ English words ({label})")
        if runs and state is not False:
            failures.append(f"{page}: {runs[:3]}")
    with capsys.disabled():
        print("\n" + "\n".join(report))
    assert not failures, failures


_ROW = re.compile(r'^\| <span id="(fact-[\w-]+)".*$', re.M)


def _rows(markdown: str) -> dict[str, str]:
    return {m.group(1): m.group(0) for m in _ROW.finditer(markdown)}


def test_the_chinese_sources_page_has_every_row_and_number_of_the_english(translator):
    """Same facts, same anchors (the chapters' markers link them), every number and date of each
    English row in its Chinese row, and no string the catalogue lacks."""
    from shockbook.site import sources

    english = _rows(sources.page_markdown())
    tr = edition.Translator(translator.catalogue, patterns=translator.patterns)
    chinese_page = sources.page_markdown(lang="zh", tr=tr, data_prefix="../../")
    chinese = _rows(chinese_page)
    assert len(english) > 100 and list(chinese) == list(english)
    lost = {a: dict(numbers(english[a]) - numbers(chinese[a])) for a in english if numbers(english[a]) - numbers(chinese[a])}
    assert not lost, f"numbers lost in the Chinese rows: {dict(list(lost.items())[:5])}"
    assert not tr.missing, sorted(tr.missing)[:10]
    assert "2025年1月27日" in chinese_page and "-01-27" not in re.sub(r"<a [^>]*>", "", chinese_page)
    assert "../../data/facts/facts.csv" in chinese_page


def test_the_sources_page_has_no_other_language():
    from shockbook.site import sources

    with pytest.raises(ValueError, match="no Sources page in 'fr'"):
        sources.page_markdown(lang="fr")


def test_the_chinese_changelog_has_every_entry_of_the_english_with_its_numbers(translator):
    from shockbook.site.sphinxext import changelog_entries

    market, facts = (json.loads((paths.ROOT / "data" / p / "manifest.json").read_text()) for p in ("market", "facts"))
    entries = changelog_entries(market, facts)
    tr = edition.Translator(translator.catalogue, patterns=translator.patterns)
    page = edition.changelog_markdown(tr)
    items = [line for line in page.splitlines() if line.startswith("- **")]
    assert len(items) == len(entries) > 0
    for (when, what), item in zip(entries, items):
        text = item.replace("\\", "")
        assert not numbers(when + " " + what) - numbers(text), (what, item)
        assert "Market data" not in text and "imported" not in text, item
    assert not tr.missing, sorted(tr.missing)
    assert page.startswith("# 数据更新记录\n")


def test_zh_iso_dates():
    assert edition.zh_iso_dates("2025-01-07") == "2025年1月7日"
    assert edition.zh_iso_dates("2025-02-06 to 2025-02-25") == "2025年2月6日至2025年2月25日"
    assert edition.zh_iso_dates("2025-04-09 (notice)") == "2025年4月9日 (notice)"
    assert edition.zh_iso_dates("2023-06, 2024-25") == "2023年6月, 2024-25"


_FACT_LINK = re.compile(r'href="([^"#]*sources\.html)#(fact-[\w-]+)"')


@needs_site
def test_every_fact_marker_on_a_chinese_page_lands_on_a_row_of_the_chinese_sources_page():
    """Each Chinese page links the same fact rows as its English twin, and every link lands on a row
    (same anchor) of the Chinese Sources page, not the English one."""
    sources_page = ZH_HTML / "chapters" / "sources.html"
    ids = set(re.findall(r'<span id="(fact-[\w-]+)"', sources_page.read_text(encoding="utf-8")))
    assert len(ids) > 100
    seen, wrong = 0, []
    for page in _zh_pages():
        links = _FACT_LINK.findall((ZH_HTML / page).read_text(encoding="utf-8"))
        english = _FACT_LINK.findall((HTML / page).read_text(encoding="utf-8"))
        assert sorted(a for _, a in links) == sorted(a for _, a in english), page
        for target, anchor in links:
            seen += 1
            if (ZH_HTML / page).parent.joinpath(target).resolve() != sources_page.resolve() or anchor not in ids:
                wrong.append(f"{page}: {target}#{anchor}")
    assert seen > 0, "no fact marker on the Chinese pages"
    assert not wrong, wrong[:10]


@needs_site
def test_the_chinese_table_of_contents_marks_no_page_as_english():
    for page in ("index.html", "chapters/sources.html", "changelog.html"):
        html = (ZH_HTML / page).read_text(encoding="utf-8")
        assert "（英文）" not in html, page
    assert "<h1>来源" in (ZH_HTML / "chapters" / "sources.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------- (c) glossary

def glossary() -> list[tuple[str, str]]:
    """(English, Chinese) of the terms checked automatically: not those whose note says they are
    sense-dependent (close: a verdict, or a closing price)."""
    with edition.GLOSSARY.open(newline="", encoding="utf-8") as fh:
        return [(r["en"], r["zh"]) for r in csv.DictReader(fh) if "sense-dependent" not in r["note"]]


def _prose(markdown: str) -> str:
    """English prose without directive options, code fences, roles' targets and math."""
    text = re.sub(r"^:\w+:.*$", " ", markdown, flags=re.M)
    text = re.sub(r"\{[\w:]+\}`[^`]*`", " ", text)
    text = re.sub(r"```.*?\n", " ", text)
    return re.sub(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$", " ", text, flags=re.S)


def test_the_glossary_has_each_term_once_and_the_issue_s_terms():
    rows = list(csv.DictReader(edition.GLOSSARY.open(newline="", encoding="utf-8")))
    terms = [r["en"] for r in rows]
    assert len(terms) == len(set(terms))
    mapping = {r["en"]: r["zh"] for r in rows}
    assert mapping["abnormal return"] == "异常收益" and mapping["cumulative abnormal return"] == "累计异常收益"
    assert mapping["Nvidia"] == "英伟达" and mapping["TSMC"] == "台积电"


@pytest.mark.parametrize("stem", STEMS)
def test_glossary_terms_are_translated_the_same_way_everywhere(stem):
    nb = json.loads((paths.CHAPTERS_DIR / f"{stem}.ipynb").read_text())
    passages = edition.read_passages(edition.TRANSLATIONS / f"{stem}.md")
    problems = []
    for k, cell in enumerate(edition.markdown_cells(nb)):
        p = edition.passage_for(passages, k, edition.cell_hash("".join(cell["source"])))
        if p is None or p.en_hash != edition.cell_hash("".join(cell["source"])):
            continue  # missing or stale: listed by the check, not yet comparable
        english = _prose("".join(cell["source"]))
        chinese = edition.join_cjk_lines(edition.passage_body(p.text))
        for en, zh in glossary():
            if re.search(rf"\b{re.escape(en)}(s|es)?\b", english, re.I) and zh not in chinese:
                problems.append(f"passage {k}: '{en}' without '{zh}'")
    assert not problems, f"{stem}: {problems}"


# ---------------------------------------------------------------------------- (d) the switch

def _toc_files(path: Path) -> set[str]:
    import yaml

    toc = yaml.safe_load(path.read_text())
    files = {toc["root"]}
    for part in toc.get("parts", []):
        files |= {c["file"] for c in part["chapters"]}
    return files


def test_every_page_of_the_toc_has_a_twin():
    assert _toc_files(paths.ROOT / "_toc.yml") == _toc_files(edition.EDITION_DIR / "_toc.yml")


@needs_site
def test_every_built_page_links_to_its_twin_and_the_twin_exists():
    for root, other in ((HTML, ZH_HTML), (ZH_HTML, HTML)):
        pages = [p for p in root.rglob("*.html") if "_static" not in p.parts and "zh" not in
                 p.relative_to(root).parts[:1] and p.name not in ("genindex.html", "search.html")]
        assert pages
        for page in pages:
            html = page.read_text(encoding="utf-8")
            if 'http-equiv="Refresh"' in html:  # the root index.html only redirects to the first page
                continue
            m = re.search(r'<meta name="shockbook-twin" content="([^"]+)"', html)
            assert m, f"{page}: no language switch"
            twin = (page.parent / m.group(1)).resolve()
            assert twin.exists(), f"{page}: twin {m.group(1)} missing"
            assert twin.is_relative_to(other.resolve()), f"{page}: twin {twin} is not in the other edition"


def test_catalogue_translations_keep_every_number_of_the_english():
    """An amount may be added in 亿 or 万, but the English figure stays (the issue: "with the
    dollar figure kept"), so a reader can match the Chinese to the source."""
    lost = {en: dict(numbers(en) - numbers(zh)) for en, zh in edition.read_catalogue().items()
            if numbers(en) - numbers(zh)}
    assert not lost, lost


def test_a_passage_is_found_by_its_hash_when_cells_are_inserted_above_it(tmp_path, monkeypatch):
    """A new English cell shifts the indices of the cells below it: their unchanged passages must
    still be current, and the new cell's passage missing."""
    stem = STEMS[0]
    passages = edition.read_passages(edition.TRANSLATIONS / f"{stem}.md")
    shifted = "\n".join(f"<!-- passage {k + 1} en:{p.en_hash} -->\n{p.text}\n" for k, p in sorted(passages.items()))
    (tmp_path / f"{stem}.md").write_text(shifted, encoding="utf-8")
    monkeypatch.setattr(edition, "TRANSLATIONS", tmp_path)
    assert all(state == "current" for _, state, _ in edition.status(stem))
    nb = edition.translate_notebook(stem, edition.Translator({}))
    assert "".join(edition.markdown_cells(nb)[1]["source"]) == edition.join_cjk_lines(passages[1].text)


_ROLE = re.compile(r"\{(glue:\w+|numref|doc|cite)\}`([^`]+)`")


def _roles(markdown: str) -> set[tuple[str, str]]:
    """(role, target) pairs, the format dropped and a derived key (``__yi``) counted as its base."""
    return {(("glue" if r.startswith("glue") else r), re.sub(r"__(yi|wan|wanyi)$", "", t.split(":")[0]))
            for r, t in _ROLE.findall(markdown)}


@pytest.mark.parametrize("stem", STEMS)
def test_a_current_passage_uses_the_same_glued_values_references_and_citations(stem):
    nb = json.loads((paths.CHAPTERS_DIR / f"{stem}.ipynb").read_text())
    passages = edition.read_passages(edition.TRANSLATIONS / f"{stem}.md")
    for k, cell in enumerate(edition.markdown_cells(nb)):
        src = "".join(cell["source"])
        p = edition.passage_for(passages, k, edition.cell_hash(src))
        if p is None or p.en_hash != edition.cell_hash(src):
            continue
        english, chinese = _roles(src), _roles(p.text)
        assert english == chinese, f"{stem} passage {k}: only English {english - chinese}, only Chinese {chinese - english}"


# ---------------------------------------------------------------------------- (e) the Chinese PDF

ZH_PDF = paths.ROOT / "_build" / "pdf" / "book-zh.pdf"
needs_zh_pdf = pytest.mark.skipif(not ZH_PDF.exists(), reason="no Chinese PDF edition: run `make pdf`")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _fonts(reader) -> set[str]:
    """The names of the fonts on the pages (Chromium embeds Noto Sans CJK as Type 3 fonts, named in
    their font descriptor)."""
    names = set()
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            names.add(str(font.get("/BaseFont") or (descriptor.get_object().get("/FontName") if descriptor else "")))
    return names


@needs_zh_pdf
def test_the_chinese_pdf_embeds_a_cjk_font_and_its_chapters_are_chinese():
    from pypdf import PdfReader

    from shockbook.site import pdf

    reader = PdfReader(ZH_PDF)
    assert any("NotoSansCJK" in f or "NotoSansMonoCJK" in f for f in _fonts(reader)), sorted(_fonts(reader))
    pages = pdf.toc_pages(edition.EDITION_DIR)
    outline = {item.title: reader.get_destination_page_number(item) for item in reader.outline}
    assert len(outline) == len(pages)
    first = next(n for t, n in outline.items() if t.startswith("1."))
    text = reader.pages[first].extract_text()
    assert len(_HAN.findall(text)) > 100, text[:300]
    assert "目录" in reader.pages[1].extract_text()
    assert len(_HAN.findall(reader.pages[0].extract_text())) > 20  # the cover
    # copied or searched, the text is ideographs (文), not the radicals sharing their glyphs (⽂)
    radicals = [c for page in reader.pages[:first + 12] for c in page.extract_text() if "\u2e80" <= c <= "\u2fdf"]
    assert not radicals, radicals[:10]


def test_radicals_in_a_pdf_text_map_become_ideographs():
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    from shockbook.site import pdf

    writer = PdfWriter()
    page = writer.add_blank_page(100, 100)
    cmap = DecodedStreamObject()
    cmap.set_data(b"2 beginbfchar\n<45> <2F42>\n<46> <2EE2>\n<47> <2F00>\n<48> <4E2D>\nendbfchar")
    font = DictionaryObject({NameObject("/ToUnicode"): writer._add_object(cmap)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
        {NameObject("/F1"): writer._add_object(font)})})
    assert pdf.ideographs_not_radicals(writer) == 1
    assert cmap.get_data() == b"2 beginbfchar\n<45> <6587>\n<46> <9A6C>\n<47> <4E00>\n<48> <4E2D>\nendbfchar"


@needs_zh_pdf
def test_the_chinese_contents_page_numbers_point_at_the_chapters():
    """As the English PDF's test: the contents counts pages from the first page after the cover, and
    each chapter's page carries that number in its footer (spaces ignored: CJK text is extracted
    with spaces between some glyphs)."""
    from pypdf import PdfReader

    reader = PdfReader(ZH_PDF)
    lines = [re.sub(r"\s+", "", line) for line in (reader.pages[1].extract_text() or "").splitlines()]
    assert lines[0] == "目录"
    for item in reader.outline:
        index = reader.get_destination_page_number(item)
        printed = index  # the cover is page 0 and is not counted
        title = re.sub(r"\s+", "", item.title)
        assert title + str(printed) in lines, f"{item.title}: page {printed}"
        footer = re.sub(r"\s+", "", reader.pages[index].extract_text() or "")
        assert footer.endswith(str(printed)), f"{item.title}: the page's own number is not {printed}"


@needs_site
def test_every_chinese_page_offers_the_chinese_pdf():
    for page in _zh_pages():
        html = (ZH_HTML / page).read_text(encoding="utf-8")
        if 'http-equiv="Refresh"' in html:  # index.html only redirects to the first page
            continue
        hrefs = re.findall(r'href="([^"]*book\.pdf)"', html)
        assert hrefs, f"{page} does not link the PDF edition"
        for href in hrefs:
            assert (ZH_HTML / page).parent.joinpath(href).resolve() == (ZH_HTML / "book.pdf").resolve(), (page, href)
    if ZH_PDF.exists():
        assert (ZH_HTML / "book.pdf").read_bytes() == ZH_PDF.read_bytes()


# ------------------------------------------------------------- money in 亿 / 万亿 (not 十亿)

def test_amounts_in_billions_are_written_in_yi_with_the_english_figure_kept():
    assert edition.yi_value("593", "十亿美元") == "5,930亿美元（$593 bn）"
    assert edition.yi_value("1000", "十亿美元（下限）") == "1万亿美元（$1000 bn；下限）"
    assert edition.yi_value("60-65", "十亿美元（2025年资本开支）") == "600-650亿美元（$60-65 bn；2025年资本开支）"
    assert edition.yi_value("0.944", "十亿美元") == "9.44亿美元（$0.944 bn）"
    assert edition.yi_value("246 (2024); >320 (2025 plan)", "十亿美元") == \
        "2,460亿美元（$246 bn） (2024); >3,200亿美元（$320 bn） (2025 plan)"
    assert edition.yi_value("24.49", "十亿股") == "244.9亿股（24.49 bn）"
    assert edition.yi_value("5.58", "美元") is None
    # the patterns' {N:yi} write an amount the same way
    assert edition.yi_amounts("1.38") == "13.8" and edition.yi_amounts("593") == "5,930"


def test_the_chinese_sources_page_writes_billions_in_yi_not_shi_yi(translator):
    from shockbook.site import sources

    tr = edition.Translator(translator.catalogue, patterns=translator.patterns)
    page = sources.page_markdown(lang="zh", tr=tr, data_prefix="../../")
    assert "十亿" not in page
    row = _rows(page)["fact-shk-11"]
    assert "5,930亿美元（\\$593 bn）" in row, row  # the markdown escapes the dollar sign (no maths)


def test_a_chart_counting_in_billions_counts_in_yi_in_the_chinese_edition():
    spec = {"datasets": {"d": [{"name": "英伟达", "change_bn": -593.0, "hi": 1.0}]}, "data": {"name": "d"},
            "layer": [{"mark": "bar", "encoding": {
                "x": {"field": "change_bn", "type": "quantitative", "title": "市值变化（十亿美元）"}, "x2": {"field": "hi"},
                "tooltip": [{"field": "name"}, {"field": "change_bn", "format": "+,.1f", "title": "变化（十亿美元）"}]}},
                {"mark": "rule", "encoding": {"x": {"datum": 0}}}]}
    out = edition.yi_fields(spec)
    assert out["datasets"] == spec["datasets"]  # the same data as the English chart
    bar = out["layer"][0]
    assert bar["transform"] == [{"calculate": 'datum["change_bn"] * 10', "as": "change_bn__yi"},
                                {"calculate": 'datum["hi"] * 10', "as": "hi__yi"}]
    assert bar["encoding"]["x"] == {"field": "change_bn__yi", "type": "quantitative", "title": "市值变化（亿美元）"}
    assert bar["encoding"]["x2"] == {"field": "hi__yi"}
    assert bar["encoding"]["tooltip"][1] == {"field": "change_bn__yi", "format": "+,.0f", "title": "变化（亿美元）"}
    assert "transform" not in out["layer"][1] and "十亿" not in json.dumps(out, ensure_ascii=False)


@needs_site
def test_no_chinese_page_writes_shi_yi():
    pages = [p for p in _zh_pages() if "十亿" in (ZH_HTML / p).read_text(encoding="utf-8")]
    assert not pages, f"十亿 on {pages}"
    sources_page = (ZH_HTML / "chapters" / "sources.html").read_text(encoding="utf-8")
    assert "5,930亿美元（$593 bn）" in sources_page
    table = (ZH_HTML / "chapters" / "01_shock.html").read_text(encoding="utf-8")
    assert "变化（亿美元）" in table and "股数（亿）" in table


# ------------------------------------------------------------------- the PDFs' language (/Lang)

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_printed_book_names_its_language_in_the_catalog(lang):
    """pdf.finish, as the build calls it on each printed edition, on a one-page PDF."""
    import io

    from pypdf import PdfReader, PdfWriter

    from shockbook.site import pdf

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    pdf.finish(writer, "书名", pdf.EDITIONS[lang])
    buffer = io.BytesIO()
    writer.write(buffer)
    reader = PdfReader(io.BytesIO(buffer.getvalue()))
    assert reader.trailer["/Root"]["/Lang"] == {"en": "en", "zh": "zh-CN"}[lang]
    assert reader.metadata.title == "书名"


@needs_zh_pdf
def test_the_built_pdfs_name_their_language():
    from pypdf import PdfReader

    assert PdfReader(ZH_PDF).trailer["/Root"].get("/Lang") == "zh-CN"
    english = ZH_PDF.with_name("book.pdf")
    if english.exists():
        assert PdfReader(english).trailer["/Root"].get("/Lang") == "en"


def test_a_table_counting_in_billions_counts_in_yi_in_the_chinese_edition():
    table = ('<tr><th id="T_t_level0_col0" class="col_heading level0 col0" >代码</th>'
             '<th id="T_t_level0_col1" class="col_heading level0 col1" >变化（十亿美元）</th></tr>'
             '<tr><td id="T_t_row0_col0" class="data row0 col0" >2.5</td>'
             '<td id="T_t_row0_col1" class="data row0 col1" >-592.7</td></tr>')
    out = edition.yi_columns(table)
    assert ">变化（亿美元）</th>" in out and ">-5,927</td>" in out
    assert ">2.5</td>" in out  # another column: as it was


def test_a_chinese_chart_description_ends_a_question_with_its_question_mark_only():
    from shockbook.site import charts

    spec = {"title": {"text": ["为什么市场", "等待了？"], "subtitle": ["每日异常收益", "来源：本书缓存"]},
            "mark": "point", "data": {"values": [{"x": 1}, {"x": 2}]}}
    assert charts.describe(spec, "zh") == ("图表：为什么市场等待了？每日异常收益。由 2 行数据绘制；图注中链接了数据表（CSV）。"
                                           "来源：本书缓存")


def test_the_build_translates_again_only_what_changed(tmp_path, monkeypatch):
    """A chapter is translated again only when its notebook, translations/zh or the code changed, and
    the Sources and changelog pages only when the data changed too: the translation was most of the
    edition's build (one chapter changed, all seven translated and both pages written)."""
    out = tmp_path / "zh"
    edition.build_sources(out)
    first = {p.name: p.read_bytes() for p in (out / "chapters").glob("*.ipynb")}
    assert set(first) == {f"{s}.ipynb" for s in edition.chapter_stems()}

    real = edition.translate_notebook
    done = []

    def counted(stem, tr, nb=None):
        done.append(stem)
        return real(stem, tr, nb)

    monkeypatch.setattr(edition, "translate_notebook", counted)
    real_pages = edition.generated_pages
    monkeypatch.setattr(edition, "generated_pages", lambda tr: pytest.fail("pages made again from the same data"))
    edition.build_sources(out)
    assert done == [] and {p.name: p.read_bytes() for p in (out / "chapters").glob("*.ipynb")} == first
    monkeypatch.setattr(edition, "generated_pages", real_pages)
    sources_page = (out / "chapters" / "sources.md").read_bytes()
    (out / "chapters" / "sources.md").unlink()  # a generated page gone: made again
    edition.build_sources(out)
    assert (out / "chapters" / "sources.md").read_bytes() == sources_page

    (out / "chapters" / "02_costs.ipynb").unlink()  # a generated chapter gone: made again
    edition.build_sources(out)
    assert done == ["02_costs"] and (out / "chapters" / "02_costs.ipynb").read_bytes() == first["02_costs.ipynb"]

    monkeypatch.setattr(edition, "shared_inputs", lambda: "other translations or code")
    done.clear()
    edition.build_sources(out)
    assert done == edition.chapter_stems()
