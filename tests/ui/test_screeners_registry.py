"""The screener form and the story read the instrument registry: every instrument is offered,
a new instrument's data file adds itself, and AUDIT-C says which cut-off applies (men ≥ 4, women
≥ 3: Bradley KA et al., Alcohol Clin Exp Res 2007;31:1208; Bush K et al., Arch Intern Med
1998;158:1789; sex not recorded: the lower one, careDesk's choice)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from careDesk.care.instruments import Instrument, instrument_ids
from careDesk.desk import Desk
from tests.careDesk.care.instrument_files import (  # noqa: F401  (the fixture)
    NEW_ID,
    NEW_STORY,
    new_instrument,
)
from tests.ui.conftest import add_patient, chart_view
from ui.chart.screeners import ScreenersTab
from ui.chart.story import StoryTab
from ui.workspace import Workspace


def _offered(tab: ScreenersTab) -> list[str]:
    return [str(tab.choice.itemData(i)) for i in range(tab.choice.count())]


def test_every_instrument_of_the_registry_is_offered_in_its_order(
    qtbot: QtBot, ws: Workspace, desk: Desk
) -> None:
    tab = ScreenersTab(ws, add_patient(desk, "Ana", "Ruiz", "R-1"))
    qtbot.addWidget(tab)
    assert _offered(tab) == instrument_ids()
    assert "audit_c" in _offered(tab)


def test_a_new_instruments_file_adds_its_form_and_story_line(
    qtbot: QtBot,
    ws: Workspace,
    desk: Desk,
    new_instrument: Instrument,  # noqa: F811
) -> None:
    pid = add_patient(desk, "Ana", "Ruiz", "R-2")
    view = chart_view(qtbot, ws, pid)
    tab = view.show_tab("screeners")
    assert isinstance(tab, ScreenersTab)
    assert _offered(tab)[-1] == NEW_ID
    form = tab.select(NEW_ID)
    for item in new_instrument.items:
        form.answer(item.id, 2)
    assert tab.live.text().startswith("Score 6 · high · positive screen")
    with qtbot.waitSignal(view.loaded):
        tab.submit()
    story = view.show_tab("story")
    assert isinstance(story, StoryTab)
    assert "ZZ-3 6 (high)" in story.screening[NEW_STORY].text()


def test_audit_c_says_which_cut_off_applies_for_a_man(
    qtbot: QtBot, ws: Workspace, desk: Desk
) -> None:
    view = chart_view(qtbot, ws, add_patient(desk, "Al", "Roe", "R-3", sex="male"))
    tab = view.show_tab("screeners")
    assert isinstance(tab, ScreenersTab)
    form = tab.select("audit_c")
    assert form.hint is not None and "women: 3 or more" in form.hint.text()
    for item_id, answer in (("auditc_1", 1), ("auditc_2", 1), ("auditc_3", 1)):
        form.answer(item_id, answer)
    assert "Score 3 · negative screen (cut-off 4: men" in tab.live.text()
    with qtbot.waitSignal(view.loaded):
        tab.submit()
    assert "Saved AUDIT-C: negative" in tab.result.text()
    story = view.show_tab("story")
    assert isinstance(story, StoryTab)
    assert "AUDIT-C 3 (negative)" in story.screening["Alcohol use"].text()


def test_audit_c_uses_the_lower_cut_off_when_sex_is_not_recorded(
    qtbot: QtBot, ws: Workspace, desk: Desk
) -> None:
    view = chart_view(qtbot, ws, add_patient(desk, "Sam", "Lee", "R-4", sex="unknown"))
    tab = view.show_tab("screeners")
    assert isinstance(tab, ScreenersTab)
    form = tab.select("audit_c")
    for item_id, answer in (("auditc_1", 1), ("auditc_2", 1), ("auditc_3", 1)):
        form.answer(item_id, answer)
    text = tab.live.text()
    assert "positive screen (cut-off 3: sex not recorded" in text
    assert "lower cut-off" in text


def test_never_drinking_greys_out_the_questions_the_audit_skips(
    qtbot: QtBot, ws: Workspace, desk: Desk
) -> None:
    """WHO AUDIT manual (Babor 2001): after "Never", questions 2 and 3 are not asked."""
    tab = ScreenersTab(ws, add_patient(desk, "Bea", "Poe", "R-5", sex="female"))
    qtbot.addWidget(tab)
    form = tab.select("audit_c")
    form.answer("auditc_2", 3)  # answered first, then question 1 says Never
    form.answer("auditc_1", 0)
    assert not form.boxes["auditc_2"].isEnabled() and not form.boxes["auditc_3"].isEnabled()
    assert "auditc_2" not in form.answers()
    assert tab.live.text().startswith("Score 0 · negative screen")
    form.answer("auditc_1", 2)
    assert form.boxes["auditc_2"].isEnabled()
    assert "1 of 3 answered" in tab.live.text()
