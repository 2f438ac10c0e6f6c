"""The client's network address: the one place that decides it, for every rate limit and the audit trail.

Behind a reverse proxy REMOTE_ADDR is the proxy's address for every client, so limits keyed on it would count all
clients together (one guesser locks everyone out, or the limit is set so high it stops no one). The proxy names the
client in X-Forwarded-For, but anyone can send that header, so it is believed only as far as it was written by a
proxy listed in TRUSTED_PROXIES (addresses or networks, comma-separated; empty: no proxy, the header is ignored):

- REMOTE_ADDR not trusted → REMOTE_ADDR, whatever the header says;
- REMOTE_ADDR trusted → walk X-Forwarded-For from the right (each proxy appends the address it received the request
  from) past the trusted proxies; the first address not trusted is the client. What lies left of it was written by
  the client itself and is never read.

IPv6 clients are counted on their /64 (`rate_key`): one subscriber line or host gets a whole /64 and can pick a new
address from it for every request. The audit trail keeps the full address (`client_ip`).
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

IPV6_RATE_PREFIX = 64


@lru_cache(maxsize=8)
def _networks(spec: str) -> tuple:
    networks = []
    for entry in spec.split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: “{entry}” is not an IP address or network") from None
    return tuple(networks)


def trusted_networks() -> tuple:
    spec = settings.TRUSTED_PROXIES
    return _networks(spec if isinstance(spec, str) else ",".join(spec))


def _address(value):
    """An address from REMOTE_ADDR or one hop of X-Forwarded-For ("1.2.3.4", "[2001:db8::1]:443", "1.2.3.4:5678"),
    IPv4-mapped IPv6 as IPv4; None if it is not one."""
    text = (value or "").strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]  # IPv4 with a port
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address, networks) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_address(request):
    """The client's address as an `ipaddress` object (None when there is no request or no usable address)."""
    if request is None:
        return None
    remote = _address(request.META.get("REMOTE_ADDR"))
    networks = trusted_networks()
    if remote is None or not networks or not _trusted(remote, networks):
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # not written by a proxy of ours: nothing left of it can be believed
        if not _trusted(address, networks):
            return address
        remote = address
    # Every hop was one of our proxies (or the header is missing): the request came from the left-most of them.
    return remote


def client_ip(request) -> str | None:
    """The client's full address as text, for the audit trail (None when unknown)."""
    address = client_address(request)
    return str(address) if address is not None else None


def rate_key(request) -> str:
    """What rate limits count a client under: its IPv4 address, or the /64 of its IPv6 address ("" when unknown)."""
    address = client_address(request)
    if address is None:
        return ""
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_RATE_PREFIX}", strict=False))
    return str(address)


def network_key(request) -> str:
    """A client's wider network for the limits that must hold against many addresses (one attacker with a whole IPv6
    allocation has 65,536 /64s in a /48): the /24 of an IPv4 address, the /48 of an IPv6 one ("" when unknown)."""
    address = client_address(request)
    if address is None:
        return ""
    prefix = 48 if address.version == 6 else 24
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
