"""What every layer shares, owned once: errors, dates and months, the ecosystem's
vocabulary, the typed settings, the bot rule, progress reporting and step outcomes.

``core`` imports nothing of the project's other packages, so the collectors, the
analysis, fakehub and the jobs can all depend on it.
"""
