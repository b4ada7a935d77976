#!/usr/bin/env python3
"""Writes the CLIP text-encoder fixtures into Tests/TextModelsTests/Fixtures/CLIPText/ (transformers 5.23,
tokenizers 0.23.3, torch 2.15.0 from the reference venv; nothing is downloaded).

A small byte-level BPE is trained here the way CLIP's tokenizer is built (NFC + whitespace collapse + lowercase,
CLIP's split regex, ByteLevel, `</w>` end-of-word suffix) with the special tokens last, as in openai/clip.

  tokenizer_slow_sd1/   vocab.json + merges.txt + tokenizer_config.json (pad <|endoftext|>), as diffusers ships SD 1.x
  tokenizer_slow_sd2/   the same with pad "!" (SD 2.x)
  tokenizer_fast/       what CLIPTokenizer.save_pretrained writes (tokenizer.json, tokenizer_config.json)
  tokenizer_strings.json   test strings; expected_tokens_<folder>.json ids from transformers' tokenizer with
                           padding="max_length", max_length=model_max_length, truncation=True
  text_encoder_quick_gelu/  CLIPTextModel, float32, eos_token_id = the real EOS id (first-EOS pooling)
  text_encoder_gelu_f16/    CLIPTextModelWithProjection, float16 weights, eos_token_id = 2 (legacy argmax pooling)
  expected_<model>_<tokenizer>.npz-like .npy files: last_hidden_state, penultimate (hidden_states[-2]), pooler

Usage: ~/.cache/genkit-reference-venv/bin/python Tools/make_clip_text_fixtures.py
"""
import json
import os
import random
import shutil

os.environ["TOKENIZERS_PARALLELISM"] = "false"
import numpy as np
import torch
import tokenizers
import transformers
from tokenizers import Tokenizer, Regex, models, normalizers, pre_tokenizers, trainers

assert transformers.__version__ == "5.23.0", transformers.__version__
assert tokenizers.__version__ == "0.23.3", tokenizers.__version__

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "TextModelsTests", "Fixtures", "CLIPText")
CLIP_PATTERN = r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""
WORDS = ("a photo of an astronaut riding horse on the moon cat dog sitting beside red blue green house tree "
         "painting by greg rutkowski trending artstation highly detailed 4k 8k digital art portrait of woman man "
         "castle sunset mountains lake oil canvas watercolor city night neon lights cyberpunk fantasy landscape "
         "don't it's café naïve über Straße 日本 東京 🙂 ✨ the and with in at").split()


def corpus():
    rng = random.Random(7)
    lines = []
    for _ in range(4000):
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 14))]
        lines.append(" ".join(words) + rng.choice([".", ",", "!", "", " (1.2)", ": 3"]))
    return lines


def train_vocab_and_merges():
    tok = Tokenizer(models.BPE(end_of_word_suffix="</w>", continuing_subword_prefix=""))
    tok.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(CLIP_PATTERN), behavior="removed", invert=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False)])
    trainer = trainers.BpeTrainer(vocab_size=700, show_progress=False, end_of_word_suffix="</w>",
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus(), trainer)
    model = json.loads(tok.to_str())["model"]
    vocab = dict(sorted(model["vocab"].items(), key=lambda kv: kv[1]))
    # CLIP puts its two special tokens last (49406, 49407): the legacy pooling rule relies on EOS being the largest id.
    for special in ("<|startoftext|>", "<|endoftext|>"):
        vocab[special] = len(vocab)
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    return vocab, merges


def write_slow_folder(name, vocab, merges, pad):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(d, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")
    config = {"tokenizer_class": "CLIPTokenizer", "model_max_length": 77, "do_lower_case": True, "errors": "replace",
              "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
              "pad_token": pad}
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(d, "special_tokens_map.json"), "w") as f:
        json.dump({k: config[k] for k in ("bos_token", "eos_token", "unk_token", "pad_token")}, f, indent=2)
    return d


def test_strings():
    rng = random.Random(11)
    s = ["", " ", "a", "A photo of an astronaut riding a horse on the moon",
         "a painting by Greg Rutkowski, trending on ArtStation!!!", "DON'T it's  über   Straße",
         "東京 日本 🙂✨ café naïve", "<|startoftext|>hello<|endoftext|> world", "!!! ! ! (red:1.2) [blue]",
         "1234567890 3.14 1,000", "tabs\tand\nnewlines\r\n here", "ÀÉÎÕÜ ǅ ﬁ ①②", "x" * 300,
         " ".join(["astronaut"] * 120), "zebra quokka xylophone", "🙂" * 40]
    for _ in range(90):
        words = [rng.choice(WORDS) for _ in range(rng.randint(0, 30))]
        sep = rng.choice([" ", "  ", ", ", " ,", "\t"])
        s.append(sep.join(words) + rng.choice(["", ".", "!", " !", "?!"]))
    return s


