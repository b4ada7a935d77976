#!/usr/bin/env python3
"""Creates the decoder-LLM parity fixtures for Tests/TextModelsTests.

For each tiny random-weight model (GPT-2, Llama with GQA + llama3 RoPE, Llama tied with biases, Qwen2 in bf16)
it writes, into Tests/TextModelsTests/Fixtures/Models/<name>/:
  - config.json, generation_config.json, model.safetensors (from `save_pretrained`)
  - expected.json: a fixed prompt (12 ids), the full [T, vocab] logits of the reloaded checkpoint computed in
    float32, and the 32-token greedy continuation from `model.generate(do_sample=False)` with eos stopping off.
  - llama_bf16_compute/: a bf16 Llama and expected_bfloat16_compute.json, its prompt logits with every Linear's input
    rounded to bf16 and attention computed from bf16-rounded operands (what GenKit's MatmulPrecision.bfloat16
    computes).

It also writes Fixtures/Models/logits_processors.json: a random logits row, a token history, and the rows produced by
transformers' LogitsProcessors (temperature, top-k, top-p, min-p, repetition penalty, and the chain in
transformers' order), plus presence/frequency penalties computed with the OpenAI/vLLM formula (transformers has no
processor for those).

Deterministic: torch and numpy seeds are fixed. Run with the reference venv:
    ~/.cache/genkit-reference-venv/bin/python Tools/make_llm_fixtures.py
"""

import json
import os
import shutil

import numpy as np
import torch
from transformers import (
    AttentionInterface,
    AutoModelForCausalLM,
    GenerationConfig,
    GPT2Config,
    GPT2LMHeadModel,
    LlamaConfig,
    LlamaForCausalLM,
    Qwen2Config,
    Qwen2ForCausalLM,
)
from transformers.generation.logits_process import (
    MinPLogitsWarper,
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "TextModelsTests", "Fixtures", "Models")
PROMPT_LENGTH = 12
NEW_TOKENS = 32


def models():
    """(name, model class, config, save dtype, post-save config edit)."""
    gpt2 = GPT2Config(
        vocab_size=120, n_positions=64, n_embd=48, n_layer=2, n_head=3, activation_function="gelu_new",
        layer_norm_epsilon=1e-5, bos_token_id=0, eos_token_id=1, initializer_range=0.15,
    )
    llama_gqa = LlamaConfig(
        vocab_size=160, hidden_size=48, intermediate_size=64, num_hidden_layers=2, num_attention_heads=6,
        num_key_value_heads=2, head_dim=8, max_position_embeddings=128, rms_norm_eps=1e-5,
        rope_parameters={"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0, "low_freq_factor": 1.0,
                         "high_freq_factor": 4.0, "original_max_position_embeddings": 16},
        tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, initializer_range=0.15,
    )
    llama_tied = LlamaConfig(
        vocab_size=140, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=4, max_position_embeddings=64, rms_norm_eps=1e-6,
        rope_parameters={"rope_type": "linear", "rope_theta": 500.0, "factor": 2.0},
        tie_word_embeddings=True, attention_bias=True, mlp_bias=True, bos_token_id=1, eos_token_id=2,
        initializer_range=0.15,
    )
    qwen2 = Qwen2Config(
        vocab_size=150, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=96, rms_norm_eps=1e-6,
        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}, tie_word_embeddings=False,
        bos_token_id=3, eos_token_id=[4, 5], initializer_range=0.15,
    )
    return [
        ("gpt2", GPT2LMHeadModel, gpt2, torch.float32, None),
        # Rewritten to the transformers 4.x form (rope_theta + rope_scaling with "type") so that both forms are read.
        ("llama_gqa", LlamaForCausalLM, llama_gqa, torch.float32, legacy_rope_form),
        ("llama_tied_bias", LlamaForCausalLM, llama_tied, torch.float16, None),
        ("qwen2_bf16", Qwen2ForCausalLM, qwen2, torch.bfloat16, None),
    ]


def legacy_rope_form(config):
    params = dict(config.pop("rope_parameters"))
    config["rope_theta"] = params.pop("rope_theta")
    params["type"] = params.pop("rope_type")
    config["rope_scaling"] = params
    return config


