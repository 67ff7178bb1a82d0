"""Shared fixtures: a small valid dataset quoting the real seeds, written into tmp_path.

Tests change a row (or a file) and check that the validator reports exactly where the problem is.
"""

from __future__ import annotations

import copy
import csv
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from eastwest import paths
from eastwest.csvfile import FIGURES_COLUMNS, INDICATORS_COLUMNS, SCOPES_COLUMNS, UNITS_COLUMNS

S000 = "000_89601b300f51dc62.txt"
S001 = "001_8633c1e3e020fbd7.txt"
S002 = "002_d74ba3b826e4bc45.txt"
S003 = "003_4269f0bfc06f526b.txt"
S004 = "004_79c15825fb63d113.txt"
BIM = "beijing-inner-mongolia"
TJ = "tianjin-assisted"


def _figure(id_, seed, quote, printed, value, unit, indicator, *, qualifier="exact", scope=BIM, location="",
            period="2018/2019", nature="actual", basis="", status="ok", same_as="", note=""):  # fmt: skip
    return {
        "id": id_, "seed": seed, "quote": quote, "printed": printed, "value": value, "unit": unit,
        "qualifier": qualifier, "scope": scope, "location": location, "period": period,
        "indicator": indicator, "nature": nature, "basis": basis, "status": status, "same_as": same_as,
        "note": note,
    }  # fmt: skip


VALID_FIGURES = [
    _figure("000-aid-funds-2018-2019", S000,
            "In 2018 and 2019, Beijing invested a total of 2.74 billion yuan in financial assistance",
            "2.74 billion yuan", "2740000000", "yuan", "aid_funds", basis="fiscal assistance at all levels"),
    _figure("000-aid-funds-industrial", S000,
            "we use 2.07 trillion yuan of aid funds for industrial poverty alleviation projects",
            "2.07 trillion yuan", "2070000000", "yuan", "aid_funds_industrial", status="corrected",
            note="2.07 trillion exceeds the 2.74 billion total; 2.07 billion / 2.74 billion = 75.5%, as stated"),
    _figure("000-aid-funds-industrial-share", S000, "representing 75.4% of total funds", "75.4%", "0.754",
            "fraction", "aid_funds_industrial_share"),
    _figure("000-projects", S000, "the 1,357 projects implemented have basically been completed", "1,357",
            "1357", "project", "projects"),
    _figure("000-beneficiaries", S000, "benefiting more than 300,000 people in poverty", "more than 300,000",
            "300000", "person", "beneficiaries", qualifier="more_than"),
    _figure("003-aid-funds-2018-2019", S003, "北京各级财政投入27.44亿元", "27.44亿元", "2744000000", "yuan",
            "aid_funds", basis="fiscal assistance at all levels", same_as="000-aid-funds-2018-2019"),
    _figure("003-beneficiaries", S003, "惠及30多万贫困人口", "30多万", "300000", "person", "beneficiaries",
            qualifier="more_than", same_as="000-beneficiaries"),
    _figure("003-vegetable-sales-daily", S003, "平均每天在内蒙古赤峰市宁城县销售近万斤蔬菜", "近万斤", "10000",
            "jin_per_day", "vegetable_sales_daily", qualifier="nearly", location="Ningcheng County, Chifeng"),
    _figure("000-enterprise-investment", S000, "have invested 3.39 trillion yuan", "3.39 trillion yuan",
            "3390000000000", "yuan", "enterprise_investment", status="flagged",
            note="Larger than Inner Mongolia's annual GDP; probably billion, but no source confirms"),
    _figure("001-registered-poor", S001, "fell from 3,365 million to 79,500 People", "3,365 million", "3365000",
            "person", "registered_poor", scope=TJ, period="2020", status="corrected",
            note="(3,365,000 - 79,500) / 3,365,000 = 97.6%, the stated reduction rate"),
    _figure("001-registered-poor-remaining", S001, "fell from 3,365 million to 79,500 People", "79,500",
            "79500", "person", "registered_poor_remaining", scope=TJ, period="2020"),
    _figure("001-poverty-reduction-rate", S001, "the poverty reduction rate reached 97.6%", "97.6%", "0.976",
            "fraction", "poverty_reduction_rate", scope=TJ, period="2020"),
    _figure("002-aid-funds-2011", S002, "Beijing allocated 80 million Yuan of anti-poverty funds",
            "80 million Yuan", "80000000", "yuan", "aid_funds", period="2011",
            basis="municipal anti-poverty funds allocated by Beijing"),
    _figure("004-employed-poor", S004, "has reached 31.33 million", "31.33 million", "31330000", "person",
            "employed_poor", scope="national", period="2022-01/2022-05"),
    _figure("002-roads", S002, "built roads of 3.5 km", "3.5 km", "3500", "metre", "road_length",
            period="2011"),
]  # fmt: skip

