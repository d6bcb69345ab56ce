"""tamrin.nn: modules, layers, losses and initialisers with PyTorch's names.

Each layer family lives in its own file; this package re-exports them.
"""

from tamrin.nn.container import ModuleDict, ModuleList, Sequential
from tamrin.nn.module import Module, RemovableHandle
from tamrin.nn.parameter import Parameter
