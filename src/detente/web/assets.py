"""Front-end files: our own static folder, and third-party libraries from node_modules.

Third-party code (htmx, Leaflet, topojson-client, the world-atlas basemap)
is served from the npm packages installed next to the project, never
copied into the repository. Only the files named in ``VENDOR_FILES`` are
served, so node_modules is not browsable. When node_modules is missing the
pages still work (no map, no live updates) and say so.

Resolved once per app from ``DETENTE_NODE_MODULES`` or by walking up from
this package; never at import time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse

ENV_VAR: Final = "DETENTE_NODE_MODULES"

VENDOR_FILES: Final[dict[str, str]] = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet.css": "leaflet/dist/leaflet.css",
    "images/layers.png": "leaflet/dist/images/layers.png",
    "images/layers-2x.png": "leaflet/dist/images/layers-2x.png",
    "images/marker-icon.png": "leaflet/dist/images/marker-icon.png",
    "images/marker-icon-2x.png": "leaflet/dist/images/marker-icon-2x.png",
    "images/marker-shadow.png": "leaflet/dist/images/marker-shadow.png",
    "topojson-client.min.js": "topojson-client/dist/topojson-client.min.js",
    "countries-50m.json": "world-atlas/countries-50m.json",
}
"""URL name under ``/ui/vendor/`` -> path inside node_modules."""

MEDIA_TYPES: Final = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".json": "application/json",
}

STATIC_DIR: Final = Path(__file__).parent / "static"


def find_node_modules(start: Path | None = None) -> Path | None:
    """``$DETENTE_NODE_MODULES``, else the first ``node_modules`` above this package."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        path = Path(configured)
        return path if path.is_dir() else None
    here = (start or Path(__file__)).resolve()
    for parent in here.parents:
        candidate = parent / "node_modules"
        if (candidate / "htmx.org").is_dir():
            return candidate
    return None


def missing_vendor_files(node_modules: Path | None) -> list[str]:
    """Which vendor files cannot be served (all of them without node_modules)."""
    if node_modules is None:
        return sorted(VENDOR_FILES)
    return sorted(name for name, rel in VENDOR_FILES.items() if not (node_modules / rel).is_file())


router = APIRouter()


@router.get("/ui/vendor/{name:path}", include_in_schema=False)
async def vendor(name: str, request: Request) -> FileResponse:
    node_modules: Path | None = request.app.state.web.node_modules
    rel = VENDOR_FILES.get(name)
    if rel is None or node_modules is None or not (node_modules / rel).is_file():
        raise HTTPException(status_code=404, detail="not found")
    path = node_modules / rel
    return FileResponse(
        path,
        media_type=MEDIA_TYPES.get(path.suffix, "application/octet-stream"),
        headers={"cache-control": "public, max-age=3600"},
    )