def greedy_reference(model, prompt):
    """`generate` with eos stopping disabled; checked against a full-recompute argmax loop."""
    # generate() falls back to the model's own generation config for unset fields, so eos is removed there.
    model.generation_config.eos_token_id = None
    generation_config = GenerationConfig(do_sample=False, max_new_tokens=NEW_TOKENS, pad_token_id=0)
    out = model.generate(torch.tensor([prompt]), generation_config=generation_config)
    continuation = out[0, len(prompt):].tolist()
    assert len(continuation) == NEW_TOKENS, continuation
    # Greedy with transformers' repetition penalty (prompt + output tokens penalised).
    penalty_config = GenerationConfig(do_sample=False, max_new_tokens=NEW_TOKENS, pad_token_id=0, repetition_penalty=1.5)
    penalised = model.generate(torch.tensor([prompt]), generation_config=penalty_config)
    penalised = penalised[0, len(prompt):].tolist()

    ids = list(prompt)
    smallest_gap = float("inf")
    for _ in range(NEW_TOKENS):
        logits = model(torch.tensor([ids])).logits[0, -1]
        top2 = torch.topk(logits, 2).values
        smallest_gap = min(smallest_gap, float(top2[0] - top2[1]))
        ids.append(int(torch.argmax(logits)))
    assert ids[len(prompt):] == continuation, "generate() and the argmax loop disagree"
    return continuation, penalised, smallest_gap


def make_model(name, cls, config, dtype, edit_config, seed):
    torch.manual_seed(seed)
    model = cls(config).eval()
    directory = os.path.join(ROOT, name)
    shutil.rmtree(directory, ignore_errors=True)
    model.to(dtype).save_pretrained(directory, safe_serialization=True)
    if name == "llama_tied_bias":
        # The same weights split into shards with a model.safetensors.index.json, as large checkpoints are stored;
        # the test compares it against this model's expected.json.
        sharded = directory + "_sharded"
        shutil.rmtree(sharded, ignore_errors=True)
        model.save_pretrained(sharded, safe_serialization=True, max_shard_size="20KB")
        os.remove(os.path.join(sharded, "generation_config.json"))
    config_path = os.path.join(directory, "config.json")
    if edit_config is not None:
        with open(config_path) as f:
            saved = json.load(f)
        with open(config_path, "w") as f:
            json.dump(edit_config(saved), f, indent=2, sort_keys=True)

    # The reference is the checkpoint as stored (half weights rounded), computed in float32 like our CPU path.
    reloaded = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32).eval()
    generator = torch.Generator().manual_seed(seed + 1)
    prompt = torch.randint(0, config.vocab_size, (PROMPT_LENGTH,), generator=generator).tolist()
    with torch.no_grad():
        logits = reloaded(torch.tensor([prompt])).logits[0]
        continuation, penalised, gap = greedy_reference(reloaded, prompt)
    expected = {
        "prompt": prompt,
        "logits": logits.tolist(),
        "greedy": continuation,
        "greedy_repetition_penalty_1_5": penalised,
        "smallest_top2_gap": gap,
        "max_abs_logit": float(logits.abs().max()),
    }
    with open(os.path.join(directory, "expected.json"), "w") as f:
        json.dump(expected, f)
    sizes = {f: os.path.getsize(os.path.join(directory, f)) for f in os.listdir(directory)}
    print(f"{name}: files {sizes}, max|logit| {expected['max_abs_logit']:.3f}, smallest top-2 gap {gap:.2e}")


def openai_penalties(scores, output_ids, presence, frequency):
    """OpenAI / vLLM: logit -= presence * [count > 0] + frequency * count, counts over generated tokens only."""
    counts = np.bincount(np.array(output_ids), minlength=scores.shape[-1]).astype(np.float32)
    return scores - presence * (counts > 0).astype(np.float32) - frequency * counts


def as_json_row(t):
    """-inf (filtered) becomes null: JSON has no infinities."""
    return [None if np.isneginf(v) else float(v) for v in t.reshape(-1).tolist()]


