"""Compare two schedules honestly: paired seeds, the mean difference with a 95% CI, and the resolution.

Every comparison of schedules in the course follows one standard. Both runs
of a seed start from the same initial weights and see the batches in the same
order (:func:`~lrcourse.shootout.shootout` does that), so the difference
between them is paired. :func:`paired_difference` reports the mean of the
per-seed differences with Student's t 95% confidence interval (from
``scipy.stats``), the resolution of the evaluation set (one digit of 1,000
test digits is 0.1 percentage point), and says "within noise" when the
interval covers 0. :func:`plot_paired` shows every seed's difference next to
the mean and its interval.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["PairedComparison", "paired_difference", "compare_runs", "METRICS", "plot_paired", "half_width",
           "seeds_needed", "seed_rule"]

#: what :func:`compare_runs` can compare: (how to read it from a run, scale, unit, higher is better)
METRICS = {
    "test_acc": ("test accuracy", 100.0, "pp", True),
    "test_loss": ("test loss", 1.0, "", False),
    "val_acc": ("final validation accuracy", 100.0, "pp", True),
    "val_loss": ("final validation loss", 1.0, "", False),
    "train_loss": ("final training loss", 1.0, "", False),
}


def half_width(sd: float, n: int) -> float:
    r"""The half-width of Student's t 95% CI of a mean over ``n`` paired seeds whose differences have SD ``sd``.

    Example:
        >>> round(half_width(1.0, 3), 3), round(half_width(1.0, 8), 3)
        (2.484, 0.836)
    """
    from scipy import stats

    if n < 2:
        raise ValueError(f"n={n!r}: a CI needs at least 2 seeds.")
    return float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)


def seeds_needed(pilot, fraction: float = 0.5, max_n: int = 40) -> int | None:
    r"""The course's rule for a seed count: the fewest seeds whose 95% CI half-width, at the pilot's SD,
    is at most ``fraction`` of the pilot's mean difference.

    With ``fraction=0.5`` the CI would still exclude 0 if the true difference
    were only half what the pilot saw. Never fewer than 3 seeds. Returns ``None``
    when even ``max_n`` seeds are not enough (the pilot's mean is small against its noise).

    Args:
        pilot (sequence of float): the paired differences of a pilot run, at least 2.
        fraction (float): the share of the pilot's mean the half-width may reach. Default: ``0.5``.
        max_n (int): the most seeds considered. Default: ``40``.

    Example:
        >>> seeds_needed([0.030, 0.020, 0.025]), seeds_needed([0.03, -0.02, 0.01])
        (3, None)
    """
    d = np.asarray(pilot, dtype=float)
    if len(d) < 2:
        raise ValueError(f"a pilot of {len(d)} seed(s) has no SD: give at least 2 paired differences.")
    sd, target = float(np.std(d, ddof=1)), fraction * abs(float(np.mean(d)))
    return next((n for n in range(3, max_n + 1) if half_width(sd, n) <= target), None)


def seed_rule(comparison, pilot: int = 3, counts=(3, 4, 6, 8)) -> str:
    r"""How a seed count was chosen, as printed lines: the rule of :func:`seeds_needed` on the first
    ``pilot`` seeds of ``comparison``, and the same half-widths at the SD of all its seeds.

    Example:
        >>> c = paired_difference([1.0, 1.0, 1.0, 1.0], [1.030, 1.020, 1.025, 1.028], metric="loss")
        >>> print(seed_rule(c, counts=(3, 4)))
        pilot, seeds 0-2: mean difference +0.0250, SD of the differences 0.0050, CI half-width with 3 seeds 0.0124, 4 seeds 0.0080
        all 4 seeds: mean difference +0.0257, SD of the differences 0.0043, CI half-width with 3 seeds 0.0108, 4 seeds 0.0069
        fewest seeds whose half-width at the pilot's SD is at most half its mean difference: 3
    """
    k = 2 if comparison.unit else 4
    seeds = comparison.seeds
    first = pilot if seeds is None or len(seeds) < pilot else seeds[pilot - 1]
    lines = []
    for name, d in ((f"pilot, seeds {seeds[0] if seeds else 0}-{first}", comparison.diffs[:pilot]),
                    (f"all {comparison.n} seeds", comparison.diffs)):
        sd = float(np.std(d, ddof=1))
        lines.append(f"{name}: mean difference {np.mean(d):+.{k}f}, SD of the differences {sd:.{k}f}, CI half-width "
                     "with " + ", ".join(f"{n} seeds {half_width(sd, n):.{k}f}" for n in counts))
    needed = seeds_needed(comparison.diffs[:pilot])
    lines.append("fewest seeds whose half-width at the pilot's SD is at most half its mean difference: "
                 + (str(needed) if needed else "more than 40 (the pilot's mean is within its noise)"))
    return "\n".join(lines)


@dataclass
class PairedComparison:
    r"""Two runs per seed, compared: B − A for every seed, their mean and its 95% CI.

    Attributes:
        label_a, label_b (str): the two contestants.
        metric (str): what was compared, as a phrase ("test accuracy").
        a, b (numpy.ndarray): the metric per seed (already scaled, e.g. in %).
        seeds (tuple): the seeds, in the same order.
        unit (str): ``"pp"`` (percentage points) or ``""``.
        resolution (float or None): the smallest change the evaluation set can show.
        higher_is_better (bool): whether a positive difference favours B.

    Example:
        >>> c = paired_difference([95.0, 95.5, 96.0], [96.0, 96.6, 97.1], label_a="fixed",
        ...                       label_b="StepLR", metric="test accuracy", unit="pp", resolution=0.1)
        >>> round(c.mean, 2), c.within_noise
        (1.07, False)
    """

    label_a: str
    label_b: str
    metric: str
    a: np.ndarray
    b: np.ndarray
    seeds: tuple
    unit: str = ""
    resolution: float | None = None
    higher_is_better: bool = True

    @property
    def diffs(self) -> np.ndarray:
        """B − A for each seed."""
        return self.b - self.a

    @property
    def n(self) -> int:
        return len(self.diffs)

    @property
    def mean(self) -> float:
        return float(np.mean(self.diffs))

    @property
    def quantum(self) -> float:
        """The smallest step the compared values can take: the resolution, else float32's precision of them."""
        if self.resolution:
            return float(self.resolution)
        scale = float(np.max(np.abs(np.concatenate([self.a, self.b])))) or 1.0
        return scale * float(np.finfo(np.float32).eps)

    @property
    def ci(self) -> tuple[float, float]:
        r"""Student's t 95% confidence interval of the mean difference.

        The standard deviation of the differences is never taken below that of
        the rounding of two values to :attr:`quantum` (``quantum / √6``): a
        difference is only known to the evaluation's resolution. Without that
        floor, three seeds that each gain exactly one test digit would give a
        zero-width interval and a verdict of "better"; with it, the interval is
        about ± one resolution wide and covers 0.
        """
        sd = max(float(np.std(self.diffs, ddof=1)), self.quantum / math.sqrt(6))
        half = half_width(sd, self.n)
        return self.mean - half, self.mean + half

    @property
    def decimals(self) -> int:
        """Decimals that show the CI's half-width to 2 significant digits (at least 2)."""
        low, high = self.ci
        half = (high - low) / 2
        return max(2, 1 - math.floor(math.log10(half))) if half > 0 else 2

    @property
    def within_noise(self) -> bool:
        """Whether the 95% CI covers 0: the seeds do not show a difference."""
        low, high = self.ci
        return low <= 0 <= high

    @property
    def favours_b(self) -> bool:
        """Whether the mean difference is in B's favour (whether or not the CI covers 0)."""
        return (self.mean > 0) == self.higher_is_better

    @property
    def wins(self) -> int:
        """Seeds where B did better than A."""
        return int(np.sum(self.diffs > 0 if self.higher_is_better else self.diffs < 0))

    @property
    def sign_test_p(self) -> float:
        """The two-sided sign test's p of B's :attr:`wins` over the seeds that differ (``scipy.stats.binomtest``)."""
        from scipy.stats import binomtest

        differ = int(np.sum(self.diffs != 0))
        return float(binomtest(self.wins, differ).pvalue) if differ else 1.0

    def verdict(self) -> str:
        """"within noise", or which contestant is better, by how much the CI allows."""
        if self.within_noise:
            return "within noise: the 95% CI covers 0"
        better = self.label_b if self.favours_b else self.label_a
        return f"{better} is better: the 95% CI excludes 0"

    def summary(self) -> str:
        r"""One line: the mean paired difference, its CI, the seeds, the resolution and the verdict.

        Example:
            >>> print(paired_difference([1.0, 2.0, 3.0], [1.0, 2.5, 2.9], metric="loss", higher_is_better=False,
            ...                         label_a="a", label_b="b").summary())
            loss, b − a: +0.13 (95% CI -0.67 to +0.93), 3 paired seeds, better on 1 of 3; within noise: the 95% CI covers 0
        """
        low, high = self.ci
        k = self.decimals
        u = f" {self.unit}" if self.unit else ""
        res = f"; resolution {self.resolution:.2g}{u}" if self.resolution else ""
        return (f"{self.metric}, {self.label_b} − {self.label_a}: {self.mean:+.{k}f}{u} (95% CI {low:+.{k}f} to "
                f"{high:+.{k}f}{u}), {self.n} paired seeds{res}, better on {self.wins} of {self.n}; {self.verdict()}")

    def table(self) -> str:
        """Each seed's two values and their difference, as aligned text (:func:`~lrcourse.tables.paired_table`).

        Example:
            >>> print(paired_difference([1.0, 2.0], [1.5, 2.0]).table())
            seed               A               B       B − A
               0            1.00            1.50       +0.50
               1            2.00            2.00       +0.00
        """
        from .tables import paired_table

        return paired_table(self)


def paired_difference(a, b, seeds=None, *, label_a: str = "A", label_b: str = "B", metric: str = "metric",
                      unit: str = "", resolution: float | None = None,
                      higher_is_better: bool = True) -> PairedComparison:
    r"""Compare two paired sequences of results: ``b[i]`` and ``a[i]`` come from the same seed.

    Args:
        a, b (sequence of float): one value per seed, in the same seed order.
        seeds (sequence, optional): the seeds. Default: ``0 .. n-1``.
        label_a, label_b (str): names of the two runs. Default: ``"A"``, ``"B"``.
        metric (str): what the values are. Default: ``"metric"``.
        unit (str): shown after numbers, e.g. ``"pp"``. Default: ``""``.
        resolution (float, optional): the smallest step the metric can take.
        higher_is_better (bool): Default: ``True``.

    Raises:
        ValueError: fewer than 2 seeds, lengths that differ, or values that are not finite.

    Example:
        >>> paired_difference([1, 2], [1, 2]).within_noise
        True
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"a and b need one value per seed each, in the same order; got shapes {a.shape} and {b.shape}.")
    if len(a) < 2:
        raise ValueError("A paired comparison needs at least 2 seeds (3 or more for a useful interval).")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("Every value must be finite: a diverged run has no accuracy to compare. "
                         "Lower the rate, or compare the runs that finished.")
    seeds = tuple(seeds) if seeds is not None else tuple(range(len(a)))
    return PairedComparison(label_a, label_b, metric, a, b, seeds, unit, resolution, higher_is_better)


def compare_runs(result, label_a: str, label_b: str, metric: str = "test_acc") -> PairedComparison:
    r"""Compare two contestants of a :func:`~lrcourse.shootout.shootout`, seed by seed.

    Args:
        result (ShootoutResult): both contestants ran on the same seeds.
        label_a, label_b (str): the contestants; the difference is B − A.
        metric (str): a key of :data:`METRICS`. Default: ``"test_acc"``.

    Example:
        >>> from lrcourse.results import Runs
        >>> from lrcourse.shootout import Contestant, ShootoutResult
        >>> r = ShootoutResult(None, (0, 1), 1, 64, 0.9)
        >>> r.runs["a"] = Runs(Contestant("a", None), test_accs=[0.90, 0.91])
        >>> r.runs["b"] = Runs(Contestant("b", None), test_accs=[0.92, 0.94])
        >>> compare_runs(r, "a", "b").mean
        2.5
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}.")
    phrase, scale, unit, higher = METRICS[metric]
    values = []
    for label in (label_a, label_b):
        if label not in result.runs:
            raise ValueError(f"No contestant {label!r} in this shoot-out; it has {', '.join(result.runs)}.")
        values.append([math.nan if v is None else scale * v for v in result.runs[label].values(metric)])
    resolution = None
    split = {"test_acc": "test", "val_acc": "val"}.get(metric)
    if split and result.data is not None:
        resolution = scale / len(getattr(result.data, split))
    return paired_difference(values[0], values[1], result.seeds, label_a=label_a, label_b=label_b,
                             metric=phrase, unit=unit, resolution=resolution, higher_is_better=higher)


