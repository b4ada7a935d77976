/// Python `str` operations, done on Unicode scalars (code points) as Python does. Swift's `String`
/// compares and searches by grapheme cluster and canonical equivalence, which gives different answers
/// for text like "\r\n" or combining accents.
enum PythonText {
    /// Python's `str.isspace` for one character: Unicode White_Space plus the ASCII information
    /// separators U+001C–U+001F, which Python also treats as whitespace.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }

    /// Single-letter backslash escapes shared by JSON and Python string literals (`\n` → newline, …).
    static let letterEscapes: [Unicode.Scalar: Unicode.Scalar] = [
        "n": "\n", "r": "\r", "t": "\t", "b": "\u{08}", "f": "\u{0C}",
    ]

    static func compare(_ a: String, _ b: String) -> Int {
        var ia = a.unicodeScalars.makeIterator()
        var ib = b.unicodeScalars.makeIterator()
        while true {
            switch (ia.next(), ib.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (x?, y?):
                if x.value != y.value { return x.value < y.value ? -1 : 1 }
            }
        }
    }

    /// The scalar offset of the first occurrence of `needle` in `haystack`, or nil.
    static func find(_ needle: String, in haystack: String, from start: Int = 0) -> Int? {
        find(Array(needle.unicodeScalars), in: Array(haystack.unicodeScalars), from: start)
    }

