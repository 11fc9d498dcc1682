"""What the replay tests over git revisions share: git run with a fixed identity and no user
configuration, and the change they replay (gold callers rerouted through the open-cases check)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

#: git with a fixed identity, reading no configuration of the machine's user.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
#: The route group the change below makes.
ROUTE_GROUP = (
    "route: inbound-support: `check-tier` took `condition-1`: `premium-queue` -> `check-cases`"
)


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` (GIT_ENV); its standard output."""
    done = subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, capture_output=True, check=True
    )
    return done.stdout.decode()


def reroute_gold(project: Path) -> None:
    """Send the example project's gold callers through the open-cases check instead of straight
    to the Premium queue."""
    flow = project / "inbound-support.flow.yaml"
    text = flow.read_text(encoding="utf-8")
    new = text.replace("      - equals: gold\n        next: premium-queue",
                       "      - equals: gold\n        next: check-cases")  # fmt: skip
    assert new != text
    flow.write_text(new, encoding="utf-8")
