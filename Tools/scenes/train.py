#!/usr/bin/env python3
"""Trains the bundled default models on synthetic shapes scenes (Tools/scenes/scenes.py), on the CPU.

    python Tools/scenes/train.py captioner --out DIR   # ViT + GPT-2 VisionEncoderDecoderModel
    python Tools/scenes/train.py vqa --out DIR         # LLaVA architecture: SigLIP vision + projector + Llama

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
from transformers import (GPT2Config, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration,  # noqa: E402
                          LlavaProcessor, PreTrainedTokenizerFast, SiglipImageProcessor, SiglipVisionConfig,
                          VisionEncoderDecoderConfig, VisionEncoderDecoderModel, ViTConfig, ViTImageProcessor)

EOS, PAD, IMAGE = "<|endoftext|>", "<pad>", "<image>"
# Two chat templates. Question first ("USER: what color is the diamond? <image> ASSISTANT:") lets image tokens attend
# to the question and mark the patches it asks about; the image first (--image-first) is LLaVA-1.5's own order.
QUESTION_FIRST_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] == 'user' %}USER: "
    "{% for part in message['content'] %}{% if part['type'] == 'text' %}{{ part['text'] }}{% endif %}{% endfor %}"
    "{% for part in message['content'] %}{% if part['type'] == 'image' %} <image>{% endif %}{% endfor %}"
    " {% else %}ASSISTANT: {% for part in message['content'] %}{% if part['type'] == 'text' %}{{ part['text'] }}"
    "{% endif %}{% endfor %}{{ eos_token }}{% endif %}{% endfor %}{% if add_generation_prompt %}ASSISTANT:{% endif %}"
)
# LLaVA-1.5's own order: "USER: <image> what color is the diamond? ASSISTANT:". Later turns of a training conversation
# ("USER: Q2 ASSISTANT: A2") then see the image in the same place as the first, so one image teaches several answers.
IMAGE_FIRST_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] == 'user' %}USER: "
    "{% for part in message['content'] %}{% if part['type'] == 'image' %}<image> {% endif %}{% endfor %}"
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

def build_captioner(tok, patch=8):
    # Small patches matter: a 4-pixel patch shows an edge's direction (straight, diagonal, curved), from which
    # shapes are easy to tell apart; with 8-pixel patches the encoder learnt colours long before shapes.
    enc = ViTConfig(hidden_size=128, num_hidden_layers=4, num_attention_heads=4, intermediate_size=256,
                    image_size=64, patch_size=patch, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
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

CAPTION_QUESTION = "Describe this image."  # what GenKit's VisionLanguageModel.caption asks a LLaVA model


def build_vqa(tok, patch=8, image_first=False, heads=4, kv_heads=2, rope_theta=10000.0):
    # A SigLIP tower of the captioner's ViT shape, so that it can start from the captioner's trained encoder
    # (--vision-from): SigLIP's encoder is ViT's without the class token, and (unlike CLIP, which normalises the
    # embeddings first) it adds nothing in between, so the copied tower gives the ViT's patch features (cosine
    # 0.999). All 64 patch features go to the language model ("full"; there is no class token to drop).
    vision = SiglipVisionConfig(hidden_size=128, intermediate_size=256, num_hidden_layers=4, num_attention_heads=4,
                                image_size=64, patch_size=patch, hidden_act="gelu", layer_norm_eps=1e-12,
                                vision_use_head=False)
    text = LlamaConfig(vocab_size=len(tok), hidden_size=128, intermediate_size=344, num_hidden_layers=4,
                       num_attention_heads=heads, num_key_value_heads=kv_heads, max_position_embeddings=320,
                       bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
                       tie_word_embeddings=False, rope_parameters={"rope_theta": rope_theta, "rope_type": "default"})
    cfg = LlavaConfig(vision_config=vision, text_config=text, image_token_index=tok.convert_tokens_to_ids(IMAGE),
                      vision_feature_layer=-1, vision_feature_select_strategy="full", projector_hidden_act="gelu")
    model = LlavaForConditionalGeneration(cfg)
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    model.generation_config.max_new_tokens = 24
    # The captioner's pixel normalisation ([-1, 1]), so the copied encoder sees what it was trained on.
    image_processor = SiglipImageProcessor(size={"height": 64, "width": 64}, resample=2,
                                           image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
    template = IMAGE_FIRST_TEMPLATE if image_first else QUESTION_FIRST_TEMPLATE
    tok.chat_template = template
    processor = LlavaProcessor(image_processor=image_processor, tokenizer=tok, patch_size=patch,
                               vision_feature_select_strategy="full", num_additional_image_tokens=0,
                               chat_template=template)
    return model, processor


def vqa_prompt(processor, question):
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": question}]}]
    return processor.apply_chat_template(messages, add_generation_prompt=True)


def vqa_batch(model, processor, tok, pv, conversations, features=None, independent=False):
    """One conversation per image: a list of (question, answer) turns, the image in the first. Every answer is
    supervised, so a step teaches several answers per image (the first turn is what inference sees). With
    `features` (a frozen tower's outputs for these images, computed once) the tower is skipped: the projected
    features go into the image tokens' embeddings, as LlavaModel does with pixel values.

    `independent` (needs the image first) makes every turn a single-question conversation of its own that shares
    the image's tokens with the others: "USER: <image>" once, then each turn's " Q ASSISTANT: A<eos>" attending to
    that prefix and to itself only, at the positions it would have right after the image. So each turn is exactly
    what inference sees, nothing can be copied from another turn's answer, and the image tokens are computed once for
    all of them."""
    image_id = tok.convert_tokens_to_ids(IMAGE)
    n_image = (64 // processor.patch_size) ** 2  # one feature per patch
    seqs, labels, positions, blocks = [], [], [], []
    for turns in conversations:
        seq, lab, pos, blk = [], [], [], []
        for k, (q, a) in enumerate(turns):
            ans = tok(" " + a)["input_ids"] + [tok.eos_token_id]
            if independent:
                # "<image>" is a special token, so the prompt's ids split cleanly after the last image token.
                p = tok(vqa_prompt(processor, q).replace(IMAGE, IMAGE * n_image))["input_ids"]
                cut = max(i for i, t in enumerate(p) if t == image_id) + 1
                if k == 0:
                    seq, lab, pos, blk = p[:cut], [-100] * cut, list(range(cut)), [0] * cut
                assert seq[:cut] == p[:cut], "--independent-turns needs --image-first"
                body = p[cut:] + ans
                seq += body
                lab += [-100] * (len(p) - cut) + ans
                pos += list(range(cut, cut + len(body)))
                blk += [k + 1] * len(body)
                continue
            # What the template renders: "USER: Q <image> ASSISTANT: A<eos>USER: Q2 ASSISTANT: A2<eos>…" (or the
            # image before Q)
            prompt = vqa_prompt(processor, q).replace(IMAGE, IMAGE * n_image) if k == 0 else f"USER: {q} ASSISTANT:"
            p = tok(prompt)["input_ids"]
            seq += p + ans
            lab += [-100] * len(p) + ans
        assert len(seq) <= model.config.text_config.max_position_embeddings, "fewer --turns"
        seqs.append(seq)
        labels.append(lab)
        positions.append(pos)
        blocks.append(blk)
    ids = pad_batch(seqs, tok.pad_token_id)
    lab = pad_batch(labels, -100)
    if independent:
        # Block attention: causal, and a turn sees the image prefix (block 0) and its own block; padding (block -1)
        # sees itself only, so that no row of the mask is empty.
        block = pad_batch(blocks, -1)
        same = (block[:, :, None] == block[:, None, :]) | (block[:, None, :] == 0)
        causal = torch.ones(ids.shape[1], ids.shape[1], dtype=torch.bool).tril()
        pad_self = torch.eye(ids.shape[1], dtype=torch.bool) & (block[:, :, None] == -1)
        extra = {"attention_mask": ((same & (block[:, :, None] >= 0) & causal) | pad_self)[:, None],
                 "position_ids": pad_batch(positions, 0)}
    else:
        lengths = torch.tensor([len(s) for s in seqs])
        extra = {"attention_mask": (torch.arange(ids.shape[1])[None, :] < lengths[:, None]).long()}
    assert int((ids == image_id).sum()) == n_image * len(seqs)
    if features is None:
        return model(input_ids=ids, pixel_values=pv, labels=lab, **extra).loss
    embeds = model.get_input_embeddings()(ids)
    image = model.model.multi_modal_projector(features)
    embeds = embeds.masked_scatter((ids == image_id)[..., None], image.reshape(-1, image.shape[-1]).to(embeds.dtype))
    return model(inputs_embeds=embeds, labels=lab, **extra).loss


def tower_features(llava, pixel_values, chunk=500):
    """The tower's features at `vision_feature_layer` for every image: what a frozen tower gives each step."""
    tower, out = llava.model.vision_tower, []
    with torch.no_grad():
        for i in range(0, len(pixel_values), chunk):
            states = tower(pixel_values=pixel_values[i:i + chunk], output_hidden_states=True).hidden_states
            out.append(states[llava.config.vision_feature_layer].clone())
    return torch.cat(out)


def copy_vit_into_siglip(captioner_dir, llava):
    """Starts LLaVA's SigLIP tower from a trained captioner's ViT encoder. The layers map one to one; the class
    token and its position are left out (SigLIP has none)."""
    vit = VisionEncoderDecoderModel.from_pretrained(captioner_dir).encoder
    tower = llava.model.vision_tower
    tower = getattr(tower, "vision_model", tower)  # transformers 5 flattens SiglipVisionModel
    with torch.no_grad():
        emb = tower.embeddings
        emb.patch_embedding.weight.copy_(vit.embeddings.patch_embeddings.projection.weight)
        emb.patch_embedding.bias.copy_(vit.embeddings.patch_embeddings.projection.bias)
        emb.position_embedding.weight.copy_(vit.embeddings.position_embeddings[0, 1:])
        for src, dst in zip(vit.layers, tower.encoder.layers):
            pairs = [(src.layernorm_before, dst.layer_norm1), (src.attention.q_proj, dst.self_attn.q_proj),
                     (src.attention.k_proj, dst.self_attn.k_proj), (src.attention.v_proj, dst.self_attn.v_proj),
                     (src.attention.o_proj, dst.self_attn.out_proj), (src.layernorm_after, dst.layer_norm2),
                     (src.mlp.fc1, dst.mlp.fc1), (src.mlp.fc2, dst.mlp.fc2)]
            for a, b in pairs:
                b.weight.copy_(a.weight)
                b.bias.copy_(a.bias)
        tower.post_layernorm.load_state_dict(vit.layernorm.state_dict())


def standardize_projector(llava, pixel_values):
    """Folds the tower features' mean and spread over `pixel_values` into the projector's first layer, so that it
    starts on standardized inputs. A pre-norm tower's last hidden state is dominated by a few large, shared
    dimensions (norm ~40 against ~0.3 for a token embedding; patches' cosine ~0.9 to each other); left as they are,
    the language model read only global facts (how many shapes) and never learnt where or which shape."""
    projector = llava.model.multi_modal_projector
    with torch.no_grad():
        states = llava.model.vision_tower(pixel_values=pixel_values, output_hidden_states=True).hidden_states
        features = states[llava.config.vision_feature_layer].reshape(-1, states[-1].shape[-1])
        mean, spread = features.mean(0), features.std(0) + 1e-6
        weight = projector.linear_1.weight / spread
        projector.linear_1.weight.copy_(weight)
        projector.linear_1.bias.copy_(-(weight @ mean))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["captioner", "vqa"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--train", type=int, default=12000)
    ap.add_argument("--steps", type=int, default=2500)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2,
                    help="1 is faster on a busy machine: two threads stall each other when a core is taken away")
    ap.add_argument("--patch", type=int, default=4, help="image patch side (the image is 64x64)")
    ap.add_argument("--init", help="continue training the model saved in this folder")
    ap.add_argument("--vision-from", help="vqa: start the image tower from this trained captioner's encoder")
    ap.add_argument("--turns", type=int, default=1,
                    help="vqa: question-answer turns per training conversation (only the first sees the image after it)")
    ap.add_argument("--independent-turns", action="store_true",
                    help="vqa with --image-first: every turn is a single-question conversation of its own that shares "
                         "the image's tokens (a block attention mask), so no turn can copy another's answer")
    ap.add_argument("--vision-lr-scale", type=float, default=0.1,
                    help="vqa with --vision-from: the started tower learns at this fraction of --lr")
    ap.add_argument("--image-first", action="store_true",
                    help="vqa: LLaVA-1.5's order, the image before the question (else the question comes first)")
    ap.add_argument("--freeze-vision", action="store_true",
                    help="vqa: keep the image tower as started (with --vision-from); only projector and LLM learn")
    ap.add_argument("--heads", type=int, default=4, help="vqa: the language model's attention heads")
    ap.add_argument("--kv-heads", type=int, default=2, help="vqa: its key/value heads (grouped-query attention)")
    ap.add_argument("--rope-theta", type=float, default=10000.0,
                    help="vqa: the language model's RoPE base. 1e6 (as Llama 3 and Qwen2 use) leaves more of a 16-wide "
                         "head's dimensions nearly unrotated across a conversation, so an answer can look image tokens "
                         "up by content however far back they are; with 1e4 the model never learnt where objects are")
    ap.add_argument("--checkpoint-every", type=int, default=500, help="save the model so far every N steps")
    args = ap.parse_args()
    if args.independent_turns and not args.image_first:
        ap.error("--independent-turns needs --image-first: the turns share the prompt up to the image")
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    # AdamW's second-moment estimates decay into denormals late in training, which x86 handles ~100x slower.
    torch.set_flush_denormal(True)

    tok = train_tokenizer()
    if args.kind == "captioner":
        model, processor = build_captioner(tok, args.patch)
    else:
        model, processor = build_vqa(tok, args.patch, args.image_first, args.heads, args.kv_heads, args.rope_theta)
    if args.init:
        model = type(model).from_pretrained(args.init)
    if args.vision_from:
        copy_vit_into_siglip(args.vision_from, model)
    print(f"{args.kind}: {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters", flush=True)
    images, caps, qas = dataset(args.train)
    image_processor = processor if args.kind == "captioner" else processor.image_processor
    all_pv = torch.cat([pixels(images[i:i + 1000], image_processor) for i in range(0, len(images), 1000)])
    if args.kind == "vqa" and not args.init:
        standardize_projector(model, all_pv[:512])

    # A tower started from a trained encoder keeps most of what it knows: it learns more slowly than the rest.
    tower = [p for n, p in model.named_parameters() if "vision_tower" in n] if args.vision_from else []
    if args.freeze_vision:
        for p in tower:
            p.requires_grad_(False)  # no backward pass through the tower: about a third of a step's work
        tower = []
    # A frozen tower gives every image the same features at every step: compute them once.
    features = tower_features(model, all_pv) if args.kind == "vqa" and args.freeze_vision else None
    rest = [p for p in model.parameters() if p.requires_grad and all(p is not t for t in tower)]
    groups = [{"params": rest, "scale": 1.0}] + ([{"params": tower, "scale": args.vision_lr_scale}] if tower else [])
    opt = torch.optim.AdamW(groups, lr=args.lr, weight_decay=0.01)
    rng = np.random.default_rng(args.seed)
    model.train()
    start = time.time()
    for step in range(args.steps):
        idx = rng.integers(0, len(images), args.batch)
        for g in opt.param_groups:
            g["lr"] = schedule(step, args.steps, args.lr) * g["scale"]
        if args.kind == "captioner":
            loss = caption_batch(model, tok, all_pv[idx], [caps[i] for i in idx])
        else:
            # Captions as one more "answer" give the decoder dense, grounded supervision.
            pool = [qas[i] + [(CAPTION_QUESTION, caps[i])] for i in idx]
            conversations = [[p[j] for j in rng.permutation(len(p))[:args.turns]] for p in pool]
            loss = vqa_batch(model, processor, tok, all_pv[idx], conversations,
                             None if features is None else features[idx], args.independent_turns)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 100 == 0 or step == args.steps - 1:
            print(f"step {step} loss {loss.item():.4f} {time.time() - start:.0f}s", flush=True)
        if args.checkpoint_every and (step + 1) % args.checkpoint_every == 0 and step + 1 < args.steps:
            save(model, processor, tok, args.kind, pathlib.Path(args.out) / f"checkpoint-{step + 1}")
            model.train()
    save(model, processor, tok, args.kind, pathlib.Path(args.out))


def save(model, processor, tok, kind, out):
    model.eval()
    model.save_pretrained(out)
    processor.save_pretrained(out)
    if kind == "captioner":
        tok.save_pretrained(out)
    print("saved", out, flush=True)


if __name__ == "__main__":
    main()
