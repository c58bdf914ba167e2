"""Measurement-based care (issue 17): series, goals linked to measures, flags, the registry.

``desk.measures`` is :class:`careDesk.care.measures.service.Measures`; the rules and their
sources are in ``measures.json`` and docs/clinical-sources.md#measurement-based-care.
"""
