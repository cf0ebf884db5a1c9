#!/usr/bin/env python3
"""Parses SQL statements with sqlglot in one dialect, for the test suite.

Usage: parse-sql.py DIALECT FILE
FILE holds a JSON array of statements (text as the engine received it, placeholders
included). Prints a JSON array of the statements sqlglot cannot parse, each with its error,
and exits 0 either way; exit 2 on bad usage.
"""
import json
import sys

import sqlglot
from sqlglot.errors import ErrorLevel


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    dialect, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as handle:
        statements = json.load(handle)
    failures = []
    for text in statements:
        try:
            parsed = sqlglot.parse(text, read=dialect, error_level=ErrorLevel.RAISE)
            if not parsed or any(expression is None for expression in parsed):
                failures.append({"sql": text, "error": "nothing parsed"})
        except Exception as error:  # sqlglot raises ParseError and TokenError
            failures.append({"sql": text, "error": str(error).splitlines()[0]})
    json.dump({"sqlglot": sqlglot.__version__, "parsed": len(statements), "failures": failures}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
