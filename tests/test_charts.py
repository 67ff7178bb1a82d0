"""Charts: true time axes, multi-year totals never drawn as one year, one unit per bar chart,
every value labelled and nothing cut off, in English and in Chinese.

The charts are drawn by vl-convert (the same engine as the PDF's SVGs); its scene graph gives the
positions of the marks, and a PNG of the chart shows whether anything reaches the edge.
"""

from __future__ import annotations

import io
import math
import re

import pandas as pd
import pytest
import vl_convert
from PIL import Image

from eastwest import charts, words

NAN = math.nan
# Beijing → Inner Mongolia money as the brief's hero chart shows it: 2011 from the yearbook, a
# 2018–2019 two-year total, 2019 implied from the 2020 growth, 2020 stated; 2012–2017 unknown.
TOTAL = 2.744e9


def money(lang: str) -> pd.DataFrame:
    def text(x: float, qualifier: str = "exact") -> str:
        return words.qualified(x, "yuan", qualifier, lang)

    label = {"en": "Fiscal assistance", "zh": "财政帮扶资金"}[lang]
    rows = [
        (2011, 2011, 7e7, 6.95e7, 7.05e7, "stated", text(7e7), "001-a"),
        (2018, 2019, TOTAL, 2.7435e9, 2.7445e9, "stated", text(TOTAL), "003-b"),
        (2019, 2019, 1.532e9, 1.52e9, 1.54e9, "implied", text(1.532e9, "about"), "000-c"),
        (2020, 2020, 1.756e9, NAN, NAN, "stated", text(1.756e9), "000-d"),
    ]
    return pd.DataFrame(
        [dict(zip(("start", "end", "value", "lower", "upper", "kind", "value_text", "ids"), row, strict=True))
         | {"label": label, "quote": "北京各级财政投入27.44亿元"} for row in rows]
    )  # fmt: skip


def shares(lang: str) -> pd.DataFrame:
    rows = [
        ("Paired poor counties that have exited poverty", "与北京结对的已摘帽贫困县", "2020-05", 0.94, "94%"),
        ("Registered poor lifted out of poverty, cumulative", "建档立卡贫困人口累计脱贫", "2014/2020", 0.976, "97.6%"),
        ("Households at risk of returning to poverty", "返贫风险户占比", "2022", 0.004, "0.4%"),
    ]
    return pd.DataFrame(
        [{"label": en if lang == "en" else zh, "period": period, "value": value, "lower": NAN, "upper": NAN,
          "kind": "stated", "value_text": text, "quote": "q", "ids": f"id-{n}"}
         for n, (en, zh, period, value, text) in enumerate(rows)]
    )  # fmt: skip


SOURCE = {
    "en": "Sources: Xinhua, 12 May 2020; Economic Daily, 13 May 2020",
    "zh": "资料来源：新华社，2020年5月12日；经济日报，2020年5月13日",
}


def hero(lang: str, **changes):
    arguments = {"lang": lang, "title": "t", "source": SOURCE[lang], "unit": "yuan", "first_year": 2011,
                 "last_year": 2020} | changes  # fmt: skip
    return charts.time_chart(money(lang), **arguments)


def bars(lang: str):
    return charts.bar_chart(shares(lang), lang=lang, title="t", source=SOURCE[lang], unit="fraction")


def marks(spec: dict) -> dict[str, list[dict]]:
    """Items of every mark in the scene graph by mark type (rule, symbol, line, text, rect...)."""
    charts.register_fonts()
    found: dict[str, list[dict]] = {}

    def walk(node: dict) -> None:
        if node.get("role") == "mark":
            found.setdefault(node["marktype"], []).extend(node.get("items", []))
        for item in node.get("items", []):
            if isinstance(item, dict):
                walk(item)

    walk(vl_convert.vegalite_to_scenegraph(spec)["scenegraph"])
    return found


def svg_texts(svg: str) -> list[str]:
    """The text of every <text> element, one entry per line (<tspan>) of multi-line labels."""
    out = []
    for text in re.findall(r"<text\b[^>]*>(.*?)</text>", svg, flags=re.S):
        lines = re.findall(r"<tspan\b[^>]*>(.*?)</tspan>", text, flags=re.S) or [text]
        out += [re.sub(r"<[^>]+>", "", line) for line in lines]
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_both_kinds_compile_in_both_languages_and_with_vega_lite_5(lang):
    for chart in (hero(lang), bars(lang)):
        spec = chart.to_dict()
        assert "<svg" in charts.to_svg(spec)
        assert "<svg" in vl_convert.vegalite_to_svg(spec, vl_version="5.20"), "JupyterLab renders v5 specs"


