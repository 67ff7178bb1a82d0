"""Which report section shows what: the report choices of eastwest/layout.toml, read and checked.

`plan()` returns the file as a `Layout`; `unplaced(indicator_families, metric_families)` names the
families the file places nowhere (they would appear in no report). Sections read their families,
indicators and metrics from here, so a new metric of a placed family shows in its section with no
code change, and a new family fails the tests and the reports' self-check until it is placed.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

LAYOUT_FILE = Path(__file__).with_name("layout.toml")


class LayoutError(ValueError):
    """eastwest/layout.toml is missing a key or places a family twice."""


@dataclass(frozen=True)
class Layout:
    body: dict[str, tuple[str, ...]]  # part -> indicator families, in report order
    max_body_rows: int
    money_indicator: str
    implied_metrics: tuple[str, ...]
    intensity_families: tuple[str, ...]
    brief_metrics: tuple[str, ...]
    exit_families: tuple[str, ...]
    appendix_indicator_families: tuple[str, ...]
    appendix_metric_families: tuple[str, ...]

    @property
    def placed_indicator_families(self) -> list[str]:
        return [family for families in self.body.values() for family in families] + list(
            self.appendix_indicator_families
        )

    @property
    def placed_metric_families(self) -> list[str]:
        return [*self.intensity_families, *self.exit_families, *self.appendix_metric_families]


def read(path: Path = LAYOUT_FILE) -> Layout:
    """The layout file at `path`; LayoutError naming the file and key when one is missing or a family
    is placed twice."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        layout = Layout(
            body={part["part"]: tuple(part["indicator_families"]) for part in raw["body"]},
            max_body_rows=int(raw["body_tables"]["max_rows"]),
            money_indicator=raw["money"]["indicator"],
            implied_metrics=tuple(raw["money"]["implied_metrics"]),
            intensity_families=tuple(raw["intensity"]["metric_families"]),
            brief_metrics=tuple(raw["intensity"]["brief_metrics"]),
            exit_families=tuple(raw["exit_comparison"]["metric_families"]),
            appendix_indicator_families=tuple(raw["appendix_only"]["indicator_families"]),
            appendix_metric_families=tuple(raw["appendix_only"]["metric_families"]),
        )
    except KeyError as error:
        raise LayoutError(f"{path.name}: missing key {error.args[0]!r}") from None
    for kind, placed in (("indicator", layout.placed_indicator_families), ("metric", layout.placed_metric_families)):
        twice = sorted({family for family in placed if placed.count(family) > 1})
        if twice:
            raise LayoutError(f"{path.name}: {kind} families placed twice: {', '.join(twice)}")
    return layout


@functools.cache
def plan() -> Layout:
    """eastwest/layout.toml, read once."""
    return read()


def unplaced(
    indicator_families: Iterable[str], metric_families: Iterable[str], layout: Layout | None = None
) -> list[str]:
    """The given families that the layout places nowhere, as "indicator family X" / "metric family Y"."""
    layout = layout or plan()
    missing = [f"indicator family {f}" for f in sorted(set(indicator_families) - set(layout.placed_indicator_families))]
    return missing + [f"metric family {f}" for f in sorted(set(metric_families) - set(layout.placed_metric_families))]
