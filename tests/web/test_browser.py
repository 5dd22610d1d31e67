"""The dashboard in a real browser (Debian's Chromium, headless) against two real nodes.

US sends a standard phrase; it appears live at CN (server-sent events, no
reload), CN acknowledges with the keyboard, and the deadline on US clears
live. Then Chinese, the offline map, and screenshots for the README. Every
request the browser makes must go to the node it is looking at.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert

from detente.store.database import Database
from detente.store.schema import encounters, tracks
from tests.web.conftest import PASSWORD, Pair
from tests.web.shots import screenshot_path

CHROMIUM = Path("/usr/bin/chromium")
MEETING = {
    "kind": "meeting_proposal",
    "body": {
        "title": "Maritime safety talks",
        "agenda": ["Unsafe intercepts", "Hotline test"],
        "format": "video",
        "candidate_slots": [{"start": "2026-12-01T01:00:00Z", "end": "2026-12-01T02:00:00Z"}],
        "tier": "theater",
    },
    "tier": "theater",
}
STATEMENT = {
    "kind": "joint_statement",
    "body": {
        "title": "Safe distances at sea",
        "text": {"en": "Both sides will keep safe distances.", "zh": "双方将保持安全距离。"},
    },
}
ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]

if not CHROMIUM.exists():  # pragma: no cover - depends on the machine
    pytest.skip(
        f"SKIPPING BROWSER TESTS LOUDLY: {CHROMIUM} is missing (apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, Page, Request, expect, sync_playwright  # noqa: E402


def add_encounter(pair: Pair) -> None:
    """Two ships closing in the South China Sea, as the deconfliction tables hold them."""
    db = Database(pair.us.settings.db_url)
    try:
        with db.writing() as conn:
            # CN's ship last reported long ago: the live map keeps it, drawn stale.
            ships = (("us-ffg-7", "US", 114.0, time.time()), ("cn-ffg-8", "CN", 114.06, 1.0))
            for track, party, lon_deg, t in ships:
                conn.execute(
                    insert(tracks).values(
                        track=track,
                        party=party,
                        name=track,
                        domain="sea",
                        t=t,
                        lat_deg=15.0,
                        lon_deg=lon_deg,
                        alt_m=0.0,
                        speed_mps=8.0,
                        course_deg=90.0 if party == "US" else 270.0,
                        vrate_mps=0.0,
                    )
                )
            conn.execute(
                insert(encounters).values(
                    encounter_id="enc-browser",
                    domain="sea",
                    track_a="us-ffg-7",
                    track_b="cn-ffg-8",
                    party_a="US",
                    party_b="CN",
                    level="warning",
                    max_level="warning",
                    first_alert_t=1.0,
                    closest_m=420.0,
                    closest_t=60.0,
                    updated_t=1.0,
                    cleared_t=None,
                    data="{}",
                )
            )
    finally:
        db.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    expect.set_options(timeout=20_000)  # a loaded machine: receipts and refreshes take time
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


class Desk:
    """One operator's browser window on one node, recording every request it makes."""

    def __init__(self, browser: Browser, url: str) -> None:
        self.url = url
        self.context = browser.new_context(viewport={"width": 1280, "height": 720})
        self.page: Page = self.context.new_page()
        self.requests: list[str] = []
        self.page.on("request", self._record)
        self.page.set_default_timeout(20_000)

    def _record(self, request: Request) -> None:
        self.requests.append(request.url)

    def login(self, name: str) -> None:
        self.page.goto(self.url + "/ui/login")
        self.page.fill("#name", name)
        self.page.fill("#password", PASSWORD)
        self.page.click("#login-form button[type=submit]")
        expect(self.page.locator(".who")).to_contain_text(name)

    def go(self, path: str) -> None:
        self.page.goto(self.url + path)
        expect(self.page.locator("#live")).to_have_class("live on")  # event stream open

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(screenshot_path(name)))

    def assert_only_own_origin(self) -> None:
        foreign = [u for u in self.requests if not u.startswith(self.url + "/")]
        assert not foreign, f"requests outside {self.url}: {foreign}"
        assert self.requests

    def close(self) -> None:
        self.context.close()


