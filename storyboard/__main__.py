"""`python -m storyboard` runs the command line."""

from storyboard.cli.fast import main

main()
