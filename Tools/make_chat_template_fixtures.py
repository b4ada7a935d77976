#!/usr/bin/env python3
"""Render the vendored chat templates with transformers' apply_chat_template and store the results.

Reads Tests/TextModelsTests/Fixtures/ChatTemplates/*.jinja (verbatim templates of public models), renders each
over a fixed set of conversations with a tokenizer built locally (no hub access), and writes
Tests/TextModelsTests/Fixtures/ChatTemplates/expected.json. For conversations a template rejects, the error type and
message are stored instead. Llama's strftime_now date is replaced by the placeholder <TODAY> so the fixture does not
depend on the day it was made.

Run with the reference venv:  ~/.cache/genkit-reference-venv/bin/python Tools/make_chat_template_fixtures.py
"""

import json
from datetime import datetime
from pathlib import Path

import jinja2
import transformers
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import Whitespace
from transformers import PreTrainedTokenizerFast

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "TextModelsTests" / "Fixtures" / "ChatTemplates"

# Special tokens as each model's tokenizer_config.json declares them.
TEMPLATES = {
    "llama-3.2-instruct": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
    "qwen2.5-instruct": {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"},
    "smollm2-instruct": {
        "bos_token": "<|im_start|>", "eos_token": "<|im_end|>", "unk_token": "<|endoftext|>", "pad_token": "<|im_end|>",
    },
    "mistral-7b-instruct-v0.3": {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"},
    "gemma-2-it": {"bos_token": "<bos>", "eos_token": "<eos>", "unk_token": "<unk>", "pad_token": "<pad>"},
    "phi-3.5-mini-instruct": {
        "bos_token": "<s>", "eos_token": "<|endoftext|>", "unk_token": "<unk>", "pad_token": "<|endoftext|>",
    },
    "llava-1.5": {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"},
}

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a city, e.g. \"Paris\" or 'Zürich'",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The city name"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7.5},
            },
            "required": ["location"],
        },
    },
}

TRICKY_TEXT = '  Naïve café 日本語 🙂 "double" \'single\' back\\slash\nnew line\ttab </s> {{ not jinja }}  '


def text(role, content):
    return {"role": role, "content": content}


CONVERSATIONS = {
    "user_only": [text("user", "Hello!")],
    "system_user": [text("system", "You are a helpful assistant."), text("user", "What is 2+2?")],
    "multi_turn": [
        text("user", "Hi there."),
        text("assistant", "Hello! How can I help?"),
        text("user", "Tell me a joke."),
    ],
    "system_multi_turn": [
        text("system", "Answer briefly."),
        text("user", "Capital of France?"),
        text("assistant", " Paris. "),
        text("user", "And of Italy?"),
    ],
    "assistant_last": [text("user", "Say hi."), text("assistant", "Hi!")],
    "unicode_and_escapes": [text("system", TRICKY_TEXT), text("user", TRICKY_TEXT)],
    "empty_system": [text("system", ""), text("user", "Go.")],
    "roles_not_alternating": [text("user", "One."), text("user", "Two.")],
    "image_parts": [
        {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is in this image?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "A cat on a sofa."}]},
        {"role": "user", "content": [{"type": "text", "text": "And this one?"}, {"type": "image"}]},
    ],
}

