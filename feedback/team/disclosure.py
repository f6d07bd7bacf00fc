"""What a manager may be shown of a team, and the proof that it gives nobody away.

A cell is a team (at the time of the conversations) times a calendar week (Monday to
Sunday) or a calendar month. A cell is shown only when it holds at least
MIN_GROUP_RESPONSES answers about at least MIN_GROUP_PEOPLE salespeople.

Why thresholds alone are not enough. Weeks and months are two different partitions
of the same answers, so a manager can subtract: a month minus the weeks inside it
leaves the few days at its edges, and a month whose weeks are all shown but one gives
that one away. Both are sums of *week parts* (the days a week shares with a month,
the rows of response_rollups), so what a manager can work out is exactly the linear
combinations of shown cells over parts. Two parts that lie in exactly the same shown
cells (the same *signature*) always come with the same coefficient in any such
combination, so anything recoverable is a union of whole signature groups (parts in
no shown cell never appear). Hence the rule enforced here:

    every signature group holds no answers, or at least MIN_GROUP_RESPONSES
    answers about at least MIN_GROUP_PEOPLE salespeople,

which makes every recoverable set of answers a union of such groups, so at least as
large. Cells below the thresholds are hidden first; then, while some group is too
small, one more cell is hidden (a second, complementary cell) so that the small
group merges with a larger one or drops out of every shown cell. A hidden cell thus
always keeps a part that is tied to a part outside it (or is in no shown cell), so
no hidden cell can be recovered either. tests/team/test_disclosure.py checks both by
brute-force linear algebra on random organisations.

The rule depends only on the team's own answers, never on who looks, so every
manager of a team sees the same cells.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from feedback.core.settings import Settings
from feedback.models import Period

#: DESIGN.md: a cell needs at least 3 salespeople, whatever the settings say.
PEOPLE_FLOOR = 3

CellKey = tuple[Period, date]
PartKey = tuple[date, date]  # (week_start, month_start)


@dataclass
class Tally:
    """Counts of one part, cell or group. `people` holds the ids of the salespeople
    its answers are about: it only decides visibility and is never shown."""

    sent: int = 0
    answers: int = 0
    respected_yes: int = 0
    helped_yes: int = 0
    pressured: int = 0
    doubted_promise: int = 0
    people: set[int] = field(default_factory=set)

    def add(self, other: Tally) -> Tally:
        self.sent += other.sent
        self.answers += other.answers
        self.respected_yes += other.respected_yes
        self.helped_yes += other.helped_yes
        self.pressured += other.pressured
        self.doubted_promise += other.doubted_promise
        self.people |= other.people
        return self


@dataclass(frozen=True)
class Thresholds:
    """The smallest group of answers a manager may see, or work out, as one figure."""

    answers: int
    people: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        return cls(max(1, settings.min_group_responses),
                   max(PEOPLE_FLOOR, settings.min_group_people))

    def met_by(self, tally: Tally) -> bool:
        return self.enough(tally.answers, len(tally.people))

    def enough(self, answers: int, people: int) -> bool:
        return answers >= self.answers and people >= self.people


_WEEK, _MONTH = Period.WEEK, Period.MONTH  # enum lookups are slow in a hot loop


def cells_of(part: PartKey) -> tuple[CellKey, CellKey]:
    """The week cell and the month cell a part lies in."""
    return (_WEEK, part[0]), (_MONTH, part[1])


def visible_cells(parts: dict[PartKey, Tally], thresholds: Thresholds) -> set[CellKey]:
    """The cells that may be shown: above the thresholds, and no small group recoverable."""
    totals: dict[CellKey, Tally] = defaultdict(Tally)
    for part, tally in parts.items():
        for cell in cells_of(part):
            totals[cell].add(tally)
    shown = {cell for cell, tally in totals.items() if thresholds.met_by(tally)}
    state = _Groups({p: t for p, t in parts.items() if t.answers}, shown, thresholds)
    while state.small:
        target = min(state.small, key=lambda s: sorted(state.groups[s]))
        # The cell to hide next so that this small group grows or drops out of every
        # shown cell. Preferred: fewest small groups afterwards, then a week over a
        # month, then the cell with fewest answers (least lost), then the earliest.
        state.hide(min(state.candidates(target), key=lambda cell: (
            state.cost(cell), cell[0] is Period.MONTH, totals[cell].answers, cell[1])))
    return state.shown


class _Groups:
    """The shown cells and the signature groups of the answered parts, kept up to date
    as cells are hidden (hiding a cell only regroups the few parts inside it)."""

    def __init__(self, parts: dict[PartKey, Tally], shown: set[CellKey],
                 thresholds: Thresholds):
        self.parts, self.shown, self.thresholds = parts, shown, thresholds
        self.inside: dict[CellKey, list[PartKey]] = defaultdict(list)
        self.signature: dict[PartKey, frozenset] = {}
        self.groups: dict[frozenset, set[PartKey]] = defaultdict(set)
        for part in parts:
            cells = cells_of(part)
            for cell in cells:
                self.inside[cell].append(part)
            self.signature[part] = frozenset(c for c in cells if c in shown)
            if self.signature[part]:
                self.groups[self.signature[part]].add(part)
        self.small = {s for s, members in self.groups.items() if self._is_small(members)}

    def _is_small(self, members: set[PartKey]) -> bool:
        answers = sum(self.parts[p].answers for p in members)
        if answers == 0:
            return False
        if answers < self.thresholds.answers:
            return True
        return len(set().union(*(self.parts[p].people for p in members))) < self.thresholds.people

    def candidates(self, signature: frozenset) -> set[CellKey]:
        """A cell of the group, or a cell whose hiding merges another group into it."""
        found = set(signature)
        for cell in signature:
            for part in self.inside[cell]:
                other = self.signature[part]
                if signature < other and len(other - signature) == 1:
                    found |= other - signature
        return found

    def _regrouped(self, cell: CellKey) -> dict[frozenset, set[PartKey]]:
        """The groups that hiding `cell` changes, as they would be afterwards."""
        changed: dict[frozenset, set[PartKey]] = {}
        for part in self.inside[cell]:
            old = self.signature[part]
            new = old - {cell}
            changed.setdefault(old, set(self.groups[old])).discard(part)
            changed.setdefault(new, set(self.groups.get(new, ()))).add(part)
        return changed

    def cost(self, cell: CellKey) -> int:
        """How many more (or fewer) small groups there would be with `cell` hidden."""
        changed = self._regrouped(cell)
        before = sum(1 for s in changed if s in self.small)
        return sum(1 for s, members in changed.items() if s and self._is_small(members)) - before

    def hide(self, cell: CellKey) -> None:
        changed = self._regrouped(cell)
        self.shown.discard(cell)
        for part in self.inside[cell]:
            self.signature[part] = self.signature[part] - {cell}
        for signature, members in changed.items():
            self.small.discard(signature)
            self.groups.pop(signature, None)
            if signature and members:
                self.groups[signature] = members
                if self._is_small(members):
                    self.small.add(signature)