VALID_INDICATORS = [
    {"id": i, "title": t, "title_zh": "指标", "description": "", "unit": u, "short_unit": "", "family": f,
     "part_of": p, "max": m}
    for i, t, u, f, p, m in [
        ("aid_funds", "Fiscal aid funds", "yuan", "funding", "", ""),
        ("aid_funds_industrial", "Aid funds for industrial projects", "yuan", "funding", "aid_funds", ""),
        ("aid_funds_industrial_share", "Share of aid funds for industry", "fraction", "funding", "", "1"),
        ("projects", "Cooperation projects", "project", "projects", "", ""),
        ("beneficiaries", "Poor people benefiting", "person", "reach", "", ""),
        ("vegetable_sales_daily", "Vegetables sold per day", "jin_per_day", "consumption", "", ""),
        ("enterprise_investment", "Investment by donor enterprises", "yuan", "funding", "", ""),
        ("registered_poor", "Registered poor population", "person", "poverty_exit", "", ""),
        ("registered_poor_remaining", "Registered poor remaining", "person", "poverty_exit",
         "registered_poor", ""),
        ("poverty_reduction_rate", "Poverty reduction rate", "fraction", "poverty_exit", "", "1"),
        ("employed_poor", "Poor people employed", "person", "employment", "", ""),
        ("road_length", "Roads built", "metre", "construction", "", ""),
    ]
]  # fmt: skip

VALID_UNITS = [
    {"id": i, "title": t, "title_zh": "单位", "short_unit": s, "description": "", "word": s, "word_zh": ""}
    for i, t, s in [
        ("yuan", "Yuan", "¥"), ("person", "Person", "people"), ("project", "Project", "projects"),
        ("fraction", "Fraction", "%"), ("jin_per_day", "Jin per day", "jin/day"), ("metre", "Metre", "m"),
    ]
]  # fmt: skip

VALID_SCOPES = [
    {"id": i, "title_en": t, "title_zh": "", "donor_en": "", "donor_zh": "", "recipient_en": "",
     "recipient_zh": "", "description": "", "description_zh": "说明"}
    for i, t in [(BIM, "Beijing → Inner Mongolia"), (TJ, "Tianjin → its assisted regions"),
                 ("national", "National")]
]  # fmt: skip

COLUMNS = {
    "figures": FIGURES_COLUMNS,
    "indicators": INDICATORS_COLUMNS,
    "units": UNITS_COLUMNS,
    "scopes": SCOPES_COLUMNS,
}


@dataclass
class Dataset:
    """A data directory the test can change and rewrite; rows are plain dicts of strings."""

    path: Path
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    @property
    def figures(self) -> list[dict[str, str]]:
        return self.tables["figures"]

    def figure(self, figure_id: str) -> dict[str, str]:
        return next(row for row in self.figures if row["id"] == figure_id)

    def line_of(self, figure_id: str) -> int:
        """Physical line of a figure in figures.csv (header is line 1; fixture rows are one line each)."""
        return 2 + [row["id"] for row in self.figures].index(figure_id)

    def file(self, name: str = "figures.csv") -> str:
        """The file as the validator names it (as given: tmp_path is outside the repository)."""
        return (self.path / name).as_posix()

    def write(self, quoting: int = csv.QUOTE_MINIMAL) -> Dataset:
        self.path.mkdir(parents=True, exist_ok=True)
        for name, rows in self.tables.items():
            with open(self.path / f"{name}.csv", "w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, COLUMNS[name], lineterminator="\n", quoting=quoting)
                writer.writeheader()
                writer.writerows(rows)
        shutil.copyfile(paths.DATAPACKAGE, self.path / "datapackage.json")
        return self


@pytest.fixture
def dataset(tmp_path: Path) -> Dataset:
    """A valid small dataset written to tmp_path/data (change rows, then call .write() again)."""
    tables = {
        "figures": copy.deepcopy(VALID_FIGURES),
        "indicators": copy.deepcopy(VALID_INDICATORS),
        "units": copy.deepcopy(VALID_UNITS),
        "scopes": copy.deepcopy(VALID_SCOPES),
    }
    return Dataset(tmp_path / "data", tables).write()


@pytest.fixture(autouse=True)
def validation_cache_in_tmp(tmp_path_factory, monkeypatch) -> Path:
    """validate_cached (used by dataset.load_*) records passing data under a temporary folder, not reports/."""
    from eastwest import validate

    folder = tmp_path_factory.mktemp("validation-cache")
    monkeypatch.setattr(validate, "CACHE_DIR", folder)
    return folder
