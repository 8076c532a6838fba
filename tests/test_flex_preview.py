"""The console draws LINE messages as HTML (bot/console/flex_preview.py): escaped, approximate, never a link."""
from bot.console.flex_preview import nearest_colour, render_messages
from bot.conversation import messages as m
from bot.handbook import load_handbook
from bot.handbook.cards import section_card
from bot.config import PROJECT_ROOT


def test_colours_map_to_the_nearest_of_a_few_classes():
    assert nearest_colour("#1B5E20") == "green" and nearest_colour("#666666") == "grey6"
    assert nearest_colour("#06C755") == "line" and nearest_colour("#123") is None and nearest_colour(None) is None
    assert nearest_colour("#1B5E20CC") == "green"  # with alpha


def test_the_bots_card_text_and_quick_replies_are_drawn_and_escaped():
    procedure = load_handbook(PROJECT_ROOT / "content").get("elderly-allowance")
    card = section_card(procedure, "documents", lambda s: m.postback_action(s, f"data-{s}"), "https://example.go.th/handbook/x")
    prompt = m.text("คำตอบนี้ตรงกับที่ถามไหมคะ <b>", [m.postback_action("👍 ตรง", "up"), m.postback_action("👎 ไม่ตรง", "down")])
    html = str(render_messages([card, prompt]))
    assert html.count('class="lf-flex lf-flex--mega"') == 1
    assert 'class="lf-text lf-size-lg lf-bold lf-color-green lf-wrap"' in html  # the title, as the card says
    assert "บัตรประจำตัวประชาชน" in html and "ผู้รับผิดชอบ: กองสวัสดิการสังคม" in html
    assert 'data-action="uri" title="https://example.go.th/handbook/x"' in html and "<a " not in html  # drawn, not followed
    assert "คำตอบนี้ตรงกับที่ถามไหมคะ &lt;b&gt;" in html and html.count('class="lf-chip"') == 2


def test_carousels_confirm_templates_and_unknown_parts():
    bubble = {"type": "bubble", "body": {"type": "box", "layout": "horizontal", "spacing": "md", "contents": [
        {"type": "text", "text": "<script>alert(1)</script>", "size": "bogus", "color": "javascript:x"},
        {"type": "separator"}, {"type": "image", "url": "https://x"}, {"type": "video"},
    ]}}
    html = str(render_messages([
        {"type": "flex", "altText": "x", "contents": {"type": "carousel", "contents": [bubble, bubble]}},
        m.confirm("ลบข้อมูลของฉันใช่ไหมคะ", m.postback_action("ใช่", "y"), m.postback_action("ไม่", "n")),
        {"type": "sticker"},
    ]))
    assert html.count('class="lf-flex lf-flex--mega"') == 2 and 'class="lf-carousel"' in html
    assert "&lt;script&gt;" in html and "<script>" not in html and "javascript" not in html
    assert "lf-separator--column" in html and "lf-size-md" in html and "[video]" in html
    assert "ลบข้อมูลของฉันใช่ไหมคะ" in html and ">ใช่</span>" in html and "[sticker]" in html
