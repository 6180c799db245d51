"""Instructor tooling for the TinyTorch course: build, lint, grade, report."""
