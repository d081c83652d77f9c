"""Files `storyboard init` copies into a new project."""
