/// A Hugging Face chat template: Jinja source that turns a list of messages into the prompt string,
/// rendered as transformers' `apply_chat_template` renders it (sandboxed Jinja with `trim_blocks`,
/// `lstrip_blocks`, `raise_exception`, `strftime_now` and transformers' `tojson`).
///
/// Templates are parsed once at initialisation; a construct outside the supported Jinja subset is
/// reported there (or, for filters and methods, when first reached) as `TextModelsError.chatTemplate`,
/// never rendered approximately.
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
    ///   - tools: tool JSON schemas (`{"type": "function", "function": {…}}`), or nil for none.
    ///   - extraContext: further template variables (e.g. `date_string`); they override special tokens,
    ///     as keyword arguments to `apply_chat_template` do.
    /// - Throws: `TextModelsError.chatTemplate` with the template's own message when it calls
    ///   `raise_exception` (e.g. roles that do not alternate), or naming the problem and line otherwise.
    public func render(
        messages: [ChatMessage], addGenerationPrompt: Bool = false, tools: [JinjaValue]? = nil,
        extraContext: [String: JinjaValue] = [:]
    ) throws -> String {
        try render(
            messages: messages.map(\.templateValue), addGenerationPrompt: addGenerationPrompt, tools: tools,
            extraContext: extraContext)
    }

    /// Renders a conversation given as template values (message dicts), for callers that already hold
    /// JSON-shaped messages.
    public func render(
        messages: [JinjaValue], addGenerationPrompt: Bool = false, tools: [JinjaValue]? = nil,
        extraContext: [String: JinjaValue] = [:]
    ) throws -> String {
        var context: [String: JinjaValue] = specialTokens.mapValues { .string($0) }
        context["messages"] = .array(messages)
        // transformers always passes these, so `tools is defined` holds even without tools.
        context["tools"] = tools.map { .array($0) } ?? JinjaValue.none
        context["documents"] = JinjaValue.none
        context["add_generation_prompt"] = .bool(addGenerationPrompt)
        for (key, value) in extraContext { context[key] = value }
        return try JinjaInterpreter().render(nodes, context: context)
    }
}
