"""The gradient-reversal layer of DANN (Ganin & Lempitsky 2015): identity forward, gradient times ``-λ`` backward."""

from __future__ import annotations

import math

import torch

__all__ = ["GradientReversal", "reverse_gradient", "dann_lambda"]


class GradientReversal(torch.autograd.Function):
    """``forward(x, λ) = x``; ``backward(g) = -λ g``: the features learn to fool the domain classifier."""

    @staticmethod
    def forward(ctx, features: torch.Tensor, strength: float) -> torch.Tensor:
        ctx.strength = strength
        return features.view_as(features)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return -ctx.strength * grad, None


def reverse_gradient(features: torch.Tensor, strength: float) -> torch.Tensor:
    """``features`` unchanged, their gradient reversed and scaled by ``strength`` (λ)."""
    return GradientReversal.apply(features, strength)


def dann_lambda(progress: float, gamma: float = 10.0, scale: float = 1.0) -> float:
    """Ganin et al.'s schedule ``scale · (2 / (1 + exp(-γ p)) - 1)``: 0 at the start, near ``scale`` by the end,
    so the domain signal joins once the features mean something. ``progress`` p runs from 0 to 1."""
    return scale * (2.0 / (1.0 + math.exp(-gamma * progress)) - 1.0)
