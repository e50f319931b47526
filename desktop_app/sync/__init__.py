"""One round of polling: server to cache (Qt-free; imports core, api, cache)."""
