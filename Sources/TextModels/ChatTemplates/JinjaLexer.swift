/// One token inside a `{{ … }}` or `{% … %}` tag.
enum JinjaToken: Equatable, Sendable {
    case name(String)
    case string(String)
    case integer(Int)
    case float(Double)
    case op(String)
}

/// The template split into literal text and tags, with Jinja's whitespace control already applied
/// (`-` markers, `trim_blocks` and `lstrip_blocks`, as transformers configures its environment).
enum JinjaPiece: Sendable {
    case text(String)
    case output([JinjaToken], line: Int)
    case statement([JinjaToken], line: Int)
}

/// Splits template source into pieces the way Jinja2's lexer does with `trim_blocks=True, lstrip_blocks=True`.
struct JinjaLexer {
    private var scalars: [Unicode.Scalar]
    private var position = 0
    private var line = 1
    /// Set when the tag just read ended with `-`: the whitespace after it is dropped.
    private var stripFollowingWhitespace = false

    init(source: String) {
        // Jinja normalises every newline form to "\n" and drops a single trailing newline
        // (keep_trailing_newline=False).
        var normalized: [Unicode.Scalar] = []
        normalized.reserveCapacity(source.unicodeScalars.count)
        var previousWasCR = false
        for scalar in source.unicodeScalars {
            if scalar == "\n" && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = scalar == "\r"
            normalized.append(previousWasCR ? "\n" : scalar)
        }
        if normalized.last == "\n" { normalized.removeLast() }
        scalars = normalized
    }

    private enum TagKind { case output, statement, comment }

    mutating func tokenize() throws -> [JinjaPiece] {
        var pieces: [JinjaPiece] = []
        // Whether the text that follows starts a line, for lstrip_blocks (true at the start of the template).
        var lineStarting = true
        while position < scalars.count {
            let tagStart = findTagStart(from: position)
            var text = Array(scalars[position..<(tagStart?.index ?? scalars.count)])
            guard let (tagIndex, kind) = tagStart else {
                pieces.append(.text(String(String.UnicodeScalarView(text))))
                break
            }
            advanceLines(over: position..<tagIndex)
            position = tagIndex + 2
            let marker = position < scalars.count ? scalars[position] : nil
            if marker == "-" {
                while let last = text.last, PythonText.isSpace(last) { text.removeLast() }
                position += 1
            } else if marker == "+" {
                position += 1
            } else if kind != .output {
                Self.stripLineIndent(of: &text, lineStarting: lineStarting)
            }
            if !text.isEmpty { pieces.append(.text(String(String.UnicodeScalarView(text)))) }
            let tagLine = line
            switch kind {
            case .comment:
                try skipComment(line: tagLine)
            case .output:
                pieces.append(.output(try tokenizeTag(closer: "}", line: tagLine), line: tagLine))
            case .statement:
                let tokens = try tokenizeTag(closer: "%", line: tagLine)
                if tokens.first == .name("raw") {
                    throw TextModelsError.chatTemplate("unsupported tag 'raw' at line \(tagLine)")
                }
                pieces.append(.statement(tokens, line: tagLine))
            }
            lineStarting = consumeAfterTag(trimNewline: kind != .output)
        }
        return pieces
    }

    /// lstrip_blocks: drop spaces and tabs between the start of the line and a block or comment tag.
    private static func stripLineIndent(of text: inout [Unicode.Scalar], lineStarting: Bool) {
        let lineStart = (text.lastIndex(of: "\n").map { $0 + 1 }) ?? 0
        guard lineStart > 0 || lineStarting, lineStart < text.count else { return }
        if text[lineStart...].allSatisfy({ PythonText.isSpace($0) }) {
            text.removeSubrange(lineStart...)
        }
    }

    private func findTagStart(from start: Int) -> (index: Int, kind: TagKind)? {
        var i = start
        while i + 1 < scalars.count {
            if scalars[i] == "{" {
                switch scalars[i + 1] {
                case "{": return (i, .output)
                case "%": return (i, .statement)
                case "#": return (i, .comment)
                default: break
                }
            }
            i += 1
        }
        return nil
    }

    private mutating func advanceLines(over range: Range<Int>) {
        for i in range where scalars[i] == "\n" { line += 1 }
    }

    /// After a tag's closing delimiter: a `-` marker eats all following whitespace; otherwise trim_blocks
    /// eats one newline after block and comment tags. Returns whether what was eaten ended a line.
    private mutating func consumeAfterTag(trimNewline: Bool) -> Bool {
        if stripFollowingWhitespace {
            let start = position
            while position < scalars.count, PythonText.isSpace(scalars[position]) { position += 1 }
            advanceLines(over: start..<position)
            return position > start && scalars[position - 1] == "\n"
        }
        if trimNewline, position < scalars.count, scalars[position] == "\n" {
            position += 1
            line += 1
            return true
        }
        return false
    }

    private mutating func skipComment(line tagLine: Int) throws {
        var i = position
        while i + 1 < scalars.count {
            if scalars[i] == "#" && scalars[i + 1] == "}" {
                stripFollowingWhitespace = i > position && scalars[i - 1] == "-"
                advanceLines(over: position..<i)
                position = i + 2
                return
            }
            i += 1
        }
        throw TextModelsError.chatTemplate("unclosed comment starting at line \(tagLine)")
    }

