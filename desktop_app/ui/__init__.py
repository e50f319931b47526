"""Everything PySide6: the main window, its dialogs, table models and the
background plumbing (task pool, poller) that keeps the GUI thread free.

The UI reads from the local cache and never waits on the network; network
and cache writes run on the task pool (see `tasks`)."""
