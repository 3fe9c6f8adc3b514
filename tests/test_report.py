"""``ecometrics report``: the static site of the demo database, read as files and in headless Chromium."""

import csv
import os
import re
import shutil
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ecometrics.collector.store import Store
from ecometrics.core.config import parse_config
from ecometrics.jobs.cli import main

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
# The flags that keep a headless Chromium from reaching the network on its own (updates, sync, QUIC).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
PHONE = (390, 844)  # CSS pixels of a common phone


class Page(HTMLParser):
    """What a test reads of a page: links, images, tables' body rows, the banner, the title."""

    def __init__(self, path: Path):
        super().__init__()
        self.path, self.links, self.sources, self.images, self.rows = path, [], [], [], {}
        self.title, self.lang, self.viewport, self.banner = "", None, False, False
        self._table, self._in_body, self._in_title = None, False, False
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "meta" and attrs.get("name") == "viewport":
            self.viewport = True
        elif tag == "title":
            self._in_title = True
        elif tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        elif tag in ("script", "link") and (attrs.get("src") or attrs.get("href")):
            self.sources.append(attrs.get("src") or attrs.get("href"))
        elif tag == "img":
            self.images.append(attrs)
        elif tag == "table":
            self._table = attrs.get("id")
            self.rows[self._table] = 0
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows[self._table] += 1
        if "synthetic" in (attrs.get("class") or "").split():
            self.banner = True

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def csv_rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def site(demo_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "site"
    assert main(["--db", str(demo_db), "report", "--out", str(out)]) == 0
    return out


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_page_carries_the_banner_titles_and_its_exports_and_nothing_from_the_network(site):
    found = pages(site)
    assert {p.relative_to(site).as_posix() for p in found} >= {
        "index.html",
        "compare.html",
        "rankings/repos.html",
        "rankings/developers.html",
        "rankings/models.html",
        "rankings/families.html",
        "rankings/origins.html",
        "rankings/labs.html",
        "rankings/countries.html",
    }
    assert any(p.parent.name == "repos" for p in found) and any(p.parent.name == "models" for p in found)
    assert any(p.parent.name == "families" for p in found)
    for path in found:
        page = Page(path)
        assert page.banner, f"{path}: no synthetic banner"
        assert page.lang == "en" and page.viewport and page.title.strip(), path
        downloads = [link for link in page.links if re.search(r"data/[^/]+\.(csv|parquet|json)$", link)]
        assert {Path(link).suffix for link in downloads} == {".csv", ".parquet", ".json"}, path
        for link in page.links + page.sources:
            assert not re.match(r"(https?:)?//", link), f"{path}: {link} leaves the site"
            if not link.startswith(("#", "?", "mailto:")):
                target = (path.parent / link.split("?")[0].split("#")[0]).resolve()
                assert target.exists(), f"{path}: {link} is broken"
        for image in page.images:
            assert image.get("alt", "").strip(), f"{path}: an image without alt text"
            assert image["src"].endswith(".svg")
    assert (site / "data" / "SYNTHETIC_DATA.txt").read_text().startswith("Synthetic data")


def test_ranking_tables_hold_the_rows_of_the_exports(site, demo_db):
    exports = demo_db.parent / "exports"
    for kind in ("repos", "developers", "models", "families", "origins", "labs", "countries"):
        page = Page(site / "rankings" / f"{kind}.html")
        expected = len(csv_rows(exports / f"{kind}.csv"))
        assert page.rows[f"table-{kind}"] == expected == len(csv_rows(site / "data" / f"{kind}.csv")), kind


def test_charts_are_svg_with_titles_axis_labels_and_the_synthetic_note(site):
    charts = sorted(site.rglob("*.svg"))
    assert charts
    # the demo's token is a collaborator of the labs' organisations (ecometrics.jobs.demo.DEMO_COLLABORATOR_OF)
    repo_page = site / "repos" / "QwenLM--Qwen3.html"
    for chart in charts[:20]:
        text = chart.read_text(encoding="utf-8")
        assert "Synthetic data" in text and "<title>" in text, chart
    assert "stars (cumulative)" in " ".join(c.read_text() for c in (site / "charts").rglob(f"{repo_page.stem}*.svg"))


def test_a_star_history_github_withholds_is_drawn_from_its_daily_counts_and_said_so(site):
    """GitHub lists stargazers only to a repository's admins and collaborators (changelog 2026-06-30);
    the demo's token is not one of vllm-project/vllm's, so its chart comes from GitHub's stars per
    day (the star history endpoint, changelog 2026-09-04) and the page says so."""
    page = (site / "repos" / "vllm-project--vllm.html").read_text(encoding="utf-8")
    assert "Stars counted per day by GitHub" in page and "only to its admins and collaborators" in page
    assert list((site / "charts").rglob("vllm-project--vllm-stars*.svg"))


def test_bad_output_folders_and_months_are_refused_in_one_line(demo_db, tmp_path, capsys):
    somebodys = tmp_path / "notes"
    somebodys.mkdir()
    (somebodys / "todo.txt").write_text("keep me\n")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    cases = [
        (["--out", str(somebodys)], "is not an ecometrics report"),
        (["--out", str(a_file)], "is a file"),
        (["--out", str(tmp_path / "missing" / "site")], "does not exist"),
    ]
    for options, message in cases:
        capsys.readouterr()
        assert main(["--db", str(demo_db), "report", *options]) == 2, options
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    with pytest.raises(SystemExit) as refused:  # argparse's usage line, then the error, as for export --month
        main(["--db", str(demo_db), "report", "--out", str(tmp_path / "site"), "--month", "2025-13"])
    assert refused.value.code == 2 and "month '2025-13' is not YYYY-MM" in capsys.readouterr().err
    assert (somebodys / "todo.txt").read_text() == "keep me\n" and sorted(p.name for p in somebodys.iterdir()) == [
        "todo.txt"
    ]
    assert not (tmp_path / "site").exists()


def test_without_matplotlib_the_report_stops_in_one_line(demo_db, tmp_path):
    import subprocess
    import sys

    blocked = "import sys; sys.modules['matplotlib'] = None; from ecometrics.jobs.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", blocked, "--db", str(demo_db), "report", "--out", str(tmp_path / "site")],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[1],
    )
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == "ecometrics: ecometrics report needs matplotlib for its pages and charts: pip install 'ecometrics[report]'"
    )
    assert not (tmp_path / "site").exists()


