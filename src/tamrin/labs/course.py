"""The course document (docs/course.md) beside the report: found in the source tree, and
rendered as ``course.html`` so each lab's section can link to ``course.html#claim-N``.

The renderer knows exactly the Markdown that docs/course.md uses — headings, paragraphs,
bullet items (with indented continuation lines), pipe tables, ``code`` and **bold** — and
gives every "Claim N" heading the anchor ``claim-N``.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

COURSE_FILE = Path(__file__).resolve().parents[3] / "docs" / "course.md"
COURSE_PAGE = "course.html"

_CSS = ("body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;"
        "line-height:1.5;color:#222}h4{margin-bottom:.2rem}:target{background:#fff6d5}"
        "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.2rem .5rem}")


def claim_anchor(number: int) -> str:
    """The id of claim ``number``'s heading in course.html."""
    return f"claim-{number}"


def write_course_page(out_dir: Path) -> bool:
    """Render docs/course.md into ``out_dir/course.html``; False when the document is not
    there (tamrin installed without its source tree)."""
    if not COURSE_FILE.is_file():
        return False
    from tamrin.atomic import atomic_write_bytes

    page = render(COURSE_FILE.read_text(encoding="utf-8"))
    atomic_write_bytes(Path(out_dir) / COURSE_PAGE, page.encode("utf-8"))
    return True


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)


def _heading(line: str) -> str:
    level = len(line) - len(line.lstrip("#"))
    title = line[level:].strip()
    match = re.fullmatch(r"Claim (\d+)", title)
    anchor = f" id='{claim_anchor(int(match.group(1)))}'" if match else ""
    return f"<h{level}{anchor}>{_inline(title)}</h{level}>"


def _table(rows: list[str]) -> str:
    cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows]
    body = [r for r in cells[1:] if not all(set(c) <= set("-: ") for c in r)]
    head = "".join(f"<th>{_inline(c)}</th>" for c in cells[0])
    rows_html = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>"
                        for r in body)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows_html}</tbody></table>"


def _blocks(markdown: str) -> list[tuple[str, list[str]]]:
    """Group lines into (kind, lines) blocks: heading, table, item, paragraph."""
    blocks: list[tuple[str, list[str]]] = []
    for line in markdown.splitlines():
        stripped = line.strip()
        if not stripped:
            blocks.append(("blank", []))
        elif stripped.startswith("#"):
            blocks.append(("heading", [stripped]))
        elif stripped.startswith("|"):
            if blocks and blocks[-1][0] == "table":
                blocks[-1][1].append(stripped)
            else:
                blocks.append(("table", [stripped]))
        elif stripped.startswith("- "):
            blocks.append(("item", [stripped[2:]]))
        elif blocks and blocks[-1][0] in ("item", "paragraph"):
            blocks[-1][1].append(stripped)
        else:
            blocks.append(("paragraph", [stripped]))
    return blocks


def render(markdown: str) -> str:
    """docs/course.md as a standalone HTML page."""
    parts, in_list = [], False
    for kind, lines in _blocks(markdown):
        if kind == "item" and not in_list:
            parts.append("<ul>")
            in_list = True
        elif kind not in ("item", "blank") and in_list:
            parts.append("</ul>")
            in_list = False
        if kind == "heading":
            parts.append(_heading(lines[0]))
        elif kind == "table":
            parts.append(_table(lines))
        elif kind == "item":
            parts.append(f"<li>{_inline(' '.join(lines))}</li>")
        elif kind == "paragraph":
            parts.append(f"<p>{_inline(' '.join(lines))}</p>")
    if in_list:
        parts.append("</ul>")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>The course — tamrin</title><style>{_CSS}</style></head>"
            f"<body>{''.join(parts)}</body></html>\n")
