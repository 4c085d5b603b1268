"""Pushing the bundle (export.Bundle) to the national portal, and the record of each push.

The target is read from settings (KETNOI_NATIONAL_PUSH_URL, KETNOI_NATIONAL_PUSH_TOKEN), not kept in
a table an administrator edits: which portal this node registers with is a deployment fact, set once
by the operator beside the node's other keys, and a web form that could change it would let a
stolen administrator session send the catalogs (and the token) anywhere. The token may be written
sealed (kit.secretbox, `ketnoi national seal-token`), so a configuration file need not hold it in
clear; it goes out only in the Authorization header and is never logged, recorded or shown.
The address is not checked against private networks as harvest sources are: the portal may well
sit on the government's closed network, and the address comes from the operator, not from a user.
It must be https://, except to this machine (a local relay, the tests), so the token never travels
in clear.

Wire format (docs/national.md): one POST of JSON {"schema", "fingerprint", "services", "dcat_turtle"},
with Content-Digest (RFC 9530) and an RFC 9421 signature by the node's key (kit.httpsig.sign_request:
method, target URI, content type, digest and `Ketnoi-Delivery`, the push's id). A 5xx answer, a 429
or no answer is tried again after BACKOFF seconds, up to ATTEMPTS requests; any other answer ends it.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.kit import httpsig, nodekey, secretbox
from ketnoi.kit.clock import utcnow
from ketnoi.national.export import Bundle, bundle
from ketnoi.national.models import NationalPush, PushStatus, PushTrigger
from ketnoi.settings import get_settings

log = logging.getLogger("ketnoi.national")

WIRE_SCHEMA = "ketnoi/national-push/1"
ATTEMPTS = 3  # requests per push
BACKOFF = (2.0, 10.0)  # seconds before the 2nd and the 3rd request (a module constant: tests make it 0)
TIMEOUT_SECONDS = 30  # a whole catalog takes the portal a while to read
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class Target:
    url: str
    token: str | None  # plain, unsealed here and kept only in memory


def target_problem(url: str) -> str | None:
    """What is wrong with the configured address (None: nothing)."""
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in ("http", "https"):
        return "KETNOI_NATIONAL_PUSH_URL phải là URL https:// đầy đủ."
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        return "KETNOI_NATIONAL_PUSH_URL phải dùng https:// (http:// chỉ được dùng tới chính máy này)."
    return None


def configured_url() -> str | None:
    return get_settings().national_push_url or None


def target() -> Target | None:
    """The configured target; None when there is none or its address is refused (the page says why)."""
    url = configured_url()
    if url is None or target_problem(url) is not None:
        return None
    token = get_settings().national_push_token or None
    if token and token.startswith(secretbox.PREFIX):
        token = secretbox.unseal(token)
    return Target(url, token)


def last_push(session: Session, *, status: str | None = None) -> NationalPush | None:
    query = select(NationalPush)
    if status is not None:
        query = query.where(NationalPush.status == status)
    return session.scalar(query.order_by(NationalPush.at.desc(), NationalPush.id.desc()).limit(1))


def push(session: Session, *, trigger: PushTrigger, force: bool = False, now: datetime | None = None) -> NationalPush | None:
    """Push the bundle when it differs from the last one the portal took (or when forced); the record,
    or None when there is no target, or when nothing changed and nobody asked by hand."""
    chosen = target()
    if chosen is None:
        return None
    now = now or utcnow()
    made = bundle(session, now=now)
    taken = last_push(session, status=PushStatus.OK)
    if not force and taken is not None and taken.fingerprint == made.fingerprint:
        if trigger in (PushTrigger.PERIODIC, PushTrigger.CHANGE):
            return None  # the tick runs every minute: "nothing to do" is not worth a row each time
        return _record(session, uuid.uuid4(), chosen, made, now, trigger)
    push_id = uuid.uuid4()
    sent = _send(chosen, made, push_id)  # before the row is written: no write lock is held while the portal reads
    record = _record(session, push_id, chosen, made, now, trigger, sent)
    log.info("national push %s: %s (HTTP %s, %d attempts)", record.id, record.status, record.http_status, record.attempts)
    return record


@dataclass(frozen=True)
class Sent:
    status: str
    http_status: int | None
    error: str | None
    attempts: int


def _record(
    session: Session, push_id: uuid.UUID, chosen: Target, made: Bundle, now: datetime, trigger: str, sent: Sent | None = None
) -> NationalPush:
    """The push's row; without `sent`, the record of a push found unnecessary."""
    sent = sent or Sent(PushStatus.UNCHANGED, None, None, 0)
    record = NationalPush(
        id=push_id, at=now, trigger=trigger, target_url=chosen.url, fingerprint=made.fingerprint, status=sent.status,
        http_status=sent.http_status, error=sent.error, attempts=sent.attempts, services=made.service_count, datasets=made.datasets,
    )  # fmt: skip
    session.add(record)
    session.flush()
    return record


def body_of(made: Bundle) -> bytes:
    document = {"schema": WIRE_SCHEMA, "fingerprint": made.fingerprint, "services": made.services, "dcat_turtle": made.turtle.decode()}
    return json.dumps(document, ensure_ascii=False).encode()


def _send(chosen: Target, made: Bundle, push_id: uuid.UUID) -> Sent:
    """POST the bundle, trying again on 5xx, 429 and transport errors."""
    body = body_of(made)
    headers = {"content-type": "application/json", "content-digest": httpsig.content_digest(body), "ketnoi-delivery": str(push_id)}
    http_status: int | None = None
    error: str | None = None
    attempt = 0
    with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
        for attempt in range(1, ATTEMPTS + 1):
            if attempt > 1:
                time.sleep(BACKOFF[min(attempt - 2, len(BACKOFF) - 1)])
            key = nodekey.node_key()  # signed anew for each request: `created` says when it was sent
            signed = headers | httpsig.sign_request(
                method="POST", url=chosen.url, headers=headers, key_id=key.key_id, private=key.private, created=int(time.time())
            )
            if chosen.token:
                signed["authorization"] = f"Bearer {chosen.token}"
            try:
                response = client.post(chosen.url, content=body, headers=signed)
            except httpx.HTTPError as exc:
                http_status, error = None, f"Không gửi được tới cổng dữ liệu quốc gia: {type(exc).__name__}."
                continue
            http_status = response.status_code
            if 200 <= http_status < 300:
                return Sent(PushStatus.OK, http_status, None, attempt)
            error = f"Cổng dữ liệu quốc gia trả lời HTTP {http_status}."
            if http_status < 500 and http_status != 429:
                break  # refused (a wrong token, a rejected document): asking again says the same
    return Sent(PushStatus.FAILED, http_status, error, attempt)
