"""The one table system: a table of results defined once, as its columns, drawn by rich and in HTML.

`ResultTable` holds columns (a header and how a row's cell is written) and rows; `terminal_table`
draws it with rich at 80 columns, `html_table` as an HTML table for the report. A column can be the
terminal's only or the report's only; `brief` rows are what the terminal shows when it shows fewer.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Callable

from rich.markup import escape
from rich.table import Table


@dataclass(frozen=True)
class Column:
    """One column of a result table: its header and how a row's cell is written, the same in the
    terminal and in HTML. `short` is the terminal's header where the full one would not fit 80 columns."""

    header: str
    cell: Callable[[Any], str]
    short: str = ""
    terminal: bool = True
    html: bool = True
    wrap: bool = False  # the terminal column that may wrap
    justify: str = ""  # the terminal's; default: the first column left, the others right


@dataclass(frozen=True)
class ResultTable:
    """A table of results, defined once and shown by `terminal_table` (rich) and `html_table`."""

    columns: list[Column]
    rows: list
    brief: list | None = None  # the rows the terminal shows (None: all of them)
    title: str = ""  # the terminal's title; the report gives each table a heading of its own
    boxed: bool = False  # the terminal draws a box (else plain, compact)


def terminal_table(table: ResultTable, caption: str | None = None) -> Table:
    """The table as rich draws it in the terminal: its terminal columns and its brief rows."""
    columns = [c for c in table.columns if c.terminal]
    options: dict[str, Any] = {} if table.boxed else {"box": None, "pad_edge": False}
    out = Table(title=table.title or None, caption=caption, caption_justify="left", title_justify="left", **options)
    for k, c in enumerate(columns):
        out.add_column(c.short or c.header, justify=c.justify or ("left" if k == 0 else "right"),  # type: ignore[arg-type]
                       no_wrap=not c.wrap, overflow="fold")
    for row in table.rows if table.brief is None else table.brief:
        out.add_row(*[escape(c.cell(row)) for c in columns])
    return out


def html_table(table: ResultTable) -> str:
    """The table as the HTML report shows it: its HTML columns and every row, each cell escaped."""
    columns = [c for c in table.columns if c.html]
    head = "".join(f"<th>{html.escape(c.header)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c.cell(row))}</td>" for c in columns) + "</tr>"
                   for row in table.rows)
    return f"<table><tr>{head}</tr>{body}</table>"
