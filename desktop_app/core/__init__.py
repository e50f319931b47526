"""Plain-Python domain of the app: no Qt, no SQLAlchemy, no HTTP.

Everything the other layers agree on lives here: asset definitions and their
diffs, code location loads, collapse grouping, roles, commit links, back-off.
"""
