"""Every accepted input form to one padded representation, and back.

Pure NumPy. The estimator reads 2-D tables through scikit-learn's ``validate_data``
and hands the resulting rows to :func:`rows_to_sequences`; everything else (3-D
arrays, ragged lists, NaN or ``mask_value`` tail padding) goes through
:func:`to_padded`, which returns the same ``(values, lengths)`` pair for the same
sequences whatever form they came in.
"""

from typing import NamedTuple

import numpy as np

ACCEPTED_FORMS = (
    "a 3-D array (n_samples, n_timesteps, n_channels), a list of 2-D arrays "
    "(length_i, n_channels), or a 2-D array or DataFrame (n_samples, n_features); "
    "with data_format='channels_first', 3-D arrays (n_samples, n_channels, "
    "n_timesteps) and lists of (n_channels, length_i) arrays, as in aeon and sktime"
)


class Padded(NamedTuple):
    """Sequences as one zero-padded float32 block and their real lengths.

    ``values`` has shape ``(n_samples, n_steps, n_channels)`` with
    ``n_steps = max(1, lengths.max())``; every step at or after a sequence's
    length holds 0.0. ``lengths`` is an int64 array of shape ``(n_samples,)``.
    """

    values: np.ndarray
    lengths: np.ndarray

    @property
    def mask(self):
        """Boolean ``(n_samples, n_steps)``: True at real steps."""
        return np.arange(self.values.shape[1]) < self.lengths[:, None]


def is_table(X):
    """Whether ``X`` is read as a 2-D table whose rows are sequences.

    SciPy's sparse matrices count as tables so that scikit-learn's own
    validation rejects them with its usual message. Other sparse arrays (pydata
    ``sparse``), which that validation cannot read, are refused as sequences.
    """
    if hasattr(X, "iloc") or hasattr(X, "toarray"):
        return True
    if _is_sparse(X):
        return False
    if isinstance(X, (list, tuple)):
        # Rows of unequal length are not a table: they go to the sequence path,
        # whose error explains how to pass sequences of different lengths.
        try:
            shapes = {np.shape(row) for row in X}
        except ValueError:  # a row that is itself ragged is no table row
            return False
        return len(shapes) == 1 and len(shapes.pop()) <= 1
    return np.asarray(X).ndim == 2


def is_nested_frame(X):
    """Whether ``X`` is a DataFrame with one sequence per cell (sktime's nested_univ).

    Each row is a sequence, each column a channel, and each cell holds that
    channel's values (a pandas Series or a 1-D array).
    """
    if not (hasattr(X, "iloc") and hasattr(X, "columns")) or 0 in X.shape:
        return False
    return any(_is_series_cell(cell) for cell in X.iloc[0])


def _is_series_cell(cell):
    return hasattr(cell, "__len__") and not isinstance(cell, (str, bytes, dict))


def nested_to_sequences(X, what="X"):
    """The rows of a nested DataFrame as a list of ``(length_i, n_columns)`` arrays."""
    seqs = []
    for i, row in enumerate(X.to_numpy()):
        for column, cell in zip(X.columns, row, strict=True):
            if not _is_series_cell(cell) or np.ndim(cell) != 1:
                raise ValueError(
                    f"{what} is a DataFrame whose cells hold sequences (sktime's "
                    f"nested_univ format), but row {i}, column {column!r} holds "
                    f"{cell!r}; every cell must hold one channel of one sequence "
                    "(a pandas Series or 1-D array). For sktime's other panel "
                    "formats use sklearn_lstm_ae.sktime.SktimeLSTMAutoencoder. "
                    f"Accepted: {ACCEPTED_FORMS}."
                )
        lengths = {len(cell) for cell in row}
        if len(lengths) > 1:
            raise ValueError(
                f"{what} row {i} holds channels of lengths {sorted(lengths)}; the "
                "channels of one sequence must have the same length (different "
                "sequences may differ)."
            )
        seqs.append(np.stack([np.asarray(cell) for cell in row], axis=1))
    return seqs


