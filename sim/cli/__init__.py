"""The ``slotgrab`` command line."""
