#!/usr/bin/env python3
"""Write a random-weight GGUF of TinyLlama-1.1B's shape, so llama.cpp can be timed on the model GenKit benchmarks.

The benchmarks in `Benchmarks/TextModelsBenchmarks` and `Tools/bench_llm.py` build TinyLlama's shape (hidden 2048,
FFN 5632, 22 layers, 32 heads, 4 key/value heads, vocabulary 32000, untied output) with random weights. llama.cpp
reads GGUF, not safetensors, and timing needs no trained weights or real tokenizer, so this script writes that shape
directly with the `gguf` package (PyPI) instead of converting a Hugging Face folder. The vocabulary is a placeholder
SentencePiece list (control tokens, the 256 byte tokens, then numbered pieces), enough for `llama-bench`.

    python Tools/make_llama_gguf.py --dtype bf16 -o /tmp/tinyllama-bf16.gguf
    llama-bench -m /tmp/tinyllama-bf16.gguf -t 2 -p 128 -n 64

`Tools/build_llamacpp.sh` builds llama-bench from the PyPI source of llama-cpp-python; `Tools/bench_llm.py
--llama-bench` writes these files itself (once, under ~/.cache/genkit-llamacpp) and times llama.cpp against GenKit.
"""
import argparse

import gguf
import numpy as np

HIDDEN, FFN, LAYERS, HEADS, KV_HEADS, VOCAB, CONTEXT = 2048, 5632, 22, 32, 4, 32000, 2048


def vocabulary():
    tokens, kinds = ["<unk>", "<s>", "</s>"], [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL,
                                               gguf.TokenType.CONTROL]
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    kinds += [gguf.TokenType.BYTE] * 256
    tokens += [f"\u2581t{i}" for i in range(VOCAB - len(tokens))]
    kinds += [gguf.TokenType.NORMAL] * (VOCAB - len(kinds))
    return tokens, [-float(i) for i in range(VOCAB)], kinds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dtype", choices=["bf16", "f32"], default="bf16")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()

    writer = gguf.GGUFWriter(args.output, "llama")
    writer.add_name("tinyllama-shape-random")
    writer.add_context_length(CONTEXT)
    writer.add_embedding_length(HIDDEN)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_dimension_count(HIDDEN // HEADS)
    writer.add_rope_freq_base(10000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(VOCAB)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_BF16 if args.dtype == "bf16" else gguf.LlamaFileType.ALL_F32)
    tokens, scores, kinds = vocabulary()
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(kinds)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)

    rng = np.random.default_rng(0)

    def add(name, shape, norm=False):
        # GGUF lists dimensions innermost first; numpy's shape is (rows, columns) as in PyTorch.
        values = np.ones(shape, np.float32) if norm else (rng.standard_normal(shape, np.float32) * 0.02)
        if args.dtype == "bf16" and not norm:
            writer.add_tensor(name, (values.view(np.uint32) >> 16).astype(np.uint16),
                              raw_dtype=gguf.GGMLQuantizationType.BF16)
        else:
            writer.add_tensor(name, values)

    head_dim = HIDDEN // HEADS
    add("token_embd.weight", (VOCAB, HIDDEN))
    for layer in range(LAYERS):
        add(f"blk.{layer}.attn_norm.weight", (HIDDEN,), norm=True)
        add(f"blk.{layer}.attn_q.weight", (HIDDEN, HIDDEN))
        add(f"blk.{layer}.attn_k.weight", (KV_HEADS * head_dim, HIDDEN))
        add(f"blk.{layer}.attn_v.weight", (KV_HEADS * head_dim, HIDDEN))
        add(f"blk.{layer}.attn_output.weight", (HIDDEN, HIDDEN))
        add(f"blk.{layer}.ffn_norm.weight", (HIDDEN,), norm=True)
        add(f"blk.{layer}.ffn_gate.weight", (FFN, HIDDEN))
        add(f"blk.{layer}.ffn_up.weight", (FFN, HIDDEN))
        add(f"blk.{layer}.ffn_down.weight", (HIDDEN, FFN))
    add("output_norm.weight", (HIDDEN,), norm=True)
    add("output.weight", (VOCAB, HIDDEN))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    main()
