"""A big plan upload in Chromium without JavaScript: the worker checks it while the page says so,
"Check again" shows the preview once it has, and the waiting page passes axe."""

import pytest
from playwright.sync_api import expect

from actionplan import tasks
from actionplan.models import Action
from tests.browser import serious_accessibility_violations, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_big_upload_waits_for_the_worker_on_a_page_that_needs_no_javascript(
    page_without_js, browser, live_server, tmp_path, plan_admin, small_plan, settings, monkeypatch
):
    settings.PLAN_UPLOAD_DIR = tmp_path / "plan-uploads"
    settings.PLAN_UPLOAD_TASK_BYTES = 100  # every upload counts as big
    queued = []
    monkeypatch.setattr(tasks.check_plan_upload, "delay", lambda *args: queued.append(args))
    page = page_without_js
    page.goto("/plan-upload/")
    sign_in(page, "plan-admin", PASSWORD)
    path = tmp_path / "small.xlsx"
    path.write_bytes(page.request.get(f"/plans/{small_plan.slug}/download.xlsx").body())

    page.get_by_label("Plan file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checking your file")
    page.get_by_role("button", name="Check again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checking your file")  # not yet

    with_js = browser.new_context(base_url=live_server.url, storage_state=page.context.storage_state()).new_page()
    with_js.goto(page.url)
    assert serious_accessibility_violations(with_js) == []
    with_js.context.close()

    for args in queued:
        tasks.check_plan_upload.apply(args=args).get()
    page.get_by_role("button", name="Check again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the import before you confirm it")
    expect(page.locator("#import-summary")).to_contain_text("Actions unchanged 4")
    assert Action.objects.filter(plan=small_plan).count() == 4
