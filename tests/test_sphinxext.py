"""The box under each chapter's title, in each edition: one body, the edition's words."""
from __future__ import annotations

import re

import pytest

from shockbook.site import sphinxext, words


def box(edition: str, own_box: bool = False, repo: str = "https://github.com/o/r") -> str:
    return sphinxext.rerun_box("02", "chapters/02_costs", "shockbook/chapters/ch2_costs.py", "rental_rate 3.0",
                               repo, "main", "../book.pdf", own_box=own_box, edition=edition)


@pytest.mark.parametrize("edition", ["en", "zh"])
@pytest.mark.parametrize("own_box", [False, True])
def test_both_editions_link_the_same_files(edition, own_box):
    html = box(edition, own_box)
    links = re.findall(r'href="([^"]+)"', html)
    assert links == (["https://github.com/o/r/blob/main/chapters/02_costs.ipynb"]
                     + ["https://github.com/o/r/blob/main/shockbook/chapters/ch2_costs.py", "../book.pdf"])
    assert ("python -m shockbook run 02 -p rental_rate 3.0" in html) is (not own_box)
    assert html.startswith('<aside class="shockbook-rerun" aria-label="') and html.endswith("</p></aside>")


def test_the_chinese_box_has_no_english_prose_and_the_english_box_no_chinese():
    for own_box in (False, True):
        zh = re.sub(r"<code>.*?</code>|<[^>]+>", "", box("zh", own_box))
        assert not re.search(r"\b(the|this|chapter|its)\b", zh, re.I), zh
        assert not re.search(r"[\u4e00-\u9fff]", box("en", own_box))


def test_every_phrase_of_the_box_is_in_both_editions():
    keys = [k for k in words.VOCABULARY if k.startswith("site.rerun.")]
    assert len(keys) == 5
    for key in keys:
        en, zh = words.word(key, "en"), words.word(key, "zh")
        assert re.findall(r"{(\w+)}", en) == re.findall(r"{(\w+)}", zh), key


def test_without_a_repository_the_paths_are_shown_as_code():
    html = box("en", repo="")
    assert "<code>chapters/02_costs.ipynb</code>" in html and 'href="https://' not in html


def test_the_chinese_search_stems_as_sphinxs_own():
    """Sphinx's Chinese search asks a growing list whether a word is Latin (a quadratic cost); the
    book's asks a set kept equal to it. Every word must stem the same, before and after more text."""
    from sphinx.search.zh import SearchChinese

    ours, theirs = sphinxext.chinese_search()({}), SearchChinese({})
    text = ["英伟达 NVDA fell on DeepSeek news; GPU demand, H100 and TSMC", "AI capex: the ops and its uses"]
    words = ["NVDA", "GPU", "H100", "ops", "its", "uses", "demand", "news", "fell", "capex", "running", "TSMC"]
    for chunk in text:
        assert ours.split(chunk) == theirs.split(chunk)
        assert [ours.stem(w) for w in words] == [theirs.stem(w) for w in words]
    assert ours.stem("ops") == "ops" and ours.stem("running") == "run"  # a short Latin word keeps its form


class _Env:
    """What the numbering asks of Sphinx's environment: doctrees held in memory, or on disk."""

    def __init__(self, held):
        self._write_doc_doctree_cache = held
        self.unpickled = []

    def get_doctree(self, docname):
        self.unpickled.append(docname)
        return f"unpickled {docname}"


def test_the_numbering_reads_the_doctrees_held_in_memory_and_leaves_sphinx_as_it_was():
    env = _Env({"chapters/01_shock": "held 01"})
    assert sphinxext.number_from_memory(None, env) == []
    assert env.get_doctree("chapters/01_shock") == "held 01"
    assert env.get_doctree("chapters/02_costs") == "unpickled chapters/02_costs"
    assert sphinxext.numbered(None, env) == [] and "get_doctree" not in env.__dict__
    assert env.get_doctree("chapters/01_shock") == "unpickled chapters/01_shock"  # Sphinx's own again
    with sphinxext.doctrees_kept(env):
        assert env.get_doctree("chapters/01_shock") == env.get_doctree("chapters/01_shock") == "held 01"
        env.get_doctree("chapters/03_skepticism")
        env.get_doctree("chapters/03_skepticism")
    assert env.unpickled.count("chapters/03_skepticism") == 1 and "get_doctree" not in env.__dict__


