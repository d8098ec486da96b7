"""Chat exports: every media item knows its chat, sender and time. Exports written by hand in the
layout WhatsApp (iOS and Android, English and Spanish) and Telegram Desktop really write."""

from __future__ import annotations

import json
import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from cadena.intake.archives import expand, expand_outcomes
from cadena.intake.chats import find_in_folder, import_folder, parse_telegram, parse_whatsapp
from cadena.intake.files import SourceFields, add_file, add_paths
from cadena.vault.case import Case
from cadena.vault.models import Source
from cadena.vault.verify import verify

LRM, NNBSP = "\u200e", "\u202f"

IOS_ES = (
    "[15/12/22, 10:20:01] Brigada Salud: "
    f"{LRM}Los mensajes y las llamadas están cifrados de extremo a extremo.\n"
    "[15/12/22, 10:23:45] Ana Pérez: Están disparando desde el puente\n"
    f"{LRM}[15/12/22, 10:24:02] Ana Pérez: {LRM}<adjunto: 00000012-PHOTO-2022-12-15-10-24-02.jpg>\n"
    f"{LRM}[15/12/22, 10:25:10] +57 300 1234567: "
    f"{LRM}<attached: 00000013-VIDEO-2022-12-15-10-25-10.mp4>\n"
    "[15/12/22, 10:26:00] Luis: mirad el video\n"
    "hay un herido en la esquina\n"
)

ANDROID_EN_US = (
    "12/15/22, 10:20 PM - Messages and calls are end-to-end encrypted. No one outside of this "
    "chat, not even WhatsApp, can read or listen to them. Tap to learn more.\n"
    "12/15/22, 10:23 PM - Ana: they're shooting from the bridge\n"
    "12/15/22, 10:24 PM - Ana: IMG-20221215-WA0003.jpg (file attached)\n"
    "police at the bridge\n"
    "12/15/22, 10:31 PM - Luis: VID-20221215-WA0004.mp4 (file attached)\n"
)

ANDROID_ES_12H = (
    f"3/12/22, 10:23{NNBSP}p.{NNBSP}m. - Ana: IMG-20221203-WA0001.jpg (archivo adjunto)\n"
    f"3/12/22, 11:02{NNBSP}p.{NNBSP}m. - Luis: <Multimedia omitido>\n"
    f"4/12/22, 12:05{NNBSP}a.{NNBSP}m. - Ana: ya salimos\n"
)


def test_whatsapp_ios_spanish() -> None:
    chat = parse_whatsapp(IOS_ES.encode(), "Brigada Salud")
    assert chat.date_order == "dmy" and chat.problems == []
    assert [m.sender for m in chat.messages] == [
        "Brigada Salud",
        "Ana Pérez",
        "Ana Pérez",
        "+57 300 1234567",
        "Luis",
    ]
    photo = chat.messages[2]
    assert photo.files == ["00000012-PHOTO-2022-12-15-10-24-02.jpg"]
    assert photo.sent_local == "2022-12-15T10:24:02"
    assert chat.messages[3].files == ["00000013-VIDEO-2022-12-15-10-25-10.mp4"]
    assert chat.messages[4].text == "mirad el video\nhay un herido en la esquina"


def test_whatsapp_android_us_12h_month_first() -> None:
    chat = parse_whatsapp(ANDROID_EN_US, "x", tz="America/Bogota")
    assert chat.date_order == "mdy"
    assert chat.messages[0].sender is None  # the encryption notice
    photo = chat.messages[2]
    assert photo.sender == "Ana" and photo.files == ["IMG-20221215-WA0003.jpg"]
    assert photo.sent_local == "2022-12-15T22:24:00"
    assert photo.sent_utc == "2022-12-16T03:24:00Z"  # Bogotá is UTC-5
    assert "police at the bridge" in photo.text


def test_whatsapp_android_spanish_12h_order_from_media_names() -> None:
    chat = parse_whatsapp(ANDROID_ES_12H)
    assert chat.date_order == "dmy"
    assert chat.date_order_basis == "dates in the names of the media files"
    assert [m.sent_local for m in chat.messages] == [
        "2022-12-03T22:23:00",
        "2022-12-03T23:02:00",
        "2022-12-04T00:05:00",
    ]
    assert chat.messages[0].files == ["IMG-20221203-WA0001.jpg"]


