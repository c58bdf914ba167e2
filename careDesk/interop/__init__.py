"""Interop (DESIGN §7): FHIR R4 import and export, CSV patient lists, referral packets, iCalendar.

Importers are atomic per file: one transaction, and any problem rejects the whole file with a
report that names the file, the resource or row, and the field.
"""
