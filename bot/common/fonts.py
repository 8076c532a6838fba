"""Locate the bundled Sarabun font (Thai + Latin, SIL OFL) shipped by ``fontpkg-sarabun``.

Shared by everything that draws Thai text: rich menu images, PDF reports, web pages.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

_PACKAGE = "fontpkg_sarabun"
_FAMILY = "Sarabun"


@lru_cache(maxsize=None)
def font_path(weight: str = "Regular") -> Path:
    """Return the path of ``Sarabun-<weight>.ttf``.

    ``weight`` is the style part of the file name, e.g. "Regular", "Bold", "SemiBold",
    "Light" or "BoldItalic". Raises ``ValueError`` naming the available styles when the
    package has no such file.
    """
    font_dir = resources.files(_PACKAGE) / "files"
    candidate = font_dir / f"{_FAMILY}-{weight}.ttf"
    if not candidate.is_file():
        available = sorted(
            entry.name.removeprefix(f"{_FAMILY}-").removesuffix(".ttf")
            for entry in font_dir.iterdir()
            if entry.name.endswith(".ttf")
        )
        raise ValueError(f"no {_FAMILY} font with style {weight!r}; available: {', '.join(available)}")
    # Pillow, ReportLab and web servers all need a real file; fontpkg installs the TTFs
    # as plain files, so the resource is already a filesystem path.
    return Path(str(candidate))