def rows_to_sequences(X, n_timesteps, *, channels_first=False):
    """Read each row of a validated 2-D array as one sequence (a 3-D view).

    With ``n_timesteps=None`` each row is a univariate sequence of
    ``n_features`` steps; otherwise a row holds ``n_timesteps`` steps of
    ``n_features // n_timesteps`` channels, step after step, or with
    ``channels_first`` channel after channel (aeon's and sktime's flat rows).
    """
    n_samples, n_features = X.shape
    if n_timesteps is None:
        return X.reshape(n_samples, n_features, 1)
    if n_features % n_timesteps:
        raise ValueError(
            f"n_timesteps={n_timesteps} does not divide the {n_features} columns of "
            "X; each row is read as (n_timesteps, n_features // n_timesteps), so "
            "n_features must be a multiple of n_timesteps."
        )
    if channels_first:
        return X.reshape(n_samples, -1, n_timesteps).transpose(0, 2, 1)
    return X.reshape(n_samples, n_timesteps, n_features // n_timesteps)


def sequences_to_rows(values, *, channels_first=False):
    """The inverse of :func:`rows_to_sequences`: ``(n, steps, channels)`` -> rows."""
    if channels_first:
        values = values.transpose(0, 2, 1)
    return values.reshape(len(values), -1)


def _is_sparse(x):
    return any(hasattr(x, name) for name in ("toarray", "tocsr", "todense"))


def _as_numeric(x, what):
    """``x`` as a real-valued array, or a TypeError/ValueError that says why not."""
    if _is_sparse(x):
        raise TypeError(
            f"{what} is a sparse array or matrix ({type(x).__name__}); sequences "
            f"must be dense. Accepted: {ACCEPTED_FORMS}."
        )
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{what} could not be read as an array ({exc}). Accepted: {ACCEPTED_FORMS}."
        ) from None
    if arr.dtype.kind == "O" and arr.ndim == 0:
        raise TypeError(
            f"{what} is a {type(x).__name__}, not an array-like of numbers. "
            f"Accepted: {ACCEPTED_FORMS}."
        )
    if arr.dtype.kind == "c" or (
        arr.dtype.kind == "O" and any(isinstance(v, complex) for v in arr.flat)
    ):
        raise ValueError(
            f"{what} holds complex numbers; only real numbers are accepted."
        )
    _refuse_string_array(arr, what)
    if arr.dtype.kind in "mM":
        raise TypeError(
            f"{what} holds {arr.dtype} values (dates or durations); only real "
            "numbers (float, int or bool) are accepted. Convert them to numbers "
            "first."
        )
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            hint = ""
            if "sequence" in str(exc):
                hint = (
                    " An object array of sequences is not accepted: pass "
                    "sequences of different lengths as a list of 2-D arrays "
                    "(length_i, n_channels)."
                )
            raise TypeError(
                f"{what} must hold real numbers; got values of dtype {arr.dtype} "
                f"that cannot be converted to float.{hint}"
            ) from None
    return arr


def _refuse_string_array(arr, what):
    if arr.dtype.kind in "US" or (
        arr.dtype.kind == "O" and any(isinstance(v, (str, bytes)) for v in arr.flat)
    ):
        raise TypeError(
            f"{what} holds strings; only real numbers (float, int or bool) are "
            "accepted. Convert the data to numbers first."
        )


def refuse_masked_table(X, what="X"):
    """Refuse a 2-D masked array with masked values: a table has no padding."""
    if isinstance(X, np.ma.MaskedArray) and np.ma.getmaskarray(X).any():
        raise ValueError(
            f"{what} is a 2-D masked array with masked values. A mask is read as "
            "padding only in sequences: pass a 3-D masked array (n_samples, "
            "n_timesteps, n_channels) whose masked steps are whole steps at the "
            "end of each sequence, or fill the masked values first."
        )