def test_a_month_chooses_the_tables_month_and_the_nightly_run_replaces_the_site_whole(demo_db, tmp_path, capsys):
    from ecometrics.core.config import load_config
    from ecometrics.jobs import pipeline

    assert parse_config({"report": {"enabled": True, "dir": "site"}}).report.dir == "site"
    with pytest.raises(Exception, match=r"report\.colour"):
        parse_config({"report": {"colour": "red"}})
    db = tmp_path / "copy.db"
    shutil.copy(demo_db, db)
    config_file = tmp_path / "ecometrics.toml"
    config_file.write_text('[report]\ndir = "published/site"\nenabled = true\nmodels = 2\n')
    out = tmp_path / "published" / "site"  # [report].dir: its missing parent is created
    month = sqlite3.connect(db).execute("SELECT min(month) FROM openrank WHERE kind = 'repo'").fetchone()[0]

    assert main(["--config", str(config_file), "--db", str(db), "report", "--month", month]) == 0
    assert "pages" in capsys.readouterr().err
    assert {r["openrank_month"] for r in csv_rows(out / "data" / "repos.csv") if r["openrank_month"]} == {month}
    assert f"Month covered: {month}" in (out / "rankings" / "repos.html").read_text()
    assert len(list((out / "models").glob("*.html"))) == 2
    stale = out / "repos" / "gone--old.html"
    stale.write_text("an old page")

    with Store(db) as store:
        step = pipeline.report(store, load_config(config_file))
        assert step.status == "ok", step.message
        assert store.conn.execute(
            "SELECT status, rows_written FROM job_runs WHERE job = 'report' ORDER BY id DESC"
        ).fetchone() == (
            "ok",
            len(pages(out)),
        )
    assert not stale.exists()
    default = {r["openrank_month"] for r in csv_rows(out / "data" / "repos.csv") if r["openrank_month"]}
    assert default == {
        r["openrank_month"] for r in csv_rows(demo_db.parent / "exports" / "repos.csv") if r["openrank_month"]
    }
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]  # no temporary or old folder left beside it


