"""`cadena capture URL…`: fetch a page or a media file and keep it with the proof of how it was got.

The only place Cadena touches the network, and only for the URLs it is given. For each URL:

- the body becomes an item (its source: the URL, the final URL after redirects, status, headers,
  fetch time, the server's address);
- a WARC file (ISO 28500, written with warcio) becomes an item too: a `warcinfo` record, then for
  every hop (redirects included) the `request` exactly as sent and the `response` exactly as
  received (raw bytes off the socket: status line, headers, body, chunked as it came), and a
  `metadata` record (JSON) with the time, the peer address, the TLS version and cipher, whether
  the certificate was verified and against what, and the server's certificate chain as PEM;
- one signed `capture` custody entry ties the two together.

HTTP is spoken with the standard library's `http.client` so that the bytes on the wire and the TLS
socket (for its chain) are in hand. Certificates are verified against the system's authorities by
default; `cafile` adds an authority, `insecure=True` captures anyway and says so in the WARC.
Media on platforms goes through yt-dlp when it is installed (`media=True`, or a known platform
host): the file it fetches becomes a further item and its info JSON a derivative of that item.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import http.client
import io
import json
import re
import socket
import ssl
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import unquote, urljoin, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from sqlalchemy import select

from cadena import __version__
from cadena.errors import CadenaError
from cadena.intake import streams
from cadena.intake.files import Outcome, SourceFields
from cadena.vault.case import Case
from cadena.vault.models import CustodyHead

TOOL = "cadena.intake.capture"
MAX_REDIRECTS = 10
MAX_BODY = 8 << 30
PLATFORM_HOSTS = re.compile(
    r"(^|\.)(youtube\.com|youtu\.be|tiktok\.com|twitter\.com|x\.com|facebook\.com|fb\.watch|"
    r"instagram\.com|vimeo\.com|t\.me|twitch\.tv|dailymotion\.com|rumble\.com|reddit\.com)$",
    re.I,
)


@dataclass
class Hop:
    url: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    ip: str | None
    fetched_at: str
    tls: dict[str, Any] | None


@dataclass
class Captured:
    """What capturing one URL produced."""

    url: str
    status: str  # captured | failed
    body: Outcome | None = None
    warc: Outcome | None = None
    media: list[Outcome] = field(default_factory=list)
    http_status: int | None = None
    final_url: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": self.status,
            "http_status": self.http_status,
            "final_url": self.final_url,
            "reason": self.reason,
            "body": asdict(self.body) if self.body else None,
            "warc": asdict(self.warc) if self.warc else None,
            "media": [asdict(m) for m in self.media],
        }


@dataclass(frozen=True)
class Options:
    cafile: str | None = None
    insecure: bool = False
    timeout: float = 60.0
    max_bytes: int = MAX_BODY
    user_agent: str = f"Cadena/{__version__} (evidence capture; +https://example.invalid/cadena)"
    media: bool | None = None  # None: yt-dlp for known platform hosts when it is installed


def capture(
    case: Case, url: str, fields: SourceFields | None = None, options: Options | None = None
) -> Captured:
    """Fetch one URL into the case (body item, WARC item, capture entry). Never raises for the
    network's faults: a failure is returned with its reason."""
    options = options or Options()
    fields = fields or SourceFields()
    _check_url(url)
    try:
        with tempfile.TemporaryDirectory(prefix="cadena-capture-") as tmp:
            result = _capture(case, url, fields, options, Path(tmp))
    except (OSError, http.client.HTTPException, ssl.SSLError, ValueError) as exc:
        return Captured(url, "failed", reason=_network_reason(url, exc))
    except CadenaError as exc:  # a redirect to something that is not http(s)
        return Captured(
            url, "failed", reason=f"{url} redirects where Cadena does not follow: {exc}"
        )
    if _wants_media(url, options):
        result.media = media_with_ytdlp(case, url, fields)
    return result


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CadenaError(f"{url!r} is not an http(s) URL: give the full address, e.g. https://…")


def _network_reason(url: str, exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"the server's certificate for {url} could not be verified ({exc.verify_message}); "
            "if you must keep it anyway, capture with --insecure (the WARC will say so) or "
            "give its authority with --cafile"
        )
    return f"could not fetch {url} ({type(exc).__name__}: {exc}); check the address and the network"


# -- fetching ------------------------------------------------------------------------------


class _TeeRaw(io.RawIOBase):
    """The socket's bytes as read, copied to the raw response record."""

    def __init__(self, sock: socket.socket, sink: IO[bytes]) -> None:
        self.sock, self.sink = sock, sink

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.sock.recv_into(buffer)
        self.sink.write(memoryview(buffer)[:n])
        return n