def test_not_a_chat_is_a_problem_not_a_crash() -> None:
    chat = parse_whatsapp(b"\x00\xff garbage\n[99/99/99, 99:99] x: y")
    assert chat.messages[0].sent_local is None
    assert any("not understood" in p for p in chat.problems)
    assert parse_telegram(b"{not json")[0].problems


def _unix(text: str) -> str:
    return str(int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()))


def _telegram_export(folder: Path) -> None:
    (folder / "photos").mkdir(parents=True)
    (folder / "video_files").mkdir()
    (folder / "photos" / "photo_1@15-12-2022_10-24-02.jpg").write_bytes(
        b"\xff\xd8\xff\xe0fake jpeg 1"
    )
    (folder / "video_files" / "VID_20221215_102510.mp4").write_bytes(
        b"\x00\x00\x00\x18ftypmp42 fake"
    )
    (folder / "video_files" / "VID_20221215_102510.mp4_thumb.jpg").write_bytes(
        b"\xff\xd8\xff thumb"
    )
    msgs = [
        {
            "id": 101,
            "type": "service",
            "date": "2022-12-15T05:20:01",
            "date_unixtime": _unix("2022-12-15T10:20:01"),
            "actor": "Brigada Salud",
            "actor_id": "channel1234567890",
            "action": "create_group",
            "title": "Brigada Salud",
            "members": [],
            "text": "",
            "text_entities": [],
        },
        {
            "id": 102,
            "type": "message",
            "date": "2022-12-15T05:23:45",
            "date_unixtime": _unix("2022-12-15T10:23:45"),
            "from": "Ana Pérez",
            "from_id": "user111",
            "text": "Están disparando desde el puente",
            "text_entities": [{"type": "plain", "text": "Están disparando desde el puente"}],
        },
        {
            "id": 103,
            "type": "message",
            "date": "2022-12-15T05:24:02",
            "date_unixtime": _unix("2022-12-15T10:24:02"),
            "from": "Ana Pérez",
            "from_id": "user111",
            "photo": "photos/photo_1@15-12-2022_10-24-02.jpg",
            "width": 1280,
            "height": 960,
            "text": "",
            "text_entities": [],
        },
        {
            "id": 104,
            "type": "message",
            "date": "2022-12-15T05:25:10",
            "date_unixtime": _unix("2022-12-15T10:25:10"),
            "from": "Luis",
            "from_id": "user222",
            "file": "video_files/VID_20221215_102510.mp4",
            "thumbnail": "video_files/VID_20221215_102510.mp4_thumb.jpg",
            "media_type": "video_file",
            "mime_type": "video/mp4",
            "duration_seconds": 12,
            "width": 720,
            "height": 1280,
            "text": ["Mirad ", {"type": "bold", "text": "esto"}],
            "text_entities": [
                {"type": "plain", "text": "Mirad "},
                {"type": "bold", "text": "esto"},
            ],
        },
        {
            "id": 105,
            "type": "message",
            "date": "2022-12-15T05:40:00",
            "date_unixtime": _unix("2022-12-15T10:40:00"),
            "from": "Luis",
            "from_id": "user222",
            "file": "(File not included. Change data exporting settings to download.)",
            "media_type": "video_file",
            "text": "otro",
            "text_entities": [],
        },
    ]
    export = {
        "name": "Brigada Salud",
        "type": "private_supergroup",
        "id": 1234567890,
        "messages": msgs,
    }
    (folder / "result.json").write_text(json.dumps(export, ensure_ascii=False, indent=1), "utf-8")


def _chat_sources(case: Case) -> dict[str, Source]:
    with case.session(write=False) as s:
        return {
            src.original_name: src
            for src in s.execute(select(Source)).scalars()
            if src.extra.get("chat")
        }


