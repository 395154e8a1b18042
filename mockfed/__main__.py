"""``python -m mockfed``: the same as the ``mockfed`` command."""

from mockfed.cli import main

raise SystemExit(main())
