"""Everything PySide6 (imports core, api, cache, sync)."""
