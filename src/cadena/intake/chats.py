"""Chat exports: WhatsApp (`_chat.txt` / `WhatsApp Chat with … .txt` and its media, zipped or as
a folder) and Telegram Desktop (`result.json` and its media folders).

Every file of the export becomes an item; a media file that a message sent gets a source saying
which chat, who sent it, when, and the message text around it (`Source.platform`, `.account`,
`.posted_at`, and `Source.extra["chat"]`). The chat log itself is an item too, so every statement
the source makes can be checked against the preserved log (its line number is kept).

WhatsApp writes the phone's local time with no zone, in the phone's own date order and clock:
`[15/12/22, 10:23:45]` (iOS), `15/12/2022, 10:23 - ` (Android), `12/15/22, 10:23 PM - `,
`15/12/22 10:23 p. m. - ` (Spanish). The day/month order is decided once for the whole chat: from
a field over 12 where there is one, else from the dates that media names carry
(`IMG-20221215-WA0003.jpg`, `00000012-PHOTO-2022-12-15-10-23-45.jpg`), else from which order keeps
the messages in time order; what decided it is recorded. Without a given time zone, `posted_at`
is that local time without offset; with one (`tz="America/Bogota"`) it is UTC and the local time
is kept beside it. Telegram writes `date_unixtime`, so its times are UTC exactly.

Parsers take any bytes and never raise: what they cannot read becomes a problem in the result.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cadena.errors import CadenaError
from cadena.intake import archives, files, streams
from cadena.intake.files import Outcome, SourceFields, display

CONTEXT = 2  # messages kept before and after the one that sent a file
TEXT_LIMIT = 2000  # characters of one message kept in a source
MAX_LOG_BYTES = 256 << 20

WHATSAPP_NAMES = re.compile(
    r"^(_chat\.txt|WhatsApp Chat (with|-) .+\.txt|Chat de WhatsApp con .+\.txt|"
    r"Conversa do WhatsApp com .+\.txt|WhatsApp-Chat mit .+\.txt)$",
    re.I,
)
CHAT_NAME = re.compile(
    r"^(?:WhatsApp Chat (?:with|-)|Chat de WhatsApp con|Conversa do WhatsApp com|"
    r"WhatsApp-Chat mit)\s+(?P<name>.+?)(?:\.txt|\.zip)?$",
    re.I,
)


@dataclass
class Message:
    index: int
    line: int
    sent_local: str | None  # ISO 8601 without zone, as the phone showed it
    sent_utc: str | None  # when known (Telegram, or a zone given)
    sender: str | None
    text: str
    files: list[str] = field(default_factory=list)  # relative paths as the export names them


@dataclass
class Chat:
    platform: str
    name: str
    messages: list[Message] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    date_order: str | None = None
    date_order_basis: str | None = None
    time_zone: str | None = None

    def by_file(self) -> dict[str, Message]:
        found: dict[str, Message] = {}
        for m in self.messages:
            for f in m.files:
                found.setdefault(f, m)
                found.setdefault(PurePosixPath(f).name, m)
        return found

    def summary(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "chat": self.name,
            "messages": len(self.messages),
            "files_named": sum(len(m.files) for m in self.messages),
            "date_order": self.date_order,
            "date_order_basis": self.date_order_basis,
            "time_zone": self.time_zone,
            "problems": self.problems,
        }


# -- WhatsApp ------------------------------------------------------------------------------

_DATE = r"(?P<d>(?P<d1>\d{1,4})[./-](?P<d2>\d{1,2})[./-](?P<d3>\d{1,4}))"
_TIME = r"(?P<t>(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?)\s*(?P<ampm>[ap]\.?\s?m\.?)?"
_IOS = re.compile(rf"^\[{_DATE},?\s+{_TIME}\]\s?(?P<rest>.*)$", re.I)
_ANDROID = re.compile(rf"^{_DATE},?\s+{_TIME}\s+[-–]\s(?P<rest>.*)$", re.I)
_SENDER = re.compile(r"^(?P<sender>[^:\n]{1,120}?):\s(?P<text>.*)$", re.S)
_ATTACH_IOS = re.compile(r"<(?:attached|adjunto|anexado|Anhang)\s*:\s*(?P<name>[^>\n]+?)\s*>", re.I)
_ATTACH_ANDROID = re.compile(
    r"^(?P<name>[^\n]+?\.[A-Za-z0-9]{1,6})\s+\((?:file attached|archivo adjunto|arquivo anexado|"
    r"Datei angehängt|fichier joint)\)",
    re.I,
)
_MEDIA_DATE = re.compile(
    r"(?:(?:IMG|VID|AUD|PTT|DOC|STK)-(?P<a>\d{8})-WA\d+|"
    r"\d+-[A-Z]+-(?P<b>\d{4}-\d{2}-\d{2})-\d{2}-\d{2}-\d{2})"
)
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\ufeff\u202a\u202c"), None)
_SPACES = dict.fromkeys(map(ord, "\u202f\u00a0\u2009"), " ")


@dataclass
class _Raw:
    line: int
    date: str
    time: str
    ampm: str | None
    rest: str
    nums: tuple[int, int, int]  # the date's three fields, in the order written
    hms: tuple[int, int, int]


def decode_text(data: bytes) -> str:
    """A chat log's text: UTF-8 (with or without BOM), UTF-16 when it says so, else Latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_whatsapp(data: bytes | str, name: str = "WhatsApp chat", tz: str | None = None) -> Chat:
    """Messages of a WhatsApp export's text, with senders, local times and attached file names."""
    text = decode_text(data) if isinstance(data, bytes) else data
    chat = Chat("WhatsApp", name)
    raws = _split_messages(text)
    if not raws:
        chat.problems.append("no message header recognised: is this a WhatsApp export's text?")
        return chat
    zone = _zone(tz, chat)
    _decide_order(raws, chat)
    previous: datetime | None = None
    for n, raw in enumerate(raws):
        when = _when(raw, chat.date_order or "dmy")
        if when is None:
            chat.problems.append(f"line {raw.line}: date {raw.date} {raw.time} not understood")
        elif previous and when < previous:
            chat.problems.append(f"line {raw.line}: earlier than the message before it")
        previous = when or previous
        sender, body = _sender_and_text(raw.rest)
        msg = Message(
            n, raw.line, when.isoformat() if when else None, None, sender, body, attachments(body)
        )
        if when and zone:
            msg.sent_utc = _utc(when.replace(tzinfo=zone))
        chat.messages.append(msg)
    return chat


