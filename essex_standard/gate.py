"""The release gate: a judged audit → pass or fail, JUnit XML, and "no regression" checks.

The gate reads only ``results.json`` (or runs the audit first), so CI can gate on a results
file produced elsewhere.  It passes when the Standard is *met* (or, with
``allow_incomplete``, not *not met*), and no disparity got worse than the baseline's beyond
the uncertainty of both.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from .errors import ResultsError
from .metrics.uncertainty import z_value


@dataclass(frozen=True)
class Regression:
    """A disparity further from parity than in the baseline, beyond both intervals."""

    criterion: str
    attribute: str | None
    group: str | None
    metric: str
    statistic: str
    baseline: float
    current: float
    change_ci: tuple[float, float]
    level: float

    def describe(self) -> str:
        scale = "log ratio" if self.statistic == "ratio" else "difference"
        who = f"{self.group} ({self.attribute})" if self.attribute else "everyone"
        return (f"{self.criterion}: {self.metric.replace('_', ' ')} {self.statistic}, {who}: "
                f"{self.baseline:.3f} in the baseline, {self.current:.3f} now (change in "
                f"{scale} {self.change_ci[0]:+.3f} to {self.change_ci[1]:+.3f}, "
                f"{self.level:.2%} interval)")


@dataclass
class BaselineComparison:
    """All baseline checks made, and the regressions among them."""

    checked: dict[str, int] = field(default_factory=dict)
    regressions: list[Regression] = field(default_factory=list)
    family_level: float = 0.95
    reference_changes: list[str] = field(default_factory=list)
    """Attributes whose reference group differs between the audits: their disparities measure
    something else now, so they cannot be checked, and the gate fails rather than pass them."""
    unmatched: int = 0
    """Baseline disparities with no counterpart now (e.g. a group too small to judge)."""


@dataclass
class GateOutcome:
    """What the gate decided and why."""

    standard: Mapping[str, Any]
    allow_incomplete: bool
    baseline: BaselineComparison | None = None

    @property
    def verdict(self) -> str:
        return str(self.standard["verdict"])

    @property
    def verdict_passes(self) -> bool:
        return self.verdict == "met" or (self.allow_incomplete and self.verdict == "incomplete")

    @property
    def passed(self) -> bool:
        return self.verdict_passes and not (
            self.baseline and (self.baseline.regressions or self.baseline.reference_changes)
        )


def standard_section(doc: Mapping[str, Any], source: str) -> Mapping[str, Any]:
    section = doc.get("standard")
    if not isinstance(section, Mapping):
        raise ResultsError(f"{source}: has no 'standard' section, so there is nothing to gate "
                           "on. Re-run 'essex-standard audit' with this version.")
    return section


# --------------------------------------------------------------------------- baseline


def _scaled(value: float, ci: list[float], stored: float, level: float, log: bool
            ) -> tuple[float, float, float] | None:
    if log:
        if value <= 0 or ci[0] <= 0:
            return None
        value, ci = math.log(value), [math.log(ci[0]), math.log(ci[1])]
    k = z_value(level) / z_value(stored)
    return value, value - (value - ci[0]) * k, value + (ci[1] - value) * k


def _pairs(doc: Mapping[str, Any], baseline: Mapping[str, Any]
           ) -> list[tuple[str, str, Mapping[str, Any], Mapping[str, Any]]]:
    """(criterion id, statistic, current comparison, baseline comparison), matched by key."""
    def index(d: Mapping[str, Any]) -> dict[tuple, tuple[str, Mapping[str, Any]]]:
        out = {}
        for c in d.get("standard", {}).get("criteria", []):
            ev = c.get("evidence") or {}
            if c.get("kind") != "measured" or ev.get("statistic") not in ("difference", "ratio"):
                continue
            for g in ev.get("groups", []):
                if g.get("value") is not None and g.get("ci"):
                    out[(c["id"], g["attribute"], g["group"], g["metric"])] = (ev["statistic"], g)
        return out
    new, old = index(doc), index(baseline)
    return [(k[0], new[k][0], new[k][1], old[k][1]) for k in sorted(new, key=str) if k in old]


def _reference_changes(doc: Mapping[str, Any], baseline: Mapping[str, Any]) -> list[str]:
    """Attributes audited in both whose reference group is not the same."""
    out = []
    for attr, section in doc.get("fairness", {}).items():
        before = baseline.get("fairness", {}).get(attr)
        if before and before.get("reference_group") != section.get("reference_group"):
            out.append(
                f"{attr}: the reference group changed from {before.get('reference_group')!r} "
                f"to {section.get('reference_group')!r}, so its disparities cannot be compared "
                "with the baseline. Declare 'reference:' for it in the audit config."
            )
    return out


def compare_baseline(doc: Mapping[str, Any], baseline: Mapping[str, Any],
                     family_level: float = 0.95) -> BaselineComparison:
    """Find disparities that got worse than in ``baseline`` beyond their uncertainty.

    For each disparity judged in both audits (same criterion, attribute, group and metric),
    the change (current − baseline; on the log scale for ratios) gets a MOVER interval built
    from the two stored intervals, each widened to a Bonferroni level across all checks.  It is
    a regression when the disparity moved further from parity and the whole interval of the
    change lies on that side of zero.
    """
    pairs = _pairs(doc, baseline)
    out = BaselineComparison(family_level=family_level,
                             reference_changes=_reference_changes(doc, baseline))
    out.unmatched = len(_pairs(baseline, baseline)) - len(pairs)
    if not pairs:
        return out
    level = 1 - (1 - family_level) / len(pairs)
    stored_new = float(doc.get("settings", {}).get("confidence_level", 0.95))
    stored_old = float(baseline.get("settings", {}).get("confidence_level", 0.95))
    for cid, statistic, new, old in pairs:
        out.checked[cid] = out.checked.get(cid, 0) + 1
        log = statistic == "ratio"
        a = _scaled(new["value"], new["ci"], stored_new, level, log)
        b = _scaled(old["value"], old["ci"], stored_old, level, log)
        if a is None or b is None:
            continue
        (d1, l1, u1), (d0, l0, u0) = a, b
        change = d1 - d0
        lo = change - math.sqrt((d1 - l1) ** 2 + (u0 - d0) ** 2)
        hi = change + math.sqrt((u1 - d1) ** 2 + (d0 - l0) ** 2)
        further = abs(d1) > abs(d0)
        if further and ((d1 > 0 and lo > 0) or (d1 < 0 and hi < 0)):
            out.regressions.append(Regression(cid, new["attribute"], new["group"], new["metric"],
                                              statistic, old["value"], new["value"], (lo, hi),
                                              level))
    return out


# --------------------------------------------------------------------------- gate


def evaluate(doc: Mapping[str, Any], *, allow_incomplete: bool = False,
             baseline: Mapping[str, Any] | None = None, source: str = "results") -> GateOutcome:
    """Gate a judged results document (and optionally compare it with a baseline).

    >>> doc = {"standard": {"verdict": "incomplete", "criteria": []}}
    >>> evaluate(doc).passed, evaluate(doc, allow_incomplete=True).passed
    (False, True)
    """
    section = standard_section(doc, source)
    comparison = None
    if baseline is not None:
        level = float(section.get("multiplicity", {}).get("family_level", 0.95))
        comparison = compare_baseline(doc, baseline, level)
    return GateOutcome(section, allow_incomplete, comparison)


def report_text(outcome: GateOutcome) -> str:
    """What the gate prints: the verdict, what blocks it, regressions, and the decision."""
    s = outcome.standard
    lines = [f"Essex Standard {s.get('version', '?')}: {outcome.verdict}", s.get("summary", "")]
    for c in s.get("criteria", []):
        if c["severity"] == "required" and c["verdict"] != "met":
            lines.append(f"  {c['id']} {c['verdict']}: {c['reason']}")
    if outcome.baseline is not None:
        checks = sum(outcome.baseline.checked.values())
        lines.append(f"Baseline: {checks} disparities compared, "
                     f"{len(outcome.baseline.regressions)} got worse.")
        lines += [f"  REGRESSION {r.describe()}" for r in outcome.baseline.regressions]
        lines += [f"  NOT COMPARABLE {why}" for why in outcome.baseline.reference_changes]
        if outcome.baseline.unmatched:
            lines.append(f"  {outcome.baseline.unmatched} baseline disparities have no "
                         "counterpart in this audit (a group or comparison not judged now).")
    relaxed = " (--allow-incomplete)" if outcome.allow_incomplete else ""
    lines.append(f"Gate: {'PASSED' if outcome.passed else 'FAILED'}{relaxed}")
    return "\n".join(line for line in lines if line) + "\n"


# --------------------------------------------------------------------------- JUnit XML


def _case(suite: ET.Element, classname: str, name: str, file: str | None,
          line: int | None = None) -> ET.Element:
    case = ET.SubElement(suite, "testcase", classname=classname, name=name, time="0.000")
    if file:
        case.set("file", file)
        if line:
            case.set("line", str(line))
    return case


def _criterion_lines(path: str | None) -> dict[str, int]:
    """Line of each ``id:`` in a Standard file, so an annotation points at the criterion."""
    if not path:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    found = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"\s*-?\s*id:\s*[\"']?([\w.-]+)", line)
        if match and match.group(1) not in found:
            found[match.group(1)] = number
    return found


def junit_xml(outcome: GateOutcome, *, source: str | None = None, elapsed: float = 0.0,
              baseline_source: str | None = None) -> str:
    """JUnit XML: one test case per criterion, plus the baseline checks and the overall verdict.

    A required criterion not met is a failure, and so is a required criterion *not assessed*
    (or with insufficient evidence: "not assessed: required") unless the gate allows an
    incomplete verdict, when it is skipped: a grey test would hide that the release was never
    checked. A recommended criterion not met is skipped, since it does not block a release.
    The last case fails exactly when the gate fails, so a CI dashboard and the exit code agree.

    Every case names a ``file``: the Standard file when it is the user's own (with the
    criterion's ``line``), otherwise ``source`` (the config or results.json the gate was
    given), so reporters that annotate files point at something in the repository. ``time`` is
    on the suite and on every case: the gate's run (``elapsed``, the audit included) is the
    time of the "overall verdict" case, and each criterion case takes 0 (it reads a judgement
    already made), so the cases add up to the suite as readers that re-add them expect.
    """
    s = outcome.standard
    suite = ET.Element("testsuite", name=f"{s.get('id', 'essex-standard')} {s.get('version', '')}")
    suite.set("time", f"{max(elapsed, 0.0):.3f}")
    suite.set("timestamp", datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)
              .isoformat())
    own_standard = s.get("path") if not s.get("bundled") else None
    if own_standard and source and not Path(own_standard).is_absolute():
        # results.json records the Standard's path relative to the config's folder.
        beside = Path(source).parent / own_standard
        own_standard = str(beside) if beside.exists() else own_standard
    criterion_file = own_standard or source
    lines = _criterion_lines(own_standard)
    props = ET.SubElement(suite, "properties")
    for key in ("id", "version", "path", "sha256", "verdict"):
        ET.SubElement(props, "property", name=f"standard.{key}", value=str(s.get(key, "")))
    for c in s.get("criteria", []):
        case = _case(suite, f"essex-standard.{c['principle']}", f"{c['id']} {c['title']}",
                     criterion_file, lines.get(c["id"]))
        message = f"{c['verdict']} ({c['severity']}): {c['reason']}"
        required = c["severity"] == "required"
        if c["verdict"] == "not met" and required:
            ET.SubElement(case, "failure", message=message, type="not met").text = c["reason"]
        elif c["verdict"] in ("not assessed", "insufficient evidence") and required \
                and not outcome.allow_incomplete:
            ET.SubElement(case, "failure", message=f"{c['verdict']}: required. {c['reason']}",
                          type=c["verdict"]).text = c["reason"]
        elif c["verdict"] != "met":
            ET.SubElement(case, "skipped", message=message)
    if outcome.baseline is not None:
        for cid in sorted(outcome.baseline.checked):
            case = _case(suite, "essex-standard.baseline", f"{cid} no regression",
                         baseline_source or source)
            found = [r for r in outcome.baseline.regressions if r.criterion == cid]
            if found:
                text = "\n".join(r.describe() for r in found)
                ET.SubElement(case, "failure", message=f"{len(found)} disparities got worse",
                              type="regression").text = text
        if outcome.baseline.reference_changes:
            case = _case(suite, "essex-standard.baseline", "baseline comparable",
                         baseline_source or source)
            ET.SubElement(case, "failure", message="reference groups changed",
                          type="not comparable").text = "\n".join(
                outcome.baseline.reference_changes)
    case = _case(suite, "essex-standard", "overall verdict", source)
    case.set("time", suite.get("time"))  # the run itself, so the cases add up to the suite
    if not outcome.passed:
        ET.SubElement(case, "failure", message=f"Gate failed: {outcome.verdict}",
                      type=outcome.verdict).text = report_text(outcome)
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    suite.set("errors", "0")
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") \
        + "\n"
