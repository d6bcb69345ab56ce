"""``tamrin playground``: a local web page that trains a network live and shows its loss,
decision boundary, per-layer gradients, activations and weights (docs/playground.md).

The floors, bottom up: ``limits`` (named limits), ``datasets`` and ``network`` (the data and
the model, from ``tamrin.data`` and ``tamrin.nn``), ``config`` (the controls and their
checks), ``optimizer`` (``tamrin.optim`` wiring, L1/L2), ``views`` and ``trainer`` (one run),
``scenarios``, ``worker`` (a run in its own process), ``session`` (the server's side of the
workers), ``app`` (the Starlette routes) and ``server`` (uvicorn, for the CLI). Nothing here
imports starlette until ``app`` is imported, so the worker processes stay light.
"""
