"""Serve the Sarabun web font from the installed ``fontpkg-sarabun`` package.

Pages must work without internet (no Google Fonts, no CDN), so the TTF files that ship
with the Python package are served by the app itself, together with a small stylesheet
of ``@font-face`` rules.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path

from flask import Blueprint, Response, abort, send_file, url_for

assets_bp = Blueprint("assets", __name__)

_PACKAGE = "fontpkg_sarabun"
_DISTRIBUTION = "fontpkg-sarabun"
_FAMILY = "Sarabun"
# CSS weight -> file style. Only these are declared; other files are still served.
_FACES = {400: "Regular", 600: "SemiBold", 700: "Bold"}
_FONT_MAX_AGE = 365 * 24 * 3600
_CSS_MAX_AGE = 24 * 3600


@lru_cache(maxsize=None)
def _font_files() -> dict[str, Path]:
    """Map "Sarabun-Bold" -> path for every TTF in the package; the allow-list for requests."""
    folder = resources.files(_PACKAGE) / "files"
    # fontpkg installs the TTFs as plain files, so each resource is a filesystem path.
    return {
        entry.name.removesuffix(".ttf"): Path(str(entry))
        for entry in folder.iterdir()
        if entry.name.endswith(".ttf") and entry.is_file()
    }


@lru_cache(maxsize=None)
def _font_version() -> str:
    # Added to font URLs so a package upgrade is not hidden behind a year-long cache.
    return metadata.version(_DISTRIBUTION)


@assets_bp.get("/assets/fonts/<name>.ttf")
def font(name: str) -> Response:
    path = _font_files().get(name)
    if path is None:
        abort(404)
    response = send_file(path, mimetype="font/ttf", max_age=_FONT_MAX_AGE)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@assets_bp.get("/assets/fonts.css")
def fonts_css() -> Response:
    response = Response(_font_face_css(), mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = _CSS_MAX_AGE
    return response


def _font_face_css() -> str:
    rules = []
    for weight, style in _FACES.items():
        src = url_for("assets.font", name=f"{_FAMILY}-{style}", v=_font_version())
        rules.append(
            "@font-face {\n"
            f'  font-family: "{_FAMILY}";\n'
            "  font-style: normal;\n"
            f"  font-weight: {weight};\n"
            "  font-display: swap;\n"
            f'  src: url("{src}") format("truetype");\n'
            "}\n"
        )
    return "\n".join(rules)
