"""Applications that authenticate with their own key (private_key_jwt) or certificate (mTLS).

private_key_jwt (OpenID Connect Core §9, RFC 7523): the administrator registers the application's
public key (Ed25519, P-256 or RSA, PEM); at `/oauth/token` the application sends an assertion, a JWT
it signed, with iss = sub = its client_id, aud = the token endpoint, a short life (at most 5
minutes) and a `jti` used once: a replayed assertion is refused, on every process (the jti is kept
in the database until it expires). No secret of the application is ever held by the platform.

Certificate binding (RFC 8705): a credential may be bound to the SHA-256 thumbprint of the
application's TLS client certificate. TLS is terminated by the reverse proxy, which passes the
verified certificate in the header named by KETNOI_CLIENT_CERT_HEADER (nginx:
`$ssl_client_escaped_cert`); without that setting no certificate is read, so a bound credential
cannot be used at all.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from sqlalchemy import DateTime, String, delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind
from ketnoi.db import Base
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Invalid
from ketnoi.settings import get_settings
from ketnoi.sharing.consumers import (
    ConsumerCredential,
    ConsumerRefused,
    CredentialKind,
    Issued,
    access_token,
    credential_with_app,
    get_app,
    usable,
)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = ["EdDSA", "ES256", "RS256"]
MAX_ASSERTION_LIFE = timedelta(minutes=5)
MAX_PEM = 16_384


class UsedAssertion(Base):
    """A client assertion's jti, kept until it expires: a second use is a replay."""

    __tablename__ = "oauth_used_assertions"

    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


def thumbprint_of(pem: str) -> str:
    """x5t#S256 of a PEM certificate: base64url of the SHA-256 of its DER (RFC 8705 §3.1)."""
    try:
        certificate = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        raise Invalid(
            "Chứng thư số không đọc được (cần PEM: -----BEGIN CERTIFICATE-----).", fields={"certificate": "Không hợp lệ."}
        ) from None
    der = certificate.public_bytes(serialization.Encoding.DER)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).decode().rstrip("=")


def presented_certificate(headers: dict[str, str] | object) -> str | None:
    """The thumbprint of the client certificate the reverse proxy verified, if it is configured to pass one."""
    name = get_settings().client_cert_header
    value = getattr(headers, "get", lambda _: None)(name.lower()) if name else None
    if not value:
        return None
    try:
        return thumbprint_of(unquote(value))
    except Invalid:
        raise ConsumerRefused("Chứng thư số do máy chủ trung gian chuyển đến không đọc được.") from None


