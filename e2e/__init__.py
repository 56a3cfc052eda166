"""Real-browser end-to-end test: a Home Assistant process driven by Chromium through Playwright."""
