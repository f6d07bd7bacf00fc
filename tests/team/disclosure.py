"""An independent check of what a manager can work out from the cells they are shown.

Every cell is a sum over week parts (the days a week shares with a month). What can be
worked out from shown cells is exactly their linear combinations, so a set of parts
can be recovered iff its indicator vector lies in the row space of the shown cells,
i.e. is orthogonal to their null space. Exact arithmetic (fractions), no shortcuts
from feedback.team.aggregates: this is the brute-force definition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from feedback.models import Period


@dataclass(frozen=True)
class Part:
    week: object
    month: object
    answers: int
    people: frozenset


def cells_of(part: Part) -> tuple:
    return (Period.WEEK, part.week), (Period.MONTH, part.month)


def null_space(rows: list[list[int]], width: int) -> list[list[Fraction]]:
    """A basis of {x : row . x = 0 for every row}."""
    matrix = [[Fraction(v) for v in row] for row in rows]
    pivots, r = [], 0
    for col in range(width):
        pivot = next((i for i in range(r, len(matrix)) if matrix[i][col] != 0), None)
        if pivot is None:
            continue
        matrix[r], matrix[pivot] = matrix[pivot], matrix[r]
        lead = matrix[r][col]
        matrix[r] = [v / lead for v in matrix[r]]
        for i in range(len(matrix)):
            if i != r and matrix[i][col] != 0:
                factor = matrix[i][col]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[r], strict=True)]
        pivots.append(col)
        r += 1
    basis = []
    for free in (c for c in range(width) if c not in pivots):
        vector = [Fraction(0)] * width
        vector[free] = Fraction(1)
        for i, col in enumerate(pivots):
            vector[col] = -matrix[i][free]
        basis.append(vector)
    return basis


class Attacker:
    """Everything a manager can compute from the shown cells of one team."""

    def __init__(self, parts: list[Part], shown: Iterable):
        self.parts = [p for p in parts if p.answers]
        shown = set(shown)
        rows = [[1 if cell in cells_of(p) else 0 for p in self.parts] for cell in shown]
        self.null = null_space(rows, len(self.parts))

    def can_recover(self, members: list[int]) -> bool:
        """Whether the total of these parts (by index) follows from the shown cells."""
        return all(sum(n[i] for i in members) == 0 for n in self.null)

    def cell_members(self, cell) -> list[int]:
        return [i for i, p in enumerate(self.parts) if cell in cells_of(p)]

    def recoverable_sets(self, limit: int = 12):
        """Every non-empty set of parts whose total can be recovered (None if too many).

        Walks all subsets in Gray-code order, keeping the dot products up to date, so
        each step costs one addition per null-space vector.
        """
        n = len(self.parts)
        if n > limit:
            return None
        sums = [Fraction(0)] * len(self.null)
        chosen = [False] * n
        found = []
        for step in range(1, 2 ** n):
            flip = (step & -step).bit_length() - 1
            sign = -1 if chosen[flip] else 1
            chosen[flip] = not chosen[flip]
            for k, vector in enumerate(self.null):
                sums[k] += sign * vector[flip]
            if all(s == 0 for s in sums):
                found.append([i for i in range(n) if chosen[i]])
        return found

    def totals(self, members: list[int]) -> tuple[int, int]:
        """(answers, distinct salespeople) of a set of parts."""
        people = set().union(*(self.parts[i].people for i in members))
        return sum(self.parts[i].answers for i in members), len(people)


def assert_nothing_small_recoverable(parts: list[Part], shown: set, answers: int,
                                     people: int) -> None:
    """No shown cell below the thresholds, no hidden cell recoverable, and no set of
    answers smaller than the thresholds recoverable (checked exhaustively when small)."""
    attacker = Attacker(parts, shown)
    cells = {c for p in attacker.parts for c in cells_of(p)}
    for cell in shown & cells:
        total, who = attacker.totals(attacker.cell_members(cell))
        assert total >= answers and who >= people, f"{cell} shown with {total}/{who}"
    for cell in cells - shown:
        assert not attacker.can_recover(attacker.cell_members(cell)), f"{cell} recoverable"
    for members in attacker.recoverable_sets() or []:
        total, who = attacker.totals(members)
        assert total >= answers and who >= people, (
            f"{[attacker.parts[i] for i in members]} recoverable with {total}/{who}")
