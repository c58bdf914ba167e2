"""Follow-ups and reminders, the reminder clock, and the outreach outbox with its channels."""
