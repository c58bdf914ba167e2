"""Care-management services: the record, assessment, planning, coordination, evaluation."""
