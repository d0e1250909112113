"""Classes of an indicator (mapclassify) and their colours (ColorBrewer)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import mapclassify
import numpy as np
import pandas as pd
from branca.utilities import color_brewer

from dashboard.map_style import (
    CONCENTRATION_COLOURS,
    GAP_COLOURS,
    MAX_SIDE_CLASSES,
    NO_DATA,
    SCHEMES,
)

__all__ = ["Classification", "classify"]


@dataclass(frozen=True)
class Classification:
    """Classes of an indicator: upper bounds, colours and what each class holds.

    ``bins`` are ascending upper bounds (the last is the maximum); a value
    belongs to the first class whose bound is >= the value. ``mins``/``maxs``
    are the smallest/largest value that fell into each class (``None`` if empty)
    and ``counts`` how many values did.
    """

    bins: tuple[float, ...]
    colours: tuple[str, ...]
    mins: tuple[float | None, ...] = ()
    maxs: tuple[float | None, ...] = ()
    counts: tuple[int, ...] = ()

    def index(self, value: float | None) -> int | None:
        """Class of ``value`` (``None`` for missing values or no classes)."""
        if value is None or not self.bins or pd.isna(value) or not np.isfinite(value):
            return None
        i = int(np.searchsorted(self.bins, value, side="left"))
        return min(i, len(self.bins) - 1)

    def colour(self, value: float | None) -> str:
        """Fill colour of ``value``; grey when missing."""
        i = self.index(value)
        return NO_DATA if i is None else self.colours[i]


def _palette(name: str, n: int) -> list[str]:
    """``n`` colours of a ColorBrewer scheme (which starts at 3 classes)."""
    colours = color_brewer(name, max(n, 3))
    if n >= 3:
        return colours[:n]
    return [colours[-1]] if n == 1 else [colours[0], colours[-1]]


def _breaks(values: np.ndarray, scheme: str, k: int) -> list[float]:
    """Upper class bounds of ``values`` by the mapclassify scheme."""
    k = min(k, len(np.unique(values)))
    if k <= 1:
        return [float(values.max())]
    classifier = {
        "quantiles": mapclassify.Quantiles,
        "equal_interval": mapclassify.EqualInterval,
        "natural_breaks": mapclassify.FisherJenks,
    }[scheme]
    with warnings.catch_warnings():
        # Ties make quantile classes collapse (mapclassify warns); numba is optional.
        warnings.simplefilter("ignore")
        bins = classifier(values, k=k).bins
    return sorted({float(b) for b in bins})


def _spread(n: int, span: int) -> list[int]:
    """``n`` indices spread evenly over ``0 .. span - 1`` (one class: the middle)."""
    if n == 1:
        return [span // 2]
    return [round(j * (span - 1) / (n - 1)) for j in range(n)]


def _split_breaks(
    values: np.ndarray, scheme: str, k: int, centre: float
) -> tuple[list[float], int]:
    """Bounds with a break at ``centre``: each side classified on its own.

    Returns the bounds and how many classes lie at or below the centre.
    """
    below, above = values[values <= centre], values[values > centre]
    k_below = max(1, min(k // 2, MAX_SIDE_CLASSES)) if below.size else 0
    k_above = max(1, min(k - k_below, MAX_SIDE_CLASSES)) if above.size else 0
    low = _breaks(below, scheme, k_below) if k_below else []
    high = _breaks(above, scheme, k_above) if k_above else []
    return low + high, len(low)


def _diverging_colours(n_below: int, n_above: int) -> list[str]:
    """Darkest orange for the class farthest below, darkest purple farthest above."""
    below = [GAP_COLOURS[i] for i in _spread(n_below, len(GAP_COLOURS))]
    above = [
        CONCENTRATION_COLOURS[i] for i in _spread(n_above, len(CONCENTRATION_COLOURS))
    ]
    if n_below == 1:
        below = [GAP_COLOURS[0]]
    if n_above == 1:
        above = [CONCENTRATION_COLOURS[-1]]
    return below + above


def classify(
    values: Iterable[float | None],
    scheme: str = "quantiles",
    k: int = 5,
    palette: str = "YlGnBu",
    centre: float | None = None,
    zero_class: bool = False,
) -> Classification:
    """Classify ``values`` and colour the classes.

    Parameters
    ----------
    values
        Indicator values; missing and non-finite values are ignored.
    scheme
        ``quantiles``, ``equal_interval`` or ``natural_breaks`` (Fisher-Jenks).
    k
        Wanted number of classes (fewer when there are fewer distinct values).
    palette
        ColorBrewer scheme for sequential colouring.
    centre
        If given, break the classes at ``centre`` (values at or below it on one
        side, above on the other, each side classified by ``scheme``) and colour
        them with ColorBrewer ``PuOr`` without its palest middle: orange below,
        purple above, darkest farthest from the centre (zero the darkest gap).
    zero_class
        Give exact zeros a class of their own and classify the positive values
        into ``k - 1`` classes (most municipalities have no initiative, which
        would otherwise collapse the quantiles).
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    arr = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce")
    arr = arr.to_numpy(dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return Classification((), ())
    positive = arr[arr > 0]
    zeros = zero_class and positive.size < arr.size
    if zeros and positive.size and (k > 1 or centre is not None):
        rest = positive
    else:
        rest, zeros = arr, False
    if centre is None:
        bins = _breaks(rest, scheme, k - 1 if zeros else k)
        colours = _palette(palette, len(bins) + zeros)
    else:
        # Zero is the farthest below the centre: it gets the darkest gap colour.
        bins, n_below = _split_breaks(rest, scheme, k - 1 if zeros else k, centre)
        colours = _diverging_colours(n_below + zeros, len(bins) - n_below)
    bins = [0.0, *bins] if zeros else bins
    index = np.minimum(np.searchsorted(bins, arr, side="left"), len(bins) - 1)
    members = [arr[index == i] for i in range(len(bins))]
    return Classification(
        tuple(bins),
        tuple(colours),
        tuple(float(v.min()) if v.size else None for v in members),
        tuple(float(v.max()) if v.size else None for v in members),
        tuple(int(v.size) for v in members),
    )