def _split_messages(text: str) -> list[_Raw]:
    raws: list[_Raw] = []
    for number, line in enumerate(text.splitlines(), 1):
        clean = line if line.isascii() else line.translate(_INVISIBLE).translate(_SPACES)
        m = (_IOS.match(clean) if clean.startswith("[") else None) or _ANDROID.match(clean)
        if m:
            nums = (int(m["d1"]), int(m["d2"]), int(m["d3"]))
            hms = (int(m["h"]), int(m["mi"]), int(m["s"] or 0))
            raws.append(_Raw(number, m["d"], m["t"], m["ampm"], m["rest"], nums, hms))
        elif raws:
            raws[-1].rest += "\n" + clean
    return raws


def _sender_and_text(rest: str) -> tuple[str | None, str]:
    m = _SENDER.match(rest)
    if m:
        return m["sender"].strip(), m["text"].strip()
    return None, rest.strip()  # a system message ("Messages and calls are end-to-end encrypted")


def attachments(body: str) -> list[str]:
    """File names a WhatsApp message says it carried."""
    found = [m["name"].strip() for m in _ATTACH_IOS.finditer(body)] if "<" in body else []
    first = body.split("\n", 1)[0]
    m = _ATTACH_ANDROID.match(first) if "(" in first else None
    if m:
        found.append(m["name"].strip())
    return found


