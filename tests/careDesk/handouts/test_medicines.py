"""The Universal Medication Schedule and plain words for medicines (no rows in a vault needed)."""

from __future__ import annotations

import pytest

from careDesk.handouts.document import Bullets, Grid, Para
from careDesk.handouts.medicines import Timing, medicines_section, timing
from careDesk.handouts.phrases import phrasebook
from careDesk.handouts.wording import plain, schedule_words
from careDesk.model.clinical import Medication


def med(**fields: object) -> Medication:
    values: dict[str, object] = {"patient_id": "p", "name": "Metformin", "dose": "500 mg"}
    values.update(fields)
    return Medication(**values)


@pytest.mark.parametrize(
    ("times", "slots"),
    [
        (1, ("morning",)),
        (2, ("morning", "evening")),
        (3, ("morning", "noon", "evening")),
        (4, ("morning", "noon", "evening", "bedtime")),
    ],
)
def test_times_per_day_follow_the_ums_convention(times: int, slots: tuple[str, ...]) -> None:
    assert timing(med(times_per_day=times)) == Timing(slots=slots)


def test_explicit_slots_win_and_keep_schedule_order() -> None:
    assert timing(med(slots="bedtime, morning", times_per_day=3)).slots == ("morning", "bedtime")


def test_every_n_hours_stays_every_n_hours_and_as_needed_has_no_slot() -> None:
    assert timing(med(every_hours=8)) == Timing(every_hours=8)
    assert timing(med(as_needed=True, slots="morning")) == Timing(as_needed=True)


def test_grid_marks_the_dose_in_each_slot_and_lists_as_needed_apart() -> None:
    book = phrasebook("en")
    meds = [
        med(name="Metformin", times_per_day=2, purpose="for blood sugar"),
        med(name="Albuterol", dose="2 puffs", as_needed=True, as_needed_for="trouble breathing"),
        med(name="Amoxicillin", every_hours=8),
    ]
    section = medicines_section(book, meds)
    assert section is not None
    grid = next(b for b in section.blocks if isinstance(b, Grid))
    assert grid.header == ("Medicine", "Morning", "Noon", "Evening", "Bedtime")
    assert grid.rows == (("Metformin", "500 mg", "", "500 mg", ""),)
    texts = [b.text for b in section.blocks if isinstance(b, Para)]
    assert "Metformin: for blood sugar. Take 500 mg each time." in texts
    assert any("Amoxicillin" in t and "every 8 hours" in t for t in texts)
    needed = next(b for b in section.blocks if isinstance(b, Bullets))
    assert needed.items == (
        "Albuterol. Take 2 puffs each time. Take it only when needed for trouble breathing.",
    )


def test_no_medicines_means_no_section() -> None:
    assert medicines_section(phrasebook("en"), []) is None


@pytest.mark.parametrize(
    ("language", "written", "expected"),
    [
        ("en", "1 tab PO BID PRN pain", "1 tablet by mouth 2 times a day when needed pain"),
        (
            # The Joint Commission "Do Not Use" list: QD → "daily", QOD → "every other day";
            # ISMP: hs → "at bedtime" (only after a dose: alone it may mean half-strength).
            "en",
            "Take QD, not QOD; q8h x 7 days; 1 tab HS",
            "Take daily, not every other day; every 8 hours for 7 days; 1 tablet at bedtime",
        ),
        (
            "en",
            "Metformin 500 MG 24 HR tablet at 8 AM",
            "Metformin 500 mg 24 hour tablet at 8 in the morning",
        ),
        ("es", "1 tab PO BID", "1 pastilla por la boca 2 veces al día"),
        ("vi", "1 tab PO TID", "1 viên uống 3 lần mỗi ngày"),
    ],
)
def test_abbreviations_are_written_out(language: str, written: str, expected: str) -> None:
    assert plain(phrasebook(language), written) == expected


def test_words_that_contain_an_abbreviation_are_left_alone() -> None:
    book = phrasebook("en")
    assert plain(book, "Take a pill at home with a spoon") == "Take a pill at home with a spoon"
    assert plain(book, "I am fine") == "I am fine"


@pytest.mark.parametrize(
    ("language", "rule", "words"),
    [
        ("en", "FREQ=DAILY", "every day"),
        ("en", "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR", "every Monday, Wednesday and Friday"),
        ("es", "FREQ=WEEKLY;BYDAY=SU", "cada domingo"),
        # An interval was left out of the handout, so "every 2 weeks" printed no schedule at all.
        ("en", "FREQ=DAILY;INTERVAL=3", "every 3 days"),
        ("en", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "every 2 weeks on Friday"),
        ("es", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "cada 2 semanas, el viernes"),
        ("en", "FREQ=YEARLY;BYMONTH=10", "every year in October"),
        ("vi", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", ""),  # no wording yet: left out, never code
        ("en", "after lunch", "after lunch"),
    ],
)
def test_schedules_in_plain_words(language: str, rule: str, words: str) -> None:
    assert schedule_words(phrasebook(language), rule) == words
