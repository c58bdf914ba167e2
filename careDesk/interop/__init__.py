"""Interop (docs/architecture.md#interop): FHIR R4 in and out, CSV lists, referral packets, .ics.

Importers are atomic per file: one transaction, and any problem rejects the whole file with a
report that names the file, the resource or row, and the field.
"""
