"""Which IP addresses a webhook may reach: one rule for subscribe time and for send time.

``ipaddress.is_global`` alone is not enough on Python 3.11: it calls NAT64, 6to4, IPv4-compatible
and IPv4-translated addresses global whatever IPv4 address they carry, so ``64:ff9b::a00:1``
would reach 10.0.0.1 through a NAT64 gateway. Every IPv6 form that embeds an IPv4 address is
refused outright (a webhook endpoint has no reason to be spelled that way), as are multicast and
the ranges the standard library does not know yet.
"""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

Address = IPv4Address | IPv6Address

# IPv6 forms that carry an IPv4 address, and how far from the right its 32 bits sit.
_EMBEDDING: tuple[tuple[IPv6Network, str, int], ...] = (
    (IPv6Network("64:ff9b::/96"), "NAT64", 0),
    (IPv6Network("64:ff9b:1::/48"), "local-use NAT64", 0),
    (IPv6Network("2002::/16"), "6to4", 80),
    (IPv6Network("2001::/32"), "Teredo", 0),  # the client's address, bits inverted
    (IPv6Network("::ffff:0:0/96"), "IPv4-mapped", 0),
    (IPv6Network("::ffff:0:0:0/96"), "IPv4-translated", 0),
    (IPv6Network("::/96"), "IPv4-compatible", 0),
)
# Not global, though Python 3.11 says they are.
_ALSO_REFUSED: tuple[IPv4Network | IPv6Network, ...] = (
    IPv4Network("192.0.0.0/24"),  # IETF protocol assignments (the dummy 192.0.0.8 among them)
    IPv4Network("192.88.99.0/24"),  # 6to4 relay anycast (deprecated)
    IPv6Network("fec0::/10"),  # site-local (deprecated)
    IPv6Network("3fff::/20"),  # documentation (RFC 9637)
    IPv6Network("5f00::/16"),  # SRv6 SIDs (RFC 9602)
    IPv6Network("100:0:0:1::/64"),  # dummy prefix (RFC 9780)
)


_GLOBAL_UNICAST = IPv6Network("2000::/3")  # every other IPv6 range is reserved or local


def parse_address(text: str) -> Address | None:
    """``text`` as an IP literal (brackets allowed), or None when it is a host name."""
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def refusal(address: Address) -> str | None:
    """Why a webhook must not be sent to ``address``; None when it is a public unicast address."""
    if address.is_loopback or address.is_unspecified:
        return f"{address} is not a public address"
    if isinstance(address, IPv6Address):
        for network, form, shift in _EMBEDDING:
            if address in network:
                embedded = (int(address) >> shift) & 0xFFFFFFFF
                if form == "Teredo":
                    embedded ^= 0xFFFFFFFF
                return f"{address} embeds IPv4 {IPv4Address(embedded)} ({form})"
        if (int(address) >> 32) & 0xFDFFFFFF == 0x00005EFE:  # the interface id ::[02]00:5efe
            return f"{address} embeds IPv4 {IPv4Address(int(address) & 0xFFFFFFFF)} (ISATAP)"
    if address.is_multicast:
        return f"{address} is a multicast address"
    outside = isinstance(address, IPv6Address) and address not in _GLOBAL_UNICAST
    if outside or not address.is_global or any(address in net for net in _ALSO_REFUSED):
        return f"{address} is not a public address"
    return None
