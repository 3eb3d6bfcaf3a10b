"""``jupyter-book``, as the Makefile runs it, with pybtex's plugins registered first.

sphinxcontrib-bibtex looks pybtex plugins up as its modules are imported, before any Sphinx event
this book's extension could use. Each lookup of a plugin pybtex has not been told of scans every
installed package's entry points: 18 scans, about 0.4 s of each edition's build. Registered once
here (:func:`sphinxext.register_pybtex_plugins`), every lookup is answered at once. Nothing else
differs from ``jupyter-book``: the arguments are its own.
"""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    from shockbook.site.sphinxext import register_pybtex_plugins

    register_pybtex_plugins()
    from jupyter_book.cli.main import main as jupyter_book

    jupyter_book(args=sys.argv[1:] if argv is None else argv, prog_name="jupyter-book")


if __name__ == "__main__":
    main()