def make_processor_fixture():
    torch.manual_seed(7)
    vocab = 40
    scores = (torch.randn(1, vocab) * 2.0).float()
    prompt_ids = [3, 7, 7, 11, 20]
    output_ids = [11, 25, 25, 25, 30]
    history = torch.tensor([prompt_ids + output_ids])

    def run(processor):
        return as_json_row(processor(history, scores.clone()).numpy())

    settings = {"temperature": 0.7, "top_k": 6, "top_p": 0.8, "min_p": 0.15, "repetition_penalty": 1.3,
                "presence_penalty": 0.5, "frequency_penalty": 0.25}
    cases = {
        "temperature": run(TemperatureLogitsWarper(settings["temperature"])),
        "top_k": run(TopKLogitsWarper(settings["top_k"])),
        "top_p": run(TopPLogitsWarper(settings["top_p"])),
        "min_p": run(MinPLogitsWarper(settings["min_p"])),
        "repetition_penalty": run(RepetitionPenaltyLogitsProcessor(settings["repetition_penalty"])),
        "presence_frequency": as_json_row(openai_penalties(
            scores.numpy(), output_ids, settings["presence_penalty"], settings["frequency_penalty"])),
    }
    # The full chain in transformers' order (penalties, then temperature, top-k, top-p, min-p), with the
    # OpenAI-style penalties placed right after the repetition penalty as vLLM does.
    chained = RepetitionPenaltyLogitsProcessor(settings["repetition_penalty"])(history, scores.clone())
    chained = torch.from_numpy(openai_penalties(
        chained.numpy(), output_ids, settings["presence_penalty"], settings["frequency_penalty"]))
    for processor in [TemperatureLogitsWarper(settings["temperature"]), TopKLogitsWarper(settings["top_k"]),
                      TopPLogitsWarper(settings["top_p"]), MinPLogitsWarper(settings["min_p"])]:
        chained = processor(history, chained)
    cases["chain"] = as_json_row(chained.numpy())
    cases["chain_probabilities"] = torch.softmax(chained, dim=-1).reshape(-1).tolist()
    fixture = {"scores": scores.reshape(-1).tolist(), "prompt_ids": prompt_ids, "output_ids": output_ids,
               "settings": settings, "expected": cases}
    with open(os.path.join(ROOT, "logits_processors.json"), "w") as f:
        json.dump(fixture, f, indent=1)


def bfloat16_rounded_attention(module, query, key, value, attention_mask, scaling, dropout=0.0, **kwargs):
    """Attention as GenKit's MatmulPrecision.bfloat16 computes a prompt (and PyTorch's CPU flash attention a bf16
    model): q, k and v rounded to bf16, scores summed in float32, causal (the prompt is the whole sequence), the
    exponentials e^(s - max) rounded to bf16 for the product with v and divided by the sum of the unrounded ones."""
    rounded = lambda t: t.to(torch.bfloat16).to(torch.float32)
    groups = module.num_key_value_groups
    q = rounded(query)
    k = rounded(key).repeat_interleave(groups, dim=1)
    v = rounded(value).repeat_interleave(groups, dim=1)
    scores = torch.matmul(q, k.transpose(2, 3)) * scaling
    tq, tk = scores.shape[-2], scores.shape[-1]
    hidden = torch.ones(tq, tk, dtype=torch.bool).triu(diagonal=1 + tk - tq)
    scores = scores.masked_fill(hidden, float("-inf"))
    exponentials = torch.exp(scores - scores.amax(dim=-1, keepdim=True))
    out = torch.matmul(rounded(exponentials), v) / exponentials.sum(dim=-1, keepdim=True)
    return out.transpose(1, 2).contiguous(), None


def make_bfloat16_compute_fixture(name="llama_bf16_compute"):
    """A bf16 Llama (GQA, untied) and its prompt logits computed as GenKit's MatmulPrecision.bfloat16 computes them:
    float32 throughout, except that every nn.Linear's input is rounded to bfloat16 first (the weights are bf16
    already) and attention multiplies bf16-rounded operands (bfloat16_rounded_attention). Written to
    expected_bfloat16_compute.json. Weights are initialised small (0.05), as trained models'
    are: with the 0.15 of the other fixtures a bf16 rounding that flips for a one-ulp difference upstream (a
    different float32 summation order) moves the logits by several percent, and no tolerance could tell a correct
    rounding from a missing one."""
    config = LlamaConfig(vocab_size=128, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-6,
                         tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, initializer_range=0.05)
    torch.manual_seed(2000)
    directory = os.path.join(ROOT, name)
    shutil.rmtree(directory, ignore_errors=True)
    LlamaForCausalLM(config).eval().to(torch.bfloat16).save_pretrained(directory, safe_serialization=True)
    AttentionInterface.register("genkit_bfloat16", bfloat16_rounded_attention)
    model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32,
                                                 attn_implementation="genkit_bfloat16").eval()

    def round_input(module, args):
        return (args[0].to(torch.bfloat16).to(torch.float32),) + tuple(args[1:])

    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            module.register_forward_pre_hook(round_input)
    prompt = torch.randint(0, config.vocab_size, (24,), generator=torch.Generator().manual_seed(1)).tolist()
    with torch.no_grad():
        logits = model(torch.tensor([prompt])).logits[0]
    with open(os.path.join(directory, "expected_bfloat16_compute.json"), "w") as f:
        json.dump({"prompt": prompt, "logits": logits.tolist(), "max_abs_logit": float(logits.abs().max())}, f)


def main():
    os.makedirs(ROOT, exist_ok=True)
    for seed, (name, cls, config, dtype, edit) in enumerate(models()):
        make_model(name, cls, config, dtype, edit, seed=1000 + seed)
    make_bfloat16_compute_fixture()
    make_processor_fixture()


if __name__ == "__main__":
    main()
