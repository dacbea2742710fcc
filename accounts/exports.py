"""CSV downloads (usage, audit log), streamed and safe to open in a spreadsheet."""

import csv

from django.http import StreamingHttpResponse


class _Echo:
    def write(self, value):
        return value


def safe_cell(value) -> str:
    # SECURITY: a name such as "=HYPERLINK(...)" (project, key, email, metadata) must
    # not become a formula in the spreadsheet that opens the file.
    value = "" if value is None else str(value)
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    """`rows` (any iterable, read lazily) as a CSV attachment, every cell made safe."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([safe_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
