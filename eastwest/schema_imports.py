"""Import libraries that pull in jsonschema (altair, frictionless) without its slow optional IRI grammar.

When the rfc3987_syntax package is installed, importing jsonschema imports it too, and it compiles a
Lark grammar for one to several seconds, only to offer a checker for the "iri" and "iri-reference"
string formats. Neither the Vega-Lite schema altair validates against nor frictionless uses those
formats, so results are the same without it. The package is hidden only while jsonschema is first
imported, and only when neither is imported yet; afterwards `rfc3987_syntax` can be imported as usual,
and the one lasting effect is that jsonschema in this process offers no "iri" format checker.
"""

from __future__ import annotations

import sys


def preload_jsonschema() -> None:
    """Import jsonschema now with rfc3987_syntax hidden, so that altair and frictionless, imported after
    this call (frictionless imports jsonschema only lazily), reuse it. Does nothing if either is loaded."""
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # `import` of it raises ImportError
    try:
        import jsonschema  # noqa: F401
    finally:
        if sys.modules.get("rfc3987_syntax", 0) is None:
            del sys.modules["rfc3987_syntax"]
