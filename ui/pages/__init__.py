"""The main window's pages (Today, Patients, Schedule, Reports, Resources, Admin)."""
