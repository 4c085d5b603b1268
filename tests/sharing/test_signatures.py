"""Every gateway response is signed (RFC 9421, Ed25519) over its Content-Digest (RFC 9530) and its
request; checked with an independent implementation (http-message-signatures) and with `ketnoi verify`."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from http_message_signatures import HTTPMessageVerifier, InvalidSignature, MappingKeyResolver, algorithms
from typer.testing import CliRunner

from ketnoi.cli import app as cli
from ketnoi.kit import httpsig, nodekey
from tests.sharing.conftest import World, ask_connection

REQUIRED = ('"@status"', '"content-digest"', '"@method";req', '"@path";req', '"@query";req')


def _independent(response: httpx.Response, *, url: str | None = None, body: bytes | None = None) -> list[Any]:
    """Verify as another agency would, with another implementation and the node's published JWKS."""
    keys = nodekey.keys_from_jwks(nodekey.jwks())
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.ED25519, key_resolver=MappingKeyResolver(public_keys=keys, private_keys={})
    )
    request = SimpleNamespace(method=response.request.method, url=url or str(response.request.url), headers={})
    message = SimpleNamespace(status_code=response.status_code, headers=response.headers, request=request)
    return list(
        verifier.verify(message, expect_tag=httpsig.TAG, require_components=REQUIRED, body=body if body is not None else response.content)
    )


def test_answers_and_refusals_verify_with_another_implementation(api: TestClient, gateway: World) -> None:
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu", "ten_nhiem_vu"])
    answered = api.get("/x/DV.MACDINH/records", params={"ten_nhiem_vu__contains": "lúa", "limit": "5"}, headers=gateway.key)
    assert answered.status_code == 200
    [result] = _independent(answered)
    assert result.body == answered.content
    covered = " ".join(str(c) for c in result.covered_components)
    assert '"ketnoi-exchange"' in covered and '"ketnoi-consumer"' in covered
    for refused in (
        api.get("/x/DV.DACTHU/records", headers=gateway.key),
        api.get("/x/whoami"),
        api.get("/x/DV.KHONGCO/records", headers=gateway.key),
    ):
        assert refused.status_code >= 400
        assert _independent(refused)


def test_a_tampered_body_or_another_request_does_not_verify(api: TestClient, gateway: World) -> None:
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu"])
    response = api.get("/x/DV.MACDINH/records", params={"limit": "2"}, headers=gateway.key)
    forged = response.content.replace(b"NV-01", b"NV-09")
    with pytest.raises(InvalidSignature):
        _independent(response, body=forged)
    with pytest.raises(InvalidSignature):  # the same answer passed off as the answer to another query
        _independent(response, url=str(response.request.url).replace("limit=2", "limit=3"))
    keys = nodekey.public_keys()
    request = httpsig.RequestLine("GET", "/x/DV.MACDINH/records", "limit=2")
    assert httpsig.verify_response(status=200, headers=dict(response.headers), body=response.content, request=request, keys=keys)
    with pytest.raises(httpsig.SignatureError, match="Content-Digest"):
        httpsig.verify_response(status=200, headers=dict(response.headers), body=forged, request=request, keys=keys)
    with pytest.raises(httpsig.SignatureError, match="không khớp"):
        httpsig.verify_response(status=200, headers=dict(response.headers) | {"ketnoi-exchange": "999"}, body=response.content,
                                request=request, keys=keys)  # fmt: skip


def _saved(response: httpx.Response) -> bytes:
    head = f"HTTP/1.1 {response.status_code} OK\r\n" + "".join(f"{k}: {v}\r\n" for k, v in response.headers.multi_items())
    return head.encode("latin-1") + b"\r\n" + response.content


def test_ketnoi_verify_checks_a_saved_response(api: TestClient, gateway: World, tmp_path: Path) -> None:
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu"])
    response = api.get("/x/DV.MACDINH/records", params={"limit": "1"}, headers=gateway.key)
    saved, jwks = tmp_path / "phan_hoi.http", tmp_path / "jwks.json"
    saved.write_bytes(_saved(response))
    jwks.write_text(json.dumps(nodekey.jwks()))
    url = "https://ketnoi.most.gov.vn/x/DV.MACDINH/records?limit=1"
    ok = CliRunner().invoke(cli, ["verify", str(saved), "--url", url, "--jwks", str(jwks)])
    assert ok.exit_code == 0, ok.output
    assert f"bản ghi nhật ký số {response.headers['ketnoi-exchange']}" in ok.output
    saved.write_bytes(_saved(response).replace(b"NV-01", b"NV-02"))
    tampered = CliRunner().invoke(cli, ["verify", str(saved), "--url", url])
    assert tampered.exit_code == 1 and "Content-Digest" in tampered.output
    saved.write_bytes(_saved(response))
    other = CliRunner().invoke(cli, ["verify", str(saved), "--url", url.replace("limit=1", "limit=100")])
    assert other.exit_code == 1 and "không khớp" in other.output
    saved.write_text("không phải phản hồi HTTP")
    assert CliRunner().invoke(cli, ["verify", str(saved), "--url", url]).exit_code == 1
