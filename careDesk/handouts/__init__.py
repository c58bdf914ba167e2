"""Handouts: the care plan as simple steps, in the patient's language (issue 6; see
docs/architecture.md#handouts).

``desk.handouts`` (:class:`careDesk.handouts.service.Handouts`) builds and prints them;
:func:`careDesk.handouts.render.write_pdf` saves the bytes where the user asked;
:func:`careDesk.handouts.service.render_recovery_sheet` prints the vault's recovery key.
"""