# -- in a real browser -------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium for every browser check, driven by selenium through Debian's chromedriver."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("chromium and chromedriver are not installed (scripts/test installs Debian's packages)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.add_argument("--window-size=1280,900")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def open_page(browser, path: Path, query: str = "") -> list[str]:
    """Load ``path`` from file:// and return the JavaScript errors it logged."""
    browser.get(path.as_uri() + query)
    browser.execute_script("return document.readyState")
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def visible_rows(browser, table_id: str) -> list[list[str]]:
    return browser.execute_script(
        "return [...document.getElementById(arguments[0]).tBodies[0].rows].filter(r => !r.hidden)"
        ".map(r => [...r.cells].map(c => c.textContent.trim()))",
        table_id,
    )


def test_pages_load_without_errors_with_every_chart_drawn(browser, site):
    chosen = [site / "index.html", *sorted((site / "rankings").glob("*.html"))]
    chosen += [next((site / folder).glob("*.html")) for folder in ("repos", "models", "families")]
    for path in chosen:
        assert open_page(browser, path) == [], path
        images = browser.execute_script(
            "return [...document.images].map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0])"
        )
        assert all(drawn for _, drawn in images), (path, images)
        if path.parent.name in ("repos", "models", "families"):
            assert images, f"{path}: no chart"


def test_tables_sort_and_filter_in_the_browser(browser, site, demo_db):
    exports = csv_rows(demo_db.parent / "exports" / "repos.csv")
    assert open_page(browser, site / "rankings" / "repos.html") == []
    assert len(visible_rows(browser, "table-repos")) == len(exports)

    header = browser.find_element("css selector", "#table-repos th[data-column='stars'] button")
    header.click()
    column = browser.execute_script(
        "return [...document.querySelectorAll('#table-repos thead th')].findIndex(t => t.dataset.column === 'stars')"
    )
    first = [int(r[column].replace(",", "")) for r in visible_rows(browser, "table-repos") if r[column]]
    assert first == sorted(first, reverse=True)
    header.click()
    second = [int(r[column].replace(",", "")) for r in visible_rows(browser, "table-repos") if r[column]]
    assert second == sorted(second)
    assert (
        browser.find_element("css selector", "#table-repos th[data-column='stars']").get_attribute("aria-sort")
        == "ascending"
    )

    box = browser.find_element("css selector", "input[data-filter='table-repos']")
    box.send_keys("qwen")
    expected = [r for r in exports if any("qwen" in v.lower() for v in r.values())]
    assert 0 < len(visible_rows(browser, "table-repos")) == len(expected) < len(exports)
    assert (
        f"{len(expected)} of {len(exports)}"
        in browser.find_element("css selector", "[data-count-for='table-repos']").text
    )
    assert open_page(browser, site / "rankings" / "repos.html") == []  # the sort and filter logged no error either


def test_the_comparison_page_draws_the_repos_of_its_query_string(browser, site, demo_db):
    histories = {r["repo"] for r in csv_rows(demo_db.parent / "exports" / "stars_daily.csv")}
    names = [r["repo"] for r in csv_rows(demo_db.parent / "exports" / "repos.csv") if r["repo"] in histories][:3]
    query = "?" + "&".join(f"repo={name}" for name in names)
    assert open_page(browser, site / "compare.html", query) == []
    assert [r[0] for r in visible_rows(browser, "table-compare")] == names
    lines = browser.execute_script("return document.querySelectorAll('#compare-chart svg path.series').length")
    assert lines == len(names)
    assert browser.execute_script("return document.querySelector('#compare-chart svg title').textContent").startswith(
        "Star history"
    )
    # a repository whose stargazer list GitHub withholds (not the demo token's) is drawn from
    # GitHub's stars per day (its star history endpoint), not left out nor flagged as missing
    assert open_page(browser, site / "compare.html", f"?repo={names[0]}&repo=vllm-project/vllm") == []
    lines = browser.execute_script("return document.querySelectorAll('#compare-chart svg path.series').length")
    assert lines == 2
    assert browser.execute_script("return document.querySelector('#compare-chart p.warning')") is None


SCREENSHOT_PAGES = {
    "index": "index.html",
    "ranking": "rankings/models.html",
    "repo": "repos/Genesis-Embodied-AI--Genesis.html",
    "model": None,  # the most derived model's page
    "family": "families/Qwen.html",
}


