"""TLS for the peer and operator APIs: a self-signed certificate per node, pinned by peers.

There is no certificate authority both rivals would trust, so each node makes
its own certificate at ``node init`` and the invitation carries it; a peer
trusts exactly that certificate (pinning) and nothing else. The certificate's
SHA-256 fingerprint is shown with the key fingerprint for comparison out of
band. The TLS private key is stored encrypted with the node's passphrase.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from detente.errors import ConfigError

VALID_DAYS = 3 * 365


def make_certificate(
    party: str, name: str, hosts: list[str], passphrase: bytes
) -> tuple[bytes, bytes]:
    """A self-signed P-256 certificate for ``hosts``; returns (cert PEM, encrypted key PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"detente-{party}"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name[:64]),
        ]
    )
    alt_names: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts):
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alt_names.append(x509.DNSName(host))
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def fingerprint(cert_pem: str | bytes) -> str:
    """SHA-256 of the certificate's DER, in groups of four for reading aloud."""
    data = cert_pem.encode() if isinstance(cert_pem, str) else cert_pem
    try:
        cert = x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise ConfigError("not a PEM certificate", field="tls_cert") from exc
    digest = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def pinned_context(cert_pem: str) -> ssl.SSLContext:
    """A client context that trusts exactly this certificate and nothing else."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=cert_pem)
    # The pinned certificate is the identity; host names are not what we trust.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_REQUIRED
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
