"""A certificate authority made at start, so the token endpoint can serve real HTTPS.

MSAL only talks to `https://` authorities and verifies certificates, so the Entra
simulator needs a certificate that a client can trust without turning verification off.
`create_sandbox_tls` makes a fresh CA with trustme, issues a server certificate for
127.0.0.1 (and `localhost`) and writes the CA certificate as PEM to `<state_dir>/ca.pem`.
Clients trust exactly that file (`requests.Session().verify = ca_path`, HUB_CA_BUNDLE),
nothing is added to the system store, and the CA's private key never touches the disk.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme

CA_FILE_NAME = "ca.pem"


@dataclass(frozen=True)
class SandboxTLS:
    """The CA file clients trust and the server-side TLS context that matches it."""

    ca_path: Path
    server_context: ssl.SSLContext


def create_sandbox_tls(state_dir: Path) -> SandboxTLS:
    """Make a CA and a loopback server certificate; write the CA PEM into `state_dir`."""
    state_dir.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="Integration hub sandbox")
    server_cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(context)
    ca_path = (state_dir / CA_FILE_NAME).resolve()
    ca.cert_pem.write_to_path(str(ca_path))
    return SandboxTLS(ca_path=ca_path, server_context=context)
