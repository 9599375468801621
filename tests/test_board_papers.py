"""Board papers for a meeting: the plan progress paper, the board's exception report and the
quarterly performance report, as a page, a PDF and a Word file; drafts made again until published;
a published paper never changes; who may make, publish and read them.

Making a PDF takes about a second, so the papers the checks read are made once for the module
(`made`, in a transaction that is rolled back) and the tests read those bytes."""

import datetime
import io
import shutil
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import reverse
from docx import Document

from actionplan import papers, pdf, word
from actionplan.models import MeetingPaper
from actionplan.status import RAG
from partnerships.models import Meeting
from tests.conftest import PASSWORD, service_missing
from tests.helpers import CQC_SLUG, ROOT, give_role, import_cqc_plan
from tests.indicator_helpers import import_outcome_assurance

D = datetime.date
# On 21 March 2019 every one of the CQC plan's 80 actions is an exception (most overdue, all
# without an update since the plan was agreed): the biggest paper the seed plans make.
LAST = D(2019, 3, 21)
SCREENSHOT = ROOT / "docs" / "screenshots" / "cqc-paper-page-1.png"


def pdf_text(content, tmp_path, name="paper.pdf"):
    if not shutil.which("pdftotext"):
        service_missing("pdftotext (poppler-utils) is not installed")
    path = tmp_path / name
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def docx_text(content):
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def docx_table_after(content, heading_start):
    """The rows (lists of cell texts) of the first table after the heading starting `heading_start`."""
    document = Document(io.BytesIO(content))
    body = document.element.body
    found = False
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p" and "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")).startswith(heading_start):
            found = True
        elif tag == "tbl" and found:
            table = next(t for t in document.tables if t._tbl is child)
            return [[cell.text for cell in row.cells] for row in table.rows]
    raise AssertionError(f"no table after {heading_start!r}")


@pytest.fixture(scope="module")
def made(django_db_setup, django_db_blocker):
    """The CQC plan's paper and the HWB's two board papers for 21 March 2019: data, page HTML,
    PDF and Word, made once; the database is rolled back afterwards."""
    made = {}
    with django_db_blocker.unblock(), transaction.atomic():
        import_outcome_assurance()
        plan = import_cqc_plan()
        meeting = Meeting.objects.get(partnership__slug="hwb", date=LAST)
        superuser = get_user_model().objects.create_superuser("papers-super", password=PASSWORD)
        client = Client()
        client.force_login(superuser)
        for kind, key, page in [
            ("plan_progress", "plan", reverse("actionplan:plan_paper", args=["hwb", "2019-03-21", CQC_SLUG])),
            ("exceptions", "exceptions", reverse("actionplan:board_paper", args=["hwb", "2019-03-21", "exceptions"])),
            (
                "performance",
                "performance",
                reverse("actionplan:board_paper", args=["hwb", "2019-03-21", "performance"]),
            ),
        ]:
            paper = papers.generate(meeting, kind, plan if kind == "plan_progress" else None, superuser)
            made[key] = {
                "data": paper.data,
                "pdf": pdf.paper_pdf(paper.data, paper.status),
                "docx": word.paper_docx(paper.data, paper.status),
                "html": client.get(page).content.decode(),
            }
        transaction.set_rollback(True)
    return made


# -- The papers' content ----------------------------------------------------------------------


def test_section_a_says_what_the_seed_paper_says_from_the_data(made, tmp_path):
    sentences = made["performance"]["data"]["sentences"]
    assert "33 of the 50 success indicators were rated Green for Q2 2017-18, 10 Amber and 4 Red; 3 are due later." in (
        sentences
    )
    assert (
        "Looking into Q3 2017-18, the outlook for 25 of the 50 success indicators is improving, 22 stable and 3 "
        "deteriorating." in sentences
    )
    assert "4 were rated Red for Q2: 2 more than in Q1." in sentences  # "This is two more than in Quarter 1."
    assert "Of the 23 outcomes being reported on, 22 were rated Green or Amber at the end of Q2 2017-18 and 1 Red." in (
        sentences
    )
    # The same words in all three forms of the paper.
    pdf = " ".join(pdf_text(made["performance"]["pdf"], tmp_path).split())
    word = docx_text(made["performance"]["docx"])
    for sentence in sentences:
        assert sentence in made["performance"]["html"]
        assert sentence in word
        assert sentence in pdf


