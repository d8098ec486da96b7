"""Trusted timestamps (RFC 3161) of the custody log's head: proof from an outside authority that
the log, up to a given entry, existed at a given time.

What is stamped is the SHA-256 of `cadena-custody-head-v1:<seq>:<entry_hash>` (the head's number
and hash), so an outsider checks a token with nothing but OpenSSL:
`openssl ts -verify -digest <imprint> -in token.tsr -CAfile tsa-ca.pem`. The token (the
authority's signed `TimeStampToken`, DER) is stored in its own table and a signed `timestamp`
custody entry records it; the authority is contacted only when `cadena timestamp` is run, at the
URL configured (`--tsa URL`, else `CADENA_TSA_URL`, else `[timestamp] url` in cadena.toml).

`check_timestamps(case)` re-checks every token: it parses, its imprint is the one of the custody
entry it names, that entry still has the hash that was stamped, the authority's signature over it
holds, the signer may sign timestamps, and (when `CADENA_TSA_CA` / `[timestamp] ca_file` names the
authority's certificate) the signer was issued by it. Each failure is a `Finding` with its place.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import secrets
import tomllib
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from asn1crypto import algos, cms, core, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from sqlalchemy import Integer, LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from cadena.config import CASE_FILE
from cadena.db import Base
from cadena.errors import CadenaError
from cadena.vault import custody
from cadena.vault.case import Case
from cadena.vault.custody import Finding
from cadena.vault.models import CustodyEntry, CustodyHead

URL_ENV = "CADENA_TSA_URL"
CA_ENV = "CADENA_TSA_CA"
PREFIX = "cadena-custody-head-v1"
TIMEOUT = 30.0
MAX_REPLY = 1 << 20
TIMESTAMPING_EKU = x509.oid.ExtendedKeyUsageOID.TIME_STAMPING
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


class Timestamp(Base):
    """One RFC 3161 token over the custody log's head."""

    __tablename__ = "intake_timestamp"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)  # the custody entry stamped
    entry_hash: Mapped[str] = mapped_column(String(64))
    imprint: Mapped[str] = mapped_column(String(64))  # SHA-256 hex sent to the authority
    tsa_url: Mapped[str] = mapped_column(Text)
    token: Mapped[bytes] = mapped_column(LargeBinary)  # TimeStampToken (CMS ContentInfo), DER
    token_sha256: Mapped[str] = mapped_column(String(64))
    gen_time: Mapped[str] = mapped_column(String(40))  # the authority's time, UTC
    serial: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[str] = mapped_column(String(32))


@dataclass(frozen=True)
class Authority:
    url: str
    ca_file: Path | None = None


@dataclass(frozen=True)
class TokenInfo:
    gen_time: str
    serial: str
    policy: str
    imprint: str
    nonce: int | None
    signer: str


class _ESSCertIDv2(core.Sequence):
    _fields = [  # noqa: RUF012 - asn1crypto's declaration style
        ("hash_algorithm", algos.DigestAlgorithm, {"default": {"algorithm": "sha256"}}),
        ("cert_hash", core.OctetString),
        ("issuer_serial", core.Any, {"optional": True}),
    ]


class _ESSCertID(core.Sequence):
    _fields = [("cert_hash", core.OctetString), ("issuer_serial", core.Any, {"optional": True})]  # noqa: RUF012


class _CertIDsV2(core.SequenceOf):
    _child_spec = _ESSCertIDv2


class _CertIDs(core.SequenceOf):
    _child_spec = _ESSCertID


class _SigningCertificateV2(core.Sequence):
    _fields = [("certs", _CertIDsV2), ("policies", core.Any, {"optional": True})]  # noqa: RUF012


class _SigningCertificate(core.Sequence):
    _fields = [("certs", _CertIDs), ("policies", core.Any, {"optional": True})]  # noqa: RUF012


SIGNING_CERTIFICATE = "1.2.840.113549.1.9.16.2.12"
SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"


class TokenError(Exception):
    """A token that does not hold: the reason says what failed."""


def imprint_of(seq: int, entry_hash: str) -> bytes:
    return hashlib.sha256(f"{PREFIX}:{seq}:{entry_hash}".encode("ascii")).digest()


# -- configuration -------------------------------------------------------------------------


def authority(
    case: Case, url: str | None = None, ca_file: str | Path | None = None
) -> Authority | None:
    """The configured authority: arguments, else the environment, else cadena.toml's [timestamp]."""
    table = _toml(case)
    url = url or os.environ.get(URL_ENV) or table.get("url")
    if not url:
        return None
    if urlsplit(str(url)).scheme not in ("http", "https"):
        raise CadenaError(f"the timestamp authority {url!r} is not an http(s) URL")
    return Authority(str(url), Path(ca_file) if ca_file else trust_file(case))


