"""Execute model tool calls against BFCL's official simulated backends (scorer environment only).

A long-lived child of `toolmind.eval.bfcl.multiturn`: it reads one JSON request per line on stdin and
answers one JSON line on stdout. Backend instances live in the official module's globals, keyed by
(model, entry id, class), so each entry keeps its own state across steps and turns, exactly as in the
official generation loop. Only public methods of the entry's backend classes are ever executed; any
other name gets the error the official loop would return for an undefined name, without evaluating
anything. Argument names must be identifiers (the official loop pastes them into code).

  {"op": "execute", "id": ..., "involved_classes": [...], "initial_config": {...},
   "long_context": bool, "calls": [{"name": ..., "arguments": {...}}]}  ->  {"results": [str, ...]}
  {"op": "memory_prompt", <entry fields as above>, "question": [...], "category": ..., "scenario": ...}
      ->  {"question": [...]}   (the official memory instruction + core-memory dump put first)
  {"op": "flush", <entry fields as above>}  ->  {"ok": true}   (end of a memory pre-requisite entry)
  {"op": "ping"}  ->  {"ok": true}
Memory backends persist snapshots under the ``model_result_dir`` of their initial config.
"""

import contextlib
import inspect
import json
import sys
from pathlib import Path

from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_utils import execute_multi_turn_func_call
from bfcl_eval.model_handler.utils import add_memory_instruction_system_prompt, convert_to_function_call

MODEL_NAME = "toolmind_generation"


def allowed_methods(instances: dict) -> set:
    names = set()
    for instance in instances.values():
        for name, _ in inspect.getmembers(instance, predicate=inspect.ismethod):
            if not name.startswith("_"):
                names.add(name)
    return names


def _initial_config(request: dict) -> dict:
    config = request.get("initial_config") or {}
    for cls_config in config.values():
        if "model_result_dir" in cls_config:
            cls_config["model_result_dir"] = Path(cls_config["model_result_dir"])
    return config


def _kwargs(request: dict) -> dict:
    return dict(
        initial_config=_initial_config(request),
        involved_classes=request["involved_classes"],
        model_name=MODEL_NAME,
        test_entry_id=request["id"],
        long_context=bool(request.get("long_context")),
        is_evaL_run=False,
    )


def memory_prompt(request: dict) -> list:
    _, instances = execute_multi_turn_func_call([], **_kwargs(request))
    (instance,) = instances.values()
    return add_memory_instruction_system_prompt(
        request["question"], request["category"], request["scenario"], instance
    )


def flush(request: dict) -> None:
    _, instances = execute_multi_turn_func_call([], **_kwargs(request))
    (instance,) = instances.values()
    instance._flush_memory_to_local_file()


def execute(request: dict) -> list:
    kwargs = _kwargs(request)
    _, instances = execute_multi_turn_func_call([], **kwargs)
    allowed = allowed_methods(instances)
    results = []
    for call in request["calls"]:
        name, arguments = call["name"], call["arguments"]
        if not isinstance(name, str) or name not in allowed:
            results.append(f"Error during execution: name '{name}' is not defined")
            continue
        if not isinstance(arguments, dict) or not all(
            isinstance(k, str) and k.isidentifier() for k in arguments
        ):
            results.append("Error during execution: invalid argument names")
            continue
        code = convert_to_function_call([{name: arguments}])
        out, _ = execute_multi_turn_func_call(code, **kwargs)
        results.extend(out)
    return results


def main() -> None:
    real_stdout = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        with contextlib.redirect_stdout(sys.stderr):
            answer: dict = {"ok": True}
            if request["op"] == "execute":
                answer = {"results": execute(request)}
            elif request["op"] == "memory_prompt":
                answer = {"question": memory_prompt(request)}
            elif request["op"] == "flush":
                flush(request)
        real_stdout.write(json.dumps(answer) + "\n")
        real_stdout.flush()


if __name__ == "__main__":
    main()
