"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright's sync API runs an asyncio loop in the main thread, so Django's async-safety
check must be relaxed for the ORM calls the tests make between browser steps.
"""

import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
DEMO_PASSWORD = "Yangguang2026"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (make browser-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


AXE_PAGES_PER_TAB = 30  # the pages a test opened, checked again at its end (the first ones, each address once)


@pytest.fixture
def new_page(browser, live_server):
    """A factory of pages, each in its own context (own cookies); fails the test on a 5xx or a JS error — and on a
    critical or serious accessibility violation (axe-core) of any page the test opened: every HTML page a tab loaded
    with GET is opened again at the end of the test, as that tab's user, and checked."""
    from .axe import audit, blocking, describe

    contexts, problems, tabs = [], [], []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        visited = []
        tabs.append((page, visited))
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 500 else None)
        page.on("response", lambda r: _note_document(page, r, visited))
        page.on("pageerror", lambda exc: problems.append(f"JS error: {exc}"))
        return page

    yield make
    if not problems:
        for page, visited in tabs:
            if page.is_closed():
                continue
            for url in list(dict.fromkeys(visited))[:AXE_PAGES_PER_TAB]:
                page.goto(url)
                bad = blocking(audit(page))
                if bad:
                    problems.append(f"accessibility (axe-core) of {url}:\n{describe(bad)}")
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


def _note_document(page, response, visited):
    """An HTML page the tab's main frame loaded with GET (no download, no POST answer, no htmx fragment)."""
    request = response.request
    if (request.resource_type == "document" and request.method == "GET" and response.status < 400
            and request.frame == page.main_frame and "text/html" in response.headers.get("content-type", "")):
        visited.append(response.url)


@pytest.fixture
def page(new_page):
    return new_page(viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone_page(new_page):
    return new_page(**PHONE)


@pytest.fixture(scope="session")
def _demo_snapshot(django_db_setup, django_db_blocker):
    """The small demo district, written once per session (per xdist worker) by the first test that asks for it."""
    state = {}
    yield state
    if "snapshot" in state:
        with django_db_blocker.unblock():
            state["snapshot"].drop()


@pytest.fixture
def demo(transactional_db, _demo_snapshot):
    """The small demo district (about 70 organizations, 420 members, the demo accounts), as just seeded.

    Seeding takes seconds, so it happens once: inside the first test that asks (under that test's settings, e.g. the
    fast password hasher), then every table is copied aside (tests/snapshot.py). Each later test gets those rows put
    back before it starts, so what a test before it wrote (and the flush after it) leaves no trace."""
    from apps.demo.seed import seed_demo
    from tests.snapshot import DatabaseSnapshot

    if "snapshot" not in _demo_snapshot:
        _demo_snapshot["counts"] = seed_demo(scale="small", log=lambda *_: None)
        _demo_snapshot["snapshot"] = DatabaseSnapshot().take()
    else:
        _demo_snapshot["snapshot"].restore()
    return dict(_demo_snapshot["counts"])


@pytest.fixture
def shot():
    """Save a screenshot of the page to var/screenshots/<name>.png — and check that state of the page with axe-core:
    every state a user path stops to look at must have no critical or serious accessibility violation (the test
    fails at its end, listing them by screenshot)."""
    from .axe import audit, blocking, describe

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    found = {}

    def _shot(page, name, full_page=True):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        if page.url.startswith("http"):  # a PDF or download has no document to check
            bad = blocking(audit(page))
            if bad:
                found[name] = describe(bad)
        return path

    yield _shot
    assert not found, "accessibility (axe-core):\n" + "\n\n".join(f"{k}\n{v}" for k, v in found.items())


@pytest.fixture
def login():
    """Log in through the form (fields, then the 登录 button); returns the page after the response."""

    def _login(page, username, password=DEMO_PASSWORD):
        if "/accounts/login/" not in page.url:
            page.goto("/accounts/login/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="登录").click()
        return page

    return _login
