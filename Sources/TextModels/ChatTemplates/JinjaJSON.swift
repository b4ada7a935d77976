extension JinjaValue {
    /// Parses JSON text into a value, keeping object keys in document order and telling integers
    /// (`1`) from floats (`1.0`) as Python's `json.loads` does. Throws `TextModelsError.chatTemplate`
    /// on malformed input.
    public init(json text: String) throws {
        var parser = OrderedJSONParser(scalars: Array(text.unicodeScalars))
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == parser.scalars.count else {
            throw parser.error("unexpected trailing characters")
        }
        self = value
    }

    /// Python's `json.dumps(value, ensure_ascii=…, indent=…, separators=…, sort_keys=…)`, the `tojson`
    /// filter that transformers installs for chat templates.
    func jsonString(
        indent: Int? = nil, ensureASCII: Bool = false, separators: (item: String, key: String)? = nil,
        sortKeys: Bool = false
    ) throws -> String {
        let itemSeparator = separators?.item ?? (indent == nil ? ", " : ",")
        let keySeparator = separators?.key ?? ": "
        var out = ""
        try writeJSON(
            into: &out, level: 0, indent: indent, ensureASCII: ensureASCII, itemSeparator: itemSeparator,
            keySeparator: keySeparator, sortKeys: sortKeys)
        return out
    }

    // swiftlint:disable:next function_parameter_count
    private func writeJSON(
        into out: inout String, level: Int, indent: Int?, ensureASCII: Bool, itemSeparator: String,
        keySeparator: String, sortKeys: Bool
    ) throws {
        func newline(_ level: Int) -> String {
            guard let indent else { return "" }
            return "\n" + String(repeating: " ", count: indent * level)
        }
        switch self {
        case .none: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d):
            if d.isNaN {
                out += "NaN"
            } else if d.isInfinite {
                out += d < 0 ? "-Infinity" : "Infinity"
            } else {
                out += PythonRepr.repr(d)
            }
        case let .string(s): out += Self.jsonQuoted(s, ensureASCII: ensureASCII)
        case let .array(items), let .tuple(items):
            guard !items.isEmpty else {
                out += "[]"
                return
            }
            out += "[" + newline(level + 1)
            for (i, item) in items.enumerated() {
                if i > 0 { out += itemSeparator + newline(level + 1) }
                try item.writeJSON(
                    into: &out, level: level + 1, indent: indent, ensureASCII: ensureASCII,
                    itemSeparator: itemSeparator, keySeparator: keySeparator, sortKeys: sortKeys)
            }
            out += newline(level) + "]"
        case let .object(object):
            guard object.count > 0 else {
                out += "{}"
                return
            }
            var pairs = object.pairs
            if sortKeys { pairs.sort { $0.key < $1.key } }
            out += "{" + newline(level + 1)
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out += itemSeparator + newline(level + 1) }
                out += Self.jsonQuoted(pair.key, ensureASCII: ensureASCII) + keySeparator
                try pair.value.writeJSON(
                    into: &out, level: level + 1, indent: indent, ensureASCII: ensureASCII,
                    itemSeparator: itemSeparator, keySeparator: keySeparator, sortKeys: sortKeys)
            }
            out += newline(level) + "}"
        case .undefined, .callable:
            throw TextModelsError.chatTemplate("Object of type \(typeName) is not JSON serializable")
        }
    }

    /// A JSON string literal with Python's escaping: control characters as `\uXXXX` except the short forms,
    /// and with `ensureASCII` every non-ASCII scalar as `\uXXXX` (UTF-16 surrogate pairs above the BMP).
    static func jsonQuoted(_ s: String, ensureASCII: Bool) -> String {
        let shortForms: [Unicode.Scalar: String] = [
            "\"": "\\\"", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\u{08}": "\\b", "\u{0C}": "\\f",
        ]
        let body = PythonText.escaped(s) { scalar in
            if let short = shortForms[scalar] { return short }
            guard scalar.value < 0x20 || (ensureASCII && scalar.value > 0x7E) else { return nil }
            guard scalar.value > 0xFFFF else { return "\\u" + PythonRepr.hex(scalar.value, width: 4) }
            let v = scalar.value - 0x10000
            return "\\u" + PythonRepr.hex(0xD800 + (v >> 10), width: 4)
                + "\\u" + PythonRepr.hex(0xDC00 + (v & 0x3FF), width: 4)
        }
        return "\"" + body + "\""
    }
}

