"""One definition per result table, shown in the terminal and in report.html with the same cells."""

import re
from html.parser import HTMLParser

from rich.console import Console

from letters.app.cli import app
from letters.show.tables import Column, ResultTable, html_table, terminal_table


class _Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts (header row first)."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def _report_table(page: str, *headers: str) -> list[list[str]]:
    """The rows of report.html's table whose header row starts with these headers."""
    parser = _Tables()
    parser.feed(page)
    return next(t for t in parser.tables if t[0][:len(headers)] == list(headers))[1:]


def _terminal_rows(text: str, *header: str) -> list[list[str]]:
    """The rows of the plain table whose header line starts with these words, split on runs of spaces."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"\s*".join(map(re.escape, header)) + r"\s", line))
    rows = []
    for line in lines[start + 1:]:
        if not re.match(r"[A-C][. ]\w", line):
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


def test_analyze_prints_the_cells_the_report_shows(runner, tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    result = runner.invoke(app, ["analyze", "--model", str(tiny_model), "--probes", "20", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "report.html").read_text()
    for first, title in (("each stroke alone", "stroke alone"), ("one stroke left out", "letter, one stroke left out")):
        shown = _terminal_rows(result.stdout, first, "A", "B", "C")
        report = {row[0]: row for row in _report_table(page, title)}
        assert len(shown) == 9 and all(re.fullmatch(r"\d+ \[\d+-\d+\]", cell) for row in shown for cell in row[1:4])
        assert all(report[row[0]][:len(row)] == row for row in shown)
    strokes = _terminal_rows(result.stdout, "stroke", "fire", "det", "look")
    report = {row[0]: row for row in _report_table(page, "stroke", "units firing")}
    assert len(strokes) == 9 and all(report[row[0]][:4] == row[:4] for row in strokes)


def test_a_table_is_drawn_from_its_columns_in_both_places():
    rows = [{"name": "<b>one</b>", "v": 0.5}, {"name": "two", "v": 0.25}]
    table = ResultTable([
        Column("name", lambda r: r["name"]),
        Column("value in full", lambda r: f"{r['v']:.2f}", short="value"),
        Column("terminal only", lambda r: "T", html=False),
        Column("report only", lambda r: "R", terminal=False),
    ], rows, brief=rows[1:])
    page = html_table(table)
    assert "<th>value in full</th>" in page and "terminal only" not in page and "<td>R</td>" in page
    assert "&lt;b&gt;one&lt;/b&gt;" in page and "<td>0.25</td>" in page  # every row, escaped
    console = Console(width=80, record=True)
    console.print(terminal_table(table))
    text = console.export_text()
    assert [c.header for c in terminal_table(table).columns] == ["name", "value", "terminal only"]
    assert "two" in text and "one" not in text and "0.25" in text and "report only" not in text


def test_a_grid_is_wide_enough_that_no_caption_runs_under_the_next_tile():
    from PIL import Image, ImageDraw

    from letters.show.pictures import font, titled_grid

    tile = Image.new("RGB", (84, 84), "white")
    long = "L1.1042 A.right_diagonal (a long unit label)"
    grid = titled_grid([tile, tile], [[long], ["B"]], columns=2)
    width = ImageDraw.Draw(Image.new("RGB", (1, 1))).textlength(long, font=font(11))
    assert grid.width >= 2 * width  # two cells, each at least as wide as the longest caption
