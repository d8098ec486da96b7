"""Every fact rests on a citation or a named assumption, with a confidence, or it is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from cadena.errors import CadenaError
from cadena.facts.citations import Cite, Support, UnsupportedFact, confidence_of
from cadena.facts.models import Fact
from cadena.facts.record import Recorder
from cadena.vault.case import Case
from cadena.vault.models import CustodyEntry
from cadena.vault.verify import verify
from conftest import add_item


def _facts(case: Case) -> int:
    with case.session(write=False) as s:
        return int(s.execute(select(func.count()).select_from(Fact)).scalar_one())


def test_fact_without_citation_or_assumption_is_refused(case: Case) -> None:
    with pytest.raises(UnsupportedFact, match="rests on nothing"), case.session() as s:
        Recorder(case, s).add_unit("Batallón 5", support=Support.of("high"))
    with pytest.raises(UnsupportedFact, match="not a confidence"):
        Support.of("sure", assumption="doctrine")
    with pytest.raises(UnsupportedFact, match="No confidence"):
        Support.of("", assumption="doctrine")
    assert _facts(case) == 0


def test_citation_of_an_unknown_item_is_refused_and_nothing_written(case: Case) -> None:
    with pytest.raises(CadenaError, match="not in this case"), case.session() as s:
        r = Recorder(case, s)
        r.add_unit("Batallón 5", support=Support.of("low", assumption="a witness said so"))
        r.add_unit("Batallón 6", support=Support.of("low", [Cite("ab" * 32)]))
    assert _facts(case) == 0


def test_cited_fact_is_logged_in_custody(case: Case, tmp_path: Path) -> None:
    sha = add_item(case, tmp_path / "order.pdf", b"%PDF order 17")
    assert confidence_of("Alta") == "high" and confidence_of("Medium") == "medium"
    with case.session() as s:
        unit = Recorder(case, s).add_unit(
            "Batallón 5",
            force="Army",
            support=Support.of("M", [Cite(sha, {"kind": "page", "page": 2}, quote="al mando de")]),
        )
        assert unit.force == "army" and unit.confidence == "medium"
    with case.session(write=False) as s:
        last = s.execute(select(CustodyEntry).order_by(CustodyEntry.seq.desc())).scalars().first()
    assert last is not None and last.action == "fact" and last.item_sha256 == sha
    assert verify(case).clean
