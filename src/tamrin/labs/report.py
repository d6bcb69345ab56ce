"""The HTML report: one self-contained page (figures embedded as data URIs, no script,
no network) with a summary table of verdicts and one section per lab."""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

from tamrin.labs.lab import Lab, Result

REPORT_FILE = "index.html"

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;line-height:1.5;color:#222}
h1{margin-bottom:.2rem}h2{margin-top:2.5rem;border-bottom:2px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.6rem 0}th,td{border:1px solid #ccc;padding:.25rem .6rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}td.num{text-align:right;
font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:.05rem .6rem;border-radius:.8rem;font-weight:600;
font-size:.9em;white-space:nowrap}
.holds{background:#d8f3dc;color:#1b5e20}.does-not-hold{background:#ffd6d6;color:#8b0000}
.not-available{background:#e6e6e6;color:#555}
.claim{font-size:1.05em}
.criterion{background:#f7f7fb;border-left:4px solid #88a;padding:.4rem .8rem}
.reason{white-space:pre-wrap;background:#fff6e5;border-left:4px solid #d9a;padding:.4rem .8rem}
figure{margin:1rem 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.9em;color:#555}.meta{color:#666}
"""


def write_report(pairs: Sequence[tuple[Lab, Result]], out_dir: Path | str) -> Path:
    """Write ``out_dir/index.html`` for the given (lab, result) pairs; returns its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_FILE
    path.write_text(render(pairs, out_dir), encoding="utf-8")
    return path


def render(pairs: Sequence[tuple[Lab, Result]], out_dir: Path) -> str:
    """The whole page as a string (figures are read from ``out_dir``)."""
    results = [r for _, r in pairs]
    modes = {"quick" if r.quick else "full" for r in results} or {"quick"}
    seeds = sorted({r.seed for r in results})
    counts = {v: sum(r.verdict == v for r in results)
              for v in ("holds", "does not hold", "not available")}
    summary = ", ".join(f"{n} {v}" for v, n in counts.items())
    head = (f"<h1>tamrin labs</h1><p class='meta'>{len(results)} labs ({summary}); "
            f"{'/'.join(sorted(modes))} mode, seed {', '.join(map(str, seeds))}, "
            f"{sum(r.seconds for r in results):.1f} s of lab time.</p>")
    body = head + _summary_table(pairs) + "".join(_section(lab, r, out_dir) for lab, r in pairs)
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>tamrin labs report</title><style>{_CSS}</style></head>"
            f"<body>{body}</body></html>\n")


def _esc(text: object) -> str:
    return html.escape(str(text))


def _fmt(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _esc(value)
    if isinstance(value, int):
        return str(value)
    if math.isnan(value) or math.isinf(value) or value == 0:
        return str(value)
    return f"{value:.6g}"  # enough digits to compare with the course (E = 0.298371)


def _badge(verdict: str) -> str:
    return f"<span class='badge {verdict.replace(' ', '-')}'>{_esc(verdict)}</span>"


def _claims(lab: Lab) -> str:
    return "claims " + ", ".join(map(str, lab.claims))


def _table(columns: Iterable[str], rows: Iterable[Iterable[object]], caption: str = "") -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in columns)
    cells = "".join(
        "<tr>" + "".join(
            f"<td class='num'>{_fmt(v)}</td>" if isinstance(v, (int, float))
            and not isinstance(v, bool) else f"<td>{_fmt(v)}</td>" for v in row
        ) + "</tr>"
        for row in rows
    )
    cap = f"<caption>{_esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"


def _summary_table(pairs: Sequence[tuple[Lab, Result]]) -> str:
    rows = "".join(
        f"<tr><td><a href='#{_esc(lab.name)}'>{_esc(lab.title)}</a></td>"
        f"<td>{_esc(lab.name)}</td><td>{_claims(lab)}</td><td>{_badge(r.verdict)}</td>"
        f"<td class='num'>{r.seconds:.1f} s</td></tr>"
        for lab, r in pairs
    )
    return ("<h2>Summary</h2><table class='summary'><thead><tr><th>Lab</th><th>Name</th>"
            f"<th>COURSE.md</th><th>Verdict</th><th>Time</th></tr></thead><tbody>{rows}"
            "</tbody></table>")


def _section(lab: Lab, r: Result, out_dir: Path) -> str:
    parts = [
        f"<section class='lab' id='{_esc(lab.name)}'><h2>{_esc(lab.title)}</h2>",
        f"<p class='meta'><code>{_esc(lab.name)}</code> · COURSE.md {_claims(lab)} · "
        f"{r.seconds:.1f} s</p>",
        f"<p class='claim'><strong>Claim.</strong> {_esc(lab.claim)}</p>",
        f"<p><strong>Verdict:</strong> {_badge(r.verdict)}</p>",
    ]
    if r.criterion:
        parts.append(f"<p class='criterion'><strong>Criterion.</strong> {_esc(r.criterion)}</p>")
    if r.reason:
        parts.append(f"<p class='reason'><strong>Why.</strong> {_esc(r.reason)}</p>")
    if r.measurements:
        parts.append("<h3>Measurements</h3>" + _table(("quantity", "value"),
                                                      r.measurements.items()))
    for t in r.tables:
        parts.append(f"<h3>{_esc(t.title)}</h3>" + _table(t.columns, t.rows))
    if r.mistakes:
        parts.append("<h3>Common mistake vs measurement</h3>" + _table(
            ("mistaken formula", "predicts", "correct formula", "predicts", "measured"),
            ([m.mistaken, m.mistaken_value, m.correct, m.correct_value, m.measured]
             for m in r.mistakes)))
    parts.extend(_figure(f.path, f.caption, out_dir) for f in r.figures)
    if r.explanation:
        parts.append(f"<h3>What it means</h3><p>{_esc(r.explanation)}</p>")
    parts.append("</section>")
    return "".join(parts)


def _figure(path: str, caption: str, out_dir: Path) -> str:
    data = base64.b64encode((out_dir / path).read_bytes()).decode("ascii")
    return (f"<figure><img src='data:image/png;base64,{data}' alt='{_esc(caption)}'>"
            f"<figcaption>{_esc(caption)}</figcaption></figure>")