def test_section_a_counts_by_directorate_and_priority_add_up_to_the_seed(made):
    data = made["performance"]["data"]
    for rows in (data["directorates"], data["priorities"]):
        totals = {name: sum(row[name] for row in rows) for name in rows[0] if name != "name"}
        assert totals == {
            "total": 50,
            "green": 33,
            "amber": 10,
            "red": 4,
            "due_later": 3,
            "improving": 25,
            "stable": 22,
            "deteriorating": 3,
        }
    communities = next(row for row in data["directorates"] if row["name"] == "Communities")
    assert (communities["total"], communities["red"], communities["deteriorating"]) == (13, 1, 3)


def test_sections_b_and_c_hold_the_dashboards_and_the_exception_record(made):
    data = made["performance"]["data"]
    assert sum(len(d["rows"]) for d in data["dashboards"]) == 50
    eleven = next(row for d in data["dashboards"] for row in d["rows"] if row["number"] == 11)
    assert (eleven["previous_rag"], eleven["rag"], eleven["outlook_symbol"]) == ("amber", "red", "↑")
    nine = next(row for d in data["dashboards"] for row in d["rows"] if row["number"] == 9)
    assert (nine["previous_rag_text"], nine["rag"], nine["rag_text"]) == ("Due in Q3", "", "")  # as the table prints it
    s106 = next(row for d in data["dashboards"] for row in d["rows"] if row["number"] == 34)
    assert (s106["previous_rag"], s106["rag"], s106["rag_text"]) == ("green", "", "Due in Q3")
    [record] = data["exceptions"]
    assert record["indicators"] == "11, 12"
    assert "no additional actions are recommended at this time" in record["recommended_action"]


def test_the_word_file_holds_the_same_exceptions_and_counts_as_the_page(made):
    paper = made["plan"]
    rows = docx_table_after(paper["docx"], "2. Exceptions")
    assert rows[0] == ["Action", "Accountable", "Responsible", "Due", "Why", "Latest progress"]
    codes = [row["code"] for row in paper["data"]["exceptions"]]
    assert len(rows) - 1 == len(codes) == 80
    for row, code in zip(rows[1:], codes, strict=True):
        assert row[0].startswith(f"{code} ")
    for code in codes:
        assert f">{code}</a>" in paper["html"]
    assert "2. Exceptions (80)" in paper["html"]
    document = Document(io.BytesIO(paper["docx"]))
    summary = next(table for table in document.tables if table.rows[0].cells[0].text == "Status")
    by_label = {row.cells[0].text: [cell.text for cell in row.cells[1:]] for row in summary.rows}
    for row in paper["data"]["summary"]:
        assert by_label[row["label"]] == [str(row["before"]), str(row["now"])]
        assert f'<td class="govuk-table__cell govuk-table__cell--numeric">{row["now"]}</td>' in paper["html"]
    exceptions = made["exceptions"]
    overdue = docx_table_after(exceptions["docx"], "3. Overdue actions")
    assert len(overdue) - 1 == len(exceptions["data"]["overdue"]) > 0
    assert f'id="count-overdue">{len(exceptions["data"]["overdue"])}<' in exceptions["html"]


def test_word_uses_real_headings_and_repeats_table_headers(made):
    document = Document(io.BytesIO(made["plan"]["docx"]))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:2] == ["1. Summary", "2. Exceptions (80)"]
    section = document.sections[0]
    assert section.page_width > section.page_height  # landscape A4
    assert round(section.page_width.mm) == 297 and round(section.page_height.mm) == 210
    exceptions = document.tables[3]
    assert exceptions.rows[0]._tr.xpath("./w:trPr/w:tblHeader")
    footer = section.footer._element.xml
    assert "NUMPAGES" in footer and "Draft: not published" in footer
    assert "Oxfordshire Health and Wellbeing Board" in section.header.paragraphs[0].text


def test_the_cqc_paper_fits_in_ten_a4_landscape_pages(made, tmp_path):
    """Rendered to PNG with pdftoppm: at most 10 pages, each A4 landscape. Page 1 goes in the README."""
    if not shutil.which("pdftoppm"):
        service_missing("pdftoppm (poppler-utils) is not installed")
    path = tmp_path / "cqc.pdf"
    path.write_bytes(made["plan"]["pdf"])
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert 1 <= len(pages) <= 10, f"{len(pages)} pages"
    for page in pages:
        width, height = png_size(page)
        assert (width, height) == (702, 497), page.name  # 297 × 210 mm at 60 dpi, rounded up
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "80",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(path),
            str(SCREENSHOT.with_suffix("")),
        ],
        check=True,
    )


