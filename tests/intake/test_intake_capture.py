"""Web capture against local HTTP and HTTPS servers (a certificate authority and a server
certificate made here with `cryptography`): the body is an item, and a WARC reader finds in the
WARC item the request, the response and the server's certificate chain."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import ssl
import threading
from collections.abc import Iterator
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from cadena.intake.capture import Options, capture
from cadena.intake.files import SourceFields
from cadena.vault.case import Case
from cadena.vault.models import CustodyEntry, Derivative, Source
from cadena.vault.verify import verify

PAGE = b"<html><body><h1>Comunicado</h1><p>El operativo fue autorizado.</p></body></html>"
VIDEO = bytes(range(256)) * 400


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        if self.path == "/to-ftp":
            self.send_response(301)
            self.send_header("Location", "ftp://127.0.0.1/file")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/old":
            self.send_response(302)
            self.send_header("Location", "/comunicado.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/comunicado.html":
            self._send(200, PAGE, "text/html; charset=utf-8")
        elif self.path == "/video":
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Disposition", 'attachment; filename="marcha.mp4"')
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(VIDEO), 30_000):
                part = VIDEO[i : i + 30_000]
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self._send(404, b"gone", "text/plain")

    def _send(self, code: int, body: bytes, kind: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _serve(server: http.server.ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def http_server() -> Iterator[str]:
    yield from _serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler))


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Cadena test"),
        ]
    )


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tls")
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Cadena Test CA"))
        .issuer_name(_name("Cadena Test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "chain.pem").write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    (folder / "key.pem").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return {
        "ca": folder / "ca.pem",
        "chain": folder / "chain.pem",
        "key": folder / "key.pem",
        "leaf_der": _der(leaf),
        "ca_der": _der(ca),
    }  # type: ignore[dict-item]


def _der(cert: x509.Certificate) -> Path:
    return cert.public_bytes(serialization.Encoding.DER)  # type: ignore[return-value]


@pytest.fixture
def https_server(tls_files: dict[str, Path]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tls_files["chain"], tls_files["key"])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    yield from _serve(server)


def _records(case: Case, sha: str) -> list[tuple[str, str | None, bytes, dict[str, str]]]:
    out = []
    with case.blobs.open(sha) as f:
        for rec in ArchiveIterator(f):
            headers = dict(rec.rec_headers.headers)
            if rec.http_headers is not None:
                headers["http"] = rec.http_headers.to_str()
            out.append(
                (
                    rec.rec_type,
                    rec.rec_headers.get_header("WARC-Target-URI"),
                    rec.content_stream().read(),
                    headers,
                )
            )
    return out


def _source(case: Case, sha: str) -> Source:
    with case.session(write=False) as s:
        return s.execute(select(Source).where(Source.item_sha256 == sha)).scalars().one()


def test_https_capture_keeps_certificate_chain_in_warc(
    case: Case, https_server: str, tls_files: dict[str, Path]
) -> None:
    url = f"https://{https_server}/old"
    got = capture(
        case, url, SourceFields(collected_by="Investigator R"), Options(cafile=str(tls_files["ca"]))
    )
    assert got.status == "captured", got.reason
    assert got.http_status == 200 and got.final_url == f"https://{https_server}/comunicado.html"
    assert got.body and got.body.sha256 and got.warc and got.warc.sha256
    assert case.blobs.local_path(got.body.sha256).read_bytes() == PAGE
    records = _records(case, got.warc.sha256)
    kinds = [r[0] for r in records]
    # warcio's order for a pair: the response, then the request concurrent to it
    assert kinds == [
        "warcinfo",
        "response",
        "request",
        "metadata",
        "response",
        "request",
        "metadata",
    ]
    assert records[2][3]["http"].startswith("GET /old HTTP/1.1\r\n")
    assert "User-Agent: Cadena/" in records[2][3]["http"]
    assert records[4][2] == PAGE  # the final response's payload, as a WARC reader gives it
    meta = json.loads(records[6][2])
    assert meta["tls"]["verified"] is True
    chain = [x509.load_pem_x509_certificate(p.encode()) for p in meta["tls"]["chain_pem"]]
    assert [c.public_bytes(serialization.Encoding.DER) for c in chain] == [
        tls_files["leaf_der"],
        tls_files["ca_der"],
    ]
    assert "WARC-Concurrent-To" in records[6][3]
    src = _source(case, got.body.sha256)
    assert src.url == url and src.original_name == "comunicado.html"
    assert src.extra["capture"]["warc_sha256"] == got.warc.sha256
    assert src.extra["capture"]["redirects"] == [url]
    with case.session(write=False) as s:
        entry = (
            s.execute(select(CustodyEntry).where(CustodyEntry.action == "capture")).scalars().one()
        )
    assert json.loads(entry.details)["warc"] == got.warc.sha256
    assert verify(case).clean


def test_unverifiable_certificate_refused_unless_insecure(case: Case, https_server: str) -> None:
    url = f"https://{https_server}/comunicado.html"
    failed = capture(case, url)
    assert failed.status == "failed" and "--insecure" in (failed.reason or "")
    got = capture(case, url, options=Options(insecure=True))
    assert got.status == "captured" and got.warc and got.warc.sha256
    meta = json.loads([r for r in _records(case, got.warc.sha256) if r[0] == "metadata"][0][2])
    assert meta["tls"]["verified"] is False and len(meta["tls"]["chain_pem"]) == 2


def test_http_chunked_media_and_missing_page(case: Case, http_server: str) -> None:
    got = capture(case, f"http://{http_server}/video")
    assert got.status == "captured" and got.body and got.body.sha256
    assert case.blobs.local_path(got.body.sha256).read_bytes() == VIDEO
    assert _source(case, got.body.sha256).original_name == "marcha.mp4"
    assert got.warc and got.warc.sha256
    response = [r for r in _records(case, got.warc.sha256) if r[0] == "response"][0]
    assert response[2] == VIDEO  # de-chunked by the WARC reader from the raw bytes kept
    gone = capture(case, f"http://{http_server}/deleted-post")
    assert gone.status == "captured" and gone.http_status == 404 and "404" in (gone.reason or "")
    refused = capture(case, "http://127.0.0.1:1/nothing-listens")
    assert refused.status == "failed" and "could not fetch" in (refused.reason or "")
    assert verify(case).clean


def test_media_through_ytdlp_keeps_info_json_as_derivative(case: Case, http_server: str) -> None:
    url = f"http://{http_server}/video"
    got = capture(case, url, options=Options(media=True))
    assert got.status == "captured" and len(got.media) == 1
    media = got.media[0]
    assert media.sha256 == (
        got.body.sha256 if got.body else None
    )  # the same bytes, a second source
    with case.session(write=False) as s:
        sources = (
            s.execute(select(Source).where(Source.item_sha256 == media.sha256)).scalars().all()
        )
        derivative = (
            s.execute(select(Derivative).where(Derivative.item_sha256 == media.sha256))
            .scalars()
            .one()
        )
    assert {src.method for src in sources} == {
        "cadena capture (HTTP GET)",
        "cadena capture (yt-dlp)",
    }
    assert derivative.kind == "ytdlp-info" and derivative.tool == "yt-dlp"
    info = json.loads(case.blobs.local_path(derivative.sha256).read_text("utf-8"))
    assert info["webpage_url"] == url
    assert verify(case).clean
