"""toolmind.llm: the one LLM interface (`LLMBackend.complete(ChatRequest) -> Completion`) and its backends.

Light to import: litellm and torch load only when a litellm or transformers backend is built.
"""

from toolmind.llm.base import ChatRequest, Completion, LLMBackend, LLMError, LLMRequestError, Usage
from toolmind.llm.config import BackendConfig
from toolmind.llm.factory import make_backend
from toolmind.llm.scripted import ScriptedBackend

__all__ = [
    "BackendConfig",
    "ChatRequest",
    "Completion",
    "LLMBackend",
    "LLMError",
    "LLMRequestError",
    "ScriptedBackend",
    "Usage",
    "make_backend",
]