def _unmasked(X, what, where="sample {i}, step {t}"):
    """A 3-D masked array as floats, its masked steps NaN padding.

    Masked steps must be whole steps (every channel masked) at the end of a
    sequence, as NaN padding must be; any other mask is refused.
    """
    mask = np.ma.getmaskarray(X)
    values = _as_numeric(np.ma.getdata(X), what)
    if not mask.any():
        return values
    whole = mask.all(axis=2)
    n_steps = whole.shape[1]
    real = np.arange(n_steps) < (n_steps - _trailing_padding(whole))[:, None]
    rule = (
        "A mask is accepted only as padding: whole steps, every channel masked, "
        "at the end of a sequence."
    )
    _refuse_steps(
        mask.any(axis=2) & ~whole,
        lambda i, t: (
            f"{what} masks some channels of a step ({where.format(i=i, t=t)}). {rule}"
        ),
    )
    _refuse_steps(
        whole & real,
        lambda i, t: (
            f"{what} masks a step inside a sequence ({where.format(i=i, t=t)}). {rule}"
        ),
    )
    values = values.astype(np.result_type(values.dtype, np.float32))  # a copy
    values[whole] = np.nan
    return values


def refuse_strings(X, what="X"):
    """Refuse a dense table of strings, which array validation would convert."""
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        return
    try:
        arr = np.asarray(X)
    except (TypeError, ValueError):
        return  # the table's own validation explains what is wrong
    _refuse_string_array(arr, what)


LAYOUTS = {
    "channels_last": "(n_samples, n_timesteps, n_channels)",
    "channels_first": "(n_samples, n_channels, n_timesteps)",
}
# The same for each array of a list.
ITEM_LAYOUTS = {
    "channels_last": "(length_i, n_channels)",
    "channels_first": "(n_channels, length_i)",
}


def one_step_warning(X, *, channels_first=False):
    """A warning's text when a 3-D array reads as 1-step sequences, else None.

    An LSTM over one step is no sequence model; the likely cause is a
    univariate collection in the other layout (aeon's ``(50, 1, 150)`` read as
    channels-last). The broader rule "fewer steps than channels" also fires on
    correctly laid out data with many channels (4 of the 30 UEA archive sets),
    so it is not used: see benchmarks/transposed_input.py.
    """
    if isinstance(X, (list, tuple)) or np.ndim(X) != 3:
        return None
    shape = np.shape(X)
    steps, channels = (shape[2], shape[1]) if channels_first else shape[1:]
    if not steps == 1 < channels:
        return None
    given, other = ("channels_first", "channels_last")[:: 1 if channels_first else -1]
    return (
        f"X is a 3-D array of shape {shape}, read as {LAYOUTS[given]} "
        f"(data_format={given!r}): sequences of 1 step with {channels} channels. "
        f"If it holds {channels}-step sequences laid out as {LAYOUTS[other]}, "
        f"pass data_format={other!r}."
    )


def _trailing_padding(steps_are_padding):
    """Count, per row of a boolean (n, T) array, the True values at its end."""
    n_steps = steps_are_padding.shape[1]
    if n_steps == 0:  # argmax refuses an empty axis
        return np.zeros(len(steps_are_padding), dtype=np.int64)
    is_data = ~steps_are_padding[:, ::-1]
    first_data_from_end = np.where(is_data.any(axis=1), is_data.argmax(axis=1), n_steps)
    return first_data_from_end


def _padding_steps(arr, mask_value):
    """Boolean (n, T): steps whose every channel is NaN or equals ``mask_value``."""
    padding = np.isnan(arr).all(axis=2)
    if mask_value is not None:
        padding |= (arr == mask_value).all(axis=2)
    return padding


def _lengths_and_check(arr, mask_value, what):
    """Real lengths of a 3-D float array; rejects NaN inside data and inf."""
    if arr.shape[2] == 0:
        raise ValueError(f"{what} has 0 channels; at least 1 channel is required.")
    lengths = arr.shape[1] - _trailing_padding(_padding_steps(arr, mask_value))
    inside = np.arange(arr.shape[1]) < lengths[:, None]
    _refuse_steps(
        np.isnan(arr).any(axis=2) & inside,
        lambda i, t: (
            f"{what} contains NaN inside a sequence (sample {i}, step "
            f"{t}). NaN is accepted only as padding: whole steps, every channel NaN, "
            "at the end of a sequence."
        ),
    )
    # Only real steps: a trailing step of mask_value=inf is padding.
    _refuse_steps(
        np.isinf(arr).any(axis=2) & inside,
        lambda i, t: (
            f"{what} contains infinity (sample {i}, step {t}); all "
            "values must be finite."
        ),
    )
    return lengths.astype(np.int64)