def plot_paired(comparison: PairedComparison, ax=None):
    r"""Every seed's difference B − A as a dot, the mean as a bar with its 95% CI, and 0 as a line.

    The seeds' dots sit on a band of their own above the mean and its interval,
    so every seed shows, whichever is closest to the mean. The axis always includes 0 and the resolution of the evaluation set, so a
    gap of one test digit never looks large.

    Example:
        >>> ax = plot_paired(paired_difference([1, 2, 3], [1.5, 2.2, 3.4]))
        >>> ax.get_xlabel()
        'B − A (metric)'
    """
    from .plots import PALETTE, new_axes

    if ax is None:
        _, ax = new_axes(figsize=(6.4, 1.8))
    c = comparison
    d = c.diffs
    # the seeds on a band of their own above the mean, so that none hides behind its marker
    ax.scatter(d, np.linspace(0.12, 0.38, len(d)) if len(d) > 1 else [0.25], color=PALETTE[0], zorder=3,
               label="one seed")
    low, high = c.ci
    ax.errorbar([c.mean], [-0.2], xerr=[[c.mean - low], [high - c.mean]], fmt="D", color=PALETTE[1],
                capsize=6, zorder=4, label="mean, 95% CI")
    ax.axvline(0, color="#555555", lw=1)
    span = max(abs(low), abs(high), float(np.max(np.abs(d))), 3 * (c.resolution or 0))
    ax.set_xlim(-1.15 * span, 1.15 * span)
    ax.set_ylim(-0.5, 0.8)  # room at the top for the legend, on one line
    ax.set_yticks([])
    u = f", {c.unit}" if c.unit else ""
    ax.set_xlabel(f"{c.label_b} − {c.label_a} ({c.metric}{u})")
    ax.legend(loc="upper left", fontsize="small", frameon=False, ncol=2)
    return ax