def test_screenshots_at_desktop_and_phone_width(browser, site, tmp_path):
    """The index, a ranking, a repository, a model and a family at 1280 and 390 px: nothing wider
    than the window. ECOMETRICS_SCREENSHOTS names a folder to keep the PNGs in, to look at."""
    chosen = {**SCREENSHOT_PAGES, "model": next(iter(sorted((site / "models").glob("*.html")))).relative_to(site)}
    for name, page in chosen.items():
        for size in ((1280, 900), PHONE):
            path = site / page
            browser.set_window_size(*size)
            assert open_page(browser, path) == []
            width = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], f"{path}: wider than the window at {size}"
            height = browser.execute_script("return document.documentElement.scrollHeight")
            browser.set_window_size(size[0], min(height + 140, 4000))  # the whole page (the window has chrome)
            shot = tmp_path / f"{name}-{size[0]}.png"
            browser.save_screenshot(str(shot))
            assert shot.stat().st_size > 10_000
            if os.environ.get("ECOMETRICS_SCREENSHOTS"):
                shutil.copy(shot, Path(os.environ["ECOMETRICS_SCREENSHOTS"]) / shot.name)
    browser.set_window_size(1280, 900)


def test_model_pages_name_the_download_days_flagged_as_anomalies(site):
    """Each model page says which of its snapshot days model_downloads flags (ecometrics.analysis.anomalies), or that none is."""
    flagged = {}
    for row in csv_rows(site / "data" / "model_downloads.csv"):
        if "true" in (row["all_time_decreased"], row["gain_outlier"], row["downloads_30d_above_growth"]):
            flagged.setdefault(row["model_id"], []).append(row["date"])
    checked = 0
    for path in (site / "models").glob("*.html"):
        page = Page(path)
        text = path.read_text()
        model = page.title.split(" ")[0]
        if model in flagged:
            assert "Download anomalies" in text and flagged[model][0] in text, path
        else:
            assert "No download anomaly flagged." in text, path
        checked += 1
    assert checked  # the site has model pages, and every one was checked


def test_pages_are_rendered_from_autoescaping_templates_that_extend_one_base():
    """No HTML is assembled in Python: the module holds no markup, every page template extends
    base.html, and the environment escapes what it renders."""
    from ecometrics.analysis import report

    source = Path(report.__file__).read_text()
    assert not re.search(r"<(?:html|table|tr|td|th|li|ul|p|section|figure|img|a|div|script)[ >]", source)
    templates = Path(report.__file__).parent / "report_templates"
    pages = {"index.html", "ranking.html", "entity.html", "compare.html"}
    for name in pages:
        assert (templates / name).read_text().startswith('{% extends "base.html" %}'), name
    environment = report._Site.__init__.__code__.co_names
    assert "select_autoescape" in environment


def test_the_index_is_a_headline_view_with_figures_and_changes(site):
    """The index opens with the month's top repositories, developers, models and families, each
    with its figure and its change since the previous month (value and rank)."""
    text = (site / "index.html").read_text()
    for board in ("repos", "developers", "models", "families"):
        body = re.search(rf'<table id="board-table-{board}">.*?<tbody>(.*?)</tbody>', text, flags=re.S)
        assert body, f"no headline table of {board}"
        rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), flags=re.S)
        assert 1 <= len(rows) <= 5, board
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", rows[0], re.S)]
        assert cells[0] == "1" and cells[1] and re.search(r"\d", cells[2]), (board, cells)
        assert re.fullmatch(r"[+-][\d,.]+|±0|new|unknown", cells[3]), (board, cells)
    assert "change since" in text


def test_ranking_pages_say_what_they_rank_with_the_ranked_figure_after_the_name(site):
    models = (site / "rankings" / "models.html").read_text()
    about = re.search(r'<p class="about">(.*?)</p>', models, flags=re.S).group(1)
    assert about.startswith("The ") and "most derived first" in about
    assert "``" not in about and "docstring" not in about
    columns = re.findall(r'<th scope="col" data-column="([^"]+)"', models)
    assert columns[:2] == ["model_id", "all_derivatives"]
    headings = re.findall(r"<button type=\"button\">([^<]+)</button>", models)
    assert headings[:2] == ["model", "derivatives, all depths"]
    assert 'data-page-size="100"' in models  # 1,000+ rows: paged in the browser
    for kind in ("repos", "developers", "families", "labs"):
        page = (site / "rankings" / f"{kind}.html").read_text()
        assert re.search(r'<p class="about">The ', page), kind


