r"""Issues on the table and the space of agreement packages.

An *issue* :math:`k` has ordered, labelled levels :math:`L_k = (\ell_{k,0}, \dots,
\ell_{k,n_k-1})`, for example US tariffs on China from the April 2025 peak to a rollback
of the fentanyl tariff. An agreement *package* fixes one level per issue; the outcome
space is the product :math:`L_1 \times \dots \times L_K`, enumerated in a stable
(lexicographic) order.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One issue on the table, with its ordered levels.

    Parameters
    ----------
    name : str
        Identifier, e.g. ``"tariffs"``.
    levels : tuple of str
        Ordered level labels, e.g. ``("april_peak", "status_quo", "truce_extended")``.
    description : str
        One line for reports.

    Examples
    --------
    >>> Issue("tariffs", ("peak", "status_quo")).level_index("status_quo")
    1
    """

    name: str
    levels: tuple[str, ...]
    description: str = ""

    def __post_init__(self) -> None:
        if len(self.levels) < 1:
            raise ValueError(f"issue {self.name!r} needs at least one level")
        if len(set(self.levels)) != len(self.levels):
            raise ValueError(f"issue {self.name!r} has repeated levels: {self.levels}")

    def level_index(self, level: str) -> int:
        """Position of ``level`` in the order of levels."""
        try:
            return self.levels.index(level)
        except ValueError:
            raise ValueError(
                f"issue {self.name!r} has no level {level!r}; levels are {list(self.levels)}"
            ) from None


@dataclass(frozen=True)
class Package:
    """An agreement package: one level for every issue, in the order of the issues.

    Examples
    --------
    >>> p = Package("deal", (("tariffs", "status_quo"), ("rare_earths", "licensing")))
    >>> p.level("rare_earths")
    'licensing'
    """

    name: str
    levels: tuple[tuple[str, str], ...]

    def level(self, issue: str) -> str:
        """The level this package sets for ``issue``."""
        for name, level in self.levels:
            if name == issue:
                return level
        raise KeyError(f"package {self.name!r} sets no level for issue {issue!r}")

    def as_dict(self) -> dict[str, str]:
        """Issue name -> level label."""
        return dict(self.levels)


@dataclass(frozen=True)
class OutcomeSpace:
    """The issues on the table and every package they allow.

    Examples
    --------
    >>> space = OutcomeSpace((Issue("a", ("lo", "hi")), Issue("b", ("x", "y", "z"))))
    >>> len(space.all_packages())
    6
    >>> space.all_packages()[1].as_dict()
    {'a': 'lo', 'b': 'y'}
    """

    issues: tuple[Issue, ...]

    def __post_init__(self) -> None:
        names = [issue.name for issue in self.issues]
        if len(set(names)) != len(names):
            raise ValueError(f"repeated issue names: {names}")

    @property
    def issue_names(self) -> tuple[str, ...]:
        return tuple(issue.name for issue in self.issues)

    def issue(self, name: str) -> Issue:
        """The issue called ``name``."""
        for issue in self.issues:
            if issue.name == name:
                return issue
        raise KeyError(f"no issue {name!r}; issues are {list(self.issue_names)}")

    def package(self, name: str, levels: Mapping[str, str]) -> Package:
        """A named package from an issue -> level mapping that covers every issue once."""
        missing = [i for i in self.issue_names if i not in levels]
        unknown = [i for i in levels if i not in self.issue_names]
        if missing or unknown:
            raise ValueError(
                f"package {name!r}: missing issues {missing}, unknown issues {unknown}"
            )
        for issue in self.issues:
            issue.level_index(levels[issue.name])
        return Package(name, tuple((i, levels[i]) for i in self.issue_names))

    def all_packages(self) -> tuple[Package, ...]:
        """Every package, in lexicographic order of level indices; named by their levels."""
        return tuple(
            Package("/".join(combo), tuple(zip(self.issue_names, combo, strict=True)))
            for combo in itertools.product(*(issue.levels for issue in self.issues))
        )
