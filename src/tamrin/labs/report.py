"""The HTML report: one self-contained page (figures embedded as data URIs, no script,
no network) with a summary table of outcomes and one section per lab — claim (linked to
its text in course.html, rendered from docs/course.md), criterion, verdict with its reasons
and statistics over the replicates, every replicate's numbers, tables, figures, and the
explanation."""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

from tamrin.labs.course import COURSE_PAGE, claim_anchor, write_course_page
from tamrin.labs.lab import OUTCOMES, Lab, Result

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
.not-available{background:#e6e6e6;color:#555}.error{background:#ffe0b2;color:#7a3e00}
pre.trace{white-space:pre-wrap;font-size:.85em;background:#fff6e5;border-left:4px solid #d90;
padding:.4rem .8rem;overflow-x:auto}ul.reasons li{margin:.2rem 0}td.pass{color:#1b5e20}
td.fail{color:#8b0000;font-weight:600}details{margin:.6rem 0}
.claim{font-size:1.05em}
.criterion{background:#f7f7fb;border-left:4px solid #88a;padding:.4rem .8rem}
.reason{white-space:pre-wrap;background:#fff6e5;border-left:4px solid #d9a;padding:.4rem .8rem}
figure{margin:1rem 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.9em;color:#555}.meta{color:#666}
"""


def write_report(pairs: Sequence[tuple[Lab, Result]], out_dir: Path | str) -> Path:
    """Write ``out_dir/index.html`` (and ``course.html`` beside it) for the given (lab,
    result) pairs; returns the report's path."""
    from tamrin.atomic import atomic_write_bytes

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    linked = write_course_page(out_dir)
    page = render(pairs, out_dir, course_linked=linked)
    return atomic_write_bytes(out_dir / REPORT_FILE, page.encode("utf-8"))


def render(pairs: Sequence[tuple[Lab, Result]], out_dir: Path, course_linked: bool = True) -> str:
    """The whole page as a string (figures are read from ``out_dir``)."""
    results = [r for _, r in pairs]
    modes = {"quick" if r.quick else "full" for r in results} or {"quick"}
    seeds = sorted({r.seed for r in results})
    summary = outcome_summary(results)
    replicates = sum(len(r.seeds) for r in results)
    course = ("Each claim links to its text in <a href='course.html'>the course</a> "
              "(docs/course.md)." if course_linked else
              "The course's text is docs/course.md in tamrin's source repository.")
    head = (f"<h1>tamrin labs</h1><p class='meta'>{_esc(summary)}; "
            f"{'/'.join(sorted(modes))} mode, seed {', '.join(map(str, seeds))}, "
            f"{replicates} replicates, {sum(r.seconds for r in results):.1f} s of lab "
            f"time. {course}</p>")
    body = head + _summary_table(pairs, course_linked) + "".join(
        _section(lab, r, out_dir, course_linked) for lab, r in pairs)
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>tamrin labs report</title><style>{_CSS}</style></head>"
            f"<body>{body}</body></html>\n")


def outcome_summary(results: Sequence[Result]) -> str:
    """E.g. "30 labs: 29 hold, 0 do not hold, 1 not available, 0 errors"."""
    n = {o: sum(r.verdict == o for r in results) for o in OUTCOMES}
    return (f"{len(results)} labs: {n['holds']} hold, {n['does not hold']} do not hold, "
            f"{n['not available']} not available, {n['error']} "
            f"error{'s' if n['error'] != 1 else ''}")


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


def _claims(lab: Lab, linked: bool) -> str:
    if not linked:
        return "claims " + ", ".join(map(str, lab.claims))
    links = ", ".join(f"<a href='{COURSE_PAGE}#{claim_anchor(n)}'>{n}</a>" for n in lab.claims)
    return f"claims {links}"


def _cell(v: object) -> str:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f"<td class='num'>{_fmt(v)}</td>"
    return f"<td>{_fmt(v)}</td>"


def _table(columns: Iterable[str], rows: Iterable[Iterable[object]], caption: str = "") -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in columns)
    cells = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    cap = f"<caption>{_esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"


def _summary_table(pairs: Sequence[tuple[Lab, Result]], linked: bool) -> str:
    rows = "".join(
        f"<tr><td><a href='#{_esc(lab.name)}'>{_esc(lab.title)}</a></td>"
        f"<td>{_esc(lab.name)}</td><td>{_claims(lab, linked)}</td><td>{_badge(r.verdict)}</td>"
        f"<td class='num'>{len(r.seeds)}</td><td class='num'>{r.seconds:.1f} s</td></tr>"
        for lab, r in pairs
    )
    return ("<h2>Summary</h2><table class='summary'><thead><tr><th>Lab</th><th>Name</th>"
            "<th>Course</th><th>Outcome</th><th>Replicates</th><th>Time</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def _statistics(r: Result) -> str:
    rows = "".join(
        f"<tr><td>{_esc(s.name)}</td>{_cell(s.estimate)}"
        f"<td>{_fmt(s.low)} to {_fmt(s.high)} <span class='meta'>({_esc(s.interval)})</span>"
        f"</td><td>{_esc(', '.join(_fmt(v) for v in s.values))}</td><td>{_esc(s.test)}</td>"
        f"<td class='{'pass' if s.passed else 'fail'}'>{'yes' if s.passed else 'no'}</td></tr>"
        for s in r.statistics)
    return ("<h3>Statistics behind the verdict</h3><table><thead><tr><th>quantity</th>"
            "<th>estimate</th><th>interval</th><th>per replicate</th><th>test</th>"
            f"<th>met</th></tr></thead><tbody>{rows}</tbody></table>")


def _replicate_table(r: Result) -> str:
    keys = list(dict.fromkeys(k for rep in r.replicates for k in rep))
    rows = ([i + 1, seed, *(rep.get(k, "") for k in keys)]
            for i, (seed, rep) in enumerate(zip(r.seeds, r.replicates)))
    return (f"<details><summary>Every replicate's measurements ({len(r.replicates)})"
            f"</summary>{_table(['replicate', 'seed', *keys], rows)}</details>")


def _section(lab: Lab, r: Result, out_dir: Path, linked: bool) -> str:
    parts = [
        f"<section class='lab' id='{_esc(lab.name)}'><h2>{_esc(lab.title)}</h2>",
        f"<p class='meta'><code>{_esc(lab.name)}</code> · course {_claims(lab, linked)} · "
        f"{len(r.seeds)} replicate{'s' if len(r.seeds) != 1 else ''} · {r.seconds:.1f} s</p>",
        f"<p class='claim'><strong>Claim.</strong> {_esc(lab.claim)}</p>",
        f"<p class='criterion'><strong>Criterion</strong> (stated before the run). "
        f"{_esc(r.criterion or lab.criterion)}</p>",
        f"<p><strong>Outcome:</strong> {_badge(r.verdict)}</p>",
    ]
    if r.reasons:
        parts.append("<ul class='reasons'>" + "".join(f"<li>{_esc(x)}</li>" for x in r.reasons)
                     + "</ul>")
    if r.reason:
        kind = "trace" if r.verdict == "error" else "reason"
        parts.append(f"<pre class='{kind}'>{_esc(r.reason)}</pre>" if kind == "trace" else
                     f"<p class='reason'><strong>Why.</strong> {_esc(r.reason)}</p>")
    if r.statistics:
        parts.append(_statistics(r))
    if r.replicates:
        parts.append(_replicate_table(r))
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
