#!/usr/bin/env python3
"""Trains the bundled default models on synthetic shapes scenes (Tools/scenes/scenes.py), on the CPU.

    python Tools/scenes/train.py captioner --out DIR   # ViT + GPT-2 VisionEncoderDecoderModel
    python Tools/scenes/train.py vqa --out DIR         # LLaVA architecture: CLIP vision + projector + Llama

Both are standard transformers architectures saved with save_pretrained (config.json, model.safetensors,
tokenizer.json, tokenizer_config.json, preprocessor_config.json, …), so GenKit and transformers load the same
folder. Deterministic given the seed (torch on CPU, one process).
"""
import argparse
import math
import pathlib
import sys
import time

import numpy as np
import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import scenes  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: E402
from transformers import (CLIPImageProcessor, CLIPVisionConfig, GPT2Config, LlamaConfig, LlavaConfig,  # noqa: E402
                          LlavaForConditionalGeneration, LlavaProcessor, PreTrainedTokenizerFast,
                          VisionEncoderDecoderConfig, VisionEncoderDecoderModel, ViTConfig, ViTImageProcessor)

EOS, PAD, IMAGE = "<|endoftext|>", "<pad>", "<image>"
LLAVA_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] == 'user' %}USER: "
    "{% for part in message['content'] %}{% if part['type'] == 'image' %}<image>\n{% endif %}{% endfor %}"
    "{% for part in message['content'] %}{% if part['type'] == 'text' %}{{ part['text'] }}{% endif %}{% endfor %}"
    " {% else %}ASSISTANT: {% for part in message['content'] %}{% if part['type'] == 'text' %}{{ part['text'] }}"
    "{% endif %}{% endfor %}{{ eos_token }}{% endif %}{% endfor %}{% if add_generation_prompt %}ASSISTANT:{% endif %}"
)


def dataset(n, split="train"):
    images, captions, qas = [], [], []
    for i in range(n):
        img, cap, qa = scenes.scene(i, split)
        images.append(np.asarray(img))
        captions.append(cap)
        qas.append(qa)
    return np.stack(images), captions, qas


def scene_texts(count):
    """The captions and question-answer pairs of the first `count` scenes: a tokenizer training corpus."""
    texts = []
    for i in range(count):
        _, cap, qa = scenes.scene(i)
        texts.append(cap)
        texts.extend(q + " " + a for q, a in qa)
    return texts


def train_tokenizer():
    """A byte-level BPE over everything the scenes can say (same tokenizer for both models)."""
    texts = scene_texts(3000)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=360, special_tokens=[EOS, PAD, IMAGE],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=EOS, eos_token=EOS, pad_token=PAD,
                                   unk_token=None, extra_special_tokens={"image_token": IMAGE} if False else None)


def pixels(images, processor):
    return processor(images=list(images), return_tensors="pt")["pixel_values"]


def schedule(step, steps, lr):
    warm = 100
    return lr * min(1.0, (step + 1) / warm) * (0.5 * (1 + math.cos(math.pi * min(1.0, step / steps))))


def pad_batch(seqs, pad_id):
    width = max(len(s) for s in seqs)
    out = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.tensor(s)
    return out


# MARK: captioner

