"""Render prompts with the official QwenFCHandler (runs in the BFCL scorer environment only).

Used by the tests to cross-check toolmind's own prompt renderer byte for byte. Reads a JSON request file
and writes a JSON answer file:
  request: {"categories": [...], "limit": N, "conversations": [{"messages": [...], "function": [...]}]}
  answer:  {"entries": {id: prompt}, "conversations": [prompt, ...]}
Category entries are loaded with the official `load_dataset_entry` and rendered from their first turn,
after the handler's own pre-processing, exactly as single-turn generation does.
"""

import json
import sys

from bfcl_eval.model_handler.local_inference.qwen_fc import QwenFCHandler
from bfcl_eval.utils import load_dataset_entry


def main() -> None:
    with open(sys.argv[1]) as fh:
        request = json.load(fh)
    handler = QwenFCHandler("Qwen/Qwen3-8B", 0.001, "Qwen/Qwen3-8B-FC", True)
    entries = {}
    for category in request.get("categories", []):
        for entry in load_dataset_entry(category, include_prereq=False)[: request.get("limit")]:
            data = handler._pre_query_processing_prompting(entry)
            data = handler.add_first_turn_message_prompting(data, entry["question"][0])
            entries[entry["id"]] = handler._format_prompt(data["message"], data["function"])
    conversations = [
        handler._format_prompt(c["messages"], c["function"]) for c in request.get("conversations", [])
    ]
    with open(sys.argv[2], "w") as fh:
        json.dump({"entries": entries, "conversations": conversations}, fh)


if __name__ == "__main__":
    main()
