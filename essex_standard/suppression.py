"""Choosing which figures to hide: primary cells, then the cheapest complementary cells.

The public outputs show, for the whole population and for every group, up to four *figures*
(its size, its selection rate, its base rate and its error rates), each of which gives away
some of the group's counts (:data:`FIGURE_COUNTS`).  Groups add up: every attribute's groups
add up to everybody, and each slice of an intersection (say, every "Female & ..." group) adds up
to its margin group ("Female").  Those sums are the *relations* a reader can subtract along.

* **Primary** cells are figures that rest on a small count (:func:`primary_status`).
* **Complementary** cells are other figures hidden so that the primary ones cannot be worked
  out from the totals.  :func:`choose_complements` chooses them by mixed-integer linear
  programming (HiGHS through :func:`scipy.optimize.milp`), minimising the information lost:
  each hidden figure costs the number of people it describes, so a large group's figures are
  hidden only when no cheaper set of figures protects the small ones.  This is the
  minimum-loss ("optimal") problem of tau-Argus and sdcTable, posed on the relations above with
  these rules in every relation (a set of groups and the total they add up to):

  - never exactly one hidden figure (it would be the total minus the others);
  - when the total is shown, the hidden groups' counts added together are not small, count by
    count (size; flagged and not flagged; outcome and no outcome; TP, FP, FN, TN);
  - within a group, a hidden size hides its rates and a hidden selection or base rate hides its
    error rates (each would give the other back).

  Those rules stop differencing.  The complete attack, linear programming over everything
  published, is then run on the solution (:mod:`essex_standard.disclosure_check`); while it can
  narrow a small count to a range narrower than ``min_cell``, a cut is added (hide at least one
  more figure; protection only grows when more is hidden) and the problem is solved again.

* For tables too large for the exact solver (more than :data:`MILP_MAX_VARIABLES` figures) or
  when it stops at its node limit without a solution, :func:`greedy_complements` adds the
  cheapest figure to each unsafe relation until none is left, then the same attack-and-extend
  loop runs.  Both are deterministic: the same document gives the same cells.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Figures a public output can show for a unit (the population or a group).
FIGURES = ("n", "selection", "base", "errors")
#: What each figure gives away, as rows over the unit's four cells (TP, FP, FN, TN).
FIGURE_COUNTS: dict[str, tuple[tuple[int, int, int, int], ...]] = {
    "n": ((1, 1, 1, 1),),
    "selection": ((1, 1, 0, 0), (0, 0, 1, 1)),
    "base": ((1, 0, 1, 0), (0, 1, 0, 1)),
    "errors": ((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)),
}
#: Figures a hidden figure forces hidden in the same unit (each would give it back).
LINKS = {"n": ("selection", "base"), "selection": ("errors",), "base": ("errors",)}
#: How many columns of a public table each figure fills (the error rates fill two: wrongly
#: flagged and missed); a hidden figure costs this times the people it describes.
FIGURE_WEIGHT = {"n": 1, "selection": 1, "base": 1, "errors": 2}
#: A group named in a finding the model fails costs this many times more to hide: a report
#: about a failure should show the figures of the group it fails.
NAMED_WEIGHT = 10
#: Above this many figures the exact solver is not tried (the greedy rule is used).
MILP_MAX_VARIABLES = 2000
#: Branch-and-bound nodes the exact solver may use per solve (deterministic, unlike a time limit).
MILP_NODE_LIMIT = 20000
#: Rounds of "attack, then hide one more" before the fallback is used.
MAX_ROUNDS = 30

Unit = tuple[str | None, str | None]  # (attribute, group); (None, None) is everybody
Cell = tuple[Unit, str]  # (unit, figure)


@dataclass
class Table:
    """The units, their counts and the relations between them."""

    units: list[Unit]
    counts: dict[Unit, tuple[int, int, int, int] | None]  # TP, FP, FN, TN (None: no labels)
    n: dict[Unit, int]
    flagged: dict[Unit, int]
    figures: dict[Unit, tuple[str, ...]]
    relations: list[tuple[Unit, list[Unit]]]  # (total, members)
    #: Groups the Standard found the model fails (their figures are what a report is about).
    named: frozenset[Unit] = frozenset()

    def values(self, unit: Unit, figure: str) -> tuple[int, ...]:
        """The counts a figure of a unit gives away."""
        cells = self.counts[unit]
        if cells is None:
            n, f = self.n[unit], self.flagged[unit]
            return {"n": (n,), "selection": (f, n - f)}[figure]
        return tuple(int(np.dot(row, cells)) for row in FIGURE_COUNTS[figure])


def _unit_counts(n: int, metrics: Mapping[str, Any]) -> tuple[tuple[int, int, int, int] | None,
                                                              int]:
    """(TP, FP, FN, TN) or None, and the number flagged, from a unit's metrics."""
    flagged = int((metrics.get("selection_rate") or {}).get("numerator", 0))
    base = metrics.get("base_rate")
    if base is None:
        return None, flagged
    positives = int(base["numerator"])
    tp = _numerator(metrics, "true_positive_rate")
    if tp is None:
        tp = _numerator(metrics, "positive_predictive_value")
    if tp is None:
        fp = _numerator(metrics, "false_positive_rate")
        tp = flagged - fp if fp is not None else (0 if positives == 0 else flagged)
    fp = flagged - tp
    return (tp, fp, positives - tp, n - positives - fp), flagged


