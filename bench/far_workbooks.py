"""Workbooks with one cell at column XFD per row, as an XLSX bomb writes them.

Shared by the reader benchmark and the reader tests (bench/ never imports tests/).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

_NS = "http://schemas.openxmlformats.org"
_XLSX_PARTS = {
    "[Content_Types].xml": (
        f'<Types xmlns="{_NS}/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_NS}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_NS}/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_NS}/spreadsheetml/2006/main" '
        f'xmlns:r="{_NS}/officeDocument/2006/relationships"><sheets>'
        '<sheet name="Daten" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_NS}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_NS}/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_NS}/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    ),
    # Shared strings as Excel writes them: 0 name, 1 gemeinde, 2 Görlitz, 3 x.
    "xl/sharedStrings.xml": (
        f'<sst xmlns="{_NS}/spreadsheetml/2006/main"><si><t>name</t></si>'
        "<si><t>gemeinde</t></si><si><t>Görlitz</t></si><si><t>x</t></si></sst>"
    ),
}


def far_column_workbook(
    path: Path, rows: int, table: bool = True, far: bool = True
) -> Path:
    """An XLSX with ``rows`` data rows, each with one cell at column XFD (of 16,384).

    With ``table`` the sheet holds a header (name, gemeinde) and per row a number
    in A and "Görlitz" in B; without, only the far cells. ``far=False`` leaves the
    XFD cells out (the baseline of the same size). Written as raw XML, the way
    Excel stores it, so that no library pads the rows while writing.
    """
    far_cell = '<c r="XFD{r}" t="s"><v>3</v></c>' if far else ""
    body = '<c r="A{r}"><v>{r}</v></c><c r="B{r}" t="s"><v>2</v></c>' if table else ""
    lines = [
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    ]
    lines = lines if table else []
    first = 2 if table else 1
    template = '<row r="{r}">' + body + far_cell + "</row>"
    lines += [template.format(r=r) for r in range(first, first + rows)]
    sheet = (
        f'<worksheet xmlns="{_NS}/spreadsheetml/2006/main"><dimension ref="A1:XFD'
        f'{rows + 1}"/><sheetData>{"".join(lines)}</sheetData></worksheet>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in _XLSX_PARTS.items():
            archive.writestr(name, xml)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path