def register_key(session: Session, *, actor: Actor, app_id: uuid.UUID, public_key_pem: str, certificate_pem: str | None) -> Issued:
    """A private_key_jwt credential: the application's public key; its client_id is the one to put in assertions."""
    authz.require(actor, Action.UPDATE, Kind.CONSUMER)
    app = get_app(session, app_id)
    pem = public_key_pem.strip()
    if not pem or len(pem) > MAX_PEM:
        raise Invalid("Hãy dán khoá công khai (PEM) của ứng dụng.", fields={"public_key": "Bắt buộc."})
    try:
        public = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError):
        raise Invalid(
            "Khoá công khai không đọc được (cần PEM: -----BEGIN PUBLIC KEY-----).", fields={"public_key": "Không hợp lệ."}
        ) from None
    if not isinstance(public, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise Invalid("Chỉ nhận khoá Ed25519, EC P-256 hoặc RSA.", fields={"public_key": "Loại khoá không hỗ trợ."})
    if isinstance(public, rsa.RSAPublicKey) and public.key_size < 2048:
        raise Invalid("Khoá RSA phải dài ít nhất 2048 bit.", fields={"public_key": "Quá ngắn."})
    credential = ConsumerCredential(
        app_id=app.id,
        kind=CredentialKind.PRIVATE_KEY_JWT,
        client_id=f"app-{secrets.token_hex(8)}",
        secret_digest=hashlib.sha256(pem.encode()).hexdigest(),
        public_key=pem,
        cert_thumbprint=thumbprint_of(certificate_pem) if certificate_pem and certificate_pem.strip() else None,
        created_at=utcnow(),
    )
    session.add(credential)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Invalid("Khoá công khai này đã được đăng ký.", fields={"public_key": "Đã có."}) from None
    audit.record(session, actor=actor, action="create", entity_type="consumer_credential", entity_id=credential.id,
                 entity_label=f"{app.name} · {credential.client_id}", changes={"kind": [None, credential.kind]})  # fmt: skip
    return Issued(credential, "")


def bind_certificate(session: Session, *, actor: Actor, credential: ConsumerCredential, certificate_pem: str) -> None:
    authz.require(actor, Action.UPDATE, Kind.CONSUMER)
    credential.cert_thumbprint = thumbprint_of(certificate_pem)
    audit.record(session, actor=actor, action="update", entity_type="consumer_credential", entity_id=credential.id,
                 entity_label=credential.client_id, changes={"cert_thumbprint": [None, credential.cert_thumbprint]})  # fmt: skip


def token_for_assertion(session: Session, *, assertion: str, audiences: list[str], client_cert: str | None) -> tuple[str, int]:
    """The access token for a valid, unused client assertion (private_key_jwt)."""
    try:
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise ConsumerRefused("client_assertion không phải JWT.") from None
    client_id = unverified.get("iss")
    if not isinstance(client_id, str) or unverified.get("sub") != client_id:
        raise ConsumerRefused("client_assertion phải có iss và sub là client_id của ứng dụng.")
    found = session.execute(credential_with_app().where(ConsumerCredential.client_id == client_id)).first()
    if found is None or found[0].kind != CredentialKind.PRIVATE_KEY_JWT or not found[0].public_key:
        raise ConsumerRefused("Thông tin xác thực không đúng.")
    consumer = usable(*found)
    try:
        claims = jwt.decode(
            assertion,
            serialization.load_pem_public_key(consumer.credential.public_key.encode()),  # type: ignore[union-attr, arg-type]
            algorithms=ALGORITHMS,
            audience=audiences,
            issuer=client_id,
            options={"require": ["exp", "jti", "aud", "iss", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise ConsumerRefused("client_assertion đã hết hạn.") from None
    except jwt.InvalidAudienceError:
        raise ConsumerRefused("client_assertion phải có aud là địa chỉ /oauth/token của nút này.") from None
    except jwt.PyJWTError:
        raise ConsumerRefused("client_assertion không hợp lệ (chữ ký hoặc nội dung sai).") from None
    expires = datetime.fromtimestamp(int(claims["exp"]), UTC)
    now = utcnow()
    if expires - now > MAX_ASSERTION_LIFE:
        raise ConsumerRefused("client_assertion sống quá 5 phút: hãy đặt exp gần hơn.")
    _use_once(session, str(claims["jti"]), client_id, expires, now)
    if consumer.credential.cert_thumbprint and consumer.credential.cert_thumbprint != client_cert:
        raise ConsumerRefused("Thông tin xác thực này chỉ dùng được với chứng thư số của ứng dụng (mTLS).")
    return access_token(consumer, now)


def _use_once(session: Session, jti: str, client_id: str, expires: datetime, now: datetime) -> None:
    if len(jti) > 255:
        raise ConsumerRefused("jti quá dài.")
    session.execute(delete(UsedAssertion).where(UsedAssertion.expires_at < now))
    try:
        with session.begin_nested():  # a savepoint: on PostgreSQL the failed insert must not abort the request
            session.execute(insert(UsedAssertion).values(jti=f"{client_id}:{jti}"[:255], client_id=client_id, expires_at=expires))
    except IntegrityError:
        raise ConsumerRefused("client_assertion đã được dùng (jti lặp lại): mỗi assertion chỉ dùng một lần.") from None
