"""`python -m flowrt` is the `flowrt` command."""

from flowrt.cli import main

raise SystemExit(main())
