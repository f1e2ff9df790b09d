"""Development tools, not part of the bot: a local Slack (the emulator, which imports nothing
from the bot) and the sandbox that runs the bot against it behind a web page (`make run`)."""
