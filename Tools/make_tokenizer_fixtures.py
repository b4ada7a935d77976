#!/usr/bin/env python3
"""Trains small tokenizers locally with Hugging Face `tokenizers` (0.23.3) and records reference outputs.

Writes into Tests/TextModelsTests/Fixtures/Tokenizers/:
  <name>.json           the tokenizer.json as the library saves it
  strings.json          the shared test strings
  expected_<name>.json  ids with / without special tokens and decodes (skip_special_tokens false / true)

Nothing is downloaded: the training corpus is generated here (seeded) plus the source text of a few
standard-library modules. Run with the reference venv:
  ~/.cache/genkit-reference-venv/bin/python Tools/make_tokenizer_fixtures.py
"""
import inspect
import json
import os

# Single-threaded training gives the most repeatable merges; WordPiece/Unigram training can still vary between
# runs (hash order), so the committed fixtures, not a re-run, are the reference.
os.environ["TOKENIZERS_PARALLELISM"] = "false"
import random
import textwrap
import string
import json.decoder as json_decoder

import tokenizers
from tokenizers import Tokenizer, AddedToken, Regex
from tokenizers import models, normalizers, pre_tokenizers, decoders, processors, trainers

assert tokenizers.__version__ == "0.23.3", tokenizers.__version__

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "TextModelsTests", "Fixtures", "Tokenizers")

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3_PATTERN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
QWEN2_PATTERN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
CLIP_PATTERN = r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""

WORDS_EN = ("the of and to in is was that for it with as his on be at by had are but from not have this they "
            "which one you were all she there would their we him been has when who will no more if out so said "
            "what up its about than into them can only other new some could time these two may first then do "
            "any like my now over such our man me even most made after also did many before must through back "
            "years where much your way well down should because each just those people how too little state good "
            "very make world still see own men work long here get both between life being under never day same "
            "another know while last might us great old year off come since against go came right used take three "
            "don't it's I'm we've they're you'll he'd Hello HELLO World Tokenizer tokenization naïve café résumé").split()
WORDS_OTHER = ("Straße größer Übung déjà vu señor niño Ελληνικά γλώσσα русский язык пример Привет мир "
               "日本語 東京 中文 你好世界 한국어 안녕하세요 العربية مرحبا עברית שלום हिन्दी नमस्ते ไทย สวัสดี "
               "Tiếng Việt phở İstanbul ıi ǅ ﬁ ①②③ ½ Ⅻ").split()
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "🇯🇵", "❤️", "🤖", "✨", "🧑🏿‍💻"]


def corpus():
    rng = random.Random(1234)
    lines = []
    for module in (textwrap, string, json_decoder, random):
        lines.extend(inspect.getsource(module).splitlines())
    for _ in range(3000):
        n = rng.randint(3, 18)
        words = [rng.choice(WORDS_EN) for _ in range(n)]
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words) + 1), rng.choice(WORDS_OTHER))
        if rng.random() < 0.1:
            words.insert(rng.randrange(len(words) + 1), rng.choice(EMOJI))
        if rng.random() < 0.2:
            words.append(str(rng.randint(0, 100000)))
        sentence = " ".join(words)
        sentence = sentence[0].upper() + sentence[1:] + rng.choice([".", "!", "?", ",", ";", ""])
        lines.append(sentence)
    return lines