def _numerator(metrics: Mapping[str, Any], name: str) -> int | None:
    m = metrics.get(name)
    return None if not m or m.get("numerator") is None else int(m["numerator"])


def build_table(doc: Mapping[str, Any]) -> Table:
    """The units and relations of a results document (``overall`` and ``fairness``)."""
    from .groups import intersection_label

    units: list[Unit] = []
    counts, sizes, flagged, figures = {}, {}, {}, {}

    def add(unit: Unit, n: int, metrics: Mapping[str, Any]) -> None:
        units.append(unit)
        counts[unit], flagged[unit] = _unit_counts(n, metrics)
        sizes[unit] = n
        figures[unit] = FIGURES if counts[unit] is not None else ("n", "selection")

    overall = doc.get("overall") or {}
    if overall:
        add((None, None), int(overall["n"]), overall.get("metrics") or {})
    fairness = doc.get("fairness") or {}
    relations: list[tuple[Unit, list[Unit]]] = []
    for attr, section in fairness.items():
        for group, entry in section["groups"].items():
            add((attr, group), int(entry["n"]), entry.get("metrics") or {})
    for attr, section in fairness.items():
        groups = list(section["groups"])
        if overall:
            relations.append(((None, None), [(attr, g) for g in groups]))
        columns = section.get("columns", [attr])
        if section.get("kind") != "intersection" or len(columns) < 2:
            continue
        if any(c not in fairness for c in columns):
            continue
        margins = [list(fairness[c]["groups"]) for c in columns]
        combos = {intersection_label(parts): parts for parts in itertools.product(*margins)}
        for axis, column in enumerate(columns):
            for value in margins[axis]:
                members = [(attr, g) for g in groups if g in combos and combos[g][axis] == value]
                if members:
                    relations.append(((column, value), members))
    return Table(units, counts, sizes, flagged, figures, relations, _named(doc))


def _named(doc: Mapping[str, Any]) -> frozenset[Unit]:
    """Groups named in a criterion the model did not meet."""
    out = set()
    for c in (doc.get("standard") or {}).get("criteria", []):
        if c.get("verdict") != "not met":
            continue
        for g in (c.get("evidence") or {}).get("groups") or []:
            if g.get("verdict") == "not met" and g.get("attribute") is not None:
                out.add((g["attribute"], g.get("group")))
    return frozenset(out)


def primary_status(table: Table, small: Callable[[int], bool]) -> dict[Cell, str]:
    """Every figure: "primary" when it (or a figure it would give back) rests on a small
    count, else "shown"."""
    status: dict[Cell, str] = {}
    for unit in table.units:
        for figure in table.figures[unit]:
            hidden = any(small(v) for v in table.values(unit, figure))
            status[(unit, figure)] = "primary" if hidden else "shown"
        _close(status, unit, table.figures[unit], "primary")
    return status


