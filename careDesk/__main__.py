"""``python -m careDesk …`` runs the headless subcommands of the ``caredesk`` command."""

import sys

from careDesk.cli.main import main

sys.exit(main())
