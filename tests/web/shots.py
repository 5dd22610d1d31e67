"""Where browser tests put their screenshots.

The README's screenshots are refreshed on purpose (``make screenshots`` sets
``DETENTE_SCREENSHOTS=docs/screenshots``); an ordinary test run writes to a
temporary folder so it never leaves the work tree changed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def screenshot_path(name: str) -> Path:
    """The file for screenshot ``name``, its folder made."""
    folder = Path(
        os.environ.get("DETENTE_SCREENSHOTS") or Path(tempfile.gettempdir()) / "detente-screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.png"
