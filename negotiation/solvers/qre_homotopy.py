r"""The chart of the logit-QRE homotopy: log-probabilities of a point, compressed where tiny.

The principal branch of the logit quantal response equilibrium (McKelvey and Palfrey 1995)
is the curve :math:`H(u) = 0`, :math:`u = (w, \nu)`, with log-probabilities
:math:`z = (\log x, \log y) = \varphi(w)` (the chart :func:`to_log_probabilities`) and
:math:`\nu = \log(1 + \mu)`, :math:`\mu = \lambda s`:

.. math::

    H(u) = \big(z_x - \log \sigma(\mu A y),\ z_y - \log \sigma(\mu B^\top x)\big),

:math:`\sigma` the softmax. The continuation itself (:math:`H`, its Jacobian and the bordered solves) is the compiled
kernel :mod:`negotiation.solvers.qre_kernel`; the chart is shared with the agent QRE of
extensive games (:mod:`negotiation.solvers.agent_qre`) and the polishing of limits.

References
----------
McKelvey, R. D. and Palfrey, T. R. (1995). Quantal response equilibria for normal form
games. *Games and Economic Behavior* 10, 6--38.
Allgower, E. L. and Georg, K. (1990). *Numerical Continuation Methods*. Springer, ch. 2, 6.
"""

from __future__ import annotations

import numpy as np

from negotiation.solvers.qre_kernel import (
    Z_COMPRESSION,  # the chart's constant, owned by the kernel
)

__all__ = ["Z_COMPRESSION", "chart", "from_log_probabilities", "to_log_probabilities"]


def to_log_probabilities(w: np.ndarray) -> np.ndarray:
    r"""The chart of the tracer: log-probabilities :math:`z = \varphi(w)`, elementwise.

    .. math::

        \varphi(w) = w \ (w \ge -c), \qquad \varphi(w) = -c\, e^{-w/c - 1} \ (w < -c),

    with :math:`c` = ``Z_COMPRESSION``: continuously differentiable, increasing, the
    identity for probabilities above :math:`e^{-c}`. Along the principal branch the
    log-probability of an action that is not a best response falls like :math:`-\mu`,
    so its coordinate :math:`w \approx -c \log \mu` is, like :math:`\nu = \log(1 + \mu)`,
    linear in :math:`\log \mu`: the far end of the branch is nearly straight in
    :math:`(w, \nu)` and steps can grow geometrically.

    >>> to_log_probabilities(np.array([-1.0, -10.0, -20.0])).round(3).tolist()
    [-1.0, -10.0, -27.183]
    """
    return chart(w)[0]


def chart_derivative(w: np.ndarray) -> np.ndarray:
    r""":math:`\varphi'(w)` of :func:`to_log_probabilities` (1 above :math:`-c`)."""
    return chart(w)[1]


def chart(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r""":math:`(\varphi(w), \varphi'(w))` of :func:`to_log_probabilities` with one
    exponential: :math:`\varphi' = e^{\max(-w/c - 1,\, 0)}` and :math:`\varphi = -c \varphi'`
    below :math:`-c`."""
    c = Z_COMPRESSION
    derivative = np.exp(np.clip(-w / c - 1.0, 0.0, 700.0))
    return np.where(w >= -c, w, -c * derivative), derivative


def from_log_probabilities(z: np.ndarray) -> np.ndarray:
    r"""The inverse chart :math:`w = \varphi^{-1}(z)` (``z`` finite, any sign)."""
    c = Z_COMPRESSION
    return np.where(z >= -c, z, -c * (1.0 + np.log(np.maximum(-z, c) / c)))