def test_strings():
    s = [
        "", " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n\n", " \n ", "\t\t x \t", "a", "A", "I", " a", "a ",
        "Hello world", "Hello  world", "Hello   world!", " Hello world ", "hello\nworld", "hello\r\nworld\r\n",
        "Hello, world! How are you doing today?", "It's a dog's life, isn't it? We'll see. They'd've.",
        "IT'S SHOUTING'S TIME", "don'T 'S 'LL 'Re", "'s's's", "''''", "\"quoted\" 'single'",
        "The quick brown fox jumps over the lazy dog.", "THE QUICK BROWN FOX", "tHe QuIcK",
        "123", "1234567890", "3.14159", "1,000,000", "2026-11-22T23:59:59Z", "v1.2.3-beta+build.5", "0x1F 0b1010 1e-9",
        "①②③ ½ ¾ Ⅻ ²³", "١٢٣٤ ٥٦٧", "१२३",
        "naïve café résumé", "nai\u0308ve cafe\u0301", "e\u0301\u0301\u0301", "\u0301start with accent", "Å Å Å",
        "Straße größer Übung", "ﬁnance ﬂow ﬀ", "İstanbul ıi", "ǅemal", "ΣΑΣ σας", "Ελληνικά γλώσσα",
        "Привет, мир!", "日本語のテキスト", "東京タワー", "你好，世界！", "中文字符和English混合", "한국어 안녕하세요",
        "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก", "Tiếng Việt có dấu",
        "😀", "😀😀😀", "👍🏽 nice", "👨‍👩‍👧‍👦 family", "🏳️‍🌈", "🇫🇷🇯🇵🇺🇸", "❤️ love", "🤖✨", "🧑🏿‍💻 coder",
        "emoji😀inside", "a\u200db", "zero\u200bwidth", "\ufeffBOM", "\u00a0nbsp\u00a0", "em\u2003space", "\u3000ideographic",
        "tab\tseparated\tvalues", "line1\nline2\n\nline4", "trailing spaces   ", "   leading spaces",
        "mixed \t\n whitespace \r\n\t end", "a\x00b", "\x07bell\x1b[0m", "\ufffd replacement", "\U0010ffff max",
        "def foo(x):\n    return x * 2\n", "for (int i = 0; i < n; ++i) { sum += a[i]; }",
        "if x == 1:\n\tprint('tab')\n", "    indented\n        more\n", "<div class=\"x\">&amp;</div>",
        "SELECT * FROM users WHERE id = 42;", "https://example.com/path?q=1&r=2#frag", "user@example.com",
        "C:\\Windows\\System32", "~/.cache/genkit", "$HOME && echo ${PATH}", "a+b=c", "x<=y>=z!=w",
        "snake_case_name camelCaseName PascalCase kebab-case", "__init__ __name__", "#include <stdio.h>",
        "```python\nprint(1)\n```", "// comment\n/* block */", "@decorator\nclass A: pass",
        "!!!???...", "---", "...", "—–-", "«guillemets» „quotes“", "¿Qué? ¡Sí!", "§¶†‡•",
        "<|endoftext|>", "Hello<|endoftext|>world", "<|endoftext|> <|endoftext|>", "a <mask> b", "a<mask>b",
        "  <mask>  ", "<|user|>  hi", "<|user|>hi", "foobar", "foobar baz", "xfoobar", "foobarx", "foo bar",
        "<s>hello</s>", "<s> hello </s>", "[CLS] hello [SEP]", "[MASK]", "the [MASK] is", "a[MASK]b",
        "<|begin_of_text|>Hi<|eot_id|>", "<|im_start|>user\nhi<|im_end|>\n", "<|startoftext|>photo",
        "<unk>", "<pad>", "</s>", "<special_one>", " <special_one> x", "word<special_one>word",
        "unbelievable", "antidisestablishmentarianism", "supercalifragilisticexpialidocious",
        "ThisIsAVeryLongCamelCaseIdentifierThatGoesOnAndOn", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "ababababababababababab", "zzzzzz", "qqqq xxxx", "ŧħĸł", "ẞ", "ß", "ﬀ",
        "a" * 101, "ab" * 60 + " end", "1" * 50, "é" * 40, "日" * 30,
        "internationalization" * 500,  # a 10 kB word
    ]
    rng = random.Random(99)
    pool_words = WORDS_EN + WORDS_OTHER + EMOJI + ["<|endoftext|>", "<mask>", "[MASK]", "<s>", "</s>", "foobar",
                                                   "<special_one>", "123", "4567", "3.5", "'s", "'LL"]
    seps = [" ", " ", " ", "  ", "\n", "\t", "", ", ", ". ", " \n", "\r\n", "   "]
    while len(s) < 340:
        n = rng.randint(1, 14)
        out = []
        for _ in range(n):
            out.append(rng.choice(pool_words))
            out.append(rng.choice(seps))
        if rng.random() < 0.5:
            out.pop()
        s.append("".join(out))
    # Unique, order kept.
    seen, uniq = set(), []
    for x in s:
        if x not in seen:
            seen.add(x)
            uniq.append(x)
    return uniq


def bpe_trainer(vocab_size, special, **kw):
    return trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=special, show_progress=False, **kw)


