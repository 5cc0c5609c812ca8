"""Helpers shared by the report tests: a small-number scanner for public outputs."""

from __future__ import annotations

import html as _html
import json
import re
from html.parser import HTMLParser

# Integers that are not counts: rates per 100 (class "rate" in HTML, "N in 100" in text),
# dates, versions, section numbers, hashes and the like are removed before scanning.
_DROP = [
    r"\b\d+ (?:of \d+ )?(?:required |recommended )?(?:criteria|criterion|more|groups?\b)",
    r"\b\d+ in every 100\b",
    r"\b\d+ (?:in|of every) 100\b",
    r"\b(?:in|of every) 100\b",
    r"\d{4}-\d{2}-\d{2}",
    r"\b[0-9a-f]{64}\b",
    r"\d+(?:\.\d+)+",            # decimals and versions
    r"\d+(?:\.\d+)?%",           # percentages
    r"\b\d+ to \d+ in 100\b",
    r"^#+ .*$",                  # Markdown headings (section numbers)
    r"\b(?:Tier|schema|version|v|Page|page|of|ATRS|PDF/UA-)[ -]?\d+\b",
    r"\b[\d,]+ (?:months?|years?|working days|weeks?|comparisons?|percentage points?)\b",
    r"\b(?:0-4|5-9|10-15|16-17|25 - 45|Less than 25|Greater than 45)\b",
    r"\b\d{1,2}(?=\))",          # numbered list closers
    r"\bbelow \d+\b|\bfewer than \d+\b|\bfrom 0 to \d+\b|\bfrom 1 to \d+\b",
    r"\b95\b",
    r"(?:>=|<=|>|<|score) ?\d+",   # thresholds
    r"\b\d+ (?:of \d+ )?(?:required |recommended )?(?:criteria|criterion|more|groups?\b)",
    r"\b[A-Z]\d\b",              # criterion ids (F1, G4)
    r"\b\d+ of the \d+ checks?\b|\bjudge \d+ more\b|\bchecked \d+ more\b|\b\d+ more have\b",
    r"\bOf the \d+ checks it must pass, [^.]*\.",   # checks counted, not people
    r"\b\d+ thresholds?\b",        # overrides counted in the model card
    r"\bpassed \d+ of the checks\b|\b\d+ recommended checks?\b",  # passed checks counted
    r"\b1 to \d+\b",              # the suppression rule ("about 1 to 5 people")
]


class _Text(HTMLParser):
    """HTML → text without elements whose class says they hold a rate or a range."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if self.skip or tag in ("style", "script", "svg") or {"rate", "range"} & set(cls.split()):
            self.skip += 1

    def handle_endtag(self, tag):
        if self.skip:
            self.skip -= 1

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return _html.unescape(" ".join(p.parts))


def small_numbers(text: str, min_cell: int) -> list[str]:
    """Every integer below ``min_cell`` left in the text after removing non-count contexts."""
    for pattern in _DROP:
        text = re.sub(pattern, " ", text, flags=re.MULTILINE)
    found = []
    for m in re.finditer(r"(?<![\w.,])(\d{1,3}(?:,\d{3})*|\d+)(?![\w.])", text):
        value = int(m.group(1).replace(",", ""))
        if value < min_cell:
            found.append(text[max(0, m.start() - 40): m.end() + 40].replace("\n", " "))
    return found


def json_counts(obj, path="$"):
    """(path, value) for every integer in a JSON document (counts are integers there)."""
    if isinstance(obj, bool):
        return []
    if isinstance(obj, int):
        return [(path, obj)]
    if isinstance(obj, dict):
        return [x for k, v in obj.items() for x in json_counts(v, f"{path}.{k}")]
    if isinstance(obj, list):
        return [x for i, v in enumerate(obj) for x in json_counts(v, f"{path}[{i}]")]
    return []


def load_json(text: str):
    return json.loads(text)
