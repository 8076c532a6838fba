"""The ITA map (issue 20 part 3): each fiscal year's item numbers → the published pages, as
content with file/line errors, and the console's table of URLs the clerk copies."""
import shutil

import pytest

from admin_support import console  # noqa: F401  (fixture)
from bot.config import PROJECT_ROOT
from bot.content.ita_map import load_ita_map, url_of
from bot.content.profile import ContentError


def test_default_maps_for_2568_to_2570_and_their_urls():
    maps = load_ita_map(PROJECT_ROOT / "content")
    assert {2568, 2569, 2570} <= set(maps)
    items = {i.item: i for i in maps[2570].items}
    assert url_of(items["O9"], 2570, "https://sao.example/") == "https://sao.example/transparency/2570/handbook"
    assert url_of(items["O19"], 2570, "https://sao.example") == "https://sao.example/transparency/2569/corruption-reports"
    assert url_of(items["O17"], 2570, "https://sao.example") == "https://sao.example/transparency/corruption-guideline"
    assert url_of(items["O10"], 2570, "https://sao.example", "konchim") == "https://line.me/R/ti/p/@konchim"
    assert all(i.title for y in maps.values() for i in y.items)


def test_mistakes_name_the_line(tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", folder)
    path = folder / "ita-map.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("page: handbook}", "page: manual}", 1), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_ita_map(folder)
    assert "ita-map.yaml:" in str(caught.value) and "'page' must be one of" in str(caught.value)


def test_the_console_lists_the_urls_to_copy(console):
    console.make_user("somchai", "admin")
    client = console.login("somchai")
    page = client.get("/admin/ita-map?fy=2569").get_data(as_text=True)
    assert "แผนที่ ITA ปีงบประมาณ 2569" in page and "O11" in page and "/transparency/2569/service-statistics" in page
    assert "/transparency/2568/corruption-reports" in page  # O19: the previous fiscal year
    assert "content/" not in page
