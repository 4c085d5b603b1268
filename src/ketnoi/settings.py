"""Every setting of ketnoi, typed, with a default and a one-line description.

`docs/configuration.md` is generated from this module (`ketnoi settings docs`) and a test keeps
the two in agreement, so documentation cannot drift from the code.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KETNOI_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{VAR_DIR}/ketnoi.db",
        description="SQLAlchemy URL of the metadata database (SQLite file or postgresql+psycopg://).",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL; when set, the job queue uses Redis instead of the SQLite file.",
    )
    secret_key: str = Field(
        default="",
        description="Key for signing tokens; generated once into var/secret_key when empty.",
    )
    secrets_keys: str = Field(
        default="",
        description="Fernet keys that encrypt stored secrets (data sources' passwords and tokens, peers' client secrets), "
        "comma-separated, newest first; derived from the secret key when empty (ketnoi key new-secrets-key makes one).",
    )
    var_dir: Path = Field(default=VAR_DIR, description="Directory for the SQLite files, uploads and keys.")
    default_locale: str = Field(default="vi", description="Language of the UI when the user has not chosen one (vi or en).")
    admin_totp_required: bool = Field(
        default=True,
        description="Administrators sign in with a one-time code (TOTP) after their password, enrolling on first sign-in "
        "(`make run` turns it off for the demo).",
    )
    login_max_failures: int = Field(
        default=5, ge=1, le=100, description="Wrong passwords in a row after which an account is locked (KETNOI_LOGIN_LOCKOUT_MINUTES)."
    )
    login_lockout_minutes: int = Field(default=15, ge=1, le=1440, description="How long an account stays locked after its failures.")
    login_address_failures: int = Field(
        default=30, ge=1, le=10000, description="Failed logins from one client address in 15 minutes before it must wait (429)."
    )
    log_format: str = Field(
        default="json",
        pattern="^(json|text)$",
        description="Logs of `ketnoi serve` and `ketnoi worker`: one JSON object per line, or text.",
    )
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$", description="The least severe log lines written.")
    session_hours: int = Field(default=12, ge=1, description="Lifetime of a login session, in hours.")
    cookie_secure: bool = Field(default=False, description="Send cookies only over HTTPS (turn on behind TLS).")
    max_upload_mb: int = Field(default=200, ge=1, description="Largest accepted upload, in megabytes.")
    page_size: int = Field(default=25, ge=1, le=500, description="Default number of rows per list page.")
    threads: int = Field(
        default=4, ge=1, le=200, description="Threads per server process running request handlers (see app.limit_threads)."
    )
    connection_decision_working_days: int = Field(
        default=2,
        ge=1,
        le=30,
        description="Working days a unit has to answer a connection request (Decree 47 art. 35 as amended: 2).",
    )
    client_cert_header: str | None = Field(
        default=None,
        description="Header in which the TLS-terminating proxy passes the verified client certificate, URL-encoded PEM "
        "(nginx: $ssl_client_escaped_cert); certificate-bound credentials (RFC 8705) need it. The proxy must overwrite it.",
    )
    webhook_allow_http: bool = Field(
        default=False,
        description="Let consumers subscribe plain http:// URLs to change notifications (tests, closed networks); https only otherwise.",
    )
    harvest_allow_private: bool = Field(
        default=False,
        description="Let harvest sources be on this machine or a private network (loopback, 10/8, 192.168/16…): tests, closed "
        "networks; refused otherwise, so that a source cannot reach the platform's own internal services.",
    )
    peer_sync_minutes: int = Field(
        default=60,
        ge=5,
        description="How often the worker refreshes each enabled peer node's list of services and our requests' statuses "
        "(minutes). Peers' addresses follow KETNOI_HARVEST_ALLOW_PRIVATE as harvest sources do.",
    )
    metrics_token: str | None = Field(
        default=None,
        description="Bearer token Prometheus sends to read /-/metrics; without one, only this machine (loopback) may read it.",
    )
    node_key_file: str | None = Field(
        default=None,
        description="PEM file of the node's Ed25519 signing key; generated under var/ when unset.",
    )
    national_push_url: str | None = Field(
        default=None,
        description="Where the service listing and the DCAT-AP catalog are POSTed when they change (the national data portal's "
        "registration endpoint); none: nothing is pushed. https://, or http:// to this machine only.",
    )
    national_push_token: str | None = Field(
        default=None,
        description="Bearer token the national portal gave this node, plain or sealed with the node's secrets key "
        "(`ketnoi national seal-token` prints the fernet:… form); never logged or shown.",
    )
    ckan_datastore_sql: bool = Field(
        default=False, description="Offer CKAN's `datastore_search_sql` (read-only SQL over the open tables, as `/api/v1/sql`)."
    )
    sql_max_rows: int = Field(default=1000, ge=1, le=100_000, description="Most rows one `/api/v1/sql` answer returns.")
    sql_time_limit_ms: int = Field(default=3000, ge=100, le=60_000, description="Time limit of one `/api/v1/sql` statement, in ms.")
    sql_reader_password: str | None = Field(
        default=None,
        description="PostgreSQL: password of the `ketnoi_sql_reader` role `/api/v1/sql` logs in as (never logged).",
    )
    demo_password: str | None = Field(
        default=None,
        description="Password of the demo accounts; generated and printed by `demo load` when unset.",
    )
    email_backend: str = Field(
        default="console",
        pattern="^(console|smtp)$",
        description="How e-mail is sent: console (printed to the log) or smtp.",
    )
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server host.")
    smtp_port: int = Field(default=25, description="SMTP server port.")
    smtp_user: str | None = Field(default=None, description="SMTP user name, if the server needs login.")
    smtp_password: str | None = Field(default=None, description="SMTP password (never logged).")
    smtp_starttls: bool = Field(default=False, description="Use STARTTLS on the SMTP connection.")
    email_from: str = Field(default="ketnoi@localhost", description="Sender address of notification e-mails.")
    jobs_immediate: bool = Field(
        default=False,
        description="Run jobs in the calling process right after commit (tests, one-off commands).",
    )
    job_timeout_minutes: int = Field(
        default=360,
        ge=1,
        description="A harvest run still running after this many minutes is taken as cut off: the next run of its source marks it failed.",
    )
    base_url: str = Field(default="http://127.0.0.1:8000", description="Public address used in links in e-mails.")
    quality_query_seconds: float = Field(
        default=60, gt=0, le=3600, description="Time limit of one query of a data-quality run, in seconds (its rules are marked as errors)."
    )
    sync_timeout_seconds: float = Field(
        default=300, gt=0, le=86400, description="Time limit of one statement or request to a data source during a sync, in seconds."
    )
    sync_attempts: int = Field(
        default=3, ge=1, le=10, description="Attempts of a sync whose source is down or too slow before it is marked failed."
    )
    sync_backoff_seconds: float = Field(
        default=5, ge=0, le=600, description="Wait before the second attempt of a sync, doubled before each next one."
    )
    source_networks: str = Field(
        default="",
        description="Private networks data sources may be on, as CIDRs, comma-separated (e.g. 10.20.0.0/16,127.0.0.0/8); "
        "public addresses are always allowed, any other private or loopback address is refused.",
    )
    source_sqlite_dir: Path | None = Field(
        default=None, description="Directory whose SQLite files may be data sources (the demo's); SQLite sources are refused when unset."
    )
    quality_bands: str = Field(
        default="A:95,B:85,C:70,D:0",
        pattern=r"^\s*[^:,]+:\d+(\.\d+)?(\s*,\s*[^:,]+:\d+(\.\d+)?)*\s*$",
        description="Quality bands as NAME:LOWEST-SCORE, highest first (QUALITY.md: A ≥ 95, B ≥ 85, C ≥ 70, D below).",
    )

    def ensure_var_dir(self) -> Path:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return self.var_dir

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated on first use and kept under var/ (the same for every
        process of the node, even those that start together: kit.onefile)."""
        if self.secret_key:
            return self.secret_key
        import secrets

        from ketnoi.kit.onefile import create_once

        path = self.ensure_var_dir() / "secret_key"
        return create_once(path, lambda: secrets.token_urlsafe(48).encode()).decode().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
