"""Partial dates, a fact's time span, and the assumption a query makes when it uses one.

A date may be known to the year (`2022`), the month (`2022-12`), the day (`2022-12-15`) or the
minute or second (`2022-12-15T10:30`). A fact keeps two kinds of bounds apart:

* its **known** start and end (a decree of appointment dated 2022-11-02; a dismissal), and
* its **first and last cited** dates (the earliest and latest documents showing it true).

`coverage(span, on)` says whether the fact held at a moment and on which basis: known bounds need
no assumption; anything else is named (`continuous`, `open_end`, ...) and worded for a reader.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from cadena.errors import CadenaError

_ISO = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2})"
    r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?"
    r"(?P<z>Z|[+-]\d{2}:?\d{2})?)?)?)?$"
)


@dataclass(frozen=True)
class PartialDate:
    """A date known to some precision: year, month, day, minute or second."""

    year: int
    month: int | None = None
    day: int | None = None
    hour: int | None = None
    minute: int | None = None
    second: int | None = None

    def __post_init__(self) -> None:
        # Constructing the lower bound validates month/day/time ranges (31 Feb is refused).
        try:
            self.lo()
        except ValueError as exc:
            raise CadenaError(f"{self.iso()} is not a real date ({exc}).") from None
        if (
            self.day is not None
            and self.month is None
            or self.hour is not None
            and self.day is None
        ):
            raise CadenaError("A partial date is year, year-month, date or date and time.")

    @classmethod
    def parse(cls, text: str | PartialDate | date) -> PartialDate:
        """An ISO 8601 partial date: 2022, 2022-12, 2022-12-15, 2022-12-15T10:30[:00][Z].

        A zone offset is converted to UTC (times in Cadena are UTC)."""
        if isinstance(text, PartialDate):
            return text
        if isinstance(text, datetime):
            return cls(text.year, text.month, text.day, text.hour, text.minute, text.second or None)
        if isinstance(text, date):
            return cls(text.year, text.month, text.day)
        m = _ISO.match(text.strip())
        if not m:
            raise CadenaError(
                f"{text!r} is not a date: write 2022, 2022-12, 2022-12-15 or 2022-12-15T10:30."
            )
        g = {k: (int(v) if v and k != "z" else None) for k, v in m.groupdict().items()}
        pd = cls(g["y"], g["m"], g["d"], g["H"], g["M"], g["S"])  # type: ignore[arg-type]
        zone = m.group("z")
        if zone and zone != "Z" and pd.hour is not None:
            sign = 1 if zone[0] == "+" else -1
            hh, mm = int(zone[1:3]), int(zone[-2:])
            utc = pd.lo() - sign * timedelta(hours=hh, minutes=mm)
            sec = pd.second if pd.second is not None else None
            pd = cls(utc.year, utc.month, utc.day, utc.hour, utc.minute, sec)
        return pd

    @property
    def precision(self) -> str:
        for name, value in (
            ("second", self.second),
            ("minute", self.minute),
            ("day", self.day),
            ("month", self.month),
        ):
            if value is not None:
                return name
        return "year"

    def lo(self) -> datetime:
        """The first instant this date can mean."""
        return datetime(
            self.year,
            self.month or 1,
            self.day or 1,
            self.hour or 0,
            self.minute or 0,
            self.second or 0,
        )

    def hi(self) -> datetime:
        """The last instant (to the second) this date can mean."""
        if self.month is None:
            return datetime(self.year, 12, 31, 23, 59, 59)
        if self.day is None:
            last = calendar.monthrange(self.year, self.month)[1]
            return datetime(self.year, self.month, last, 23, 59, 59)
        if self.hour is None:
            return datetime(self.year, self.month, self.day, 23, 59, 59)
        if self.second is None:
            return datetime(self.year, self.month, self.day, self.hour, self.minute or 0, 59)
        return self.lo()

    def lo_key(self) -> str:
        """Sortable text of `lo()`; what the database stores for range filters."""
        return self.lo().strftime("%Y-%m-%dT%H:%M:%S")

    def hi_key(self) -> str:
        return self.hi().strftime("%Y-%m-%dT%H:%M:%S")

    def iso(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        if self.hour is not None:
            text += f"T{self.hour:02d}:{self.minute or 0:02d}"
        if self.second is not None:
            text += f":{self.second:02d}"
        return text

    def __str__(self) -> str:
        return self.iso()


@dataclass(frozen=True)
class Window:
    """A stretch of time asked about (`--from … --to …`): from the first instant of `start` to the
    last instant of `end`."""

    start: PartialDate
    end: PartialDate

    def __post_init__(self) -> None:
        if self.start.lo() > self.end.hi():
            raise CadenaError(f"The window starts ({self.start}) after it ends ({self.end}).")

    def lo(self) -> datetime:
        return self.start.lo()

    def hi(self) -> datetime:
        return self.end.hi()

    def lo_key(self) -> str:
        return self.start.lo_key()

    def hi_key(self) -> str:
        return self.end.hi_key()

    def __str__(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start} to {self.end}"


Moment = PartialDate | Window


def day_before(d: PartialDate) -> PartialDate:
    return PartialDate.parse((d.lo() - timedelta(days=1)).date())


# -- forgiving parsing (what people type in a spreadsheet) ----------------------------------

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            (),
            ("jan", "january", "ene", "enero"),
            ("feb", "february", "febrero"),
            ("mar", "march", "marzo"),
            ("apr", "april", "abr", "abril"),
            ("may", "mayo"),
            ("jun", "june", "junio"),
            ("jul", "july", "julio"),
            ("aug", "august", "ago", "agosto"),
            ("sep", "sept", "september", "septiembre", "set", "setiembre"),
            ("oct", "october", "octubre"),
            ("nov", "november", "noviembre"),
            ("dec", "december", "dic", "diciembre"),
        ]
    )
    for name in names
}
_NUMERIC = re.compile(
    r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")
_WORDY = re.compile(r"^(?:(\d{1,2})\s+)?(?:de\s+)?([a-z]+)\.?,?\s+(?:de\s+|del\s+)?(\d{4})$")


class AmbiguousDate(CadenaError):
    """A date that could be read two ways."""


def parse_loose(value: object, *, dayfirst: bool = True) -> PartialDate | None:
    """A date as people type it: ISO, 15/12/2022, 12/2022, 15 Dec 2022, 15 de diciembre de 2022,
    or a spreadsheet date cell. Empty gives None.

    With two numbers both ≤ 12 (05/06/2022) the documented convention `dayfirst` decides; when only
    one reading is a real date (15/12/2022 or 12/15/2022) that reading is taken."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.hour or value.minute or value.second:
            return PartialDate.parse(value)
        return PartialDate.parse(value.date())
    if isinstance(value, date):
        return PartialDate.parse(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 1000 <= value <= 9999:
            return PartialDate(int(value))
        raise CadenaError(f"{value!r} is a number, not a date; write 2022-12-15 or 15/12/2022.")
    text = str(value).strip()
    if not text:
        return None
    if _ISO.match(text):
        return PartialDate.parse(text)
    m = _NUMERIC.match(text)
    if m:
        return _numeric(m, dayfirst, text)
    m = _MONTH_YEAR.match(text)
    if m:
        return PartialDate(int(m.group(2)), int(m.group(1)))
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    m = _WORDY.match(folded)
    if m and m.group(2) in _MONTHS:
        day = int(m.group(1)) if m.group(1) else None
        return PartialDate(int(m.group(3)), _MONTHS[m.group(2)], day)
    raise CadenaError(f"{text!r} is not a date: write 2022-12-15, 15/12/2022, 12/2022 or 2022.")


def _numeric(m: re.Match[str], dayfirst: bool, text: str) -> PartialDate:
    a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    hms = [int(x) if x else None for x in m.group(4, 5, 6)]
    if a > 12 and b > 12:
        raise CadenaError(f"{text!r} is not a date: neither {a} nor {b} is a month.")
    if a > 12:
        day, month = a, b
    elif b > 12:
        day, month = b, a
    else:
        day, month = (a, b) if dayfirst else (b, a)
    return PartialDate(year, month, day, hms[0], hms[1], hms[2])


# -- spans and coverage --------------------------------------------------------------------


@dataclass(frozen=True)
class TimeSpan:
    """When a fact held: known start/end, and first/last cited dates, each optional."""

    start: PartialDate | None = None
    end: PartialDate | None = None
    first_cited: PartialDate | None = None
    last_cited: PartialDate | None = None

    @classmethod
    def of(
        cls,
        start: object = None,
        end: object = None,
        first_cited: object = None,
        last_cited: object = None,
    ) -> TimeSpan:
        """Build from ISO text, dates or PartialDates; checks that the bounds are in order."""
        span = cls(*(_opt(v) for v in (start, end, first_cited, last_cited)))
        span.check()
        return span

    def check(self) -> None:
        pairs = [
            ("start", self.start, "end", self.end),
            ("first cited date", self.first_cited, "last cited date", self.last_cited),
            ("start", self.start, "last cited date", self.last_cited),
            ("first cited date", self.first_cited, "end", self.end),
            ("start", self.start, "first cited date", self.first_cited),
            ("last cited date", self.last_cited, "end", self.end),
        ]
        for a_name, a, b_name, b in pairs:
            if a is not None and b is not None and a.lo() > b.hi():
                raise CadenaError(
                    f"The {a_name} ({a}) is after the {b_name} ({b}); correct one of them."
                )

    @property
    def lo_key(self) -> str | None:
        """Earliest instant the fact can have held, when a known start bounds it."""
        return self.start.lo_key() if self.start else None

    @property
    def hi_key(self) -> str | None:
        return self.end.hi_key() if self.end else None

    def as_dict(self) -> dict[str, str | None]:
        return {
            k: (str(v) if v else None)
            for k, v in (
                ("start", self.start),
                ("end", self.end),
                ("first_cited", self.first_cited),
                ("last_cited", self.last_cited),
            )
        }


def _opt(value: object) -> PartialDate | None:
    if value is None or value == "":
        return None
    return PartialDate.parse(value)  # type: ignore[arg-type]


class Basis(StrEnum):
    """On what basis a fact is taken to hold at a moment, strongest first."""

    KNOWN = "known"  # known start and end enclose the moment
    PARTIAL_BOUND = "partial_bound"  # a known bound is imprecise around the moment
    CONTINUOUS = "continuous"  # between cited (or known) dates, assumed continuous between
    OPEN_END = "open_end"  # after the last cited date, no known end
    OPEN_START = "open_start"  # before the first cited date, no known start
    UNDATED = "undated"  # no date at all


STRENGTH = {b: i for i, b in enumerate(Basis)}
# Every basis is allowed by default; a caller may ask for fewer (e.g. {KNOWN, CONTINUOUS}).
ALL_BASES = frozenset(Basis)
STRICT_BASES = frozenset({Basis.KNOWN, Basis.PARTIAL_BOUND, Basis.CONTINUOUS})


@dataclass(frozen=True)
class Coverage:
    """That a fact held at a moment, on what basis, and the words that say which assumption."""

    basis: Basis
    text: str

    @property
    def assumed(self) -> bool:
        return self.basis is not Basis.KNOWN


def coverage(span: TimeSpan, on: Moment) -> Coverage | None:
    """Whether the fact held at `on` (any instant of it), and the assumption that takes; None when
    its known start is after or its known end before the moment."""
    lo_side = _lower(span, on)
    hi_side = _upper(span, on)
    if lo_side is None or hi_side is None:
        return None
    (lo_basis, lo_text), (hi_basis, hi_text) = lo_side, hi_side
    if lo_basis is Basis.UNDATED and hi_basis is Basis.UNDATED:
        return Coverage(Basis.UNDATED, f"undated; assumed to hold on {on}")
    if lo_text.startswith("cited ") and hi_text.startswith("cited "):
        hi_text = hi_text.removeprefix("cited ")
    basis = max(lo_basis, hi_basis, key=lambda b: STRENGTH[b])
    if basis is Basis.KNOWN:
        return Coverage(basis, f"held on {on}: {lo_text} and {hi_text}")
    if basis is Basis.CONTINUOUS:
        return Coverage(basis, f"held on {on}: {lo_text} and {hi_text}, assumed continuous between")
    tail = {
        Basis.OPEN_END: "assumed to continue",
        Basis.OPEN_START: "assumed to have held before",
        Basis.PARTIAL_BOUND: "assumed to hold within the imprecise date",
    }[basis]
    return Coverage(basis, f"held on {on}: {lo_text}; {hi_text}; {tail}")


def _lower(span: TimeSpan, on: Moment) -> tuple[Basis, str] | None:
    q_hi = on.hi()
    if span.start is not None:
        if span.start.lo() > q_hi:
            return None
        if span.start.hi() <= q_hi:
            return Basis.KNOWN, f"known start {span.start}"
        return Basis.PARTIAL_BOUND, f"known start {span.start} (imprecise; may be after {on})"
    if span.first_cited is not None:
        if span.first_cited.lo() <= q_hi:
            return Basis.CONTINUOUS, f"cited {span.first_cited}"
        return Basis.OPEN_START, f"first cited {span.first_cited}, no known start"
    if span.end is not None or span.last_cited is not None:
        return Basis.OPEN_START, "no known start or earlier citation"
    return Basis.UNDATED, ""


def _upper(span: TimeSpan, on: Moment) -> tuple[Basis, str] | None:
    q_lo = on.lo()
    if span.end is not None:
        if span.end.hi() < q_lo:
            return None
        if span.end.lo() >= q_lo:
            return Basis.KNOWN, f"known end {span.end}"
        return Basis.PARTIAL_BOUND, f"known end {span.end} (imprecise; may be before {on})"
    if span.last_cited is not None:
        if span.last_cited.hi() >= q_lo:
            return Basis.CONTINUOUS, f"cited {span.last_cited}"
        return Basis.OPEN_END, f"last cited {span.last_cited}, no known end"
    if span.start is not None or span.first_cited is not None:
        return Basis.OPEN_END, "no known end or later citation"
    return Basis.UNDATED, ""