    /// Reads expression tokens up to the tag's closing delimiter (`}}` or `%}`, optionally preceded by `-`),
    /// which only counts outside brackets, as in Jinja.
    private mutating func tokenizeTag(closer: Unicode.Scalar, line tagLine: Int) throws -> [JinjaToken] {
        var tokens: [JinjaToken] = []
        var depth = 0
        while true {
            skipInlineWhitespace()
            guard position < scalars.count else {
                throw TextModelsError.chatTemplate("unclosed tag starting at line \(tagLine)")
            }
            if depth == 0 {
                if matches("-", closer, "}") {
                    position += 3
                    stripFollowingWhitespace = true
                    return tokens
                }
                if matches(closer, "}") {
                    position += 2
                    stripFollowingWhitespace = false
                    return tokens
                }
            }
            let c = scalars[position]
            if c == "'" || c == "\"" {
                tokens.append(.string(try readString(quote: c)))
            } else if c.properties.isAlphabetic || c == "_" {
                tokens.append(.name(readName()))
            } else if ("0"..."9").contains(c) {
                let afterDot = tokens.last == .op(".")
                tokens.append(try readNumber(integerOnly: afterDot))
            } else if let op = readOperator() {
                if ["(", "[", "{"].contains(op) { depth += 1 }
                if [")", "]", "}"].contains(op) { depth = max(0, depth - 1) }
                tokens.append(.op(op))
            } else {
                throw TextModelsError.chatTemplate("unexpected character '\(c)' at line \(line)")
            }
        }
    }

    private func matches(_ expected: Unicode.Scalar...) -> Bool {
        guard position + expected.count <= scalars.count else { return false }
        for (offset, scalar) in expected.enumerated() where scalars[position + offset] != scalar { return false }
        return true
    }

    private mutating func skipInlineWhitespace() {
        while position < scalars.count, PythonText.isSpace(scalars[position]) {
            if scalars[position] == "\n" { line += 1 }
            position += 1
        }
    }

    private mutating func readName() -> String {
        var out = String.UnicodeScalarView()
        while position < scalars.count,
            scalars[position].properties.isAlphabetic || scalars[position] == "_"
                || ("0"..."9").contains(scalars[position])
        {
            out.append(scalars[position])
            position += 1
        }
        return String(out)
    }

    private mutating func readNumber(integerOnly: Bool) throws -> JinjaToken {
        var text = ""
        func readDigits() {
            while position < scalars.count, ("0"..."9").contains(scalars[position]) || scalars[position] == "_" {
                if scalars[position] != "_" { text.unicodeScalars.append(scalars[position]) }
                position += 1
            }
        }
        readDigits()
        var isFloat = false
        if !integerOnly, matches("."), position + 1 < scalars.count, ("0"..."9").contains(scalars[position + 1]) {
            isFloat = true
            text += "."
            position += 1
            readDigits()
        }
        if !integerOnly, position < scalars.count, scalars[position] == "e" || scalars[position] == "E" {
            var lookahead = position + 1
            if lookahead < scalars.count, scalars[lookahead] == "+" || scalars[lookahead] == "-" { lookahead += 1 }
            if lookahead < scalars.count, ("0"..."9").contains(scalars[lookahead]) {
                isFloat = true
                text += "e" + String(String.UnicodeScalarView(scalars[(position + 1)..<lookahead]))
                position = lookahead
                readDigits()
            }
        }
        if isFloat, let d = Double(text) { return .float(d) }
        guard let i = Int(text) else {
            throw TextModelsError.chatTemplate("number '\(text)' out of range at line \(line)")
        }
        return .integer(i)
    }

    private static let operators = [
        "//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{",
        "}", ",", ".", ":", "|",
    ]

    private mutating func readOperator() -> String? {
        for op in Self.operators {
            let opScalars = Array(op.unicodeScalars)
            guard position + opScalars.count <= scalars.count else { continue }
            if Array(scalars[position..<position + opScalars.count]) == opScalars {
                position += opScalars.count
                return op
            }
        }
        return nil
    }

    /// A string literal, unescaped like Python's `unicode-escape` codec (which Jinja uses): `\n`, `\t`,
    /// `\xHH`, `\uHHHH`, `\UHHHHHHHH`, octal, and unknown escapes kept with their backslash.
    private mutating func readString(quote: Unicode.Scalar) throws -> String {
        let startLine = line
        position += 1
        var out = String.UnicodeScalarView()
        while true {
            guard position < scalars.count else {
                throw TextModelsError.chatTemplate("unterminated string starting at line \(startLine)")
            }
            let c = scalars[position]
            position += 1
            if c == quote { return String(out) }
            if c == "\n" { line += 1 }
            guard c == "\\", position < scalars.count else {
                out.append(c)
                continue
            }
            let e = scalars[position]
            position += 1
            if let unescaped = PythonText.letterEscapes[e] {
                out.append(unescaped)
                continue
            }
            switch e {
            case "\n": line += 1  // a backslash-newline is a line continuation
            case "\\", "'", "\"": out.append(e)
            case "a": out.append("\u{07}")
            case "v": out.append("\u{0B}")
            case "x", "u", "U":
                let width = e == "x" ? 2 : (e == "u" ? 4 : 8)
                guard position + width <= scalars.count,
                    let code = UInt32(String(String.UnicodeScalarView(scalars[position..<position + width])), radix: 16),
                    let scalar = Unicode.Scalar(code)
                else { throw TextModelsError.chatTemplate("bad \\\(e) escape in string at line \(line)") }
                out.append(scalar)
                position += width
            case "0"..."7":
                var code = e.value - 48
                var count = 1
                while count < 3, position < scalars.count, ("0"..."7").contains(scalars[position]) {
                    code = code * 8 + scalars[position].value - 48
                    position += 1
                    count += 1
                }
                out.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default:
                out.append("\\")
                out.append(e)
            }
        }
    }
}
