"""Which addresses are not the internet: one definition, read by the network doctor (routes) and the guard
(a workforce's ``SourceIpConfig``). Pure, no I/O."""

from __future__ import annotations

import ipaddress
from typing import Iterable, Sequence, Union

__all__ = ["Network", "PRIVATE_RANGES", "public_part"]

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

PRIVATE_RANGES: tuple[Network, ...] = tuple(ipaddress.ip_network(c) for c in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",  # RFC 1918
    "100.64.0.0/10",                                   # RFC 6598 shared address space (VPC CIDRs may use it)
    "169.254.0.0/16",                                  # IPv4 link-local
    "fc00::/7",                                        # IPv6 unique local addresses (RFC 4193)
    "fe80::/10",                                       # IPv6 link-local
))
"""Address ranges that are not the internet: a route of only these (or of the VPC's CIDRs) to a
transit gateway, peering connection, virtual private gateway, appliance... reaches other private
networks, not the internet (Amazon VPC User Guide, "VPC CIDR blocks": RFC 1918 and RFC 6598 ranges);
a source-IP allow list of only these admits nobody from the internet."""


def public_part(cidrs: Iterable[str], inside: Sequence[Network] = PRIVATE_RANGES) -> list[Network]:
    """The parts of ``cidrs`` outside every range of ``inside``, collapsed.

    Parameters
    ----------
    cidrs : iterable of str
        CIDR blocks (IPv4 or IPv6; host bits allowed).
    inside : sequence of networks, default :data:`PRIVATE_RANGES`
        The ranges that are not the internet.

    Returns
    -------
    list of networks
        Empty when every block lies inside ``inside``. A value that is not a CIDR is taken as
        ``0.0.0.0/0`` (fail closed).
    """
    left: list[Network] = []
    for text in cidrs:
        try:
            pieces = [ipaddress.ip_network(text, strict=False)]
        except (ValueError, TypeError):
            pieces = [ipaddress.ip_network("0.0.0.0/0")]
        for cut in inside:
            kept: list[Network] = []
            for piece in pieces:
                if piece.version != cut.version or not piece.overlaps(cut):
                    kept.append(piece)
                elif not piece.subnet_of(cut):  # type: ignore[arg-type]
                    kept.extend(piece.address_exclude(cut))  # type: ignore[arg-type]
            pieces = kept
        left.extend(pieces)
    v4 = [n for n in left if n.version == 4]
    v6 = [n for n in left if n.version == 6]
    return [*ipaddress.collapse_addresses(v4), *ipaddress.collapse_addresses(v6)]  # type: ignore[list-item]