class _RecordingSocket:
    def __init__(self, sock: socket.socket, sent: IO[bytes], received: IO[bytes]) -> None:
        self._sock, self.sent, self.received = sock, sent, received

    def sendall(self, data: bytes) -> None:
        self.sent.write(data)
        self._sock.sendall(data)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> IO[bytes]:
        return io.BufferedReader(_TeeRaw(self._sock, self.received))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def _context(options: Options) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    if options.cafile:
        ctx.load_verify_locations(cafile=options.cafile)
    if options.insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _connection(url: str, options: Options) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=options.timeout, context=_context(options)
        )
    return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=options.timeout)


def _fetch_once(
    url: str, options: Options, sent: IO[bytes], received: IO[bytes]
) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse, Hop]:
    conn = _connection(url, options)
    conn.connect()
    tls = _tls_info(conn.sock, options) if isinstance(conn.sock, ssl.SSLSocket) else None
    ip = _peer(conn.sock)
    conn.sock = _RecordingSocket(conn.sock, sent, received)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn.request(
        "GET",
        target,
        headers={
            "User-Agent": options.user_agent,
            "Accept": "*/*",
            "Accept-Encoding": "identity",
            "Connection": "close",
        },
    )
    resp = conn.getresponse()
    fetched = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    hop = Hop(url, resp.status, resp.reason, list(resp.getheaders()), ip, fetched, tls)
    return conn, resp, hop


def _peer(sock: Any) -> str | None:
    try:
        return str(sock.getpeername()[0])
    except (OSError, AttributeError, IndexError):
        return None


def _tls_info(sock: ssl.SSLSocket, options: Options) -> dict[str, Any]:
    chain = peer_chain(sock)
    return {
        "version": sock.version(),
        "cipher": (sock.cipher() or ("",))[0],
        "server_name": sock.server_hostname,
        "verified": not options.insecure,
        "verified_against": (
            "system authorities" + (f" + {options.cafile}" if options.cafile else "")
        )
        if not options.insecure
        else "not verified (--insecure)",
        "chain_sha256": [hashlib.sha256(der).hexdigest() for der in chain],
        "chain_pem": [ssl.DER_cert_to_PEM_cert(der) for der in chain],
        "chain_subjects": [_subject(der) for der in chain],
    }


_ENCODING_DER = 2  # _ssl.ENCODING_DER, not exported by `ssl` before 3.13


def peer_chain(sock: ssl.SSLSocket) -> list[bytes]:
    """The certificate chain the server sent, leaf first, as DER."""
    public = getattr(sock, "get_unverified_chain", None)  # Python 3.13+: DER bytes
    if public is not None:
        return [bytes(c) for c in public()]
    private = getattr(getattr(sock, "_sslobj", None), "get_unverified_chain", None)  # 3.10–3.12
    if private is not None:
        try:
            return [c.public_bytes(_ENCODING_DER) for c in (private() or [])]
        except (ssl.SSLError, ValueError, AttributeError, TypeError):
            pass
    leaf = sock.getpeercert(binary_form=True)
    return [leaf] if leaf else []


def _subject(der: bytes) -> str:
    try:
        return x509.load_der_x509_certificate(der).subject.rfc4514_string()
    except ValueError:
        return "(unreadable certificate)"


@dataclass
class _Fetched:
    hops: list[tuple[Hop, bytes, Path]]
    body: streams.Pending


def _capture(case: Case, url: str, fields: SourceFields, options: Options, tmp: Path) -> Captured:
    hops: list[tuple[Hop, bytes, Path]] = []
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        sent = io.BytesIO()
        raw_path = tmp / f"{uuid.uuid4().hex}.response"
        with raw_path.open("wb") as received:
            conn, resp, hop = _fetch_once(current, options, sent, received)
            try:
                location = resp.getheader("Location")
                redirect = resp.status in (301, 302, 303, 307, 308) and location
                if redirect:
                    resp.read(1 << 20)
                else:
                    body = _store_body(case, resp, options, current, fields)
            finally:
                conn.close()
        hops.append((hop, sent.getvalue(), raw_path))
        if not redirect:
            break
        current = urljoin(current, location or "")
        _check_url(current)
    else:
        raise ValueError(f"more than {MAX_REDIRECTS} redirects")
    warc_path = tmp / "capture.warc.gz"
    write_warc(warc_path, hops, fields)
    return _record(case, url, fields, hops, body, warc_path)


class _Limited:
    def __init__(self, resp: http.client.HTTPResponse, limit: int) -> None:
        self.resp, self.limit, self.done = resp, limit, 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.resp.read(n if n > 0 else 1 << 20)
        self.done += len(chunk)
        if self.done > self.limit:
            raise ValueError(f"the body is larger than {self.limit} bytes (the capture limit)")
        return chunk


