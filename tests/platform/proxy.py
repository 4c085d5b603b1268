"""Debian's nginx in front of the node's two web processes, running the config file docs/deploy.md
ships (deploy/nginx/ketnoi.conf): only the addresses, ports, certificate and log paths and the body
limit are put in for the test, each where the file has it, and nothing else is touched."""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.platform.node import MAX_UPLOAD_MB, NGINX, ROOT, Process, free_port, wait_for

SHIPPED = ROOT / "deploy" / "nginx" / "ketnoi.conf"


def site_config(*, backends: tuple[int, int], http_port: int, tls_port: int, cert: Path, key: Path, access_log: Path) -> str:
    """The shipped site file with this test's values. Each value is replaced exactly where the file
    has it: a changed file fails here, and whoever changed it looks at this test too."""
    text = SHIPPED.read_text()
    replacements = (
        ("server 127.0.0.1:8001 ", f"server 127.0.0.1:{backends[0]} "),
        ("server 127.0.0.1:8002 ", f"server 127.0.0.1:{backends[1]} "),
        ("    listen 80;\n", f"    listen 127.0.0.1:{http_port};\n"),
        ("    listen [::]:80;\n", ""),  # a test machine may have no IPv6
        ("    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{tls_port} ssl http2;\n"),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("/etc/ssl/ketnoi/fullchain.pem", str(cert)),
        ("/etc/ssl/ketnoi/privkey.pem", str(key)),
        ("client_max_body_size 201m;", f"client_max_body_size {MAX_UPLOAD_MB + 1}m;"),
        ("/var/log/nginx/ketnoi.access.log", str(access_log)),
    )
    for old, new in replacements:
        assert text.count(old) == 1, f"deploy/nginx/ketnoi.conf no longer has {old!r} once: update tests/platform/proxy.py"
        text = text.replace(old, new)
    return text


def main_config(home: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf is to the site file, with every path inside `home`."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # as root, nginx's workers would be `nobody`, shut out of `home`
    temp = "\n".join(f"    {kind}_temp_path {home / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (
        f"{user}worker_processes 1;\npid {home / 'nginx.pid'};\nerror_log {home / 'error.log'};\n"
        "events { worker_connections 256; }\n"
        f"http {{\n{temp}\n    access_log off;\n    include {home / 'ketnoi.conf'};\n}}\n"
    )


def self_signed(home: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, its own authority (the test's client trusts it and nothing else)."""
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    cert_path, key_path = home / "cert.pem", home / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_path, key_path


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@dataclass
class Proxy:
    process: Process
    http_port: int
    tls_port: int
    cert: Path
    access_log: Path

    @classmethod
    def start(cls, home: Path, backends: tuple[int, int]) -> Proxy:
        cert, key = self_signed(home)
        http_port, tls_port, access_log = free_port(), free_port(), home / "ketnoi.access.log"
        (home / "ketnoi.conf").write_text(
            site_config(backends=backends, http_port=http_port, tls_port=tls_port, cert=cert, key=key, access_log=access_log)
        )
        (home / "nginx.conf").write_text(main_config(home))
        command = [str(NGINX), "-p", str(home), "-c", str(home / "nginx.conf"), "-e", str(home / "error.log"), "-g", "daemon off;"]
        process = Process("nginx", command, home / "nginx.out", lambda _: _listening(tls_port))
        process.start()
        try:
            wait_for(lambda: _listening(tls_port) or not process.alive(), "nginx listening", logs=(process.log, home / "error.log"))
            assert process.alive(), (home / "error.log").read_text(errors="replace")
        except BaseException:
            process.kill()
            raise
        return cls(process, http_port, tls_port, cert, access_log)

    def client(self, *, source: str = "127.0.0.1") -> httpx.Client:
        """A client of the TLS server connecting from `source` (any 127.x address is this machine)."""
        context = ssl.create_default_context(cafile=str(self.cert))
        transport = httpx.HTTPTransport(local_address=source, verify=context)
        return httpx.Client(base_url=f"https://127.0.0.1:{self.tls_port}", transport=transport, timeout=30)

    def log(self) -> list[dict[str, object]]:
        """nginx's access log (the shipped `ketnoi_json` format), a line per request (whole lines only)."""
        return [json.loads(line) for line in self.access_log.read_text().split("\n")[:-1]]

    def log_of(self, answers: list[httpx.Response]) -> list[dict[str, object]]:
        """nginx's lines of these answers, by the request id the app echoed, once nginx has written
        them all (it writes a line when it is done with the request, which may be after the answer)."""
        ids = {answer.headers["x-request-id"] for answer in answers}
        wait_for(lambda: ids <= {line["request_id"] for line in self.log()}, "nginx's log lines of the requests")
        return [line for line in self.log() if line["request_id"] in ids]
