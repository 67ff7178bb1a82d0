"""Altair charts for the reports, and the display helper that gives each chart two faces.

Every chart carries its data inline (no URL to fetch) and a tooltip with the value as a reader
would say it, the qualifier and the words of the source. `show(chart)` emits one output holding
both the Vega-Lite spec (interactive in JupyterLab and in the HTML report) and an SVG drawn by
vl-convert (used for the PDF, where there is no JavaScript).
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

from eastwest.schema_imports import preload_jsonschema

preload_jsonschema()  # saves about 1 s per kernel; see eastwest.schema_imports
import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import vl_convert  # noqa: E402

# Altair 6 names its spec type "application/vnd.vegalite.v6.json". nbformat only accepts a JSON
# object under a "+json" type (anything else must be a string), and JupyterLab 4 renders specs
# under "application/vnd.vegalite.v5+json" and older. Our specs use nothing that Vega-Lite 5 lacks
# (the test suite compiles them with Vega-Lite 5 too), so they travel under the v5 type.
VEGALITE_MIME_TYPE = "application/vnd.vegalite.v5+json"
SVG_MIME_TYPE = "image/svg+xml"
FONT = "Noto Sans CJK SC"
FONT_STACK = f"{FONT}, Noto Sans, sans-serif"
FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto")
WIDTH = 560

# Colours that stay apart in greyscale print as well as on screen.
STATED_COLOUR = "#1f4e79"
IMPLIED_COLOUR = "#c55a11"

KIND_STATED = "stated in the source"
KIND_IMPLIED = "implied (computed from stated figures)"


@functools.cache
def _register_fonts() -> None:
    """Let vl-convert measure and name the Noto CJK fonts, so Chinese labels are laid out right."""
    for folder in FONT_DIRS:
        if Path(folder).is_dir():
            vl_convert.register_font_directory(folder)


def _config(chart: alt.Chart) -> alt.Chart:
    return (
        chart.configure(font=FONT_STACK)
        .configure_axis(labelFont=FONT_STACK, titleFont=FONT_STACK, labelFontSize=11, titleFontSize=12)
        .configure_legend(labelFont=FONT_STACK, titleFont=FONT_STACK, labelLimit=360, orient="bottom")
        .configure_title(font=FONT_STACK, subtitleFont=FONT_STACK, fontSize=14, subtitleFontSize=11, anchor="start")
        .configure_view(stroke=None)
    )


def _tooltip() -> list[alt.Tooltip]:
    return [
        alt.Tooltip("label:N", title="What"),
        alt.Tooltip("period:N", title="Period"),
        alt.Tooltip("value_text:N", title="Value"),
        alt.Tooltip("qualifier:N", title="Qualifier"),
        alt.Tooltip("quote:N", title="Source text"),
        alt.Tooltip("ids:N", title="Figure ids"),
    ]


CHART_COLUMNS = ("label", "period", "value", "lower", "upper", "value_text", "qualifier", "quote", "ids", "kind")


def _check_columns(data: pd.DataFrame) -> pd.DataFrame:
    missing = [column for column in CHART_COLUMNS if column not in data.columns]
    if missing:
        raise ValueError(f"chart data lacks columns: {', '.join(missing)}")
    frame = data.loc[:, list(CHART_COLUMNS) + [c for c in data.columns if c not in CHART_COLUMNS]].copy()
    for column in ("value", "lower", "upper"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    # NaN is not JSON; Vega reads null as "no value", which is what an open bound is.
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.reset_index(drop=True)


def _scale(values: pd.Series, unit: str) -> tuple[float, str]:
    """A divisor and axis title so amounts read as '1.5 billion yuan' instead of 1500000000."""
    if unit == "fraction":
        return 1.0, "share"
    biggest = max((abs(v) for v in values if v is not None and not math.isnan(v)), default=0.0)
    for divisor, word in ((1e9, "billion"), (1e6, "million")):
        if biggest >= divisor:
            return divisor, word
    return 1.0, ""


def funding_chart(data: pd.DataFrame, *, title: str, unit: str = "yuan") -> alt.LayerChart:
    """Funding by period: stated amounts as filled dots, implied amounts as hollow dots.

    `data` has CHART_COLUMNS plus `order` (sort key for periods). Bounds, where known, are drawn
    as a thin whisker. Colour tells stated from implied too, so the distinction survives even
    where hollow and filled are hard to see. Amounts counted on different bases are told apart
    in the label (tooltip) and in the footnotes, not by position.
    """
    frame = _check_columns(data)
    divisor, word = _scale(frame["value"], unit)
    for column in ("value", "lower", "upper"):
        frame[column] = [None if v is None else v / divisor for v in frame[column]]
    if "order" not in frame.columns:
        frame["order"] = range(len(frame))
    periods = list(dict.fromkeys(frame.sort_values("order")["period"]))
    y_title = f"{word} {unit}".strip()
    base = alt.Chart(alt.Data(values=frame.to_dict(orient="records")))
    x = alt.X("period:N", sort=periods, title="Period", axis=alt.Axis(labelAngle=0))
    kind_scale = alt.Scale(domain=[KIND_STATED, KIND_IMPLIED], range=[STATED_COLOUR, IMPLIED_COLOUR])
    colour = alt.Color("kind:N", scale=kind_scale, title="How the amount is known")
    whisker = (
        base.transform_filter("isValid(datum.lower) && isValid(datum.upper)")
        .mark_rule(strokeWidth=1.5)
        .encode(x=x, y=alt.Y("lower:Q"), y2="upper:Q", color=colour)
    )
    dots = base.mark_point(size=150, strokeWidth=2.5, opacity=1, shape="circle").encode(
        x=x,
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=True)),
        color=colour,
        fill=alt.Fill(
            "kind:N",
            scale=alt.Scale(domain=[KIND_STATED, KIND_IMPLIED], range=[STATED_COLOUR, "white"]),
            title="How the amount is known",
        ),
        tooltip=_tooltip(),
    )
    heading: alt.TitleParams | str = title
    if any("–" in str(p) for p in periods):
        heading = alt.TitleParams(
            title, subtitle="A span of years (e.g. 2018–2019) is the total for all those years, not a yearly amount."
        )
    return _config(alt.layer(whisker, dots).properties(title=heading, width=WIDTH, height=280))


def _unique(rows: list[str]) -> list[str]:
    """Bar labels made distinct ("…", "… #2"): equal labels would share one band and overlap."""
    seen: dict[str, int] = {}
    out = []
    for row in rows:
        seen[row] = seen.get(row, 0) + 1
        out.append(row if seen[row] == 1 else f"{row} #{seen[row]}")
    return out


def bar_chart(data: pd.DataFrame, *, title: str, unit: str, unit_label: str | None = None) -> alt.LayerChart:
    """Horizontal bars, one per row of `data` (all in one unit), stated vs computed by colour.

    An open bound is drawn as a bar up to the known end: the label and the tooltip say
    'more than' or 'at most', so the bar is never read as exact. `unit_label` is the unit as
    readers say it ("people"); the axis shows it with the scale word ("million people").
    """
    frame = _check_columns(data)
    divisor, word = _scale(frame["value"], unit)
    if unit == "fraction":
        divisor = 0.01
    for column in ("value", "lower", "upper"):
        frame[column] = [None if v is None else v / divisor for v in frame[column]]
    pairs = zip(frame["label"], frame["period"], strict=True)
    frame["row"] = _unique([f"{label} ({period})" for label, period in pairs])
    # Labels start right of the whisker, and leave out the range (the whisker and tooltip show it).
    frame["label_at"] = [max(v, u) if u is not None else v for v, u in zip(frame["value"], frame["upper"], strict=True)]
    frame["bar_text"] = [str(t).split(" (", 1)[0] for t in frame["value_text"]]
    label = unit_label if unit_label is not None else unit
    axis_title = "per cent" if unit == "fraction" else f"{word} {label}".strip()
    base = alt.Chart(alt.Data(values=frame.to_dict(orient="records")))
    y = alt.Y("row:N", sort=None, title=None, axis=alt.Axis(labelLimit=300))
    kind_scale = alt.Scale(domain=[KIND_STATED, KIND_IMPLIED], range=[STATED_COLOUR, IMPLIED_COLOUR])
    bars = base.mark_bar(height=16).encode(
        y=y,
        x=alt.X("value:Q", title=axis_title, scale=alt.Scale(zero=True), stack=None),
        color=alt.Color("kind:N", scale=kind_scale, title="How the number is known"),
        tooltip=_tooltip(),
    )
    whisker = (
        base.transform_filter("isValid(datum.lower) && isValid(datum.upper)")
        .mark_rule(color="black", strokeWidth=1.2)
        .encode(y=y, x="lower:Q", x2="upper:Q")
    )
    labels = base.mark_text(align="left", dx=4, fontSize=10).encode(y=y, x="label_at:Q", text="bar_text:N")
    height = max(60, 24 * len(frame))
    return _config(alt.layer(bars, whisker, labels).properties(title=title, width=WIDTH - 280, height=height))


def to_svg(chart: alt.TopLevelMixin | dict) -> str:
    """The chart (or its spec) as SVG text (text kept as <text> elements, font named in the markup)."""
    _register_fonts()
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    return vl_convert.vegalite_to_svg(spec, vl_version=alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0])


def mimebundle(chart: alt.TopLevelMixin) -> dict:
    """Both faces of a chart: the Vega-Lite spec for interactive views and an SVG for print."""
    spec = chart.to_dict()  # validated once, then drawn from the same spec
    title = spec.get("title", "")
    if isinstance(title, dict):
        title = title.get("text", "")
    return {VEGALITE_MIME_TYPE: spec, SVG_MIME_TYPE: to_svg(spec), "text/plain": f"[chart: {title}]"}


def show(chart: alt.TopLevelMixin) -> None:
    """Display a chart in a notebook with both faces (see `mimebundle`)."""
    from IPython.display import display

    display(mimebundle(chart), raw=True)
