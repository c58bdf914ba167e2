"""Realistic, deterministic demo data for a clinic (``caredesk demo``; issue 3 "Demo data")."""

from careDesk.care.demo.generator import DemoSummary, clinic_clock, draw_patient, generate_demo

__all__ = ["DemoSummary", "clinic_clock", "draw_patient", "generate_demo"]