def trust_file(case: Case) -> Path | None:
    """The authority's certificate (PEM) that tokens must chain to, if one is configured."""
    ca = os.environ.get(CA_ENV) or _toml(case).get("ca_file")
    if not ca:
        return None
    path = Path(str(ca))
    return path if path.is_absolute() else case.config.root / path


def _toml(case: Case) -> dict[str, Any]:
    try:
        data = tomllib.loads((case.config.root / CASE_FILE).read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    table = data.get("timestamp", {})
    return table if isinstance(table, dict) else {}


# -- requesting ----------------------------------------------------------------------------


def request_der(imprint: bytes, nonce: int) -> bytes:
    req = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": imprint,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )
    return bytes(req.dump())


def _post(url: str, body: bytes) -> bytes:
    import ssl

    parts = urlsplit(url)
    if parts.scheme == "https":
        # The connection is checked against the system's authorities; the token, which is what
        # proves anything, is checked against the timestamp authority's own certificate after.
        ctx = ssl.create_default_context()
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=TIMEOUT, context=ctx
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=TIMEOUT)
    try:
        conn.request(
            "POST",
            (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
            body,
            {
                "Content-Type": "application/timestamp-query",
                "Accept": "application/timestamp-reply",
            },
        )
        resp = conn.getresponse()
        data = resp.read(MAX_REPLY + 1)
    finally:
        conn.close()
    if resp.status != 200:
        raise CadenaError(f"the timestamp authority at {url} answered {resp.status} {resp.reason}")
    if len(data) > MAX_REPLY:
        raise CadenaError(f"the timestamp authority at {url} sent an oversized reply")
    return data


def token_from_reply(reply: bytes) -> bytes:
    """The TimeStampToken inside a TimeStampResp, or a CadenaError saying why there is none."""
    try:
        resp = tsp.TimeStampResp.load(reply, strict=True)
        status = resp["status"]["status"].native
        if status not in ("granted", "granted_with_mods"):
            text = (
                resp["status"]["status_string"].native if resp["status"]["status_string"] else None
            )
            raise CadenaError(f"the timestamp authority refused: {status} {text or ''}".strip())
        token = resp["time_stamp_token"]
        if not token or token.native is None:
            raise CadenaError("the timestamp authority's reply holds no token")
        return bytes(token.dump())
    except (ValueError, TypeError, KeyError) as exc:
        raise CadenaError(
            f"the timestamp authority's reply is not an RFC 3161 response ({exc})"
        ) from exc


def stamp_head(case: Case, tsa: Authority) -> Timestamp:
    """Timestamp the custody log's head now; store the token and log a `timestamp` entry."""
    with case.session(write=False) as s:
        head = s.get(CustodyHead, 1)
        if head is None or head.seq == 0:
            raise CadenaError("the custody log is empty: nothing to timestamp")
        seq, entry_hash = head.seq, head.entry_hash
    imprint = imprint_of(seq, entry_hash)
    nonce = secrets.randbits(63)
    requested_at = custody.now()
    try:
        reply = _post(tsa.url, request_der(imprint, nonce))
    except (OSError, http.client.HTTPException) as exc:
        raise CadenaError(
            f"could not reach the timestamp authority at {tsa.url} ({exc}); "
            "check the URL (--tsa, CADENA_TSA_URL, or url in the timestamp table of cadena.toml)"
        ) from exc
    token = token_from_reply(reply)
    try:
        info = verify_token(token, imprint, _trust(tsa.ca_file))
    except TokenError as exc:
        raise CadenaError(f"the timestamp authority's token does not hold: {exc}") from exc
    if info.nonce != nonce:
        raise CadenaError("the timestamp authority's token answers another request (nonce differs)")
    row = Timestamp(
        seq=seq,
        entry_hash=entry_hash,
        imprint=imprint.hex(),
        tsa_url=tsa.url,
        token=token,
        token_sha256=hashlib.sha256(token).hexdigest(),
        gen_time=info.gen_time,
        serial=info.serial,
        requested_at=requested_at,
    )
    with case.session() as s:
        s.add(row)
        s.flush()
        case.log(
            s,
            "timestamp",
            None,
            {
                "timestamp_id": row.id,
                "seq": seq,
                "entry_hash": entry_hash,
                "imprint": row.imprint,
                "tsa_url": tsa.url,
                "token_sha256": row.token_sha256,
                "gen_time": info.gen_time,
                "serial": info.serial,
                "policy": info.policy,
                "signer": info.signer,
            },
        )
    return row


# -- checking ------------------------------------------------------------------------------


def _trust(ca_file: Path | None) -> list[x509.Certificate] | None:
    if ca_file is None:
        return None
    try:
        return x509.load_pem_x509_certificates(ca_file.read_bytes())
    except (OSError, ValueError) as exc:
        raise CadenaError(
            f"cannot read the timestamp authority's certificate {ca_file} ({exc})"
        ) from exc


def verify_token(token: bytes, imprint: bytes, trust: list[x509.Certificate] | None) -> TokenInfo:
    """Check a TimeStampToken over `imprint`; raise TokenError naming what fails."""
    try:
        content = cms.ContentInfo.load(token, strict=True)
        if content["content_type"].native != "signed_data":
            raise TokenError("it is not CMS signed data")
        signed = content["content"]
        encap = signed["encap_content_info"]
        if encap["content_type"].native != "tst_info":
            raise TokenError("it does not hold a TSTInfo")
        tst_der = bytes(encap["content"].contents)
        tst = tsp.TSTInfo.load(tst_der, strict=True)
        info = _tst_info(tst)
        signers = list(signed["signer_infos"])
        certs = [
            x509.load_der_x509_certificate(c.chosen.dump())
            for c in (signed["certificates"] or [])
            if c.name == "certificate"
        ]
    except TokenError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise TokenError(f"it cannot be parsed ({type(exc).__name__}: {exc})") from exc
    if info.imprint != imprint.hex():
        raise TokenError("it stamps another value than this custody head")
    if len(signers) != 1:
        raise TokenError(f"it has {len(signers)} signers, not one")
    signer_cert = _check_signer(signers[0], tst_der, certs)
    if trust is not None:
        _check_issued(signer_cert, certs, trust)
    return TokenInfo(
        info.gen_time,
        info.serial,
        info.policy,
        info.imprint,
        info.nonce,
        signer_cert.subject.rfc4514_string(),
    )


def _tst_info(tst: tsp.TSTInfo) -> TokenInfo:
    mi = tst["message_imprint"]
    if mi["hash_algorithm"]["algorithm"].native != "sha256":
        raise TokenError("its imprint is not SHA-256")
    gen = tst["gen_time"].native.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    nonce = tst["nonce"].native if tst["nonce"].native is not None else None
    return TokenInfo(
        gen,
        str(tst["serial_number"].native),
        str(tst["policy"].native),
        bytes(mi["hashed_message"].native).hex(),
        nonce,
        "",
    )


def _check_signer(
    si: cms.SignerInfo, tst_der: bytes, certs: list[x509.Certificate]
) -> x509.Certificate:
    digest_name = si["digest_algorithm"]["algorithm"].native
    algo = _HASHES.get(digest_name)
    if algo is None:
        raise TokenError(f"its digest algorithm {digest_name} is not supported")
    attrs = si["signed_attrs"]
    if not attrs:
        raise TokenError("it has no signed attributes")
    digests = [a["values"][0].native for a in attrs if a["type"].native == "message_digest"]
    h = hashes.Hash(algo())
    h.update(tst_der)
    if digests != [h.finalize()]:
        raise TokenError("its signed digest does not match its content: the content was altered")
    cert = _find_cert(si["sid"], certs)
    signed_bytes = b"\x31" + bytes(attrs.dump())[1:]  # signed over as a SET, not as [0]
    _verify_signature(
        cert,
        bytes(si["signature"].native),
        signed_bytes,
        algo(),
        si["signature_algorithm"]["algorithm"].native,
    )
    _check_bound(attrs, cert)
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        eku = None
    if eku is None or TIMESTAMPING_EKU not in eku:
        raise TokenError("its signer's certificate is not one for timestamping")
    return cert


def _check_bound(attrs: cms.CMSAttributes, cert: x509.Certificate) -> None:
    """RFC 3161 §2.4.1: the signed attributes name the signer's certificate by its hash, so no
    other certificate with the same key or serial can stand in for it."""
    der = cert.public_bytes(serialization.Encoding.DER)
    for attr in attrs:
        oid = attr["type"].dotted
        if oid not in (SIGNING_CERTIFICATE, SIGNING_CERTIFICATE_V2):
            continue
        raw = attr["values"][0].dump()
        try:
            if oid == SIGNING_CERTIFICATE_V2:
                first = _SigningCertificateV2.load(raw)["certs"][0]
                algo = _HASHES.get(first["hash_algorithm"]["algorithm"].native)
            else:
                first = _SigningCertificate.load(raw)["certs"][0]
                algo = hashes.SHA1
            expected = bytes(first["cert_hash"].native)
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise TokenError(f"its signing-certificate attribute cannot be read ({exc})") from exc
        if algo is None:
            raise TokenError("its signing-certificate attribute uses an unknown hash")
        h = hashes.Hash(algo())
        h.update(der)
        if h.finalize() != expected:
            raise TokenError("its signing-certificate attribute names another certificate")
        return
    raise TokenError("it has no signing-certificate attribute binding its signer (RFC 3161)")


def _find_cert(sid: cms.SignerIdentifier, certs: list[x509.Certificate]) -> x509.Certificate:
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            if cert.serial_number == sid.chosen["serial_number"].native:
                return cert
        else:
            try:
                ski = cert.extensions.get_extension_for_class(
                    x509.SubjectKeyIdentifier
                ).value.digest
            except x509.ExtensionNotFound:
                continue
            if ski == sid.chosen.native:
                return cert
    raise TokenError("its signer's certificate is not in it (request tokens with certificates)")


def _verify_signature(
    cert: x509.Certificate, signature: bytes, data: bytes, algo: hashes.HashAlgorithm, sig_name: str
) -> None:
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            if "pss" in sig_name:
                key.verify(signature, data, padding.PSS(padding.MGF1(algo), padding.PSS.AUTO), algo)
            else:
                key.verify(signature, data, padding.PKCS1v15(), algo)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algo))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        else:
            raise TokenError(f"its signer's key type {type(key).__name__} is not supported")
    except InvalidSignature as exc:
        raise TokenError("the authority's signature does not hold: the token was altered") from exc


