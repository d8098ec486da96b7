"""Popolo JSON both ways: persons, organizations (units), posts, memberships.

Out: a tenure is a membership of a person in a post's organization with `post_id`; a dated
unit link is a membership whose `member` is the child organization (`role` = the line), since
Popolo's `parent_id` has no dates. What Popolo has no field for (cited dates, confidence,
assumption, citations with locators) travels in a `cadena` object on each record, so export then
import loses nothing.

In: Popolo from elsewhere has no confidence and cites URLs, not items; the file is preserved as
an item and each fact cites its place in it (`json_pointer` locator), with confidence `low`
unless the record's `cadena` object says otherwise. All or nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena.errors import CadenaError
from cadena.facts import models as m
from cadena.facts.bulk import BulkRecorder, quiet_gc
from cadena.facts.citations import Cite, Support, confidence_of
from cadena.facts.preserve import preserve
from cadena.facts.sheet import (
    ImportRefused,
    ImportReport,
    Problem,
    Progress,
    Ticker,
    guess_role,
)
from cadena.facts.time import TimeSpan
from cadena.vault.case import Case

_LINE_OF = {
    "administrative": "administrative",
    "operational": "operational",
    "informal": "informal",
    "command": "operational",
}


# -- out ----------------------------------------------------------------------------------------


def popolo(s: Session) -> dict[str, Any]:
    keys = {i: (k or f"F{i}") for i, k in s.execute(select(m.Fact.id, m.Fact.key))}

    def live(model: type[m.Fact]) -> list[Any]:
        return list(
            s.execute(select(model).where(model.merged_into.is_(None)).order_by(model.id)).scalars()
        )

    def extra(f: m.Fact) -> dict[str, Any]:
        cites = s.execute(
            select(m.Citation).where(m.Citation.fact_id == f.id).order_by(m.Citation.id)
        ).scalars()
        return {
            "cadena": {
                "key": f.key,  # none when the fact has none (the record's id is then F<id>)
                "confidence": f.confidence,
                "assumption": f.assumption,
                "note": f.note,
                "start": f.start_date,
                "end": f.end_date,
                "first_cited": f.first_cited,
                "last_cited": f.last_cited,
                "citations": [Cite.of_row(c).as_dict() for c in cites],
            }
        }

    def names(fid: int) -> list[dict[str, str]]:
        return [
            {"name": n}
            for n in s.execute(
                select(m.Name.name)
                .where(m.Name.fact_id == fid, m.Name.is_alias.is_(True))
                .order_by(m.Name.id)
            ).scalars()
        ]

    def dates(f: m.Fact) -> dict[str, str]:
        return {k: v for k, v in (("start_date", f.start_date), ("end_date", f.end_date)) if v}

    out: dict[str, Any] = {"persons": [], "organizations": [], "posts": [], "memberships": []}
    for p in live(m.Person):
        out["persons"].append(
            {
                "id": keys[p.id],
                "name": p.name,
                "other_names": names(p.id),
                "summary": p.description,
                **extra(p),
            }
        )
    for u in live(m.Unit):
        out["organizations"].append(
            {
                "id": keys[u.id],
                "name": u.name,
                "other_names": names(u.id),
                "classification": u.force,
                "cadena_classification": u.classification,
                "area": {"name": u.country} if u.country else None,
                **dates(u),
                **extra(u),
            }
        )
    for post in live(m.Post):
        out["posts"].append(
            {
                "id": keys[post.id],
                "label": post.title,
                "role": post.role,
                "organization_id": keys.get(post.unit_id) if post.unit_id else None,
                "cadena_head": post.head,
                **dates(post),
                **extra(post),
            }
        )
    for t in live(m.Tenure):
        post = s.get(m.Post, t.post_id)
        out["memberships"].append(
            {
                "id": keys[t.id],
                "person_id": keys[t.person_id],
                "post_id": keys[t.post_id],
                "organization_id": keys.get(post.unit_id) if post and post.unit_id else None,
                "role": post.title if post else None,
                **dates(t),
                **extra(t),
            }
        )
    for lk in live(m.UnitLink):
        out["memberships"].append(
            {
                "id": keys[lk.id],
                "member": {"@type": "Organization", "id": keys[lk.child_id]},
                "organization_id": keys[lk.parent_id],
                "role": lk.line,
                **dates(lk),
                **extra(lk),
            }
        )
    return out


def export_popolo(case: Case, out: str | Path) -> dict[str, int]:
    with case.session(write=False) as s:
        data = popolo(s)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return {k: len(v) for k, v in data.items()}


# -- in -----------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, case: Case, s: Session, item: str, file: str) -> None:
        self.rec = BulkRecorder(case, s)
        self.item, self.file = item, file
        self.ids: dict[str, int] = {}

    def support(self, rec: dict[str, Any], pointer: str) -> Support:
        ext = rec.get("cadena") or {}
        cites = [Cite.from_dict(c) for c in ext.get("citations") or []]
        if not cites and not ext.get("assumption"):
            refs = (
                "; ".join(
                    str(x.get("url") or x.get("note") or "")
                    for x in rec.get("sources") or []
                    if isinstance(x, dict)
                )
                or None
            )
            cites = [
                Cite(
                    self.item,
                    {"kind": "json_pointer", "file": self.file, "pointer": pointer},
                    None,
                    refs,
                )
            ]
        return Support.of(
            confidence_of(ext.get("confidence") or "low"), cites, ext.get("assumption")
        )

    def span(self, rec: dict[str, Any]) -> TimeSpan:
        ext = rec.get("cadena") or {}
        return TimeSpan.of(
            ext.get("start") or rec.get("start_date") or rec.get("founding_date"),
            ext.get("end") or rec.get("end_date") or rec.get("dissolution_date"),
            ext.get("first_cited"),
            ext.get("last_cited"),
        )

    def ref(self, kind: str, popolo_id: Any) -> int:
        if popolo_id in self.ids:
            return self.ids[popolo_id]
        return self.rec.ref(kind, str(popolo_id))

    def person(self, p: dict[str, Any], ptr: str) -> None:
        f = self.rec.add_person(
            _need(p, "name"),
            support=self.support(p, ptr),
            key=_key(p),
            aliases=_other_names(p),
            description=p.get("summary"),
            span=self.span(p),
        )
        self._keep(p, f)

    def organization(self, o: dict[str, Any], ptr: str) -> None:
        force = o.get("classification") or "other"
        f = self.rec.add_unit(
            _need(o, "name"),
            support=self.support(o, ptr),
            key=_key(o),
            aliases=_other_names(o),
            force=force if force in m.FORCES else "other",
            classification=o.get("cadena_classification") or (None if force in m.FORCES else force),
            country=(o.get("area") or {}).get("name"),
            span=self.span(o),
        )
        self._keep(o, f)

    def parent(self, o: dict[str, Any], ptr: str) -> None:
        if o.get("parent_id"):  # undated, as Popolo has it
            self.rec.link_units(
                self.ref("unit", o["id"]),
                self.ref("unit", o["parent_id"]),
                support=self.support(o, ptr),
            )

    def post(self, p: dict[str, Any], ptr: str) -> None:
        label = _need(p, "label")
        given = str(p.get("role") or "")
        role = given if given in m.POST_ROLES else guess_role(given or label)
        unit = self.ref("unit", p["organization_id"]) if p.get("organization_id") else None
        f = self.rec.add_post(
            label,
            unit=unit,
            role=role,
            head=p.get("cadena_head"),
            support=self.support(p, ptr),
            key=_key(p),
            span=self.span(p),
        )
        self._keep(p, f)

    def membership(self, ms: dict[str, Any], ptr: str) -> None:
        support, span = self.support(ms, ptr), self.span(ms)
        member = ms.get("member") or {}
        if member.get("@type") == "Organization":
            line = _LINE_OF.get(str(ms.get("role") or "administrative").lower(), "administrative")
            link = self.rec.link_units(
                self.ref("unit", member["id"]),
                self.ref("unit", ms["organization_id"]),
                line=line,
                support=support,
                span=span,
                key=_key(ms),
            )
            self._keep(ms, link)
            return
        person = self.ref("person", ms.get("person_id") or member.get("id"))
        if ms.get("post_id"):
            post = self.ref("post", ms["post_id"])
        else:  # a role in an organization: the post is made from it
            title = ms.get("role") or ms.get("label") or "member"
            post = self.rec.add_post(
                title,
                unit=self.ref("unit", ms["organization_id"]),
                role=guess_role(title),
                support=support,
            ).id
        self._keep(ms, self.rec.add_tenure(person, post, support=support, span=span, key=_key(ms)))

    def _keep(self, rec: dict[str, Any], fact: Any) -> None:
        fact.note = (rec.get("cadena") or {}).get("note")
        if rec.get("id") is not None:
            self.ids[rec["id"]] = fact.id


def _key(rec: dict[str, Any]) -> str | None:
    """The fact's key: as exported by Cadena (maybe none), else the record's own id."""
    ext = rec.get("cadena") or {}
    return ext["key"] if "key" in ext else rec.get("id")


def _need(rec: dict[str, Any], field: str) -> str:
    value = rec.get(field)
    if not value:
        raise CadenaError(f"no {field}")
    return str(value)


def _other_names(rec: dict[str, Any]) -> list[str]:
    return [str(n.get("name")) for n in rec.get("other_names") or [] if n.get("name")]


def import_popolo(
    case: Case, path: str | Path, *, progress: Progress | None = None
) -> ImportReport:
    """Import Popolo JSON, all or nothing; `ImportRefused` lists every bad record."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CadenaError(f"{path} is not readable JSON ({exc}).") from None
    if not isinstance(data, dict):
        raise CadenaError(f"{path} is not Popolo JSON (an object with persons, organizations…).")
    report, problems = ImportReport(), []
    with quiet_gc(), case.session() as s:
        item = preserve(case, s, path, note="imported Popolo JSON")
        report.files = [{"name": path.name, "sha256": item}]
        reader = _Reader(case, s, item, path.name)
        steps = [
            ("persons", reader.person),
            ("organizations", reader.organization),
            ("organizations", reader.parent),
            ("posts", reader.post),
            ("memberships", reader.membership),
        ]
        tick = Ticker(
            progress, "reading records", sum(len(data.get(n) or []) for n, _step in steps)
        )
        for name, step in steps:
            done = 0
            for i, rec in enumerate(data.get(name) or []):
                tick()
                try:
                    with reader.rec.row():
                        step(rec, f"/{name}/{i}")
                    done += 1
                except (CadenaError, KeyError, TypeError, AttributeError, ValueError) as exc:
                    problems.append(Problem(path.name, name, i, "", _why(exc)))
            report.counts[name] = max(report.counts.get(name, 0), done)
        if problems:
            raise ImportRefused(problems)
        reader.rec.write(Ticker(progress, "writing facts", reader.rec.staged_rows()).add)
        case.log(
            s, "import", item, {"format": "popolo", "path": str(path), "counts": report.counts}
        )
    return report


def _why(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc}"
    return str(exc)
