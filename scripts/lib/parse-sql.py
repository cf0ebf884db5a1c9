#!/usr/bin/env python3
"""Parses SQL statements with sqlglot in one dialect, for the test suite.

Usage: parse-sql.py DIALECT FILE
FILE holds a JSON array of statements (text as the engine received it, placeholders
included). Prints the statements sqlglot cannot parse, each with its error, and the
restrictions of the warehouse's own documentation that its local stand-in does not enforce
("violations"), and exits 0 either way; exit 2 on bad usage. The restrictions:

* snowflake: an EXISTS subquery is supported only in a WHERE clause, and not as an argument
  of OR (Snowflake's "Working with subqueries"); fakesnow, on DuckDB, runs it anywhere.
* redshift: a recursive common table expression names its columns in a list after its
  name (`WITH RECURSIVE name (col, ...) AS`); PostgreSQL, standing in, does not require it.
"""
import json
import sys

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel


def exists_outside_where(tree):
    """EXISTS subqueries not reached from a WHERE clause through AND, NOT and parentheses."""
    found = []
    for node in tree.find_all(exp.Exists):
        parent, allowed = node.parent, False
        while parent is not None:
            if isinstance(parent, exp.Where):
                allowed = True
                break
            if not isinstance(parent, (exp.And, exp.Not, exp.Paren)):
                break
            parent = parent.parent
        if not allowed:
            found.append("EXISTS outside a WHERE clause or under OR: " + node.sql(dialect="snowflake")[:120])
    return found


def recursive_cte_without_columns(tree):
    found = []
    for with_ in tree.find_all(exp.With):
        if not with_.args.get("recursive"):
            continue
        for cte in with_.expressions:
            alias = cte.args.get("alias")
            # Only a CTE that reads itself is recursive; the others of the WITH need no list.
            reads_itself = any(table.name.lower() == cte.alias.lower() for table in cte.this.find_all(exp.Table))
            if reads_itself and (alias is None or not alias.columns):
                found.append(f"recursive CTE {cte.alias} without a column list")
    return found


RULES = {"snowflake": [exists_outside_where], "redshift": [recursive_cte_without_columns]}


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    dialect, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as handle:
        statements = json.load(handle)
    failures, violations = [], []
    for text in statements:
        try:
            parsed = sqlglot.parse(text, read=dialect, error_level=ErrorLevel.RAISE)
            if not parsed or any(expression is None for expression in parsed):
                failures.append({"sql": text, "error": "nothing parsed"})
                continue
        except Exception as error:  # sqlglot raises ParseError and TokenError
            failures.append({"sql": text, "error": str(error).splitlines()[0]})
            continue
        for tree in parsed:
            for rule in RULES.get(dialect, []):
                for message in rule(tree):
                    violations.append({"sql": text, "rule": message})
    json.dump({"sqlglot": sqlglot.__version__, "parsed": len(statements), "failures": failures, "violations": violations}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
