"""Benchmarks: load and restart, and webhook throughput against Home Assistant's twilio."""
