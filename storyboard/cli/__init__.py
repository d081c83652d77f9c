"""The command line: click commands over `Project`, the terminal reporters, exit codes."""
