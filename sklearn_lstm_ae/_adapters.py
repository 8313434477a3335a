"""What the aeon and sktime adapters share: the estimator's parameters.

No framework imports here. Each adapter takes the parameters of
:class:`LSTMAutoencoderTransformer` with the same defaults, read from its
signature so that the three classes cannot drift apart, except those its
framework decides (:data:`FIXED`). ``fit`` builds one estimator from them and
delegates to it: the estimator stays the single implementation.
"""

import importlib
import inspect
import re

from ._estimator import LSTMAutoencoderTransformer

# Parameters the adapters do not take, and the values they pass instead.
FIXED = {
    # aeon and sktime hand collections over as (n, channels, steps) arrays
    # and lists of (channels, length_i) arrays.
    "data_format": "channels_first",
    # They turn 2-D tables into 3-D collections themselves.
    "n_timesteps": None,
    # Both reset an estimator at the start of every fit, so a second fit
    # cannot continue the first; sktime's update and partial_fit are the
    # ways to train more.
    "warm_start": False,
}

_ESTIMATOR_PARAMETERS = inspect.signature(LSTMAutoencoderTransformer).parameters
PARAMETERS = [name for name in _ESTIMATOR_PARAMETERS if name not in FIXED]

#: The adapters' ``__init__`` signature: ``self`` and :data:`PARAMETERS`.
SIGNATURE = inspect.Signature(
    [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    + [_ESTIMATOR_PARAMETERS[name] for name in PARAMETERS]
)


def require(framework):
    """Import ``framework``, or say which extra installs it."""
    try:
        return importlib.import_module(framework)
    except ImportError as exc:
        raise ImportError(
            f"sklearn_lstm_ae.{framework} needs {framework}: "
            f"pip install 'sklearn-lstm-ae[{framework}]'"
        ) from exc


class EstimatorParameters:
    """Mixin for an adapter: the estimator's parameters, stored unchanged.

    Put it left of the framework's base class, whose ``__init__`` it calls.
    """

    def __init__(self, *args, **kwargs):
        fixed = [name for name in FIXED if name in kwargs]
        if fixed:
            given = ", ".join(f"{name}={FIXED[name]!r}" for name in fixed)
            raise TypeError(
                f"{type(self).__name__} does not take {', '.join(fixed)}: it "
                f"always passes {given} to LSTMAutoencoderTransformer, as its "
                "framework needs. Use LSTMAutoencoderTransformer itself for "
                "other values."
            )
        bound = SIGNATURE.bind(self, *args, **kwargs)
        bound.apply_defaults()
        for name in PARAMETERS:
            setattr(self, name, bound.arguments[name])
        super().__init__()

    # scikit-learn, aeon and sktime read the parameters from this signature.
    __init__.__signature__ = SIGNATURE

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Return parameter sets for the framework's estimator checks.

        One network small enough to train in a second, with two training
        settings: the checks run on every set and many data sets, and
        networks of one architecture are built once per process. The
        estimator's own tests cover the architectures.

        Parameters
        ----------
        parameter_set : str, default="default"
            Name of the set; only ``"default"`` exists.

        Returns
        -------
        params : list of dict
            Parameters of tiny, seeded models.
        """
        return [
            {"n_components": 2, "max_iter": 1, "batch_size": 8, "random_state": 0},
            {
                "n_components": 2, "max_iter": 2, "batch_size": 16, "shuffle": False,
                "learning_rate_init": 0.01, "random_state": 1,
            },
        ]  # fmt: skip

    # sktime's name is get_test_params, aeon's _get_test_params.
    _get_test_params = get_test_params


def make_estimator(adapter):
    """A new :class:`LSTMAutoencoderTransformer` with the adapter's parameters."""
    params = {name: getattr(adapter, name) for name in PARAMETERS}
    return LSTMAutoencoderTransformer(**params, **FIXED)


def document_parameters(docstring):
    """``docstring`` with ``{parameters}`` replaced by the estimator's entries.

    The entries are copied from :class:`LSTMAutoencoderTransformer`'s
    docstring, leaving out the :data:`FIXED` ones, so the adapters' reference
    pages list exactly the parameters they take.
    """
    own = inspect.getdoc(LSTMAutoencoderTransformer)
    section = own.split("Parameters\n----------\n", 1)[1].split("\n\n", 1)[0]
    # An entry starts at an unindented "name : type" line.
    entries = re.split(r"\n(?=\S)", section)
    kept = [entry for entry in entries if entry.split(" :")[0] not in FIXED]
    return inspect.cleandoc(docstring).replace("{parameters}", "\n".join(kept))
