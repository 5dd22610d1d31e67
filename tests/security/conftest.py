"""The ``site`` fixture: one attacked node per test module (see ``site.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.security.site import Site, site_on


@pytest.fixture(scope="module")
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """SQLite, or the engine a module asks for (``pytestmark = BOTH_ENGINES``)."""
    engine = getattr(request, "param", "sqlite")
    with site_on(engine, tmp_path_factory.mktemp(f"attack-{engine}")) as node:
        yield node
