"""eastwest.params: parameters are checked before anything runs, and only ever treated as data."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from eastwest import params

SCOPES = ["beijing-inner-mongolia", "tianjin-assisted", "national", "empty-scope"]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    with open(folder / "scopes.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "title_en"])
        writer.writerows([[scope, scope.title()] for scope in SCOPES])
    with open(folder / "figures.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "quote", "scope"])
        writer.writerow(["a", "a quote, with a comma\nand a line break", "national"])
        writer.writerow(["b", "", "beijing-inner-mongolia"])
        writer.writerow(["c", "", "tianjin-assisted"])
        writer.writerow(["d", "", "national"])
    return folder


def test_scopes_with_figures_keep_the_order_of_scopes_csv(data_dir: Path):
    # empty-scope has no figure, so it has no report.
    assert params.scopes_with_figures(data_dir) == ["beijing-inner-mongolia", "tianjin-assisted", "national"]


def test_a_known_scope_passes_and_empty_means_all(data_dir: Path):
    assert params.check_scope("tianjin-assisted", data_dir) == "tianjin-assisted"
    assert params.check_scope("", data_dir) is None
    assert params.check_scope(None, data_dir) is None


@pytest.mark.parametrize(
    "value",
    [
        'x"; import os; os.system("touch pwned") #',
        "$(touch pwned) `touch pwned`",
        "National",  # ids are case-sensitive
        "national ",
    ],
)
def test_an_unknown_scope_is_named_and_the_valid_ones_listed(data_dir: Path, value: str):
    with pytest.raises(params.ParamError) as caught:
        params.check_scope(value, data_dir)
    message = str(caught.value)
    assert repr(value) in message
    assert "valid values: beijing-inner-mongolia, tianjin-assisted, national" in message


def test_a_scope_without_figures_is_refused_with_the_reason(data_dir: Path):
    with pytest.raises(params.ParamError, match="'empty-scope' has no figures"):
        params.check_scope("empty-scope", data_dir)


def test_notebook_parameters_are_read_from_the_tagged_cell_without_running_it(tmp_path: Path):
    notebook = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": ["x = 1\n"]},
            {
                "cell_type": "code",
                "metadata": {"tags": ["parameters"]},
                "source": ['data_dir = "../data"\n', 'scope: str = "national"  # a comment\n', "import os\n"],
            },
        ]
    }
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    assert params.notebook_parameters(path) == {"data_dir": '"../data"', "scope": '"national"'}


# MAKEFLAGS as GNU make 4.3 exports it to recipes (captured from `make -j2 all SCOPE=... FOO=...`).
MAKEFLAGS_SEEN = r' -j2 --jobserver-auth=3,4 -- FOO=a\ b$$$$c SCOPE=x";\ import\ os;\ os.system("touch\ pwned")\ #'


def test_make_command_line_names_are_read_from_makeflags():
    assert params.make_command_line_names(MAKEFLAGS_SEEN) == ["FOO", "SCOPE"]
    assert params.make_command_line_names(" -j2 --jobserver-auth=3,4") == []
    assert params.make_command_line_names("") == []


def test_unknown_make_variables_are_refused_with_a_hint():
    with pytest.raises(params.ParamError) as caught:
        params.scope_from_make({"MAKEFLAGS": " -- scope=national", "EASTWEST_SCOPE": ""})
    assert "unknown make variable 'scope' (did you mean SCOPE?)" in str(caught.value)
    assert "SCOPE (build only" in str(caught.value)
    with pytest.raises(params.ParamError, match="'SCOPES' \\(did you mean SCOPE\\?\\)"):
        params.scope_from_make({"MAKEFLAGS": " -- SCOPES=national"})


def test_the_scope_from_make_is_passed_on_raw():
    raw = "$(touch pwned) `touch pwned`"
    assert params.scope_from_make({"MAKEFLAGS": " -- SCOPE=$$(touch\\ pwned)", "EASTWEST_SCOPE": raw}) == raw
    assert params.scope_from_make({"EASTWEST_SCOPE": ""}) is None


def test_param_assignments_are_checked_against_declared_parameters(tmp_path: Path):
    notebook = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "year = 2020"}]}
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    given = params.parse_assignments(["year=2019"])
    params.check_notebook_parameters(given, [path], reserved={"data_dir", "scope"})
    with pytest.raises(params.ParamError, match="unknown parameter 'yaer'; valid parameters: year"):
        params.check_notebook_parameters({"yaer": "1"}, [path], reserved=set())
    with pytest.raises(params.ParamError, match="not of the form name=value"):
        params.parse_assignments(["year"])


def test_a_broken_scopes_table_is_named_not_listed_as_no_values(data_dir: Path):
    (data_dir / "scopes.csv").write_text("ident,title_en\nnational,National\n", encoding="utf-8")
    with pytest.raises(params.TableError, match=r"scopes\.csv: its header has no 'id' column"):
        params.check_scope("national", data_dir)
    (data_dir / "scopes.csv").write_text("id,title_en\n", encoding="utf-8")
    with pytest.raises(params.ParamError, match=r"scopes\.csv lists no scope that .*figures\.csv uses") as caught:
        params.check_scope("national", data_dir)
    assert "valid values" not in str(caught.value)
    (data_dir / "scopes.csv").write_bytes(b"id,title_en\n\xff\xfe\n")
    with pytest.raises(params.TableError, match=r"scopes\.csv: cannot be read"):
        params.check_scope("national", data_dir)


def test_an_edition_is_one_of_the_languages_and_named_when_unknown():
    assert params.check_edition("zh") == "zh"
    assert params.check_edition("") is None and params.check_edition(None) is None
    for value in ("fr", "ZH", "zh ", "$(touch pwned)"):
        with pytest.raises(params.ParamError) as caught:
            params.check_edition(value)
        assert str(caught.value) == f"unknown EDITION {value!r}; valid values: en, zh"
    assert params.edition_from_make({"EASTWEST_EDITION": "zh", "MAKEFLAGS": " -- EDITION=zh"}) == "zh"
    with pytest.raises(params.ParamError, match=r"'edition' \(did you mean EDITION\?\)"):
        params.scope_from_make({"MAKEFLAGS": " -- edition=zh"})


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'id,title_en\nnational,"National\n', "line 2: record cut off or badly quoted"),
        (b"id,title_en\nnational,National,extra\n", "line 2: has 3 fields, the header has 2"),
        (b"id,title_en\nnational,National\n\ntianjin-assisted,Tianjin\n", "line 3: blank line"),
        (b"", "file is empty"),
        (None, "file is missing"),
    ],
)
def test_a_scopes_table_that_cannot_be_read_whole_is_named_with_the_line(data_dir: Path, content, reason: str):
    # Ids read from part of a file could be incomplete: the file and the line say what is wrong instead.
    path = data_dir / "scopes.csv"
    if content is None:
        path.unlink()
    else:
        path.write_bytes(content)
    with pytest.raises(params.TableError) as caught:
        params.check_scope("national", data_dir)
    message = str(caught.value)
    assert f"scopes.csv: cannot be read ({reason}" in message, message
    assert "fix or restore the file" in message


def test_ids_are_read_through_a_bom_and_crlf_line_ends(data_dir: Path):
    (data_dir / "scopes.csv").write_bytes(b"\xef\xbb\xbfid,title_en\r\nnational,National\r\n tianjin-assisted ,T\r\n")
    assert params.read_ids(data_dir / "scopes.csv", "id") == ["national", "tianjin-assisted"]
    assert params.scopes_with_figures(data_dir) == ["national", "tianjin-assisted"]
