"""Every route of the URL resolver, and a concrete path for each: shared by the tests that walk all routes (the
bad-input sweep, the route-wide access test), so a route is covered the day it is added."""

import re

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>(?:[^()]|\([^()]*\))*\)")


def patterns(resolver=None, prefix=""):
    """(route, pattern) for every URL pattern, the route written out from the root."""
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            yield from patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def params(route):
    return [m.group("name") or m.group("rname") for m in PARAM.finditer(route)]


def concrete(route: str, value) -> str | None:
    """The route's path with each parameter replaced by `value(name, converter, segment_before)`, or None when no
    path can match the pattern (a regex alternative the resolver lists but that has an earlier twin)."""
    path = route.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?:\\\.\(\?P<fmt>[^)]*\)\)\?", ".json", path)  # Open311's optional format suffix
    path = re.sub(r"\\\.\(\?P<format>[^)]*\)/\?", ".json", path)  # DRF's format suffix

    def fill(match):
        before = path[:match.start()].rstrip("/").rsplit("/", 1)[-1]
        return value(match.group("name") or match.group("rname"), match.group("conv"), before)

    path = "/" + PARAM.sub(fill, path).replace("\\.", ".").replace("/?", "/")
    if "drf_format_suffix" in route:
        path = path.replace("/json", "/.json")
    try:
        resolve(path.split("?")[0])
    except Resolver404:
        return None
    return path