FIND_EVERY_PLUGIN = """
import importlib.metadata, json, sys
scans = []
real = importlib.metadata.entry_points
importlib.metadata.entry_points = lambda *a, **kw: scans.append(kw) or real(*a, **kw)
from shockbook.site.sphinxext import BIBTEX_GROUPS, PYBTEX_GROUPS, register_pybtex_plugins
register_pybtex_plugins()
after_registering = len(scans)
import pybtex.plugin, sphinxcontrib.bibtex.plugin, sphinxcontrib.bibtex.transforms
found = {}
for group in PYBTEX_GROUPS + BIBTEX_GROUPS:
    find = sphinxcontrib.bibtex.plugin.find_plugin if group in BIBTEX_GROUPS else pybtex.plugin.find_plugin
    for ep in real(group=group):
        found[group + ':' + ep.name] = find(group, ep.name) is ep.load()
print(json.dumps({"registering": after_registering, "later": len(scans) - after_registering, "found": found}))
"""


def test_bibliography_plugins_are_found_in_one_scan_of_the_installed_packages():
    """sphinxcontrib-bibtex's import and every citation look plugins up; registered once (as
    shockbook.site.jupyterbook does before Sphinx starts), none of those lookups scans again, and each
    finds the class its entry point names."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", FIND_EVERY_PLUGIN], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    assert result["registering"] == 1 and result["later"] == 0
    assert len(result["found"]) >= 20 and all(result["found"].values()), result["found"]


def test_the_makefile_builds_both_editions_with_the_registering_jupyter_book():
    from shockbook import paths

    recipe = (paths.ROOT / "Makefile").read_text()
    assert "$(PY) -m shockbook.site.jupyterbook editions" in recipe
    assert "bin/jupyter-book" not in recipe


@pytest.mark.parametrize("failing", [None, "sources", "en", "zh"])
def test_the_editions_are_built_side_by_side_and_any_failure_fails_the_site(tmp_path, monkeypatch, failing):
    """Each step in its own (forked) child, logging to its edition's log: the Chinese build waits for its
    sources and is not run without them; a failure anywhere is the site's failure."""
    from shockbook import paths
    from shockbook.site import jupyterbook

    def build(argv):
        edition = "zh" if "zh" in argv[1] else "en"
        print("built", edition, " ".join(argv[2:]))
        return 1 if failing == edition else 0

    def sources():
        print("sources")
        return 1 if failing == "sources" else 0

    monkeypatch.setattr(paths, "ROOT", tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(jupyterbook, "WARM_MODULES", ())
    monkeypatch.setattr(jupyterbook, "build", build)
    monkeypatch.setattr(jupyterbook, "_sources", sources)
    # pytest-xdist's worker runs threads; the fake builds touch no lock, so forking them is safe here
    monkeypatch.setattr(jupyterbook, "_can_fork", lambda: True)
    code = jupyterbook.editions(["--all"])
    assert code == (0 if failing is None else 1)
    en, zh = ((tmp_path / "_build" / f"{e}.log").read_text().splitlines() for e in ("en", "zh"))
    assert en == [f"built en {' '.join(jupyterbook.OPTIONS)} --all"]
    zh_built = f"built zh --path-output _build/zh {' '.join(jupyterbook.OPTIONS)} --all"
    assert zh == (["sources"] if failing == "sources" else ["sources", zh_built])


def test_the_site_builds_are_forked_from_the_warm_process():
    """Once jupyter-book and the extensions are imported, no thread runs: the builds are forked (a thread
    would make them fall back to processes of their own, slower but correct: only this test notices)."""
    import subprocess
    import sys

    code = ("from shockbook.site import jupyterbook as j\n"
            "from shockbook.site.sphinxext import register_pybtex_plugins\n"
            "register_pybtex_plugins()\n"
            "for name in j.WARM_MODULES: __import__(name)\n"
            "print(j._can_fork())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


def test_a_build_that_cannot_be_forked_runs_as_a_process_of_its_own(tmp_path, monkeypatch):
    """Without fork (or with a thread running) each build is `python -m shockbook.site.jupyterbook`:
    the module by its name, since under -m its __name__ is __main__."""
    from shockbook.site import jupyterbook

    monkeypatch.setattr(jupyterbook, "_can_fork", lambda: False)
    log = tmp_path / "build.log"
    assert jupyterbook._started(["--version"], log)() == 0
    assert "Jupyter Book" in log.read_text()
