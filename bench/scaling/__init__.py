"""The scaling benchmark: `python -m bench.scaling` (its docstring says what it measures).

archive (archives of each size, built once and cached), queries (the timed queries, from
bench.query_speed), report (the table of ratios between sizes).
"""