def _check_issued(
    cert: x509.Certificate, certs: list[x509.Certificate], trust: list[x509.Certificate]
) -> None:
    # Walk up through the token's own certificates until one is issued by a trusted certificate.
    current, seen = cert, 0
    while seen < 5:
        for anchor in trust:
            if current == anchor or _issued_by(current, anchor):
                return
        parents = [c for c in certs if c != current and _issued_by(current, c)]
        if not parents:
            break
        current, seen = parents[0], seen + 1
    raise TokenError("its signer was not issued by the configured timestamp authority")


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def check_timestamps(case: Case) -> list[Finding]:
    """Every stored token re-checked against the custody log (for `cadena verify`)."""
    with case.session(write=False) as s:
        rows = list(s.execute(select(Timestamp).order_by(Timestamp.id)).scalars())
        entries = {e.seq: e for e in custody.entries_in_order(s)}
    ca_file = trust_file(case)
    trust = _trust(ca_file) if ca_file and ca_file.exists() else None
    logged = _logged(entries.values())
    findings: list[Finding] = []
    for row in rows:
        findings.extend(_check_row(row, entries, logged, trust))
    for tid in sorted(set(logged) - {r.id for r in rows}):
        findings.append(
            Finding(
                "timestamp_deleted",
                f"timestamp #{tid}",
                "custody records this timestamp but its token is gone",
            )
        )
    return findings


