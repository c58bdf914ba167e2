"""The ``caredesk`` command line (headless; never imports Qt)."""