def png_size(path):
    header = path.read_bytes()[16:24]
    return int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")


def test_the_pdf_has_headers_footers_and_no_addresses_after_links(made, tmp_path):
    text = pdf_text(made["plan"]["pdf"], tmp_path)
    pages = text.split("\f")[:-1]
    assert len(pages) > 1
    for n, page in enumerate(pages, start=1):
        assert "Oxfordshire Health and Wellbeing Board" in page
        assert "Meeting of 21 March 2019" in page
        assert f"Page {n} of {len(pages)}" in page
        assert "Draft: not published" in page
    assert "(/actions/" not in text and "http" not in text
    assert "Accountable" in text and "Accountab\n" not in text


# -- Drafts, publishing and snapshots ---------------------------------------------------------


@pytest.fixture
def hwb_meeting(db):
    plan = import_cqc_plan()
    return plan, Meeting.objects.get(partnership__slug="hwb", date=D(2018, 11, 15))


@pytest.mark.django_db
def test_a_published_paper_does_not_change_after_a_later_correction(client, superuser, hwb_meeting, tmp_path):
    plan, meeting = hwb_meeting
    f2 = plan.actions.get(code="F2")
    update = f2.add_progress_update(
        author=superuser, on=D(2018, 11, 1), seen_version=f2.version, rag=RAG.RED, narrative="Vision paper delayed"
    )
    client.force_login(superuser)
    page = reverse("actionplan:plan_paper", args=["hwb", "2018-11-15", plan.slug])
    assert client.post(page + "generate/").status_code == 302
    assert client.post(page + "publish/").status_code == 302
    before = {fmt: client.get(page + f"paper.{fmt}").content for fmt in ("pdf", "docx")}
    assert "Vision paper delayed" in pdf_text(before["pdf"], tmp_path)

    update = type(update).objects.get(pk=update.pk)
    update.correct("Vision paper delayed by the refreshed strategy", datetime.datetime.now(datetime.UTC))
    f2.refresh_from_db()
    f2.add_progress_update(
        author=superuser, on=D(2018, 11, 10), seen_version=f2.version, rag=RAG.GREEN, narrative="Done"
    )

    after = {fmt: client.get(page + f"paper.{fmt}").content for fmt in ("pdf", "docx")}
    assert after == before  # byte for byte
    assert pdf_text(after["pdf"], tmp_path) == pdf_text(before["pdf"], tmp_path)
    assert docx_text(after["docx"]) == docx_text(before["docx"])
    html = client.get(page).content.decode()
    assert "Vision paper delayed" in html and "refreshed strategy" not in html
    # Made again it would show the correction: only publishing kept it out.
    again = papers.build(meeting, "plan_progress", plan)
    assert "Done" in str(again) and "Done" not in str(MeetingPaper.objects.get().data)
    assert client.post(page + "generate/").status_code == 302
    assert bytes(MeetingPaper.objects.get().pdf) == before["pdf"]
    assert not str(MeetingPaper.objects.get().data).count("Done")


@pytest.mark.django_db
def test_a_draft_is_made_again_with_what_was_reported_since(superuser, hwb_meeting):
    plan, meeting = hwb_meeting
    first = papers.generate(meeting, "plan_progress", plan, superuser)
    assert not first.is_published and "Draft" in first.get_status_display()
    f2 = plan.actions.get(code="F2")
    f2.add_progress_update(
        author=superuser, on=D(2018, 11, 2), seen_version=f2.version, rag=RAG.RED, narrative="Vision paper delayed"
    )
    second = papers.generate(meeting, "plan_progress", plan, superuser)
    assert second.pk == first.pk
    f2_row = next(row for row in second.data["exceptions"] if row["code"] == "F2")
    assert f2_row["latest"]["narrative"] == "Vision paper delayed"
    assert second.snapshots.get(action=f2).latest_rag == RAG.RED


# -- Served from the snapshot -----------------------------------------------------------------


