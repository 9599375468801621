"""Keyboard only: an officer signs in, reaches My actions, opens an action and posts an update, makes
a mistake and corrects it, with Tab, Shift+Tab, Enter and Space (and typing); focus is always visible."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# GOV.UK Frontend shows focus as a yellow outline or box shadow; a radio or checkbox shows it on the
# circle or box drawn by its label (the input itself is transparent).
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  const shows = (style) =>
    (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none";
  if (el.matches(".govuk-radios__input, .govuk-checkboxes__input")) {
    const label = el.nextElementSibling;
    return shows(getComputedStyle(label, "::before")) || shows(getComputedStyle(label, "::after"));
  }
  return shows(getComputedStyle(el));
}"""
FOCUSED = "() => { const el = document.activeElement; return [el.tagName, el.id, el.name || '', el.innerText || ''] }"


def tab_to(page, matches, key="Tab", limit=80):
    """Press Tab (or Shift+Tab) until the focused element matches; focus must show at every stop."""
    for _ in range(limit):
        page.keyboard.press(key)
        assert page.evaluate(FOCUS_SHOWN), f"focus not visible on {page.evaluate(FOCUSED)}"
        tag, id_, name, text = page.evaluate(FOCUSED)
        if matches(tag=tag, id=id_, name=name, text=text.strip()):
            return
    raise AssertionError(f"never reached the element after {limit} presses of {key}")


def test_an_officer_updates_an_action_by_keyboard_alone(page, officer, small_plan):
    a1 = small_plan.actions.get(code="A1")
    page.goto("/my-actions/")
    tab_to(page, lambda id, **_: id == "id_username")
    page.keyboard.type(officer.username)
    tab_to(page, lambda id, **_: id == "id_password")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My actions")).to_be_visible()

    tab_to(page, lambda tag, text, **_: tag == "A" and text.startswith("A1 "))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(a1.title)

    tab_to(page, lambda text, **_: text == "Add a progress update")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Add a progress update")).to_be_visible()

    # Write the progress, then go back up to the RAG radios with Shift+Tab and leave them unchosen.
    tab_to(page, lambda id, **_: id == "id_narrative")
    page.keyboard.type("Vision paper agreed by the chief executives.")
    tab_to(page, lambda name, **_: name == "rag", key="Shift+Tab")
    tab_to(page, lambda text, **_: text == "Save update")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select a RAG status")
    expect(summary).to_be_focused()  # GOV.UK's error summary takes focus, so it is read out first

    tab_to(page, lambda text, **_: text == "Select a RAG status")
    page.keyboard.press("Enter")
    expect(page.locator("#id_rag_0")).to_be_focused()  # the link moves focus to the first radio
    assert page.evaluate(FOCUS_SHOWN)
    page.keyboard.press("Space")
    expect(page.locator("#id_rag_0")).to_be_checked()
    expect(page.get_by_label("Progress", exact=True)).to_have_value("Vision paper agreed by the chief executives.")
    tab_to(page, lambda text, **_: text == "Save update")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Your progress update on A1 has been saved.")).to_be_visible()
    assert a1.progress_updates.filter(narrative="Vision paper agreed by the chief executives.").exists()
