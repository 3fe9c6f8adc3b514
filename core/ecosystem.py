"""The ecosystem's vocabulary: the labs and repositories reports discuss, and lineage relations.

One table of labs serves three readers: ``ecometrics init`` writes it into the default config,
the lineage analysis uses it as the built-in organisation -> family -> origin table
(``[families.*]`` in the config overrides it), and fakehub generates its synthetic
ecosystem under the same names so that a config written for the real world runs
offline too. Names are verified against the APIs at collection time; a wrong one is
reported, not fatal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lab:
    family: str
    origin: str  # ISO 3166 alpha-2 country code of the lab
    github_orgs: tuple[str, ...]
    hf_authors: tuple[str, ...]


LABS: tuple[Lab, ...] = (
    Lab("Qwen", "CN", ("QwenLM",), ("Qwen",)),
    Lab("DeepSeek", "CN", ("deepseek-ai",), ("deepseek-ai",)),
    Lab("GLM", "CN", ("THUDM", "zai-org"), ("THUDM", "zai-org")),
    Lab("Kimi", "CN", ("MoonshotAI",), ("moonshotai",)),
    Lab("MiniMax", "CN", ("MiniMax-AI",), ("MiniMaxAI",)),
    Lab("MiniCPM", "CN", ("OpenBMB",), ("openbmb",)),
    Lab("Hunyuan", "CN", ("Tencent-Hunyuan",), ("tencent",)),
    Lab("ERNIE", "CN", ("PaddlePaddle",), ("baidu",)),
    Lab("Llama", "US", ("meta-llama",), ("meta-llama",)),
    Lab("Mistral", "FR", ("mistralai",), ("mistralai",)),
    Lab("Gemma", "US", ("google-deepmind",), ("google",)),
    Lab("Phi", "US", (), ("microsoft",)),
    Lab("Nemotron", "US", (), ("nvidia",)),
    Lab("OLMo", "US", (), ("allenai",)),
)

# Repositories tracked one by one: the labs' flagship repos that live under very large
# organisations, and the tooling the reports name.
TRACKED_REPOS: tuple[str, ...] = (
    "microsoft/PhiCookBook",
    "NVIDIA/NeMo",
    "allenai/OLMo",
    "vllm-project/vllm",
    "ggml-org/llama.cpp",
    "huggingface/lerobot",
    "mindsdb/mindsdb",
    "roboflow/supervision",
    "Significant-Gravitas/AutoGPT",
    "modular/modular",
    "Genesis-Embodied-AI/Genesis",
    "zai-org/Open-AutoGLM",
)

# Models tracked one by one, beyond every model of the authors above.
TRACKED_MODELS: tuple[str, ...] = ("mistralai/Mistral-7B-v0.1",)

# How a model derives from its parent: the Hub's four relations (the ``base_model:<relation>:``
# tags and ``baseModels.relation``), in the order their counts are stored and exported.
RELATIONS: tuple[str, ...] = ("finetune", "adapter", "quantized", "merge")


def github_orgs() -> list[str]:
    return [org for lab in LABS for org in lab.github_orgs]


def hf_authors() -> list[str]:
    return [author for lab in LABS for author in lab.hf_authors]