def test_a_multi_year_total_spans_its_years_at_its_yearly_average():
    # A stated 2015 value equal to the yearly average must sit at the height of the dashed line.
    frame = money("en")
    frame.loc[len(frame)] = frame.loc[0].to_dict() | {"start": 2015, "end": 2015, "value": TOTAL / 2, "lower": NAN,
                                            "upper": NAN, "value_text": "1.372 billion yuan"}  # fmt: skip
    chart = charts.time_chart(frame, lang="en", title="t", source="s", unit="yuan", first_year=2011, last_year=2020)
    spec = chart.to_dict()
    found = marks(spec)
    dashed = [item for item in found["rule"] if item.get("strokeDash")]
    assert len(dashed) == 1
    step = charts.WIDTH / 10  # one year on the axis
    points = sorted(found["symbol"], key=lambda item: item["x"])
    assert len(points) == 4, "the total gets no dot of its own"
    # 2015 at 4.5 steps; the total spans 2018 (7.5 steps) to 2019 (8.5 steps), across both years.
    assert points[1]["x"] == pytest.approx(4.5 * step)
    assert dashed[0]["x"] < 7.5 * step - step / 3 and dashed[0]["x2"] > 8.5 * step + step / 3
    assert dashed[0]["y"] == pytest.approx(points[1]["y"], abs=0.5), "drawn at the yearly average"
    texts = svg_texts(charts.to_svg(spec))
    assert "2.744 billion yuan in total over 2018–2019" in texts
    assert "dashed line: 1.372 billion yuan a year on average" in texts


def test_the_time_axis_shows_every_year_and_no_line_crosses_a_missing_year():
    spec = hero("en").to_dict()
    texts = svg_texts(charts.to_svg(spec))
    assert [t for t in texts if re.fullmatch(r"\d{4}", t)] == [str(y) for y in range(2011, 2021)]
    lines = marks(spec)["line"]
    step = charts.WIDTH / 10
    # Only 2019 → 2020 are consecutive single years; 2011 stands alone across the 2012–2017 gap.
    assert sorted(round(item["x"] / step - 0.5) for item in lines) == [8, 9]
    assert texts.count("no figure") == 1, "one shaded gap, 2012–2017, marked as such"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_value_has_a_direct_label_and_the_source_is_printed(lang):
    svg = charts.to_svg(hero(lang))
    texts = svg_texts(svg)
    for value_text in money(lang)["value_text"][[0, 2, 3]]:
        assert value_text in texts
    assert SOURCE[lang] in texts, "the source line, as the caller words it"


def test_chinese_chart_text_is_chinese_and_names_a_cjk_font():
    svg = charts.to_svg(hero("zh"))
    texts = svg_texts(svg)
    assert {"年份", "亿元", "数值来源", "原文公布", "2018—2019年合计27.44亿元"} <= set(texts)
    assert "虚线为年均13.72亿元" in texts
    assert not any(word in " ".join(texts) for word in ("Year", "billion", "stated", "Source"))
    assert 'font-family="Noto Sans CJK SC' in svg
    bar_texts = svg_texts(charts.to_svg(bars("zh")))
    assert "百分比（%）" in bar_texts and any(t.startswith("与北京结对的") for t in bar_texts)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("kind", ["time", "bar"])
def test_nothing_reaches_the_edge_of_the_drawing(lang, kind):
    """A label cut off by the view box would leave ink on the image's border."""
    charts.register_fonts()
    chart = hero(lang, title="A long title that states the finding: money rose sharply, but on another basis",
                 subtitle="Subtitle") if kind == "time" else bars(lang)  # fmt: skip
    image = Image.open(io.BytesIO(vl_convert.vegalite_to_png(chart.to_dict()))).convert("L")
    width, height = image.size
    border = [image.getpixel((x, y)) for x in range(width) for y in (0, 1, height - 2, height - 1)]
    border += [image.getpixel((x, y)) for y in range(height) for x in (0, 1, width - 2, width - 1)]
    assert min(border) > 250, "ink on the border: something is cut off"
    assert width < 1000, "titles and labels wrap instead of widening the chart"


