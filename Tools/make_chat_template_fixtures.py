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
    # Llama 3.3 ships Llama 3.1's template (built-in tools, fixed default date).
    "llama-3.3-instruct": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
    "qwen3": {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"},
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
    # Stress tests, not verbatim model templates: SmolLM3's template as edited by Unsloth, and an abridged copy of
    # gpt-oss's (long tool descriptions shortened, date format changed so the <TODAY> placeholder applies). They
    # exercise macros, recursion, namespaces, string methods and `-` whitespace control heavily.
    "smollm3-unsloth": {"bos_token": "<|im_start|>", "eos_token": "<|im_end|>", "pad_token": "<|im_end|>"},
    "gpt-oss-abridged": {"bos_token": "<|startoftext|>", "eos_token": "<|return|>", "pad_token": "<|endoftext|>"},
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

RICH_TOOL = {
    "type": "function",
    "function": {
        "name": "search_catalog",
        "description": "Search the product catalog",
        "parameters": {
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "Free text"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "scores": {"type": "array", "items": {"type": "number"}},
                "filters": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}}}},
                "sort": {"type": "string", "enum": ["price", "rating"], "default": "rating"},
                "limit": {"type": "integer", "default": 10, "nullable": True},
                "mode": {"oneOf": [{"type": "string", "description": "named"}, {"type": "integer"}], "default": "auto"},
                "anything": {"type": ["string", "object"]},
                "exact": {"type": "boolean"},
                "options": {"type": "object", "properties": {"fuzzy": {"type": "boolean"}, "lang": {"type": "string"}}, "required": ["lang"]},
            },
            "required": ["query"],
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
    "gpt-oss-abridged": [
        text("developer", "Use tools when needed."),
        text("user", "Find cheap lamps."),
        {
            "role": "assistant",
            "thinking": "I should search.",
            "tool_calls": [{"type": "function", "function": {"name": "search_catalog", "arguments": {"query": "lamp", "sort": "price"}}}],
        },
        text("tool", '[{"name": "Lampe", "price": 9.5}]'),
        {"role": "assistant", "content": "The Lampe costs 9.50.", "thinking": "Found one."},
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


# Small templates exercising the interpreter: whitespace control, loops, scoping, expressions, filters, tests,
# methods. Rendered with the same Jinja environment transformers compiles chat templates in.
INTERPRETER_CONTEXT = {
    "items": ["a", "b", "c"],
    "d": {"b": 1, "a": 2},
    "name": "World",
    "nothing": None,
    "people": [
        {"name": "Bo", "age": 30, "type": "image"},
        {"name": "al", "age": 25, "type": "text", "text": "hi"},
        {"name": "Cy", "age": 35},
    ],
    "text": TRICKY_TEXT,
    "nums": [3, 1, 2, 3],
    "words": ["b", "A", "a", "c"],
    "nested": {"outer": {"inner": [1, {"k": "v"}]}, "empty_list": [], "empty_dict": {}, "unicode": "日本🙂é"},
}

INTERPRETER_CASES = {
    "trim_blocks": "{% if true %}\n  yes\n{% endif %}\nafter\n",
    "lstrip_blocks": "  {% if true %}x{% endif %}  \n  {{ 'y' }}  \n    {% if true %}\n    z\n    {% endif %}\n",
    "dash_strips": "a  {%- if true -%}  b  {%- endif -%}  c\n\n{{- ' d ' -}}\n\n{{ 'e' }}",
    "plus_keeps_indent": "   {%+ if true %}x{% endif %}\n",
    "comment_lines": "line1\n    {# comment #}\nline2\n{#- dashed -#}\n  line3",
    "crlf_and_trailing_newline": "x\r\ny\r\n{% if true %}\r\nz\r\n{% endif %}\r\n",
    "loop_whitespace": "{% for i in range(3) %}\n  {{ i }}\n{% endfor %}\n{%- for i in [1, 2] %}\n\t{{- i }}\n{% endfor -%}\n end",
    "text_before_tag_on_line": "text {% if true %}\n  {% endif %}|  \n{% if true %}+{% endif %}",
    "loop_variables": "{% for x in items %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }}|{% endfor %}",
    "loop_prev_next": "{% for x in items %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}",
    "for_else": "{% for x in [] %}x{% else %}empty{% endfor %}{% for x in nothing or [] %}y{% else %}!{% endfor %}",
    "unpacking_items": "{% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %}{% for k, v in d | items %}{{ k }}{{ v }}{% endfor %}{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}",
    "inline_if_filter": "{% for x in items if x != 'b' %}{{ loop.index }}{{ x }}{{ loop.length }}{% endfor %}",
    "break_continue": "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}",
    "iterate_dict_and_string": "{% for k in d %}{{ k }}{% endfor %}|{% for c in 'héllo' %}{{ c }}.{% endfor %}",
    "loop_scope": "{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}{% if true %}{% set y = 5 %}{% endif %}{{ y }}",
    "nested_loops": "{% for a in [1, 2] %}{% for b in [3] %}{{ loop.index }}{{ a }}{{ b }}{% endfor %}{{ loop.index }};{% endfor %}",
    "namespace": "{% set ns = namespace(count=0, found=false) %}{% for i in range(4) %}{% set ns.count = ns.count + i %}{% if i == 2 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.count }} {{ ns.found }}",
    "tuple_set": "{% set a, b = 1, 2 %}{{ a }}{{ b }}",
    "block_set": "{% set greeting %}Hello {{ name }}{% endset %}[{{ greeting }}]{% set s | upper %}abc{% endset %}{{ s }}",
    "macro": "{% macro f(a, b='x') %}<{{ a }}{{ b }}>{% endmacro %}{{ f(1) }}{{ f(2, b='y') }}{{ f(3, 'z') }}",
    "filter_block_generation": "{% filter upper %}abc{{ 'd' }}{% endfilter %}{% generation %}gen{% endgeneration %}",
    "arithmetic": "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 2 ** 3 ** 2 }} {{ 1.5 + 1 }} {{ 'a' ~ 1 ~ none ~ nothing }} {{ -1 | abs }} {{ 7.5 // 2 }} {{ -7.5 % 2 }}",
    "float_printing": "{{ 0.1 + 0.2 }} {{ 1e20 }} {{ 1.0 }} {{ 3.0 / 2 }} {{ 1e-5 }} {{ 0.0001 }} {{ 123456789012345678.0 }} {{ 10 / 4 }} {{ 1e16 }} {{ 1e15 }} {{ -2.5e-7 }}",
    "container_printing": "{{ [1, 'a', none, true, 1.5, {'k': 'v'}] }} {{ {'a': [1]} }} {{ \"it's\" }} {{ ['it\\'s', 'say \"hi\"', 'both \\' \"', 'nl\\n'] }} {{ nested }}",
    "comparisons": "{{ 1 < 2 }} {{ 'a' < 'b' }} {{ 'B' < 'a' }} {{ 1 == 1.0 }} {{ true == 1 }} {{ 'x' in 'xyz' }} {{ 2 not in [1] }} {{ 'k' in {'k': 1} }} {{ [1, 2] == [1, 2] }} {{ [1, 2] < [1, 3] }} {{ none == none }} {{ not 1 == 2 }} {{ 1 != 1.0 }}",
    "logic": "{{ 0 or 'x' }} {{ 1 and 'y' }} {{ none or [] }} {{ not 0 }} [{{ 'a' if false }}] {{ 'a' if false else 'b' }} {{ 1 if 0 else 2 if 0 else 3 }} {{ nothing is none and items }}",
    "slices_and_indexes": "{{ 'abcdef'[1:] }} {{ 'abcdef'[::-1] }} {{ [1, 2, 3, 4][1:3] }} {{ [1, 2, 3, 4][-2:] }} {{ 'abc'[-1] }} {{ [1, 2, 3][::2] }} {{ items[5] is undefined }} {{ items[-1] }} {{ 'abcdef'[4:1:-1] }} {{ items[:-1] }} {{ 'héllo'[1] }}",
    "attributes_and_items": "{{ d.a }} {{ d['b'] }} {{ d.missing is defined }} {{ d.get('missing', 'def') }} {{ d.get('a') }} {{ d.get('zz') }} {{ d.keys() | list }} {{ d.values() | list }} {{ people[1].name }} {{ nested.outer.inner[1].k }} {{ nested['outer']['inner'][0] }} {{ items.0 }}",
    "string_literals": "{{ 'a\\tb\\n' }}{{ \"\\u00e9\\x41\" }}{{ 'q\\'q' }}{{ 'a' 'b' }}{{ '}}' }}{{ {'a': {'b': 1}} }}{{ 'back\\\\slash' }}{{ 'unknown \\d escape' }}",
    "tests": "{{ 1 is number }} {{ true is number }} {{ 1 is integer }} {{ true is integer }} {{ 1.0 is float }} {{ 'a' is string }} {{ none is none }} {{ x is undefined }} {{ [] is iterable }} {{ 'a' is iterable }} {{ {} is mapping }} {{ 4 is even }} {{ 3 is odd }} {{ 9 is divisibleby 3 }} {{ true is true }} {{ 1 is true }} {{ 'x' is equalto 'x' }} {{ 3 is gt 2 }} {{ 'a' is in 'abc' }} {{ 1 is not string }} {{ none is sameas none }} {{ false is sameas false }} {{ 'ab' is lower }} {{ d is sequence }} {{ 1 is boolean }} {{ false is boolean }} {{ 'x' is eq 'y' }} {{ 2 is ne 3 }}",
    "string_filters": "{{ text | trim }}|{{ '  x  ' | trim }}|{{ 'xxhixx' | trim('x') }}|{{ 'Hello' | upper }}{{ 'Hello' | lower }}|{{ 'hello wORLD-foo (bar' | title }}|{{ 'hELLO world' | capitalize }}|{{ 'a-b-a' | replace('a', 'o') }}|{{ 'a-b-a' | replace('a', 'o', 1) }}|{{ 'one two  three' | wordcount }}|{{ 'ab' | center(7) }}|{{ '<a href=\"x\">&\\'' | e }}|{{ 5 | string ~ 'x' }}",
    "sequence_filters": "{{ nested.unicode | length }} {{ items | count }} {{ items | first }} {{ items | last }} {{ 'abc' | first }} {{ items | join }} {{ items | join(', ') }} {{ people | join('/', attribute='name') }} {{ 'abc' | list }} {{ nums | unique | list }} {{ words | unique | list }} {{ words | sort }} {{ words | sort(reverse=true, case_sensitive=true) }} {{ people | sort(attribute='age') | map(attribute='name') | list }} {{ nums | reverse | list }} {{ 'abc' | reverse }} {{ nums | sum }} {{ nums | min }} {{ nums | max }} {{ people | sum(attribute='age') }}",
    "map_select": "{{ items | map('upper') | list }} {{ people | map(attribute='name') | list }} {{ people | map(attribute='text', default='-') | list }} {{ nums | select('odd') | list }} {{ nums | reject('odd') | list }} {{ [0, 1, '', 'a', none] | select | list }} {{ people | selectattr('type', 'equalto', 'image') | map(attribute='name') | list }} {{ people | rejectattr('type') | map(attribute='name') | list }} {{ people | selectattr('text', 'undefined') | list | length }} {{ people | selectattr('age', 'gt', 26) | map(attribute='name') | join(',') }}",
    "number_filters": "{{ '42' | int }} {{ '4.7' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} {{ '2.5' | float }} {{ 3 | float }} {{ 2.5 | round }} {{ 3.5 | round }} {{ 2.567 | round(2) }} {{ 2.1 | round(0, 'ceil') }} {{ -3 | abs }} {{ true | int }}",
    "default_filter": "[{{ missing | default('d') }}][{{ nothing | default('d') }}][{{ nothing | default('d', true) }}][{{ '' | d('e', boolean=true) }}][{{ missing }}][{{ missing | length }}][{{ missing | trim }}][{{ missing | list }}][{{ missing | items | list }}]",
    "tojson": "{{ nested | tojson }}|{{ nested | tojson(indent=2) }}|{{ text | tojson }}|{{ text | tojson(ensure_ascii=true) }}|{{ d | tojson(sort_keys=true) }}|{{ people[:1] | tojson(separators=(',', ':')) }}|{{ [1.0, 2.5e-8, 1e300, true, none] | tojson }}|{{ nested.empty_list | tojson(indent=4) }}|{{ 'a' | tojson }}",
    "indent_filter": "{{ 'a\\nb\\n\\nc' | indent }}|{{ 'a\\nb\\n\\nc' | indent(2, true) }}|{{ 'a\\nb\\n\\nc' | indent(2, blank=true) }}|{{ 'a\\nb\\n' | indent('> ', first=true) }}",
    "string_methods": "{{ ' x '.strip() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a b  c\\n'.split() }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith(('x', 'c')) }}|{{ 'Hello'.upper() }}|{{ \"they're here\".title() }}|{{ 'xxa'.lstrip('x') }}|{{ 'axx'.rstrip('x') }}|{{ 'a-b-c'.replace('-', '+', 1) }}|{{ 'abc'.find('c') }}|{{ 'one Two'.capitalize() }}|{{ 'aXa'.lower() }}|{{ '-'.join(['a', 'b']) }}|{{ 'a\\nb\\r\\nc'.splitlines() }}|{{ 'banana'.count('a') }}",
    "whitespace_mixed": "{# c #}  {% if true %}a{% endif %}\n{{ 'v' }}   {% if true %}b{% endif %}\n  {#- x #}\n\t{% for i in [1] %}\n\t\t{{ i }}\n\t{% endfor %}\n  {%- if true %}  c  {% endif -%}  \n d",
    "trim_blocks_crlf_and_comment": "{% if true %}\r\nA\r\n{% endif %}\r\n{# comment #}\r\nB{% if true -%}\r\n\r\n  C{%- endif %}",
    "macro_defaults_and_scope": "{% set greeting = 'Hi' %}{% macro hello(name, punct='!', upper=false) %}{{ greeting }} {{ name | upper if upper else name }}{{ punct }}{% endmacro %}{{ hello('a') }}|{{ hello('b', '?') }}|{{ hello(name='c', upper=true) }}",
    "macro_namespace": "{% macro count(xs) %}{% set ns = namespace(n=0) %}{% for x in xs %}{% if x is odd %}{% set ns.n = ns.n + 1 %}{% endif %}{% endfor %}{{ ns.n }}{% endmacro %}{{ count(nums) }}{{ count([]) }}",
    "joins_and_defaults": "{{ [1, 2, 3] | join(',') }} {{ nothing | default(none) is none }} {{ 3 | string | length }} {{ [none, true] | join('-') }} {{ missing is string }} {{ 'é' < 'z' }} {{ 'Z' < 'a' }} {{ 1_000 + 1 }} {{ -0.0 }} {{ 1.0 | int }}",
    "filtered_loop_indexes": "{% for p in people if p.age > 26 %}{{ loop.index }}:{{ p.name }}{{ ',' if not loop.last }}{% endfor %}|{% for k in d.keys() %}{{ k }}{% endfor %}|{% for v in d.values() %}{{ v }}{% endfor %}",
    "message_like_access": "{% set m = people[1] %}{{ m.text[:1] }}{{ m['text'][1:] }}{{ 'text' in m }}{{ 'tool_calls' in m }}{{ m.tool_calls is defined }}{{ (m.tool_calls or []) | length }}",
    "python_whitespace": "[{{ '\\x1c a\\u3000\\x1f' | trim }}][{{ ' b\\x85'.strip() }}]\u3000\n  {%- if true %}c{% endif %}",
    "tuples": "{{ (1, 2) }} {{ (1,) }} {{ () }} {{ d.items() | list }} {{ d | items | list }} {{ (1, 2) == [1, 2] }} {{ (1, 2) + (3,) }} {{ (1, 2, 3)[1:] }} {{ ('a', 'b') | join('-') }} {{ (1, 2) | tojson }} {{ 'ab'.startswith(('x', 'a')) }} {{ (3, 1) | sort }} {{ (1, 2) is sequence }} {{ (1, 2).index(2) }} {{ [(1, 'x')] }} {{ (1, 2) | length }} {{ 2 in (1, 2) }} {{ ((1, 2),) }} {% for a, b in [(1, 2)] %}{{ a }}{{ b }}{% endfor %}",
    "cycle_dictsort_format": "{% for x in items %}{{ loop.cycle('odd', 'even') }} {% endfor %}|{{ {'b': 2, 'A': 3, 'a': 1} | dictsort }}|{{ {'b': 2, 'a': 1} | dictsort(by='value', reverse=true) }}|{% for k, v in d | dictsort %}{{ k }}{{ v }}{% endfor %}|{{ '%s and %s' | format('x', 1) }}",
    "scoping_loop_reads_outer_then_shadows": "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = i * 10 %}{{ x }};{% endfor %}{{ x }}",
    "scoping_loop_iterations_do_not_share": "{% for i in [1, 2] %}{% if i == 2 %}[{{ y }}]{% endif %}{% set y = i %}{% endfor %}",
    "scoping_macro_locals": "{% set x = 5 %}{% macro m() %}{{ x }}{% set x = 2 %}{{ x }}{% endmacro %}{{ m() }}{{ x }}",
    "scoping_macro_sees_later_globals": "{% macro m() %}{{ x }}{% endmacro %}{% set x = 3 %}{{ m() }}",
    "scoping_if_leaks_loop_does_not": "{% if true %}{% set z = 1 %}{% endif %}{% for i in [1] %}{% set z = z + 1 %}{{ z }}{% endfor %}{{ z }}{% for q in [1] %}{% endfor %}[{{ q }}]",
    "printing_objects": "{% set ns = namespace(a=1, b='x') %}{{ ns }}|{{ [missing, 1] }}|{% macro f() %}{% endmacro %}{{ f }}|{{ {'k': missing} }}|{{ namespace() }}",
    "with_block": "{% set a = 1 %}{% with a = a + 1, b = a %}{{ a }}{{ b }}{% set c = 3 %}{% endwith %}{{ a }}[{{ c }}]{% with %}x{% endwith %}",
    "string_modulo": "{{ '%s' % 'x' }} {{ '%s-%d%%' % ('a', 7) }} {{ '%r' % 'q' }} {{ '%s' % [1] }} {{ '%i' % 3.7 }}",
    "string_format": "{{ '{}'.format(1) }} {{ '{0}{1}{0}'.format('a', 'b') }} {{ '{x} {{y}}'.format(x=none) }} {{ 'v{}'.format([1, 'a']) }}",
    "tojson_on_undefined_error": "{{ missing | tojson }}",
    "raise_exception": "before{{ raise_exception('Bad input: ' ~ 1 ~ ' roles') }}after",
    "undefined_attribute_error": "{{ missing.attr }}",
    "none_attribute": "[{{ nothing.attr }}][{{ nothing.attr is defined }}]",
    "multiline_expression": "{{\n  'a'\n  ~ 'b'\n}}{%\n  if true\n%}\nc{% endif %}",
    "set_messages_slice": "{% set items = items[1:] %}{{ items | length }}{% for x in items %}{{ x }}{% endfor %}",
    "string_concat_type_error": "{{ 'a' + 1 }}",
    "comparison_type_error": "{{ 'a' < 1 }}",
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


def render(tokenizer, messages, add_generation_prompt, tools, extra, continue_final_message=False):
    try:
        rendered = tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=add_generation_prompt, tools=tools,
            continue_final_message=continue_final_message, **extra
        )
        return {"expected": rendered}
    except Exception as error:  # noqa: BLE001 - every failure is recorded as an expected error
        return {
            "error_type": type(error).__name__,
            "error_message": str(error),
            "raised_by_template": isinstance(error, jinja2.exceptions.TemplateError)
            and not isinstance(error, (jinja2.exceptions.UndefinedError, jinja2.exceptions.TemplateSyntaxError)),
        }


def interpreter_cases():
    from transformers.utils.chat_template_utils import _compile_jinja_template

    results = []
    for name, source in INTERPRETER_CASES.items():
        case = {"name": name, "source": source}
        try:
            case["expected"] = _compile_jinja_template(source).render(**INTERPRETER_CONTEXT)
        except Exception as error:  # noqa: BLE001 - recorded as an expected error
            case["error_type"] = type(error).__name__
            case["error_message"] = str(error)
        results.append(case)
    return results



def random_expression_cases(count=400, seed=0, successes_only=False, prefix="random"):
    """Random expressions over INTERPRETER_CONTEXT: a differential test of operators, filters and tests."""
    import random

    from transformers.utils.chat_template_utils import _compile_jinja_template

    from jinja2 import nodes
    from jinja2.nodes import EvalContext

    environment = _compile_jinja_template("").environment

    def folds_at_compile_time(source):
        # Jinja evaluates a fully constant {{ … }} while compiling, with different error handling than at run
        # time; such expressions say nothing about the run-time semantics the Swift interpreter implements.
        output = environment.parse(source).body[0]
        for item in output.find_all(nodes.Getitem):
            # The optimizer folds constant sub-expressions bottom-up, e.g. `not 0[:1]` to True.
            if isinstance(item.arg, nodes.Slice):
                try:
                    item.node.as_const(EvalContext(environment))
                    return True
                except Exception:  # noqa: BLE001
                    pass
        try:
            output.nodes[0].as_const(EvalContext(environment))
            return True
        except Exception:  # noqa: BLE001 - Impossible or any evaluation error means "not folded"
            return False

    rng = random.Random(seed)
    atoms = ["0", "1", "-3", "7", "2.5", "-1.25", "1e3", "'a'", "'Hello wOrld'", "' x '", "'é'", "''", "none", "true",
             "false", "[1, 2]", "['b', 'a', 'B']", "[]", "{'k': 1}", "(1, 'z')", "items", "d", "nums", "words",
             "nothing", "missing", "people[0]", "people[1].name", "nested.unicode", "d.a", "items[1:]", "nums[::-1]"]
    binary = ["+", "-", "*", "/", "//", "%", "**", "~", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or"]
    filters = ["length", "string", "upper", "lower", "trim", "first", "last", "list", "sort", "join(',')", "tojson",
               "int", "float", "abs", "round", "default('z')", "capitalize", "title", "count", "sum", "min", "max",
               "items | list", "select('odd') | list", "map('string') | list", "unique | list", "reverse | list",
               "replace('a', 'o')", "center(9)", "wordcount", "indent(2)", "d(7, true)", "e", "dictsort"]
    tests = ["defined", "undefined", "none", "string", "number", "integer", "float", "mapping", "iterable",
             "sequence", "even", "odd", "true", "false", "boolean", "divisibleby 2", "in [1, 'a']", "eq 1"]

    SUBSCRIPTS = ["0", "-1", "1:", ":1", "::2", "'k'", "'name'"]

    def expression(depth):
        if depth == 0 or rng.random() < 0.3:
            return rng.choice(atoms)
        kind = rng.randrange(6)
        if kind == 0:
            return f"({expression(depth - 1)} {rng.choice(binary)} {expression(depth - 1)})"
        if kind == 1:
            return f"({expression(depth - 1)} | {rng.choice(filters)})"
        if kind == 2:
            return f"({expression(depth - 1)} is {rng.choice(['', 'not '])}{rng.choice(tests)})"
        if kind == 3:
            return f"({expression(depth - 1)} if {expression(depth - 1)} else {expression(depth - 1)})"
        if kind == 4:
            return f"({rng.choice(['not ', '-'])}{expression(depth - 1)})"
        return expression(depth - 1) + "[" + rng.choice(SUBSCRIPTS) + "]"

    cases = []
    seen = set()
    while len(cases) < count:
        source = "{{ " + expression(3) + " }}"
        if source in seen or folds_at_compile_time(source):
            continue
        seen.add(source)
        case = {"name": f"{prefix}_{len(cases)}", "source": source}
        try:
            rendered = _compile_jinja_template(source).render(**INTERPRETER_CONTEXT)
        except Exception as error:  # noqa: BLE001 - recorded as an expected error
            if successes_only:
                continue
            case["error_type"] = type(error).__name__
            case["error_message"] = str(error)
        else:
            if " at 0x" in rendered or "<generator" in rendered or len(rendered) > 2000:
                continue  # Python object addresses and huge outputs are not comparable
            case["expected"] = rendered
        cases.append(case)
    return cases



def random_whitespace_cases(count=300, seed=2):
    """Random templates of text, tags, comments and `-`/`+` markers: a differential test of trim_blocks,
    lstrip_blocks and whitespace control."""
    import random

    from transformers.utils.chat_template_utils import _compile_jinja_template

    rng = random.Random(seed)
    texts = ["", " ", "  ", "\n", " \n ", "\t", "a", "b \n", "\n\n", "  x  ", "\n  ", " y\n\t", "\r\n", "z"]

    def left():
        return rng.choice(["", "", "-", "+"])

    def right():
        return rng.choice(["", "", "-"])

    def tag(body):
        return "{%" + left() + " " + body + " " + right() + "%}"

    def block(depth):
        parts = []
        for _ in range(rng.randint(1, 4)):
            kind = rng.randrange(7)
            if kind <= 1:
                parts.append(rng.choice(texts))
            elif kind == 2:
                parts.append("{{" + rng.choice(["", "-"]) + " 'v' " + rng.choice(["", "-"]) + "}}")
            elif kind == 3:
                parts.append("{#" + rng.choice(["", "-"]) + " c " + rng.choice(["", "-"]) + "#}")
            elif kind == 4 and depth > 0:
                parts.append(tag("if true") + block(depth - 1) + tag("else") + block(depth - 1) + tag("endif"))
            elif kind == 5 and depth > 0:
                parts.append(tag("for i in [1, 2]") + block(depth - 1) + "{{ i }}" + tag("endfor"))
            else:
                parts.append(tag("set y = 1"))
        return "".join(parts)

    cases = []
    seen = set()
    while len(cases) < count:
        source = block(3)
        if source in seen:
            continue
        seen.add(source)
        try:
            rendered = _compile_jinja_template(source).render()
        except Exception:  # noqa: BLE001 - only well-formed templates are kept
            continue
        cases.append({"name": f"whitespace_{len(cases)}", "source": source, "expected": rendered})
    return cases


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
        tool_conversation = TOOL_CONVERSATIONS.get("llama-3.2-instruct" if name.startswith("llama") else name)
        if tool_conversation:
            runs.append(("tools_call_and_result", tool_conversation, False, [WEATHER_TOOL], {}))
            runs.append(("tools_offered", CONVERSATIONS["system_user"], True, [WEATHER_TOOL], {}))
        if name == "gpt-oss-abridged":
            runs.append(("rich_tools", CONVERSATIONS["system_user"], True, [RICH_TOOL, WEATHER_TOOL], {}))
            runs.append(("builtin_tools_and_identity", CONVERSATIONS["multi_turn"], True, None,
                         {"builtin_tools": ["browser", "python"], "model_identity": "You are Tester.", "reasoning_effort": "high"}))
        if name == "smollm3-unsloth":
            runs.append(("no_thinking", CONVERSATIONS["system_multi_turn"], True, None, {"enable_thinking": False}))
            runs.append(("no_think_in_system", [text("system", "Be brief /no_think  "), text("user", "Hi"), text("assistant", "\n\nHello")], False, None, {}))
        if name == "llama-3.3-instruct":
            builtin_call = [
                text("user", "Search the weather in Paris."),
                {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "brave_search", "arguments": {"query": "Paris weather", "lang": "en"}}}]},
                text("ipython", "Sunny, 21°C"),
            ]
            runs.append(("builtin_tools_call", builtin_call, True, None, {"builtin_tools": ["brave_search", "code_interpreter", "wolfram_alpha"]}))
        if name == "qwen3":
            thinking = [
                text("system", "Think first."),
                text("user", "2+2?"),
                text("assistant", "<think>\nSimple sum.\n</think>\n\n4"),
                text("user", "Times 3?"),
                {"role": "assistant", "content": "12", "reasoning_content": "\n4 times 3.\n"},
            ]
            runs.append(("reasoning", thinking, False, None, {}))
            runs.append(("no_thinking", CONVERSATIONS["multi_turn"], True, None, {"enable_thinking": False}))
            runs.append(("tools_call_and_result", TOOL_CONVERSATIONS["qwen2.5-instruct"], True, [WEATHER_TOOL], {}))
        if name.startswith("llama"):
            runs.append(("tools_in_system", CONVERSATIONS["system_user"], True, [WEATHER_TOOL], {"tools_in_user_message": False}))
            runs.append(("fixed_date", CONVERSATIONS["system_user"], True, None, {"date_string": "26 Jul 2024"}))
        continued = [
            ("continue_assistant", CONVERSATIONS["assistant_last"]),
            ("continue_assistant_trailing_space", [text("user", "Count:"), text("assistant", "One, two, ")]),
            ("continue_parts", [
                {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Describe."}]},
                {"role": "assistant", "content": [{"type": "text", "text": "It shows"}, {"type": "image"}]},
            ]),
        ]
        for conversation_name, messages in continued:
            runs.append((conversation_name, messages, False, None, {"__continue__": True}))
        runs.append(("continue_with_generation_prompt", CONVERSATIONS["assistant_last"], True, None, {"__continue__": True}))
        for conversation_name, messages, add_generation_prompt, tools, extra in runs:
            extra = dict(extra)
            continue_final_message = extra.pop("__continue__", False)
            case = {
                "template": name,
                "conversation": conversation_name,
                "messages": messages,
                "add_generation_prompt": add_generation_prompt,
                "tools": tools,
                "extra_context": extra,
                "continue_final_message": continue_final_message,
            }
            result = render(tokenizer, messages, add_generation_prompt, tools, extra, continue_final_message)
            if "expected" in result and "date_string" not in extra:
                result["expected"] = result["expected"].replace(today, "<TODAY>")
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
    interpreter_path = FIXTURES / "interpreter_cases.json"
    interpreter = {"generator": output["generator"], "jinja2_version": jinja2.__version__,
                   "context": INTERPRETER_CONTEXT, "cases": interpreter_cases() + random_expression_cases()
                   + random_expression_cases(300, seed=1, successes_only=True, prefix="random_ok")
                   + random_whitespace_cases()}
    interpreter_path.write_text(json.dumps(interpreter, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(interpreter['cases'])} interpreter cases to {interpreter_path.relative_to(ROOT)}")
    path = FIXTURES / "expected.json"
    path.write_text(json.dumps(output, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    errors = sum(1 for case in cases if "expected" not in case)
    print(f"wrote {len(cases)} cases ({errors} expected errors) to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
