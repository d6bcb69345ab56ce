"""The PyTorch oracle: import it or skip the parity test with a reason."""

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch (torch==2.13.0, the `dev` extra) is the parity oracle"
)
torch.set_num_threads(1)


def to_torch(x, requires_grad=False):
    """A torch tensor with the same values (and dtype) as a tamrin tensor or array."""
    data = np.array(x.detach().numpy() if hasattr(x, "detach") else x)
    t = torch.from_numpy(data)
    return t.requires_grad_(requires_grad) if requires_grad else t


def tol(dtype):
    """rtol/atol for comparing with PyTorch: tight in float64, looser in float32."""
    return (1e-5, 1e-7) if np.dtype(dtype) == np.float64 else (1e-4, 1e-5)