def _close(status: dict[Cell, str], unit: Unit, figures: tuple[str, ...], mark: str) -> None:
    """Hide, with ``mark``, every figure of ``unit`` that would give back a hidden one."""
    for figure in ("n", "selection", "base"):
        if figure in figures and status[(unit, figure)] != "shown":
            for linked in LINKS[figure]:
                if linked in figures and status[(unit, linked)] == "shown":
                    status[(unit, linked)] = mark


def cost(table: Table, cell: Cell) -> int:
    """Information lost by hiding a figure: the people it describes, times its columns, + 1;
    times :data:`NAMED_WEIGHT` for a group the Standard found the model fails."""
    unit, figure = cell
    return (FIGURE_WEIGHT[figure] * table.n[unit] + 1) * (NAMED_WEIGHT if unit in table.named
                                                         else 1)


def choose_complements(table: Table, status: dict[Cell, str], min_cell: int,
                       suppress_zero: bool, cuts: list[list[Cell]]) -> dict[Cell, str] | None:
    """The minimum-cost complementary cells, or None if the solver gives no solution.

    ``cuts``: lists of figures of which at least one must be hidden (from the attack).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import lil_array

    cells = list(status)
    index = {c: i for i, c in enumerate(cells)}
    nvar = len(cells)
    lower = np.array([1.0 if status[c] != "shown" else 0.0 for c in cells])
    # Ties are broken by position, so the solution is unique: cost * (nvar + 1) + position.
    c_vec = np.array([cost(table, c) * (nvar + 1) + i for i, c in enumerate(cells)], float)
    rows: list[dict[int, float]] = []
    lo: list[float] = []

    def ge(coeffs: dict[int, float], bound: float) -> None:
        rows.append(coeffs)
        lo.append(bound)

    # Within a unit: a hidden figure hides the figures that would give it back.
    for unit in table.units:
        for figure, linked in LINKS.items():
            for other in linked:
                if figure in table.figures[unit] and other in table.figures[unit]:
                    ge({index[(unit, other)]: 1.0, index[(unit, figure)]: -1.0}, 0.0)
    for total, members in table.relations:
        for figure in table.figures[total]:
            if not all(figure in table.figures[m] for m in members):
                continue
            everyone = [total, *members]
            # Never exactly one hidden figure in a relation: sum(s) >= 2 s_x.
            for x in everyone:
                coeffs = {index[(u, figure)]: 1.0 for u in everyone}
                coeffs[index[(x, figure)]] -= 2.0
                ge(coeffs, 0.0)
            # With the total shown, the hidden members' counts add up to a safe number:
            # sum_y c_y s_y >= m (s_x - s_total) for every member x that could be small.
            values = {m: table.values(m, figure) for m in members}
            for k in range(len(values[members[0]])):
                for x in members:
                    if values[x][k] >= min_cell or (values[x][k] == 0 and not suppress_zero):
                        continue  # x alone makes the sum safe, or its zero may be shown
                    coeffs: dict[int, float] = {}
                    for y in members:
                        coeffs[index[(y, figure)]] = coeffs.get(index[(y, figure)], 0.0) + \
                            values[y][k]
                    coeffs[index[(x, figure)]] = coeffs.get(index[(x, figure)], 0.0) - min_cell
                    coeffs[index[(total, figure)]] = coeffs.get(index[(total, figure)], 0.0) + \
                        min_cell
                    ge(coeffs, 0.0)
    for cut in cuts:
        ge({index[c]: 1.0 for c in cut}, 1.0)
    a = lil_array((len(rows), nvar))
    for r, coeffs in enumerate(rows):
        for j, v in coeffs.items():
            if v:
                a[r, j] = v
    res = milp(
        c_vec,
        integrality=np.ones(nvar),
        bounds=Bounds(lower, np.ones(nvar)),
        constraints=[LinearConstraint(a.tocsr(), np.array(lo), np.inf)] if rows else [],
        options={"mip_rel_gap": 0.0, "node_limit": MILP_NODE_LIMIT, "presolve": True},
    )
    if res.x is None:
        return None
    out = dict(status)
    for c, v in zip(cells, res.x, strict=True):
        if v > 0.5 and out[c] == "shown":
            out[c] = "secondary"
    return out


def greedy_complements(table: Table, status: dict[Cell, str], min_cell: int,
                       suppress_zero: bool, small: Callable[[int], bool]) -> dict[Cell, str]:
    """The fallback: in each relation still unsafe, hide the cheapest shown figure; repeat.

    Deterministic: relations in a fixed order, candidates by (cost, position).
    """
    out = dict(status)
    position = {c: i for i, c in enumerate(out)}
    changed = True
    while changed:
        changed = False
        for unit in table.units:
            before = dict(out)
            _close(out, unit, table.figures[unit], "secondary")
            changed |= before != out
        for total, members in table.relations:
            for figure in table.figures[total]:
                if not all(figure in table.figures[m] for m in members):
                    continue
                everyone = [total, *members]
                hidden = [u for u in everyone if out[(u, figure)] != "shown"]
                if not hidden or _relation_safe(table, out, total, members, figure, small):
                    continue
                shown = [u for u in everyone if out[(u, figure)] == "shown"]
                if not shown:
                    continue
                pick = min(shown, key=lambda u: (cost(table, (u, figure)),
                                                 position[(u, figure)]))
                out[(pick, figure)] = "secondary"
                changed = True
    return out


def _relation_safe(table: Table, status: dict[Cell, str], total: Unit, members: list[Unit],
                   figure: str, small: Callable[[int], bool]) -> bool:
    everyone = [total, *members]
    hidden = [u for u in everyone if status[(u, figure)] != "shown"]
    if len(hidden) == 1:
        return False
    if status[(total, figure)] != "shown":
        return True
    sums = np.sum([table.values(m, figure) for m in members if m in hidden], axis=0)
    return not any(small(int(v)) for v in np.atleast_1d(sums))


@dataclass
class Plan:
    """A suppression pattern and how it was reached."""

    status: dict[Cell, str]
    method: str  # "optimal", "optimal with cuts", "greedy"
    rounds: int


def _neighbourhood(table: Table, status: dict[Cell, str], unit: Unit) -> list[Cell]:
    """Shown figures of the unit and of every unit it shares a relation with."""
    near = {unit}
    for total, members in table.relations:
        if unit == total or unit in members:
            near.update([total, *members])
    return [c for c in status if c[0] in near and status[c] == "shown"]


def plan_suppression(table: Table, min_cell: int, suppress_zero: bool,
                     method: str = "auto") -> Plan:
    """Primary cells, then complementary cells (optimal when the table allows), attacked and
    extended until every small count is protected.

    ``method``: "auto" (optimal unless the table is too large), "optimal" or "greedy".
    """
    from .disclosure_check import Attack

    def small(value: int) -> bool:
        return value < min_cell and (value != 0 or suppress_zero)

    primary = primary_status(table, small)
    use_milp = method == "optimal" or (method == "auto" and len(primary) <= MILP_MAX_VARIABLES)
    cuts: list[list[Cell]] = []
    rounds = 0
    while use_milp and rounds < MAX_ROUNDS:
        rounds += 1
        status = choose_complements(table, primary, min_cell, suppress_zero, cuts)
        if status is None:
            break
        exposed = Attack(table, status).exposures(small, float(min_cell))
        if not exposed:
            return Plan(status, "optimal with cuts" if cuts else "optimal", rounds)
        new = []
        for e in exposed:
            cut = sorted(set(e.support), key=repr) or _neighbourhood(table, status, e.cell[0])
            if cut and cut not in cuts and cut not in new:
                new.append(cut)
        if not new:
            break
        cuts.extend(new)
    # The fallback: greedy, then hide the cheapest shown figure near each exposed count until
    # none is left (each round hides at least one figure, so this ends).
    status = greedy_complements(table, primary, min_cell, suppress_zero, small)
    order = {c: i for i, c in enumerate(status)}
    protected: set[tuple[Unit, tuple[int, ...]]] = set()  # stays so: the pattern only grows
    while True:
        rounds += 1
        exposed = Attack(table, status).exposures(small, float(min_cell), skip=protected)
        if not exposed:
            return Plan(status, "greedy", rounds)
        for e in exposed:
            near = _neighbourhood(table, status, e.cell[0]) or [
                c for c, v in status.items() if v == "shown"]
            if not near:
                return Plan(status, "greedy", rounds)  # everything is hidden
            status[min(near, key=lambda c: (cost(table, c), order[c]))] = "secondary"
        status = greedy_complements(table, status, min_cell, suppress_zero, small)
