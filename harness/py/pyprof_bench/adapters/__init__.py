"""Glue for tools driven through their Python API from a C backend."""
