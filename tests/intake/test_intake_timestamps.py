"""RFC 3161 timestamps against a local authority: `openssl ts -reply` behind a tiny HTTP server,
with its certificate authority and timestamping certificate made here with `cryptography`."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import select, update

from cadena.errors import CadenaError
from cadena.intake.timestamps import (
    Authority,
    Timestamp,
    TokenError,
    _check_bound,
    check_timestamps,
    imprint_of,
    stamp_head,
)
from cadena.vault.case import Case
from cadena.vault.models import CustodyEntry


def _cert(
    subject: str,
    issuer: x509.Name | None,
    key: rsa.RSAPrivateKey,
    signer: rsa.RSAPrivateKey,
    ca: bool,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture(scope="module")
def tsa_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("tsa")
    pem = serialization.Encoding.PEM
    ca_key = rsa.generate_private_key(65537, 2048)
    ca = _cert("Cadena Test TSA Root", None, ca_key, ca_key, True)
    key = rsa.generate_private_key(65537, 2048)
    cert = _cert("Cadena Test TSA", ca.subject, key, ca_key, False)
    (d / "ca.pem").write_bytes(ca.public_bytes(pem))
    (d / "tsa.pem").write_bytes(cert.public_bytes(pem))
    (d / "tsa.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    other_key = rsa.generate_private_key(65537, 2048)
    (d / "other-ca.pem").write_bytes(
        _cert("Someone else", None, other_key, other_key, True).public_bytes(pem)
    )
    (d / "serial").write_text("01\n")
    (d / "tsa.cnf").write_text(f"""
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = {d}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
""")
    return d


def _handler(d: Path) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the standard library's name
            query = self.rfile.read(int(self.headers["Content-Length"]))
            with tempfile.TemporaryDirectory() as tmp:
                (Path(tmp) / "q.tsq").write_bytes(query)
                done = subprocess.run(
                    [
                        "openssl",
                        "ts",
                        "-reply",
                        "-config",
                        str(d / "tsa.cnf"),
                        "-queryfile",
                        f"{tmp}/q.tsq",
                        "-out",
                        f"{tmp}/r.tsr",
                    ],
                    capture_output=True,
                )
                reply = (Path(tmp) / "r.tsr").read_bytes() if done.returncode == 0 else b""
            self.send_response(200 if reply else 500)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def tsa_url(tsa_dir: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(tsa_dir))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    server.shutdown()
    server.server_close()


def test_token_checked_and_tampering_found(
    case: Case, tsa_url: str, tsa_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CADENA_TSA_CA", str(tsa_dir / "ca.pem"))
    row = stamp_head(case, Authority(tsa_url, tsa_dir / "ca.pem"))
    assert row.seq == 1 and len(row.token) > 500
    assert check_timestamps(case) == []
    with case.session(write=False) as s:
        logged = (
            s.execute(select(CustodyEntry).where(CustodyEntry.action == "timestamp"))
            .scalars()
            .one()
        )
        first = s.execute(select(CustodyEntry).where(CustodyEntry.seq == 1)).scalars().one()
    assert logged.seq == 2 and f'"token_sha256":"{row.token_sha256}"' in logged.details

    # an outsider checks the same token with OpenSSL alone
    token_file = tsa_dir / "token.tsr"
    token_file.write_bytes(row.token)
    outside = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-token_in",
            "-in",
            str(token_file),
            "-digest",
            imprint_of(1, first.entry_hash).hex(),
            "-CAfile",
            str(tsa_dir / "ca.pem"),
        ],
        capture_output=True,
        text=True,
    )
    assert "Verification: OK" in outside.stdout, outside.stderr

    # the signed attributes bind the signer's certificate: another one cannot stand in for it
    attrs = cms.ContentInfo.load(row.token)["content"]["signer_infos"][0]["signed_attrs"]
    other = x509.load_pem_x509_certificate((tsa_dir / "ca.pem").read_bytes())
    with pytest.raises(TokenError, match="names another certificate"):
        _check_bound(attrs, other)

    # a flipped byte inside the token's signed content (the authority's time) is found
    tampered = bytearray(row.token)
    at = tampered.index(row.gen_time[:4].encode())  # GeneralizedTime starts with the year
    tampered[at + 3] ^= 0x01
    with case.session() as s:
        s.execute(update(Timestamp).where(Timestamp.id == row.id).values(token=bytes(tampered)))
    kinds = {(f.kind, f.place) for f in check_timestamps(case)}
    assert ("timestamp_invalid", "timestamp #1 (custody entry #1)") in kinds
    assert ("timestamp_edited", "timestamp #1 (custody entry #1)") in kinds


def test_rewritten_log_and_foreign_authority_found(
    case: Case, tsa_url: str, tsa_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = stamp_head(case, Authority(tsa_url))
    monkeypatch.setenv("CADENA_TSA_CA", str(tsa_dir / "other-ca.pem"))
    found = check_timestamps(case)
    assert [f.kind for f in found] == ["timestamp_invalid"]
    assert "not issued by the configured timestamp authority" in found[0].detail
    monkeypatch.setenv("CADENA_TSA_CA", str(tsa_dir / "ca.pem"))
    with case.session() as s:  # someone rewrites the stamped entry's hash
        s.execute(
            update(CustodyEntry)
            .where(CustodyEntry.seq == row.seq)
            .values(entry_hash=hashlib.sha256(b"forged").hexdigest())
        )
    assert [f.kind for f in check_timestamps(case)] == ["timestamp_mismatch"]
    with case.session() as s:
        s.execute(Timestamp.__table__.delete())
    assert [f.kind for f in check_timestamps(case)] == ["timestamp_deleted"]


def test_unreachable_or_wrong_authority_is_a_clear_error(case: Case) -> None:
    with pytest.raises(CadenaError, match="could not reach the timestamp authority"):
        stamp_head(case, Authority("http://127.0.0.1:1/tsa"))
