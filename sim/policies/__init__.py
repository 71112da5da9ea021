"""Anti-bot and allocation policies: registered plug-ins sharing one hook signature."""
