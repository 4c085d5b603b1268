"""Sending e-mail: printed to the log (console backend, development) or through an SMTP server.

Called from jobs only (`notify.tasks`), never inside a request: a slow or unreachable mail
server must not hold a transaction open or fail a user's action. The SMTP password is used for
login and never written anywhere.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from ketnoi.settings import Settings, get_settings

log = logging.getLogger("ketnoi.email")

SMTP_TIMEOUT_SECONDS = 30


def send_email(to: list[str], subject: str, body: str) -> None:
    """Send one plain-text message to `to` with the backend chosen in settings."""
    recipients = [address.strip() for address in to if address.strip()]
    if not recipients:
        return
    settings = get_settings()
    message = build_message(sender=settings.email_from, to=recipients, subject=subject, body=body)
    if settings.email_backend == "smtp":
        _send_smtp(settings, message)
    else:
        log.info(
            "e-mail (console backend, not sent)\nFrom: %s\nTo: %s\nSubject: %s\n\n%s",
            message["From"],
            message["To"],
            message["Subject"],
            body,
        )


def build_message(*, sender: str, to: list[str], subject: str, body: str) -> EmailMessage:
    """A UTF-8 message; the Vietnamese subject is encoded per RFC 2047 when it is sent."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    # Headers cannot contain line breaks; a subject built from user data might.
    message["Subject"] = " ".join(subject.split())
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    # Quoted-printable keeps the body 7-bit, so servers without 8BITMIME deliver it intact.
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message


def _send_smtp(settings: Settings, message: EmailMessage) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)
    log.info(
        "e-mail sent via %s:%s to %s: %s",
        settings.smtp_host,
        settings.smtp_port,
        message["To"],
        message["Subject"],
    )
