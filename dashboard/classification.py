"""Classes of an indicator (mapclassify) and their colours (ColorBrewer)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import mapclassify
import numpy as np
import pandas as pd
from branca.utilities import color_brewer

from dashboard.map_style import DIVERGING, NO_DATA, SCHEMES

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


def _diverging(lows: list[float], bins: list[float], centre: float) -> list[str]:
    """PuOr colours: the class holding ``centre`` neutral, farther ones darker.

    Each side spreads its classes over its half of the palette, so one lone
    class below the centre (e.g. LQ 0) is a clear mid orange, not the palest.
    """
    side = [
        -1 if high < centre else 1 if low > centre else 0
        for low, high in zip(lows, bins, strict=True)
    ]
    below = [i for i, s in enumerate(side) if s < 0]
    above = [i for i, s in enumerate(side) if s > 0]
    steps = max(len(below), len(above), 1)
    # ColorBrewer's PuOr runs orange -> white -> purple: low values orange.
    colours = _palette(DIVERGING, 2 * steps + 1)
    out = [colours[steps]] * len(side)
    if below:  # ascending classes: the first is the farthest from the centre
        for i, k in zip(below, reversed(_spread(len(below), steps)), strict=True):
            out[i] = colours[steps - 1 - k]
    if above:
        for i, k in zip(above, _spread(len(above), steps), strict=True):
            out[i] = colours[steps + 1 + k]
    return out


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
        If given, colour with the diverging ``PuOr`` scheme so that the class
        containing ``centre`` gets the neutral middle colour, classes below get
        orange and classes above purple, darker with each step away.
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
    if zero_class and k > 1 and positive.size and positive.size < arr.size:
        bins = sorted({0.0, *_breaks(positive, scheme, k - 1)})
    else:
        bins = _breaks(arr, scheme, k)
    lows = [float(arr.min()), *bins[:-1]]
    if centre is None:
        colours = _palette(palette, len(bins))
    else:
        colours = _diverging(lows, bins, centre)
    index = np.minimum(np.searchsorted(bins, arr, side="left"), len(bins) - 1)
    members = [arr[index == i] for i in range(len(bins))]
    return Classification(
        tuple(bins),
        tuple(colours),
        tuple(float(v.min()) if v.size else None for v in members),
        tuple(float(v.max()) if v.size else None for v in members),
        tuple(int(v.size) for v in members),
    )