def tokenize(tok, strings):
    return [tok(s, padding="max_length", max_length=tok.model_max_length, truncation=True)["input_ids"] for s in strings]


def save_npy(name, t):
    np.save(os.path.join(OUT, name), np.ascontiguousarray(t.detach().float().numpy()))


def make_model(cls, folder, vocab_size, eos, act, dtype, seed):
    torch.manual_seed(seed)
    config = transformers.CLIPTextConfig(
        vocab_size=vocab_size, hidden_size=32, intermediate_size=48, projection_dim=24, num_hidden_layers=3,
        num_attention_heads=4, max_position_embeddings=77, hidden_act=act, layer_norm_eps=1e-5,
        bos_token_id=vocab_size - 2, eos_token_id=eos, pad_token_id=1)
    model = cls(config).eval()
    # Larger than the default init so that the layers visibly change the states.
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.3)
    model = model.to(dtype)
    d = os.path.join(OUT, folder)
    shutil.rmtree(d, ignore_errors=True)
    model.save_pretrained(d, safe_serialization=True)
    return model.float()


def main():
    os.makedirs(OUT, exist_ok=True)
    vocab, merges = train_vocab_and_merges()
    strings = test_strings()
    with open(os.path.join(OUT, "tokenizer_strings.json"), "w", encoding="utf-8") as f:
        json.dump(strings, f, ensure_ascii=False, indent=0)
    sd1 = write_slow_folder("tokenizer_slow_sd1", vocab, merges, "<|endoftext|>")
    sd2 = write_slow_folder("tokenizer_slow_sd2", vocab, merges, "!")
    tok1 = transformers.CLIPTokenizer.from_pretrained(sd1)
    tok2 = transformers.CLIPTokenizer.from_pretrained(sd2)
    fast = os.path.join(OUT, "tokenizer_fast")
    shutil.rmtree(fast, ignore_errors=True)
    tok1.save_pretrained(fast)
    for name in ("vocab.json", "merges.txt"):  # the fast folder must be read from tokenizer.json alone
        if os.path.exists(os.path.join(fast, name)):
            os.remove(os.path.join(fast, name))
    tok_fast = transformers.AutoTokenizer.from_pretrained(fast)
    expected = {"tokenizer_slow_sd1": tokenize(tok1, strings), "tokenizer_slow_sd2": tokenize(tok2, strings),
                "tokenizer_fast": tokenize(tok_fast, strings)}
    assert expected["tokenizer_fast"] == expected["tokenizer_slow_sd1"]
    for name, ids in expected.items():
        assert all(len(x) == 77 for x in ids)
        with open(os.path.join(OUT, f"expected_tokens_{name}.json"), "w") as f:
            json.dump(ids, f)

    prompts = ["a photo of an astronaut riding a horse on the moon", "", "DON'T panic!! 東京 🙂",
               " ".join(["castle"] * 90)]
    vocab_size = len(vocab)
    eos = vocab["<|endoftext|>"]
    runs = [
        (transformers.CLIPTextModel, "text_encoder_quick_gelu", eos, "quick_gelu", torch.float32, 1, tok1),
        (transformers.CLIPTextModelWithProjection, "text_encoder_gelu_f16", 2, "gelu", torch.float16, 2, tok2),
    ]
    with open(os.path.join(OUT, "model_prompts.json"), "w", encoding="utf-8") as f:
        json.dump(prompts, f, ensure_ascii=False)
    for cls, folder, eos_id, act, dtype, seed, tok in runs:
        model = make_model(cls, folder, vocab_size, eos_id, act, dtype, seed)
        ids = torch.tensor(tokenize(tok, prompts))
        with torch.no_grad():
            out = model(input_ids=ids, output_hidden_states=True)
        save_npy(f"{folder}_input_ids.npy", ids.to(torch.float32))
        save_npy(f"{folder}_last_hidden_state.npy", out.last_hidden_state)
        save_npy(f"{folder}_penultimate.npy", out.hidden_states[-2])
        pooled = out.text_embeds if hasattr(out, "text_embeds") else out.pooler_output
        save_npy(f"{folder}_pooled.npy", pooled)
        assert len(out.hidden_states) == 4


if __name__ == "__main__":
    main()
