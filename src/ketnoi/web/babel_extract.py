"""A Babel extractor for the Vietnamese messages that services raise and code lists hold.

Services speak Vietnamese (the msgids) without calling gettext: `Invalid("…", fields={"x": "…"})`, or with values kept
out of the msgid, `Invalid("Tối đa {n} quy tắc.", values={"n": 20})` (the template is extracted with its {placeholders}),
`raise ValueError("…")` in validators, `msg = "…"` and `job.message = "…"`, and code-list dicts. The web
layer translates them at the last moment (web.errors.translate, `_()` in templates), so the English catalog must
hold them too. babel.cfg points this extractor at those modules; templates use Babel's jinja2 one.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

CALLS = {
    "_",
    "N_",
    "gettext",
    "ValueError",
    "DomainError",
    "Invalid",
    "BadRequest",
    "Unauthenticated",
    "Forbidden",
    "NotFound",
    "Conflict",
    "UnsupportedMediaType",
    "TooManyAttempts",  # auth.throttle
    "AccountLocked",
    "RateLimited",  # sharing.limiter
    "QuotaExceeded",
    "ConsumerRefused",  # sharing.consumers
    "ConsumerSuspended",
    "NoGrant",  # sharing.exchange
    "AgreementRequired",
    "Maintenance",
    "ServiceEnded",
    "ProviderFault",
    "HistoryPending",  # datastore.history
    "SqlTimeout",  # datastore.sql
    "SecretUnreadable",  # kit.secretbox
    "TooMany",  # feedback.antispam
    "HarvestFailed",  # harvest.tasks
    "SyncFailed",  # connectors.tasks
    "SourceRefused",  # connectors.extract
    "SourceUnavailable",
    "PeerError",  # federation.client
    "PeerRefused",  # federation.gateway
    "PeerDisabled",  # federation.access
    "PushFailed",  # national.tasks
    "_invalid",  # a module's shorthand for Invalid(message, values=…).on_field(field)
}
MESSAGE_NAMES = {"msg", "message"}
Found = tuple[int, None, str, list[str]]


def _text(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip():
        return node.value
    return None


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _from_call(node: ast.Call) -> Iterator[Found]:
    if _call_name(node) not in CALLS:
        return
    if node.args and (text := _text(node.args[0])):
        yield node.lineno, None, text, []
    for keyword in node.keywords:
        if keyword.arg == "fields" and isinstance(keyword.value, ast.Dict):
            for value in keyword.value.values:
                if text := _text(value):
                    yield value.lineno, None, text, []


def _from_assignment(node: ast.Assign) -> Iterator[Found]:
    # `msg = "…"`, and `job.message = "…"` (a job's outcome, shown on the jobs page).
    names = {t.id if isinstance(t, ast.Name) else t.attr for t in node.targets if isinstance(t, ast.Name | ast.Attribute)}
    if names & MESSAGE_NAMES and (text := _text(node.value)):
        yield node.lineno, None, text, []


def _from_module_dicts(tree: ast.Module) -> Iterator[Found]:
    """The labels of module-level dicts (code lists, message tables), without {placeholders}."""
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if isinstance(value, ast.Dict):
            for item in value.values:
                # Labels are human text (spaces or Vietnamese letters), not identifiers like "bad_request".
                if (text := _text(item)) and "{" not in text and (" " in text or not text.isascii()):
                    yield item.lineno, None, text, []


def extract(fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str], options: Mapping[str, Any]) -> Iterator[Found]:
    tree = ast.parse(fileobj.read().decode(options.get("encoding", "utf-8")))
    if str(options.get("dict_values", "")).lower() in ("1", "true", "yes"):
        yield from _from_module_dicts(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield from _from_call(node)
        elif isinstance(node, ast.Assign):
            yield from _from_assignment(node)
