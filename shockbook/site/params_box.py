"""The "Rerun this chapter" box: a chapter's parameters, their defaults and exact valid ranges, and
a command that works as shown — written from the chapter's ``Params``, so it cannot drift from them."""
from __future__ import annotations

import shlex


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def command(chapter: str, example: dict[str, str]) -> str:
    """``python -m shockbook run NN -p name value …``, each value quoted for a POSIX shell where needed."""
    parts = ["python", "-m", "shockbook", "run", chapter]
    for name, raw in example.items():
        parts += ["-p", name, raw]
    return " ".join(shlex.quote(p) for p in parts)


def rerun_markdown(params_cls, chapter: str, example: dict[str, str]) -> str:
    """A markdown table of the parameters (name, default, what it sets, valid values) and an example
    command. The example is parsed and checked by ``params_cls`` first, so a box never shows a
    command that fails."""
    params_cls.parse_cli(example)
    rows = ["| Parameter | Default | What it sets | Valid values |", "|---|---|---|---|"]
    for r in params_cls.table():
        rows.append(f"| `{r['name']}` | `{_cell(r['default'])}` | {_cell(r['help'])} | {_cell(r['valid'])} |")
    return "\n".join(rows) + f"\n\nFor example:\n\n```\n{command(chapter, example)}\n```\n"


def rerun_box(params_cls, chapter: str, example: dict[str, str]):
    """The box's content as a Markdown object, for ``{glue:md}``."""
    from IPython.display import Markdown

    return Markdown(rerun_markdown(params_cls, chapter, example))
