"""Reference plugins for units of Ha Tinh province."""
