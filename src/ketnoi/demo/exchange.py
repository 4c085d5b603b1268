"""The demo's exchanges: connection requests through the real services, and one application ready to call.

The Government Office's portal asks for the open service and is approved by policy; it gets an API
key, written to var/demo_api_key (0600) so that a newcomer can call the gateway at once. The
Ministry of Public Security's system asks for the specific-request service, with a personal data
item: its request waits for the unit's answer on the service's page.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.demo import data
from ketnoi.kit.vn import nfc
from ketnoi.org.models import Organization
from ketnoi.settings import get_settings
from ketnoi.sharing import consumers, requests
from ketnoi.sharing.consumers import Consumer, ConsumerApp, ConsumerCredential
from ketnoi.sharing.models import SharingService
from ketnoi.sharing.requests import ConnectionRequest

API_KEY_FILE = "demo_api_key"


def load_connections(session: Session, actor: Actor) -> tuple[int, int]:
    """(created, present) connection requests; the first application's API key written when issued."""
    created = present = 0
    for index, (agency_code, app_name, service_code, items, purpose) in enumerate(data.CONNECTIONS):
        app = session.scalar(
            select(ConsumerApp).join(Organization).where(Organization.agency_code == agency_code, ConsumerApp.name == nfc(app_name))
        )
        service = session.scalar(select(SharingService).where(SharingService.code == service_code))
        if app is None or service is None:
            raise LookupError(f"demo connection of an application or service not in the demo: {app_name}, {service_code}")
        credential = session.scalar(select(ConsumerCredential).where(ConsumerCredential.app_id == app.id))
        if credential is None:
            issued = consumers.issue_credential(session, actor=actor, app_id=app.id, kind="api_key")
            credential = issued.credential
            if index == 0:
                _write_key(issued.secret)
        asked = session.scalar(
            select(ConnectionRequest.id).where(ConnectionRequest.app_id == app.id, ConnectionRequest.service_id == service.id)
        )
        if asked is not None:
            present += 1
            continue
        requests.submit(session, consumer=Consumer(app, credential), service_code=service_code, purpose=purpose,
                        data_items=list(items), expected_records=200, frequency="daily")  # fmt: skip
        created += 1
    return created, present


def _write_key(secret: str) -> None:
    path = get_settings().ensure_var_dir() / API_KEY_FILE
    path.write_text(secret + "\n")
    path.chmod(0o600)
