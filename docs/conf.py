"""Sphinx configuration of the sklearn-lad documentation site.

Build with ``make -C docs html`` (warnings are errors); how to add a page, an API entry or a
gallery example is in ``docs/README.md``.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "sphinxext"))
# Document the checkout being built, not whatever sklearn_lad happens to be installed.
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("MPLBACKEND", "Agg")

import sklearn_lad  # noqa: E402

project = "sklearn-lad"
author = "sklearn-lad developers"
copyright = "sklearn-lad developers"  # noqa: A001  (Sphinx's name)
release = sklearn_lad.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
# README.md is for people editing the docs, not a page; _screenshots holds local PNGs.
exclude_patterns = ["_build", "README.md", "_screenshots", "sphinxext", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]

# -- Markdown (the user guide stays Markdown) ------------------------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 3

# -- API reference -------------------------------------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"  # numpydoc's Parameters section already says the types
numpydoc_show_class_members = False  # the class template lists methods itself
numpydoc_class_members_toctree = False
# numpydoc validates every docstring the API reference renders; with -W a failed check is a
# build error, so CI fails on an undocumented or misordered parameter, a missing Returns or
# a missing Returns section. Left out:
# - ES01 (extended summary) and SA01 (See Also): editorial, and short helpers rightly lack them;
# - SS05 (summary must start with a verb): a heuristic that flags the house's noun-phrase
#   summaries ("Names of every registered backend", "Solutions of ...");
# - RT02 (type only on the Returns line): flags scikit-learn's own "self : object" convention;
# - EX01 (Examples): methods such as fit/predict are shown by their class's example;
#   tests/test_docs_api.py requires an Examples section on every public name instead.
numpydoc_validation_checks = {"all", "ES01", "SA01", "SS05", "RT02", "EX01"}
# Methods inherited from scikit-learn (get_params, score, the metadata-routing setters) carry
# scikit-learn's docstrings, which follow scikit-learn's own conventions, not ours.
numpydoc_validation_exclude = {
    r"\.get_params$",
    r"\.set_params$",
    r"\.score$",
    r"\.set_\w+_request$",
    r"\.get_metadata_routing$",
    r"\.__init__$",
    # An alias (``pinball_scorer = neg_pinball_loss_at_own_tau``): its page shows the one-line
    # alias note; the function it names is validated under its own name.
    r"\.pinball_scorer$",
}
numpydoc_xref_param_type = False

intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "scipy": ("https://docs.scipy.org/doc/scipy", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
    "pandas": ("https://pandas.pydata.org/docs", None),
}
# The build must work offline and in CI without network: intersphinx only when asked.
if os.environ.get("SKLEARN_LAD_DOCS_INTERSPHINX") != "1":
    intersphinx_mapping = {}

# -- Gallery -------------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Execute every script (not only plot_*.py): each example is run and its figures scraped.
    "filename_pattern": r"\.py$",
    "ignore_pattern": r"(__init__|/_[^/]*)\.py$",
    "within_subsection_order": "gallery_hooks.example_order",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_signature": False,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "reset_modules": ("matplotlib", "gallery_hooks.time_budget"),
    "reset_modules_order": "both",
    "min_reported_time": 1,
    # An example that raises fails the build.
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    # "Gallery examples using X" at the foot of every API page.
    "doc_module": ("sklearn_lad",),
    "backreferences_dir": "gen_modules/backreferences",
}

# -- HTML ------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-lad {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "header_links_before_dropdown": 6,
    # The gallery pages' own "On this page" is one or two headings: give their figures the room.
    # ("*" stops at a "/", so each folder is named; a new folder of pages needs a line here.)
    "secondary_sidebar_items": {
        "*": ["page-toc"], "migration/*": ["page-toc"], "generated/*": ["page-toc"],
        "auto_examples/*": [],
    },
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": []}
html_show_sourcelink = False
html_copy_source = False