TOOL_CONVERSATIONS = {
    "llama-3.2-instruct": [
        text("user", "What's the weather in Paris?"),
        {
            "role": "assistant",
            "tool_calls": [
                {"type": "function", "function": {"name": "get_current_weather", "arguments": {"location": "Paris", "unit": "celsius"}}}
            ],
        },
        text("tool", '{"temperature": 21.5, "sky": "clear"}'),
    ],
    "qwen2.5-instruct": [
        text("system", "You are a weather bot."),
        text("user", "What's the weather in Paris and Rome?"),
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"type": "function", "function": {"name": "get_current_weather", "arguments": {"location": "Paris"}}},
                {"type": "function", "function": {"name": "get_current_weather", "arguments": {"location": "Rome", "unit": "celsius"}}},
            ],
        },
        text("tool", "21 degrees"),
        text("tool", "25 degrees"),
        text("assistant", "Paris: 21°C, Rome: 25°C."),
    ],
    "mistral-7b-instruct-v0.3": [
        text("system", "Be precise."),
        text("user", "What's the weather in Paris?"),
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "call12345", "type": "function", "function": {"name": "get_current_weather", "arguments": {"location": "Paris"}}}
            ],
        },
        {"role": "tool", "tool_call_id": "call12345", "content": "21 degrees"},
        text("assistant", "It is 21 degrees."),
        text("user", "Thanks!"),
    ],
}


def make_tokenizer(special_tokens, template):
    vocab = {"[UNK]": 0}
    for token in special_tokens.values():
        vocab.setdefault(token, len(vocab))
    backend = Tokenizer(WordLevel(vocab=vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, **special_tokens)
    tokenizer.chat_template = template
    return tokenizer


def render(tokenizer, messages, add_generation_prompt, tools, extra):
    try:
        rendered = tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=add_generation_prompt, tools=tools, **extra
        )
        return {"expected": rendered}
    except Exception as error:  # noqa: BLE001 - every failure is recorded as an expected error
        return {
            "error_type": type(error).__name__,
            "error_message": str(error),
            "raised_by_template": isinstance(error, jinja2.exceptions.TemplateError)
            and not isinstance(error, (jinja2.exceptions.UndefinedError, jinja2.exceptions.TemplateSyntaxError)),
        }


def main():
    today = datetime.now().strftime("%d %b %Y")
    cases = []
    for name, special_tokens in TEMPLATES.items():
        template = (FIXTURES / f"{name}.jinja").read_text(encoding="utf-8")
        tokenizer = make_tokenizer(special_tokens, template)
        runs = []
        for conversation_name, messages in CONVERSATIONS.items():
            for add_generation_prompt in (False, True):
                runs.append((conversation_name, messages, add_generation_prompt, None, {}))
        if name in TOOL_CONVERSATIONS:
            runs.append(("tools_call_and_result", TOOL_CONVERSATIONS[name], False, [WEATHER_TOOL], {}))
            runs.append(("tools_offered", CONVERSATIONS["system_user"], True, [WEATHER_TOOL], {}))
        if name.startswith("llama"):
            runs.append(("tools_in_system", CONVERSATIONS["system_user"], True, [WEATHER_TOOL], {"tools_in_user_message": False}))
            runs.append(("fixed_date", CONVERSATIONS["system_user"], True, None, {"date_string": "26 Jul 2024"}))
        for conversation_name, messages, add_generation_prompt, tools, extra in runs:
            case = {
                "template": name,
                "conversation": conversation_name,
                "messages": messages,
                "add_generation_prompt": add_generation_prompt,
                "tools": tools,
                "extra_context": extra,
            }
            result = render(tokenizer, messages, add_generation_prompt, tools, extra)
            if "expected" in result and "date_string" not in extra:
                result["expected"] = result["expected"].replace(f"Today Date: {today}", "Today Date: <TODAY>")
            case.update(result)
            cases.append(case)
    output = {
        "generator": "Tools/make_chat_template_fixtures.py",
        "transformers_version": transformers.__version__,
        "jinja2_version": jinja2.__version__,
        "today_placeholder": "<TODAY>",
        "today_format": "%d %b %Y",
        "templates": {name: {"file": f"{name}.jinja", "special_tokens": tokens} for name, tokens in TEMPLATES.items()},
        "cases": cases,
    }
    path = FIXTURES / "expected.json"
    path.write_text(json.dumps(output, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    errors = sum(1 for case in cases if "expected" not in case)
    print(f"wrote {len(cases)} cases ({errors} expected errors) to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