def test_at_phone_width_a_ranking_shows_the_ranked_figure_beside_the_name(browser, site):
    """On a 390 px phone the name column and the ranked figure after it are on screen without
    scrolling sideways: a long name wraps rather than pushing the figure out of view."""
    browser.set_window_size(*PHONE)
    try:
        for path in sorted((site / "rankings").glob("*.html")):
            assert open_page(browser, path) == [], path
            right, window = browser.execute_script(
                "const th = document.querySelector('table thead th[data-type=text] + th');"
                "return [th.getBoundingClientRect().right, window.innerWidth]"
            )
            assert right <= window, f"{path.name}: the ranked figure ends at {right:.0f} px of {window}"
    finally:
        browser.set_window_size(1280, 900)


def test_a_long_ranking_shows_a_page_of_rows_and_more_on_demand(browser, site):
    assert open_page(browser, site / "rankings" / "models.html") == []
    total = browser.execute_script("return document.getElementById('table-models').tBodies[0].rows.length")
    assert total > 200 and len(visible_rows(browser, "table-models")) == 100
    browser.find_element("css selector", "button.more-rows").click()
    assert len(visible_rows(browser, "table-models")) == 200
    box = browser.find_element("css selector", "input[data-filter='table-models']")
    box.send_keys("qwen")
    shown = visible_rows(browser, "table-models")
    assert 0 < len(shown) <= 100 and all("qwen" in " ".join(r).lower() for r in shown)


def test_no_axis_label_of_any_chart_is_cut_off_at_the_left_edge(site):
    """A y-axis label is drawn turned a quarter (``rotate(-90 x y)``): its letters reach a font
    size left of ``x``, so ``x`` below the font size puts them outside the chart, clipped."""
    clipped = set()
    for svg in (site / "charts").glob("*.svg"):
        for size, x, text in re.findall(
            r'<text style="font-size: ([\d.]+)px[^"]*" x="([-\d.]+)" y="[-\d.]+" transform="rotate\(-90 [^)]*\)">([^<]*)<',
            svg.read_text(),
        ):
            if float(x) < float(size):
                clipped.add((svg.name.split("-")[0], text))
    assert not clipped, sorted(clipped)


def test_charts_keep_their_text_legible_and_say_what_is_partial_or_warming_up(site):
    """Text of at least 11 pt on a 7.5-inch chart (about 6 px at a phone's 390 px), date ticks
    from matplotlib's date locator rather than every Nth snapshot day, and the repository chart
    shades OpenRank's warm-up months."""
    svgs = sorted((site / "charts").glob("*.svg"))
    texts = [
        t for svg in svgs[:40] for t in re.findall(r'<text style="font-size: ([\d.]+)px[^>]*>([^<]*)<', svg.read_text())
    ]
    sizes = {float(size) for size, text in texts if "ynthetic" not in text}  # the small print of the note aside
    assert sizes and min(sizes) >= 11, sorted(sizes)
    months = (site / "charts" / "Genesis-Embodied-AI--Genesis-months.svg").read_text()
    assert "OpenRank warm-up" in months
    tree_pages = [p.read_text() for p in (site / "families").glob("*.html")]
    assert any("derivatives below" in page for page in tree_pages)
    for page in tree_pages:  # a tree cut to TREE_NODES says how much of it is shown
        for shown, total in re.findall(r"([\d,]+) of ([\d,]+) models shown", page):
            assert int(shown.replace(",", "")) < int(total.replace(",", ""))


