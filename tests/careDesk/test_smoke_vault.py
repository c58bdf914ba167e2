from careDesk.desk import Desk
from careDesk.store.check import check_vault


def test_fresh_vault_passes_check(desk: Desk) -> None:
    report = check_vault(desk)
    assert report.passed, report.problems
    assert any("audit trail: 2 event(s)" in line for line in report.ok)
