"""lawstudy: legal-knowledge courses and exams for civil-affairs staff, on Jupyter and nbgrader."""

__version__ = "0.1.0"
