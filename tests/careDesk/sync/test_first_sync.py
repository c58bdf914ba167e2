"""A new workstation's first sync loads empty tables without their secondary indexes and fills
the patient search index once per transaction (issue 21). Stopped at any point, the vault keeps
what it committed, finds every patient it has, and has (or gets back) all its indexes."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from careDesk.care.demo import generate_demo
from careDesk.desk import Desk
from careDesk.ops import Cancelled, Progress, job, write
from careDesk.sync import bulkload, readahead, setup, snapshot
from careDesk.sync.connection import SyncOffline, SyncRefused
from careDesk.sync.reports import COPYING, INDEXING
from careDesk.sync.tables import local_columns, synced_tables
from tests.conftest import PASSWORD
from tests.pg_fixtures import older_server


class Stopped(Exception):
    """The person pressed Stop (the Sync page's progress raises like this)."""


def _clinic(make_workstation: Any, seed: int) -> Any:
    """A clinic of 30 demo patients (a seed no other test uses: demo ids follow the seed, and
    the tests share one server)."""
    a = make_workstation("anna")
    generate_demo(
        a.desk, patients=30, seed=seed, today=date(2026, 3, 10), coordinator_password=PASSWORD
    )
    a.sync()
    return a


def _stop_at(monkeypatch: pytest.MonkeyPatch, name: str, page: int) -> None:
    """Stop the first sync as page ``page`` of table ``name`` arrives (as the Sync page's Stop
    button does, from the progress report)."""
    real, seen = snapshot._Writer.page, [0]

    def page_then_stop(self: Any, table: str, rows: list[snapshot.Piece]) -> None:
        if table == name:
            seen[0] += 1
            if seen[0] == page:
                raise Stopped()
        real(self, table, rows)

    monkeypatch.setattr(snapshot._Writer, "page", page_then_stop)


def _missing(desk: Desk) -> list[str]:
    with desk.reading() as session:
        return bulkload.missing(session.connection().connection.driver_connection)


def _searchable(desk: Desk) -> int:
    """Patients in the vault; raises if the search index does not match them."""
    with desk.writing(None) as tx:
        tx.session.execute(
            text("INSERT INTO patient_search(patient_search) VALUES ('integrity-check')")
        )
        return int(tx.session.execute(text("SELECT count(*) FROM patient")).scalar_one())


def _rows(desk: Desk, name: str) -> list[tuple[Any, ...]]:
    with desk.reading() as session:
        return [tuple(r) for r in session.execute(text(f'SELECT * FROM "{name}" ORDER BY id'))]


@pytest.fixture
def small_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of ten rows, a commit after each: a stop can fall inside the patient table."""
    monkeypatch.setattr(snapshot, "FETCH", 10)
    monkeypatch.setattr(snapshot, "COMMIT_ROWS", 10)


def test_a_stopped_first_sync_keeps_a_searchable_vault_with_every_index(
    make_workstation: Any, small_steps: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = _clinic(make_workstation, seed=5)
    b = make_workstation("ben")
    with monkeypatch.context() as m:
        _stop_at(m, "patient", 3)  # after 20 of the 30 patients
        with pytest.raises(Stopped):
            b.sync()
    assert _missing(b.desk) == []  # dropped for the load, built again on the way out
    assert _searchable(b.desk) == 20  # what committed stayed, and search finds all of it
    with b.desk.reading() as session:
        assert session.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    patient = _rows(b.desk, "patient")[0]
    assert b.desk.patients.search(str(patient[6]))  # its family name

    assert b.sync().pushed == 0  # carries on: the copied rows are not sent back
    for t in synced_tables():
        assert _rows(b.desk, t.name) == _rows(a.desk, t.name), t.name
    assert _searchable(b.desk) == 30


def test_a_first_sync_stopped_half_way_says_so_and_is_finished_by_a_person_only(
    make_workstation: Any, small_steps: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped half-way, the vault holds part of the clinic: a patient may show no allergies
    or medicines the server has. Its status says so until a sync finishes the copy, and the
    clock does not finish it unseen in the background (the Sync page shows a first sync's
    progress; the clock's sync has none)."""
    from careDesk.schedule.clock import ReminderClock

    a = _clinic(make_workstation, seed=12)
    b = make_workstation("ben")
    with monkeypatch.context() as m:
        _stop_at(m, "patient", 3)
        with pytest.raises(Stopped):
            b.sync()
    status = b.desk.sync.status()
    assert status.enabled and status.incomplete and not b.desk.sync.joined
    ReminderClock(b.desk).run_sync()  # the interval's job: nothing is copied or sent
    assert _searchable(b.desk) == 20
    assert b.desk.sync.status().last_sync_at is None

    b.sync()  # a person presses Sync now
    status = b.desk.sync.status()
    assert not status.incomplete and status.last_sync_at is not None and b.desk.sync.joined
    patient = str(_rows(a.desk, "patient")[0][0])
    a.desk.patients.update(patient, city="Okafor Falls")
    a.sync()
    ReminderClock(b.desk).run_sync()  # from now on the clock's sync brings A's edit here
    assert b.desk.patients.get(patient).city == "Okafor Falls"


def test_a_first_sync_says_when_it_builds_indexes_then_copies_on(make_workstation: Any) -> None:
    """Found by trying the Sync page: the bar stood still while a table's indexes were built
    (1-2 s for a 50,000-patient clinic's observations) with nothing saying why."""
    _clinic(make_workstation, seed=13)
    b = make_workstation("ben")
    progress, stages = Progress(), []

    def seen(p: Progress) -> None:
        if not stages or stages[-1] != p.message:
            stages.append(p.message)

    progress.listen(seen)
    b.desk.sync.run(progress)
    assert INDEXING in stages
    after = stages[stages.index(INDEXING) + 1 :]
    assert COPYING in after  # the copy carries on, and says so, once the indexes are built


def test_indexes_a_killed_first_sync_left_dropped_come_back_at_the_next_sync(
    make_workstation: Any, small_steps: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clinic(make_workstation, seed=6)
    b = make_workstation("ben")
    with monkeypatch.context() as m:  # the app dies before it can build them again
        m.setattr(snapshot._Writer, "build_all", lambda self, quietly: None)
        _stop_at(m, "patient", 3)
        with pytest.raises(Stopped):
            b.sync()
    assert _missing(b.desk) == ["patient"]
    assert _searchable(b.desk) == 20  # search never depended on the dropped indexes
    b.net.up = False
    with pytest.raises(SyncOffline):
        b.sync()  # offline: the indexes are built before the server is even tried
    assert _missing(b.desk) == []
    b.net.up = True
    b.sync()
    assert _searchable(b.desk) == 30


def test_a_first_sync_stopped_while_ranking_patients_ranks_them_all_next_time(
    make_workstation: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Risk scores are computed a chunk of patients at a time after the copy (here: not
    during it, as when a re-bootstrap copies again, test_scores_alongside.py has the scores
    started during the copy); the copy counts as taken only once every patient has one, so no
    patient is left off the worklist."""
    from careDesk.care.risk import engine
    from careDesk.care.risk.alongside import ScoresAlongside

    _clinic(make_workstation, seed=8)
    b = make_workstation("ben")
    monkeypatch.setattr(ScoresAlongside, "start", lambda self: None)
    monkeypatch.setattr(engine, "FIRST_CHUNK", 10)  # ten patients a chunk, then more
    monkeypatch.setattr(engine, "MIN_CHUNK", 1)
    progress = Progress()

    def stop_ranking(p: Progress) -> None:
        if p.message == engine.REFRESHING and 0 < p.done < p.total:
            p.cancel()  # the person presses Stop after the first chunk

    progress.listen(stop_ranking)
    with pytest.raises(Cancelled):
        b.desk.sync.run(progress)
    with b.desk.reading() as session:
        scored = session.execute(text("SELECT count(*) FROM risk_score")).scalar_one()
    assert 0 < scored < 30  # stopped part-way through the ranking
    assert b.desk.sync.status().last_sync_at is None
    assert b.sync().pushed == 0  # what the snapshot copied is not sent back
    with b.desk.reading() as session:
        unranked = session.execute(
            text(
                "SELECT count(*) FROM patient WHERE deleted_at IS NULL"
                " AND id NOT IN (SELECT patient_id FROM risk_score)"
            )
        ).scalar_one()
    assert _searchable(b.desk) == 30 and unranked == 0


def test_a_patient_registered_during_a_first_sync_goes_in_between_its_chunks(
    make_workstation: Any, small_steps: None
) -> None:
    """The copy commits short chunks through the write lane (issue 18): a person registering a
    patient while the clinic is being copied saves at once, the copy carries on after, and the
    new patient is found by search and reaches the clinic."""
    a = _clinic(make_workstation, seed=9)
    b = make_workstation("ben")
    progress, copied, carry_on = Progress(), threading.Event(), threading.Event()

    def between_chunks(p: Progress) -> None:
        if p.message == COPYING and p.done and not copied.is_set():
            copied.set()  # the first ten patients are in
            carry_on.wait(60)

    progress.listen(between_chunks)
    with b.desk.write_lane.recording() as log:
        syncing = b.desk.ops.submit(job("sync.run", lambda: b.desk.sync.run(progress), progress))
        assert copied.wait(120)
        save = b.desk.ops.submit(
            write(
                "patients.create",
                lambda: b.desk.patients.create(
                    mrn="NEW-1", given_name="Zora", family_name="Quill", birth_date=date(1961, 5, 2)
                ),
            )
        )
        carry_on.set()
        created = save.result(60).value  # no DatabaseBusy, no OperationalError
        assert not syncing.done()  # saved while the copy still had chunks to write
        syncing.result(300)
    names = [hold.name for hold in log.holds]
    assert "sync.run" in names[names.index("patients.create") + 1 :]  # the copy went on after
    assert [p.id for p in b.desk.patients.search("Quill")] == [created.id]
    assert _searchable(b.desk) == 31 and _missing(b.desk) == []
    b.sync()
    a.sync()
    assert [p.id for p in a.desk.patients.search("Quill")] == [created.id]


def test_a_save_that_comes_while_a_chunk_is_written_ends_that_chunk_early(
    make_workstation: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk stretched by a loaded machine must not keep a save waiting: it looks at the
    lane every STEP_ROWS rows and, once a save waits, commits the rows it has (searchable),
    lets the save go, and goes on with the rest in the next chunk."""
    a = _clinic(make_workstation, seed=10)
    b = make_workstation("ben")
    monkeypatch.setattr(snapshot, "STEP_ROWS", 4)
    monkeypatch.setattr(snapshot, "FIRST_ROWS", 20)  # the first patient chunk: 20 rows
    lane, chunks, saving = b.desk.write_lane, [], []
    real_chunk, real_waits = snapshot._Writer._chunk, snapshot._Writer.save_waits

    def chunk(self: Any, tx: Any, name: str, part: list[snapshot.Piece]) -> int:
        done = real_chunk(self, tx, name, part)  # in pieces of STEP_ROWS rows: count rows
        chunks.append((name, sum(p.rows for p in part), sum(p.rows for p in part[:done])))
        return done

    def save_waits(self: Any) -> bool:
        if not saving and chunks == [] and self.desk is b.desk:  # 4 rows into the first chunk
            saving.append(
                b.desk.ops.submit(
                    write(
                        "patients.create",
                        lambda: b.desk.patients.create(
                            mrn="NEW-2",
                            given_name="Ines",
                            family_name="Vell",
                            birth_date=date(1958, 1, 9),
                        ),
                    )
                )
            )
            assert lane.wait_for_waiters(interactive=1, background=0, timeout=60)
        return bool(real_waits(self))

    monkeypatch.setattr(snapshot._Writer, "_chunk", chunk)
    monkeypatch.setattr(snapshot._Writer, "save_waits", save_waits)
    with lane.recording() as log:
        b.desk.ops.submit(job("sync.run", lambda: b.desk.sync.run())).result(300)
    created = saving[0].result(60).value
    assert chunks[0] == ("patient", 20, 4)  # 4 of its 20 rows, then the save
    assert chunks[1][0] == "patient" and chunks[1][2] > 0  # the rest, after it
    names = [hold.name for hold in log.holds]
    assert names[names.index("patients.create") - 1] == "sync.run"
    assert names[names.index("patients.create") + 1] == "sync.run"
    assert [p.id for p in b.desk.patients.search("Vell")] == [created.id]
    assert _searchable(b.desk) == 31 and _missing(b.desk) == []
    with a.desk.reading() as theirs, b.desk.reading() as mine:
        for t in synced_tables():  # every row of the clinic came, none lost to the early end
            ids = text(f'SELECT id FROM "{t.name}"')
            assert set(theirs.execute(ids).scalars()) <= set(mine.execute(ids).scalars()), t.name


def test_a_chunk_stretched_past_its_hold_limit_ends_at_the_next_step(
    make_workstation: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a loaded machine a chunk sized for 50 ms can take several times that: it commits
    what it has once it has held the lane past HOLD_LIMIT (here: at once, after each step),
    and the rest follows in the next chunks, nothing lost, every commit searchable."""
    a = _clinic(make_workstation, seed=11)
    b = make_workstation("ben")
    monkeypatch.setattr(snapshot, "STEP_ROWS", 3)
    monkeypatch.setattr(snapshot, "HOLD_LIMIT", 0.0)
    chunks: list[tuple[str, int, int]] = []
    real_chunk = snapshot._Writer._chunk

    def chunk(self: Any, tx: Any, name: str, part: list[snapshot.Piece]) -> int:
        done = real_chunk(self, tx, name, part)  # in pieces of STEP_ROWS rows: count rows
        chunks.append((name, sum(p.rows for p in part), sum(p.rows for p in part[:done])))
        return done

    monkeypatch.setattr(snapshot._Writer, "_chunk", chunk)
    b.sync()
    assert any(size > 3 for _name, size, _done in chunks)  # chunks were sized larger
    assert all(done == min(size, 3) for _name, size, done in chunks)  # each ended at one step
    assert _searchable(b.desk) == 30 and _missing(b.desk) == []
    with a.desk.reading() as theirs, b.desk.reading() as mine:
        for t in synced_tables():
            ids = text(f'SELECT id FROM "{t.name}"')
            assert set(theirs.execute(ids).scalars()) == set(mine.execute(ids).scalars()), t.name


def test_a_server_set_up_by_an_older_careDesk_is_named_as_needing_its_upgrade(
    make_workstation: Any, pg: Any
) -> None:
    """A first sync reads through functions a server set up by an older careDesk lacks: the
    person is told what the administrator does, not a PostgreSQL error's class name."""
    b = make_workstation("ben")
    # As before these versions: no cursor of rows as JSON, no check that the clinic is this
    # workstation's own (without which a first sync copies the clinic).
    database = older_server(
        pg, b, "snapshot_json_patient()", "snapshot_ours(text, integer, xid8, jsonb)"
    )
    with pytest.raises(SyncRefused, match="caredesk sync --setup-server") as refused:
        b.sync()
    assert refused.value.code == "server-upgrade"
    assert b.desk.sync.status().last_error == "server-upgrade"
    with psycopg.connect(pg.admin_url(database)) as conn:
        setup.install(conn)  # the upgrade: the same workstation then syncs
    assert b.sync().snapshot_rows == 0


def test_the_first_workstation_still_names_a_server_that_lacks_a_table(
    make_workstation: Any, pg: Any
) -> None:
    """The clinic's first workstation copies nothing back, but a server that does not replicate
    a table of this version (an older careDesk set it up) is named at once, as for any new
    workstation, not found out at the first row saved in that table."""
    a = make_workstation("anna")
    a.desk.patients.create(
        mrn="T-1", given_name="Ada", family_name="Old", birth_date=date(1950, 1, 1)
    )
    database = older_server(pg, a, "snapshot_json_opt_out()")
    with psycopg.connect(pg.admin_url(database)) as conn:
        conn.execute("DELETE FROM sync.synced_table WHERE name = 'opt_out'")
    with pytest.raises(SyncRefused, match="caredesk sync --setup-server") as refused:
        a.sync()
    assert refused.value.code == "server-upgrade"


def test_a_first_sync_copies_every_value_exactly_as_the_clinic_has_it(
    make_workstation: Any, pg: Any
) -> None:
    """Rows travel as JSON text (one array per row) and SQLite reads them back: every value of
    every replicated table arrives with its type and its exact value, doubles to the last bit
    and text with quotes, backslashes, line breaks and letters beyond ASCII, whatever digits
    the server prints doubles with by default."""
    a = _clinic(make_workstation, seed=2027)
    pid = a.desk.patients.create(
        mrn="Q-1",
        given_name='Zoë "Zee" O\'Brien \\ 李',
        family_name="Ng 😀",
        birth_date=date(1931, 2, 28),
    ).value.id
    note = 'Ate "peanut" oil \\ once,\nthen hives; 48 h later\twheeze — é'
    a.desk.timeline.add_note(pid, summary="Allergy history", body=note)
    when = datetime(2026, 1, 2, 9, 0, 0, 123456, tzinfo=UTC)
    for value in (0.1 + 0.2, 1 / 3, 81.2, 1e-300, 2.5e15, -0.0, 120.0):
        a.desk.clinical.add_observation(
            pid, display="Weight", value=value, unit="kg", effective=when
        )
    a.sync()
    b = make_workstation("ben")
    # A server configured to print doubles with fewer digits (PostgreSQL's setting before 12).
    with psycopg.connect(pg.admin_url(), autocommit=True) as conn:
        conn.execute(f'ALTER ROLE "{b.login}" SET extra_float_digits = 0')
    b.sync()

    def rows(desk: Desk, name: str, columns: list[str]) -> list[tuple[Any, ...]]:
        typed = ", ".join(f'"{c}", typeof("{c}")' for c in columns)
        with desk.reading() as session:
            found = session.execute(text(f'SELECT {typed} FROM "{name}" ORDER BY id'))
            return [tuple(r) for r in found]

    for t in synced_tables():
        columns = [c.name for c in t.columns if c.name not in local_columns(t.name)]
        assert rows(b.desk, t.name, columns) == rows(a.desk, t.name, columns), t.name
    weights = [o.value for o in b.desk.clinical.observations(pid) if o.effective == when]
    assert sorted(weights, key=repr) == sorted(
        [0.30000000000000004, 0.3333333333333333, 81.2, 1e-300, 2.5e15, -0.0, 120.0], key=repr
    )
    assert [p.id for p in b.desk.patients.search("Zoë")] == [pid]  # its search index too
    assert b.desk.patients.get(pid).given_name == 'Zoë "Zee" O\'Brien \\ 李'
    with b.desk.reading() as session:
        body = text("SELECT body FROM timeline_entry WHERE patient_id = :p")
        bodies = session.execute(body, {"p": pid})
        assert list(bodies.scalars()) == [note]


def _same_rows(a: Any, b: Any) -> None:
    with a.desk.reading() as theirs, b.desk.reading() as mine:
        for t in synced_tables():
            ids = text(f'SELECT id FROM "{t.name}"')
            assert set(theirs.execute(ids).scalars()) == set(mine.execute(ids).scalars()), t.name


def test_the_server_is_read_to_the_end_while_the_vault_still_writes_the_first_table(
    make_workstation: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reading thread runs ahead of the writing one (within AHEAD_CHARS), so the server
    serves the whole clinic while the second core would otherwise idle: here the writer does
    not start on the first table until the reader has read every table."""
    a = _clinic(make_workstation, seed=16)
    b = make_workstation("ben")
    monkeypatch.setattr(snapshot, "FETCH", 7)  # many small pages
    read_all, pages = threading.Event(), [0]
    real_put, real_page = readahead.Ahead.put, snapshot._Writer.page

    def put(self: Any, item: Any, size: int, stop: threading.Event) -> bool:
        pages[0] += 1
        if item is None:
            read_all.set()
        return bool(real_put(self, item, size, stop))

    def page(self: Any, table: str, pieces: list[snapshot.Piece]) -> None:
        assert read_all.wait(60), "the reader stopped ahead of the writer"
        real_page(self, table, pieces)

    monkeypatch.setattr(readahead.Ahead, "put", put)
    monkeypatch.setattr(snapshot._Writer, "page", page)
    b.sync()
    assert pages[0] > 100  # far more than a few pages were held at once
    _same_rows(a, b)
    assert _searchable(b.desk) == 30 and _missing(b.desk) == []


def test_the_reader_holds_no_more_than_its_budget_ahead(
    make_workstation: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a budget smaller than any page, the reader hands one page over at a time: a page
    that comes while another is held waits for the writer to take it. The clinic still
    arrives whole."""
    a = _clinic(make_workstation, seed=17)
    b = make_workstation("ben")
    monkeypatch.setattr(snapshot, "FETCH", 7)
    monkeypatch.setattr(snapshot, "AHEAD_CHARS", 1)
    came_while_held = threading.Event()
    after: list[tuple[int, int]] = []  # (characters held once a page was handed, its size)
    real_put, real_page = readahead.Ahead.put, snapshot._Writer.page

    def put(self: Any, item: Any, size: int, stop: threading.Event) -> bool:
        if self.held:
            came_while_held.set()
        handed = bool(real_put(self, item, size, stop))
        after.append((self.held, size))
        return handed

    def page(self: Any, table: str, pieces: list[snapshot.Piece]) -> None:
        assert came_while_held.wait(60)  # the writer waits until the reader must wait
        real_page(self, table, pieces)

    monkeypatch.setattr(readahead.Ahead, "put", put)
    monkeypatch.setattr(snapshot._Writer, "page", page)
    b.sync()
    pages = [(held, size) for held, size in after if size]
    assert len(pages) > 100
    assert all(held <= size for held, size in pages)  # never a page beside another
    _same_rows(a, b)