def test_bar_chart_refuses_to_mix_units():
    frame = shares("en")
    frame["unit"] = ["fraction", "fraction", "person"]
    with pytest.raises(ValueError, match="fraction, person"):
        charts.bar_chart(frame, lang="en", title="t", source="s", unit="fraction")
    with pytest.raises(ValueError, match="person, yuan"):
        charts.time_chart(money("en").assign(unit="person"), lang="en", title="t", source="s", unit="yuan")


def test_a_tiny_bar_is_still_marked_and_labelled():
    spec = bars("en").to_dict()
    found = marks(spec)
    ticks = sorted(found["rect"], key=lambda item: item["y"])  # bars and end ticks are rects
    tiny_bar = [item for item in ticks if item.get("width", 0) < 2 and item.get("height", 0) < 16]
    tiny_tick = [item for item in ticks if item.get("width") == 2]
    assert tiny_bar or tiny_tick
    assert len(tiny_tick) == 3, "every bar has an end tick, visible however small its value"
    assert "0.4%" in svg_texts(charts.to_svg(spec))


def test_labels_wrap_without_stranding_punctuation_or_splitting_numbers():
    for width in range(40, 200, 7):
        lines = charts.wrap("建档立卡贫困人口累计脱贫（2014—2020年），资料来源：《北京年鉴2012》。", width, 10.5)
        assert "".join(lines) == "建档立卡贫困人口累计脱贫（2014—2020年），资料来源：《北京年鉴2012》。"
        assert not [line for line in lines[1:] if line[0] in charts.CLOSING]
        assert not [line for line in lines[:-1] if line[-1] in charts.OPENING]
        assert "2014—2020年）" in "\n".join(lines), "a number keeps its measure word"
    lines = charts.wrap("Registered poor lifted out of poverty in the assisted areas (2014–2020)", 150, 10.5)
    assert len(lines) > 1 and all(charts._text_px(line, 10.5) <= 150 for line in lines)


def test_the_earlier_funding_chart_interface_still_draws():
    frame = money("en").assign(period=["2011", "2018–2019", "2019", "2020"], qualifier="exact")
    old_words = {"stated": "stated in the source", "implied": "implied (computed from stated figures)"}
    frame["kind"] = [old_words[k] for k in frame["kind"]]
    spec = charts.funding_chart(frame.drop(columns=["start", "end"]), title="t").to_dict()
    assert [item.get("strokeDash") for item in marks(spec)["rule"] if item.get("strokeDash")] == [[6, 4]]


def test_chart_specs_name_their_downloadable_data():
    spec = hero("en").to_dict()
    meta = spec["usermeta"]["eastwest"]["csv"]
    assert meta["columns"] == list(charts.TIME_CSV_COLUMNS)
    assert "v" not in meta["columns"] and "label_x" not in meta["columns"]


def label_boxes(spec: dict) -> list[tuple[float, float, float, float]]:
    """Boxes (x1, x2, y1, y2 in pixels) of the direct labels: centred text items of the plot."""
    boxes = []
    for item in marks(spec)["text"]:
        if item.get("align") != "center" or item.get("baseline") != "middle" or item.get("fontSize") != 10:
            continue
        lines = item["text"] if isinstance(item["text"], list) else [item["text"]]
        w, h = charts._label_size(lines)
        boxes.append((item["x"] - w / 2, item["x"] + w / 2, item["y"] - h / 2, item["y"] + h / 2))
    return boxes


def test_direct_labels_do_not_overlap_each_other_or_the_points():
    # Both single years of the 2018–2019 total implied, beside the total: five labels in three years.
    frame = money("en")
    extra = {"start": 2018, "end": 2018, "value": 1.212e9, "lower": NAN, "upper": NAN, "value_text": "1.212 billion"}
    frame.loc[len(frame)] = frame.loc[2].to_dict() | extra
    spec = charts.time_chart(frame, lang="en", title="t", source="s", unit="yuan").to_dict()
    boxes = label_boxes(spec)
    assert len(boxes) == 5
    for n, a in enumerate(boxes):
        for b in boxes[n + 1 :]:
            assert not (a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]), (a, b)
        for point in marks(spec)["symbol"]:
            assert not (a[0] < point["x"] < a[1] and a[2] < point["y"] < a[3]), "a label covers a point"
