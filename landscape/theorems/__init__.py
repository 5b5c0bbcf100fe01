"""Theorems: the model (a theorem, its instances, its evidence), the budgets, and the families of
the catalogue, one module (or package) per family.  The catalogue itself, every family found by
discovery, is :mod:`landscape.theorems.catalogue`; importing this package does not import it.
"""
