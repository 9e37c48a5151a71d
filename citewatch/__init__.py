"""citewatch: keep every claim of a document with its sources, and re-check them.

The public face of the library; the work lives in one module per idea.
"""

__version__ = "0.1.0"
