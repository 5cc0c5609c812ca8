"""The attack a suppression plan must withstand: linear programming over everything published.

Differencing (a total minus its published parts) is the simple attack; linear programming is
the complete one.  Every figure a public output shows is taken as its exact counts (stronger
than any real reader: the reports round rates), every relation between groups (an
attribute's groups add up to everybody, an intersection's slices to their margin group) holds
count by count, and counts are never negative.  For each hidden count that is small, the
attacker asks HiGHS for the smallest and largest value it can take.  The count is *protected*
when that range is at least ``min_cell`` wide: the attacker cannot narrow it to fewer values
than the suppression rule itself hides (a count of 3 with ``min_cell`` 10 may be anywhere in a
range of 10 or more values, e.g. 0 to 12).

:func:`essex_standard.suppression` runs this on every plan it makes and hides more until no
small count is left with a narrower range; tests/test_disclosure_attack.py runs it again on
the public outputs of the bundled examples and on random audits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .suppression import FIGURE_COUNTS, Cell, Table, Unit


@dataclass
class Exposure:
    """A hidden small count and the range an attacker can narrow it to."""

    cell: Cell
    row: tuple[int, int, int, int]
    truth: int
    low: float
    high: float
    #: Shown figures whose publication the attacker's bound rests on (LP duals): one of them
    #: must be hidden for the range to widen.
    support: tuple[Cell, ...] = ()

    @property
    def width(self) -> float:
        return self.high - self.low


def _truth(table: Table, unit: Unit) -> np.ndarray:
    cells = table.counts[unit]
    if cells is None:  # no outcomes: only flagged and not flagged, in cells 0 and 2
        return np.array([table.flagged[unit], 0, table.n[unit] - table.flagged[unit], 0], float)
    return np.array(cells, float)


class Attack:
    """The attacker's linear program for one table and one suppression pattern."""

    def __init__(self, table: Table, status: dict[Cell, str]):
        self.table = table
        self.status = status
        self.index = {u: i for i, u in enumerate(table.units)}
        self.x_true = np.concatenate([_truth(table, u) for u in table.units])
        rows: list[np.ndarray] = []
        #: The figure each published row comes from (None: a relation everybody knows).
        self.source: list[Cell | None] = []

        def equal(coeffs: dict[int, tuple[int, ...]], source: Cell | None = None) -> None:
            row = np.zeros(len(self.x_true))
            for unit, weights in coeffs.items():
                row[4 * unit:4 * unit + 4] += weights
            rows.append(row)
            self.source.append(source)

        for (unit, figure), state in status.items():
            if state == "shown":
                for weights in FIGURE_COUNTS[figure]:
                    equal({self.index[unit]: weights}, (unit, figure))
        for total, members in table.relations:
            for k in range(4):
                e = tuple(int(j == k) for j in range(4))
                coeffs = {self.index[m]: e for m in members}
                coeffs[self.index[total]] = tuple(-w for w in e)
                equal(coeffs)
        self.a_eq = np.array(rows)
        # Exact integer arithmetic: the right-hand sides are sums of whole counts.
        self.b_eq = np.array([float(np.sum(r * self.x_true)) for r in rows])

    def bounds(self, unit: Unit, weights: tuple[int, ...]) -> tuple[float, float]:
        """The smallest and largest value a count can take given what is published."""
        return self._bound(unit, weights, 1.0)[0], -self._bound(unit, weights, -1.0)[0]

    def _bound(self, unit: Unit, weights: tuple[int, ...], sign: float
               ) -> tuple[float, set[Cell]]:
        """min(sign * count), and the shown figures whose rows carry a non-zero dual."""
        from scipy.optimize import linprog

        i = self.index[unit]
        c = np.zeros(len(self.x_true))
        c[4 * i:4 * i + 4] = np.array(weights, float) * sign
        res = linprog(c, A_eq=self.a_eq, b_eq=self.b_eq, bounds=(0, None), method="highs")
        if res.status != 0:  # pragma: no cover - the truth is always feasible
            raise RuntimeError(f"the attack's linear program failed: {res.message}")
        duals = res.eqlin.marginals
        support = {self.source[r] for r in np.flatnonzero(np.abs(duals) > 1e-9)
                   if self.source[r] is not None}
        return float(res.fun), support  # type: ignore[return-value]

    def hidden_small(self, small: Callable[[int], bool]) -> list[tuple[Cell, tuple[int, ...],
                                                                       int]]:
        """Every hidden count whose true value is small, once each."""
        out, seen = [], set()
        for (unit, figure), state in self.status.items():
            if state == "shown":
                continue
            truth = _truth(self.table, unit)
            for weights in FIGURE_COUNTS[figure]:
                if self.table.counts[unit] is None and figure not in ("n", "selection"):
                    continue
                value = round(float(np.sum(np.array(weights) * truth)))
                key = (unit, weights)
                if small(value) and key not in seen:
                    seen.add(key)
                    out.append(((unit, figure), weights, value))
        return out

    def exposures(self, small: Callable[[int], bool], min_width: float,
                  skip: set[tuple[Unit, tuple[int, ...]]] | None = None) -> list[Exposure]:
        """Hidden small counts the attacker narrows to a range less than ``min_width`` wide.

        ``skip``: counts already known to be protected (under a pattern that hid no more than
        this one: hiding more only widens every range); the protected ones are added to it.
        """
        out = []
        for cell, weights, value in self.hidden_small(small):
            if skip is not None and (cell[0], weights) in skip:
                continue
            neg_high, support = self._bound(cell[0], weights, -1.0)
            high, low = -neg_high, 0.0
            if high - value >= min_width - 1e-6:
                low = value  # the lower bound is at most the truth: wide enough already
            elif high >= min_width - 1e-6:  # else narrow whatever the lower bound
                low, low_support = self._bound(cell[0], weights, 1.0)
                support |= low_support
            if high - low < min_width - 1e-6:
                out.append(Exposure(cell, weights, value, low, high,  # type: ignore[arg-type]
                                    tuple(sorted(support, key=repr))))
            elif skip is not None:
                skip.add((cell[0], weights))
        return out

    def narrowest(self, small: Callable[[int], bool]) -> float | None:
        """The narrowest range of any hidden small count (None when there is none)."""
        widths = []
        for cell, weights, _ in self.hidden_small(small):
            low, high = self.bounds(cell[0], weights)
            widths.append(high - low)
        return min(widths) if widths else None
