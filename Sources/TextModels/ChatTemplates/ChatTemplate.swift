/// A Hugging Face chat template: Jinja source that turns a list of messages into the prompt string,
/// rendered as transformers' `apply_chat_template` renders it (sandboxed Jinja with `trim_blocks`,
/// `lstrip_blocks`, `raise_exception`, `strftime_now` and transformers' `tojson`).
///
/// Templates are parsed once at initialisation; a construct outside the supported Jinja subset is
/// reported there (or, for filters and methods, when first reached) as `TextModelsError.chatTemplate`,
/// never rendered approximately.
///
/// Supported Jinja: `if`/`elif`/`else`; `for` with `loop.*` (`index`, `index0`, `revindex`, `first`, `last`,
/// `length`, `previtem`, `nextitem`, `cycle`), `else`, an inline `if` filter, tuple unpacking, `break` and
/// `continue`; `set` (also block `set` and `namespace()` attributes); `with`; `macro`; `filter` blocks;
/// `generation`. Expressions with Python semantics for literals, tuples, attribute and item access, slices,
/// arithmetic, `~`, comparisons, `in`, `and`/`or`/`not`, conditionals, `%` and `str.format` (plain fields).
/// Jinja's common filters and tests, Python string/dict/list methods that do not mutate, and the globals
/// `raise_exception`, `strftime_now`, `namespace`, `dict` and `range`.
/// Not supported (an error names them): `include`/`import`/`extends`/`block`, `call`, `raw`,
/// recursive loops, format specs, and the rarer filters (`groupby`, `batch`, `truncate`, …).
public struct ChatTemplate: Sendable {
    /// The template source.
    public let source: String
    /// Special tokens visible to the template (`bos_token`, `eos_token`, `unk_token`, `pad_token`, …).
    public var specialTokens: [String: String]
    private let nodes: [JinjaNode]

    /// Parses `source`. Throws `TextModelsError.chatTemplate` naming the line of a syntax error or an
    /// unsupported tag.
    public init(source: String, specialTokens: [String: String] = [:]) throws {
        self.source = source
        self.specialTokens = specialTokens
        self.nodes = try JinjaParser.parse(source: source)
    }

    /// Renders a conversation.
    ///
    /// - Parameters:
    ///   - messages: the conversation, oldest first.
    ///   - addGenerationPrompt: append the header that starts the assistant's reply.
    ///   - continueFinalMessage: end the prompt inside the final message (for prefilling the start of a
    ///     reply), by rendering it and cutting everything after its content, as transformers does.
    ///     Cannot be combined with `addGenerationPrompt`.
    ///   - tools: tool JSON schemas (`{"type": "function", "function": {…}}`), or nil for none.
    ///   - extraContext: further template variables (e.g. `date_string`); they override special tokens,
    ///     as keyword arguments to `apply_chat_template` do.
    /// - Throws: `TextModelsError.chatTemplate` with the template's own message when it calls
    ///   `raise_exception` (e.g. roles that do not alternate), or naming the problem and line otherwise.
    public func render(
        messages: [ChatMessage], addGenerationPrompt: Bool = false, continueFinalMessage: Bool = false,
        tools: [JinjaValue]? = nil, extraContext: [String: JinjaValue] = [:]
    ) throws -> String {
        try render(
            messages: messages.map(\.templateValue), addGenerationPrompt: addGenerationPrompt,
            continueFinalMessage: continueFinalMessage, tools: tools, extraContext: extraContext)
    }

    /// Renders a conversation given as template values (message dicts), for callers that already hold
    /// JSON-shaped messages. Parameters as in ``render(messages:addGenerationPrompt:continueFinalMessage:tools:extraContext:)``.
    public func render(
        messages: [JinjaValue], addGenerationPrompt: Bool = false, continueFinalMessage: Bool = false,
        tools: [JinjaValue]? = nil, extraContext: [String: JinjaValue] = [:]
    ) throws -> String {
        var messages = messages
        var continuation: String?
        if continueFinalMessage {
            guard !addGenerationPrompt else {
                throw TextModelsError.chatTemplate(
                    "continueFinalMessage and addGenerationPrompt are not compatible: the first continues the last "
                        + "message, the second starts a new assistant message")
            }
            continuation = try Self.tagFinalMessage(&messages, templateSource: source)
        }
        var context: [String: JinjaValue] = specialTokens.mapValues { .string($0) }
        context["messages"] = .array(messages)
        // transformers always passes these, so `tools is defined` holds even without tools.
        context["tools"] = tools.map { .array($0) } ?? JinjaValue.none
        context["documents"] = JinjaValue.none
        context["add_generation_prompt"] = .bool(addGenerationPrompt)
        for (key, value) in extraContext { context[key] = value }
        let rendered = try JinjaInterpreter().render(nodes, context: context)
        guard let continuation else { return rendered }
        return try Self.cutAtContinuationTag(rendered, finalText: continuation)
    }

    /// Marks where the final message's text ends so the rendered prompt can be cut there.
    private static let continuationTag = "CONTINUE_FINAL_MESSAGE_TAG "

    /// Appends the continuation tag to the final message's content (its last text part for multimodal
    /// content) and returns the text being continued.
    private static func tagFinalMessage(_ messages: inout [JinjaValue], templateSource: String) throws -> String {
        guard case var .object(last)? = messages.last else {
            throw TextModelsError.chatTemplate("continueFinalMessage is set but the conversation is empty")
        }
        guard PythonText.find("content", in: templateSource) != nil else {
            throw TextModelsError.chatTemplate(
                "continueFinalMessage is set but the chat template never reads a message's 'content'")
        }
        let finalText: String
        switch last["content"] {
        case let .string(text)?:
            finalText = text
            last["content"] = .string(text + continuationTag)
        case var .array(parts)?:
            guard let index = parts.lastIndex(where: { part in
                if case let .object(object) = part { return object["text"] != nil }
                return false
            }), case var .object(part) = parts[index], case let .string(text)? = part["text"] else {
                throw TextModelsError.chatTemplate(
                    "continueFinalMessage is set but the final message has no text part to continue")
            }
            finalText = text
            part["text"] = .string(text + continuationTag)
            parts[index] = .object(part)
            last["content"] = .array(parts)
        default:
            throw TextModelsError.chatTemplate(
                "continueFinalMessage is set but the final message has no text content to continue")
        }
        messages[messages.count - 1] = .object(last)
        return finalText
    }

    /// Cuts the rendered prompt at the last continuation tag, dropping whitespace the template added after
    /// the text if the template trimmed the tag's trailing space.
    private static func cutAtContinuationTag(_ rendered: String, finalText: String) throws -> String {
        let tag = Array(continuationTag.unicodeScalars)
        let bareTag = Array(PythonText.strip(continuationTag).unicodeScalars)
        let scalars = Array(rendered.unicodeScalars)
        guard PythonText.find(PythonText.strip(finalText), in: rendered) != nil,
            let tagStart = PythonText.findLast(bareTag, in: scalars)
        else {
            throw TextModelsError.chatTemplate(
                "continueFinalMessage is set but the final message does not appear in the rendered prompt; "
                    + "the template may drop or rewrite parts of it")
        }
        let prefix = String(String.UnicodeScalarView(scalars[..<tagStart]))
        if scalars[tagStart...].starts(with: tag) { return prefix }
        return PythonText.strip(prefix, leading: false)
    }
}
