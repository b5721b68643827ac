"""Function graph: recall and precision on a hand-built pool with known links, save/load, embeddings."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from toolmind.graph.build import build_graph, candidate_pairs, graph_tools, load_graph, save_graph
from toolmind.graph.config import GraphConfig
from toolmind.graph.embed import EmbeddingCache, LexicalEmbedder, MiniLMEmbedder, embed_texts
from toolmind.schema import FunctionSpec, ToolSpec


def _tool(name: str, desc: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> ToolSpec:
    props = {k: {"type": t, "description": d} for k, (t, d) in inputs.items()}
    out = {k: v if isinstance(v, dict) else {"type": v[0], "description": v[1]} for k, v in outputs.items()}
    return ToolSpec(
        function=FunctionSpec(
            name=name,
            description=desc,
            parameters={"type": "object", "properties": props, "required": list(props)},
        ),
        returns={"type": "object", "properties": out},
    )


# Wording differs between the producing and the consuming side on purpose.
POOL = [
    _tool(
        "search_hotels",
        "Find hotels in a city.",
        {"city": ("string", "Name of the city to search in, e.g. 'Rome'.")},
        {
            "hotels": {
                "type": "array",
                "description": "Matching hotels.",
                "items": {
                    "type": "object",
                    "properties": {
                        "hotel_id": {"type": "string", "description": "Unique identifier of the hotel."},
                        "nightly_rate": {"type": "number", "description": "Price per night in US dollars."},
                    },
                },
            }
        },
    ),
    _tool(
        "get_hotel",
        "Hotel details.",
        {"hotel_id": ("string", "ID of the hotel to look up.")},
        {"street_address": ("string", "Postal street address of the hotel.")},
    ),
    _tool(
        "book_hotel",
        "Book a hotel room.",
        {
            "hotel_id": ("string", "The hotel's identifier."),
            "guest_email": ("string", "E-mail address of the guest for the confirmation."),
        },
        {"reservation_id": ("string", "Identifier of the new reservation.")},
    ),
    _tool(
        "cancel_reservation",
        "Cancel a hotel reservation.",
        {"reservation_id": ("string", "ID of the reservation to cancel.")},
        {"refund_usd": ("number", "Amount refunded in US dollars.")},
    ),
    _tool(
        "geocode",
        "Coordinates of an address.",
        {"address": ("string", "Street address to locate.")},
        {
            "lat": ("number", "Latitude of the location in decimal degrees."),
            "lon": ("number", "Longitude of the location in decimal degrees."),
        },
    ),
    _tool(
        "weather_forecast",
        "Forecast for a point.",
        {
            "latitude": ("number", "Latitude in decimal degrees."),
            "longitude": ("number", "Longitude in decimal degrees."),
        },
        {"summary": ("string", "Short text summary of the forecast weather.")},
    ),
    _tool(
        "get_contact",
        "Look up a contact.",
        {"contact_id": ("string", "Identifier of the contact in the address book.")},
        {"email_address": ("string", "The contact's e-mail address.")},
    ),
    _tool(
        "send_email",
        "Send an email.",
        {
            "recipient_email": ("string", "E-mail address of the recipient."),
            "body": ("string", "Body text of the message."),
        },
        {"message_id": ("string", "Identifier of the sent message.")},
    ),
    _tool(
        "convert_currency",
        "Convert money.",
        {
            "amount_usd": ("number", "Amount of money in US dollars to convert."),
            "target_currency": ("string", "ISO 4217 code of the target currency."),
        },
        {"converted": ("number", "The converted amount in the target currency.")},
    ),
    # Unrelated tools: none of their outputs feeds any input above, nor the reverse.
    _tool(
        "get_stock_quote",
        "Latest stock price.",
        {"ticker": ("string", "Stock ticker symbol, e.g. 'AAPL'.")},
        {"volume": ("integer", "Number of shares traded today.")},
    ),
    _tool(
        "set_thermostat",
        "Set a thermostat.",
        {"target_celsius": ("number", "Target room temperature in degrees Celsius.")},
        {"thermostat_mode": ("string", "Heating mode now active: heat, cool or off.")},
    ),
    _tool(
        "play_song",
        "Play a song.",
        {"song_title": ("string", "Title of the song to play.")},
        {"is_playing": ("boolean", "Whether playback started.")},
    ),
]

TRUE_LINKS = {
    ("search_hotels", "get_hotel"),
    ("search_hotels", "book_hotel"),
    ("search_hotels", "convert_currency"),  # nightly_rate -> amount_usd
    ("book_hotel", "cancel_reservation"),
    ("get_hotel", "geocode"),
    ("geocode", "weather_forecast"),
    ("get_contact", "send_email"),
    ("get_contact", "book_hotel"),
    ("cancel_reservation", "convert_currency"),
}
UNRELATED = {"get_stock_quote", "set_thermostat", "play_song"}


def _check_links(cfg: GraphConfig) -> None:
    graph = build_graph(POOL, cfg)
    edges = set(graph.edges)
    found = edges & TRUE_LINKS
    recall = len(found) / len(TRUE_LINKS)
    precision = len(found) / len(edges) if edges else 0.0
    assert recall >= 0.85, f"missed {sorted(TRUE_LINKS - edges)}"
    assert precision >= 0.85, f"spurious {sorted(edges - TRUE_LINKS)}"
    assert not {e for e in edges if set(e) & UNRELATED}, "unrelated tools got linked"
    a = graph.edges["search_hotels", "get_hotel"]
    assert (a["src_param"], a["dst_param"]) == ("hotels[].hotel_id", "hotel_id")
    assert 0 < a["score"] <= 1.0001 and a["pairs"][0][:2] == [a["src_param"], a["dst_param"]]


def test_lexical_default_threshold_finds_true_links() -> None:
    _check_links(GraphConfig(embedder="lexical"))


def test_lexical_embeddings_are_float64_unit_rows() -> None:
    """float64 like MiniLM's: the IDF logarithms and the search's products run on kernels chosen per CPU."""
    matrix = LexicalEmbedder().embed(["city name", "the name of the city", "temperature unit"])
    assert matrix.dtype == np.float64
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-12)
    assert matrix[0] @ matrix[1] > matrix[0] @ matrix[2]


def test_minilm_default_threshold_finds_true_links(tmp_path: Path) -> None:
    _check_links(GraphConfig(embedder="minilm", cache_dir=str(tmp_path)))


def test_type_check_blocks_incompatible_pairs() -> None:
    out_emb = np.eye(3, dtype=np.float32)
    in_emb = np.eye(3, dtype=np.float32)
    cfg = GraphConfig(embedder="lexical", threshold=0.5)
    # output codes: string, number, boolean; input masks: string, integer, number-accepts-integer
    o, i, _ = candidate_pairs(
        out_emb,
        np.array([0, 1, 2]),
        np.array([0, 2, 3]),
        in_emb,
        np.array([3, 4, 5]),
        np.array([1, 2, 6]),
        cfg,
    )
    assert list(zip(o.tolist(), i.tolist(), strict=True)) == [
        (0, 0)
    ]  # number->integer and bool->number refused
    cfg.type_check = False
    assert (
        len(
            candidate_pairs(
                out_emb,
                np.array([0, 1, 2]),
                np.array([0, 2, 3]),
                in_emb,
                np.array([3, 4, 5]),
                np.array([1, 2, 6]),
                cfg,
            )[0]
        )
        == 3
    )


def test_top_k_and_blocks_give_the_same_graph() -> None:
    one = build_graph(POOL, GraphConfig(embedder="lexical", block_size=1))
    big = build_graph(POOL, GraphConfig(embedder="lexical", block_size=4096))
    assert list(one.edges(data=True)) == list(big.edges(data=True))
    capped = build_graph(POOL, GraphConfig(embedder="lexical", max_out_degree=1))
    assert max(d for _, d in capped.out_degree()) == 1


def test_save_load_round_trip(tmp_path: Path) -> None:
    graph = build_graph(POOL, GraphConfig(embedder="lexical"))
    path = save_graph(graph, tmp_path / "g")
    assert path.name == "graph.json"
    back = load_graph(tmp_path / "g")
    assert list(back.nodes) == [t.name for t in POOL]
    assert list(back.edges(data=True)) == list(graph.edges(data=True))
    assert graph_tools(back) == POOL
    with pytest.raises(FileNotFoundError, match="graph build"):
        load_graph(tmp_path / "missing")


def test_duplicate_tool_names_rejected() -> None:
    with pytest.raises(ValueError, match="unique"):
        build_graph([POOL[0], POOL[0]], GraphConfig(embedder="lexical"))


def test_embedding_cache_hits_and_matches(tmp_path: Path) -> None:
    class Counting(LexicalEmbedder):
        cacheable = True
        calls = 0

        def embed(self, texts: list[str], progress: Any = None) -> np.ndarray:
            Counting.calls += len(texts)
            return super().embed(texts, progress)

    emb = Counting(dim=64)
    # A text whose raw SHA-1 ends in a NUL byte (numpy byte strings would drop it): a real regression.
    nul = next(f"t{i}" for i in range(10_000) if hashlib.sha1(f"t{i}".encode()).digest()[-1] == 0)
    texts = ["alpha beta", nul, "alpha beta"]
    first, hits = embed_texts(texts, emb, EmbeddingCache(tmp_path, emb.name))
    assert hits == 0 and Counting.calls == 2 and np.allclose(first[0], first[2])
    again, hits = embed_texts(texts, emb, EmbeddingCache(tmp_path, emb.name))
    assert hits == 2 and Counting.calls == 2 and np.allclose(first, again)


def test_minilm_model_ships_offline() -> None:
    assert (MiniLMEmbedder.model_dir() / "model.safetensors").exists()


def test_ivf_search_agrees_with_exact_on_the_default_pool() -> None:
    from toolmind.tools.pool import load_default_pool

    tools = load_default_pool()
    exact = build_graph(tools, GraphConfig(embedder="lexical", search="exact"))
    ivf = build_graph(tools, GraphConfig(embedder="lexical", search="ivf", ivf_cluster_size=64, ivf_probe=6))
    assert exact.graph["search"] == "exact" and ivf.graph["search"] == "ivf"
    e, i = set(exact.edges), set(ivf.edges)
    assert len(e & i) / len(e) >= 0.95
    assert len(i - e) / len(i) <= 0.05


@pytest.mark.parametrize(
    ("path", "entity"),
    [
        ("hotel_id", "hotel"),
        ("hotels[].hotel_id", "hotel"),
        ("room_booking_id", "booking"),
        ("userIds", "user"),
        ("id", ""),
        ("order_ids", "order"),
        ("valid", None),
        ("paid", None),
        ("city", None),
    ],
)
def test_id_entity(path: str, entity: str | None) -> None:
    from toolmind.graph.params import id_entity

    assert id_entity(path) == entity


def test_identifier_guard_blocks_ids_of_other_entities() -> None:
    tools = [
        _tool(
            "book_room",
            "Book a room.",
            {"date": ("string", "Date.")},
            {"room_booking_id": ("string", "Identifier of the room booking.")},
        ),
        _tool(
            "get_hotel_info",
            "Hotel info.",
            {"hotel_id": ("string", "Identifier of the hotel.")},
            {"name": ("string", "Hotel name.")},
        ),
        _tool(
            "cancel_room_booking",
            "Cancel.",
            {"booking_id": ("string", "Identifier of the booking.")},
            {"ok": ("boolean", "Done.")},
        ),
    ]
    cfg = GraphConfig(embedder="lexical", threshold=0.3, margin=1.0)
    edges = set(build_graph(tools, cfg).edges)
    assert ("book_room", "cancel_room_booking") in edges
    assert ("book_room", "get_hotel_info") not in edges
    cfg.id_threshold = 0.0
    assert ("book_room", "get_hotel_info") in set(build_graph(tools, cfg).edges)


def test_minilm_embeds_and_caches_in_float64(tmp_path: Path) -> None:
    """float64 keeps the graph the same on every CPU: fp32 forward passes differ by ~1e-7 between
    machines, and that much noise rewires the default pool's chains (toolmind.graph.embed)."""
    emb = MiniLMEmbedder()
    texts = ["city: name of the city", "location: where the event is"]
    first, hits = embed_texts(texts, emb, EmbeddingCache(tmp_path, emb.name))
    again, hits_again = embed_texts(texts, emb, EmbeddingCache(tmp_path, emb.name))
    assert first.dtype == again.dtype == np.float64 and (hits, hits_again) == (0, 2)
    assert np.array_equal(first, again) and np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-12)


