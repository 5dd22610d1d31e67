"""Two real nodes with dashboard operators, shared by all web tests (started once)."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from detente.node import operators as accounts
from detente.node.settings import NodeSettings
from detente.store import operators as store
from detente.store.database import Database
from detente.testing import NodeProcess, connect, make_node

PASSWORD = "correct horse battery staple"

US_OPERATORS = (
    ("alice", "operator", "en"),
    ("dora", "duty_officer", "en"),
    ("audrey", "auditor", "en"),
    ("adam", "administrator", "en"),
    ("rita", "release_authority", "en"),
    ("lou", "duty_officer", "en"),  # locked out by the brute-force test
)
CN_OPERATORS = (
    ("bo", "duty_officer", "en"),
    ("chen", "duty_officer", "zh"),
)


@functools.cache
def password_hash() -> str:
    """One argon2 hash for every test operator: hashing is slow on purpose."""
    return accounts.hash_password(PASSWORD)


def add_operators(settings: NodeSettings, operators: tuple[tuple[str, str, str], ...]) -> None:
    db = Database(settings.db_url)
    try:
        db.migrate()
        with db.writing() as conn:
            for name, role, lang in operators:
                store.insert_operator(
                    conn,
                    name=accounts.check_name(name),
                    role=accounts.check_role(role),
                    password_hash=password_hash(),
                    lang=lang,
                    created_t=time.time(),
                )
    finally:
        db.close()


@dataclass
class Pair:
    us: NodeProcess
    cn: NodeProcess
    channel: str


@pytest.fixture(scope="package")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    root: Path = tmp_path_factory.mktemp("web")
    us = make_node(root / "us", "US", "INDOPACOM J3")
    cn = make_node(root / "cn", "CN", "Southern Theater Command")
    channel = connect(us, cn)
    add_operators(us, US_OPERATORS)
    add_operators(cn, CN_OPERATORS)
    nodes = (NodeProcess(us), NodeProcess(cn))
    try:
        for node in nodes:
            node.start(wait=False)  # both boot at once; the slow part is the interpreter
        for node in nodes:
            node.wait_ready(timeout_s=90.0)  # a loaded CI machine boots slowly
        yield Pair(nodes[0], nodes[1], channel)
    finally:
        for node in nodes:
            node.stop()


CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


class Browser:
    """An httpx client holding one dashboard session, like one browser tab."""

    def __init__(self, node: NodeProcess) -> None:
        self.node = node
        self.client = httpx.Client(base_url=node.url, follow_redirects=False, timeout=30.0)
        self.csrf = ""

    def login(self, name: str, password: str = PASSWORD) -> httpx.Response:
        page = self.client.get("/ui/login")
        assert page.status_code == 200, page.text
        response = self.client.post(
            "/ui/login", data={"csrf": csrf_of(page.text), "name": name, "password": password}
        )
        if response.status_code == 303:
            self.csrf = csrf_of(self.client.get("/ui/inbox").text)
        return response

    def post(self, path: str, data: dict[str, str], *, csrf: bool = True) -> httpx.Response:
        form = {**data, "csrf": self.csrf} if csrf else dict(data)
        return self.client.post(path, data=form)

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def browser_for(pair: Pair) -> Iterator[Callable[[str, str], Browser]]:
    opened: list[Browser] = []

    def open_as(node: str, name: str) -> Browser:
        tab = Browser(pair.us if node == "US" else pair.cn)
        response = tab.login(name)
        assert response.status_code == 303, response.text
        opened.append(tab)
        return tab

    yield open_as
    for tab in opened:
        tab.close()
