"""Benchmark workloads: one module per workload family, discovered by ``bench/run.py``.

The contract every workload module follows::

    WORKLOADS = {
        "mlp-train-step": Workload(
            title="MLP 784-512-256-10 training step, batch 128",
            frameworks=("tamrin", "torch", "numpy"),   # the first is the subject, the
            baseline="torch",                            # ratio is subject / baseline
            unit="samples/s",                             # or "time"
            samples_per_call=128,                         # for samples/s
            target="tamrin >= 1.0x torch throughput",     # the issue's target, as text
            build=build_mlp_step,                         # build(framework) -> callable
        ),
    }

``build(framework)`` runs in a fresh subprocess whose BLAS/OpenMP thread variables are 1;
it does all set-up (imports, data, model) and returns a zero-argument function that runs
one repetition. The runner warms up, times repetitions, reports median and min–max, and
the peak resident memory of that process. Optional: ``target_ratio=1.2`` states the
target's number (else the runner reads it from ``target``, e.g. "<= 1.2x" or ">= 1.0x"),
and ``build`` may call ``spec.is_quick()`` to pick smaller sizes under ``--quick``.
Run them with ``python -m bench.run [names...] [--quick] [--json out.json]``.
"""

from bench.workloads.spec import Workload, is_quick

__all__ = ["Workload", "is_quick"]