def board_cells(text: str, board: str) -> tuple[list[str], list[list[str]]]:
    """The header labels and the body cells (tags stripped) of a headline table of the index."""
    table = re.search(rf'<table id="board-table-{board}">(.*?)</table>', text, flags=re.S).group(1)
    head, body = table.split("<tbody>")

    def strip(cell):
        return re.sub(r"<[^>]+>", "", cell).strip()

    return [strip(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)], [
        [strip(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_models_board_ranks_and_compares_with_a_named_earlier_snapshot(site):
    """The Models board shows its rank change like the other boards, and its change is said
    against the snapshot it is taken from (the demo's two nights are a day apart: a change
    "over 30 days" would be a day's)."""
    snapshots = csv_rows(site / "data" / "model_downloads.csv")
    latest = max(r["date"] for r in snapshots)
    # the earliest snapshot of the 30 days before the latest one: the demo's first night
    since = min(r["date"] for r in snapshots if r["date"] < latest)
    now = {r["model_id"]: int(r["downloads_30d"]) for r in snapshots if r["date"] == latest}
    then = {r["model_id"]: int(r["downloads_30d"]) for r in snapshots if r["date"] == since}
    rank_then = {m: i + 1 for i, m in enumerate(sorted(then, key=lambda m: (-then[m], m)))}
    headers, rows = board_cells((site / "index.html").read_text(), "models")
    assert headers[3] == f"change since {since}"
    assert rows and all(row[4] for row in rows), rows  # no blank rank column
    for place, row in enumerate(rows, start=1):
        model = row[1]
        assert int(row[2].replace(",", "")) == now[model]
        # e.g. Qwen/Qwen3-8B: 2,719,845 now - 2,715,519 the day before = +4,326
        assert row[3] == f"{now[model] - then[model]:+,}", row
        moved = rank_then[model] - place
        assert row[4] == ("±0" if moved == 0 else f"{moved:+d}"), row


def test_a_repository_lists_accounts_and_says_how_many_commits_no_account_is_credited_with(site, demo_db):
    """GitHub's /contributors?anon=1 lists authors with no GitHub account by e-mail address only:
    the table lists accounts (as OpenDigger's contributor counts count accounts) and a note says
    how many authors and commits are not attributed, instead of rows all named "anonymous"."""
    page = (site / "repos" / "Genesis-Embodied-AI--Genesis.html").read_text()
    section = re.search(r'<h2 id="contributors">.*?</section>', page, flags=re.S).group(0)
    names = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<tr><td>(.*?)</td>", section)]
    assert names and "anonymous" not in names and len(set(names)) == len(names), names
    with sqlite3.connect(demo_db) as db:
        authors, commits = db.execute(
            "SELECT count(*), sum(contributions) FROM contributors WHERE developer_id IS NULL AND date = "
            "(SELECT max(date) FROM contributors) AND repo_id = (SELECT id FROM repos WHERE full_name = ?)",
            ("Genesis-Embodied-AI/Genesis",),
        ).fetchone()
    assert authors > 1  # the demo's Genesis has several such authors
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", section))
    assert f"{commits:,} commits by {authors:,} authors with no GitHub account" in text, text


def test_the_comparison_says_unknown_and_ticks_round_numbers_and_dates(browser, site):
    """A figure not known reads "unknown", not a blank cell; the star chart ticks round
    counts (1, 2 or 5 times a power of ten) and whole months or years, not quarters of the range
    (990, 1,981, ...; 2022-10-16, ...); the default choice draws a history for each repository."""
    import json

    page = (site / "compare.html").read_text()
    data = json.loads(re.search(r'<script[^>]*id="compare-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    blank = {name: repo["cells"] for name, repo in data["repos"].items() if "" in repo["cells"]}
    assert not blank, blank  # every figure is a number or "unknown"
    repos = {r["repo"]: r for r in csv_rows(site / "data" / "repos.csv")}
    histories = {r["repo"] for r in csv_rows(site / "data" / "stars_daily.csv")}
    drawn = sorted(histories)[:3]
    assert open_page(browser, site / "compare.html", "?" + "&".join(f"repo={name}" for name in drawn)) == []
    for row in visible_rows(browser, "table-compare"):  # a null of the repos export reads "unknown"
        assert ("unknown" in row) == any(not repos[row[0]][c] for c in data["columns"]), row
    ticks = browser.execute_script(
        "return [...document.querySelectorAll('#compare-chart svg text:not([class])')]"
        ".map(t => [t.getAttribute('text-anchor'), t.textContent])"
    )
    counts = [int(text.replace(",", "")) for anchor, text in ticks if anchor == "end"]  # the y axis's
    step = counts[1] - counts[0]
    assert len(counts) >= 3 and counts[0] == 0 and re.fullmatch(r"[125]0*", str(step)), ticks
    assert counts == list(range(0, step * len(counts), step)), ticks
    dates = [text for anchor, text in ticks if anchor == "middle"]  # the x axis's
    assert len(dates) >= 3 and all(re.fullmatch(r"\d{4}(-\d{2})?", t) for t in dates), ticks
    assert open_page(browser, site / "compare.html") == []
    chosen = [r[0] for r in visible_rows(browser, "table-compare")]
    assert chosen and set(chosen) <= histories, chosen


def test_no_text_of_a_chart_reaches_past_its_edge(browser, site, demo_db):
    """Every label, legend entry and title of the SVG charts (and of the comparison's chart,
    drawn in the page) lies within its chart: a legend of five entries in three columns cut
    "merge" off at the right edge of the family charts, a long comparison title both ends."""
    outside = []
    script = """
        const svg = arguments[0] ? document.querySelector(arguments[0]) : document.documentElement;
        const frame = svg.getBoundingClientRect();
        return [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
            const box = t.getBoundingClientRect();
            return [t.textContent, box.left - frame.left, frame.right - box.right];
        });"""
    charts = sorted((site / "charts").glob("family-*-months.svg")) + sorted((site / "charts").glob("*-months.svg"))[:5]
    for chart in charts:
        assert open_page(browser, chart) == []
        outside += [(chart.name, *t) for t in browser.execute_script(script, None) if min(t[1], t[2]) < -0.5]
    names = sorted({r["repo"] for r in csv_rows(site / "data" / "stars_daily.csv")}, key=len)[-3:]  # the longest
    assert open_page(browser, site / "compare.html", "?" + "&".join(f"repo={n}" for n in names)) == []
    outside += [("compare", *t) for t in browser.execute_script(script, "#compare-chart svg") if min(t[1], t[2]) < -0.5]
    assert not outside, outside


def test_the_index_keeps_each_date_of_its_headings_on_one_line(browser, site):
    """ "change since 2025-09-01" may wrap between its words, never inside the date ("2025-09-" / "01")."""
    browser.set_window_size(1280, 900)
    assert open_page(browser, site / "index.html") == []
    dates = browser.execute_script("""
        const found = [];
        for (const th of document.querySelectorAll('.board th')) {
            const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                for (const match of node.textContent.matchAll(/\\d{4}-\\d{2}(-\\d{2})?/g)) {
                    const range = document.createRange();
                    range.setStart(node, match.index);
                    range.setEnd(node, match.index + match[0].length);
                    found.push([match[0], new Set([...range.getClientRects()].map(r => Math.round(r.top))).size]);
                }
            }
        }
        return found;""")
    assert dates and all(lines == 1 for _, lines in dates), dates


def test_a_page_gives_a_time_as_date_and_minutes(site):
    """The figures above a page say "created (UTC) 2024-12-18 14:21", not an ISO stamp that
    wraps inside itself ("2024-12-" / "18T14:21:22Z")."""
    page = (site / "repos" / "Genesis-Embodied-AI--Genesis.html").read_text()
    created = re.search(r"<dt>created \(UTC\)</dt><dd>([^<]*)</dd>", page).group(1)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", created), created


def test_a_ranking_of_several_months_says_which_and_its_warm_up_sentence_is_right(site):
    """A table of many months (countries: one row per country and month) is not "latest
    snapshot" in the index's list, and its page does not say "the latest snapshot is within
    OpenRank's warm-up" but which months are."""
    months = sorted({r["month"] for r in csv_rows(site / "data" / "countries.csv")})
    index = (site / "index.html").read_text()
    listed = dict(
        re.findall(r'<td><a href="rankings/(\w+)\.html">[^<]*</a></td><td class=num>[\d,]+</td><td>([^<]*)</td>', index)
    )
    assert listed["countries"] == f"{months[0]} to {months[-1]}", listed
    assert listed["repo_openrank"] == listed["repos"], listed  # its one month column, flagged as the month is
    for kind in ("countries", "repo_openrank"):
        about = re.search(r'<p class="about">(.*?)</p>', (site / "rankings" / f"{kind}.html").read_text(), re.S).group(
            1
        )
        assert "the latest snapshot is within" not in about and ". the " not in about, about
        assert "warm-up" in about, about


def test_a_board_links_to_its_whole_ranking_in_the_boards_order(browser, site):
    """ "All 42 repositories" under the top repositories by OpenRank opens the repositories
    sorted by OpenRank (the page's own order is most starred first), "All 1,415 models" the
    models by 30-day downloads: the first rows are the board's."""
    index = (site / "index.html").read_text()
    for board in ("repos", "models"):
        section = re.search(
            rf'<section class="board" aria-labelledby="board-{board}">.*?</section>', index, re.S
        ).group(0)
        _, rows = board_cells(section, board)
        href = re.search(r'<p class="more"><a href="([^"]+)"', section).group(1)
        assert open_page(browser, site / href.split("?")[0], "?" + href.split("?")[1] if "?" in href else "") == []
        table = f"table-{board}"
        shown = [r[0] for r in visible_rows(browser, table)[: len(rows)]]
        assert shown == [r[1] for r in rows], (board, href, shown)


def test_a_months_chart_says_n_a_where_a_bar_is_unknown_rather_than_drawing_none(site):
    """A bar left out reads as zero: Genesis's activity of the partial month (not computed for
    the report's month) and its new contributors of its first stored month (no earlier month
    to be new against) are unknown, and the chart says so where each bar would stand."""
    repo = "Genesis-Embodied-AI/Genesis"
    growth = [r for r in csv_rows(site / "data" / "contributor_growth.csv") if r["repo"] == repo]
    assert [r["month"] for r in growth if not r["new_contributors"]] == ["2025-03"]  # the first month
    svg = (site / "charts" / "Genesis-Embodied-AI--Genesis-months.svg").read_text()
    # 1 month without activity (2025-09, after the report's 2025-08) + 1 without new contributors = 2
    assert svg.count(">n/a<") == 2, svg.count(">n/a<")


def test_a_models_influence_says_what_its_number_is(site):
    """Influence is OpenRank on the lineage graph in units of an average model's downloads
    (ecometrics.analysis.influence): a bare "influence 65.283" says nothing of its scale."""
    page = next((site / "models").glob("*.html")).read_text()
    labels = re.findall(r"<dt>([^<]*)</dt>", page)
    assert "influence (× an average model)" in labels, labels


def test_a_charts_legend_stands_above_its_axes_not_over_the_data(browser, site):
    """A legend inside the axes hides what is drawn there: a star history that climbs to its
    top left ran under "partial month (still growing)". Every legend stands above its axes."""
    over = []
    script = """
        return [...document.querySelectorAll('g[id^=legend_]')].map(legend => {
            const axes = legend.closest('g[id^=axes_]').querySelector('g[id^=patch_]');
            return [legend.id, axes.getBoundingClientRect().top - legend.getBoundingClientRect().bottom];
        });"""
    charts = sorted((site / "charts").glob("*-stars.svg"))[:5] + sorted((site / "charts").glob("*-months.svg"))[:5]
    assert any(c.name.endswith("-stars.svg") for c in charts)
    legends = 0
    for chart in charts:
        assert open_page(browser, chart) == []
        gaps = browser.execute_script(script)
        legends += len(gaps)
        over += [(chart.name, legend, gap) for legend, gap in gaps if gap < -0.5]
    assert legends >= len(charts), legends  # the legends were found: the check is not of nothing
    assert not over, over


def test_an_axis_gives_its_counts_in_one_unit(site):
    """Tick labels "0, 6,000, 12k, 18k" mix units on one axis: an axis reaching past ten
    thousand says every tick in thousands ("6k"), past a million in millions."""
    mixed, seen = [], set()
    for svg in sorted((site / "charts").glob("*.svg")):
        for axes in svg.read_text().split('<g id="axes_')[1:]:
            labels = [t for t in re.findall(r'<g id="ytick_\d+">.*?<text[^>]*>([^<]*)</text>', axes, re.S) if t != "0"]
            units = {label[-1] if label[-1] in "kM" else "" for label in labels}
            seen |= units
            if len(units) > 1:
                mixed.append((svg.name, labels))
    assert seen >= {"", "k"}, seen  # the labels were read, of both kinds: the check is not of nothing
    assert not mixed, mixed[:5]
