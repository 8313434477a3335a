"""Sphinx configuration for sklearn-lstm-ae.

Build from the repository root (warnings are errors)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import os
import re
import sys
import warnings
from pathlib import Path

from docutils import nodes
from sklearn.exceptions import ConvergenceWarning
from sphinx.util.docutils import SphinxDirective

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the package, even when not installed

# The gallery runs the examples with no display.
os.environ.setdefault("MPLBACKEND", "Agg")
# The examples train for fewer epochs than the defaults so that the docs build
# quickly (the gallery's header says so); fit's ConvergenceWarning would repeat
# it in the output of every example.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

import sklearn_lstm_ae  # noqa: E402

project = "sklearn-lstm-ae"
author = "sklearn-lstm-ae developers"
copyright = "sklearn-lstm-ae developers"
release = sklearn_lstm_ae.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "_templates",  # autosummary page templates, not pages
    "examples",  # sphinx-gallery reads these and writes auto_examples/
]
root_doc = "index"
default_role = "literal"

# -- API reference (autosummary + numpydoc, as scikit-learn does) -------------
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
numpydoc_show_class_members = False  # the class template lists the methods
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-lstm-ae {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": True,
    "secondary_sidebar_items": ["page-toc"],
}
html_static_path = []
html_show_sourcelink = False

# -- Gallery --------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sklearn_lstm_ae",),
    "backreferences_dir": "gen_modules",
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "show_memory": False,
    # An example that raises fails the build, like a warning does.
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
}

# -- plot directive (the network diagram) --------------------------------------
plot_basedir = str(HERE)  # ".. plot:: _diagrams/network.py" from any page
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 120)]


# -- The benchmark tables ---------------------------------------------------------
class BenchmarkTable(SphinxDirective):
    """Include ``benchmarks/<name>.md`` if a benchmark script has written it.

    ``.. benchmark-table:: quality`` reads ``docs/benchmarks/quality.md`` with
    MyST's docutils parser. A missing file yields a short "not yet measured"
    note naming the script that writes it (``:script:`` overrides the name), so
    the docs build before, or without, running the benchmarks. The file's own
    top heading is dropped: the page gives each table a section title.
    """

    required_arguments = 1
    option_spec = {"script": str}

    def run(self):
        name = self.arguments[0]
        path = HERE / "benchmarks" / f"{name}.md"
        # A dependency that does not exist yet makes Sphinx re-read this page
        # on every build, so a table written later shows up without a clean.
        self.env.note_dependency(str(path))
        if not path.is_file():
            para = nodes.paragraph()
            script = self.options.get("script") or _script_writing(f"{name}.md")
            if script:
                para += nodes.Text("Not yet measured: run ")
                para += nodes.literal(text=f"python {script}")
                para += nodes.Text(" from the repository root to write this table.")
            else:
                para += nodes.Text("Not yet measured.")
            return [para]
        return _markdown_nodes(path.read_text(encoding="utf-8"), str(path))


def _script_writing(filename):
    """The benchmark script that mentions ``filename``, if there is one."""
    for script in sorted((HERE.parent / "benchmarks").glob("*.py")):
        if filename in script.read_text(encoding="utf-8", errors="replace"):
            return f"benchmarks/{script.name}"
    return None


def _markdown_nodes(text, source):
    """Docutils nodes for a benchmark's markdown (tables, paragraphs, code).

    The file's first heading is dropped (the page gives each table a section
    title) and later headings become bold paragraphs, so a script may format
    its file as it likes without breaking the page's section structure.
    """
    from docutils.core import publish_doctree
    from myst_parser.docutils_ import Parser

    lines = text.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and lines[0].startswith("# "):
        lines.pop(0)
    body = []
    for line in lines:
        if line.startswith("#"):
            title = line.lstrip("#").strip()
            line = f"**{title}**" if title else ""
        body.append(line)
    doctree = publish_doctree(
        "\n".join(body),
        source_path=source,
        parser=Parser(),
        settings_overrides={"report_level": 2, "halt_level": 5},
    )
    return list(doctree.children)


# -- Docstrings ---------------------------------------------------------------------
# Methods inherited from scikit-learn (set_output, get_metadata_routing, and
# set_fit_request, which metadata routing adds for sample_weight) link to
# scikit-learn's own documentation with :ref: and to its glossary with :term:,
# which cannot resolve here (no network for intersphinx). Keep their text,
# drop the link.
_REF = re.compile(r":(?:ref|term):`([^`<]+?)\s*<[^`>]+>`|:(?:ref|term):`([^`<]+)`")


def _unlink_sklearn_refs(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", "") or ""
    if not module.startswith("sklearn."):
        return
    for i, line in enumerate(lines):
        lines[i] = _REF.sub(lambda m: m.group(1) or m.group(2), line)


# numpydoc renders a type such as "ndarray of shape (n_features_in_,)" as
# reStructuredText, where a word ending in "_" is a link to a target of that
# name. scikit-learn writes (`n_features_in_`,); this fixes the form without
# backticks until the docstring itself is fixed (a no-op afterwards).
_BARE_ATTRIBUTE = re.compile(
    r"(?<![`\w])(n_features_in_|n_timesteps_|n_channels_)(?=[,)])"
)


def _quote_bare_attributes(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        if " of shape (" in line:
            lines[i] = _BARE_ATTRIBUTE.sub(r"`\1`", line)


def setup(app):
    app.add_directive("benchmark-table", BenchmarkTable)
    app.connect("autodoc-process-docstring", _unlink_sklearn_refs)
    app.connect("autodoc-process-docstring", _quote_bare_attributes)
    return {"parallel_read_safe": True}