def _refuse_steps(bad, message):
    """ValueError ``message(i, t)`` for the first step flagged in ``bad`` (n, T)."""
    if bad.any():
        i, t = np.argwhere(bad)[0]
        raise ValueError(message(i, t))


def to_padded(X, *, mask_value=None, channels_first=False, what="X"):
    """Turn a 3-D array or a list of 2-D arrays into :class:`Padded`.

    Trailing steps that are all-NaN, or all equal to ``mask_value`` when it is
    set, are padding; the same value inside a sequence is data.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps, n_channels) or list of
        array-like of shape (length_i, n_channels)
        The sequences.
    mask_value : float, default=None
        Value that marks padding steps.
    channels_first : bool, default=False
        Read ``X`` as ``(n_samples, n_channels, n_timesteps)``, or a list of
        ``(n_channels, length_i)`` arrays (aeon's and sktime's layout).
    what : str, default="X"
        Name used in error messages.

    Returns
    -------
    padded : Padded
        Zero-padded float32 values trimmed to the longest sequence, and lengths,
        always steps before channels.
    """
    if isinstance(X, (list, tuple)):
        return _ragged_to_padded(X, mask_value, channels_first, what)
    if isinstance(X, np.ma.MaskedArray) and X.ndim == 3:
        if channels_first:
            X = X.transpose(0, 2, 1)
            channels_first = False
        X = _unmasked(X, what)
    arr = _as_numeric(X, what)
    if channels_first and arr.ndim == 3:
        arr = arr.transpose(0, 2, 1)
    if arr.ndim != 3:
        hint = ""
        if arr.ndim == 1:
            hint = (
                " Reshape your data: X.reshape(1, -1) for one univariate sequence, "
                "X.reshape(-1, 1) for one value per sequence."
            )
        raise ValueError(
            f"{what} is a {arr.ndim}-D array of shape {arr.shape}; accepted: "
            f"{ACCEPTED_FORMS}.{hint}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{what} holds 0 sequences; at least 1 is required.")
    if _plainly_full(arr, mask_value):
        with np.errstate(over="ignore"):
            values = np.array(arr, dtype=np.float32)
        if arr.dtype.kind == "f" and arr.dtype.itemsize > 4:
            _refuse_overflow(values, what)
        return Padded(values, np.full(len(arr), arr.shape[1], dtype=np.int64))
    lengths = _lengths_and_check(arr, mask_value, what)
    n_steps = max(1, int(lengths.max()))
    values = np.zeros((arr.shape[0], n_steps, arr.shape[2]), dtype=np.float32)
    keep = min(n_steps, arr.shape[1])
    inside = np.arange(keep) < lengths[:, None]
    with np.errstate(over="ignore"):
        values[:, :keep] = np.where(inside[:, :, None], arr[:, :keep], 0.0)
    _refuse_overflow(values, what)
    return Padded(values, lengths)


def _plainly_full(arr, mask_value):
    """Whether every sequence of a 3-D array is whole and finite: no step to
    read as padding and nothing to refuse, the usual case, which one sum
    settles (a NaN or infinity anywhere makes it non-finite; so may a huge
    float64 sum, which then takes the full check)."""
    if mask_value is not None or 0 in arr.shape:
        return False
    return bool(np.isfinite(np.add.reduce(arr, axis=None, dtype=np.float64)))


def _refuse_overflow(values, what):
    # Inputs are finite by now, so an infinity here is a float32 overflow.
    _refuse_steps(
        np.isinf(values).any(axis=2),
        lambda i, t: (
            f"{what} holds a value too large for float32 (sample {i}, "
            f"step {t}); values must lie within +/-{np.finfo(np.float32).max:.4g}. "
            "Scale the data."
        ),
    )


