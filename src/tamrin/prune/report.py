"""``sparsity_report(model)``: how many weights of each layer are zero."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tamrin.nn.module import Module
from tamrin.prune.mask import effective, is_pruned_tensor
from tamrin.prune.select import parameters_to_prune


@dataclass(frozen=True)
class SparsityRow:
    name: str
    shape: tuple[int, ...]
    numel: int
    zeros: int
    pruned: bool  # has a mask

    @property
    def sparsity(self) -> float:
        return self.zeros / self.numel if self.numel else 0.0


@dataclass(frozen=True)
class SparsityReport:
    """One row per tensor, and the totals; ``str()`` gives a table."""

    rows: list[SparsityRow]

    @property
    def numel(self) -> int:
        return sum(r.numel for r in self.rows)

    @property
    def zeros(self) -> int:
        return sum(r.zeros for r in self.rows)

    @property
    def sparsity(self) -> float:
        """Zeros / entries over all the rows."""
        return self.zeros / self.numel if self.numel else 0.0

    def __str__(self) -> str:
        width = max([len(r.name) for r in self.rows] + [5])
        lines = [f"{'tensor':<{width}}  {'shape':<16} {'zeros':>9} / {'numel':<9} sparsity"]
        for r in self.rows:
            lines.append(f"{r.name:<{width}}  {str(r.shape):<16} {r.zeros:>9} / {r.numel:<9} "
                         f"{r.sparsity:7.2%}{'  (masked)' if r.pruned else ''}")
        lines.append(f"{'total':<{width}}  {'':<16} {self.zeros:>9} / {self.numel:<9} "
                     f"{self.sparsity:7.2%}")
        return "\n".join(lines)


def sparsity_report(model: Module, include_bias: bool = True) -> SparsityReport:
    """Zeros per weight tensor (and bias, unless ``include_bias=False``) of ``model``,
    counted on the weights the model computes with (orig ⊙ mask for pruned ones)."""
    names = {id(m): name for name, m in model.named_modules()}
    rows = []
    for module, name in parameters_to_prune(model, include_bias):
        values = effective(module, name)
        prefix = names[id(module)]
        rows.append(SparsityRow(f"{prefix}.{name}" if prefix else name, values.shape,
                                int(values.size), int(np.count_nonzero(values == 0)),
                                is_pruned_tensor(module, name)))
    return SparsityReport(rows)
