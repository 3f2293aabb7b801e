"""Storing side of labscope: tables, migrations, version recording and queries."""
