"""Search: accent- and case-insensitive, Spanish stems, phrases, AND/OR/NOT, item and page of each
hit with a highlighted snippet; the same answers on SQLite and PostgreSQL (the `case` fixture runs
every test on both, against the same expected lists)."""

from __future__ import annotations

import pytest

from cadena.documents import index
from cadena.documents.query import QueryError, parse
from cadena.documents.search import saved_searches, search
from cadena.vault.case import Case

EXPECTED = {  # query -> [(document, page)] in index order
    "terroristas": [("scan", 2)],
    "TERRORISTA": [("scan", 2)],
    "escuadron": [("scan", 2)],
    '"obstaculos humanos"': [("plan", 2)],
    '"humanos obstáculos"': [],
    "armas AND hostiles": [("plan", 2)],
    "armas NOT hostiles": [],
    "fuego OR aviso": [("plan", 2), ("docx", 1)],
    "disparar": [("docx", 1)],  # "Dispare" has the same stem
    "operaci*": [("plan", 1)],
    "(policia OR brigada) NOT anexo": [("scan", 1), ("docx", 1)],
    'manifestantes AND "grupos hostiles" AND armas': [("plan", 2)],
}


def test_search_answers_the_same_on_both_backends(case: Case, indexed: dict[str, str]) -> None:
    for query, expected in EXPECTED.items():
        got = search(case, query)
        assert [(indexed[h.item], h.page) for h in got.hits] == expected, query
        assert got.total == len(expected)
    docx = next(sha for sha, short in indexed.items() if short == "docx")
    inside = search(case, "fuego OR aviso OR brigada", item=docx[:8])
    assert [(indexed[h.item], h.page) for h in inside.hits] == [("docx", 1)] and inside.total == 1
    hit = search(case, "terroristas").hits[0]
    assert hit.origin == "page" and "[[terroristas]]" in hit.marked
    assert hit.snippet[slice(*hit.highlights[0])] == "terroristas"
    phrase = search(case, '"obstáculos humanos"').hits[0]
    assert "[[obstáculos humanos]]" in phrase.marked


def test_saved_searches_find_the_labels_and_a_case_can_add_its_own(
    case: Case, indexed: dict[str, str]
) -> None:
    saved = saved_searches(case)
    assert {
        "lethal-force",
        "firearms",
        "terroristas",
        "grupos-hostiles",
        "obstaculos-humanos",
        "orders-to-fire",
    } <= set(saved)
    found = {
        name: [(indexed[h.item], h.page) for h in search(case, s.query).hits]
        for name, s in saved.items()
    }
    assert found["terroristas"] == [("scan", 2)]
    assert found["firearms"] == [("plan", 2)]
    assert found["grupos-hostiles"] == [("plan", 2)]
    assert found["obstaculos-humanos"] == [("plan", 2)]
    assert found["orders-to-fire"] == [("docx", 1)]  # "Dispare": the stem of "disparen"
    (case.config.root / "saved_searches.toml").write_text(
        '[brigadas]\nquery = "brigada OR escuadron"\ndescription = "de este caso"\n', "utf-8"
    )
    mine = saved_searches(case)["brigadas"]
    hits = [(indexed[h.item], h.page) for h in search(case, mine.query).hits]
    assert hits == [("scan", 2), ("docx", 1)]
    plan = next(sha for sha, short in indexed.items() if short == "plan")
    with case.session() as s:
        index.add_entry(s, plan, "metadata", 0, "Título: Plan de operaciones Tormenta")
    hits = search(case, "tormenta").hits
    assert [(indexed[h.item], h.origin, h.page) for h in hits] == [("plan", "metadata", 0)]


def test_bad_searches_are_refused_with_what_to_do() -> None:
    for bad, says in [
        ("NOT simulacro", "subtract"),
        ("(orden", "parenthesis"),
        ("orden AND", "operator"),
        ("", "empty"),
        ("¿?", "no words"),
    ]:
        with pytest.raises(QueryError, match=says):
            parse(bad)