def _decide_order(raws: list[_Raw], chat: Chat) -> None:
    triples = [r.nums for r in raws]
    if any(t[0] > 31 for t in triples):
        chat.date_order, chat.date_order_basis = "ymd", "a four-digit year first"
        return
    first_big = any(t[0] > 12 for t in triples)
    second_big = any(t[1] > 12 for t in triples)
    if first_big and second_big:
        chat.problems.append(
            "dates have a day over 12 in both first and second place: "
            "mixed formats; read as day/month/year"
        )
    if first_big or second_big:
        chat.date_order = "mdy" if second_big and not first_big else "dmy"
        chat.date_order_basis = "a field over 12 in the dates"
        return
    by_media = _order_from_media(raws)
    if by_media:
        chat.date_order, chat.date_order_basis = by_media, "dates in the names of the media files"
        return
    ordered = {o: _in_order(raws, o) for o in ("dmy", "mdy")}
    if ordered["dmy"] != ordered["mdy"]:
        chat.date_order = max(ordered, key=lambda o: ordered[o])
        chat.date_order_basis = "the order that keeps messages in time order"
    else:
        chat.date_order = "dmy"
        chat.date_order_basis = "ambiguous: no day over 12; read as day/month/year (check it)"
        chat.problems.append(chat.date_order_basis)


def _order_from_media(raws: list[_Raw]) -> str | None:
    votes = {"dmy": 0, "mdy": 0}
    for raw in raws:
        m = _MEDIA_DATE.search(raw.rest)
        if not m:
            continue
        stamp = (m["a"] or m["b"] or "").replace("-", "")
        for order in votes:
            when = _when(raw, order)
            if when and when.strftime("%Y%m%d") == stamp:
                votes[order] += 1
    if votes["dmy"] != votes["mdy"]:
        return max(votes, key=lambda o: votes[o])
    return None


def _in_order(raws: list[_Raw], order: str) -> int:
    times = [t for t in (_when(r, order) for r in raws) if t]
    return sum(1 for x, y in zip(times, times[1:], strict=False) if x <= y)


def _when(raw: _Raw, order: str) -> datetime | None:
    a, b, c = raw.nums
    y, mo, d = (c, b, a) if order == "dmy" else (c, a, b) if order == "mdy" else (a, b, c)
    if y < 100:
        y += 2000
    hour, minute, second = raw.hms
    if raw.ampm:
        pm = raw.ampm.lower().startswith("p")
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if pm else 0)
    try:
        return datetime(y, mo, d, hour, minute, second)
    except ValueError:
        return None


def _zone(tz: str | None, chat: Chat) -> ZoneInfo | None:
    if not tz:
        chat.time_zone = None
        return None
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CadenaError(
            f"unknown time zone {tz!r}: give an IANA name such as America/Bogota"
        ) from exc
    chat.time_zone = tz
    return zone


def _utc(when: datetime) -> str | None:
    try:
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError):
        return None


# -- Telegram ------------------------------------------------------------------------------

_NOT_INCLUDED = "(File not included"


def parse_telegram(data: bytes | str) -> list[Chat]:
    """The chats of a Telegram Desktop `result.json` (one chat, or the whole-account export)."""
    try:
        obj = json.loads(data)
    except (ValueError, RecursionError) as exc:
        chat = Chat("Telegram", "Telegram export")
        chat.problems.append(f"result.json is not valid JSON ({type(exc).__name__}: {exc})")
        return [chat]
    if not isinstance(obj, dict):
        chat = Chat("Telegram", "Telegram export", problems=["result.json does not hold an object"])
        return [chat]
    if isinstance(obj.get("messages"), list):
        listed: list[Any] = [obj]
    else:
        chats = obj.get("chats")
        listed = chats.get("list", []) if isinstance(chats, dict) else []
        listed = listed if isinstance(listed, list) else []
    return [_telegram_chat(c) for c in listed if isinstance(c, dict)]


