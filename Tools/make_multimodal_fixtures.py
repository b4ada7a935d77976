#!/usr/bin/env python3
"""Tiny random-weight vision-language models and transformers' greedy outputs on real photos.

Writes Tests/MultimodalTests/Fixtures/Models/<name>/: the model folder exactly as save_pretrained /
processor.save_pretrained write it, plus expected.json (prompt ids, greedy generated ids) and
expected.safetensors (pixel values fed in, the logits of every generated position).

The photos are the JPEGs of Tests/GenCoreTests/Fixtures/Images decoded by PIL, and the pixel values come from
transformers' PIL-backend image processors (the ones our ImageProcessor follows), so a Swift test can run the whole
path from the JPEG file to the generated ids. The saved processor configs name the default classes, as real
checkpoints do.
"""
import json
import pathlib
import sys

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "scenes"))
import train as scenes_train  # noqa: E402  (the scenes tokenizer and the LLaVA chat template)
from transformers import (CLIPImageProcessor, CLIPVisionConfig, GPT2Config, LlamaConfig, LlavaConfig,  # noqa: E402
                          LlavaForConditionalGeneration, LlavaProcessor, VisionEncoderDecoderConfig,
                          VisionEncoderDecoderModel, ViTConfig, ViTImageProcessor)
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil  # noqa: E402
from transformers.models.vit.image_processing_pil_vit import ViTImageProcessorPil  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent / "Tests/MultimodalTests/Fixtures/Models"
NEW_TOKENS = 12


IMAGES = pathlib.Path(__file__).resolve().parent.parent / "Tests/GenCoreTests/Fixtures/Images"


def photos():
    return [Image.open(IMAGES / f"{name}.jpg").convert("RGB") for name in ("chelsea", "astronaut", "coffee")]


def randomize(model, seed):
    """Healthy random weights: norm gains near 1, matrices scaled by fan-in, so outputs depend on the image."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            r = torch.randn(p.shape, generator=g)
            if p.ndim == 1 and ("norm" in name or "ln_" in name):
                p.copy_(1 + 0.1 * r if name.endswith("weight") else 0.1 * r)
            elif p.ndim == 1:
                p.copy_(0.1 * r)
            else:
                # GPT-2's Conv1D stores [in, out]; everything else [out, in, ...].
                conv1d = p.ndim == 2 and any(k in name for k in ("c_attn", "c_proj", "c_fc", "q_attn"))
                fan_in = p.shape[0] if conv1d else p[0].numel()
                p.copy_(r * 1.5 / fan_in ** 0.5)
    return model


def llava(name, seed, strategy, feature_layer):
    tok = scenes_train.train_tokenizer()
    vision = CLIPVisionConfig(hidden_size=32, intermediate_size=48, num_hidden_layers=3, num_attention_heads=4,
                              image_size=28, patch_size=7, projection_dim=16)
    text = LlamaConfig(vocab_size=len(tok), hidden_size=48, intermediate_size=80, num_hidden_layers=2,
                       num_attention_heads=6, num_key_value_heads=2, max_position_embeddings=96,
                       bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    cfg = LlavaConfig(vision_config=vision, text_config=text, image_token_index=tok.convert_tokens_to_ids("<image>"),
                      vision_feature_layer=feature_layer, vision_feature_select_strategy=strategy,
                      projector_hidden_act="gelu")
    model = randomize(LlavaForConditionalGeneration(cfg), seed).eval()
    tok.chat_template = scenes_train.QUESTION_FIRST_TEMPLATE
    sizes = dict(size={"shortest_edge": 28}, crop_size={"height": 28, "width": 28})
    pil_processor = CLIPImageProcessorPil(**sizes)
    processor = LlavaProcessor(
        image_processor=CLIPImageProcessor(**sizes),
        tokenizer=tok, patch_size=7, vision_feature_select_strategy=strategy, num_additional_image_tokens=1,
        chat_template=scenes_train.QUESTION_FIRST_TEMPLATE)
    out = ROOT / name
    model.save_pretrained(out)
    processor.save_pretrained(out)
    cases, tensors = [], {}
    for i, (img, q) in enumerate(zip(photos(), ["what is this?", "how many shapes are there?", "where is the cup?"])):
        messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": q}]}]
        prompt = processor.apply_chat_template(messages, add_generation_prompt=True)
        inputs = processor(images=img, text=prompt, return_tensors="pt")
        inputs["pixel_values"] = pil_processor(images=img, return_tensors="pt")["pixel_values"]
        with torch.no_grad():
            gen = model.generate(**inputs, do_sample=False, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS,
                                 output_logits=True, return_dict_in_generate=True)
        prompt_ids = inputs["input_ids"][0].tolist()
        cases.append({"question": q, "prompt": prompt, "prompt_ids": prompt_ids,
                      "generated_ids": gen.sequences[0, len(prompt_ids):].tolist()})
        tensors[f"pixel_values.{i}"] = inputs["pixel_values"][0].clone()
        tensors[f"logits.{i}"] = torch.stack([l[0] for l in gen.logits]).clone()
    (out / "expected.json").write_text(json.dumps({"cases": cases}, indent=1))
    save_file({k: v.float().contiguous() for k, v in tensors.items()}, out / "expected.safetensors")
    print(name, [c["generated_ids"][:6] for c in cases])


def vision_encoder_decoder(name, seed):
    tok = scenes_train.train_tokenizer()
    enc = ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48,
                    image_size=32, patch_size=8)
    dec = GPT2Config(vocab_size=len(tok), n_positions=40, n_embd=36, n_layer=2, n_head=3, add_cross_attention=True,
                     is_decoder=True, bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id,
                     pad_token_id=tok.pad_token_id)
    cfg = VisionEncoderDecoderConfig.from_encoder_decoder_configs(enc, dec)
    cfg.decoder_start_token_id = tok.eos_token_id
    cfg.pad_token_id = tok.pad_token_id
    cfg.eos_token_id = tok.eos_token_id
    model = randomize(VisionEncoderDecoderModel(config=cfg), seed).eval()
    processor = ViTImageProcessor(size={"height": 32, "width": 32}, resample=2)
    out = ROOT / name
    model.save_pretrained(out)
    processor.save_pretrained(out)
    tok.save_pretrained(out)
    cases, tensors = [], {}
    for i, img in enumerate(photos()):
        pv = ViTImageProcessorPil(size={"height": 32, "width": 32}, resample=2)(images=img, return_tensors="pt")["pixel_values"]
        with torch.no_grad():
            gen = model.generate(pixel_values=pv, do_sample=False, max_new_tokens=NEW_TOKENS,
                                 min_new_tokens=NEW_TOKENS, output_logits=True, return_dict_in_generate=True,
                                 decoder_start_token_id=tok.eos_token_id)
        cases.append({"generated_ids": gen.sequences[0, 1:].tolist()})
        tensors[f"pixel_values.{i}"] = pv[0].clone()
        tensors[f"logits.{i}"] = torch.stack([l[0] for l in gen.logits]).clone()
    (out / "expected.json").write_text(json.dumps({"cases": cases}, indent=1))
    save_file({k: v.float().contiguous() for k, v in tensors.items()}, out / "expected.safetensors")
    print(name, [c["generated_ids"][:6] for c in cases])


if __name__ == "__main__":
    torch.manual_seed(0)
    llava("llava", 11, "default", -2)
    llava("llava-full-last", 12, "full", -1)
    # Several feature layers, concatenated; the deepest (-2) is not the last, so the tower stops early.
    llava("llava-multi-layer", 14, "default", [1, -2])
    vision_encoder_decoder("vit-gpt2", 13)