def test_graph_and_chains_ignore_float64_noise(monkeypatch: pytest.MonkeyPatch) -> None:
    """Embeddings moved by 1e-10 (float64 rounding across machines is ~1e-15) leave every edge, its score
    and its order, and so every sampled chain, as they were."""
    import toolmind.graph.build as build_module
    from toolmind.graph.sample import sample_chains
    from toolmind.tools.pool import load_default_pool

    tools = load_default_pool()[:150]
    real = build_module.embed_texts
    noise = {"eps": 0.0}

    def float64_embed(*args: Any, **kwargs: Any) -> tuple[np.ndarray, int]:
        matrix, hits = real(*args, **kwargs)
        moved = matrix.astype(np.float64)
        moved += noise["eps"] * np.random.default_rng(1).standard_normal(moved.shape)
        return moved / np.linalg.norm(moved, axis=1, keepdims=True), hits

    monkeypatch.setattr(build_module, "embed_texts", float64_embed)
    cfg = GraphConfig(embedder="lexical")
    before = build_graph(tools, cfg)
    noise["eps"] = 1e-10
    after = build_graph(tools, cfg)
    assert before.number_of_edges() > 100
    assert list(before.edges(data="score")) == list(after.edges(data="score"))
    assert [c.tools for c in sample_chains(before, 60, 0)] == [c.tools for c in sample_chains(after, 60, 0)]


def test_crowded_rows_keep_the_lowest_columns_among_ties() -> None:
    """More pairs over the threshold than `keep`: equal similarities are cut by column, not by whatever
    order a partition algorithm leaves them in."""
    from toolmind.graph.search import select

    sim = np.full((2, 8), 0.9)
    sim[1, 5] = 0.95
    r, c, _, _ = select(sim, np.array([10, 11]), np.arange(8) + 100, threshold=0.5, keep=3)
    kept = {(int(a), int(b)) for a, b in zip(r, c, strict=True)}
    assert kept == {(10, 100), (10, 101), (10, 102), (11, 105), (11, 100), (11, 101)}
