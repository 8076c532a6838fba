"""LINE messages drawn as HTML for the console's previews: what a citizen would see in LINE.

`render_messages(messages)` takes the very message dicts the bot sends (text with quick
replies, Flex bubbles and carousels, confirm templates) and returns Markup in the look of
LINE's chat (styled by static/flex-preview.css). It approximates LINE, it is not LINE: sizes,
margins and colours map to a few classes, because the console's Content-Security-Policy allows
no inline style. Every text is escaped; buttons are drawn, never followed.
"""
from __future__ import annotations

from markupsafe import Markup, escape

_SIZES = {"xxs", "xs", "sm", "md", "lg", "xl", "xxl", "3xl", "4xl", "5xl"}
_SPACES = {"none", "xs", "sm", "md", "lg", "xl", "xxl"}
# The few colours the bot's cards use, and where any other colour goes: the nearest one.
_PALETTE = {
    "ink": (0x11, 0x11, 0x11),
    "green": (0x1B, 0x5E, 0x20),
    "line": (0x06, 0xC7, 0x55),
    "grey6": (0x66, 0x66, 0x66),
    "grey8": (0x88, 0x88, 0x88),
    "greya": (0xAA, 0xAA, 0xAA),
    "red": (0xC6, 0x28, 0x28),
    "blue": (0x1A, 0x73, 0xE8),
    "white": (0xFF, 0xFF, 0xFF),
}


def nearest_colour(value: str | None) -> str | None:
    """'#1B5E20' → 'green': the palette entry closest to a LINE colour."""
    if not value or not isinstance(value, str) or not value.startswith("#") or len(value) not in (7, 9):
        return None
    try:
        rgb = tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        return None
    return min(_PALETTE, key=lambda name: sum((a - b) ** 2 for a, b in zip(_PALETTE[name], rgb)))


def _classes(*names: str | None) -> str:
    return " ".join(n for n in names if n)


def _space(prefix: str, value) -> str | None:
    return f"{prefix}-{value}" if value in _SPACES else None


def _action_label(action: dict | None) -> str:
    return str((action or {}).get("label") or "")


def _button(component: dict) -> Markup:
    action = component.get("action") or {}
    style = component.get("style") or "link"
    colour = nearest_colour(component.get("color"))
    css = _classes(
        "lf-button", f"lf-button--{style}" if style in ("link", "primary", "secondary") else "lf-button--link",
        "lf-button--sm" if component.get("height") == "sm" else None,
        f"lf-bg-{colour}" if style == "primary" and colour else None,
        _space("lf-m", component.get("margin")),
    )
    kind = action.get("type", "")
    title = f' title="{escape(action.get("uri", ""))}"' if kind == "uri" else ""
    return Markup(f'<span class="{css}" data-action="{escape(kind)}"{title}>{escape(_action_label(action))}</span>')


def _text(component: dict) -> Markup:
    size = component.get("size") if component.get("size") in _SIZES else "md"
    colour = nearest_colour(component.get("color"))
    css = _classes(
        "lf-text", f"lf-size-{size}", "lf-bold" if component.get("weight") == "bold" else None,
        f"lf-color-{colour}" if colour else None, "lf-wrap" if component.get("wrap") else None,
        _space("lf-m", component.get("margin")), f"lf-align-{component['align']}" if component.get("align") in ("center", "end") else None,
    )
    text = component.get("text")
    if text is None and component.get("contents"):  # spans
        text = "".join(str(span.get("text", "")) for span in component["contents"])
    return Markup(f'<p class="{css}">{escape(text or "")}</p>')


def _component(component: dict, parent_layout: str = "vertical") -> Markup:
    kind = component.get("type")
    if kind == "box":
        return _box(component)
    if kind == "text":
        return _text(component)
    if kind == "button":
        return _button(component)
    if kind == "separator":
        direction = "row" if parent_layout == "vertical" else "column"
        return Markup(f'<hr class="{_classes("lf-separator", f"lf-separator--{direction}", _space("lf-m", component.get("margin")))}">')
    if kind in ("spacer", "filler"):
        return Markup('<span class="lf-filler"></span>')
    if kind == "image":
        return Markup('<span class="lf-image" role="img" aria-label="รูปภาพ">🖼</span>')
    if kind == "icon":
        return Markup("")
    return Markup(f'<span class="lf-unknown">[{escape(kind or "?")}]</span>')


def _box(box: dict) -> Markup:
    layout = box.get("layout") if box.get("layout") in ("vertical", "horizontal", "baseline") else "vertical"
    css = _classes("lf-box", f"lf-box--{layout}", _space("lf-gap", box.get("spacing")), _space("lf-m", box.get("margin")))
    inner = Markup("").join(_component(c, layout) for c in box.get("contents") or [])
    return Markup(f'<div class="{css}">{inner}</div>')


def _bubble(bubble: dict) -> Markup:
    parts = []
    for block in ("header", "hero", "body", "footer"):
        content = bubble.get(block)
        if not content:
            continue
        separated = " lf-block--separated" if block == "footer" else ""
        parts.append(Markup(f'<div class="lf-block lf-block--{block}{separated}">{_component(content)}</div>'))
    size = bubble.get("size") if bubble.get("size") in ("nano", "micro", "kilo", "mega", "giga") else "mega"
    return Markup(f'<div class="lf-flex lf-flex--{size}">{Markup("").join(parts)}</div>')


def _quick_replies(message: dict) -> Markup:
    items = (message.get("quickReply") or {}).get("items") or []
    if not items:
        return Markup("")
    chips = Markup("").join(
        Markup(f'<span class="lf-chip">{escape(_action_label(item.get("action")))}</span>') for item in items
    )
    return Markup(f'<div class="lf-chips" aria-label="ปุ่มตอบด่วน">{chips}</div>')


def render_message(message: dict) -> Markup:
    kind = message.get("type")
    if kind == "text":
        body = Markup(f'<div class="lf-bubble">{escape(message.get("text", ""))}</div>')
    elif kind == "flex":
        contents = message.get("contents") or {}
        if contents.get("type") == "carousel":
            body = Markup('<div class="lf-carousel">{}</div>').format(
                Markup("").join(_bubble(b) for b in contents.get("contents") or [])
            )
        else:
            body = _bubble(contents)
    elif kind == "template":
        template = message.get("template") or {}
        buttons = Markup("").join(
            _button({"style": "link", "action": a, "height": "sm"}) for a in template.get("actions") or []
        )
        body = Markup(
            f'<div class="lf-flex"><div class="lf-block lf-block--body"><div class="lf-box lf-box--vertical">'
            f'<p class="lf-text lf-wrap">{escape(template.get("text", ""))}</p></div></div>'
            f'<div class="lf-block lf-block--footer lf-block--separated"><div class="lf-box lf-box--horizontal">{buttons}</div></div></div>'
        )
    else:
        body = Markup(f'<div class="lf-bubble lf-muted">[{escape(kind or "ข้อความ")}]</div>')
    return Markup(f'<div class="lf-row">{body}</div>') + _quick_replies(message)


def render_messages(messages: list[dict], title: str = "ตัวอย่างใน LINE") -> Markup:
    """The messages of one reply, in a LINE-like chat pane."""
    inner = Markup("").join(render_message(m) for m in messages)
    return Markup(f'<div class="lf-chat" role="group" aria-label="{escape(title)}">{inner}</div>')
