"""Partial dates, forgiving parsing and the coverage rules, worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from cadena.errors import CadenaError
from cadena.facts.time import Basis, PartialDate, TimeSpan, Window, coverage, parse_loose


def test_partial_dates_have_first_and_last_instants() -> None:
    d = PartialDate.parse("2024-02")
    assert d.lo() == dt.datetime(2024, 2, 1) and d.hi() == dt.datetime(2024, 2, 29, 23, 59, 59)
    assert PartialDate.parse("2022").hi_key() == "2022-12-31T23:59:59"
    assert str(PartialDate.parse("2022-12-15T10:30")) == "2022-12-15T10:30"
    assert str(PartialDate.parse("2022-12-15T10:30-05:00")) == "2022-12-15T15:30"  # to UTC
    with pytest.raises(CadenaError, match="not a real date"):
        PartialDate.parse("2023-02-29")


@pytest.mark.parametrize(
    ("typed", "iso"),
    [
        ("15/12/2022", "2022-12-15"),
        ("12/15/2022", "2022-12-15"),
        ("05/06/2022", "2022-06-05"),
        ("2022-12-15", "2022-12-15"),
        ("12/2022", "2022-12"),
        ("2022", "2022"),
        ("15 de diciembre de 2022", "2022-12-15"),
        ("Dec 2022", "2022-12"),
        ("15 Dic. 2022", "2022-12-15"),
        (dt.date(2022, 12, 15), "2022-12-15"),
        (dt.datetime(2022, 12, 15, 9, 5), "2022-12-15T09:05"),
        ("15/12/2022 10:30", "2022-12-15T10:30"),
    ],
)
def test_forgiving_parse(typed: object, iso: str) -> None:
    got = parse_loose(typed)
    assert got is not None and got.iso() == iso


def test_month_first_convention_can_be_chosen_and_nonsense_is_refused() -> None:
    assert str(parse_loose("05/06/2022", dayfirst=False)) == "2022-05-06"
    assert parse_loose("  ") is None
    for bad in ("31/31/2022", "yesterday", "2022-13"):
        with pytest.raises(CadenaError):
            parse_loose(bad)


def test_span_out_of_order_is_refused() -> None:
    with pytest.raises(CadenaError, match="after the end"):
        TimeSpan.of(start="2023-01-01", end="2022-12-31")
    with pytest.raises(CadenaError, match="first cited date"):
        TimeSpan.of(start="2023-01-01", first_cited="2022-06")


def test_coverage_rules() -> None:
    on = PartialDate.parse("2022-12-15")
    assert coverage(TimeSpan.of(end="2022-12-14"), on) is None
    assert coverage(TimeSpan.of(start="2022-12-16"), on) is None
    cov = coverage(TimeSpan.of(start="2022-12"), on)
    assert cov is not None and cov.basis is Basis.OPEN_END  # weakest side wins
    cov = coverage(TimeSpan.of(start="2022-12", end="2023"), on)
    assert cov is not None and cov.basis is Basis.PARTIAL_BOUND
    cov = coverage(TimeSpan.of(first_cited="2023-01-01"), on)
    assert cov is not None and cov.basis is Basis.OPEN_START
    win = Window(PartialDate.parse("2022-12-01"), PartialDate.parse("2022-12-31"))
    cov = coverage(TimeSpan.of(start="2022-12-20", end="2023-01-05"), win)
    assert cov is not None and cov.basis is Basis.KNOWN
