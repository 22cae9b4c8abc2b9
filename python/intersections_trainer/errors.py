"""Errors the user can fix: each carries a hint; the CLI turns them into an `error` event."""
from __future__ import annotations

import importlib

from .data import DataError
from .modeling import ModelError
from .ownership import OwnershipError

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
EXIT_CANCELLED = 130

REQUIRED_PACKAGES = {
    "torch": "torch", "transformers": "transformers", "peft": "peft", "accelerate": "accelerate",
    "tokenizers": "tokenizers", "safetensors": "safetensors", "pyarrow": "pyarrow", "PIL": "pillow",
    "numpy": "numpy", "huggingface_hub": "huggingface_hub",
}
SETUP_HINT = "run: intersections setup   (or: pip install -r python/requirements.txt in your environment)"


class UserError(Exception):
    def __init__(self, message: str, hint: str = "", exit_code: int = EXIT_BAD_INPUT):
        super().__init__(message)
        self.hint = hint
        self.exit_code = exit_code


USER_ERRORS = (UserError, DataError, ModelError, OwnershipError)


def require_packages(names=None) -> None:
    """Imports each required package; a missing or broken one is a UserError with the fix."""
    for module, dist in (REQUIRED_PACKAGES if names is None else {n: REQUIRED_PACKAGES.get(n, n) for n in names}).items():
        try:
            importlib.import_module(module)
        except ImportError as e:
            raise UserError(f"the Python package '{dist}' is missing or broken in {_python()}: {e}",
                            SETUP_HINT, EXIT_FAILED) from e


def _python() -> str:
    import sys
    return sys.executable
