"""Installing the rich menu through the Messaging API: create it, upload its image, make it
the default for all users, and delete the menus left by earlier runs (rolling back a
half-made one). The only part of the rich menu that talks to LINE.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timezone

from linebot.v3.messaging import MessagingApi, MessagingApiBlob, RichMenuRequest

from bot.line.richmenu import MenuEntry, build_rich_menu_request
from bot.line.richmenu_image import render_menu_image

logger = logging.getLogger(__name__)


def install_rich_menu(
    messaging_api: MessagingApi,
    blob_api: MessagingApiBlob,
    entries: Sequence[MenuEntry],
    title: str,
    name_prefix: str = "sao-main-menu",
) -> str:
    """Create, upload and set the default rich menu, then delete older ones; return its id.

    Older menus are those whose name starts with ``name_prefix``, so re-running replaces
    the menu rather than piling them up; failing to delete them only logs a warning. If
    the upload or set-default step fails, the new menu is deleted again and the error
    re-raised, so users never get a half-made menu.
    """
    name = f"{name_prefix}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
    # Render and validate before touching LINE so bad input creates nothing remotely.
    request = RichMenuRequest.from_dict(build_rich_menu_request(entries, name))
    png = render_menu_image(entries, title)

    rich_menu_id = messaging_api.create_rich_menu(request).rich_menu_id
    logger.info("Created rich menu %s (%s) with %d areas", rich_menu_id, name, len(entries))
    try:
        blob_api.set_rich_menu_image(rich_menu_id, body=png, _headers={"Content-Type": "image/png"})
        logger.info("Uploaded %d-byte image to rich menu %s", len(png), rich_menu_id)
        messaging_api.set_default_rich_menu(rich_menu_id)
        logger.info("Rich menu %s is now the default for all users", rich_menu_id)
    except Exception:
        logger.error("Installing rich menu %s failed; deleting it to roll back", rich_menu_id)
        try:
            messaging_api.delete_rich_menu(rich_menu_id)
        except Exception:
            logger.exception("Rollback failed: delete rich menu %s by hand", rich_menu_id)
        raise

    # The new menu already works, so failing to clean up older ones is only worth a warning.
    try:
        menus = messaging_api.get_rich_menu_list().richmenus
    except Exception:
        logger.warning("Could not list rich menus, so older %s* menus were kept", name_prefix, exc_info=True)
        menus = []
    for menu in menus:
        if menu.rich_menu_id == rich_menu_id or not menu.name.startswith(name_prefix):
            continue
        try:
            messaging_api.delete_rich_menu(menu.rich_menu_id)
            logger.info("Deleted older rich menu %s (%s)", menu.rich_menu_id, menu.name)
        except Exception:
            logger.warning("Could not delete older rich menu %s (%s)", menu.rich_menu_id, menu.name, exc_info=True)
    return rich_menu_id
