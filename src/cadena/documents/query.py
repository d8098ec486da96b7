"""The search language: words, "phrases", `word*` prefixes, AND, OR, NOT and parentheses.

Operators are written in capitals (`no`, `o`, `and` in lower case are words: "no" matters in an
order). Words side by side mean AND. NOT subtracts: `terroristas NOT simulacro`; a query of only
NOT has nothing to subtract from and is refused. The parsed query compiles to an FTS5 MATCH
expression and to a PostgreSQL tsquery over the same terms, so both backends agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cadena.documents import terms
from cadena.errors import CadenaError


@dataclass(frozen=True)
class Phrase:
    """Consecutive terms (one word is a phrase of one). With `prefix`, they are plain words
    (unstemmed) and the last one is a prefix."""

    terms: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


Node = Phrase | And | Or | Not

_LEX = re.compile(r'\s*(?:(\()|(\))|"([^"]*)"?|([^\s()"]+))')


class QueryError(CadenaError):
    pass


def parse(query: str) -> Node:
    tokens = _lex(query)
    if not tokens:
        raise QueryError('The search is empty: give words, a "phrase", or a saved search.')
    parser = _Parser(tokens)
    node = parser.or_expr()
    if parser.i < len(tokens):
        raise QueryError(f"Unexpected {tokens[parser.i][1]!r} in the search: check parentheses.")
    if node is None:
        raise QueryError("The search holds no words that can be looked up (only punctuation?).")
    _check_not(node, allowed=False)
    return node


def _lex(query: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for m in _LEX.finditer(query):
        if m.group(1):
            out.append(("(", "("))
        elif m.group(2):
            out.append((")", ")"))
        elif m.group(3) is not None:
            out.append(("phrase", m.group(3)))
        elif m.group(4):
            word = m.group(4)
            out.append((word, word) if word in ("AND", "OR", "NOT") else ("word", word))
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def or_expr(self) -> Node | None:
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.i += 1
            parts.append(self.and_expr())
        kept = tuple(p for p in parts if p is not None)
        return kept[0] if len(kept) == 1 else (Or(kept) if kept else None)

    def and_expr(self) -> Node | None:
        parts = [self.unary()]
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.i += 1
            parts.append(self.unary())
        kept = tuple(p for p in parts if p is not None)
        return kept[0] if len(kept) == 1 else (And(kept) if kept else None)

    def unary(self) -> Node | None:
        kind = self.peek()
        if kind is None:
            raise QueryError("The search ends with an operator: add what it applies to.")
        if kind == "NOT":
            self.i += 1
            inner = self.unary()
            return Not(inner) if inner is not None else None
        if kind == "(":
            self.i += 1
            inner = self.or_expr()
            if self.peek() != ")":
                raise QueryError("A parenthesis is not closed in the search.")
            self.i += 1
            return inner
        if kind in ("AND", "OR", ")"):
            raise QueryError(f"{self.tokens[self.i][1]!r} is out of place in the search.")
        text = self.tokens[self.i][1]
        self.i += 1
        return _phrase(text, prefix=kind == "word" and text.endswith("*"))


def _phrase(text: str, prefix: bool) -> Phrase | None:
    # A prefix is looked up among plain words: a stem may be shorter than what was typed.
    toks = terms.tokens(text.rstrip("*") if prefix else text)
    found = tuple(t.word if prefix else t.term for t in toks)
    return Phrase(found, prefix) if found else None


def _check_not(node: Node, allowed: bool) -> None:
    """NOT only inside an AND that also has something positive (both backends need that)."""
    if isinstance(node, Not):
        if not allowed:
            raise QueryError("NOT needs something to subtract from: write `orden NOT simulacro`.")
        _check_not(node.part, allowed=False)
    elif isinstance(node, And):
        positive = any(not isinstance(p, Not) for p in node.parts)
        for p in node.parts:
            _check_not(p, allowed=positive)
    elif isinstance(node, Or):
        for p in node.parts:
            _check_not(p, allowed=False)


def to_fts5(node: Node) -> str:
    if isinstance(node, Phrase):
        if node.prefix:
            return 'words : "' + " ".join(node.terms) + '"*'
        return 'terms : "' + " ".join(node.terms) + '"'
    if isinstance(node, Or):
        return "(" + " OR ".join(to_fts5(p) for p in node.parts) + ")"
    if isinstance(node, And):
        pos = [to_fts5(p) for p in node.parts if not isinstance(p, Not)]
        out = "(" + " AND ".join(pos) + ")"
        for p in node.parts:
            if isinstance(p, Not):
                out = f"({out} NOT {to_fts5(p.part)})"
        return out
    raise QueryError("NOT needs something to subtract from.")  # ruled out by parse


def to_tsquery(node: Node) -> str:
    if isinstance(node, Phrase):
        mark = "=" if node.prefix else ""  # plain words are marked so (see index.py)
        quoted = [f"'{mark}{t}'" for t in node.terms]
        if node.prefix:
            quoted[-1] += ":*"
        return "(" + " <-> ".join(quoted) + ")"
    if isinstance(node, Or):
        return "(" + " | ".join(to_tsquery(p) for p in node.parts) + ")"
    if isinstance(node, And):
        return "(" + " & ".join(to_tsquery(p) for p in node.parts) + ")"
    return "!" + to_tsquery(node.part)


def positives(node: Node) -> list[Phrase]:
    """The phrases a hit may contain (what a snippet highlights): all but those under NOT."""
    if isinstance(node, Phrase):
        return [node]
    if isinstance(node, Not):
        return []
    return [ph for p in node.parts for ph in positives(p)]