def extra_tokens(tok, special_names):
    """Adds the same family of extra tokens to every tokenizer (specials with lstrip/rstrip, a single-word one)."""
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True, normalized=False),
                            AddedToken("<|user|>", rstrip=True, special=True, normalized=False)])
    tok.add_tokens([AddedToken("foobar", single_word=True, special=False),
                    AddedToken("<special_one>", lstrip=True, rstrip=True, special=False, normalized=False)])
    tok.add_special_tokens([AddedToken(n, special=True) for n in special_names])


def gpt2(lines):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=True)
    tok.train_from_iterator(lines, bpe_trainer(1200, ["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    extra_tokens(tok, [])
    return tok


def llama3(lines):
    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(lines, bpe_trainer(1500, ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"],
                                               initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.model.ignore_merges = True
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|>:1 $B:1",
                                      special_tokens=[("<|begin_of_text|>", bos)])])
    extra_tokens(tok, [])
    return tok


def qwen2(lines):
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.train_from_iterator(lines, bpe_trainer(1300, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                                               initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    extra_tokens(tok, [])
    return tok


def sentencepiece_bpe(lines):
    tok = Tokenizer(models.BPE(byte_fallback=True, fuse_unk=True, unk_token="<unk>"))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(content=" ", left=1, right=0)])
    tok.train_from_iterator(lines[:1500], bpe_trainer(1000, ["<unk>", "<s>", "</s>"], limit_alphabet=120))
    data = json.loads(tok.to_str())
    vocab = data["model"]["vocab"]
    for b in range(256):
        vocab.setdefault("<0x%02X>" % b, len(vocab))
    data["model"]["byte_fallback"] = True
    data["model"]["fuse_unk"] = True
    tok = Tokenizer.from_str(json.dumps(data))
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B",
                                                       special_tokens=[("<s>", tok.token_to_id("<s>"))])
    extra_tokens(tok, [])
    return tok


def metaspace_bpe(lines):
    """Same trained model as sentencepiece_bpe but in the newer layout: Metaspace(prepend_scheme=first), no normalizer."""
    tok = sentencepiece_bpe(lines)
    tok.normalizer = None
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    tok.decoder = decoders.Sequence([decoders.Metaspace(replacement="▁", prepend_scheme="first", split=False),
                                     decoders.ByteFallback(), decoders.Fuse()])
    return tok


def clip(lines):
    tok = Tokenizer(models.BPE(unk_token="<|endoftext|>", end_of_word_suffix="</w>"))
    tok.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(CLIP_PATTERN), behavior="removed", invert=True)
    tok.decoder = decoders.BPEDecoder(suffix="</w>")
    tok.train_from_iterator(lines, bpe_trainer(1000, ["<|startoftext|>", "<|endoftext|>"], end_of_word_suffix="</w>",
                                               limit_alphabet=150))
    tok.post_processor = processors.RobertaProcessing(("<|endoftext|>", tok.token_to_id("<|endoftext|>")),
                                                      ("<|startoftext|>", tok.token_to_id("<|startoftext|>")))
    extra_tokens(tok, [])
    return tok


def bert_wordpiece(lines):
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=30))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    tok.train_from_iterator(lines, trainers.WordPieceTrainer(vocab_size=1200, show_progress=False, limit_alphabet=300,
                                                             special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    tok.post_processor = processors.BertProcessing(("[SEP]", tok.token_to_id("[SEP]")), ("[CLS]", tok.token_to_id("[CLS]")))
    tok.add_special_tokens([AddedToken("[MASK]", lstrip=True, special=True)])
    extra_tokens(tok, [])
    return tok


def wordpiece_digits(lines):
    """WordPiece with Whitespace/Digits/Punctuation pre-tokenizers, NFD+StripAccents+Strip, and a template."""
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.Lowercase(), normalizers.StripAccents(),
                                           normalizers.Strip()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=True),
                                                 pre_tokenizers.Punctuation()])
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=False)
    tok.train_from_iterator(lines, trainers.WordPieceTrainer(vocab_size=900, show_progress=False, limit_alphabet=200,
                                                             special_tokens=["[UNK]", "[CLS]", "[SEP]"]))
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                       special_tokens=[("[CLS]", tok.token_to_id("[CLS]")),
                                                                       ("[SEP]", tok.token_to_id("[SEP]"))])
    extra_tokens(tok, [])
    return tok


