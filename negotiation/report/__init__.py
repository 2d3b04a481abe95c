"""A scenario's report for a reader who will not run the code: ``report.html`` and ``report.md``.

:func:`write_report` solves a scenario, measures how robust its verdict is and writes one
self-contained HTML page (figures embedded as PNG data URIs, CSS inline, nothing fetched)
and a Markdown twin whose figures are PNG files beside it.
"""

from negotiation.report.build import report_context, write_report

__all__ = ["report_context", "write_report"]
