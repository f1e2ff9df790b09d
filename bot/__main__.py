"""`python -m bot` runs the platformbot CLI."""

from bot.cli import main

main()
