"""Charts for the HTML pages (matplotlib, PNG data URIs) and the CJK font they are drawn in."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from grader.records import RecordsError
from grader.reports.report import pct

# ------------------------------------------------------------------ html (matplotlib charts, CJK font)


# The font that always works: Noto Sans CJK (SIL Open Font License 1.1) from the PyPI package
# noto-cjk-sans-otc, a dependency. Its collection holds the SC face (Simplified Chinese glyph forms).
# It is registered with matplotlib by file path whenever a chart is drawn, so neither a missing system
# package nor a font cache written before a font was installed can hide it. Debian's fonts-noto-cjk
# (or any other CJK font the system has) is still used when present.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Noto Sans SC",
)


def packaged_cjk_font() -> Path | None:
    """The CJK font file that comes with lawstudy's Python dependencies, if installed."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return None
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    return path if path.is_file() else None


def register_cjk_font() -> Path | None:
    """Make the packaged CJK font known to matplotlib (once per process); returns its path."""
    from matplotlib import font_manager

    path = packaged_cjk_font()
    if path is not None and str(path) not in {f.fname for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(path))
    return path


def cjk_font() -> str:
    """The family name of a CJK font matplotlib can use; fails clearly if none."""
    from matplotlib import font_manager

    register_cjk_font()
    names = {f.name for f in font_manager.fontManager.ttflist}
    for preferred in CJK_FAMILIES:
        if preferred in names:
            return preferred
    for name in sorted(names):
        if "CJK" in name or "Hei" in name or "Han Sans" in name:
            return name
    raise RecordsError(
        "找不到中文字体，无法绘制图表；请重新安装 lawstudy 的依赖（含 noto-cjk-sans-otc）或安装 fonts-noto-cjk "
        "(no CJK font found for matplotlib: pip install noto-cjk-sans-otc, or apt-get install fonts-noto-cjk)"
    )


def bar_chart(labels: list[str], series: dict[str, list], title: str, percent: bool = True) -> str:
    """A horizontal bar chart as a base64 PNG data URI, Chinese labels in a CJK font."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    family = cjk_font()
    with plt.rc_context({"font.family": [family], "axes.unicode_minus": False}):
        height = max(2.6, 0.42 * len(labels) * max(1, len(series)) * 0.6 + 1.4)
        fig, ax = plt.subplots(figsize=(9, height), dpi=110)
        n = len(series)
        bar = 0.8 / n
        positions = range(len(labels))
        for i, (name, values) in enumerate(series.items()):
            vals = [v or 0 for v in values]
            ys = [p + (i - (n - 1) / 2) * bar for p in positions]
            bars = ax.barh(ys, vals, height=bar, label=name)
            ax.bar_label(bars, labels=[pct(v) if percent else f"{v:g}" for v in values], padding=2, fontsize=8)
        ax.set_yticks(list(positions), labels)
        ax.invert_yaxis()
        if percent:
            ax.set_xlim(0, 1.12)
            ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_title(title)
        if n > 1:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        return png_uri(fig)


def png_uri(fig) -> str:
    """A matplotlib figure as a PNG data URI (the figure is closed): what the pages embed."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