def _store_body(
    case: Case, resp: http.client.HTTPResponse, options: Options, url: str, fields: SourceFields
) -> streams.Pending:
    name = _file_name(url, resp.getheader("Content-Disposition"))
    record = streams.source_fields(
        fields, original_name=name, original_path=None, method="", extra={}
    )
    return streams.store(case, cast(IO[bytes], _Limited(resp, options.max_bytes)), url, record)


def _file_name(url: str, disposition: str | None) -> str:
    if disposition:
        m = re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)", disposition, re.I)
        if m:
            return unquote(m.group(1)).strip().replace("/", "_")[:255] or "body"
    parts = urlsplit(url)
    last = unquote(parts.path.rsplit("/", 1)[-1])
    return (last or parts.hostname or "body")[:255]


# -- the WARC ------------------------------------------------------------------------------


def write_warc(path: Path, hops: list[tuple[Hop, bytes, Path]], fields: SourceFields) -> None:
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        info = {
            "software": f"Cadena {__version__} ({TOOL})",
            "format": "WARC File Format 1.1",
            "operator": fields.collected_by or "",
            "robots": "ignore (evidence capture of a given URL)",
        }
        writer.write_record(writer.create_warcinfo_record(path.name, info))
        for hop, sent, raw_path in hops:
            _write_hop(writer, hop, sent, raw_path)


def _write_hop(writer: Any, hop: Hop, sent: bytes, raw_path: Path) -> None:
    headers = {"WARC-Date": hop.fetched_at[:19] + "Z"}
    if hop.ip:
        headers["WARC-IP-Address"] = hop.ip
    request = writer.create_warc_record(
        hop.url,
        "request",
        payload=io.BytesIO(sent),
        length=len(sent),
        warc_headers_dict=dict(headers),
    )
    with raw_path.open("rb") as raw:
        response = writer.create_warc_record(
            hop.url,
            "response",
            payload=raw,
            length=raw_path.stat().st_size,
            warc_headers_dict=dict(headers),
        )
        writer.write_request_response_pair(request, response)
    meta = json.dumps(
        {
            "fetched_at": hop.fetched_at,
            "peer_ip": hop.ip,
            "status": hop.status,
            "tls": hop.tls,
            "tool": TOOL,
            "tool_version": __version__,
        },
        indent=1,
        ensure_ascii=False,
    ).encode()
    record = writer.create_warc_record(
        hop.url,
        "metadata",
        payload=io.BytesIO(meta),
        length=len(meta),
        warc_content_type="application/json",
        warc_headers_dict={
            **headers,
            "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
        },
    )
    writer.write_record(record)


# -- recording -----------------------------------------------------------------------------


def _record(
    case: Case,
    url: str,
    fields: SourceFields,
    hops: list[tuple[Hop, bytes, Path]],
    body: streams.Pending,
    warc_path: Path,
) -> Captured:
    last = hops[-1][0]
    with warc_path.open("rb") as f:
        warc = streams.store(case, f, f"{url} (WARC)", {})
    host = urlsplit(url).hostname or ""
    summary = {
        "requested_url": url,
        "final_url": last.url,
        "http_status": last.status,
        "fetched_at": last.fetched_at,
        "peer_ip": last.ip,
        "headers": [list(h) for h in last.headers],
        "redirects": [h.url for h, _, _ in hops[:-1]],
        "warc_sha256": warc.stored.sha256,
        "tls": _tls_summary(last.tls),
    }
    method = f"{fields.method}; cadena capture" if fields.method else "cadena capture (HTTP GET)"
    body.record = streams.source_fields(
        fields,
        original_name=body.record["original_name"],
        original_path=None,
        method=method,
        extra={"capture": summary},
        url=url,
        platform=fields.platform or host,
    )
    warc.record = streams.source_fields(
        fields,
        original_name=f"{_file_name(url, None)}.warc.gz",
        original_path=None,
        method=f"{method}: WARC of the exchange",
        url=url,
        platform=fields.platform or host,
        extra={
            "capture": {
                "body_sha256": body.stored.sha256,
                "requested_url": url,
                "fetched_at": last.fetched_at,
                "role": "WARC of the capture",
            }
        },
    )
    with case.session() as s:
        s.execute(select(CustodyHead.id).where(CustodyHead.id == 1).with_for_update())
        body_out = streams.record_one(case, s, body)
        warc_out = streams.record_one(case, s, warc)
        case.log(
            s,
            "capture",
            body.stored.sha256,
            {
                "url": url,
                "final_url": last.url,
                "http_status": last.status,
                "fetched_at": last.fetched_at,
                "warc": warc.stored.sha256,
                "body": body.stored.sha256,
                "certificate_sha256": (last.tls or {}).get("chain_sha256", [None])[0]
                if last.tls
                else None,
                "tool": TOOL,
                "tool_version": __version__,
            },
        )
    return Captured(
        url,
        "captured",
        body_out,
        warc_out,
        http_status=last.status,
        final_url=last.url,
        reason=None if last.status < 400 else f"the server answered {last.status} {last.reason}",
    )


