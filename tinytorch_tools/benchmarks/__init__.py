"""Benchmarks (reports, never tests): grading time against a plain kernel, and the reference
TinyGPT against PyTorch."""
