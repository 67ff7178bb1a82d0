"""Where things live in the repository. Every other module asks here instead of guessing."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = ROOT / "data"
NOTEBOOKS = ROOT / "notebooks"
REPORTS = ROOT / "reports"

FIGURES_CSV = DATA / "figures.csv"
INDICATORS_CSV = DATA / "indicators.csv"
SCOPES_CSV = DATA / "scopes.csv"
UNITS_CSV = DATA / "units.csv"
DATAPACKAGE = DATA / "datapackage.json"


def relative(path: Path) -> str:
    """A path as shown to readers: relative to the repository root when inside it."""
    path = Path(path).resolve()
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()