def test_browser_phrase_arrives_live_is_acknowledged_and_clears(
    pair: Pair, chromium: Browser
) -> None:
    us = Desk(chromium, pair.us.url)
    cn = Desk(chromium, pair.cn.url)
    try:
        us.page.goto(us.url + "/ui/login")
        us.shot("login")
        us.login("alice")
        cn.login("bo")
        cn.go("/ui/inbox")
        cn.page.evaluate("window.detenteNoReload = true")

        # US composes a standard phrase; the preview renders both languages as it is typed.
        us.go("/ui/compose")
        us.page.evaluate(
            "window.detenteSettled = 0;"
            "document.body.addEventListener('htmx:afterSettle', () => window.detenteSettled++)"
        )
        us.page.select_option("#code", "ALTERING_COURSE_TO")
        us.page.wait_for_function("() => window.detenteSettled > 0")  # new inputs are wired up
        course = us.page.locator("#param-course")
        course.fill("77")
        expect(us.page.locator("#preview-en")).to_have_text("I am altering my course to 077°.")
        expect(us.page.locator("#preview-zh")).to_have_text("我正在将航向改为077°。")
        us.page.select_option("#phrase-precedence", "PRIORITY")
        us.shot("compose")
        us.page.click("#send-phrase")
        expect(us.page.locator("#sent")).to_contain_text("Sent entry")

        # US status and outbox: the deadline runs (a countdown) until CN acknowledges.
        us.go("/ui/")
        expect(us.page.locator("#deadlines .countdown").first).to_contain_text("Due in")
        us.shot("status")
        us.go("/ui/outbox")
        row = us.page.locator("#outbox tr", has_text="077°")
        expect(row.locator(".countdown")).to_contain_text("Due in")
        us.page.evaluate("window.detenteNoReload = true")

        # CN sees it arrive without reloading, selects it with j and acknowledges with a.
        arrived = cn.page.locator("#inbox tr", has_text="I am altering my course to 077°.")
        expect(arrived).to_be_visible()
        assert cn.page.evaluate("window.detenteNoReload === true")
        cn.shot("inbox")
        cn.page.keyboard.press("j")
        expect(cn.page.locator("#inbox tr.selected")).to_have_count(1)
        if "077°" not in (cn.page.locator("#inbox tr.selected").text_content() or ""):
            cn.page.click("#inbox tr:has-text('077°') td.summary")
        cn.page.keyboard.press("a")
        acked = cn.page.locator("#inbox tr", has_text="077°").locator(".acked")
        expect(acked).to_contain_text("Acknowledged by Duty officer")

        # US: the countdown turns into the acknowledgement, live.
        expect(row.locator(".acked")).to_contain_text("Acknowledged by Duty officer")
        expect(row.locator(".countdown")).to_have_count(0)
        assert us.page.evaluate("window.detenteNoReload === true")
        us.shot("outbox")

        # US switches to Chinese: the interface and the phrase are in Chinese.
        us.page.click("#lang-toggle")
        expect(us.page.locator("#nav-inbox")).to_have_text("收件箱")
        expect(us.page.locator("html")).to_have_attribute("lang", "zh-Hans")
        expect(us.page.locator("#outbox tr", has_text="我正在将航向改为077°。")).to_be_visible()
        us.shot("outbox-zh")
        us.page.click("#lang-toggle")
        expect(us.page.locator("#nav-inbox")).to_have_text("Inbox")

        us.go("/ui/log")
        expect(us.page.locator("#verification")).to_have_text("Verified")
        us.shot("log")

        # Dialogue: CN proposes a meeting and drafts a joint statement; US sees both live.
        us.go("/ui/dialogue")
        pair.cn.api("POST", "/api/v1/messages", json={"to": "US", **MEETING})
        pair.cn.api("POST", "/api/v1/messages", json={"to": "US", **STATEMENT})
        expect(us.page.locator(".meeting h2", has_text="Maritime safety talks")).to_be_visible()
        expect(us.page.locator(".statement", has_text="双方将保持安全距离。")).to_be_visible()
        us.shot("dialogue")

        us.go("/ui/")
        us.page.click("#theme-toggle")
        expect(us.page.locator("html")).to_have_attribute("data-theme", "dark")
        us.shot("status-dark")
        us.page.click("#theme-toggle")
        expect(us.page.locator("html")).to_have_attribute("data-theme", "light")

        # The map: an offline basemap from world-atlas, no tile server; tracks and an encounter.
        add_encounter(pair)
        us.go("/ui/map")
        expect(us.page.locator("#map[data-basemap-loaded]")).to_have_count(1)
        assert us.page.locator("#map path.land").count() > 100
        expect(us.page.locator("#map path.track-own")).to_have_count(1)
        expect(us.page.locator("#map path.track-peer")).to_have_count(1)
        expect(us.page.locator("#map path.track-peer.stale")).to_have_count(1)
        expect(us.page.locator("#map path.track-own.stale")).to_have_count(0)
        expect(us.page.locator("#map path.encounter")).to_have_count(1)
        us.shot("map")

        us.assert_only_own_origin()
        cn.assert_only_own_origin()
    finally:
        us.close()
        cn.close()
