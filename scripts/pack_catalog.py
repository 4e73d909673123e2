"""Regenerate the embedded catalog `tui/data/catalog.bin` from a uv download-metadata.json.

Usage: python scripts/pack_catalog.py PATH/download-metadata.json "where it came from"
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tui.core.catalog import parse_catalog
from tui.core.catalog_embedded import EMBEDDED_PATH, pack_embedded


def main(argv: list[str]) -> int:
    source, origin = Path(argv[1]), argv[2]
    data = source.read_bytes()
    parse_catalog(data, str(source))  # refuse to embed a catalog we cannot read
    EMBEDDED_PATH.write_bytes(pack_embedded(json.loads(data), origin))
    print(f"wrote {EMBEDDED_PATH} ({EMBEDDED_PATH.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
