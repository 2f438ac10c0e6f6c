"""Checks for a form page sent back with errors (WCAG 3.3.1, 1.3.1, 4.1.2): the error summary is there, the failing
control says it is invalid, and every id its aria-describedby names is on the page."""

from html.parser import HTMLParser


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html):
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def assert_accessible_error(html, *, name=None, id=None, summary=True):
    """The control named `name` (or with id `id`) is marked invalid and described by elements that exist; the page has
    an error summary unless summary=False. Returns the ids it is described by."""
    found = tags(html)
    ids = {attrs["id"] for _tag, attrs in found if attrs.get("id")}
    if summary:
        assert "data-error-summary" in html, "no error summary"
    controls = [attrs for tag, attrs in found if tag in ("input", "select", "textarea", "div")
                and (attrs.get("name") == name if name else attrs.get("id") == id)
                and attrs.get("aria-invalid") == "true"]
    assert controls, f"no control {name or id} with aria-invalid"
    described = set()
    for attrs in controls:
        targets = (attrs.get("aria-describedby") or "").split()
        assert targets, f"{name or id}: no aria-describedby"
        missing = [t for t in targets if t not in ids]
        assert not missing, f"{name or id}: aria-describedby names ids not on the page: {missing}"
        described.update(targets)
    return described
