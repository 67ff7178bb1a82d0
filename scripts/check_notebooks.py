"""Fail when a committed notebook carries outputs or execution counts (they belong in reports/)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def dirty_cells(path: Path) -> list[int]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [
        index
        for index, cell in enumerate(notebook.get("cells", []))
        if cell.get("cell_type") == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]


def main(folder: str) -> int:
    problems = 0
    for path in sorted(Path(folder).glob("*.ipynb")):
        for index in dirty_cells(path):
            print(f"{path}: cell {index}: has outputs or an execution count; clear them before committing")
            problems += 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "notebooks"))