def build_captioner(tok):
    enc = ViTConfig(hidden_size=128, num_hidden_layers=4, num_attention_heads=4, intermediate_size=256,
                    image_size=64, patch_size=8, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    dec = GPT2Config(vocab_size=len(tok), n_positions=48, n_embd=128, n_layer=3, n_head=4, add_cross_attention=True,
                     is_decoder=True, bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id,
                     pad_token_id=tok.pad_token_id, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    cfg = VisionEncoderDecoderConfig.from_encoder_decoder_configs(enc, dec)
    cfg.decoder_start_token_id = tok.eos_token_id
    cfg.eos_token_id = tok.eos_token_id
    cfg.pad_token_id = tok.pad_token_id
    model = VisionEncoderDecoderModel(config=cfg)
    model.generation_config.decoder_start_token_id = tok.eos_token_id
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    model.generation_config.max_new_tokens = 24
    processor = ViTImageProcessor(size={"height": 64, "width": 64}, resample=2, do_normalize=True,
                                  image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
    return model, processor


def caption_batch(model, tok, pv, caps):
    labels = pad_batch([tok(c)["input_ids"] + [tok.eos_token_id] for c in caps], -100)
    return model(pixel_values=pv, labels=labels).loss


# MARK: vqa

def build_vqa(tok):
    vision = CLIPVisionConfig(hidden_size=128, intermediate_size=256, num_hidden_layers=3, num_attention_heads=4,
                              image_size=64, patch_size=16, projection_dim=128)
    text = LlamaConfig(vocab_size=len(tok), hidden_size=128, intermediate_size=344, num_hidden_layers=4,
                       num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                       bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
                       tie_word_embeddings=False)
    cfg = LlavaConfig(vision_config=vision, text_config=text, image_token_index=tok.convert_tokens_to_ids(IMAGE),
                      vision_feature_layer=-2, vision_feature_select_strategy="default",
                      projector_hidden_act="gelu")
    model = LlavaForConditionalGeneration(cfg)
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    model.generation_config.max_new_tokens = 8
    image_processor = CLIPImageProcessor(size={"shortest_edge": 64}, crop_size={"height": 64, "width": 64},
                                         resample=3, do_center_crop=True)
    tok.chat_template = LLAVA_TEMPLATE
    processor = LlavaProcessor(image_processor=image_processor, tokenizer=tok, patch_size=16,
                               vision_feature_select_strategy="default", num_additional_image_tokens=1,
                               chat_template=LLAVA_TEMPLATE)
    return model, processor


def vqa_prompt(processor, question):
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": question}]}]
    return processor.apply_chat_template(messages, add_generation_prompt=True)


def vqa_batch(model, processor, tok, pv, questions, answers):
    image_id = tok.convert_tokens_to_ids(IMAGE)
    n_image = (64 // 16) ** 2  # patches; the CLS feature is dropped by the "default" strategy
    seqs, labels = [], []
    for q, a in zip(questions, answers):
        prompt = vqa_prompt(processor, q).replace(IMAGE, IMAGE * n_image)
        p = tok(prompt)["input_ids"]
        ans = tok(" " + a)["input_ids"] + [tok.eos_token_id]
        seqs.append(p + ans)
        labels.append([-100] * len(p) + ans)
    ids = pad_batch(seqs, tok.pad_token_id)
    lab = pad_batch(labels, -100)
    mask = (torch.arange(ids.shape[1])[None, :] < torch.tensor([len(s) for s in seqs])[:, None]).long()
    assert int((ids == image_id).sum()) == n_image * len(seqs)
    return model(input_ids=ids, pixel_values=pv, attention_mask=mask, labels=lab).loss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["captioner", "vqa"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--train", type=int, default=12000)
    ap.add_argument("--steps", type=int, default=2500)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)

    tok = train_tokenizer()
    model, processor = (build_captioner if args.kind == "captioner" else build_vqa)(tok)
    print(f"{args.kind}: {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters", flush=True)
    images, caps, qas = dataset(args.train)
    image_processor = processor if args.kind == "captioner" else processor.image_processor
    all_pv = torch.cat([pixels(images[i:i + 1000], image_processor) for i in range(0, len(images), 1000)])

    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    rng = np.random.default_rng(args.seed)
    model.train()
    start = time.time()
    for step in range(args.steps):
        idx = rng.integers(0, len(images), args.batch)
        for g in opt.param_groups:
            g["lr"] = schedule(step, args.steps, args.lr)
        if args.kind == "captioner":
            loss = caption_batch(model, tok, all_pv[idx], [caps[i] for i in idx])
        else:
            picks = [qas[i][rng.integers(0, len(qas[i]))] for i in idx]
            loss = vqa_batch(model, processor, tok, all_pv[idx], [q for q, _ in picks], [a for _, a in picks])
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 100 == 0 or step == args.steps - 1:
            print(f"step {step} loss {loss.item():.4f} {time.time() - start:.0f}s", flush=True)

    model.eval()
    out = pathlib.Path(args.out)
    model.save_pretrained(out)
    processor.save_pretrained(out)
    if args.kind == "captioner":
        tok.save_pretrained(out)
    print("saved", out, flush=True)


if __name__ == "__main__":
    main()