def _telegram_chat(c: dict[str, Any]) -> Chat:
    chat = Chat("Telegram", _text(c.get("name")) or f"chat {c.get('id')}", time_zone="UTC")
    messages = c.get("messages")
    for n, m in enumerate(messages if isinstance(messages, list) else []):
        if not isinstance(m, dict):
            chat.problems.append(f"message #{n} is not an object")
            continue
        files = [
            v
            for k in ("photo", "file", "thumbnail")
            if isinstance(v := m.get(k), str) and v and not v.startswith(_NOT_INCLUDED)
        ]
        missing = [
            k
            for k in ("photo", "file")
            if isinstance(m.get(k), str) and m[k].startswith(_NOT_INCLUDED)
        ]
        if missing:
            chat.problems.append(
                f"message {m.get('id')}: its {missing[0]} was not included in the export"
            )
        sender = _text(m.get("from")) or _text(m.get("actor"))
        chat.messages.append(
            Message(
                n,
                _int(m.get("id")),
                _text(m.get("date")) or None,
                _unix(m.get("date_unixtime")),
                sender,
                _message_text(m.get("text")),
                files,
            )
        )
    return chat


def _message_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(
            v if isinstance(v, str) else _text(v.get("text")) if isinstance(v, dict) else ""
            for v in value
        )
    return ""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _unix(value: Any) -> str | None:
    try:
        return datetime.fromtimestamp(int(value), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError, OverflowError, OSError):
        return None


# -- Telegram Desktop, HTML ------------------------------------------------------------------

# `title="15.12.2022 10:24:02 UTC-05:00"` (newer Telegram Desktop) or without the zone (older).
_HTML_DATE = re.compile(
    r"(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2}):(\d{2})(?: UTC([+-]\d{2}):?(\d{2}))?"
)


_BR = "\x00br\x00"


class _TelegramHTML(HTMLParser):
    """Messages of one page of Telegram Desktop's HTML export (`messages.html`, `messages2.html`…).

    A `div.message` holds a `div.date.details` whose title is the full time, a `div.from_name`
    (absent on a "joined" message: same sender as the one before), a `div.text`, and links to
    its media (`a[href]` inside `div.media_wrap`). Forwarded messages nest a `div.forwarded.body`
    whose `from_name` is the original author, not the sender.
    """

    def __init__(self, chat: Chat, zone: ZoneInfo | None) -> None:
        super().__init__(convert_charrefs=True)
        self.chat, self.zone = chat, zone
        self.stack: list[set[str]] = []  # classes of the open divs
        self.current: Message | None = None
        self.message_depth = -1
        self.capture: tuple[str, int] | None = None  # (what, depth of the div being read)
        self.buffer: list[str] = []
        self.last_sender: str | None = None
        self.header = False
        self.offsets = False  # whether the export states each time's UTC offset

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        if tag == "div":
            self._open_div(classes, a)
        elif tag == "a" and self.current is not None and "media_wrap" in self._inside():
            href = a.get("href") or ""
            if href and not re.match(r"^(?:[a-z]+:|#)", href, re.I):
                self.current.files.append(href)
        elif tag == "br" and self.capture:
            self.buffer.append(_BR)

    def _open_div(self, classes: set[str], a: dict[str, str | None]) -> None:
        self.stack.append(classes)
        depth = len(self.stack)
        if "message" in classes and (a.get("id") or "").startswith("message"):
            self._start_message(classes, a.get("id") or "", depth)
        elif self.current is not None and {"date", "details"} <= classes and a.get("title"):
            self._set_time(a["title"] or "")
        elif (
            self.current is not None
            and "from_name" in classes
            and "forwarded" not in self._inside()
        ):
            self._begin("from", depth)
        elif self.current is not None and "text" in classes and "forwarded" not in self._inside():
            self._begin("text", depth)
        elif "page_header" in classes:
            self.header = True
        elif self.header and "text" in classes and not self.chat.name:
            self._begin("name", depth)

    def _inside(self) -> set[str]:
        return set().union(*self.stack[self.message_depth :]) if self.current else set()

    def _start_message(self, classes: set[str], ident: str, depth: int) -> None:
        number = int(ident[7:]) if ident[7:].isdigit() else 0
        service = "service" in classes
        sender = None if service or "joined" not in classes else self.last_sender
        self.current = Message(len(self.chat.messages), number, None, None, sender, "")
        self.chat.messages.append(self.current)
        self.message_depth = depth

    def _set_time(self, title: str) -> None:
        assert self.current is not None
        m = _HTML_DATE.search(title)
        if not m:
            self.chat.problems.append(f"message {self.current.line}: time {title!r} not understood")
            return
        d, mo, y, h, mi, s = (int(g) for g in m.groups()[:6])
        try:
            local = datetime(y, mo, d, h, mi, s)
        except ValueError:
            self.chat.problems.append(f"message {self.current.line}: time {title!r} not understood")
            return
        self.current.sent_local = local.isoformat()
        if m.group(7):
            self.offsets = True
            sign = -1 if m.group(7).startswith("-") else 1
            try:
                offset = timedelta(hours=abs(int(m.group(7))), minutes=int(m.group(8) or 0))
                self.current.sent_utc = _utc(local.replace(tzinfo=timezone(offset * sign)))
            except ValueError:
                self.chat.problems.append(
                    f"message {self.current.line}: offset in {title!r} impossible"
                )
        elif self.zone:
            self.current.sent_utc = _utc(local.replace(tzinfo=self.zone))

    def _begin(self, what: str, depth: int) -> None:
        self.capture, self.buffer = (what, depth), []

    def handle_data(self, data: str) -> None:
        if self.capture:
            self.buffer.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != "div" or not self.stack:
            return
        depth = len(self.stack)
        if self.capture and self.capture[1] == depth:
            self._end_capture()
        if self.current is not None and depth == self.message_depth:
            self.current, self.message_depth = None, -1
        if "page_header" in self.stack[-1]:
            self.header = False
        self.stack.pop()

    def _end_capture(self) -> None:
        assert self.capture is not None
        # the page's own line breaks and indentation are layout; only <br> breaks a line
        text = "\n".join(" ".join(part.split()) for part in "".join(self.buffer).split(_BR)).strip()
        what = self.capture[0]
        self.capture = None
        if what == "name":
            self.chat.name = text
        elif self.current is not None and what == "from":
            self.current.sender = self.last_sender = text or None
        elif self.current is not None and what == "text":
            self.current.text = text


