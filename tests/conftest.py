"""Shared test setup.

Keras 3 picks its backend at import time and looks for TensorFlow without this
variable; the conformance tests run it on PyTorch (and on JAX in a subprocess where
the backends disagree).
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
