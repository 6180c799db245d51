"""Authoring the course: the text form of a module, the build of everything generated from it,
the lint of its notebooks, mutation testing of its tests, and its sample submissions."""
