"""The chart header: who the patient is, their coordinator, risk badge, alerts and consent."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from careDesk.care.languages import language_name
from careDesk.words import capital, say


def risk_reasons(risk: Any) -> list[str]:
    """The risk score's reasons in words (stored as a JSON list)."""
    if risk is None:
        return []
    try:
        reasons = json.loads(risk.reasons or "[]")
    except ValueError:
        return []
    return [str(r) for r in reasons]


def risk_lines(risk: Any) -> list[str]:
    """The reasons, and LACE with its discharge date when it is past the 30 days it predicts
    (van Walraven 2010) and so no longer among them."""
    lines = risk_reasons(risk)
    lace, discharged = getattr(risk, "lace", None), getattr(risk, "lace_discharged", None)
    if lace is not None and discharged is not None and not any(r.startswith("LACE") for r in lines):
        lines.append(f"LACE {lace} for the discharge on {discharged:%Y-%m-%d} (past 30 days)")
    return lines


def consent_text(patient: Any) -> str:
    """Program consent and the channels the patient agreed to."""
    channels = [
        name
        for name, given in (
            ("phone", patient.consent_phone),
            ("text", patient.consent_sms),
            ("e-mail", patient.consent_email),
            ("letter", patient.consent_letter),
            ("WhatsApp", getattr(patient, "consent_whatsapp", False)),
        )
        if given
    ]
    program = (
        f"Program consent {patient.consent_program_on:%Y-%m-%d}"
        if patient.consent_program and patient.consent_program_on
        else ("Program consent given" if patient.consent_program else "No program consent")
    )
    return f"{program} · contact by {', '.join(channels) or 'no channel'}"


# Program statuses after which the risk badge is muted: the patient left the program.
CLOSED = frozenset({"discharged", "transitioned"})


class ChartHeader(QWidget):
    """Name, age, language, coordinator, risk badge (reasons in its tooltip), alerts, consent."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartHeader")
        self.name = QLabel()
        self.name.setObjectName("patientName")
        self.name.setWordWrap(True)  # every label wraps: a long name never widens the window
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.coordinator = QLabel()
        self.coordinator.setWordWrap(True)
        self.risk = QLabel()
        self.risk.setObjectName("riskBadge")
        self.risk.setAccessibleName("Risk")
        self.alerts = QLabel()
        self.alerts.setObjectName("alerts")
        self.alerts.setWordWrap(True)
        self.alerts.setAccessibleName("Alerts")
        self.consent = QLabel()
        self.consent.setWordWrap(True)
        self.minutes = QLabel()
        self.minutes.setObjectName("billingMinutes")
        self.minutes.setAccessibleName("Care-management minutes this month")
        self.minutes.setWordWrap(True)
        self.grid = grid = QGridLayout(self)
        grid.addWidget(self.name, 0, 0)
        grid.addWidget(self.risk, 0, 2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        # This month's minutes (and the timer, set_timer) share the facts' row: a laptop's
        # chart keeps its height for the tabs.
        grid.addWidget(self.facts, 1, 0)
        grid.addWidget(self.minutes, 1, 1)
        grid.addWidget(self.coordinator, 2, 0)
        grid.addWidget(self.consent, 2, 1, 1, 2)
        grid.addWidget(self.alerts, 3, 0, 1, 3)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setContentsMargins(8, 6, 8, 6)  # every pixel of height goes to the tabs
        grid.setVerticalSpacing(3)

    def set_actions(self, actions: QWidget) -> None:
        """The chart's action buttons, on the name's row (no row of their own)."""
        self.grid.addWidget(actions, 0, 1, Qt.AlignmentFlag.AlignVCenter)

    def set_timer(self, timer: QWidget) -> None:
        """The minutes timer, beside this month's minutes."""
        self.grid.addWidget(timer, 1, 2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)

    def show_chart(self, chart: Any) -> None:
        p = chart.patient
        shown = f"{p.given_name} {p.family_name}"
        if p.preferred_name:
            shown += f" ({p.preferred_name})"
        self.name.setText(shown)
        language = language_name(p.language)
        if p.interpreter_needed:
            language += ", needs an interpreter"
        self.facts.setText(
            f"{p.age} years · born {p.birth_date:%Y-%m-%d} · {p.sex} · MRN {p.mrn} · "
            f"speaks {language} · {say(p.status)}" + (f" · phone {p.phone}" if p.phone else "")
        )
        self.coordinator.setText(f"Care coordinator: {p.coordinator_name or 'not assigned'}")
        self.consent.setText(consent_text(p))
        risk = chart.risk
        if p.status in CLOSED:
            # No longer in the program: a red "high" would call for work nobody should do.
            self.risk.setText(capital(say(p.status)))
            self.risk.setProperty("band", "closed")
            last = f"Last risk before leaving the program: {risk.band}" if risk else ""
            self.risk.setToolTip(last)
        elif risk is None:
            self.risk.setText("Risk: not scored yet")
            self.risk.setProperty("band", "none")
            self.risk.setToolTip("")
        else:
            self.risk.setText(f"Risk: {risk.band} ({risk.priority:.0f})")
            self.risk.setProperty("band", risk.band)
            self.risk.setToolTip("\n".join(risk_lines(risk)) or "No risk factors found")
        self.risk.style().unpolish(self.risk)
        self.risk.style().polish(self.risk)
        urgent = [a.message for a in chart.alerts]
        self.alerts.setText("⚠ " + " · ".join(urgent) if urgent else "")
        self.alerts.setVisible(bool(urgent))

    def show_minutes(self, rows: Any) -> None:
        """This month's minutes against the next threshold, per billing category
        (``desk.billing.this_month``): "CCM this month: 15 of 20 min (99490)"."""
        billed = [r for r in rows if r.category != "none"]
        if not billed:
            self.minutes.setText("No care-management minutes this month")
            return
        self.minutes.setText(" · ".join(r.progress("this month") for r in billed))
