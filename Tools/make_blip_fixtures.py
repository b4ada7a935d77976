#!/usr/bin/env python3
"""A tiny random-weight BlipForConditionalGeneration and transformers' greedy captions on real photos.

Writes Tests/MultimodalTests/Fixtures/Models/blip/: the model folder exactly as save_pretrained /
processor.save_pretrained write it (config.json with vision_config and text_config, model.safetensors, the
BlipProcessor's image processor and BERT WordPiece tokenizer), plus
  expected.json         per case: photo, text prompt (null: unconditional), the decoder prompt ids that
                        BlipForConditionalGeneration.generate builds, the greedy generated ids (up to 12, ending
                        at [SEP] when the caption ends) and the caption as the processor decodes the sequence
  expected.safetensors  pixel_values.<i> (PIL-backend BlipImageProcessor), image_embeds.<i> (the vision model's
                        post-normed last_hidden_state), pooler_output.<i> and logits.<i> (every generated position)

The tokenizer is a WordPiece vocabulary trained here on the scenes captions, with BERT's special tokens and BLIP's
[DEC] (bos_token_id, the decoder's first input) and [ENC] added after the vocabulary as in the real checkpoints.
WordPiece training can order equal-count pieces differently between runs, so the committed files, not a re-run,
are the reference. Also writes Tests/MultimodalTests/Fixtures/Configs/blip_default_config.json, BlipConfig() as transformers saves
it, so that a test can check our defaults against transformers'. Run with the reference venv:
  ~/.cache/genkit-reference-venv/bin/python Tools/make_blip_fixtures.py
"""
import json
import os
import pathlib
import sys

os.environ["TOKENIZERS_PARALLELISM"] = "false"
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "scenes"))
import train as scenes_train  # noqa: E402  (the scenes corpus)
from transformers import (BertTokenizer, BlipConfig, BlipForConditionalGeneration, BlipImageProcessor,  # noqa: E402
                          BlipProcessor, BlipTextConfig, BlipVisionConfig)
from transformers.models.blip.image_processing_pil_blip import BlipImageProcessorPil  # noqa: E402

TOOLS = pathlib.Path(__file__).resolve().parent
OUT = TOOLS.parent / "Tests/MultimodalTests/Fixtures/Models/blip"
IMAGES = TOOLS.parent / "Tests/GenCoreTests/Fixtures/Images"
PHOTOS = ["chelsea", "astronaut", "coffee"]
PROMPTS = [None, "a picture of"]
NEW_TOKENS = 12
SIZE = 32


