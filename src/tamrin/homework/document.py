"""Sheets as a list of blocks, written out as Markdown or as HTML with offline formulas.

Text in a block is Markdown-like: ``$…$`` is inline TeX, ```…``` code, ``**…**`` bold.
The HTML page renders TeX with the KaTeX copy in ``static/katex`` (copied beside the page
by ``copy_katex``), so it works from a folder with no network.
"""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

KATEX_DIR = Path(__file__).resolve().parent / "static" / "katex"
KATEX_FOLDER = "katex"  # the folder name beside the pages


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Formula:
    """A displayed TeX formula."""

    tex: str


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Items:
    items: list[str]


Block = Heading | Paragraph | Formula | Table | Items


# ---- Markdown ------------------------------------------------------------------------------

def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", r"\|") for c in cells) + " |"


def to_markdown(blocks: list[Block]) -> str:
    """The blocks as Markdown (GitHub renders the ``$…$`` and ``$$…$$`` formulas)."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Paragraph):
            out.append(block.text)
        elif isinstance(block, Formula):
            out.append(f"$$\n{block.tex}\n$$")
        elif isinstance(block, Table):
            lines = [_md_row(block.header), "|" + "---|" * len(block.header)]
            lines += [_md_row(row) for row in block.rows]
            out.append("\n".join(lines))
        elif isinstance(block, Items):
            out.append("\n".join(f"- {item}" for item in block.items))
    return "\n\n".join(out) + "\n"


# ---- HTML ----------------------------------------------------------------------------------

_INLINE = re.compile(r"\$([^$]+)\$|`([^`]+)`|\*\*([^*]+)\*\*")

_CSS = ("body{font-family:system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;"
        "line-height:1.5;color:#222}table{border-collapse:collapse;margin:.5rem 0}"
        "th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}"
        "code{background:#f4f4f4;padding:0 .2rem}.display{margin:.6rem 0;overflow-x:auto}"
        "h2{border-bottom:1px solid #ddd;margin-top:2.5rem}")

_RENDER = ("<script>document.querySelectorAll('.tex').forEach(function(e){"
           "katex.render(e.textContent,e,{displayMode:e.classList.contains('display'),"
           "throwOnError:false});});</script>")


def inline_html(text: str) -> str:
    """One line of block text as HTML: TeX spans, code and bold; everything else escaped."""
    parts, last = [], 0
    for match in _INLINE.finditer(text):
        parts.append(html.escape(text[last:match.start()]))
        tex, code, bold = match.groups()
        if tex is not None:
            parts.append(f"<span class='tex'>{html.escape(tex)}</span>")
        elif code is not None:
            parts.append(f"<code>{html.escape(code)}</code>")
        else:
            parts.append(f"<strong>{inline_html(bold)}</strong>")
        last = match.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts)


def _block_html(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{inline_html(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        return f"<p>{inline_html(block.text)}</p>"
    if isinstance(block, Formula):
        return f"<div class='tex display'>{html.escape(block.tex)}</div>"
    if isinstance(block, Table):
        head = "".join(f"<th>{inline_html(c)}</th>" for c in block.header)
        rows = "".join("<tr>" + "".join(f"<td>{inline_html(c)}</td>" for c in row) + "</tr>"
                       for row in block.rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    return "<ul>" + "".join(f"<li>{inline_html(i)}</li>" for i in block.items) + "</ul>"


def to_html(blocks: list[Block], title: str) -> str:
    """A standalone page; its formulas need the ``katex`` folder beside it (``copy_katex``)."""
    body = "\n".join(_block_html(b) for b in blocks)
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title>"
            f"<link rel='stylesheet' href='{KATEX_FOLDER}/katex.min.css'>"
            f"<script src='{KATEX_FOLDER}/katex.min.js'></script><style>{_CSS}</style></head>"
            f"<body>\n{body}\n{_RENDER}\n</body></html>\n")


def copy_katex(out_dir: Path) -> Path:
    """Copy the vendored KaTeX (script, style sheet, fonts, licence) to ``out_dir/katex``."""
    target = Path(out_dir) / KATEX_FOLDER
    shutil.copytree(KATEX_DIR, target, dirs_exist_ok=True)
    return target
