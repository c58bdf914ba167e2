"""Offline-first sync of the clinical records through a clinic PostgreSQL server (issue 10).

Each workstation keeps its encrypted SQLite vault as an offline replica. Edits are captured in
a local outbox in the same transaction as the edit (``capture``), pushed in order to the server's
``sync.push`` function, and the clinic's changes come back from ``sync.pull`` (``service``). The
server side (schema, triggers, functions, roles) is installed by ``setup``.
"""
