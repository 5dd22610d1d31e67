"""The after-action report: its content, its escaping, its embedded plot, its PDF."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from detente.incidents.bodies import IncidentOpenBody
from detente.incidents.playbook import bundled_playbook
from detente.incidents.report import html_to_pdf, pdf_converter, render_report
from detente.incidents.state import IncidentBook, IncidentView
from tests.incidents.builders import (
    KEY,
    ack,
    assess,
    close,
    endorse,
    escalation,
    h,
    head_on_alert,
    item,
    say,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _view(title: str = "Critical encounter") -> IncidentView:
    alert = head_on_alert()
    open_body = IncidentOpenBody.model_validate(
        {
            "type": "unsafe_encounter_sea",
            "title": title,
            "facts": ["CPA 500 m <predicted>"],
            "tags": ["critical"],
            "level": 3,
            "event_key": KEY,
            "links": [{"kind": "entry", "id": h(5)}],
            "domain": "sea",
        }
    )
    book = IncidentBook(("CN", "US"))
    aside = book.feed(
        [
            item(5, "US", 0, None, kind="encounter_alert", raw=alert.model_dump(mode="json")),
            item(10, "US", 1, open_body),
            ack(11, "CN", 20, ref=10),
            say(12, "US", 30, 10, code="REQUEST_INTENTIONS"),
            escalation(13, "US", 33, ref=12),
            ack(14, "CN", 40, ref=12),
            say(15, "CN", 50, 10, code="WILCO"),
            assess(16, "US", 60, 10, 3),
            assess(17, "CN", 70, 10, 2),
            close(18, "US", 100, 10),
            endorse(19, "CN", 130, 10, proposal=18),
        ]
    )
    assert not aside
    return book.view(h(10))


def _html(view: IncidentView) -> str:
    return render_report(
        view,
        playbook=bundled_playbook("unsafe_encounter_sea"),
        generated_by="INDOPACOM J3 (US)",
        now=NOW,
    )


def test_report_carries_timeline_assessments_steps_and_closing() -> None:
    html = _html(_view())
    assert '<td id="state">resolved</td>' in html
    assert '<td id="tier">theater</td>' in html
    assert "<td>Request your intentions.</td>" in html  # the phrase, rendered from its code
    assert "The sides' assessments differ." in html
    assert "Dangerous: a risk of collision" in html and "危险" in html
    assert "Both ships passed at 150 m" in html and "Keep 2 nm separation" in html
    assert "signed by US, CN" in html
    timeline = html.split('id="timeline"')[1].split("</table>")[0]
    assert timeline.count("<tr>") == 1 + 9  # header + every entry but the acknowledgements
    assert "CN (duty officer) 2026-11-27T09:00:40.000000Z" in timeline
    assert "Ask the other ship for its intentions" in html
    responses = html.split('id="responses"')[1].split("</table>")[0]
    assert "<td>CN</td><td>2</td>" in responses


def test_report_embeds_the_plot_with_the_real_cpa() -> None:
    html = _html(_view())
    match = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert match is not None
    png = base64.b64decode(match.group(1))
    assert png.startswith(b"\x89PNG") and len(png) > 15_000
    assert "Predicted CPA 500 m" in html
    assert re.search(r"dead-reckoned positions then 50\d m apart", html)
    cpa = html.split('id="cpa"')[1].split("</table>")[0]
    assert len(re.findall(r"<td>0\.(?:0500|0499)\d</td>", cpa)) == 2  # both meet mid-way


def test_report_escapes_what_the_parties_wrote() -> None:
    html = _html(_view(title="<script>alert(1)</script>"))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "CPA 500 m &lt;predicted&gt;" in html


@pytest.mark.skipif(pdf_converter() is None, reason="SKIPPING LOUDLY: no headless browser for PDF")
def test_report_prints_to_pdf(tmp_path: Path) -> None:
    html_path = tmp_path / "report.html"
    html_path.write_text(_html(_view()), encoding="utf-8")
    assert html_to_pdf(html_path, tmp_path / "report.pdf")
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
