"""Every public object has a numpydoc docstring in scikit-learn's dialect."""

import inspect

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")

import sklearn_lstm_ae  # noqa: E402
from sklearn_lstm_ae import aeon, datasets, sktime  # noqa: E402

# Checks scikit-learn's dialect does not follow: extended summaries, See Also
# and examples on every method, and RT02 (scikit-learn names its return values:
# "self : object").
IGNORED = {"ES01", "SA01", "EX01", "GL01", "GL02", "RT02"}


def _public_objects():
    for module in (sklearn_lstm_ae, aeon, sktime):
        for name in module.__all__:
            obj = getattr(module, name)
            yield f"{module.__name__}.{name}"
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if not attr.startswith("_") and callable(member):
                        yield f"{module.__name__}.{name}.{attr}"
    for name in datasets.__all__:
        yield f"sklearn_lstm_ae.datasets.{name}"


@pytest.mark.parametrize("name", sorted(set(_public_objects())))
def test_docstring(name):
    result = numpydoc_validate.validate(name)
    errors = [(code, msg) for code, msg in result["errors"] if code not in IGNORED]
    assert not errors, f"{name}: {errors}"
