"""Users, roles, password rules and the audit trail."""
