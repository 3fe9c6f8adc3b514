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
    # Owners on ModelScope (modelscope.cn), where the Chinese labs often release first. An owner
    # named unlike the lab's Hugging Face author links its models to that author's by name.
    modelscope_owners: tuple[str, ...] = ()


LABS: tuple[Lab, ...] = (
    Lab("Qwen", "CN", ("QwenLM",), ("Qwen",), ("Qwen",)),
    Lab("DeepSeek", "CN", ("deepseek-ai",), ("deepseek-ai",), ("deepseek-ai",)),
    Lab("GLM", "CN", ("THUDM", "zai-org"), ("THUDM", "zai-org"), ("ZhipuAI",)),
    Lab("Kimi", "CN", ("MoonshotAI",), ("moonshotai",), ("moonshotai",)),
    Lab("MiniMax", "CN", ("MiniMax-AI",), ("MiniMaxAI",), ("MiniMax",)),
    Lab("MiniCPM", "CN", ("OpenBMB",), ("openbmb",), ("OpenBMB",)),
    Lab("Hunyuan", "CN", ("Tencent-Hunyuan",), ("tencent",), ("Tencent-Hunyuan",)),
    Lab("ERNIE", "CN", ("PaddlePaddle",), ("baidu",), ("PaddlePaddle",)),
    # Meta does not publish on ModelScope; LLM-Research is the mirror its Llama releases are downloaded from there.
    Lab("Llama", "US", ("meta-llama",), ("meta-llama",), ("LLM-Research",)),
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


def modelscope_owners() -> list[str]:
    return [owner for lab in LABS for owner in lab.modelscope_owners]


def modelscope_same_as() -> dict[str, list[str]]:
    """ModelScope owner -> the Hugging Face authors whose models it mirrors under the same names,
    for the owners named unlike their lab's author (an owner named like it needs no entry)."""
    return {
        owner: list(lab.hf_authors) for lab in LABS for owner in lab.modelscope_owners if owner not in lab.hf_authors
    }