def _logged(entries: Any) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for e in entries:
        if e.action != "timestamp":
            continue
        try:
            details = json.loads(e.details)
        except ValueError:
            continue
        if isinstance(details, dict) and isinstance(details.get("timestamp_id"), int):
            out[details["timestamp_id"]] = details
    return out


def _check_row(
    row: Timestamp,
    entries: dict[int, CustodyEntry],
    logged: dict[int, dict[str, Any]],
    trust: list[x509.Certificate] | None,
) -> list[Finding]:
    place = f"timestamp #{row.id} (custody entry #{row.seq})"
    found: list[Finding] = []
    record = logged.get(row.id)
    if record is None:
        found.append(Finding("timestamp_unlogged", place, "no custody entry records this token"))
    elif record.get("token_sha256") != hashlib.sha256(row.token).hexdigest():
        found.append(
            Finding("timestamp_edited", place, "the token differs from the one custody recorded")
        )
    entry = entries.get(row.seq)
    if entry is None or entry.entry_hash != row.entry_hash:
        found.append(
            Finding(
                "timestamp_mismatch",
                place,
                "the custody entry that was stamped is gone or no longer has the stamped hash",
            )
        )
    try:
        verify_token(row.token, imprint_of(row.seq, row.entry_hash), trust)
    except TokenError as exc:
        found.append(Finding("timestamp_invalid", place, str(exc)))
    return found


def export_token(case: Case, timestamp_id: int, out: Path) -> Path:
    """Write a token to a `.tsr`-style file for an outside check with `openssl ts -verify`."""
    with case.session(write=False) as s:
        row = s.get(Timestamp, timestamp_id)
        if row is None:
            raise CadenaError(f"no timestamp #{timestamp_id} in this case")
        out.write_bytes(row.token)
    return out


def list_timestamps(case: Case) -> list[dict[str, Any]]:
    with case.session(write=False) as s:
        rows = list(s.execute(select(Timestamp).order_by(Timestamp.id)).scalars())
    return [
        {
            "id": r.id,
            "seq": r.seq,
            "entry_hash": r.entry_hash,
            "imprint": r.imprint,
            "tsa_url": r.tsa_url,
            "gen_time": r.gen_time,
            "serial": r.serial,
            "token_sha256": r.token_sha256,
        }
        for r in rows
    ]
