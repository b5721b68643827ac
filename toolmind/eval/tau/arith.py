"""The `calculate` tool's arithmetic: + - * / and parentheses, parsed with `ast` (never `eval`)."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable

from toolmind.eval.tau.toolkit import ToolError

_ALLOWED = set("0123456789+-*/(). ")
_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _eval(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_eval(node.left), _eval(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _eval(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    raise ToolError("Invalid expression")


def evaluate_expression(expression: str) -> str:
    """Value of an arithmetic expression rounded to 2 decimals, as the τ² `calculate` tool returns it."""
    if not all(ch in _ALLOWED for ch in expression):
        raise ToolError("Invalid characters in expression")
    try:
        tree = ast.parse(expression, mode="eval")
        return str(round(_eval(tree), 2))
    except SyntaxError as exc:
        raise ToolError(f"Invalid expression: {exc.msg}") from exc
    except ZeroDivisionError as exc:
        raise ToolError("division by zero") from exc
