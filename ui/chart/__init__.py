"""The patient chart: a header and one tab per part of the patient's care."""
