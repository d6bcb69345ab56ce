"""Convolutional autoencoder: the code is a small stack of feature maps.

Encoder, per level: Conv2d k×k ('same' padding) → activation → MaxPool2d(2), so each level
halves H and W. Decoder, per level in reverse, either

- ``"transpose"``: ConvTranspose2d(kernel 2, stride 2) — a learnt upsampling that doubles
  H and W exactly (each input pixel paints a 2×2 patch), or
- ``"upsample"``: Upsample(×2, nearest) → Conv2d k×k — fixed upsampling, then a
  convolution (avoids the checkerboard artefacts of strided transposed convolutions),

followed by the activation, or by ``output_activation`` on the last level.
"""

from __future__ import annotations

from collections.abc import Sequence

from tamrin import nn
from tamrin.models.autoencoder import Activation, AutoencoderBase, make_activation
from tamrin.tensor import Tensor

DECODERS = ("transpose", "upsample")


class ConvAutoencoder(AutoencoderBase):
    """(N, in_channels, H, W) → code (N, channels[-1], H/2ᴸ, W/2ᴸ) → (N, in_channels, H, W),
    with L = len(channels); H and W must be multiples of 2ᴸ."""

    def __init__(self, in_channels: int = 1, channels: Sequence[int] = (16, 32),
                 kernel_size: int = 3, activation: Activation = "relu",
                 decoder: str = "transpose", output_activation: Activation = "sigmoid") -> None:
        super().__init__()
        if decoder not in DECODERS:
            raise ValueError(f"ConvAutoencoder: decoder must be one of {DECODERS}, "
                             f"got {decoder!r}")
        if kernel_size % 2 == 0:
            raise ValueError(f"ConvAutoencoder: kernel_size must be odd, got {kernel_size}")
        widths = [in_channels, *channels]
        pad = kernel_size // 2
        encoder: list[nn.Module] = []
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            encoder += [nn.Conv2d(c_in, c_out, kernel_size, padding=pad),
                        make_activation(activation, "activation"), nn.MaxPool2d(2)]
        layers: list[nn.Module] = []
        for level, (c_in, c_out) in enumerate(zip(widths[:0:-1], widths[-2::-1])):
            if decoder == "transpose":
                layers.append(nn.ConvTranspose2d(c_in, c_out, 2, stride=2))
            else:
                layers += [nn.Upsample(scale_factor=2, mode="nearest"),
                           nn.Conv2d(c_in, c_out, kernel_size, padding=pad)]
            last = level == len(channels) - 1
            act = make_activation(output_activation if last else activation,
                                  "output activation" if last else "activation")
            if act is not None:
                layers.append(act)
        self.encoder, self.decoder = nn.Sequential(*encoder), nn.Sequential(*layers)
        self.levels = len(channels)

    def encode(self, x: Tensor) -> Tensor:
        factor = 2 ** self.levels
        if x.ndim != 4 or x.shape[2] % factor or x.shape[3] % factor:
            raise ValueError(f"ConvAutoencoder: expected (N, C, H, W) with H and W multiples "
                             f"of {factor} ({self.levels} poolings by 2), got {x.shape}")
        return self.encoder(x)
