"""Where a data source may be: a public address, or a private network the operator listed.

A source is read by the platform itself, from inside the ministry's network: without this, a
steward could point one at the platform's own services (its Redis, its metadata database, an
administration page on loopback) and read them into a dataset. Public addresses are allowed;
loopback and private ones only inside the networks of KETNOI_SOURCE_NETWORKS (the units' own
database and API servers). Names are resolved and every address they give is checked, when the
source is saved and again each time it is opened.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache

from ketnoi.kit.errors import Invalid
from ketnoi.settings import get_settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=4)
def _networks(listed: str) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in listed.split(",") if part.strip())


def host_problem(host: str | None, port: int | None, *, field: str = "url") -> None:
    """Invalid naming `field` when `host` is not a place a source may be."""
    if not host:
        raise Invalid("Địa chỉ nguồn thiếu tên máy chủ.", fields={field: "Thiếu máy chủ."})
    allowed = _networks(get_settings().source_networks)
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port or 0, proto=socket.IPPROTO_TCP)
    except OSError:
        raise Invalid("Không tìm thấy máy chủ «{host}» (tên không phân giải được).", fields={field: host}, values={"host": host}) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address.is_global or any(address in network for network in allowed):
            continue
        raise Invalid(
            "Máy chủ «{host}» ({address}) ở mạng nội bộ chưa được phép: quản trị viên thêm mạng này vào KETNOI_SOURCE_NETWORKS.",
            fields={field: host},
            values={"host": host, "address": address},
        )