def test_telegram_folder(case: Case, tmp_path: Path) -> None:
    folder = tmp_path / "ChatExport_2022-12-20"
    _telegram_export(folder)
    assert find_in_folder(folder) is not None
    result = import_folder(case, folder, SourceFields(collected_by="Investigator R"))
    assert [o.status for o in result.members] == ["added"] * 4
    assert result.chat and result.chat["problems"] == [
        "message 105: its file was not included in the export"
    ]
    src = _chat_sources(case)
    photo = src["photo_1@15-12-2022_10-24-02.jpg"]
    assert (photo.platform, photo.account, photo.posted_at) == (
        "Telegram",
        "Ana Pérez",
        "2022-12-15T10:24:02Z",
    )
    assert photo.extra["chat"]["chat"] == "Brigada Salud"
    assert photo.extra["chat"]["context"][1]["text"] == "Están disparando desde el puente"
    video = src["VID_20221215_102510.mp4"]
    assert (video.account, video.posted_at) == ("Luis", "2022-12-15T10:25:10Z")
    assert video.extra["chat"]["message"] == "Mirad esto"
    assert src["result.json"].extra["chat"]["role"] == "chat log"
    assert src["result.json"].collected_by == "Investigator R"
    assert verify(case).clean


def test_whatsapp_zip_through_expand(case: Case, tmp_path: Path) -> None:
    export = tmp_path / "WhatsApp Chat - Brigada Salud.zip"
    with zipfile.ZipFile(export, "w") as z:
        z.writestr("_chat.txt", IOS_ES.encode())
        z.writestr("00000012-PHOTO-2022-12-15-10-24-02.jpg", b"\xff\xd8\xff\xe0 photo")
        z.writestr("00000013-VIDEO-2022-12-15-10-25-10.mp4", b"\x00\x00\x00\x18ftypmp42 video")
        z.writestr("stray.pdf", b"%PDF-1.4 not named by any message")
    fields = SourceFields(collected_by="Investigator R", consent="given by the group admin")
    outcome = add_file(case, export, fields)
    assert outcome.sha256
    result = expand(case, outcome.sha256, fields, tz="America/Bogota")
    assert result.status == "expanded" and result.chat and result.chat["messages"] == 5
    assert {o.status for o in result.members} == {"added"}
    src = _chat_sources(case)
    photo = src["00000012-PHOTO-2022-12-15-10-24-02.jpg"]
    assert (photo.platform, photo.account, photo.posted_at) == (
        "WhatsApp",
        "Ana Pérez",
        "2022-12-15T15:24:02Z",
    )
    assert photo.extra["chat"]["sent_local"] == "2022-12-15T10:24:02"
    assert photo.extra["chat"]["chat"] == "Brigada Salud"
    assert photo.extra["archive"]["sha256"] == outcome.sha256
    assert photo.consent == "given by the group admin"
    video = src["00000013-VIDEO-2022-12-15-10-25-10.mp4"]
    assert video.account == "+57 300 1234567"
    assert src["stray.pdf"].extra["chat"]["role"] == "in the export, named by no message"
    assert src["stray.pdf"].account is None
    assert verify(case).clean


def test_whatsapp_folder_android(case: Case, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "WhatsApp Chat with Brigada Salud.txt").write_text(ANDROID_EN_US, "utf-8")
    (folder / "IMG-20221215-WA0003.jpg").write_bytes(b"\xff\xd8\xff\xe0 img")
    (folder / "VID-20221215-WA0004.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom vid")
    result = import_folder(case, folder, SourceFields())
    assert result.chat and result.chat["chat"] == "Brigada Salud"
    src = _chat_sources(case)
    assert (src["IMG-20221215-WA0003.jpg"].account, src["IMG-20221215-WA0003.jpg"].posted_at) == (
        "Ana",
        "2022-12-15T22:24:00",
    )
    assert src["VID-20221215-WA0004.mp4"].account == "Luis"
    assert "local time" in src["VID-20221215-WA0004.mp4"].extra["chat"]["time_zone"]