def parse_telegram_html(pages: list[bytes], tz: str | None = None) -> Chat:
    """The chat of a Telegram Desktop HTML export, from its pages in order. Never raises."""
    chat = Chat("Telegram", "")
    zone = _zone(tz, chat)
    parser = _TelegramHTML(chat, zone)
    for n, page in enumerate(pages, 1):
        try:
            parser.feed(page.decode("utf-8", "replace"))
        except (AssertionError, ValueError, IndexError) as exc:  # html.parser on broken markup
            chat.problems.append(f"page {n}: could not be read to the end ({exc})")
        parser.current, parser.stack, parser.capture = None, [], None
    parser.close()
    chat.name = chat.name or "Telegram chat"
    if parser.offsets and not chat.time_zone:
        chat.time_zone = "as the export states each time (UTC offset)"
    return chat


# -- recognising exports -------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    kind: str  # whatsapp | telegram | telegram_html
    log: str  # the chat log's path inside the archive or folder (the first page for HTML)
    pages: tuple[str, ...] = ()  # every page of an HTML export, in order

    def parts(self) -> tuple[str, ...]:
        return self.pages or (self.log,)


def find_in_names(names: list[str]) -> Found | None:
    """The chat log among an archive's member names, if the archive is a chat export."""
    cleaned = sorted((archives.clean_path(n)[0], n) for n in names)
    for path, raw in cleaned:
        if WHATSAPP_NAMES.match(PurePosixPath(path).name) and path.count("/") <= 1:
            return Found("whatsapp", raw)
    for path, raw in cleaned:
        if PurePosixPath(path).name == "result.json" and path.count("/") <= 1:
            return Found("telegram", raw)
    pages = [
        (path, raw)
        for path, raw in cleaned
        if path.count("/") <= 1 and _HTML_PAGE.fullmatch(PurePosixPath(path).name)
    ]
    styled = {
        str(PurePosixPath(p).parent.parent) for p, _ in cleaned if p.endswith("css/style.css")
    }
    pages = [
        (p, r) for p, r in pages if str(PurePosixPath(p).parent) in styled
    ]  # Telegram's layout
    if pages:
        base = PurePosixPath(pages[0][0]).parent
        same = sorted(
            ((p, r) for p, r in pages if PurePosixPath(p).parent == base),
            key=lambda pr: _page_number(pr[0]),
        )
        return Found("telegram_html", same[0][1], tuple(r for _, r in same))
    return None