def _ragged_to_padded(X, mask_value, channels_first, what):
    if len(X) == 0:
        raise ValueError(f"{what} holds 0 sequences; at least 1 is required.")
    layout = ITEM_LAYOUTS["channels_first" if channels_first else "channels_last"]
    seqs = []
    for i, seq in enumerate(X):
        if isinstance(seq, np.ma.MaskedArray) and seq.ndim == 2:
            steps_first = seq.T if channels_first else seq
            seqs.append(_unmasked(steps_first[None], f"{what}[{i}]", "step {t}")[0])
            continue
        arr = _as_numeric(seq, f"{what}[{i}]")
        if arr.ndim == 1 and arr.size == 0:
            arr = arr.reshape(0, 0)  # an empty sequence; its width is unknown
        if arr.ndim != 2:
            hint = ""
            if arr.ndim == 1:
                shape = "1, -1" if channels_first else "-1, 1"
                hint = (
                    f" For a univariate sequence pass {what}[{i}].reshape({shape});"
                    " a list of equal-length 1-D rows is read as a 2-D table."
                )
            raise ValueError(
                f"{what}[{i}] is a {arr.ndim}-D array of shape {arr.shape}; each "
                f"sequence in a list must be 2-D {layout}.{hint}"
            )
        seqs.append(arr.T if channels_first else arr)
    # A (0, 0) sequence is empty and fits any channel count.
    sized = [(i, arr.shape[1]) for i, arr in enumerate(seqs) if arr.shape != (0, 0)]
    widths = {width for _, width in sized}
    if len(widths) > 1:
        j, first = sized[0]
        i, width = next((i, w) for i, w in sized if w != first)
        hint = ""
        if not channels_first and len({len(seqs[i]), len(seqs[j])}) == 1:
            hint = (
                " If each array is (n_channels, length_i), as in aeon, pass "
                "data_format='channels_first'."
            )
        raise ValueError(
            f"{what}[{i}] has {width} channels but {what}[{j}] has {first}; "
            f"all sequences must have the same number of channels.{hint}"
        )
    n_channels = widths.pop() if widths else 0
    longest = max(arr.shape[0] for arr in seqs)
    # float32 when every sequence fits it exactly: half the memory to scan.
    dtype = np.result_type(np.float32, *(arr.dtype for arr in seqs))
    if mask_value is None and n_channels and dtype == np.float32:
        # The common case first: float32-exact, finite values and no
        # padding inside the arrays, so the lengths are the arrays' own.
        block = np.zeros((len(seqs), max(1, longest), n_channels), np.float32)
        for i, arr in enumerate(seqs):
            block[i, : len(arr)] = arr
        if np.isfinite(block).all():
            return Padded(block, np.array([len(arr) for arr in seqs], np.int64))
    block = np.full((len(seqs), longest, n_channels), np.nan, dtype=dtype)
    for i, arr in enumerate(seqs):
        if arr.shape[0]:
            block[i, : arr.shape[0]] = arr
    # Reuse the 3-D path so that every form obeys one set of padding rules.
    return to_padded(block, mask_value=mask_value, what=what)


# standardize="auto" standardises each sequence by itself where the sizes of
# the sequences (each one's standard deviation over its real steps) spread
# over at least this factor between the 10th and the 90th percentile, in
# every channel: standardised together, the small sequences would be flat
# lines next to the large ones. Of the quality benchmark's nine data sets only
# PLAID (a factor of about 1e5) qualifies, and there per-sequence
# standardisation lifted accuracy from 0.454 to 0.696 (3 seeds); the largest
# factor among the others is 56 (one channel of BasicMotions, whose other
# channels stay under 32). Univariate UCR data is z-normalised already: 1.
SIZES_SPREAD = 100.0


