"""The chart header: who the patient is, their coordinator, risk badge, alerts and consent."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from careDesk.care.languages import language_name


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


class ChartHeader(QWidget):
    """Name, age, language, coordinator, risk badge (reasons in its tooltip), alerts, consent."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartHeader")
        self.name = QLabel()
        self.name.setObjectName("patientName")
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.coordinator = QLabel()
        self.risk = QLabel()
        self.risk.setObjectName("riskBadge")
        self.risk.setAccessibleName("Risk")
        self.alerts = QLabel()
        self.alerts.setObjectName("alerts")
        self.alerts.setWordWrap(True)
        self.alerts.setAccessibleName("Alerts")
        self.consent = QLabel()
        self.consent.setWordWrap(True)
        grid = QGridLayout(self)
        grid.addWidget(self.name, 0, 0)
        grid.addWidget(self.risk, 0, 1)
        grid.addWidget(self.facts, 1, 0, 1, 2)
        grid.addWidget(self.coordinator, 2, 0)
        grid.addWidget(self.consent, 2, 1)
        grid.addWidget(self.alerts, 3, 0, 1, 2)
        grid.setColumnStretch(0, 1)

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
            f"speaks {language} · {p.status}" + (f" · phone {p.phone}" if p.phone else "")
        )
        self.coordinator.setText(f"Care coordinator: {p.coordinator_name or 'not assigned'}")
        self.consent.setText(consent_text(p))
        risk = chart.risk
        if risk is None:
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