    static func find(_ needle: [Unicode.Scalar], in haystack: [Unicode.Scalar], from start: Int = 0) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var i = max(0, start)
        while i + needle.count <= haystack.count {
            if haystack[i..<i + needle.count].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// The scalar offset of the last occurrence of `needle` in `haystack` (`str.rindex`), or nil.
    static func findLast(_ needle: [Unicode.Scalar], in haystack: [Unicode.Scalar]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var i = haystack.count - needle.count
        while i >= 0 {
            if haystack[i..<i + needle.count].elementsEqual(needle) { return i }
            i -= 1
        }
        return nil
    }

    /// `str.strip(chars)`, `lstrip`, `rstrip`: whitespace when `characters` is nil.
    static func strip(_ s: String, characters: String? = nil, leading: Bool = true, trailing: Bool = true) -> String {
        let set = characters.map { Set($0.unicodeScalars) }
        func stripped(_ c: Unicode.Scalar) -> Bool { set.map { $0.contains(c) } ?? isSpace(c) }
        var scalars = Array(s.unicodeScalars)[...]
        if leading { while let first = scalars.first, stripped(first) { scalars.removeFirst() } }
        if trailing { while let last = scalars.last, stripped(last) { scalars.removeLast() } }
        return String(String.UnicodeScalarView(scalars))
    }

    /// `str.split(sep, maxsplit)`; with no separator, splits on runs of whitespace and drops empty parts.
    static func split(_ s: String, separator: String?, maxSplits: Int = -1) -> [String] {
        let scalars = Array(s.unicodeScalars)
        var parts: [String] = []
        guard let separator else {
            var current: [Unicode.Scalar] = []
            var i = 0
            while i < scalars.count {
                if isSpace(scalars[i]) {
                    if !current.isEmpty {
                        parts.append(String(String.UnicodeScalarView(current)))
                        current = []
                        if maxSplits >= 0 && parts.count == maxSplits {
                            var rest = i
                            while rest < scalars.count, isSpace(scalars[rest]) { rest += 1 }
                            if rest < scalars.count {
                                parts.append(String(String.UnicodeScalarView(scalars[rest...])))
                            }
                            return parts
                        }
                    }
                } else {
                    current.append(scalars[i])
                }
                i += 1
            }
            if !current.isEmpty { parts.append(String(String.UnicodeScalarView(current))) }
            return parts
        }
        let sep = Array(separator.unicodeScalars)
        var start = 0
        while maxSplits < 0 || parts.count < maxSplits, let found = find(sep, in: scalars, from: start) {
            parts.append(String(String.UnicodeScalarView(scalars[start..<found])))
            start = found + sep.count
        }
        parts.append(String(String.UnicodeScalarView(scalars[start...])))
        return parts
    }

    /// `str.replace(old, new, count)`.
    static func replace(_ s: String, _ old: String, _ new: String, count: Int = -1) -> String {
        let scalars = Array(s.unicodeScalars)
        let oldScalars = Array(old.unicodeScalars)
        var out = String.UnicodeScalarView()
        var replaced = 0
        var i = 0
        if oldScalars.isEmpty {
            // Python inserts the replacement between every character and at both ends.
            for scalar in scalars {
                if count < 0 || replaced < count {
                    out.append(contentsOf: new.unicodeScalars)
                    replaced += 1
                }
                out.append(scalar)
            }
            if count < 0 || replaced < count { out.append(contentsOf: new.unicodeScalars) }
            return String(out)
        }
        while i < scalars.count {
            if (count < 0 || replaced < count), i + oldScalars.count <= scalars.count,
                scalars[i..<i + oldScalars.count].elementsEqual(oldScalars)
            {
                out.append(contentsOf: new.unicodeScalars)
                i += oldScalars.count
                replaced += 1
            } else {
                out.append(scalars[i])
                i += 1
            }
        }
        return String(out)
    }

    static func hasPrefix(_ s: String, _ prefix: String) -> Bool {
        s.unicodeScalars.starts(with: prefix.unicodeScalars)
    }

    static func hasSuffix(_ s: String, _ suffix: String) -> Bool {
        s.unicodeScalars.reversed().starts(with: suffix.unicodeScalars.reversed())
    }

    /// `str.capitalize()`: first character upper-cased, the rest lower-cased.
    static func capitalize(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        return String(first).uppercased() + String(String.UnicodeScalarView(s.unicodeScalars.dropFirst())).lowercased()
    }

    /// `str.title()`: a cased character following an uncased one starts a word.
    static func title(_ s: String) -> String {
        var out = ""
        var previousCased = false
        for scalar in s.unicodeScalars {
            let cased = scalar.properties.isCased
            out += previousCased ? String(scalar).lowercased() : String(scalar).uppercased()
            previousCased = cased
        }
        return out
    }

    /// Rebuilds `s` scalar by scalar, replacing each scalar for which `replacement` returns a string.
    static func escaped(_ s: String, _ replacement: (Unicode.Scalar) -> String?) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            if let replaced = replacement(scalar) {
                out += replaced
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Python `format % args` for the directives `%s`, `%r`, `%d`, `%i` and `%%`; anything else
    /// (widths, precisions, `%f`, mapping keys) is refused.
    static func percentFormat(_ format: String, _ args: [JinjaValue], unusedAllowed: Bool = false) throws -> String {
        var out = ""
        var remaining = args[...]
        var iterator = format.unicodeScalars.makeIterator()
        while let scalar = iterator.next() {
            guard scalar == "%" else {
                out.unicodeScalars.append(scalar)
                continue
            }
            guard let directive = iterator.next() else {
                throw TextModelsError.chatTemplate("incomplete format in '%' string formatting")
            }
            if directive == "%" {
                out += "%"
                continue
            }
            guard let value = remaining.popFirst() else {
                throw TextModelsError.chatTemplate("not enough arguments for format string")
            }
            switch directive {
            case "s": out += value.pythonString
            case "r": out += value.pythonRepr
            case "d", "i":
                guard let number = value.numericValue, number.isFinite,
                    let integer = Int(exactly: number.rounded(.towardZero))
                else { throw TextModelsError.chatTemplate("%\(directive) format: a number is required") }
                out += String(integer)
            default:
                throw TextModelsError.chatTemplate("unsupported '%' format directive '%\(directive)'")
            }
        }
        guard remaining.isEmpty || unusedAllowed else {
            throw TextModelsError.chatTemplate("not all arguments converted during string formatting")
        }
        return out
    }

    /// Python `str.format` with `{}`, `{0}`, `{name}` fields and `{{`/`}}` escapes; format specs,
    /// conversions and field indexing are refused.
    static func braceFormat(_ format: String, _ args: [JinjaValue], _ kwargs: [(String, JinjaValue)]) throws -> String {
        var out = ""
        var automaticIndex = 0
        let scalars = Array(format.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let scalar = scalars[i]
            if scalar == "}" {
                guard i + 1 < scalars.count, scalars[i + 1] == "}" else {
                    throw TextModelsError.chatTemplate("single '}' encountered in format string")
                }
                out += "}"
                i += 2
                continue
            }
            guard scalar == "{" else {
                out.unicodeScalars.append(scalar)
                i += 1
                continue
            }
            if i + 1 < scalars.count, scalars[i + 1] == "{" {
                out += "{"
                i += 2
                continue
            }
            guard let close = scalars[(i + 1)...].firstIndex(of: "}") else {
                throw TextModelsError.chatTemplate("single '{' encountered in format string")
            }
            let field = String(String.UnicodeScalarView(scalars[(i + 1)..<close]))
            i = close + 1
            if field.unicodeScalars.contains(where: { ":!.[".unicodeScalars.contains($0) }) {
                throw TextModelsError.chatTemplate("unsupported format field '{\(field)}'")
            }
            let value: JinjaValue?
            if field.isEmpty {
                value = automaticIndex < args.count ? args[automaticIndex] : nil
                automaticIndex += 1
            } else if let index = Int(field) {
                value = index >= 0 && index < args.count ? args[index] : nil
            } else {
                value = kwargs.last { $0.0 == field }?.1
            }
            guard let value else { throw TextModelsError.chatTemplate("no argument for format field '{\(field)}'") }
            out += value.pythonString
        }
        return out
    }

    /// Python `len(str)`: the number of code points.
    static func length(_ s: String) -> Int { s.unicodeScalars.count }
}
