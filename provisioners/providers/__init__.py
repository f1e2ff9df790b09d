"""Pulumi dynamic providers for the golden paths.

These modules are imported by the engine's provider process (`python -m pulumi.dynamic`), which
unpickles the provider objects with dill: they must stay importable and keep module-level state
out of the pickles (configuration arrives through the environment at run time).
"""
