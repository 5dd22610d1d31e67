"""Front-end files: node_modules found or configured, and pages that say when it is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.web import assets
from detente.web.templating import environment


def test_assets_node_modules_found_above_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(assets.ENV_VAR, raising=False)
    found = assets.find_node_modules()
    assert found is not None
    assert (found / "htmx.org").is_dir()
    assert assets.missing_vendor_files(found) == []


def test_assets_configured_folder_wins_and_missing_means_none(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(assets.ENV_VAR, str(tmp_path / "nowhere"))
    assert assets.find_node_modules() is None
    assert assets.missing_vendor_files(None) == sorted(assets.VENDOR_FILES)
    (tmp_path / "htmx.org").mkdir()
    monkeypatch.setenv(assets.ENV_VAR, str(tmp_path))
    assert assets.find_node_modules() == tmp_path
    assert "htmx.min.js" in assets.missing_vendor_files(tmp_path)


def render_map(*, vendor_ok: bool) -> str:
    return (
        environment()
        .get_template("map.html")
        .render(
            _=lambda s: s,
            lang="en",
            who=None,
            csrf="",
            party="US",
            node_name="n",
            theme="light",
            nav=(),
            path="/ui/map",
            vendor_ok=vendor_ok,
            role_labels={},
        )
    )


def test_assets_pages_without_node_modules_show_a_notice_and_load_nothing_foreign() -> None:
    html = render_map(vendor_ok=False)
    assert 'id="vendor-missing"' in html
    assert "/ui/vendor/" not in html.replace('data-basemap="/ui/vendor/', "")
    assert "leaflet.js" not in html
    with_vendor = render_map(vendor_ok=True)
    assert 'id="vendor-missing"' not in with_vendor
    assert '<script src="/ui/vendor/leaflet.js" defer></script>' in with_vendor


def test_assets_vendor_files_exist_in_the_installed_packages() -> None:
    found = assets.find_node_modules()
    assert found is not None
    for name, rel in assets.VENDOR_FILES.items():
        assert (found / rel).is_file(), name


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert('x')</script>",
        '"><img src=x onerror=alert(1)>',
        "{{ 7*7 }} ${7*7} \u202eevil\u202c 中文 🚢",
    ],
)
def test_dashboard_environment_autoescapes(payload: str) -> None:
    """Whatever a peer or an operator wrote reaches a page as text, never as markup."""
    env = environment()
    assert env.autoescape("page.html") if callable(env.autoescape) else env.autoescape
    rendered = env.from_string("<p>{{ value }}</p>").render(value=payload)
    assert "<script>" not in rendered and "<img" not in rendered
    assert rendered.count("<") == 2  # only the template's own <p> and </p>
