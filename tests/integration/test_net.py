"""The client's address (apps.core.net): X-Forwarded-For is believed only from TRUSTED_PROXIES, right to left past
them; IPv6 clients are counted per /64; every per-address limit and the audit trail use it."""

import pytest
from django.test import Client, RequestFactory

from apps.audit.models import AuditEvent
from apps.core.net import client_ip, rate_key

PROXIES = "127.0.0.1, 10.0.0.0/24, fd00::/8"


def _request(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = ""
    assert client_ip(_request("203.0.113.5", "198.51.100.1")) == "203.0.113.5"
    assert client_ip(_request("127.0.0.1", "198.51.100.1")) == "127.0.0.1"
    assert client_ip(None) is None and rate_key(_request("not an address")) == ""


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = PROXIES
    for forwarded in ("198.51.100.1", "10.0.0.2", "198.51.100.1, 10.0.0.2", "garbage", ""):
        assert client_ip(_request("203.0.113.5", forwarded)) == "203.0.113.5", forwarded
        assert rate_key(_request("203.0.113.5", forwarded)) == "203.0.113.5"


def test_a_trusted_proxy_chain_is_honoured(settings):
    settings.TRUSTED_PROXIES = PROXIES
    # nginx on 127.0.0.1 behind a load balancer on 10.0.0.5; the client typed its own header first.
    assert client_ip(_request("127.0.0.1", "1.1.1.1, 198.51.100.7, 10.0.0.5")) == "198.51.100.7"
    assert client_ip(_request("127.0.0.1", "198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request("10.0.0.9", "198.51.100.7:51234")) == "198.51.100.7"  # a proxy that adds ports
    assert client_ip(_request("127.0.0.1", "[2001:db8::7]:443")) == "2001:db8::7"
    assert client_ip(_request("::ffff:127.0.0.1", "198.51.100.7")) == "198.51.100.7"  # IPv4-mapped peer
    # No header, or only our own proxies in it: the request came from the left-most of them.
    assert client_ip(_request("127.0.0.1")) == "127.0.0.1"
    assert client_ip(_request("127.0.0.1", "10.0.0.3, 10.0.0.5")) == "10.0.0.3"
    # Garbage right of the last proxy was not written by a proxy: nothing left of it is read.
    assert client_ip(_request("127.0.0.1", "198.51.100.7, junk, 10.0.0.5")) == "10.0.0.5"


def test_ipv6_clients_share_a_key_per_64(settings):
    settings.TRUSTED_PROXIES = ""
    one = rate_key(_request("2001:db8:1:2::1"))
    assert one == rate_key(_request("2001:db8:1:2:ffff:eeee:dddd:cccc")) == "2001:db8:1:2::/64"
    assert rate_key(_request("2001:db8:1:3::1")) != one
    assert client_ip(_request("2001:db8:1:2::1")) == "2001:db8:1:2::1"  # the audit trail keeps the full address
    assert rate_key(_request("203.0.113.5")) == "203.0.113.5"


def _fail_login(client, i):
    return client.post("/accounts/login/", {"username": f"nobody{i}", "password": "wrong-password-1"})


@pytest.mark.django_db
def test_login_limit_counts_each_client_behind_the_proxy(settings, tree):
    settings.TRUSTED_PROXIES = PROXIES
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for i in range(3):
        assert "次数过多" not in _fail_login(Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.7"), i).content.decode()
    assert "次数过多" in _fail_login(Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.7"), 3).content.decode()
    # Another client behind the same proxy has its own allowance; the audit trail names the client, not the proxy.
    assert "次数过多" not in _fail_login(Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.8"), 4).content.decode()
    assert AuditEvent.objects.filter(action="login_failed", ip="198.51.100.8").exists()
    assert not AuditEvent.objects.filter(action="login_failed", ip="127.0.0.1").exists()


@pytest.mark.django_db
def test_login_limit_cannot_be_escaped_by_a_spoofed_header_or_a_new_ipv6_address(settings, tree):
    settings.TRUSTED_PROXIES = PROXIES
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    for i in range(3):
        _fail_login(Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}"), i)
    response = _fail_login(Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.99"), 3)
    assert "次数过多" in response.content.decode()
    for i in range(3):
        _fail_login(Client(REMOTE_ADDR=f"2001:db8:5:6::{i + 1:x}"), 10 + i)
    assert "次数过多" in _fail_login(Client(REMOTE_ADDR="2001:db8:5:6:abcd::1"), 13).content.decode()
    assert "次数过多" not in _fail_login(Client(REMOTE_ADDR="2001:db8:5:7::1"), 14).content.decode()