def train_tokenizer():
    """BERT-style WordPiece (lower-casing normaliser, BertPreTokenizer, [CLS] … [SEP] template) plus [DEC]/[ENC]."""
    texts = scenes_train.scene_texts(2000) + ["a picture of a photo of an image of"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None,
                                                lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    tok.train_from_iterator(texts, trainers.WordPieceTrainer(
        vocab_size=260, show_progress=False, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    tok.post_processor = processors.BertProcessing(("[SEP]", tok.token_to_id("[SEP]")),
                                                   ("[CLS]", tok.token_to_id("[CLS]")))
    tok.add_special_tokens([AddedToken("[DEC]", special=True), AddedToken("[ENC]", special=True)])
    return BertTokenizer(tokenizer_object=tok, bos_token="[DEC]", unk_token="[UNK]", sep_token="[SEP]",
                         pad_token="[PAD]", cls_token="[CLS]", mask_token="[MASK]",
                         extra_special_tokens=["[ENC]"])


def randomize(model, seed):
    """Healthy random weights: norm gains near 1, matrices scaled by fan-in, so captions depend on the image."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            r = torch.randn(p.shape, generator=g)
            if p.ndim == 1 and ("norm" in name.lower()):
                p.copy_(1 + 0.1 * r if name.endswith("weight") else 0.1 * r)
            elif p.ndim == 1:
                p.copy_(0.1 * r)
            else:
                p.copy_(r * 1.5 / p[0].numel() ** 0.5)
        # BERT's post-norm blocks renormalise x + f(x): with full-size sub-layer outputs the (position-blind)
        # cross-attention swamps the token and position, and greedy decoding repeats one token. Smaller output
        # projections keep the residual stream, so captions vary along the sequence.
        for name, p in model.text_decoder.named_parameters():
            if name.endswith("output.dense.weight"):
                p.mul_(0.25)
    return model


def main():
    torch.manual_seed(0)
    tok = train_tokenizer()
    vocab = len(tok)
    vision = BlipVisionConfig(hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                              image_size=SIZE, patch_size=8)
    # encoder_hidden_size follows the vision width (BlipConfig sets it); a text width of 24 keeps the two apart.
    text = BlipTextConfig(vocab_size=vocab, hidden_size=24, intermediate_size=40, num_hidden_layers=2,
                          num_attention_heads=3, max_position_embeddings=40,
                          bos_token_id=tok.convert_tokens_to_ids("[DEC]"), pad_token_id=tok.pad_token_id,
                          sep_token_id=tok.sep_token_id, eos_token_id=tok.cls_token_id)
    cfg = BlipConfig(vision_config=vision.to_dict(), text_config=text.to_dict())
    model = randomize(BlipForConditionalGeneration(cfg), 22).eval()
    image_kwargs = dict(size={"height": SIZE, "width": SIZE})
    processor = BlipProcessor(image_processor=BlipImageProcessor(**image_kwargs), tokenizer=tok)
    pil = BlipImageProcessorPil(**image_kwargs)
    model.save_pretrained(OUT)
    processor.save_pretrained(OUT)

    cases, tensors, margins = [], {}, []
    for name in PHOTOS:
        image = Image.open(IMAGES / f"{name}.jpg").convert("RGB")
        for text_prompt in PROMPTS:
            i = len(cases)
            inputs = processor(images=image, text=text_prompt, return_tensors="pt")
            inputs["pixel_values"] = pil(images=image, return_tensors="pt")["pixel_values"]
            with torch.no_grad():
                # No min_new_tokens: a caption may end at [SEP] (sep_token_id), which tests the stop as well.
                gen = model.generate(**inputs, do_sample=False, max_new_tokens=NEW_TOKENS, output_logits=True,
                                     return_dict_in_generate=True)
                vision_out = model.vision_model(pixel_values=inputs["pixel_values"])
            # What generate feeds the decoder: [CLS] replaced by [DEC] and the trailing [SEP] dropped.
            prompt_ids = [text.bos_token_id] if text_prompt is None else \
                [text.bos_token_id] + inputs["input_ids"][0, 1:-1].tolist()
            sequence = gen.sequences[0].tolist()
            assert sequence[:len(prompt_ids)] == prompt_ids, (sequence, prompt_ids)
            cases.append({"photo": name, "text": text_prompt, "prompt_ids": prompt_ids,
                          "generated_ids": sequence[len(prompt_ids):],
                          "caption": processor.decode(sequence, skip_special_tokens=True)})
            tensors[f"pixel_values.{i}"] = inputs["pixel_values"][0].clone()
            tensors[f"image_embeds.{i}"] = vision_out.last_hidden_state[0].clone()
            tensors[f"pooler_output.{i}"] = vision_out.pooler_output[0].clone()
            tensors[f"logits.{i}"] = torch.stack([step[0] for step in gen.logits]).clone()
            top2 = tensors[f"logits.{i}"].topk(2).values
            margins.append(float((top2[:, 0] - top2[:, 1]).min() / tensors[f"logits.{i}"].abs().max()))
    (OUT / "expected.json").write_text(json.dumps({"cases": cases}, indent=1))
    save_file({k: v.float().contiguous() for k, v in tensors.items()}, OUT / "expected.safetensors")
    defaults = TOOLS.parent / "Tests/MultimodalTests/Fixtures/Configs/blip_default_config.json"
    defaults.parent.mkdir(parents=True, exist_ok=True)
    defaults.write_text(BlipConfig().to_json_string())
    for c in cases:
        print(c["photo"], c["text"], c["generated_ids"], repr(c["caption"]))
    # Greedy parity is only meaningful when no step is a near tie.
    print("smallest top-1/top-2 margin relative to max |logit|:", min(margins))


if __name__ == "__main__":
    main()
