"""Charts always work: the report charts draw Chinese with the CJK font that comes with the Python
dependencies, even when matplotlib knows no system font at all (a fresh machine without
fonts-noto-cjk, or a font cache written before a font was installed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_records import make_bureau

from grader import reports as report

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]

# Run in a child process so this process's matplotlib keeps its own font list.
BLIND_CACHE = """
import sys
import matplotlib.font_manager as fm
fm.findSystemFonts = lambda *a, **k: []     # the system's font folders, hidden
fm.json_dump(fm.FontManager(), sys.argv[1])  # the cache matplotlib will read instead of looking
"""

DRAW = r"""
import json, sys, warnings
from pathlib import Path
import matplotlib
matplotlib.use("Agg")
from matplotlib import font_manager as fm
data = str(Path(matplotlib.get_data_path()))
system = sorted({f.fname for f in fm.fontManager.ttflist if not f.fname.startswith(data)})
from grader import reports as report
rep = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    report.write_html(rep, Path(sys.argv[2]))
family = report.cjk_font()
font = fm.get_font(fm.fontManager._find_fonts_by_props(fm.FontProperties(family=[family])))
print(json.dumps({
    "system_fonts_seen": system,
    "family": family,
    "file": font.fname,
    "face": font.family_name,
    "missing": [c for c in "各科室参与率与合格率各类人员正确率最低的题目《殡葬管理条例》第条" if not font.get_char_index(ord(c))],
    "warnings": [str(w.message) for w in caught],
    "packaged": str(report.packaged_cjk_font()),
}, ensure_ascii=False))
"""


def test_packaged_font_is_installed_and_openly_licensed():
    path = report.packaged_cjk_font()
    assert path is not None and path.is_file(), "noto-cjk-sans-otc is a dependency: pip install -e ."
    from importlib.metadata import metadata

    meta = metadata("noto-cjk-sans-otc")
    assert "OFL" in (meta.get("License-Expression") or meta.get("License") or "")


def test_every_chart_draws_chinese_with_the_packaged_font_when_system_fonts_are_hidden(tmp_path):
    home = tmp_path / "bureau"
    home.mkdir()
    _, db = make_bureau(home)
    rep = report.build(db, 2020)
    assert rep["departments"] and rep["categories"] and any(q["answered"] for q in rep["questions"])
    rep_path = tmp_path / "report.json"
    report.write_json(rep, rep_path)

    config = tmp_path / "mpl"
    config.mkdir()
    fc = tmp_path / "fonts.conf"  # a fontconfig that lists no font folder
    fc.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig></fontconfig>\n')
    env = {
        **os.environ,
        "MPLCONFIGDIR": str(config),
        "FONTCONFIG_FILE": str(fc),
        "PYTHONPATH": str(ROOT),
    }
    import matplotlib.font_manager as fm

    cache = config / f"fontlist-v{fm.FontManager.__version__}.json"
    subprocess.run([sys.executable, "-c", BLIND_CACHE, str(cache)], env=env, check=True, timeout=300)
    out = tmp_path / "report.html"
    done = subprocess.run(
        [sys.executable, "-c", DRAW, str(rep_path), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["system_fonts_seen"] == [], "the system's fonts were not hidden"
    assert os.path.realpath(seen["file"]) == os.path.realpath(seen["packaged"]), seen
    assert seen["face"] == "Noto Sans CJK SC"  # Simplified Chinese glyph forms
    assert seen["missing"] == []
    assert not [w for w in seen["warnings"] if "missing from font" in w or "Glyph" in w], seen["warnings"]
    page = out.read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 3  # departments, categories, weakest questions


def test_cjk_font_prefers_simplified_chinese():
    assert report.cjk_font() == "Noto Sans CJK SC"


@pytest.mark.parametrize("name", ["noto_cjk_sans_otc"])
def test_font_package_missing_is_a_clear_error(monkeypatch, name):
    """Without the package and without any system CJK font the message says what to install."""
    from matplotlib import font_manager

    monkeypatch.setattr(report.charts, "packaged_cjk_font", lambda: None)
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    with pytest.raises(report.charts.RecordsError, match="noto-cjk-sans-otc"):
        report.cjk_font()
