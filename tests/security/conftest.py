"""The ``site`` fixture: one attacked node per test module (see ``site.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.security.site import Site, start_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    node = start_site(tmp_path_factory.mktemp("attack"))
    try:
        yield node
    finally:
        node.stop()
