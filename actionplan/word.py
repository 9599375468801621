"""Board papers as Word documents (python-docx), from the same data as the PDF and the page.

Committee systems take Word: real headings (Word's Heading styles), real tables whose header row
repeats on every page, A4 landscape, one body size, and headers and footers with the board, the
meeting date, "Page N of M" (Word's PAGE and NUMPAGES fields) and the paper's status.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BODY_SIZE = Pt(9)
FONT = "Arial"
RAG_FILLS = {"red": "D4351C", "amber": "F47738", "green": "00703C", "complete": "1D70B8", "not_started": "505A5F"}
RAG_LETTERS = {"red": "R", "amber": "A", "green": "G"}


def paper_docx(data: dict[str, Any], status: str) -> bytes:
    """The paper `data` (actionplan.papers) as .docx bytes, marked with `status`."""
    paper = Paper(data, status)
    {
        "plan_progress": paper.plan_progress,
        "exceptions": paper.exceptions,
        "performance": paper.performance,
    }[data["kind"]]()
    return paper.save()


def _field(paragraph: Any, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) in `paragraph`: Word fills in the number when it lays out."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, f" {code} "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text and text.strip() == code:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


def _shade(cell: Any, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _repeat_header(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _keep_row_together(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def plain(text: str) -> str:
    """A narrative as plain lines: paragraphs and "- " list items as the page shows them."""
    return re.sub(r"\n{2,}", "\n", str(text or "").replace("\r\n", "\n")).strip()


class Paper:
    def __init__(self, data: dict[str, Any], status: str) -> None:
        self.data = data
        self.document = Document()
        styles = self.document.styles
        for name in ("Normal", "Table Grid", "List Bullet"):
            style = styles[name]
            style.font.name = FONT
            style.font.size = BODY_SIZE
        for name, size in (("Title", 18), ("Heading 1", 14), ("Heading 2", 11)):
            styles[name].font.name = FONT
            styles[name].font.size = Pt(size)
        styles["Normal"].paragraph_format.space_after = Pt(3)
        section = self.document.sections[0]
        section.page_width, section.page_height = Mm(297), Mm(210)
        if not data.get("landscape", True):
            section.page_width, section.page_height = Mm(210), Mm(297)
        section.orientation = WD_ORIENT.LANDSCAPE if data.get("landscape", True) else WD_ORIENT.PORTRAIT
        for side in ("left_margin", "right_margin"):
            setattr(section, side, Mm(12))
        section.top_margin, section.bottom_margin = Mm(15), Mm(13)
        meeting = f"Meeting of {data['meeting_display']}" if data.get("meeting_display") else data.get("on_display", "")
        header = section.header.paragraphs[0]
        header.text = f"{data['board']}\t\t{meeting}"
        footer = section.footer.paragraphs[0]
        footer.text = ("Published" if status == "published" else "Draft: not published") + "\t\tPage "
        _field(footer, "PAGE")
        footer.add_run(" of ")
        _field(footer, "NUMPAGES")
        for paragraph in (header, footer):
            for run in paragraph.runs:
                run.font.size = Pt(8)
        if status != "published":
            note = self.document.add_paragraph()
            run = note.add_run("Draft: not published")
            run.bold = True
            run.font.color.rgb = RGBColor(0xD4, 0x35, 0x1C)
            note.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        caption = data["board"] + (f": meeting of {data['meeting_display']}" if data.get("meeting_display") else "")
        self.document.add_paragraph(caption)
        self.document.add_heading(data["title"], level=0)

    def save(self) -> bytes:
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()

    def text(self, text: str) -> None:
        self.document.add_paragraph(text)

    def heading(self, text: str, level: int = 1) -> None:
        self.document.add_heading(text, level=level)

    def table(
        self,
        headings: Sequence[str] | None,
        rows: Sequence[Sequence[Any]],
        widths: Sequence[int],
        row_headers: bool = False,
    ) -> Any:
        """A table with a header row that repeats on each page (`headings` None: none); `widths` in
        percent of the page's width; a cell is text, or (text, RAG value) for a shaded RAG cell."""
        table = self.document.add_table(rows=1 if headings else 0, cols=len(widths))
        table.style = "Table Grid"
        table.autofit = False
        usable = (self.document.sections[0].page_width or Mm(297)) - Mm(24)
        if headings:
            for cell, text in zip(table.rows[0].cells, headings, strict=True):
                cell.text = ""
                cell.paragraphs[0].add_run(text).bold = True
                _shade(cell, "F3F2F1")
            _repeat_header(table.rows[0])
        for values in rows:
            cells = table.add_row().cells
            for n, (cell, value) in enumerate(zip(cells, values, strict=True)):
                self._fill(cell, value, bold=row_headers and n == 0)
            _keep_row_together(table.rows[-1])
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = int(usable * width / 100)
        self.document.add_paragraph()
        return table

    def _fill(self, cell: Any, value: Any, bold: bool = False) -> None:
        if isinstance(value, tuple):
            text, rag = value
            if rag in RAG_FILLS:
                _shade(cell, RAG_FILLS[rag])
                run = cell.paragraphs[0].add_run(text)
                run.bold = True
                run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
                return
            value = text
        lines = plain(str(value)).split("\n") if value not in (None, "") else [""]
        cell.paragraphs[0].add_run(lines[0]).bold = bold
        for line in lines[1:]:
            cell.add_paragraph(line)

    def rag_chart(self, chart: list[dict[str, Any]]) -> None:
        """The cover's RAG chart in Word's own terms: a row per RAG, its bar a shaded cell as wide
        as its share of the largest."""
        table = self.document.add_table(rows=0, cols=3)
        table.autofit = False
        for bar in chart:
            cells = table.add_row().cells
            cells[0].text = bar["label"]
            cells[2].text = str(bar["count"])
            cells[0].width, cells[2].width = Mm(30), Mm(15)
            cells[1].width = Mm(max(1, 120 * bar["width"] / 100))
            if bar["count"]:
                _shade(cells[1], bar["colour"].lstrip("#").upper())
        self.document.add_paragraph()

    # -- The papers --------------------------------------------------------------------------

    def _latest(self, latest: dict[str, Any] | None) -> str:
        if not latest:
            return "No progress reported."
        text = f"{latest['reported_on']}: {latest['narrative']}"
        return text + (f"\n{latest['signed_off']}" if latest.get("signed_off") else "")

    def plan_progress(self) -> None:
        data = self.data
        total, count = data["total"], data["exception_count"]
        self.text(
            f"Position as at {data['on_display']}; changes since {data['since_display']}. "
            f"{total} action{'s' if total != 1 else ''}, {count} of them exception{'s' if count != 1 else ''}."
        )
        self.heading("1. Summary")
        self.rag_chart(data["chart"])
        self.table(
            ["Status", data["since_short"], data["on_short"]],
            [[row["label"], row["before"], row["now"]] for row in data["summary"]],
            [50, 25, 25],
            row_headers=True,
        )
        if data["priorities"]:
            self.table(
                [data["priority_label"], *data["rag_labels"], "Total"],
                [[f"{p['code']}) {p['text']}", *p["counts"], p["total"]] for p in data["priorities"]],
                [50, 8, 8, 8, 8, 8, 10],
            )
        self.heading(f"2. Exceptions ({len(data['exceptions'])})")
        self.text(
            f"Actions not complete that are Red, overdue, slipped or have had no update for "
            f"{data['plan']['stale_after_days']} days, with the latest progress reported by {data['on_display']}."
        )
        if data["exceptions"]:
            self.table(
                ["Action", "Accountable", "Responsible", "Due", "Why", "Latest progress"],
                [
                    [
                        f"{row['code']} {row['title']}",
                        row["accountable"],
                        row["responsible"],
                        row["due"] + (f" (was {row['was_due']})" if row["was_due"] else ""),
                        "; ".join([row["rag_label"], *row["reasons"]]),
                        self._latest(row["latest"]),
                    ]
                    for row in data["exceptions"]
                ],
                [26, 8, 9, 9, 12, 36],
            )
        else:
            self.text("No exceptions.")
        self.heading(f"3. Changes since {data['since_display']}")
        self.heading(f"RAG changes ({len(data['rag_changes'])})", level=2)
        if data["rag_changes"]:
            self.table(
                ["Action", "Was", "Now"],
                [
                    [
                        f"{row['code']} {row['title']}",
                        (row["before_label"], row["before"]),
                        (row["after_label"], row["after"]),
                    ]
                    for row in data["rag_changes"]
                ],
                [70, 15, 15],
            )
        else:
            self.text("No RAG changes.")
        self.heading(f"Progress reported ({len(data['updates_since'])})", level=2)
        if data["updates_since"]:
            self.table(
                ["Action", "Reported", "RAG", "Progress"],
                [
                    [
                        row["code"],
                        row["reported_on"],
                        (row["rag_label"], row["rag"]),
                        "\n".join(filter(None, [row["narrative"], row["revised"], row["signed_off"]])),
                    ]
                    for row in data["updates_since"]
                ],
                [10, 12, 12, 66],
            )
        else:
            self.text("No progress reported in this period.")

    def exceptions(self) -> None:
        data = self.data
        scope = f"Actions as at {data['on_display']}"
        if data["period"]:
            scope += f"; outcomes and indicators for {data['period']}"
        self.text(
            f"{scope}. Covers what {data['board_label']} assures directly and through the boards that report to it."
        )
        self.table(
            ["Red outcomes", "Red indicators", "Overdue actions", "Slipped actions"],
            [[len(data["red_outcomes"]), len(data["red_indicators"]), len(data["overdue"]), len(data["slipped"])]],
            [25, 25, 25, 25],
        )
        self.heading(f"1. Red outcomes ({len(data['red_outcomes'])})")
        if data["red_outcomes"]:
            self.table(
                ["Priority", "Outcome", "Indicators", "Narrative", "Recommended action", "Decision"],
                [
                    [
                        row["priority"],
                        row["outcome"] + (f"\n{row['board']}" if row["board"] else ""),
                        row["indicators"],
                        row["narrative"],
                        row["recommended_action"],
                        row["decision"],
                    ]
                    for row in data["red_outcomes"]
                ],
                [12, 16, 8, 34, 16, 14],
            )
        else:
            self.text("No outcome this board assures is rated Red.")
        self.heading(f"2. Red indicators ({len(data['red_indicators'])})")
        if data["red_indicators"]:
            self.table(
                ["No.", "Success indicator", "Outcome", "Outcome RAG", "Recommended action and decision"],
                [
                    [
                        row["number"],
                        row["text"] + (f"\n{row['note']}" if row["note"] else ""),
                        row["outcome"],
                        row["outcome_rag"],
                        "\n".join(filter(None, [row["recommended_action"], row["decision"]])),
                    ]
                    for row in data["red_indicators"]
                ],
                [6, 34, 24, 10, 26],
            )
        else:
            self.text("No success indicator under this board's outcomes is Red.")
        self.heading(f"3. Overdue actions ({len(data['overdue'])})")
        if data["overdue"]:
            self.table(
                ["Plan", "Action", "Accountable / responsible", "Due", "Latest progress"],
                [
                    [
                        row["plan"],
                        f"{row['code']} {row['title']}",
                        f"{row['accountable']} / {row['responsible']}",
                        row["due"] + (f"\n{row['due_as_written']}" if row["due_as_written"] else ""),
                        self._latest(row["latest"]),
                    ]
                    for row in data["overdue"]
                ],
                [12, 24, 14, 12, 38],
            )
        else:
            self.text(f"No action in the plans this board assures is overdue on {data['on_display']}.")
        self.heading(f"4. Slipped actions ({len(data['slipped'])})")
        if data["slipped"]:
            self.table(
                ["Plan", "Action", "Originally due", "Now due", "Latest progress"],
                [
                    [
                        row["plan"],
                        f"{row['code']} {row['title']}",
                        row["original_due"],
                        f"{row['revised_due']} ({row['days_slipped']} day{_s(row['days_slipped'])} later)",
                        self._latest(row["latest"]),
                    ]
                    for row in data["slipped"]
                ],
                [12, 24, 12, 14, 38],
            )
        else:
            self.text("No action in the plans this board assures has slipped.")

    def performance(self) -> None:
        data = self.data
        if not data["period"]:
            self.text(f"No success indicator has values for a quarter that ended by {data['meeting_display']}.")
            return
        self.text(f"Performance for {data['period']}. {len(data['dashboards'])} directorate dashboards.")
        self.heading("Section A: summary")
        for sentence in data["sentences"]:
            self.document.add_paragraph(sentence, style="List Bullet")
        headings = ["Total", "Green", "Amber", "Red", "Due later", "Improving", "Stable", "Deteriorating"]
        fields = ["total", "green", "amber", "red", "due_later", "improving", "stable", "deteriorating"]
        for title, rows in (("Directorate", data["directorates"]), ("Corporate priority", data["priorities"])):
            self.table(
                [title, *headings],
                [[row["name"], *(row[name] for name in fields)] for row in rows],
                [28, 8, 8, 8, 8, 9, 10, 10, 11],
                row_headers=True,
            )
        self.heading("Section B: performance dashboards")
        self.text(
            "Outlook key: ↑ the outlook is positive/improving; ↓ the outlook is negative/deteriorating; "
            "↔ the outlook is stable."
        )
        for dashboard in data["dashboards"]:
            self.heading(f"{dashboard['name']}: performance dashboard, {data['period']}", level=2)
            self.table(
                [
                    "Priority",
                    "Outcome",
                    "No.",
                    "Success indicator",
                    "Target",
                    "Cumulative",
                    data["previous"] or "Before",
                    data["period_short"],
                    "Outlook",
                ],
                [
                    [
                        row["priority"],
                        row["outcome"],
                        row["number"],
                        row["text"],
                        row["target"],
                        row["cumulative"],
                        (RAG_LETTERS.get(row["previous_rag"], row["previous_rag_text"] or "–"), row["previous_rag"]),
                        (RAG_LETTERS.get(row["rag"], row["rag_text"] or "–"), row["rag"]),
                        f"{row['outlook_symbol']} {row['outlook'].capitalize()}".strip(),
                    ]
                    for row in dashboard["rows"]
                ],
                [13, 17, 4, 34, 9, 6, 4, 4, 9],
            )
        self.heading("Section C: key performance issues requiring intervention or decision")
        self.text(
            "Narratives for the outcomes rated Red: a Red rating means the outcome might not be achieved by "
            "year end as things stand."
        )
        if not data["exceptions"]:
            self.text(f"No outcome was rated Red for {data['period']}.")
        for n, record in enumerate(data["exceptions"], start=1):
            self.heading(f"{n}. {record['outcome']}", level=2)
            self.table(
                None,
                [
                    ["Corporate priority", record["priority"]],
                    ["Outcome affected", record["outcome"]],
                    ["Dashboard details", f"Success indicators {record['indicators']}"],
                    ["Narrative", record["narrative"]],
                    ["Recommended action", record["recommended_action"]],
                    ["Decision", record["decision"]],
                ],
                [20, 80],
                row_headers=True,
            )
