"""The after-action report of one incident: HTML (Jinja2, autoescaped), PDF if a converter exists.

Everything in it comes from the incident view folded from both signed logs:
the timeline (who said what, when received, when a human acknowledged it),
both sides' assessments and their difference, the playbook steps each side
took and when, each side's response times, the closing, and a map plot of
the encounter geometry embedded as a PNG, so the file stands alone.

It must never fetch anything: the page embeds its image and carries no
scripts, so it opens the same offline, years later.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from detente import __version__
from detente.errors import DetenteError
from detente.i18n.render import render
from detente.incidents.geometry import encounter_geometry, plot_png
from detente.incidents.levels import meaning
from detente.incidents.playbook import Playbook
from detente.incidents.progress import progress
from detente.incidents.state import IncidentView, TimelineRow
from detente.incidents.stats import response_times, time_to_peer_ack_s, time_to_resolution_s

PDF_CONVERTERS = ("chromium", "chromium-browser", "google-chrome")


@dataclass(frozen=True, slots=True)
class Evidence:
    """An evidence bundle written next to the report."""

    file_name: str
    sha256: str
    entries: int


def summary(row: TimelineRow) -> str:
    """One line saying what an entry says, in English; phrases rendered from their code."""
    body: Mapping[str, Any] = row.body
    try:
        if row.kind == "phrase":
            return render(str(body["code"]), body.get("params", {}), "en")
    except DetenteError:
        pass
    for key in ("text", "title", "topic", "rationale", "reason"):
        if isinstance(body.get(key), str):
            text = str(body[key])
            return text if len(text) <= 300 else text[:299] + "…"
    if row.kind == "acknowledge":
        return f"acknowledges {str(body.get('ref', ''))[:12]}"
    if row.kind == "encounter_alert":
        return f"{body.get('level')} encounter alert: CPA {float(body.get('cpa_m', 0)):.0f} m"
    if row.kind == "incident_close":
        return f"closing ({body.get('outcome')}): " + "; ".join(body.get("agreed_facts", []))
    if row.kind == "incident_endorse":
        return f"endorses resolution {str(body.get('ref', ''))[:12]}"
    return row.kind


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("detente.incidents", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


def render_report(
    view: IncidentView,
    *,
    playbook: Playbook | None,
    generated_by: str,
    now: datetime,
    evidence: Evidence | None = None,
) -> str:
    """The report's HTML text."""
    geometry = encounter_geometry(view)
    png = plot_png(geometry, title=view.title)
    steps = {
        party: [s.to_json(now) for s in progress(playbook, view, party)] if playbook else []
        for party in view.parties
    }
    separation = geometry.cpa_separation_m()
    return (
        _environment()
        .get_template("report.html")
        .render(
            view=view,
            data=view.to_json(),
            rows=[(row, summary(row)) for row in view.timeline],
            level_meaning={n: (meaning(n, "en"), meaning(n, "zh")) for n in range(1, 6)},
            steps=steps,
            playbook=playbook,
            responses=response_times(view),
            peer_ack_s=time_to_peer_ack_s(view),
            resolution_s=time_to_resolution_s(view),
            geometry=geometry,
            cpa_separation_m=separation,
            plot_png_b64=base64.b64encode(png).decode("ascii"),
            generated_by=generated_by,
            generated_t=f"{now:%Y-%m-%dT%H:%M:%SZ}",
            version=__version__,
            evidence=evidence,
        )
    )


def pdf_converter() -> str | None:
    """The path of a headless browser that can print to PDF, if one is installed."""
    for name in PDF_CONVERTERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html_path: Path, pdf_path: Path, *, timeout_s: float = 120.0) -> bool:
    """Print the report to PDF with a headless browser; False when no converter is present."""
    browser = pdf_converter()
    if browser is None:
        return False
    with tempfile.TemporaryDirectory(prefix="detente-pdf-") as profile:
        completed = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                f"--user-data-dir={profile}",
                f"--print-to-pdf={pdf_path}",
                html_path.resolve().as_uri(),
            ],
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    if completed.returncode != 0 or not pdf_path.is_file():
        raise DetenteError(
            f"{Path(browser).name} could not print the PDF: "
            f"{completed.stderr.decode(errors='replace')[-300:]}",
            field="pdf",
        )
    return True