def sizes_spread(padded):
    """Whether sequences differ in size by ``SIZES_SPREAD`` or more.

    The size of a sequence's channel is its standard deviation over its real
    steps; sequences of fewer than 2 steps have none and do not count. True
    when, in every channel, the 90th percentile of the sizes is at least
    ``SIZES_SPREAD`` times the 10th, and the 10th is above 0 (a channel that
    is constant within most sequences has no size to even out).
    """
    rows = padded.lengths >= 2
    if rows.sum() < 2:
        return False
    _, _, sizes = moments(padded)
    low, high = np.percentile(sizes[rows, 0], [10, 90], axis=0)
    return bool(np.all(low > 0) and np.all(high >= SIZES_SPREAD * low))


def standardize_each(padded):
    """Each sequence's channels to zero mean and unit variance over its real steps.

    A channel that is constant within a sequence is only centred; padding
    stays 0 and an empty sequence stays empty.
    """
    _, centred, scale = moments(padded)
    scale[scale < 1e-12] = 1.0
    return Padded((centred / scale).astype(np.float32), padded.lengths)


def moments(padded):
    """Each sequence's channels over its real steps: their means, the values
    centred on them (padding 0) and their standard deviations; means and
    deviations of shape ``(n, 1, channels)``; float64."""
    mask = padded.mask[..., None]
    count = np.maximum(padded.lengths, 1)[:, None, None]
    values = padded.values.astype(np.float64)
    mean = (values * mask).sum(axis=1, keepdims=True) / count
    centred = (values - mean) * mask
    return mean, centred, np.sqrt((centred**2).sum(axis=1, keepdims=True) / count)


def fill_padding(values, lengths, fill):
    """Copy of ``values`` with every step at or after its length set to ``fill``."""
    out = np.array(values, dtype=np.float32, copy=True)
    out[np.arange(out.shape[1]) >= lengths[:, None]] = fill
    return out


def training_rows(padded, weights, *, keep_order=False):
    """The training sequences in the order and weights batching uses.

    Returns ``(Padded, weights, rows)``, where ``rows`` indexes ``padded``.
    Weights proportional to whole numbers act as copies (see
    :func:`_as_counts`): a sequence of weight k comes k times, each of weight
    1. Other weights stay weights. Sequences of weight 0 are dropped. The rows
    come in an order set by each sequence's values (its real steps) and
    weight alone (``keep_order``: the data's order), so repeating a sequence
    k times, giving it weight k, or listing the sequences in another order
    all give the same rows.
    """
    counts = _as_counts(weights)
    if counts is None:
        counts = (weights > 0).astype(np.int64)
        weights = weights.astype(np.float64)
    else:
        weights = np.ones(len(weights))
    order = np.flatnonzero(counts)
    if not keep_order:
        import hashlib

        digests = np.array(
            [
                hashlib.blake2b(
                    padded.values[i, : padded.lengths[i]].tobytes(), digest_size=16
                ).digest()
                for i in order
            ],
            dtype="S16",
        )
        order = order[np.lexsort((weights[order], digests))]
    rows = np.repeat(order, counts[order])
    if np.array_equal(rows, np.arange(len(counts))):
        return padded, weights, rows
    return Padded(padded.values[rows], padded.lengths[rows]), weights[rows], rows


# Weights act as copies while the copies average at most this many per
# sequence; beyond, each sequence is batched once with its weight, so that
# weights such as (1, 10**6) cannot grow an epoch a hundred-thousandfold.
MAX_COPIES = 10


def _as_counts(weights):
    """Non-negative ``weights`` as int64 copy counts with no common factor,
    or None.

    The counts are proportional to the weights: the weights' ratios to the
    smallest positive one, times the smallest whole number up to
    ``MAX_COPIES`` that makes them all whole. None where there is none, or
    where the counts would average more than ``MAX_COPIES`` per sequence.
    """
    ratios = weights / weights[weights > 0].min()
    for times in range(1, MAX_COPIES + 1):
        scaled = ratios * times
        counts = np.round(scaled)
        if np.all(np.abs(scaled - counts) <= 1e-9 * np.maximum(counts, 1)):
            if counts.sum() > MAX_COPIES * np.count_nonzero(counts):
                return None
            return counts.astype(np.int64)
    return None
