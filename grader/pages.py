"""HTML pages from Jinja2 templates, autoescaped: every value a page shows is escaped unless the
template says it is markup, so a name like `<script>` or `=HYPERLINK(...)` is shown as text.

Each part keeps its page templates beside it (grader/reports/templates, grader/exams/templates,
grader/hub/templates); grader/templates holds the macros they share (a table). Pages carry no
script and load nothing: the hub's services serve them under a Content-Security-Policy with no
script-src (grader.hub.config.REPORTS_CSP).
"""

from __future__ import annotations

import functools
from pathlib import Path

SHARED = Path(__file__).resolve().parent / "templates"


@functools.cache
def environment(folder: str):
    """The Jinja2 environment of one template folder (autoescape on, undefined values an error);
    the shared macros are found from every folder."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([folder, str(SHARED)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(folder: Path, template: str, **values) -> str:
    """The page `template` (a file in `folder`) filled with `values`, every value escaped.

    Raises jinja2.TemplateNotFound for a missing template and jinja2.UndefinedError for a value
    the template uses but was not given."""
    return environment(str(folder)).get_template(template).render(**values)