def publish_without_files(plan, meeting, user):
    """A published plan paper with its snapshot, without making its files (slow, and not what these
    tests are about)."""
    paper = MeetingPaper.objects.create(
        meeting=meeting,
        kind="plan_progress",
        plan=plan,
        data=papers.build(meeting, "plan_progress", plan),
        generated_at=datetime.datetime.now(datetime.UTC),
        status="published",
        published_by=user,
    )
    papers._freeze_pictures(paper, plan, meeting.date)
    return paper


@pytest.mark.django_db
def test_the_dashboard_as_at_a_meeting_is_read_from_its_published_snapshot(client, superuser, hwb_meeting):
    plan, meeting = hwb_meeting
    client.force_login(superuser)
    dashboard = reverse("actionplan:dashboard")
    worked_out = client.get(dashboard, {"plan": plan.slug, "as_at": "2018-11-15"}).context["detail"].summary
    publish_without_files(plan, meeting, superuser)
    # A correction reported as of a date before the meeting, after the paper was published.
    a1 = plan.actions.get(code="A1")
    a1.progress_updates.create(reported_on=D(2018, 11, 1), narrative="Backdated", rag=RAG.COMPLETE, author=superuser)
    response = client.get(dashboard, {"plan": plan.slug, "as_at": "2018-11-15"})
    assert response.context["detail"].summary == worked_out
    assert response.context["detail"].frozen
    assert 'id="frozen-picture"' in response.content.decode()
    assert response.context["chosen"].summary == worked_out
    # The day after, the picture is worked out again, and counts the backdated update.
    later = client.get(dashboard, {"plan": plan.slug, "as_at": "2018-11-16"}).context["detail"].summary
    assert later.complete == worked_out.complete + 1


@pytest.mark.django_db
def test_the_board_report_for_a_meeting_is_the_published_paper(client, superuser, hwb_meeting):
    plan, meeting = hwb_meeting
    paper = publish_without_files(plan, meeting, superuser)
    paper.data["title"] = "The paper as published"
    paper.save()
    client.force_login(superuser)
    response = client.get(reverse("actionplan:board_report", args=[plan.slug]), {"meeting": "2018-11-15"})
    assert response.context["report"] is None  # nothing worked out again
    assert "The paper as published" in response.content.decode()
    other = client.get(reverse("actionplan:board_report", args=[plan.slug]), {"as_at": "2018-11-14"})
    assert other.context["report"] is not None


@pytest.mark.django_db
def test_what_changed_lists_rag_status_and_date_changes_and_new_exceptions(client, superuser, hwb_meeting):
    plan, meeting = hwb_meeting
    earlier = Meeting.objects.get(partnership__slug="hwb", date=D(2018, 10, 3))
    f2 = plan.actions.get(code="F2")  # due 15/11/18: Green on 3 October, and not stale after this
    f2.add_progress_update(
        author=superuser, on=D(2018, 10, 1), seen_version=f2.version, rag=RAG.GREEN, narrative="On course"
    )
    publish_without_files(plan, earlier, superuser)
    f2.refresh_from_db()
    f2.add_progress_update(
        author=superuser,
        on=D(2018, 10, 20),
        seen_version=f2.version,
        rag=RAG.RED,
        narrative="Vision paper delayed",
        revised_due_date=D(2018, 12, 31),
        revision_reason="Waiting for the refreshed strategy",
    )
    client.force_login(superuser)
    response = client.get(reverse("actionplan:meeting_changes", args=["hwb", "2018-11-15"]))
    changes = response.context["changes"]
    row = next(row for row in changes["changed"] if row["code"] == "F2")
    assert row["what"] == ["RAG", "Due date"]  # on track at both: 31 December is beyond due soon
    assert (row["then"]["rag"], row["now"]["rag"]) == ("green", "red")
    assert "F2" in [row["code"] for row in changes["new_exceptions"]]
    assert f"{plan.title} on 3 October 2018: its published paper" in changes["sources"]
    page = response.content.decode()
    assert "New exceptions (" in page and "Vision paper" not in page


# -- Who may make, publish and read ----------------------------------------------------------