def unigram(lines):
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(),
                                                 pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.train_from_iterator(lines, trainers.UnigramTrainer(vocab_size=900, show_progress=False, unk_token="<unk>",
                                                           special_tokens=["<pad>", "</s>", "<unk>"]))
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>",
                                                       special_tokens=[("</s>", tok.token_to_id("</s>"))])
    extra_tokens(tok, [])
    return tok


def bytelevel_variants(lines):
    """Byte-level BPE behind the less common pieces: NFKD + left Strip, literal Split patterns with
    merged_with_previous / merged_with_next, contiguous Digits and Punctuation, ByteLevel with add_prefix_space
    and its own regex, and a template with a trailing token."""
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.Sequence([normalizers.NFKD(), normalizers.Strip(left=True, right=False)])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split("-", behavior="merged_with_previous"),
        pre_tokenizers.Split("::", behavior="merged_with_next"),
        pre_tokenizers.Split(Regex(r"[aeiou]{2,}"), behavior="contiguous"),
        pre_tokenizers.Digits(individual_digits=False),
        pre_tokenizers.Punctuation(behavior="contiguous"),
        pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True)])
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(lines, bpe_trainer(900, ["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    eot = tok.token_to_id("<|endoftext|>")
    tok.post_processor = processors.TemplateProcessing(single="$A <|endoftext|>", pair="$A <|endoftext|> $B:1",
                                                       special_tokens=[("<|endoftext|>", eot)])
    extra_tokens(tok, [])
    return tok


def unigram_byte_fallback(lines):
    """The Unigram model with `<0xXX>` pieces and byte_fallback, Metaspace prepend_scheme=first without split."""
    tok = unigram(lines)
    data = json.loads(tok.to_str())
    vocab = data["model"]["vocab"]
    for b in range(256):
        vocab.append(["<0x%02X>" % b, 0.0])
    data["model"]["byte_fallback"] = True
    data["pre_tokenizer"] = json.loads(pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False).__getstate__())
    data["decoder"] = json.loads(decoders.Sequence([decoders.Metaspace(replacement="▁", prepend_scheme="first", split=False),
                                                    decoders.ByteFallback(), decoders.Fuse()]).__getstate__())
    return Tokenizer.from_str(json.dumps(data))


BUILDERS = {
    "gpt2_bpe": gpt2, "llama3_bpe": llama3, "qwen2_bpe": qwen2, "sentencepiece_bpe": sentencepiece_bpe,
    "metaspace_bpe": metaspace_bpe, "clip_bpe": clip, "bert_wordpiece": bert_wordpiece,
    "wordpiece_digits": wordpiece_digits, "unigram": unigram, "bytelevel_variants": bytelevel_variants,
    "unigram_byte_fallback": unigram_byte_fallback,
}


def main():
    os.makedirs(OUT, exist_ok=True)
    lines = corpus()
    strings = test_strings()
    with open(os.path.join(OUT, "strings.json"), "w", encoding="utf-8") as f:
        json.dump(strings, f, ensure_ascii=False)
    for name, build in BUILDERS.items():
        tok = build(lines)
        # Round-trip through JSON so the expectations come from exactly the file the tests load.
        text = tok.to_str()
        tok = Tokenizer.from_str(text)
        with open(os.path.join(OUT, name + ".json"), "w", encoding="utf-8") as f:
            f.write(text)
        expected = {"ids": [], "ids_no_special": [], "decode": [], "decode_skip": []}
        for s in strings:
            enc = tok.encode(s, add_special_tokens=True)
            expected["ids"].append(enc.ids)
            expected["ids_no_special"].append(tok.encode(s, add_special_tokens=False).ids)
            expected["decode"].append(tok.decode(enc.ids, skip_special_tokens=False))
            skipped = tok.decode(enc.ids, skip_special_tokens=True)
            # null when equal to the plain decode, to keep the fixtures small
            expected["decode_skip"].append(None if skipped == expected["decode"][-1] else skipped)
        with open(os.path.join(OUT, "expected_" + name + ".json"), "w", encoding="utf-8") as f:
            json.dump(expected, f, ensure_ascii=False, separators=(",", ":"))
        print(name, tok.get_vocab_size(), len(text))
    print(len(strings), "strings")


if __name__ == "__main__":
    main()
