"""One module per chapter, each with the same face.

- ``Params``: a frozen dataclass of the notebook's parameters (see :mod:`shockbook.params`),
  checked once when it is made; the runner reads the same declaration to parse ``-p`` values.
- One function per section, taking the ``Params`` and returning a
  :class:`shockbook.site.section.Section` (numbers, tables with their labels and formats,
  figures with their data). The notebook is prose plus one ``….show()`` cell per section.
- No chapter module imports another; what two chapters share lives in ``analysis`` or ``site``.

``_template`` is a small working chapter to copy (see README, "Adding a chapter").
"""
from __future__ import annotations

import importlib

#: notebook stem -> module name in this package
MODULES = {
    "01_shock": "ch1_shock",
    "02_costs": "ch2_costs",
    "03_skepticism": "ch3_skepticism",
    "04_response": "ch4_response",
    "05_geopolitics": "ch5_geopolitics",
    "06_claims": "ch6_claims",
    "_template": "_template",
}


def module_for(stem: str):
    """The chapter module of a notebook (by its file stem), or None for a notebook without one."""
    name = MODULES.get(stem)
    if name is None:
        return None
    try:
        return importlib.import_module(f"shockbook.chapters.{name}")
    except ModuleNotFoundError:
        return None