/// A small recursive-descent JSON reader that keeps key order (Foundation's does not).
private struct OrderedJSONParser {
    let scalars: [Unicode.Scalar]
    var position = 0
    private static let maximumDepth = 512

    init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

    func error(_ message: String) -> TextModelsError {
        .chatTemplate("invalid JSON at character \(position): \(message)")
    }

    mutating func skipWhitespace() {
        while position < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[position]) { position += 1 }
    }

    private func peek() -> Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    private mutating func expect(_ literal: String) throws {
        for scalar in literal.unicodeScalars {
            guard peek() == scalar else { throw error("expected '\(literal)'") }
            position += 1
        }
    }

    mutating func parseValue(depth: Int) throws -> JinjaValue {
        guard depth < Self.maximumDepth else { throw error("nesting too deep") }
        guard let c = peek() else { throw error("unexpected end of input") }
        switch c {
        case "{": return try parseObject(depth: depth)
        case "[": return try parseArray(depth: depth)
        case "\"": return .string(try parseString())
        case "t":
            try expect("true")
            return .bool(true)
        case "f":
            try expect("false")
            return .bool(false)
        case "n":
            try expect("null")
            return .none
        default: return try parseNumber()
        }
    }

    private mutating func parseObject(depth: Int) throws -> JinjaValue {
        position += 1
        var object = JinjaObject()
        skipWhitespace()
        if peek() == "}" {
            position += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard peek() == "\"" else { throw error("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            try expect(":")
            skipWhitespace()
            object[key] = try parseValue(depth: depth + 1)
            skipWhitespace()
            if peek() == "," {
                position += 1
            } else {
                try expect("}")
                return .object(object)
            }
        }
    }

    private mutating func parseArray(depth: Int) throws -> JinjaValue {
        position += 1
        var items: [JinjaValue] = []
        skipWhitespace()
        if peek() == "]" {
            position += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            if peek() == "," {
                position += 1
            } else {
                try expect("]")
                return .array(items)
            }
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard position + 4 <= scalars.count,
            let value = UInt32(String(String.UnicodeScalarView(scalars[position..<position + 4])), radix: 16)
        else { throw error("bad \\u escape") }
        position += 4
        return value
    }

    private mutating func parseString() throws -> String {
        position += 1
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else { throw error("unterminated string") }
            position += 1
            if c == "\"" { return String(out) }
            guard c == "\\" else {
                out.append(c)
                continue
            }
            guard let e = peek() else { throw error("unterminated escape") }
            position += 1
            if let unescaped = PythonText.letterEscapes[e] {
                out.append(unescaped)
                continue
            }
            switch e {
            case "\"", "\\", "/": out.append(e)
            case "u":
                var code = try parseHex4()
                if (0xD800..<0xDC00).contains(code), peek() == "\\",
                    position + 1 < scalars.count, scalars[position + 1] == "u"
                {
                    position += 2
                    let low = try parseHex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("bad surrogate pair") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                out.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: throw error("bad escape '\\\(e)'")
            }
        }
    }

    private mutating func parseNumber() throws -> JinjaValue {
        let start = position
        var isFloat = false
        while let c = peek(), "+-0123456789.eE".unicodeScalars.contains(c) {
            if c == "." || c == "e" || c == "E" { isFloat = true }
            position += 1
        }
        let text = String(String.UnicodeScalarView(scalars[start..<position]))
        if !isFloat, let i = Int(text) { return .int(i) }
        guard !text.isEmpty, let d = Double(text) else { throw error("unexpected character") }
        return .double(d)
    }
}
