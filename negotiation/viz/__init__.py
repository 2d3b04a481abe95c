"""Figures and results folders: the only layer that uses matplotlib.

Modules
-------
style
    The one style, the fixed outcome colours, :func:`~negotiation.viz.style.save_figure`
    (PNG at 200 dpi and PDF with TrueType fonts).
figures
    One scenario's analysis: outcome probabilities, payoffs by outcome, the game tree,
    leverage by selection rule, and the figures of a results folder.
bargaining_figures
    The bargaining protocol: the utility plane and the agreement along a parameter.
phase_map
    The outcome prevailing over two parameters of a sweep table.
sensitivity_figures
    Tornado, Sobol' indices, P(truce) under uncertainty, the equilibrium-path map.
verdict_figures
    What flips the verdict: the nearest change of each value, as a share of its side's range.
results
    :func:`~negotiation.viz.results.write_results`: ``summary.json``, ``summary.txt``,
    figures.

Nothing is imported here, so that ``import negotiation.viz.style`` does not load the
analysis or the sensitivity machinery.
"""
