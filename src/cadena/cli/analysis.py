"""`cadena analyze chain|notice|elements|patterns|gaps`: the attribute phase's commands.

Thin: parse, call `cadena.analysis`, render. `--json` prints the analysis as it is
(`Analysis.as_dict`, keys documented in docs/analysis.md); the readable output shows the same
findings. `--lang es` gives the statements in Spanish. Frameworks: the shipped ones, those in the
case folder's `frameworks/`, and those in $CADENA_FRAMEWORKS; `--framework ID` keeps some.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from cadena.analysis.chain import analyze_chain
from cadena.analysis.elements import STATUS_WORDS, analyze_elements
from cadena.analysis.findings import Analysis, Finding
from cadena.analysis.frameworks import Framework, load_frameworks
from cadena.analysis.gaps import analyze_gaps
from cadena.analysis.indicators import catalogue
from cadena.analysis.notice import analyze_notice
from cadena.analysis.patterns import analyze_patterns
from cadena.cli.common import CaseOption, JsonOption, case_from, emit_json, err, out, user_errors
from cadena.errors import CadenaError
from cadena.facts.citations import describe_locator
from cadena.vault.case import Case

analyze_app = typer.Typer(
    help="Who called the shots: chain, notice, elements, patterns, gaps (derived, never stored).",
    no_args_is_help=True,
)


class Lang(StrEnum):
    en = "en"
    es = "es"


LangOption = Annotated[Lang, typer.Option("--lang", help="Language of the statements: en or es.")]
FrameworkOption = Annotated[
    list[str] | None,
    typer.Option("--framework", help="Keep only this framework id (repeat for several)."),
]
STATUS_STYLE = {"supported": "bold red", "contested": "yellow", "no_evidence": "dim"}


def register(app: typer.Typer) -> None:
    app.add_typer(analyze_app, name="analyze")


def _frameworks(c: Case, keep: list[str] | None) -> list[Framework]:
    found = load_frameworks([c.config.root / "frameworks"])
    if not keep:
        return found
    known = {f.id for f in found}
    unknown = [k for k in keep if k not in known]
    if unknown:
        raise CadenaError(f"No framework {', '.join(unknown)}; known: {', '.join(sorted(known))}.")
    return [f for f in found if f.id in keep]


def _run(case: CaseOption, json_: bool, what: str, fn: Callable[[Case], Analysis]) -> Analysis:
    c = case_from(case)
    if json_ or not err.is_terminal:
        return fn(c)
    with err.status(f"Analysing {what}…"):
        return fn(c)


def _show(a: Analysis, lang: str, json_: bool) -> None:
    if json_:
        emit_json(a.as_dict(lang))
        return
    title = a.subject.get("title") or a.subject.get("name") or "the case"
    out.print(f"[bold]{a.name.capitalize()}[/] — {title}", highlight=False)
    if a.name == "elements":
        _elements_table(a, lang)
    else:
        for f in a.findings:
            tag = f"[{STATUS_STYLE.get(f.status or '', '')}]{f.status}[/] " if f.status else ""
            out.print(f"• {tag}{f.statement.get(lang)}", highlight=False)
            _rests(f, lang)
    _footer(a, lang)


def _rests(f: object, lang: str) -> None:

    assert isinstance(f, Finding)
    cites = [
        f"#{fid} {c.item[:12]} {describe_locator(c.locator)}".rstrip() for fid, c in f.citations
    ]
    word = "rests on" if lang == "en" else "se apoya en"
    facts = ", ".join(f"#{i}" for i in f.facts)
    out.print(
        f"    {word}: {facts} ({f.confidence}); {'; '.join(cites[:4])}"
        + (" …" if len(cites) > 4 else ""),
        highlight=False,
        style="dim",
    )
    for x in f.assumptions:
        out.print(
            f"    {'assumes' if lang == 'en' else 'supone'}: {x}", highlight=False, style="dim"
        )


def _elements_table(a: Analysis, lang: str) -> None:
    table = Table(show_lines=False)
    for col in ("person", "incident", "framework", "element", "status", "indicators"):
        table.add_column(col)
    words = catalogue()["indicators"]
    for f in a.findings:
        fired = [
            ("−" if side == "against" else "+")
            + words.get(h["indicator"], {}).get(lang, h["indicator"])
            for side in ("for", "against")
            for h in f.data[side]
        ]
        table.add_row(
            f.data["person_name"],
            f.data["incident_title"],
            f"{f.framework} {f.framework_version}",
            f.data["title"][lang],
            f"[{STATUS_STYLE[f.status or 'no_evidence']}]{_status(f.status, lang)}[/]",
            "\n".join(dict.fromkeys(fired)),
        )
    out.print(table)


def _status(status: str | None, lang: str) -> str:
    en, es = STATUS_WORDS.get(status or "", (status or "", status or ""))
    return es if lang == "es" else en


def _footer(a: Analysis, lang: str) -> None:
    read = a.read
    fws = ", ".join(f"{f['id']} {f['version']}" for f in read.frameworks)
    out.print(
        f"[dim]{len(a.findings)} finding(s); read {len(read.fact_ids)} facts "
        f"(sha256 {read.facts_sha256[:16]}…){'; ' + fws if fws else ''}[/]",
        highlight=False,
    )


@analyze_app.command()
@user_errors
def chain(
    incident: Annotated[str, typer.Argument(help="Incident: id, key or title.")],
    case: CaseOption = None,
    json_: JsonOption = False,
    lang: LangOption = Lang.en,
) -> None:
    """The chain of command at the moment of an incident, each link cited."""

    def run(c: Case) -> Analysis:
        with c.session(write=False) as s:
            return analyze_chain(s, incident)

    _show(_run(case, json_, "the chain", run), lang.value, json_)


@analyze_app.command()
@user_errors
def notice(
    person: Annotated[str, typer.Argument(help="Person: id, key, name or alias.")],
    case: CaseOption = None,
    json_: JsonOption = False,
    lang: LangOption = Lang.en,
) -> None:
    """What gave a person notice, dated, and the date of first notice."""

    def run(c: Case) -> Analysis:
        with c.session(write=False) as s:
            return analyze_notice(s, person)

    _show(_run(case, json_, "notice", run), lang.value, json_)


@analyze_app.command()
@user_errors
def elements(
    subject: Annotated[str, typer.Argument(help="A person (superior) or an incident.")],
    framework: FrameworkOption = None,
    case: CaseOption = None,
    json_: JsonOption = False,
    lang: LangOption = Lang.en,
) -> None:
    """Per superior and incident, per framework: each element's status and indicators."""

    def run(c: Case) -> Analysis:
        fws = _frameworks(c, framework)
        with c.session(write=False) as s:
            return analyze_elements(s, subject, fws)

    _show(_run(case, json_, "the elements", run), lang.value, json_)


@analyze_app.command()
@user_errors
def patterns(
    case: CaseOption = None,
    json_: JsonOption = False,
    lang: LangOption = Lang.en,
) -> None:
    """Pattern indicators across the case (declared in data, with their parameters)."""

    def run(c: Case) -> Analysis:
        with c.session(write=False) as s:
            return analyze_patterns(s)

    _show(_run(case, json_, "patterns", run), lang.value, json_)


@analyze_app.command()
@user_errors
def gaps(
    framework: FrameworkOption = None,
    case: CaseOption = None,
    json_: JsonOption = False,
    lang: LangOption = Lang.en,
) -> None:
    """What is missing, as requests a researcher can send."""

    def run(c: Case) -> Analysis:
        fws = _frameworks(c, framework)
        with c.session(write=False) as s:
            return analyze_gaps(s, fws)

    _show(_run(case, json_, "gaps", run), lang.value, json_)
