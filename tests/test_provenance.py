"""Third-party schemas are shipped unedited: their SHA-256 matches tests/data/PROVENANCE.md."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = re.findall(r"^\| `([^`]+)` \| ([^|]+) \| `[^`]+` \| ([^|]+) \| [^|]+ \| ([0-9a-f]{64}) \|$",
                  (ROOT / "tests" / "data" / "PROVENANCE.md").read_text(), flags=re.M)


def test_every_copied_file_is_listed_and_unedited():
    assert len(ROWS) == 6
    listed = {row[0] for row in ROWS}
    copied = {str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "data").iterdir()
              if p.name.endswith((".schema.json", ".proto"))}
    assert copied and copied <= listed
    for path, _source, _version, digest in ROWS:
        data = (ROOT / path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, f"{path} differs from upstream"


def test_the_model_card_schema_is_upstreams():
    text = (ROOT / "essex_standard/schema/model-card-toolkit-v0.0.2.schema.json").read_text()
    assert '"threshold"' not in text
