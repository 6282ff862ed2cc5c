"""Tabular exports as CSV (spreadsheets.py writes Excel): every cell passes through text_cell first.

A spreadsheet opening a cell that starts with =, +, -, @, a tab or a carriage return may run it as a
formula (=HYPERLINK(…), =cmd|…). OWASP's rule: write such a cell as text by prefixing a single quote.
"""

import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value):
    """Return a cell value that no spreadsheet runs as a formula; numbers and empty cells pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row):
    """Return a row (a dict or a sequence of cells) with every cell passed through text_cell."""
    if isinstance(row, dict):
        return {key: text_cell(value) for key, value in row.items()}
    return [text_cell(value) for value in row]


def percent(rate):
    """Return a rate (0.9512) as a percentage a person reads (95.1%); no rate stays empty."""
    return None if rate is None else f"{rate * 100:.1f}%"


def csv_text(columns, rows, headers=None):
    """Return rows (dicts keyed by columns) as CSV text under a header row, every cell made safe.

    headers maps a column to the name a person reads in the header row (the column itself without one).
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([(headers or {}).get(c, c) for c in columns])
    for row in rows:
        writer.writerow(safe_row([row.get(c) for c in columns]))
    return out.getvalue()
