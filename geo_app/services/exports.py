"""Tabular exports (CSV now, spreadsheets later): every cell passes through text_cell first.

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


def csv_text(columns, rows):
    """Return rows (dicts keyed by columns) as CSV text under a header row, every cell made safe."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(safe_row(row))
    return out.getvalue()
