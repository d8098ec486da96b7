"""Metadata round trips: what synth (and real libraries) write, extract reads back."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pypdf
import pytest
from PIL import Image

from cadena.media import synth
from cadena.media.metadata import Extracted, extract, parse_iso6709, parse_pdf_date, parse_time
from cadena.media.sniff import sniff

LIMA = dt.timezone(dt.timedelta(hours=-5))


def read(path: Path) -> Extracted:
    result = extract(path, sniff(path))
    json.dumps(result.as_dict())  # everything must be storable as JSON
    assert "\\u0000" not in json.dumps(result.as_dict())  # PostgreSQL JSONB refuses NUL
    return result


# --- video and audio --------------------------------------------------------------------------


def test_video_round_trip(tmp_path: Path) -> None:
    path = synth.video(
        tmp_path / "march.mp4",
        seconds=2,
        width=320,
        height=240,
        fps=25,
        gps=(-12.046374, -77.042793, 154.5),
        make="samsung",
        model="SM-A515F",
        creation_time=dt.datetime(2022, 12, 15, 9, 3, 22, tzinfo=LIMA),
        rotation=90,
    )
    got = read(path)
    n = got.normalized
    assert got.problems == []
    assert (got.extractor, got.extractor_version) == ("pyav", av.__version__)
    assert n["container"] == "mp4"
    assert n["duration_s"] == pytest.approx(2.0, abs=0.05)
    assert (n["width"], n["height"], n["frame_rate"]) == (320, 240, 25.0)
    assert (n["video_codec"], n["audio_codec"]) == ("h264", "aac")
    assert (n["sample_rate"], n["channels"]) == (48000, 1)
    assert n["rotation_deg"] == 90
    assert n["gps"] == {"lat": -12.0464, "lon": -77.0428, "alt": 154.5}  # 4 decimals, as phones
    assert (n["device_make"], n["device_model"]) == ("samsung", "SM-A515F")
    assert n["created_at"] == "2022-12-15T14:03:22Z"
    assert n["streams"] == {"video": 1, "audio": 1}
    assert got.raw["format"]["tags"]["location"].startswith("-12.0464-077.0428")


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_video_rotation(tmp_path: Path, rotation: int) -> None:
    path = synth.video(tmp_path / "r.mp4", seconds=0.2, width=64, height=48, rotation=rotation)
    assert read(path).normalized["rotation_deg"] == rotation


def test_video_apple_style_tags(tmp_path: Path) -> None:
    """iPhones write the place, device and local time as com.apple.quicktime.* keys."""
    tags = {
        "com.apple.quicktime.location.ISO6709": "+19.4326-099.1332+2240.000/",
        "com.apple.quicktime.make": "Apple",
        "com.apple.quicktime.model": "iPhone 13",
        "com.apple.quicktime.software": "16.1.2",
        "com.apple.quicktime.creationdate": "2022-12-15T09:03:22-0600",
    }
    path = synth.video(tmp_path / "IMG_0001.MOV", seconds=0.3, width=64, height=48, tags=tags)
    n = read(path).normalized
    assert n["gps"] == {"lat": 19.4326, "lon": -99.1332, "alt": 2240.0}
    assert n["gps_source"] == "com.apple.quicktime.location.ISO6709"
    assert (n["device_make"], n["device_model"], n["software"]) == ("Apple", "iPhone 13", "16.1.2")
    assert n["created_at"] == "2022-12-15T15:03:22Z"
    assert n["created_at_local"] == "2022-12-15T09:03:22-06:00"
    assert not any("device tags" in h for h in n["reencode_hint"])


def test_video_without_device_metadata_hints_reencode(tmp_path: Path) -> None:
    path = synth.video(tmp_path / "WhatsApp Video.mp4", seconds=0.3, width=64, height=48)
    n = read(path).normalized
    hints = " ".join(n["reencode_hint"])
    assert "FFmpeg" in hints and "no creation time" in hints and "no device tags" in hints
    assert "created_at" not in n and "gps" not in n


def _bytes_read_by_process() -> int:
    with open("/proc/self/io") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("rchar"))


def test_video_xmp_from_adobe_uuid_box(tmp_path: Path) -> None:
    """An export from Premiere carries XMP with its history in a top-level uuid box."""
    path = synth.video(tmp_path / "export.mp4", seconds=0.3, width=64, height=48)
    packet = XMP.replace("Photoshop 24.0", "Premiere Pro 23.0").encode()
    body = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC") + packet
    with open(path, "ab") as f:
        f.write((8 + len(body)).to_bytes(4, "big") + b"uuid" + body)
    got = read(path)
    assert got.problems == []
    assert got.normalized["xmp"]["creator_tool"] == "Adobe Premiere Pro 23.0 (Windows)"
    assert any("Premiere" in h for h in got.normalized["reencode_hint"])
    assert [b["type"] for b in got.raw["mp4_top_level_boxes"]][-1] == "uuid"


def test_video_reads_headers_only(tmp_path: Path) -> None:
    """Extraction reads the headers of a video, not its frames: well under 1 MB of a 6 MB file."""
    path = synth.big_video(tmp_path / "big.mp4", 6_000_000, seed=1)
    assert path.stat().st_size >= 6_000_000
    sniffed = sniff(path)
    before = _bytes_read_by_process()
    got = extract(path, sniffed)
    assert _bytes_read_by_process() - before < 1_000_000
    assert got.problems == []
    assert (got.normalized["width"], got.normalized["height"]) == (1280, 720)
    assert got.normalized["duration_s"] > 1.5


def test_audio_files(tmp_path: Path) -> None:
    wav = read(synth.wav(tmp_path / "shots.wav", synth.tone(1.5, seed=3, rate=44100), rate=44100))
    assert wav.normalized["container"] == "wav"
    assert wav.normalized["duration_s"] == pytest.approx(1.5, abs=0.01)
    assert (wav.normalized["sample_rate"], wav.normalized["channels"]) == (44100, 1)
    assert wav.normalized["audio_codec"] == "pcm_s16le"

    stereo = np.stack([synth.tone(0.5, 440), synth.tone(0.5, 880)], axis=1)
    assert read(synth.wav(tmp_path / "st.wav", stereo)).normalized["channels"] == 2


def test_mp3_tags(tmp_path: Path) -> None:
    path = tmp_path / "voice.mp3"
    out = av.open(str(path), "w", format="mp3")
    out.metadata["title"] = "Audio del 15 de diciembre"
    out.metadata["date"] = "2022-12-15T10:00:00Z"
    stream = out.add_stream("libmp3lame", rate=44100, layout="mono")
    size = 1152  # an MP3 frame; the codec reports 0 until it is opened
    for i in range(20):
        data = (np.sin(np.arange(size) * 0.05) * 2**30).astype(np.int32)[None, :]
        frame = av.AudioFrame.from_ndarray(data, format="s32p", layout="mono")
        frame.sample_rate, frame.pts = 44100, i * size
        frame.time_base = Fraction(1, 44100)
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))
    out.close()
    got = read(path)
    assert got.normalized["container"] == "mp3"
    assert got.normalized["audio_codec"] == "mp3"
    assert got.raw["format"]["tags"]["title"] == "Audio del 15 de diciembre"
    assert got.normalized["created_at"] == "2022-12-15T10:00:00Z"


def test_cover_art_is_not_taken_for_video(tmp_path: Path) -> None:
    """Voice notes and songs carry a cover picture as a one-frame "video" stream."""
    path = tmp_path / "nota.mp3"
    out = av.open(str(path), "w", format="mp3")
    audio = out.add_stream("libmp3lame", rate=44100, layout="mono")
    cover = out.add_stream("mjpeg", rate=1)
    cover.width, cover.height, cover.pix_fmt = 16, 16, "yuvj420p"
    cover.disposition = av.stream.Disposition.attached_pic
    picture = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
    out.mux(cover.encode(picture) + cover.encode(None))
    for i in range(10):
        data = (np.sin(np.arange(1152) * 0.05) * 2**30).astype(np.int32)[None, :]
        frame = av.AudioFrame.from_ndarray(data, format="s32p", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = 44100, i * 1152, Fraction(1, 44100)
        out.mux(audio.encode(frame))
    out.mux(audio.encode(None))
    out.close()
    n = read(path).normalized
    assert n["streams"] == {"audio": 1, "video": 1}
    assert n["audio_codec"] == "mp3"
    assert "video_codec" not in n and "width" not in n


# --- images -----------------------------------------------------------------------------------


def test_image_exif_round_trip(tmp_path: Path) -> None:
    path = synth.image(
        tmp_path / "IMG_2201.jpg",
        640,
        480,
        exif_gps=(-16.398803, -71.536883, 2335.0),
        make="Apple",
        model="iPhone 12",
        taken_at=dt.datetime(2022, 12, 15, 9, 3, 22, tzinfo=LIMA),
        software="16.1.2",
    )
    got = read(path)
    n = got.normalized
    assert got.problems == []
    assert got.extractor == "pillow"
    assert (n["width"], n["height"], n["image_format"]) == (640, 480, "JPEG")
    assert n["gps"] == pytest.approx({"lat": -16.398803, "lon": -71.536883, "alt": 2335.0})
    assert (n["device_make"], n["device_model"], n["software"]) == ("Apple", "iPhone 12", "16.1.2")
    assert n["created_at"] == "2022-12-15T14:03:22Z"
    assert n["created_at_local"] == "2022-12-15T09:03:22-05:00"
    assert got.raw["exif"]["GPS"]["GPSLatitudeRef"] == "S"
    assert "reencode_hint" not in n


def test_image_direction_and_subseconds(tmp_path: Path) -> None:
    """The way the camera faced and the millisecond of the shot: both matter to geolocation and
    to ordering a burst of photos."""
    taken = dt.datetime(2022, 12, 15, 9, 3, 22, 457000, tzinfo=LIMA)
    path = synth.image(tmp_path / "b.jpg", 64, 64, exif_gps=(-12.05, -77.04), gps_direction=231.5,
                       taken_at=taken)  # fmt: skip
    n = read(path).normalized
    assert n["gps"]["direction_deg"] == 231.5 and n["gps"]["direction_ref"] == "T"
    assert n["created_at"] == "2022-12-15T14:03:22.457000Z"


def test_slow_motion_and_location_accuracy_tags(tmp_path: Path) -> None:
    tags = {
        "com.android.capture.fps": "240.000000",
        "com.apple.quicktime.location.ISO6709": "+19.4326-099.1332/",
        "com.apple.quicktime.location.accuracy.horizontal": "35.000000",
    }
    path = synth.video(tmp_path / "slow.mp4", seconds=0.3, width=64, height=48, tags=tags)
    n = read(path).normalized
    assert n["capture_fps"] == 240.0 and n["frame_rate"] == 25.0
    assert n["gps"]["accuracy_m"] == 35.0


def test_null_island_is_not_a_place(tmp_path: Path) -> None:
    n = read(synth.image(tmp_path / "z.jpg", 32, 32, exif_gps=(0.0, 0.0), make="X")).normalized
    assert "gps" not in n and "no fix" in n["gps_note"]


def test_image_time_without_zone_is_not_made_utc(tmp_path: Path) -> None:
    path = synth.image(tmp_path / "a.jpg", 64, 64, taken_at=dt.datetime(2022, 12, 15, 9, 3, 22))
    n = read(path).normalized
    assert n["created_at_local"] == "2022-12-15T09:03:22"
    assert "created_at" not in n


def test_stripped_jpeg_hints_reencode(tmp_path: Path) -> None:
    path = tmp_path / "from_chat.jpg"
    Image.new("RGB", (64, 64), (10, 20, 30)).save(path, "JPEG")
    got = read(path)
    assert got.problems == []
    assert "no EXIF" in got.normalized["reencode_hint"][0]


XMP = """<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
  xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"
  xmp:CreatorTool="Adobe Photoshop 24.0 (Windows)" xmp:CreateDate="2022-12-15T09:03:22-05:00">
 <xmpMM:DocumentID>xmp.did:1234</xmpMM:DocumentID>
 <xmpMM:History><rdf:Seq>
  <rdf:li stEvt:action="saved" stEvt:softwareAgent="Adobe Photoshop 24.0 (Windows)"/>
 </rdf:Seq></xmpMM:History>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end='w'?>"""


def test_image_xmp(tmp_path: Path) -> None:
    path = tmp_path / "edited.jpg"
    Image.new("RGB", (64, 64)).save(path, "JPEG", xmp=XMP.encode())
    got = read(path)
    xmp = got.normalized["xmp"]
    assert xmp["creator_tool"] == "Adobe Photoshop 24.0 (Windows)"
    assert xmp["create_date"] == "2022-12-15T09:03:22-05:00"
    assert xmp["document_id"] == "xmp.did:1234"
    assert xmp["history"] == ["Adobe Photoshop 24.0 (Windows)"]
    assert "<x:xmpmeta" in got.raw["xmp"]
    assert any("Photoshop" in h for h in got.normalized["reencode_hint"])


def test_xmp_with_entities_is_refused_not_expanded(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">&b;</x:xmpmeta>'
    )
    path = tmp_path / "bomb.jpg"
    Image.new("RGB", (16, 16)).save(path, "JPEG", xmp=bomb.encode())
    got = read(path)
    assert any("XMP packet not parseable" in p for p in got.problems)
    assert "xmp" not in got.normalized


def test_png_and_tiff(tmp_path: Path) -> None:
    png = tmp_path / "a.png"
    Image.new("RGB", (30, 20)).save(png)
    assert read(png).normalized["width"] == 30
    tif = tmp_path / "a.tif"
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    Image.new("RGB", (30, 20)).save(tif, exif=exif)
    assert read(tif).normalized["device_make"] == "Canon"


def test_heic_exif_round_trip(tmp_path: Path) -> None:
    """iPhone photos arrive as HEIC when sent as files; their EXIF is read through libheif."""
    path = synth.image(
        tmp_path / "IMG_4410.HEIC",
        128,
        96,
        exif_gps=(4.60971, -74.08175),
        make="Apple",
        model="iPhone 14",
        taken_at=dt.datetime(2021, 5, 3, 21, 40, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        fmt="HEIF",
    )
    got = read(path)
    n = got.normalized
    assert got.problems == []
    assert got.extractor == "pillow+pillow-heif"
    assert (n["media_type"], n["width"], n["height"]) == ("image/heic", 128, 96)
    assert n["gps"] == pytest.approx({"lat": 4.60971, "lon": -74.08175})
    assert (n["device_make"], n["device_model"]) == ("Apple", "iPhone 14")
    assert n["created_at"] == "2021-05-04T02:40:05Z"


def test_heic_signature_with_junk_reports_problem(tmp_path: Path) -> None:
    path = tmp_path / "IMG.HEIC"
    body = b"heic\x00\x00\x00\x00mif1heic"
    path.write_bytes((8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\x00" * 64)
    got = read(path)
    assert got.normalized["media_type"] == "image/heic"
    assert any("Pillow" in p for p in got.problems)


# --- PDF and office documents -----------------------------------------------------------------


def test_pdf_round_trip(tmp_path: Path) -> None:
    path = synth.pdf(
        tmp_path / "orden.pdf",
        ["ORDEN DE OPERACIONES 012-2022\nUso de armas de fuego autorizado.", "Página dos"],
        title="Orden de operaciones",
        author="Comando Sur",
        creation_date=dt.datetime(2022, 12, 10, 8, 0, tzinfo=LIMA),
    )
    got = read(path)
    n = got.normalized
    assert got.problems == []
    assert (got.extractor, got.extractor_version) == ("pypdf", pypdf.__version__)
    assert n["pages"] == 2
    assert (n["title"], n["author"]) == ("Orden de operaciones", "Comando Sur")
    assert n["pdf_producer"] == "cadena.media.synth"
    assert n["created_at"] == "2022-12-10T13:00:00Z"
    assert n["encrypted"] is False and n["revisions"] == 1
    assert n["xmp"]["title"] == "Orden de operaciones"
    assert got.raw["info"]["/Author"] == "Comando Sur"
    text = pypdf.PdfReader(path).pages[1].extract_text()
    assert "Página dos" in text


def test_pdf_incremental_update_counts_revisions(tmp_path: Path) -> None:
    path = synth.pdf(tmp_path / "a.pdf", ["uno"], title="Original")
    writer = pypdf.PdfWriter(path, incremental=True)
    writer.add_metadata({"/Title": "Cambiado"})
    edited = tmp_path / "edited.pdf"
    writer.write(edited)  # the original bytes, then the update appended
    assert edited.read_bytes().startswith(path.read_bytes())
    got = read(edited)
    assert got.normalized["revisions"] == 2
    assert got.normalized["title"] == "Cambiado"


def test_pdf_encrypted(tmp_path: Path) -> None:
    source = synth.pdf(tmp_path / "a.pdf", ["secreto"], title="Informe")
    for user_password, readable in (("", True), ("clave", False)):
        writer = pypdf.PdfWriter(clone_from=source)
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
        path = tmp_path / f"enc_{readable}.pdf"
        writer.write(path)
        got = read(path)
        assert got.normalized["encrypted"] is True
        if readable:
            assert got.normalized["pages"] == 1 and got.problems == []
        else:
            assert "pages" not in got.normalized
            assert any("password" in p for p in got.problems)


def test_docx_core_properties(tmp_path: Path) -> None:
    core = (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/">'
        "<dc:title>Parte de novedades</dc:title><dc:creator>Cap. Pérez</dc:creator>"
        "<cp:lastModifiedBy>Mayor Ruiz</cp:lastModifiedBy>"
        "<dcterms:created>2022-12-15T18:00:00Z</dcterms:created>"
        "<dcterms:modified>2022-12-16T07:30:00Z</dcterms:modified></cp:coreProperties>"
    )
    app = (
        '<Properties xmlns="x"><Application>Microsoft Office Word</Application>'
        "<Pages>3</Pages></Properties>"
    )
    path = tmp_path / "parte.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w/>")
        z.writestr("docProps/core.xml", core)
        z.writestr("docProps/app.xml", app)
    n = read(path).normalized
    assert (n["title"], n["author"], n["last_modified_by"]) == (
        "Parte de novedades",
        "Cap. Pérez",
        "Mayor Ruiz",
    )
    assert (n["created_at"], n["modified_at"]) == ("2022-12-15T18:00:00Z", "2022-12-16T07:30:00Z")
    assert (n["application"], n["pages"]) == ("Microsoft Office Word", 3)


# --- damaged input ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("originals")
    return {
        "mp4": synth.video(d / "v.mp4", seconds=1, width=96, height=64, gps=(1.0, 2.0)),
        "jpg": synth.image(d / "i.jpg", 96, 64, exif_gps=(1.0, 2.0), make="X"),
        "pdf": synth.pdf(d / "p.pdf", ["uno", "dos"], title="T"),
        "wav": synth.wav(d / "a.wav", synth.tone(0.5)),
    }


@pytest.mark.parametrize("name", ["mp4", "jpg", "pdf", "wav"])
def test_truncated_files_give_problems(
    originals: dict[str, Path], tmp_path: Path, name: str
) -> None:
    cut = synth.truncated(originals[name], tmp_path / f"cut.{name}", fraction=0.4)
    got = read(cut)
    assert got.normalized["media_type"] == sniff(originals[name]).media_type
    if name != "wav":  # a cut WAV is still a valid, shorter WAV (its header says otherwise)
        assert got.problems, f"truncated {name} reported nothing"


@pytest.mark.parametrize("name", ["mp4", "jpg", "pdf", "wav"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_corrupt_files_do_not_raise(
    originals: dict[str, Path], tmp_path: Path, name: str, seed: int
) -> None:
    bad = synth.corrupt(originals[name], tmp_path / f"bad.{name}", seed=seed)
    assert bad.read_bytes() != originals[name].read_bytes()
    got = read(bad)
    assert got.normalized["size_bytes"] == originals[name].stat().st_size


def test_mp4_without_moov(tmp_path: Path, originals: dict[str, Path]) -> None:
    data = originals["mp4"].read_bytes()
    at = data.find(b"moov") - 4
    path = tmp_path / "nomoov.mp4"
    path.write_bytes(data[:at])
    got = read(path)
    assert any("moov" in p for p in got.problems)
    assert any("FFmpeg" in p for p in got.problems)


def test_empty_and_random_and_missing(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    got = read(empty)
    expected = {"media_type": "application/x-empty", "kind": "unknown", "size_bytes": 0}
    assert got.normalized == expected
    assert got.problems == ["empty file: no content to read"]

    noise = tmp_path / "noise.mp4"
    noise.write_bytes(np.random.default_rng(0).bytes(50_000))
    got = read(noise)
    assert got.normalized["media_type"] == "application/octet-stream"

    missing = extract(tmp_path / "gone.mp4", sniff(empty))
    assert missing.problems and "could not be opened" in missing.problems[0]


def test_random_bytes_behind_each_type(tmp_path: Path) -> None:
    """Garbage after a valid signature: each reader says what failed instead of raising."""
    rng = np.random.default_rng(5)
    heads = {
        "mp4": b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2",
        "jpg": b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*",
        "pdf": b"%PDF-1.7\n",
        "docx": b"PK\x03\x04" + b"\x00" * 26 + b"[Content_Types].xml word/",
        "mkv": b"\x1a\x45\xdf\xa3\x01\x00\x00\x00",
        "tif": b"II*\x00\x08\x00\x00\x00",
    }
    for name, head in heads.items():
        path = tmp_path / f"junk.{name}"
        path.write_bytes(head + rng.bytes(4000))
        got = read(path)
        assert got.problems, name


# --- parsers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("+12.3456-076.5432/", {"lat": 12.3456, "lon": -76.5432}),
        ("+12.3456-076.5432+010.500/", {"lat": 12.3456, "lon": -76.5432, "alt": 10.5}),
        ("-1230.5+07630.0/", {"lat": -12.5083333, "lon": 76.5}),  # ±DDMM.M
        ("+123000+0763000/", {"lat": 12.5, "lon": 76.5}),  # ±DDMMSS
        ("+91.0000+000.0000/", None),
        ("garbage", None),
        ("", None),
    ],
)
def test_parse_iso6709(text: str, point: dict[str, float] | None) -> None:
    assert parse_iso6709(text) == (pytest.approx(point) if point else None)


def test_parse_times() -> None:
    utc, local = parse_time("2022:12:15 09:03:22-05:00")
    assert utc == dt.datetime(2022, 12, 15, 14, 3, 22, tzinfo=dt.UTC)
    assert local == "2022-12-15T09:03:22-05:00"
    assert parse_time("2022-12-15T14:03:22.250000Z")[0] == dt.datetime(
        2022, 12, 15, 14, 3, 22, 250000, tzinfo=dt.UTC
    )
    assert parse_time("1970-01-01T00:00:00.000000Z") == (None, None)  # zeroed by a muxer
    assert parse_time("1904-01-01 00:00:00") == (None, None)
    assert parse_time("2022-13-45 99:00:00") == (None, None)
    assert parse_pdf_date("D:20221215140322+02'00'")[0] == dt.datetime(
        2022, 12, 15, 12, 3, 22, tzinfo=dt.UTC
    )
    assert parse_pdf_date("D:20221215")[1] == "2022-12-15T00:00:00"


def test_exif_with_binary_maker_note_is_escaped(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Maker\x00"
    exif.get_ifd(0x8769)[0x927C] = bytes(range(256)) * 40  # MakerNote, 10 KB
    path = tmp_path / "m.jpg"
    Image.new("RGB", (16, 16)).save(path, "JPEG", exif=exif.tobytes())
    got = read(path)
    note = got.raw["exif"]["Exif"]["MakerNote"]
    assert note.startswith("\\x00\\x01") and note.endswith("cut at 4096]")
    assert got.normalized["device_make"] == "Maker"
    assert io.BytesIO(path.read_bytes()).read(2) == b"\xff\xd8"
