"""Where users already work: the pytest plugin and the Inspect AI scorer.

:mod:`checker.integrations.pytest_plugin` is registered through the ``pytest11``
entry point; :mod:`checker.integrations.inspect_scorer` needs the ``inspect`` extra.
Both grade through :func:`checker.runner.arun_check` and the store, and say what
each verdict found with :mod:`checker.integrations.findings`.
"""
