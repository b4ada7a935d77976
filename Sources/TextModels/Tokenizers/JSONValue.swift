/// A parsed JSON document. `tokenizer.json` files hold 100k+ vocabulary entries and merges, so this small
/// byte-level parser replaces Foundation's `JSONSerialization`, which is several times slower on Linux.
enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Members in file order (vocabulary order matters for error messages and duplicate handling).
    case object([(key: String, value: JSONValue)])
    /// A value left unparsed (its byte range in the document), read later by a specialised scanner.
    case deferred(Range<Int>)

    /// The member named `key`, or nil when this is not an object or has no such member.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for member in members where member.key == key { return member.value }
        return nil
    }

    var isNull: Bool { if case .null = self { true } else { false } }
    var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    var doubleValue: Double? { if case .number(let n) = self { n } else { nil } }
    var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    var objectValue: [(key: String, value: JSONValue)]? { if case .object(let o) = self { o } else { nil } }
    /// The value as an exact integer, or nil when it is not an integral number.
    var intValue: Int? {
        guard case .number(let n) = self, n.rounded() == n, abs(n) < 9.0e15 else { return nil }
        return Int(n)
    }
    /// A short name of the JSON type, for error messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        case .deferred: "value"
        }
    }
}

/// Why a document is not valid JSON, with the byte offset where parsing stopped.
struct JSONParseError: Error, Sendable {
    var offset: Int
    var reason: String
}

/// Recursive-descent JSON parser over UTF-8 bytes (RFC 8259; nesting limited to keep the stack bounded).
struct JSONParser {
    private var bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0
    private static let maximumDepth = 512