@pytest.mark.django_db
def test_only_the_plans_admins_make_and_publish_its_paper(client, hwb_meeting, tmp_path):
    plan, meeting = hwb_meeting
    User = get_user_model()
    viewer = give_role(User.objects.create_user("viewer", password=PASSWORD), plan, "viewer")
    officer = give_role(User.objects.create_user("officer", password=PASSWORD), plan, "officer")
    outsider = User.objects.create_user("outsider", password=PASSWORD)
    page = reverse("actionplan:plan_paper", args=["hwb", "2018-11-15", plan.slug])
    for user in (viewer, officer):
        client.force_login(user)
        assert client.get(page).status_code == 200
        assert client.post(page + "generate/").status_code == 403
        assert client.post(page + "publish/").status_code == 403
        assert "Make the draft" not in client.get(page).content.decode()
    client.force_login(outsider)
    assert client.get(page).status_code == 403
    assert client.get(page + "paper.docx").status_code == 403
    assert client.get(reverse("actionplan:board_paper", args=["hwb", "2018-11-15", "exceptions"])).status_code == 403
    assert MeetingPaper.objects.count() == 0
    admin = give_role(User.objects.create_user("admin", password=PASSWORD), plan, "admin")
    client.force_login(admin)
    assert client.get(page + "generate/").status_code == 405  # POST only
    assert client.post(page + "generate/").status_code == 302
    assert client.post(page + "publish/").status_code == 302
    assert MeetingPaper.objects.get().is_published


@pytest.mark.django_db
def test_a_board_paper_needs_an_admin_of_every_plan_the_board_assures(client, hwb_meeting):
    plan, meeting = hwb_meeting
    from actionplan.models import Plan

    other = Plan.objects.create(slug="other", title="Another HWB plan", board=plan.board)
    admin = give_role(get_user_model().objects.create_user("admin", password=PASSWORD), plan, "admin")
    give_role(admin, other, "viewer")
    client.force_login(admin)
    exceptions = reverse("actionplan:board_paper", args=["hwb", "2018-11-15", "exceptions"])
    assert client.get(exceptions).status_code == 200
    assert client.post(exceptions + "generate/").status_code == 403
    give_role(admin, other, "admin")
    assert papers.may_publish(admin, plan.board, None)


@pytest.mark.django_db
def test_a_plan_paper_is_only_for_a_plan_the_board_assures(client, superuser, hwb_meeting):
    client.force_login(superuser)
    assert (
        client.get("/boards/childrens-trust/meetings/2018-09-19/plans/cqc-local-system-review-2018/").status_code == 404
    )
    assert client.get("/boards/hwb/meetings/2018-11-16/").status_code == 404
    assert client.get("/boards/hwb/meetings/not-a-date/").status_code == 404


@pytest.mark.django_db
def test_every_paper_is_reachable_from_the_board_the_meeting_and_the_dashboard(client, superuser, hwb_meeting):
    plan, meeting = hwb_meeting
    client.force_login(superuser)
    meeting_page = reverse("actionplan:meeting", args=["hwb", "2018-11-15"])
    assert meeting_page in client.get(reverse("partnerships:partnership", args=["hwb"])).content.decode()
    assert (
        meeting_page
        in client.get(reverse("actionplan:dashboard"), {"plan": plan.slug, "as_at": "2018-11-01"}).content.decode()
    )
    page = client.get(meeting_page).content.decode()
    for name, args in [
        ("plan_paper", [plan.slug]),
        ("plan_paper_pdf", [plan.slug]),
        ("plan_paper_docx", [plan.slug]),
        ("board_paper", ["exceptions"]),
        ("board_paper_pdf", ["exceptions"]),
        ("board_paper_docx", ["performance"]),
        ("meeting_changes", []),
    ]:
        assert reverse(f"actionplan:{name}", args=["hwb", "2018-11-15", *args]) in page, name


@pytest.mark.django_db
def test_an_exception_signed_off_by_its_accountable_owner_says_so_in_the_paper(superuser, hwb_meeting):

    plan, meeting = hwb_meeting
    f2 = plan.actions.get(code="F2")
    update = f2.add_progress_update(
        author=superuser, on=D(2018, 11, 1), seen_version=f2.version, rag=RAG.RED, narrative="Vision paper delayed"
    )
    signer = get_user_model().objects.create_user("kc", first_name="Kiren", last_name="Collison")
    update.review(signer, datetime.datetime(2018, 11, 5, 10, tzinfo=datetime.UTC), update.corrected_at)
    data = papers.build(meeting, "plan_progress", plan)
    row = next(row for row in data["exceptions"] if row["code"] == "F2")
    assert row["latest"]["signed_off"] == "Signed off by Kiren Collison on 5 November 2018"
    assert "Signed off by Kiren Collison" in docx_text(word.paper_docx(data, "draft"))