_HTML_PAGE = re.compile(r"messages(\d*)\.html")


def _page_number(path: str) -> int:
    m = _HTML_PAGE.fullmatch(PurePosixPath(path).name)
    return int(m.group(1) or 1) if m else 0


def whatsapp_text_member(names: list[str]) -> str | None:
    found = find_in_names(names)
    return found.log if found and found.kind == "whatsapp" else None


def find_in_folder(folder: Path) -> Found | None:
    """The chat log in a folder, if the folder is a chat export."""
    if not folder.is_dir():
        return None
    try:
        names = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.is_symlink())
    except OSError:
        return None
    if (folder / "css" / "style.css").is_file():
        names.append("css/style.css")
    return find_in_names(names)


def chat_name(log_name: str, container_name: str) -> str:
    for candidate in (PurePosixPath(log_name).name, container_name):
        m = CHAT_NAME.match(candidate)
        if m:
            return m["name"]
    return re.sub(r"\.(zip|txt)$", "", container_name, flags=re.I) or "WhatsApp chat"


def parse_log(found: Found, pages: list[bytes], container_name: str, tz: str | None) -> Chat:
    if found.kind == "whatsapp":
        return parse_whatsapp(pages[0], chat_name(found.log, container_name), tz)
    if found.kind == "telegram_html":
        return parse_telegram_html(pages, tz)
    chats = parse_telegram(pages[0])
    if len(chats) == 1:
        return chats[0]
    merged = Chat("Telegram", container_name, time_zone="UTC")
    for c in chats:
        merged.messages.extend(c.messages)
        merged.problems.extend(f"{c.name}: {p}" for p in c.problems)
    if not chats:
        merged.problems.append("no chat found in result.json")
    return merged


# -- sources -------------------------------------------------------------------------------


def chat_source(chat: Chat, msg: Message | None, role: str) -> dict[str, Any]:
    """What `Source.extra["chat"]` says of one file of the export."""
    info: dict[str, Any] = {"platform": chat.platform, "chat": chat.name, "role": role}
    if msg is None:
        return info
    at = msg.index
    around = [m for m in chat.messages[max(0, at - CONTEXT) : at + CONTEXT + 1]]
    info.update(
        {
            "sender": msg.sender,
            "sent_local": msg.sent_local,
            "sent_utc": msg.sent_utc,
            "time_zone": chat.time_zone or "not stated: the exporting phone's local time",
            "message": msg.text[:TEXT_LIMIT],
            "message_index": msg.index,
            "log_line": msg.line,
            "context": [
                {
                    "sender": m.sender,
                    "sent": m.sent_utc or m.sent_local,
                    "text": m.text[:TEXT_LIMIT],
                    "this": m.index == at,
                }
                for m in around
            ],
        }
    )
    if chat.date_order:
        info["date_order"] = chat.date_order
    return info


def overrides(chat: Chat, msg: Message | None) -> dict[str, Any]:
    """Source columns a chat fills: the platform, the sender as account, the time it was sent."""
    out: dict[str, Any] = {"platform": chat.platform}
    if msg is not None:
        out["account"] = msg.sender
        out["posted_at"] = msg.sent_utc or msg.sent_local
    return out


class Matcher:
    """Which message sent a file found at `path` (relative to the export's root)."""

    def __init__(self, chat: Chat, log_paths: list[str]) -> None:
        self.chat, self.index = chat, chat.by_file()
        self.base = PurePosixPath(log_paths[0]).parent
        self.log_paths = set(log_paths)

    def __call__(self, path: str) -> tuple[str, Message | None]:
        if path in self.log_paths:
            return "chat log", None
        pure = PurePosixPath(path)
        rel = (
            str(pure.relative_to(self.base))
            if self.base != PurePosixPath(".") and pure.is_relative_to(self.base)
            else path
        )
        msg = self.index.get(rel) or self.index.get(pure.name)
        return ("sent in the chat" if msg else "in the export, named by no message"), msg