def test_telegram_zip_and_add_hook(case: Case, tmp_path: Path) -> None:
    """A Telegram export zipped with its top folder, reaching the case through `add_paths` and
    `expand_outcomes`, as `cadena add` calls them."""
    folder = tmp_path / "src" / "ChatExport_2022-12-20"
    _telegram_export(folder)
    export = tmp_path / "telegram.zip"
    with zipfile.ZipFile(export, "w") as z:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(folder.parent).as_posix())
    summary = add_paths(
        case, [export, tmp_path / "src" / "ChatExport_2022-12-20" / "result.json"], SourceFields()
    )
    expansions = expand_outcomes(case, summary.outcomes, SourceFields())
    assert (
        len(expansions) == 1 and expansions[0].chat and expansions[0].chat["platform"] == "Telegram"
    )
    with case.session(write=False) as s:
        photo = (
            s.execute(
                select(Source).where(
                    Source.original_path
                    == "ChatExport_2022-12-20/photos/photo_1@15-12-2022_10-24-02.jpg"
                )
            )
            .scalars()
            .one()
        )
    assert (photo.account, photo.posted_at) == ("Ana Pérez", "2022-12-15T10:24:02Z")
    assert photo.extra["archive"]["sha256"] == summary.outcomes[0].sha256


def test_hostile_text_recorded_on_every_backend(case: Case, tmp_path: Path) -> None:
    """NUL characters (PostgreSQL refuses them in text) and lone surrogates (JSON `\\ud800`, file
    names that are not UTF-8) in senders, chat names and file names: recorded, escaped, verified."""
    folder = tmp_path / "export"
    (folder / "photos").mkdir(parents=True)
    odd_name = os.fsdecode(b"photos/foto-\xff.jpg")
    (folder / odd_name).write_bytes(b"\xff\xd8\xff\xe0 odd")
    messages = [
        {
            "id": 1,
            "type": "message",
            "date_unixtime": "1671099825",
            "from": "A\u0000na \ud800",
            "photo": odd_name,
            "text": "nul \u0000 here",
        }
    ]
    raw = json.dumps({"name": "Chat \u0000 \udfff", "messages": messages})
    (folder / "result.json").write_text(raw, "utf-8")
    result = import_folder(case, folder, SourceFields(note="n\u0000ote"))
    assert {o.status for o in result.members} == {"added"}
    with case.session(write=False) as s:
        photo = s.execute(select(Source).where(Source.account.is_not(None))).scalars().one()
    assert photo.account == "A\\x00na \\ud800"
    assert (
        photo.original_name == "foto-\\xff.jpg"
        and photo.original_name_bytes == "666f746f2dff2e6a7067"
    )
    assert photo.note == "n\\x00ote"
    assert photo.extra["chat"]["message"] == "nul \\x00 here"
    assert verify(case).clean


TELEGRAM_HTML_1 = """<!DOCTYPE html>
<html>
 <head>
  <meta charset="utf-8"/>
<title>Exported Data</title>
  <link href="css/style.css" rel="stylesheet"/>
 </head>
 <body onload="CheckLocation();">
  <div class="page_wrap">
   <div class="page_header">
    <div class="content">
     <div class="text bold">
Brigada Salud
     </div>
    </div>
   </div>
   <div class="page_body chat_page">
    <div class="history">
     <div class="message service" id="message-1">
      <div class="body details">
15 December 2022
      </div>
     </div>
     <div class="message default clearfix" id="message102">
      <div class="pull_left userpic_wrap">
       <div class="userpic userpic1" style="width: 42px; height: 42px">
        <div class="initials" style="line-height: 42px">AP</div>
       </div>
      </div>
      <div class="body">
       <div class="pull_right date details" title="15.12.2022 05:23:45 UTC-05:00">
05:23
       </div>
       <div class="from_name">
Ana Pérez
       </div>
       <div class="text">
Están disparando<br>desde el puente
       </div>
      </div>
     </div>
     <div class="message default clearfix joined" id="message103">
      <div class="body">
       <div class="pull_right date details" title="15.12.2022 05:24:02 UTC-05:00">
05:24
       </div>
       <div class="media_wrap clearfix">
        <a class="photo_wrap clearfix pull_left" href="photos/photo_1@15-12-2022_05-24-02.jpg">
         <img class="photo" src="photos/photo_1@15-12-2022_05-24-02_thumb.jpg"
          style="width: 260px; height: 195px"/>
        </a>
       </div>
      </div>
     </div>
    </div>
   </div>
  </div>
 </body>
</html>
"""

