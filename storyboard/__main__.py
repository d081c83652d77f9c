"""`python -m storyboard` runs the command line."""

from storyboard.cli.main import main

main()