# -- intake --------------------------------------------------------------------------------


def expand_chat_zip(
    case: Any,
    sha256: str,
    fields: SourceFields,
    found: Found,
    *,
    name: str,
    limits: archives.Limits,
    depth: int,
    budget: archives.Budget,
    tz: str | None = None,
) -> archives.Expansion:
    """A zipped chat export: every member an item; media sources carry chat, sender and time."""
    path = case.blobs.local_path(sha256)
    try:
        with zipfile.ZipFile(path) as z:
            pages = _read_pages(z, found)
    except archives.LimitReached as exc:
        return archives.Expansion(
            sha256, "zip", "refused", archives._bomb_message(name, sha256, str(exc))
        )
    except Exception as exc:  # zipfile raises several types on a damaged archive
        return archives.Expansion(
            sha256, "zip", "refused", archives._unreadable_message(name, sha256, exc)
        )
    chat = parse_log(found, pages, name, tz)
    match = Matcher(chat, [archives.clean_path(p)[0] for p in found.parts()])
    platform_method = f"{chat.platform} chat export"

    def make_record(member: archives.Member) -> dict[str, Any]:
        record = archives.member_record(member, fields, sha256, "zip", depth)
        role, msg = match(member.path)
        record["extra"]["chat"] = chat_source(chat, msg, role)
        record["method"] = f"{record['method']}; {platform_method}"
        record.update({k: v for k, v in overrides(chat, msg).items() if v is not None})
        return record

    result = archives.expand_members(
        case, sha256, "zip", name, make_record, fields, limits, depth, budget
    )
    result.chat = chat.summary()
    return result


def _read_pages(z: zipfile.ZipFile, found: Found) -> list[bytes]:
    pages, total = [], 0
    for part in found.parts():
        info = z.getinfo(part)
        total += info.file_size
        if total > MAX_LOG_BYTES:
            raise archives.LimitReached(f"its chat log declares more than {MAX_LOG_BYTES} bytes")
        with z.open(info) as f:
            pages.append(f.read(MAX_LOG_BYTES + 1))
    return pages


def import_folder(
    case: Any, folder: Path, fields: SourceFields, *, tz: str | None = None
) -> archives.Expansion:
    """A chat export as a folder: every file an item, recorded in one transaction."""
    found = find_in_folder(folder)
    if found is None:
        raise CadenaError(
            f"{display(folder)} holds no `_chat.txt`, `WhatsApp Chat with … .txt` or "
            "`result.json` or `messages.html`: it is not a chat export; add it with `cadena add`."
        )
    logs = [folder / part for part in found.parts()]
    if sum(log.stat().st_size for log in logs) > MAX_LOG_BYTES:
        raise CadenaError(
            f"{display(logs[0])} is over {MAX_LOG_BYTES >> 20} MiB: too large for a chat log"
        )
    chat = parse_log(found, [log.read_bytes() for log in logs], folder.name, tz)
    match = Matcher(chat, list(found.parts()))
    pendings: list[streams.Pending] = []
    refused: list[Outcome] = []
    for file, rel in _files(folder):
        role, msg = match(rel)
        record = streams.source_fields(
            fields,
            original_name=display(file.name),
            original_path=display(file.resolve()),
            method=f"{fields.method + '; ' if fields.method else ''}{chat.platform} chat export",
            extra={"chat": chat_source(chat, msg, role), "export_path": rel},
            **overrides(chat, msg),
        )
        record["original_name_bytes"] = files.source_record(file, fields)["original_name_bytes"]
        try:
            with file.open("rb") as f:
                pendings.append(streams.store(case, f, display(file), record))
        except OSError as exc:
            refused.append(
                Outcome(display(file), "refused", reason=f"could not read it ({exc.strerror})")
            )
    result = archives.Expansion(display(folder), "folder", "expanded")
    result.members = streams.record(case, pendings) + refused
    result.chat = chat.summary()
    return result


def _files(folder: Path) -> Iterator[tuple[Path, str]]:
    for file in sorted(folder.rglob("*")):
        if file.is_file() and not file.is_symlink():
            yield file, file.relative_to(folder).as_posix()
