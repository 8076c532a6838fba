"""The /transparency blueprint (its pages: pages.py)."""
from __future__ import annotations

from flask import Blueprint

transparency_bp = Blueprint(
    "transparency", __name__, url_prefix="/transparency", template_folder="templates",
    static_folder="static", static_url_path="/static",
)
