"""Log levels of the libraries whose INFO lines are chatter for whoever runs the bot."""

from __future__ import annotations

import logging

# The Pulumi SDK logs engine chatter at INFO; APScheduler logs "Running job" and "executed
# successfully" for every tick of every job. Their warnings and errors still show.
CHATTY_LIBRARIES = ("pulumi", "apscheduler.executors.default", "apscheduler.scheduler")


def quiet_chatty_libraries() -> None:
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
