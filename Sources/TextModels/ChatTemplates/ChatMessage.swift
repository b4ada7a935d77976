/// One part of a multimodal message: text, or a placeholder for an image the processor inserts.
public enum ChatContentPart: Sendable, Equatable {
    case text(String)
    case image
    /// Any other part, passed to the template as given (e.g. `{"type": "video"}`).
    case other(JinjaObject)

    /// The part as the dict transformers hands to templates: `{"type": "text", "text": …}` or `{"type": "image"}`.
    public var templateValue: JinjaValue {
        switch self {
        case let .text(text): ["type": "text", "text": .string(text)]
        case .image: ["type": "image"]
        case let .other(object): .object(object)
        }
    }
}

/// A chat message as `apply_chat_template` receives it: a role, content that is plain text or a list of
/// typed parts, and any further fields a template reads (`tool_calls`, `tool_call_id`, …).
public struct ChatMessage: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        case text(String)
        case parts([ChatContentPart])
    }

    public var role: String
    public var content: Content
    /// Extra keys after `role` and `content`, in order.
    public var extraFields: JinjaObject

    public init(role: String, content: Content, extraFields: JinjaObject = JinjaObject()) {
        self.role = role
        self.content = content
        self.extraFields = extraFields
    }

    /// A message with plain-text content.
    public init(role: String, text: String) {
        self.init(role: role, content: .text(text))
    }

    /// The message as the dict a template iterates over: `role`, `content`, then the extra fields.
    public var templateValue: JinjaValue {
        var object = JinjaObject()
        object["role"] = .string(role)
        switch content {
        case let .text(text): object["content"] = .string(text)
        case let .parts(parts): object["content"] = .array(parts.map(\.templateValue))
        }
        for (key, value) in extraFields.pairs where key != "role" && key != "content" { object[key] = value }
        return .object(object)
    }
}
