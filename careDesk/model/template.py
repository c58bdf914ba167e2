"""Clinic care plan templates (versioned copies and new ones) and suggestion decisions.

Shipped templates are data files in ``careDesk/care/templates/data``; what a clinic copies,
edits or adds lives here, one row per saved version (the highest live number is current), so
an edit never changes what an earlier version said. A suggestion decision remembers that a
person accepted or dismissed (with a reason) a suggestion for one finding, so the same finding
does not raise it again.
"""

from __future__ import annotations

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from careDesk.model.base import Record


class PlanTemplate(Record, table=True):
    """One saved version of a clinic template (the body is the template's JSON)."""

    __tablename__ = "plan_template"
    __table_args__ = (UniqueConstraint("template_key", "number", name="uq_plan_template_version"),)

    template_key: str = Field(max_length=60, index=True)
    number: int
    title: str = Field(max_length=200)
    body: str  # JSON, validated by careDesk.care.templates.schema.TemplateBody
    based_on: str | None = Field(default=None, max_length=60)  # the template it was copied from
    note: str | None = Field(default=None, max_length=300)
    retired: bool = Field(default=False)


class SuggestionDecision(Record, table=True):
    """A person's answer to one suggestion for one finding: accepted or dismissed (why)."""

    __tablename__ = "suggestion_decision"
    __table_args__ = (Index("ix_suggestion_decision_finding", "patient_id", "rule", "finding"),)

    patient_id: str = Field(foreign_key="patient.id", max_length=36)
    rule: str = Field(max_length=40)  # phq9_moderate, lace_transition, polypharmacy, hrsn_food…
    finding: str = Field(max_length=100)  # what it was about: a screener, admission, medicine list
    decision: str = Field(max_length=20)  # accepted, dismissed
    reason: str | None = Field(default=None, max_length=300)
