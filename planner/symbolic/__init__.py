"""The sympy math of planner: integer-aware floor and ceiling on sizes that may be
symbols (``ops``), exact affine sizes for the valid-input analysis (``affine``), and
rendering formulas. Shape inference itself lives in ``planner.shapes``."""