def _tls_summary(tls: dict[str, Any] | None) -> dict[str, Any] | None:
    if not tls:
        return None
    return {
        k: tls[k]
        for k in (
            "version",
            "cipher",
            "server_name",
            "verified",
            "verified_against",
            "chain_sha256",
            "chain_subjects",
        )
    }


# -- platform media through yt-dlp ---------------------------------------------------------


def ytdlp_available() -> bool:
    try:
        import yt_dlp  # noqa: F401
    except ImportError:
        return False
    return True


def _wants_media(url: str, options: Options) -> bool:
    if options.media is False or not ytdlp_available():
        return False
    return bool(options.media) or bool(PLATFORM_HOSTS.search(urlsplit(url).hostname or ""))


def media_with_ytdlp(case: Case, url: str, fields: SourceFields) -> list[Outcome]:
    """Platform media via yt-dlp: each file an item, its info JSON a derivative of it."""
    import yt_dlp

    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="cadena-ytdlp-") as tmp:
        opts = {
            "outtmpl": f"{tmp}/%(id)s.%(ext)s",
            "quiet": True,
            "no_warnings": True,
            "noprogress": True,
            "writeinfojson": True,
            "noplaylist": True,
            "restrictfilenames": True,
        }
        try:
            with yt_dlp.YoutubeDL(opts) as ydl:
                info = ydl.extract_info(url, download=True)
        except Exception as exc:  # yt-dlp raises DownloadError and many of its own
            return [Outcome(url, "refused", reason=f"yt-dlp could not fetch media from it: {exc}")]
        version = yt_dlp.version.__version__
        for media, info_json in _ytdlp_files(Path(tmp)):
            outcomes.append(_record_media(case, url, fields, media, info_json, info, version))
    return outcomes


def _ytdlp_files(folder: Path) -> Iterator[tuple[Path, Path | None]]:
    for media in sorted(folder.iterdir()):
        if media.name.endswith((".info.json", ".part", ".ytdl")) or not media.is_file():
            continue
        info = media.with_name(media.name.rsplit(".", 1)[0] + ".info.json")
        yield media, info if info.exists() else None


def _record_media(
    case: Case,
    url: str,
    fields: SourceFields,
    media: Path,
    info_json: Path | None,
    info: Any,
    version: str,
) -> Outcome:
    meta = info if isinstance(info, dict) else {}
    extra = {
        "ytdlp": {
            "id": meta.get("id"),
            "extractor": meta.get("extractor_key"),
            "webpage_url": meta.get("webpage_url"),
            "title": meta.get("title"),
            "uploader": meta.get("uploader"),
            "upload_date": meta.get("upload_date"),
            "yt_dlp_version": version,
        }
    }
    record = streams.source_fields(
        fields,
        original_name=media.name,
        original_path=None,
        method="cadena capture (yt-dlp)",
        extra=extra,
        url=url,
        platform=fields.platform or meta.get("extractor_key"),
        account=fields.account or meta.get("uploader") or meta.get("channel"),
        posted_at=fields.posted_at or _upload_time(meta),
    )
    with media.open("rb") as f:
        pending = streams.store(case, f, media.name, record)
    with case.session() as s:
        s.execute(select(CustodyHead.id).where(CustodyHead.id == 1).with_for_update())
        outcome = streams.record_one(case, s, pending)
        if info_json is not None and outcome.sha256:
            case.add_derivative(
                s,
                outcome.sha256,
                info_json,
                kind="ytdlp-info",
                tool="yt-dlp",
                tool_version=version,
                params={"url": url},
                media_type="application/json",
            )
    return outcome


def _upload_time(meta: dict[str, Any]) -> str | None:
    ts = meta.get("timestamp")
    if isinstance(ts, int | float):
        with contextlib.suppress(OverflowError, OSError, ValueError):
            return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    day = meta.get("upload_date")
    if isinstance(day, str) and re.fullmatch(r"\d{8}", day):
        return f"{day[:4]}-{day[4:6]}-{day[6:]}"
    return None


def fingerprint(pem: str) -> str:
    """SHA-256 of a PEM certificate's DER, as browsers show it."""
    cert = x509.load_pem_x509_certificate(pem.encode())
    return cert.fingerprint(hashes.SHA256()).hex()
