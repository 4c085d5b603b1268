"""Consumers: other agencies' applications, their credentials, and the node's access tokens.

An application belongs to an agency (an organization); the platform's administrator (the IT
Center) registers it and issues its credentials. A credential is either an OAuth2 client secret
(exchanged at `/oauth/token`, client_secret_basic, for a short-lived JWT the node signs with its
Ed25519 key) or an API key sent as `X-API-Key`. Secrets are shown once and stored as SHA-256
digests (they are random and long: a slow hash would add nothing).

Every request is checked against the database: a revoked credential or a suspended application
is refused at its next request, whatever tokens it still holds.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import jwt
from sqlalchemy import ForeignKey, Select, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind
from ketnoi.db import Base, IdMixin, TimestampMixin
from ketnoi.kit import nodekey
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import DomainError, Invalid, NotFound
from ketnoi.kit.vn import nfc
from ketnoi.org.models import Organization, OrgKind

TOKEN_LIFETIME = timedelta(minutes=5)
ROTATION_GRACE = timedelta(hours=24)  # a rotated secret still works this long
AUDIENCE = "ketnoi-gateway"
ISSUER = "ketnoi"
SECRET_PREFIX = {"client_secret": "kcs_", "api_key": "kak_"}


class AppStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class CredentialKind(StrEnum):
    CLIENT_SECRET = "client_secret"  # noqa: S105 - the name of a kind of credential, not a secret
    API_KEY = "api_key"
    PRIVATE_KEY_JWT = "private_key_jwt"  # the application signs an assertion with its key (sharing.client_keys)


class ConsumerApp(IdMixin, TimestampMixin, Base):
    __tablename__ = "consumer_apps"

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=AppStatus.ACTIVE)


class ConsumerCredential(IdMixin, Base):
    __tablename__ = "consumer_credentials"

    app_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consumer_apps.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[str] = mapped_column(String(64), unique=True)  # public: names the credential
    secret_digest: Mapped[str] = mapped_column(String(64), unique=True)  # of the secret; of the public key for private_key_jwt
    public_key: Mapped[str | None] = mapped_column(Text)  # PEM, for private_key_jwt
    cert_thumbprint: Mapped[str | None] = mapped_column(String(64))  # RFC 8705 x5t#S256: calls only with this certificate
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]  # from then on refused (in the future: a rotated credential's grace period)


class ConsumerRefused(DomainError):
    """A consumer's request refused: the caller's fault (web.errors says so for `/x/` paths)."""

    status = 401
    type = "consumer_unauthenticated"


class ConsumerSuspended(ConsumerRefused):
    status = 403
    type = "consumer_suspended"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def register_app(session: Session, *, actor: Actor, organization_id: uuid.UUID, name: str, description: str | None) -> ConsumerApp:
    authz.require(actor, Action.CREATE, Kind.CONSUMER)
    agency = session.get(Organization, organization_id)
    if agency is None:
        raise Invalid("Không tìm thấy cơ quan.", fields={"organization_id": str(organization_id)})
    name = nfc(name)
    if not name or len(name) > 255:
        raise Invalid("Tên ứng dụng là bắt buộc, tối đa 255 ký tự.", fields={"name": "Bắt buộc, tối đa 255 ký tự."})
    app = ConsumerApp(organization_id=agency.id, name=name, description=nfc(description) if description else None)
    session.add(app)
    session.flush()
    audit.record(session, actor=actor, action="create", entity_type="consumer_app", entity_id=app.id, entity_label=name,
                 changes={"organization": [None, agency.name], "name": [None, name]})  # fmt: skip
    return app


@dataclass(frozen=True)
class Issued:
    credential: ConsumerCredential
    secret: str  # shown once, never stored


def issue_credential(session: Session, *, actor: Actor, app_id: uuid.UUID, kind: str) -> Issued:
    authz.require(actor, Action.UPDATE, Kind.CONSUMER)
    app = get_app(session, app_id)
    if kind not in (CredentialKind.CLIENT_SECRET, CredentialKind.API_KEY):
        raise Invalid("Loại thông tin xác thực phải là client_secret hoặc api_key.", fields={"kind": kind})
    secret = SECRET_PREFIX[kind] + secrets.token_urlsafe(32)
    credential = ConsumerCredential(
        app_id=app.id, kind=kind, client_id=f"app-{secrets.token_hex(8)}", secret_digest=_digest(secret), created_at=utcnow()
    )
    session.add(credential)
    session.flush()
    audit.record(session, actor=actor, action="create", entity_type="consumer_credential", entity_id=credential.id,
                 entity_label=f"{app.name} · {credential.client_id}", changes={"kind": [None, kind]})  # fmt: skip
    return Issued(credential, secret)


def revoke_credential(session: Session, *, actor: Actor, credential_id: uuid.UUID) -> ConsumerCredential:
    authz.require(actor, Action.UPDATE, Kind.CONSUMER)
    credential = session.get(ConsumerCredential, credential_id)
    if credential is None:
        raise NotFound("Không tìm thấy thông tin xác thực.")
    if credential.revoked_at is None or credential.revoked_at > utcnow():  # in its grace period: now
        credential.revoked_at = utcnow()
        audit.record(session, actor=actor, action="update", entity_type="consumer_credential", entity_id=credential.id,
                     entity_label=credential.client_id, changes={"revoked": [False, True]})  # fmt: skip
    return credential


def rotate_credential(session: Session, *, actor: Actor, credential_id: uuid.UUID) -> Issued:
    """A new secret of the same kind (and certificate binding); the old one keeps working for
    ROTATION_GRACE, so the application can switch without a gap, then is refused."""
    authz.require(actor, Action.UPDATE, Kind.CONSUMER)
    old = session.get(ConsumerCredential, credential_id)
    if old is None:
        raise NotFound("Không tìm thấy thông tin xác thực.")
    if old.kind not in (CredentialKind.CLIENT_SECRET, CredentialKind.API_KEY):
        raise Invalid("Khoá của ứng dụng (private_key_jwt) được thay bằng cách đăng ký khoá công khai mới.", fields={"kind": old.kind})
    if old.revoked_at is not None and old.revoked_at <= utcnow():
        raise Invalid("Thông tin xác thực đã bị thu hồi: hãy cấp mới.", fields={"credential": old.client_id})
    issued = issue_credential(session, actor=actor, app_id=old.app_id, kind=old.kind)
    issued.credential.cert_thumbprint = old.cert_thumbprint
    old.revoked_at = min(old.revoked_at or utcnow() + ROTATION_GRACE, utcnow() + ROTATION_GRACE)
    audit.record(session, actor=actor, action="update", entity_type="consumer_credential", entity_id=old.id,
                 entity_label=old.client_id, changes={"rotated_to": [None, issued.credential.client_id]})  # fmt: skip
    return issued


def set_status(session: Session, *, actor: Actor, app_id: uuid.UUID, status: str) -> ConsumerApp:
    authz.require(actor, Action.UPDATE, Kind.CONSUMER)
    app = get_app(session, app_id)
    if status not in (AppStatus.ACTIVE, AppStatus.SUSPENDED):
        raise Invalid("Trạng thái phải là active hoặc suspended.", fields={"status": status})
    if app.status != status:
        audit.record(session, actor=actor, action="update", entity_type="consumer_app", entity_id=app.id,
                     entity_label=app.name, changes={"status": [app.status, status]})  # fmt: skip
        app.status = status
    return app


def list_apps(session: Session, *, actor: Actor) -> list[tuple[ConsumerApp, Organization, list[ConsumerCredential]]]:
    authz.require(actor, Action.VIEW, Kind.CONSUMER)
    apps = session.execute(select(ConsumerApp, Organization).join(Organization).order_by(Organization.name, ConsumerApp.name)).tuples()
    out = []
    for app, agency in apps:
        credentials = session.scalars(
            select(ConsumerCredential).where(ConsumerCredential.app_id == app.id).order_by(ConsumerCredential.created_at)
        )
        out.append((app, agency, list(credentials)))
    return out


def agencies(session: Session) -> list[Organization]:
    return list(session.scalars(select(Organization).where(Organization.kind == OrgKind.AGENCY).order_by(Organization.name)))


def get_app(session: Session, app_id: uuid.UUID) -> ConsumerApp:
    app = session.get(ConsumerApp, app_id)
    if app is None:
        raise NotFound("Không tìm thấy ứng dụng.")
    return app


# -- tokens and requests --------------------------------------------------------------------------


@dataclass(frozen=True)
class Consumer:
    app: ConsumerApp
    credential: ConsumerCredential


def token_for(session: Session, *, client_id: str, client_secret: str, now: datetime | None = None) -> tuple[str, int]:
    """The access token of a client credential (client_credentials grant); (token, lifetime in s)."""
    consumer = _active(session, client_id=client_id, secret=client_secret, kind=CredentialKind.CLIENT_SECRET)
    return access_token(consumer, now or utcnow())


def access_token(consumer: Consumer, now: datetime) -> tuple[str, int]:
    """A node-signed access token for an authenticated consumer, bound to its certificate when its credential is."""
    key = nodekey.node_key()
    claims: dict[str, object] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": consumer.credential.client_id,
        "app": str(consumer.app.id),
        "iat": int(now.timestamp()),
        "exp": int((now + TOKEN_LIFETIME).timestamp()),
        "jti": secrets.token_hex(12),
    }
    if consumer.credential.cert_thumbprint:
        claims["cnf"] = {"x5t#S256": consumer.credential.cert_thumbprint}  # RFC 8705 §3.1
    token = jwt.encode(claims, key.private, algorithm="EdDSA", headers={"kid": key.key_id})
    return token, int(TOKEN_LIFETIME.total_seconds())


def consumer_of(
    session: Session, *, authorization: str | None, api_key: str | None, client_cert: str | None = None, suspended_too: bool = False
) -> Consumer:
    """The consumer calling: a node-signed bearer token, or an API key, and the client certificate
    its credential is bound to, if it is (`client_cert`: its x5t#S256); refused with the reason.
    `suspended_too`: a suspended application is let in (to read why, /x/notices)."""
    if api_key:
        return _bound(
            _active(session, client_id=None, secret=api_key, kind=CredentialKind.API_KEY, suspended_too=suspended_too), client_cert
        )
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ConsumerRefused("Thiếu thông tin xác thực: gửi Authorization: Bearer <access token> hoặc X-API-Key.")
    token = authorization[7:].strip()
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        public = nodekey.public_keys().get(str(kid))
        if public is None:
            raise ConsumerRefused("Token không do nút này cấp (khoá không rõ).")
        claims = jwt.decode(
            token, public, algorithms=["EdDSA"], audience=AUDIENCE, issuer=ISSUER, options={"require": ["exp", "sub", "aud"]}
        )
    except jwt.ExpiredSignatureError:
        raise ConsumerRefused("Token đã hết hạn: xin token mới ở /oauth/token.") from None
    except jwt.InvalidAudienceError:
        raise ConsumerRefused("Token không dành cho cổng trao đổi này (aud sai).") from None
    except jwt.PyJWTError:
        raise ConsumerRefused("Token không hợp lệ (chữ ký hoặc nội dung sai).") from None
    found = session.execute(credential_with_app().where(ConsumerCredential.client_id == str(claims["sub"]))).first()
    consumer = usable(*found, suspended_too=suspended_too) if found else usable(None, None)
    bound_to = claims.get("cnf", {}).get("x5t#S256") if isinstance(claims.get("cnf"), dict) else None
    if bound_to != consumer.credential.cert_thumbprint:
        raise ConsumerRefused("Token không gắn với chứng thư của thông tin xác thực này: xin token mới.")
    return _bound(consumer, client_cert)


def _bound(consumer: Consumer, client_cert: str | None) -> Consumer:
    """A credential bound to a certificate is usable only over TLS with that certificate (RFC 8705)."""
    expected = consumer.credential.cert_thumbprint
    if expected and (client_cert is None or not hmac.compare_digest(expected, client_cert)):
        raise ConsumerRefused("Thông tin xác thực này chỉ dùng được với chứng thư số của ứng dụng (mTLS): chứng thư không khớp hoặc thiếu.")
    return consumer


def credential_with_app() -> Select[tuple[ConsumerCredential, ConsumerApp]]:
    """A credential with its application, in one query (every gateway request reads both)."""
    return select(ConsumerCredential, ConsumerApp).join(ConsumerApp, ConsumerApp.id == ConsumerCredential.app_id)


def _active(session: Session, *, client_id: str | None, secret: str, kind: str, suspended_too: bool = False) -> Consumer:
    found = session.execute(credential_with_app().where(ConsumerCredential.secret_digest == _digest(secret))).first()
    credential = found[0] if found else None
    if (
        found is None
        or credential is None
        or credential.kind != kind
        or (client_id is not None and not hmac.compare_digest(credential.client_id, client_id))
    ):
        raise ConsumerRefused("Thông tin xác thực không đúng.")
    return usable(credential, found[1], suspended_too=suspended_too)


def usable(credential: ConsumerCredential | None, app: ConsumerApp | None, *, suspended_too: bool = False) -> Consumer:
    if credential is None or (credential.revoked_at is not None and credential.revoked_at <= utcnow()):
        raise ConsumerRefused("Thông tin xác thực đã bị thu hồi.")
    if app is None or (app.status != AppStatus.ACTIVE and not suspended_too):
        raise ConsumerSuspended("Ứng dụng đang bị tạm dừng khai thác dữ liệu.")
    return Consumer(app, credential)
