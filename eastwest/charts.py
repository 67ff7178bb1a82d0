"""Altair charts for the reports, and the display helper that gives each chart two faces.

Two chart kinds, both worded in English or Chinese (`lang`) from eastwest/messages/charts.toml:

- `time_chart`: one measure over years on a true time axis. Single-year values sit at their
  year (stated filled, implied hollow and in another colour, whiskers for bounds); a total for
  several years is a dashed segment across its years at its yearly average, labelled with the
  total and its span, so it is never read as one year's amount; years without a figure stay on
  the axis as a shaded gap.
- `bar_chart`: horizontal bars of one unit (mixing units is refused), every bar labelled.

Every chart carries its data inline (no URL to fetch), the words of the source in its tooltip, a
direct label on every value and a source line at its foot, inside the chart so the SVG carries
it too. The spec's `usermeta` names the inline dataset and the columns a reader may download
(eastwest.render turns them into a CSV link). `show(chart)` emits one output holding both the
Vega-Lite spec (interactive in JupyterLab and in the HTML report) and an SVG drawn by vl-convert
(used for the PDF, where there is no JavaScript).
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path

from eastwest.schema_imports import preload_jsonschema

preload_jsonschema()  # saves about 1 s per kernel; see eastwest.schema_imports
import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import vl_convert  # noqa: E402

from eastwest import vocabulary, words  # noqa: E402

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
LABEL_SIZE = 10
SOURCE_SIZE = 9.5
TITLE_SIZE = 14
SUBTITLE_SIZE = 11

# Colours that stay apart in greyscale print as well as on screen.
STATED_COLOUR = "#1f4e79"
IMPLIED_COLOUR = "#c55a11"
GAP_COLOUR = "#efefef"

KIND_STATED = "stated"
KIND_IMPLIED = "implied"
KINDS = (KIND_STATED, KIND_IMPLIED)
# The kind words of the first charts, still accepted from callers.
_OLD_KINDS = {"stated in the source": KIND_STATED, "implied (computed from stated figures)": KIND_IMPLIED}

# Divisors for the scale words chart.scale.large / chart.scale.medium in each language.
SCALES = {"en": ((1e9, "large"), (1e6, "medium")), "zh": ((1e8, "large"), (1e4, "medium"))}

# The name of the inline dataset a reader may download, and its columns (see usermeta).
DATASET = "points"
TIME_CSV_COLUMNS = ("label", "start", "end", "value", "lower", "upper", "unit", "kind", "value_text", "ids")
BAR_CSV_COLUMNS = ("label", "period", "value", "lower", "upper", "unit", "kind", "value_text", "ids")
TIME_COLUMNS = ("label", "start", "end", "value", "lower", "upper", "kind", "value_text", "quote", "ids")
BAR_COLUMNS = ("label", "period", "value", "lower", "upper", "kind", "value_text", "quote", "ids")
CHART_COLUMNS = BAR_COLUMNS  # the columns every caller of bar_chart gives


@functools.cache
def register_fonts() -> None:
    """Let vl-convert measure and name the Noto CJK fonts, so Chinese labels are laid out right."""
    for folder in FONT_DIRS:
        if Path(folder).is_dir():
            vl_convert.register_font_directory(folder)


def _config() -> alt.Config:
    """Fonts (the CJK face first, so Chinese is drawn in the HTML and the SVG alike) and layout."""
    return alt.Config(
        font=FONT_STACK,
        padding={"left": 8, "right": 12, "top": 8, "bottom": 8},
        axis=alt.AxisConfig(labelFont=FONT_STACK, titleFont=FONT_STACK, labelFontSize=11, titleFontSize=12),
        legend=alt.LegendConfig(labelFont=FONT_STACK, titleFont=FONT_STACK, labelLimit=360, orient="top",
                                symbolOpacity=1),  # fmt: skip
        title=alt.TitleConfig(font=FONT_STACK, subtitleFont=FONT_STACK, fontSize=TITLE_SIZE,
                              subtitleFontSize=SUBTITLE_SIZE, anchor="start"),  # fmt: skip
        text=alt.MarkConfig(font=FONT_STACK),
        view=alt.ViewConfig(stroke=None),
        concat=alt.CompositionConfig(spacing=6),
    )


# ---- text -------------------------------------------------------------------------------------------


def _is_wide(char: str) -> bool:
    return "\u2e80" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef" or "\u3000" <= char <= "\u303f"


def _text_px(text: str, size: float) -> float:
    """A generous estimate of the drawn width (CJK one em, Latin about 0.6 em)."""
    return sum(1.0 if _is_wide(ch) else 0.62 for ch in text) * size


CLOSING = ")]}%,.;:!?）】》」』”’，。、；：！？"  # never at a line start
OPENING = "([{（【《「『“‘"  # never at a line end
_WIDE = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
_OPEN = re.escape(OPENING)
_CLOSE = re.escape(CLOSING)
# Break points: around each CJK character and at spaces, never after an opening or before a closing
# mark; a Latin word or number stays whole, with the measure word after it ("2020年", "17.56亿元").
_TOKENS = re.compile(
    rf"[{_OPEN}]*(?:[^\s{_WIDE}{_OPEN}{_CLOSE}]+[年月日万亿元人个户项家次倍]*|[{_WIDE}])[{_CLOSE}]*|\s+|."
)


def wrap(text: str, width_px: float, size: float) -> list[str]:
    """`text` broken into lines no wider than `width_px`: at spaces, and between CJK characters."""
    tokens = _TOKENS.findall(str(text))
    lines, line = [], ""
    for token in tokens:
        candidate = line + token
        if line and not token.isspace() and _text_px(candidate.rstrip(), size) > width_px:
            lines.append(line.rstrip())
            line = token
        elif not (token.isspace() and not line):
            line = candidate
    return [*lines, line.rstrip()] if line.strip() else lines or [""]


def _tooltip(lang: str, period_field: str, qualifier: bool = False) -> list[alt.Tooltip]:
    fields = [("label", "what"), (period_field, "period"), ("value_text", "value")]
    fields += [("qualifier", "qualifier")] * qualifier + [("quote", "quote"), ("ids", "ids")]
    return [alt.Tooltip(f"{name}:N", title=words.text(f"chart.tooltip.{key}", lang)) for name, key in fields]


def _source_foot(source: str | None, width: float, left: float = 0) -> alt.Chart | None:
    """The source line as a chart of its own text, to sit under the plot (wrapped to `width`,
    starting `left` pixels left of the plot, where the bar chart's row labels begin)."""
    if not source:
        return None
    lines = wrap(source, width, SOURCE_SIZE)
    return (
        alt.Chart(alt.Data(values=[{"lines": lines}]))
        .mark_text(align="left", baseline="top", fontSize=SOURCE_SIZE, color="#444", lineHeight=SOURCE_SIZE * 1.4)
        .encode(x=alt.value(-left), y=alt.value(0), text="lines:N")
        .properties(width=width - left, height=len(lines) * SOURCE_SIZE * 1.4)
    )


def _heading(title: str, subtitle: str | None, width: float) -> alt.TitleParams:
    """Title and subtitle wrapped to the chart's width (Vega never wraps them, and would widen)."""
    lines = wrap(title, width, TITLE_SIZE * 0.95)
    if subtitle:
        return alt.TitleParams(lines, subtitle=wrap(subtitle, width, SUBTITLE_SIZE))
    return alt.TitleParams(lines)


def _assemble(plot, foot, *, title, subtitle, csv_columns, width) -> alt.TopLevelMixin:
    """The plot with its source line beneath, its title, config and the CSV columns in usermeta.

    Built with constructors and attribute assignment: each Altair method call deep-copies the
    chart with its data, which was most of the time a chart took to make."""
    usermeta = {"eastwest": {"csv": {"dataset": DATASET, "columns": list(csv_columns)}}}
    heading = _heading(title, subtitle, width)
    if foot is None:
        chart = plot
        chart.title, chart.usermeta = heading, usermeta
    else:
        chart = alt.VConcatChart(vconcat=[plot, foot], title=heading, usermeta=usermeta)
    chart.config = _config()
    return chart


# ---- data -------------------------------------------------------------------------------------------


def _check_columns(data: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    missing = [column for column in columns if column not in data.columns]
    if missing:
        raise ValueError(f"chart data lacks columns: {', '.join(missing)}")
    frame = data.copy().reset_index(drop=True)
    for column in ("value", "lower", "upper"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    kinds = [_OLD_KINDS.get(str(kind), str(kind)) for kind in frame["kind"]]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise ValueError(f"chart data: kind must be one of {', '.join(KINDS)}, not {', '.join(unknown)}")
    frame["kind"] = kinds
    return frame


def _check_unit(frame: pd.DataFrame, unit: str) -> None:
    """One unit per chart: unlike measures must not share an axis."""
    if "unit" in frame.columns:
        units = sorted({str(u) for u in frame["unit"] if isinstance(u, str) and u} | {unit})
        if len(units) > 1:
            raise ValueError(f"one chart, one unit: these rows mix {', '.join(units)}; draw each unit on its own chart")
    frame["unit"] = unit


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts: NaN becomes null, which Vega reads as "no value" (an open bound)."""
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v.item() if hasattr(v, "item") else v)
         for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]  # fmt: skip


def _scale(values, unit: str, lang: str) -> tuple[float, str]:
    """A divisor and axis title, so amounts read as '1.5 billion yuan' · '15亿元', not 1500000000."""
    if unit == "fraction":
        return 0.01, words.text("chart.axis.percent", lang)
    unit_text = words.unit_word(unit, lang)
    biggest = max((abs(v) for v in values if v is not None and not math.isnan(v)), default=0.0)
    for divisor, key in SCALES[words.check_lang(lang)]:
        if biggest >= divisor:
            scale = words.text(f"chart.scale.{key}", lang)
            return divisor, words.text("chart.axis.scaled", lang, scale=scale, unit=unit_text)
    return 1.0, unit_text


def _plotted(frame: pd.DataFrame, divisor: float, per: pd.Series | float = 1.0) -> None:
    """Plot columns v, lo, hi: value and bounds in axis units (per year for multi-year totals)."""
    for source, target in (("value", "v"), ("lower", "lo"), ("upper", "hi")):
        frame[target] = frame[source] / divisor / per


def _kind_encodings(lang: str) -> tuple[alt.Color, alt.Fill]:
    """Colour and fill by kind: stated filled in blue, implied hollow in orange (one legend)."""
    frame_kinds = [words.text(f"chart.kind.{kind}", lang) for kind in KINDS]
    title = words.text("chart.legend.kind", lang)
    colour = alt.Color("kind_text:N", scale=alt.Scale(domain=frame_kinds, range=[STATED_COLOUR, IMPLIED_COLOUR]),
                       title=title)  # fmt: skip
    fill = alt.Fill("kind_text:N", scale=alt.Scale(domain=frame_kinds, range=[STATED_COLOUR, "white"]), title=title)
    return colour, fill


# ---- direct labels --------------------------------------------------------------------------------


class _Placer:
    """Direct labels placed where they overlap no other label, point or whisker (in pixels)."""

    def __init__(self, width: float, height: float):
        self.width, self.height = width, height
        self.boxes: list[tuple[float, float, float, float]] = []

    def block(self, x1: float, x2: float, y1: float, y2: float) -> None:
        self.boxes.append((x1, x2, y1, y2))

    def _free(self, box: tuple[float, float, float, float]) -> bool:
        x1, x2, y1, y2 = box
        inside = x1 >= -4 and x2 <= self.width + 40 and y1 >= 0 and y2 <= self.height
        return inside and not any(x1 < b[1] and b[0] < x2 and y1 < b[3] and b[2] < y2 for b in self.boxes)

    def place(self, x: float, low: float, high: float, w: float, h: float, sides=("above", "below", "right", "left")):
        """The centre (x, y; y up from the axis) of a label for a mark spanning low..high at x.

        Tried in the order of `sides`, next to the mark; then further above and below it, in steps
        of half a line, so a label finds room beside its mark before it moves away from it."""
        middle = (low + high) / 2
        near = {
            "above": (x, high + 5 + h / 2), "below": (x, low - 5 - h / 2),
            "right": (x + 9 + w / 2, middle), "left": (x - 9 - w / 2, middle),
        }  # fmt: skip
        options = [near[side] for side in sides]
        for step in range(1, int(self.height // (LABEL_SIZE * 0.65)) + 1):
            offset = step * LABEL_SIZE * 0.65
            options += [(x, low - 5 - h / 2 - offset), (x, high + 5 + h / 2 + offset)]
        centre = next(
            (c for c in options if self._free((c[0] - w / 2, c[0] + w / 2, c[1] - h / 2, c[1] + h / 2))), options[0]
        )
        self.block(centre[0] - w / 2, centre[0] + w / 2, centre[1] - h / 2, centre[1] + h / 2)
        return centre


def _label_size(lines: list[str]) -> tuple[float, float]:
    return max(_text_px(line, LABEL_SIZE) for line in lines), len(lines) * LABEL_SIZE * 1.3


# ---- time chart --------------------------------------------------------------------------------------

TIME_HEIGHT = 260


def _gaps(frame: pd.DataFrame, first: int, last: int, lang: str) -> list[dict]:
    """Runs of years in first..last that no value covers, as shaded bands."""
    covered = {year for s, e in zip(frame["start"], frame["end"], strict=True) for year in range(s, e + 1)}
    runs: list[list[int]] = []
    for year in range(first, last + 1):
        if year in covered:
            continue
        if runs and runs[-1][1] == year - 1:
            runs[-1][1] = year
        else:
            runs.append([year, year])
    gap = words.text("chart.gap", lang)
    return [{"x1": a - 0.5, "x2": b + 0.5, "mid": (a + b) / 2, "text": gap} for a, b in runs]


def _time_labels(frame: pd.DataFrame, first: int, last: int, top: float, lang: str, unit: str) -> None:
    """Columns x, x1, x2 (years) and label_x, label_y, label (lines) for every row."""
    px_year = WIDTH / (last - first + 1)

    def px(year: float) -> float:
        return (year - first + 0.5) * px_year

    def py(value: float) -> float:
        return 0.0 if value is None or math.isnan(value) else value / top * TIME_HEIGHT

    multi = frame["end"] > frame["start"]
    frame["x"] = [(s + e) / 2 for s, e in zip(frame["start"], frame["end"], strict=True)]
    frame["x1"], frame["x2"] = frame["start"] - 0.42, frame["end"] + 0.42
    placer = _Placer(WIDTH, TIME_HEIGHT)
    for row in frame.itertuples():
        low, high = py(row.lo if not math.isnan(row.lo) else row.v), py(row.hi if not math.isnan(row.hi) else row.v)
        x1, x2 = (px(row.x1), px(row.x2)) if multi[row.Index] else (px(row.x) - 7, px(row.x) + 7)
        placer.block(x1, x2, min(low, py(row.v)) - 6, max(high, py(row.v)) + 6)
    labels, centres = [], []
    for row in sorted(frame.itertuples(), key=lambda r: (bool(multi[r.Index]), r.x)):  # single years first
        lines = [str(row.value_text)]
        if multi[row.Index]:
            span = words.period(vocabulary.years(row.start, row.end), lang)
            average = words.quantity(row.value / (row.end - row.start + 1), unit, lang)
            lines = [words.text("chart.total.label", lang, value=row.value_text, span=span),
                     words.text("chart.total.average", lang, average=average)]  # fmt: skip
        w, h = _label_size(lines)
        low = py(row.lo if not math.isnan(row.lo) else row.v)
        high = py(row.hi if not math.isnan(row.hi) else row.v)
        sides = ("below", "above") if multi[row.Index] else ("above", "below", "right", "left")
        cx, cy = placer.place(px(row.x), min(low, py(row.v)), max(high, py(row.v)), w, h, sides)
        labels.append((row.Index, lines))
        centres.append((row.Index, first - 0.5 + cx / px_year, cy / TIME_HEIGHT * top))
    frame["label_lines"] = pd.Series(dict(labels), dtype=object)
    frame["label_x"] = pd.Series({i: x for i, x, _ in centres})
    frame["label_y"] = pd.Series({i: y for i, _, y in centres})


def _segments(frame: pd.DataFrame) -> list[str | None]:
    """A line id per single-year value: consecutive years of one measure share one line; the line
    breaks at a missing year (so no line is drawn through a year without a figure)."""
    out: list[str | None] = [None] * len(frame)
    single = frame[frame["end"] == frame["start"]].sort_values("start")
    for label, group in single.groupby("label", sort=False):
        run, previous = 0, None
        for index, year in zip(group.index, group["start"], strict=True):
            run += previous is not None and year - previous > 1
            out[index] = f"{label}#{run}"
            previous = year
    counts = pd.Series([s for s in out if s]).value_counts()
    return [s if s and counts.get(s, 0) > 1 else None for s in out]


def _time_frame(points: pd.DataFrame, unit: str, lang: str, first_year, last_year):
    frame = _check_columns(points, TIME_COLUMNS)
    _check_unit(frame, unit)
    frame["start"] = frame["start"].astype(int)
    frame["end"] = frame["end"].astype(int)
    if (frame["end"] < frame["start"]).any():
        raise ValueError("chart data: a row ends before it starts")
    first = int(first_year if first_year is not None else frame["start"].min())
    last = int(last_year if last_year is not None else frame["end"].max())
    if frame["start"].min() < first or frame["end"].max() > last:
        raise ValueError(f"chart data: rows outside the axis {first}–{last}")
    years = frame["end"] - frame["start"] + 1
    divisor, axis_title = _scale(pd.concat([frame["value"] / years, frame["upper"] / years]), unit, lang)
    _plotted(frame, divisor, years)
    top = max([v for v in pd.concat([frame["v"], frame["hi"]]) if not math.isnan(v)] + [0.0]) * 1.12 or 1.0
    frame["kind_text"] = [words.text(f"chart.kind.{kind}", lang) for kind in frame["kind"]]
    spans = zip(frame["start"], frame["end"], strict=True)
    frame["period"] = [words.period(vocabulary.years(start, end), lang) for start, end in spans]
    frame["multi"] = frame["end"] > frame["start"]
    frame["segment"] = _segments(frame)
    _time_labels(frame, first, last, top, lang, unit)
    return frame, first, last, top, axis_title


def time_chart(
    points: pd.DataFrame,
    *,
    lang: str = "en",
    title: str,
    subtitle: str | None = None,
    source: str | None,
    unit: str,
    first_year: int | None = None,
    last_year: int | None = None,
) -> alt.VConcatChart:
    """One measure over years on a true time axis, first_year..last_year (default: the data's span).

    `points`: label, start, end (int years; end = start for one year), value, lower, upper (NaN
    when unbounded), kind ("stated" | "implied"), value_text (as a reader says it, in `lang`),
    quote, ids. A row with end > start is a total for those years: a dashed segment across them
    at its yearly average, labelled with the total and the span, never a dot on one year.
    Consecutive years of one measure are joined by a thin line that breaks where a year is missing;
    missing years are shaded and marked. `source` (the whole line, worded by the caller, e.g.
    "Sources: Xinhua, 2020-05-09") is printed at the foot of the chart.
    """
    frame, first, last, top, axis_title = _time_frame(points, unit, lang, first_year, last_year)
    data = alt.Data(values=_records(frame), name=DATASET)
    colour, fill = _kind_encodings(lang)
    x_scale = alt.Scale(domain=[first - 0.5, last + 0.5], nice=False, zero=False)
    axis = alt.Axis(values=list(range(first, last + 1)), format="d", labelAngle=0, grid=False)
    year_title, y_scale = words.text("chart.axis.year", lang), alt.Scale(domain=[0, top], nice=False)

    def x(field: str) -> alt.X:
        return alt.X(f"{field}:Q", scale=x_scale, axis=axis, title=year_title)

    def y(field: str) -> alt.Y:
        return alt.Y(f"{field}:Q", scale=y_scale, title=axis_title)

    base = alt.Chart()
    single, multi = base.transform_filter("!datum.multi"), base.transform_filter("datum.multi")
    tooltip = _tooltip(lang, "period")
    layers = [
        *_gap_layers(_gaps(frame, first, last, lang), x),
        single.transform_filter("datum.segment != null")
        .mark_line(color="#9a9a9a", strokeWidth=1)
        .encode(x=x("x"), y=y("v"), detail="segment:N"),
        base.transform_filter("isValid(datum.lo) && isValid(datum.hi)")
        .mark_rule(strokeWidth=1.5)
        .encode(x=x("x"), y=y("lo"), y2="hi:Q", color=colour),
        multi.mark_rule(strokeWidth=2.5, strokeDash=[6, 4])
        .encode(x=x("x1"), x2="x2:Q", y=y("v"), color=colour, tooltip=tooltip),
        single.mark_point(size=110, strokeWidth=2.5, opacity=1, shape="circle")
        .encode(x=x("x"), y=y("v"), color=colour, fill=fill, tooltip=tooltip),
        # Labels in their kind's colour, set per layer: a colour encoding would paint the legend's
        # symbols as filled text (the hollow "implied" symbol would turn solid).
        *[
            base.transform_filter(f"datum.kind == '{kind}'")
            .mark_text(fontSize=LABEL_SIZE, lineHeight=LABEL_SIZE * 1.3, align="center", baseline="middle", color=hue)
            .encode(x=x("label_x"), y=y("label_y"), text="label_lines:N", tooltip=tooltip)
            for kind, hue in ((KIND_STATED, STATED_COLOUR), (KIND_IMPLIED, IMPLIED_COLOUR))
        ],
    ]
    plot = alt.LayerChart(layer=layers, data=data, width=WIDTH, height=TIME_HEIGHT)
    return _assemble(plot, _source_foot(source, WIDTH), title=title, subtitle=subtitle,
                     csv_columns=TIME_CSV_COLUMNS, width=WIDTH)  # fmt: skip


def _gap_layers(gaps: list[dict], x) -> list[alt.Chart]:
    if not gaps:
        return []
    base = alt.Chart(alt.Data(values=gaps))
    band = base.mark_rect(color=GAP_COLOUR).encode(x=x("x1"), x2="x2:Q")
    word = base.mark_text(fontSize=9, color="#777", baseline="bottom").encode(
        x=x("mid"), y=alt.value(TIME_HEIGHT - 4), text="text:N"
    )
    return [band, word]


# ---- bar chart ---------------------------------------------------------------------------------------

BAR_PLOT_WIDTH = 300
BAR_LABEL_WIDTH = 210  # the row-label column, left of the bars (labels wrap to fit)
BAR_LABEL_SIZE = 10.5


def _period_text(period, lang: str) -> str:
    text = str(period or "")
    return words.period(text, lang) if re.fullmatch(r"\d{4}(-\d{2})?(/\d{4}(-\d{2})?)?", text) else text


def _bar_frame(points: pd.DataFrame, unit: str, lang: str, unit_label: str | None):
    frame = _check_columns(points, BAR_COLUMNS)
    _check_unit(frame, unit)
    divisor, axis_title = _scale(pd.concat([frame["value"], frame["upper"]]), unit, lang)
    if unit_label is not None and unit != "fraction":
        axis_title = axis_title.replace(words.unit_word(unit, lang), unit_label)
    _plotted(frame, divisor)
    frame["kind_text"] = [words.text(f"chart.kind.{kind}", lang) for kind in frame["kind"]]
    frame["period_text"] = [_period_text(p, lang) for p in frame["period"]]
    rows = [
        words.text("chart.row", lang, label=label, period=period) if period else str(label)
        for label, period in zip(frame["label"], frame["period_text"], strict=True)
    ]
    frame["row"] = _unique(rows)
    frame["row_lines"] = [wrap(row, BAR_LABEL_WIDTH, BAR_LABEL_SIZE) for row in rows]
    frame["label_at"] = [max(v, h) if not math.isnan(h) else v for v, h in zip(frame["v"], frame["hi"], strict=True)]
    frame["bar_text"] = [str(t) for t in frame["value_text"]]
    return frame, axis_title


def bar_chart(
    points: pd.DataFrame,
    *,
    lang: str = "en",
    title: str,
    source: str | None = None,
    unit: str,
    subtitle: str | None = None,
    unit_label: str | None = None,
) -> alt.VConcatChart:
    """Horizontal bars, one per row of `points` (label, period, value, lower, upper, kind,
    value_text, quote, ids), all in `unit`: rows of another unit (a `unit` column) are refused.

    Every bar is labelled with its value_text at its end, and a tick marks the end, so a value
    too small to see as a bar is still seen and read. An open bound is drawn up to the known end;
    the label ("more than", "at most") says it is not exact. Row labels wrap in their own column.
    `unit_label` (kept for earlier callers) replaces the unit word on the axis.
    """
    frame, axis_title = _bar_frame(points, unit, lang, unit_label)
    step = max(24, 13 * max(len(lines) for lines in frame["row_lines"]) + 10)
    colour, _ = _kind_encodings(lang)
    base = alt.Chart()
    y = alt.Y("row:N", sort=None, title=None, axis=None)
    x_scale = alt.Scale(zero=True, domainMin=0)
    tooltip = _tooltip(lang, "period_text", qualifier="qualifier" in frame.columns)
    layers = [
        base.mark_bar(size=14).encode(y=y, x=alt.X("v:Q", title=axis_title, scale=x_scale, stack=None),
                                      color=colour, tooltip=tooltip),  # fmt: skip
        base.mark_tick(thickness=2, size=18).encode(y=y, x="v:Q", color=colour, tooltip=tooltip),
        base.transform_filter("isValid(datum.lo) && isValid(datum.hi)")
        .mark_rule(color="black", strokeWidth=1.2)
        .encode(y=y, x="lo:Q", x2="hi:Q"),
        base.mark_text(align="left", dx=5, fontSize=LABEL_SIZE).encode(y=y, x="label_at:Q", text="bar_text:N"),
        base.mark_text(align="right", dx=-8, fontSize=BAR_LABEL_SIZE, lineHeight=BAR_LABEL_SIZE * 1.25)
        .encode(y=y, x=alt.value(0), text="row_lines:N"),
    ]
    data = alt.Data(values=_records(frame), name=DATASET)
    plot = alt.LayerChart(layer=layers, data=data, width=BAR_PLOT_WIDTH, height=alt.Step(step))
    width = BAR_PLOT_WIDTH + BAR_LABEL_WIDTH
    foot = _source_foot(source, width, left=BAR_LABEL_WIDTH + 8)
    return _assemble(plot, foot, title=title, subtitle=subtitle, csv_columns=BAR_CSV_COLUMNS, width=width)


def _unique(rows: list[str]) -> list[str]:
    """Bar keys made distinct ("…", "… #2"): equal labels would share one band and overlap."""
    seen: dict[str, int] = {}
    out = []
    for row in rows:
        seen[row] = seen.get(row, 0) + 1
        out.append(row if seen[row] == 1 else f"{row} #{seen[row]}")
    return out


# ---- earlier interface -------------------------------------------------------------------------------


def funding_chart(data: pd.DataFrame, *, title: str, unit: str = "yuan", lang: str = "en",
                  source: str | None = None) -> alt.VConcatChart:  # fmt: skip
    """The first funding chart's interface, drawn by `time_chart`: periods "2019" or "2018–2019"."""
    frame = data.copy()
    spans = [re.findall(r"\d{4}", str(p)) for p in frame["period"]]
    frame["start"] = [int(s[0]) for s in spans]
    frame["end"] = [int(s[-1]) for s in spans]
    return time_chart(frame, lang=lang, title=title, source=source, unit=unit)


# ---- two faces ---------------------------------------------------------------------------------------


def to_svg(chart: alt.TopLevelMixin | dict) -> str:
    """The chart (or its spec) as SVG text (text kept as <text> elements, font named in the markup)."""
    register_fonts()
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
