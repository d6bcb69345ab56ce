"""The HTML report: self-contained, and it renders in a real browser (headless Chromium)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from tamrin.labs import get, run_labs, write_report

LABS = ("backprop-by-hand", "word2vec-gradients", "grad-cam")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Injected into a copy of the report only: the report itself carries no script.
CHECK_SCRIPT = """<script>
window.addEventListener('load', () => {
  const images = [...document.images];
  const out = document.createElement('pre');
  out.id = 'check';
  out.textContent = JSON.stringify({
    images: images.length,
    loaded: images.filter(i => i.complete && i.naturalWidth > 0).length,
    sections: [...document.querySelectorAll('section.lab')].map(s => s.id),
  });
  document.body.appendChild(out);
});
</script>"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    labs = [get(name) for name in LABS]
    results = run_labs(labs, quick=True, seed=0, out_dir=out, progress=lambda *a: None)
    return write_report(list(zip(labs, results)), out)


def test_report_is_self_contained(report):
    page = report.read_text(encoding="utf-8")
    assert "<script" not in page
    assert not re.search(r"(src|href)=['\"](https?:|//)", page), "no network resources"
    sources = re.findall(r"<img src='([^']*)'", page)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    for name in LABS:
        assert f"id='{name}'" in page


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed "
                    "(Debian: apt-get install chromium); CI installs it")
def test_report_renders_in_chromium(report, tmp_path):
    checked = tmp_path / "check.html"
    checked.write_text(report.read_text(encoding="utf-8").replace("</body>",
                                                                  CHECK_SCRIPT + "</body>"))
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--no-first-run", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=5000", "--dump-dom", checked.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    match = re.search(r"<pre id=\"check\">(.*?)</pre>", dom, re.S)
    assert match, "the check script did not run"
    check = json.loads(match.group(1).replace("&quot;", '"'))
    assert check["images"] >= 2 and check["loaded"] == check["images"]
    assert check["sections"] == list(LABS)