TELEGRAM_HTML_2 = """<!DOCTYPE html>
<html><head><meta charset="utf-8"/><title>Exported Data</title></head>
 <body><div class="page_wrap"><div class="page_body chat_page"><div class="history">
     <div class="message default clearfix" id="message104">
      <div class="body">
       <div class="pull_right date details" title="15.12.2022 05:25:10 UTC-05:00">05:25</div>
       <div class="from_name">Luis</div>
       <div class="forwarded body">
        <div class="from_name">Canal de Noticias
         <span class="details">15.12.2022 05:20:00</span></div>
        <div class="text">reenviado, no es de Luis</div>
       </div>
       <div class="media_wrap clearfix">
        <a class="video_file_wrap clearfix pull_left" href="video_files/VID_20221215_052510.mp4">
         <div class="video_play_bg"><div class="video_play"></div></div>
         <div class="video_duration">00:12</div>
        </a>
       </div>
       <div class="text">Mirad <strong>esto</strong></div>
      </div>
     </div>
</div></div></div></body></html>
"""


def test_telegram_html_export_zipped(case: Case, tmp_path: Path) -> None:
    """Telegram Desktop's default export (HTML, split into messages.html, messages2.html…)."""
    export = tmp_path / "ChatExport_2022-12-20.zip"
    with zipfile.ZipFile(export, "w") as z:
        z.writestr("ChatExport_2022-12-20/messages.html", TELEGRAM_HTML_1)
        z.writestr("ChatExport_2022-12-20/messages2.html", TELEGRAM_HTML_2)
        z.writestr("ChatExport_2022-12-20/css/style.css", "body {}")
        z.writestr(
            "ChatExport_2022-12-20/photos/photo_1@15-12-2022_05-24-02.jpg", b"\xff\xd8\xff\xe0 p"
        )
        z.writestr(
            "ChatExport_2022-12-20/photos/photo_1@15-12-2022_05-24-02_thumb.jpg", b"\xff\xd8\xff t"
        )
        z.writestr(
            "ChatExport_2022-12-20/video_files/VID_20221215_052510.mp4", b"\x00\x00\x00\x18ftypmp42"
        )
    outcome = add_file(case, export, SourceFields())
    assert outcome.sha256
    result = expand(case, outcome.sha256)
    assert result.chat and result.chat["chat"] == "Brigada Salud" and result.chat["messages"] == 4
    src = _chat_sources(case)
    photo = src["photo_1@15-12-2022_05-24-02.jpg"]
    assert (photo.platform, photo.account, photo.posted_at) == (
        "Telegram",
        "Ana Pérez",
        "2022-12-15T10:24:02Z",
    )
    assert photo.extra["chat"]["context"][1]["text"] == "Están disparando\ndesde el puente"
    video = src["VID_20221215_052510.mp4"]
    assert (video.account, video.posted_at) == ("Luis", "2022-12-15T10:25:10Z")
    assert video.extra["chat"]["message"] == "Mirad esto"
    assert src["messages2.html"].extra["chat"]["role"] == "chat log"
    assert (
        src["photo_1@15-12-2022_05-24-02_thumb.jpg"]
        .extra["chat"]["role"]
        .startswith("in the export")
    )
    assert verify(case).clean


def test_telegram_html_folder_and_lookalike(tmp_path: Path) -> None:
    folder = tmp_path / "ChatExport"
    (folder / "css").mkdir(parents=True)
    (folder / "css" / "style.css").write_text("body {}")
    (folder / "messages.html").write_text(TELEGRAM_HTML_1, "utf-8")
    (folder / "messages2.html").write_text(TELEGRAM_HTML_2, "utf-8")
    found = find_in_folder(folder)
    assert (
        found
        and found.kind == "telegram_html"
        and found.parts() == ("messages.html", "messages2.html")
    )
    site = tmp_path / "site"  # a saved web page named messages.html is not a Telegram export
    site.mkdir()
    (site / "messages.html").write_text("<html></html>")
    assert find_in_folder(site) is None
