"""File answers: Excel workbooks with a Chinese file name (RFC 6266/5987) and an ASCII fallback."""

from urllib.parse import quote

from flask import Response

from ..services.spreadsheets import XLSX_MIMETYPE


def attachment(filename, fallback):
    """Return a Content-Disposition that names the file in Chinese where the browser can, else in ASCII."""
    return f"attachment; filename={fallback}; filename*=UTF-8''{quote(filename)}"


def xlsx_response(data, filename, fallback):
    """Return a workbook's bytes as a download."""
    return Response(data, mimetype=XLSX_MIMETYPE, headers={"Content-Disposition": attachment(filename, fallback)})