    /// Parses a complete document; trailing non-whitespace is an error. Members of depth-2 objects (the members
    /// of the root's members, e.g. `model.vocab`) whose key is in `deferredKeys` are skipped and returned as
    /// `.deferred(range)`.
    static func parse(_ data: [UInt8], deferredKeys: Set<String> = []) throws(JSONParseError) -> JSONValue {
        try data.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
            var parser = JSONParser(bytes: buffer)
            parser.deferredKeys = deferredKeys
            return try parser.parseDocument(in: 0..<buffer.count)
        }
    }

    /// Parses the value in `range` of `data` (typically a deferred range).
    static func parse(_ data: [UInt8], range: Range<Int>) throws(JSONParseError) -> JSONValue {
        try data.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
            var parser = JSONParser(bytes: buffer)
            return try parser.parseDocument(in: range)
        }
    }

    private mutating func parseDocument(in range: Range<Int>) throws(JSONParseError) -> JSONValue {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else { throw error("range outside the document") }
        bytes = UnsafeBufferPointer(rebasing: bytes[..<range.upperBound])
        position = range.lowerBound
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard position == bytes.count else { throw error("unexpected data after the document") }
        return value
    }

    /// Calls `body(key, value)` for each member of the object of integers in `range` (a vocabulary), with the
    /// key's unescaped UTF-8 bytes; no `String` is built.
    static func forEachIntegerMember(
        _ data: [UInt8], range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>, Int) -> Void
    ) throws(JSONParseError) {
        try data.withUnsafeBufferPointer { (buffer) throws(JSONParseError) in
            var parser = JSONParser(bytes: UnsafeBufferPointer(rebasing: buffer[..<range.upperBound]))
            parser.position = range.lowerBound
            try parser.expect(UInt8(ascii: "{"))
            var scratch = ScratchBytes()
            defer { scratch.deallocate() }
            parser.skipWhitespace()
            if parser.peek() == UInt8(ascii: "}") { return }
            while true {
                parser.skipWhitespace()
                let key = try parser.readStringSpan(scratch: &scratch)
                parser.skipWhitespace()
                try parser.expect(UInt8(ascii: ":"))
                parser.skipWhitespace()
                let number = try parser.parseNumber()
                guard number.rounded() == number, abs(number) < 9.0e15 else { throw parser.error("expected an integer id") }
                body(key, Int(number))
                parser.skipWhitespace()
                if parser.peek() == UInt8(ascii: ",") { parser.position += 1; continue }
                try parser.expect(UInt8(ascii: "}"))
                return
            }
        }
    }

    /// Calls `body(index, left, right)` for each merge in the array in `range`: `"a b"` strings (exactly one
    /// space) or `["a", "b"]` pairs. Returns the index of a malformed string merge via the thrown error.
    static func forEachMerge(
        _ data: [UInt8], range: Range<Int>, _ body: (Int, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void
    ) throws(JSONParseError) {
        try data.withUnsafeBufferPointer { (buffer) throws(JSONParseError) in
            var parser = JSONParser(bytes: UnsafeBufferPointer(rebasing: buffer[..<range.upperBound]))
            parser.position = range.lowerBound
            try parser.expect(UInt8(ascii: "["))
            var leftScratch = ScratchBytes(), rightScratch = ScratchBytes()
            defer { leftScratch.deallocate(); rightScratch.deallocate() }
            parser.skipWhitespace()
            if parser.peek() == UInt8(ascii: "]") { return }
            var index = 0
            while true {
                parser.skipWhitespace()
                let left: UnsafeBufferPointer<UInt8>, right: UnsafeBufferPointer<UInt8>
                if parser.peek() == UInt8(ascii: "[") {
                    parser.position += 1
                    parser.skipWhitespace()
                    left = try parser.readStringSpan(scratch: &leftScratch)
                    parser.skipWhitespace()
                    try parser.expect(UInt8(ascii: ","))
                    parser.skipWhitespace()
                    right = try parser.readStringSpan(scratch: &rightScratch)
                    parser.skipWhitespace()
                    try parser.expect(UInt8(ascii: "]"))
                } else {
                    let line = try parser.readStringSpan(scratch: &leftScratch)
                    guard let space = line.firstIndex(of: 0x20), !line[(space + 1)...].contains(0x20) else {
                        throw JSONParseError(offset: parser.position, reason: "merge \(index + 1) must be two tokens separated by one space")
                    }
                    left = UnsafeBufferPointer(rebasing: line[..<space])
                    right = UnsafeBufferPointer(rebasing: line[(space + 1)...])
                }
                body(index, left, right)
                index += 1
                parser.skipWhitespace()
                if parser.peek() == UInt8(ascii: ",") { parser.position += 1; continue }
                try parser.expect(UInt8(ascii: "]"))
                return
            }
        }
    }

    private var deferredKeys: Set<String> = []

    @inline(__always) private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func expect(_ byte: UInt8) throws(JSONParseError) {
        guard position < bytes.count, bytes[position] == byte else {
            throw error("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        position += 1
    }

    /// Skips one value without building it (strings are scanned for escapes and quotes only).
    private mutating func skipValue() throws(JSONParseError) {
        var nesting = 0
        repeat {
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of data") }
            switch bytes[position] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                nesting += 1
                position += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                nesting -= 1
                position += 1
            case UInt8(ascii: "\""):
                position += 1
                while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
                    position += bytes[position] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard position < bytes.count else { throw error("unterminated string") }
                position += 1
            default:
                position += 1
            }
        } while nesting > 0
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private func error(_ reason: String) -> JSONParseError { JSONParseError(offset: position, reason: reason) }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else { throw error("unexpected end of data") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        default: return .number(try parseNumber())
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw error("unexpected end of data") }
        let start = literal.utf8Start
        for i in 0..<count where bytes[position + i] != start[i] { throw error("invalid literal") }
        position += count
    }

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > Self.maximumDepth { throw error("nesting deeper than \(Self.maximumDepth)") }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enter()
        position += 1
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a member name") }
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
            position += 1
            skipWhitespace()
            let value: JSONValue
            if depth == 2, !deferredKeys.isEmpty, deferredKeys.contains(key) {
                let start = position
                try skipValue()
                value = .deferred(start..<position)
            } else {
                value = try parseValue()
            }
            members.append((key, value))
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of data in an object") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; break }
            throw error("expected ',' or '}'")
        }
        depth -= 1
        return .object(members)
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of data in an array") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; break }
            throw error("expected ',' or ']'")
        }
        depth -= 1
        return .array(elements)
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        let start = position + 1
        // Fast path: no escapes, so the bytes are the string (validated as UTF-8).
        var end = start
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                position = end + 1
                guard let string = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) else {
                    throw error("invalid UTF-8 in a string")
                }
                return string
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            end += 1
        }
        var buffer: [UInt8] = []
        try readStringBytes(into: &buffer)
        guard let string = String(validating: buffer, as: UTF8.self) else { throw error("invalid UTF-8 in a string") }
        return string
    }

    /// Reads a string at `position`: a slice of the document when it has no escapes (no copy), otherwise its
    /// unescaped bytes in `scratch`. The result is valid until the next use of `scratch`.
    private mutating func readStringSpan(scratch: inout ScratchBytes) throws(JSONParseError) -> UnsafeBufferPointer<UInt8> {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string") }
        var end = position + 1
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                let span = UnsafeBufferPointer(rebasing: bytes[(position + 1)..<end])
                position = end + 1
                return span
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            end += 1
        }
        var unescaped: [UInt8] = []
        try readStringBytes(into: &unescaped)
        return scratch.replace(with: unescaped)
    }

    /// Reads a string at `position` into `buffer` (replacing its contents), resolving escapes.
    private mutating func readStringBytes(into buffer: inout [UInt8]) throws(JSONParseError) {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string") }
        position += 1
        buffer.removeAll(keepingCapacity: true)
        var runStart = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                position += 1
                return
            }
            if byte < 0x20 { throw error("control character in a string") }
            if byte != UInt8(ascii: "\\") {
                position += 1
                continue
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
            position += 1
            guard position < bytes.count else { break }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""): buffer.append(0x22)
            case UInt8(ascii: "\\"): buffer.append(0x5C)
            case UInt8(ascii: "/"): buffer.append(0x2F)
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"):
                var code = UInt32(try parseHex4())
                if (0xD800..<0xDC00).contains(code) {
                    guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                          bytes[position + 1] == UInt8(ascii: "u") else { throw error("lone leading surrogate in a \\u escape") }
                    position += 2
                    let low = UInt32(try parseHex4())
                    guard (0xDC00..<0xE000).contains(low) else { throw error("invalid trailing surrogate in a \\u escape") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(code) {
                    throw error("lone trailing surrogate in a \\u escape")
                }
                guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                appendUTF8(scalar, to: &buffer)
            default: throw error("invalid escape sequence")
            }
            runStart = position
        }
        throw error("unterminated string")
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt16 {
        guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt16
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt16(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt16(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt16(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in a \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = position
        var isInteger = true
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        let digitsStart = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        guard position > digitsStart else { throw error("invalid value") }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            let fractionStart = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
            guard position > fractionStart else { throw error("invalid number") }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            let exponentStart = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
            guard position > exponentStart else { throw error("invalid number") }
        }
        // Short integers (token ids) are parsed directly; everything else goes through the correctly rounded parser.
        if isInteger, position - digitsStart <= 15 {
            var value: Int64 = 0
            for i in digitsStart..<position { value = value * 10 + Int64(bytes[i] - UInt8(ascii: "0")) }
            return bytes[start] == UInt8(ascii: "-") ? -Double(value) : Double(value)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text) else { throw error("invalid number") }
        return value
    }
}

/// A manually managed byte buffer whose contents can be lent out as an `UnsafeBufferPointer` until the next
/// `replace`; the owner calls `deallocate()`.
struct ScratchBytes {
    private var pointer: UnsafeMutablePointer<UInt8>?
    private var capacity = 0

    mutating func replace(with bytes: [UInt8]) -> UnsafeBufferPointer<UInt8> {
        if bytes.count > capacity {
            pointer?.deallocate()
            capacity = max(bytes.count, 64)
            pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        }
        guard let pointer else { return UnsafeBufferPointer(start: nil, count: 0) }
        bytes.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: source.count) }
        }
        return UnsafeBufferPointer(start: pointer, count: bytes.count)
    }

    mutating func deallocate() {
        pointer?.deallocate()
        pointer = nil
        capacity = 0
    }
}
