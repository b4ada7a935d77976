/// Jinja's built-in filters, with the transformers `tojson` override. Filters outside this set are
/// reported as unsupported rather than guessed.
extension JinjaInterpreter {
    func applyFilter(
        _ name: String, to value: JinjaValue, _ unevaluated: JinjaArguments, scope: JinjaScope, line: Int
    ) throws -> JinjaValue {
        let (args, kwargs) = try evaluateArguments(unevaluated, scope: scope, line: line)
        return try applyFilter(name, to: value, JinjaArgumentList(args, kwargs, function: name, line: line))
    }

    func applyFilter(_ name: String, to value: JinjaValue, _ a: JinjaArgumentList) throws -> JinjaValue {
        let line = a.line
        switch name {
        case "trim":
            return .string(PythonText.strip(value.pythonString, characters: try a.optionalString(0, "chars")))
        case "upper": return .string(value.pythonString.uppercased())
        case "lower": return .string(value.pythonString.lowercased())
        case "capitalize": return .string(PythonText.capitalize(value.pythonString))
        case "title": return .string(Self.titleWords(value.pythonString))
        case "length", "count": return .int(try Self.length(of: value, a))
        case "first":
            return try iterate(value, line: line).first ?? .undefined
        case "last":
            if case .object = value { throw a.error("'dict' object is not reversible") }
            return try iterate(value, line: line).last ?? .undefined
        case "join":
            var items = try iterate(value, line: line)
            if let attribute = try a.optionalString(1, "attribute") {
                items = try items.map { try lookupPath(attribute, in: $0, line: line) }
            }
            return .string(items.map(\.pythonString).joined(separator: try a.optionalString(0, "d") ?? ""))
        case "default", "d":
            let useDefault = try a.optionalBool(1, "boolean") ?? false ? !value.isTruthy : value.isUndefined
            return useDefault ? (try a.optional(0, "default_value") ?? .string("")) : value
        case "tojson":
            return .string(try Self.tojson(value, a))
        case "string": return .string(value.pythonString)
        case "safe": return value
        case "escape", "e", "forceescape": return .string(Self.htmlEscape(value.pythonString))
        case "int": return try Self.toInt(value, a)
        case "float": return try Self.toFloat(value, a)
        case "list": return .array(try iterate(value, line: line))
        case "items":
            switch value {
            case .undefined: return .array([])
            case let .object(object): return .array(object.pairs.map { .tuple([.string($0.key), $0.value]) })
            default: throw a.error("can only get item pairs from a mapping, not \(value.typeName)")
            }
        case "replace":
            return .string(
                PythonText.replace(
                    value.pythonString, try a.requiredString(0, "old"), try a.requiredString(1, "new"),
                    count: try a.optionalInt(2, "count") ?? -1))
        case "indent":
            // Jinja appends a newline to its argument first, which fails for anything but a string.
            guard case let .string(text) = value else { throw a.error("can only indent a string, not \(value.typeName)") }
            return .string(try Self.indent(text, a))
        case "center":
            let width = try a.optionalInt(0, "width") ?? 80
            try JinjaOperators.checkSize(width, plus: 0, line: line)
            return .string(Self.center(value.pythonString, width: width))
        case "reverse":
            if case let .string(s) = value { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            return .array(try iterate(value, line: line).reversed())
        case "map", "select", "reject", "selectattr", "rejectattr":
            return try applySequenceFilter(name, to: value, a)
        case "unique": return try unique(value, a)
        case "sort": return try sort(value, a)
        case "sum":
            var total = try a.optional(1, "start") ?? .int(0)
            for var item in try iterate(value, line: line) {
                if let attribute = try a.optionalString(0, "attribute") {
                    item = try lookupPath(attribute, in: item, line: line)
                }
                total = try JinjaOperators.apply("+", total, item, line: line)
            }
            return total
        case "min", "max":
            let items = try iterate(value, line: line)
            guard var best = items.first else { return .undefined }
            for item in items.dropFirst() {
                let order = try JinjaOperators.compare(item, best, op: "<", line: line)
                if name == "min" ? order < 0 : order > 0 { best = item }
            }
            return best
        case "abs":
            switch value {
            case let .int(i): return .int(i.magnitude > UInt(Int.max) ? i : abs(i))
            case let .double(d): return .double(abs(d))
            case let .bool(b): return .int(b ? 1 : 0)
            default: throw a.error("bad operand type for abs(): '\(value.typeName)'")
            }
        case "round": return try Self.round(value, a)
        case "wordcount":
            return .int(value.pythonString.unicodeScalars.split { !($0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_") }.count)
        case "dictsort":
            guard case let .object(object) = value else { throw a.error("dictsort needs a mapping, not \(value.typeName)") }
            let caseSensitive = try a.optionalBool(0, "case_sensitive") ?? false
            let byValue = try a.optionalString(1, "by") == "value"
            let pairs = JinjaValue.array(object.pairs.map { .tuple([.string($0.key), $0.value]) })
            let sortArguments = JinjaArgumentList(
                [], [("reverse", try a.optional(2, "reverse") ?? .bool(false)), ("case_sensitive", .bool(caseSensitive)),
                     ("attribute", .string(byValue ? "1" : "0"))], function: "dictsort", line: line)
            return try sort(pairs, sortArguments)
        case "format":
            do {
                return .string(try PythonText.percentFormat(value.pythonString, a.positional))
            } catch let TextModelsError.chatTemplate(message) {
                throw a.error(message)
            }
        case "attr":
            return try attribute(try a.requiredString(0, "name"), of: value, described: "value", line: line)
        default:
            throw TextModelsError.chatTemplate("unsupported filter '\(name)' at line \(line)")
        }
    }

    /// Jinja's `environment.getitem` along a dotted path (`"function.name"`, `"0"`), as used by `map`,
    /// `selectattr`, `sort(attribute=…)`; missing parts give undefined.
    func lookupPath(_ path: String, in value: JinjaValue, line: Int) throws -> JinjaValue {
        var current = value
        for part in PythonText.split(path, separator: ".") {
            if current.isUndefined { return .undefined }
            let key: JinjaValue = Int(part).map { .int($0) } ?? .string(part)
            current = try item(key, of: current, described: path, line: line)
        }
        return current
    }

    private func applySequenceFilter(_ name: String, to value: JinjaValue, _ a: JinjaArgumentList) throws -> JinjaValue {
        let line = a.line
        // Jinja only iterates a truthy value here, so `false | select` is empty rather than an error.
        let items = value.isTruthy ? try iterate(value, line: line) : []
        let rest = JinjaArgumentList(Array(a.positional.dropFirst()), [], function: name, line: line)
        switch name {
        case "map":
            if let attribute = try a.optionalString(-1, "attribute") {
                let fallback = try a.optional(-1, "default")
                return .array(try items.map { item in
                    let found = try lookupPath(attribute, in: item, line: line)
                    return found.isUndefined ? (fallback ?? found) : found
                })
            }
            let filter = try a.requiredString(0, "filter")
            let filterArguments = JinjaArgumentList(Array(a.positional.dropFirst()), a.keyword, function: filter, line: line)
            return .array(try items.map { try applyFilter(filter, to: $0, filterArguments) })
        case "select", "reject":
            let keep = name == "select"
            let test = try a.optionalString(0, "test")
            return .array(try items.filter { item in
                let passed = try test.map { try applyTest($0, to: item, rest.positional, line: line) } ?? item.isTruthy
                return passed == keep
            })
        default:
            let keep = name == "selectattr"
            let attribute = try a.requiredString(0, "attribute")
            let test = try a.optionalString(1, "test")
            let testArguments = Array(a.positional.dropFirst(2))
            return .array(try items.filter { item in
                let field = try lookupPath(attribute, in: item, line: line)
                let passed = try test.map { try applyTest($0, to: field, testArguments, line: line) } ?? field.isTruthy
                return passed == keep
            })
        }
    }

    /// The key Jinja compares by in `sort` and `unique`: lower-cased strings unless case-sensitive.
    private func sortKey(_ item: JinjaValue, attribute: String?, caseSensitive: Bool, line: Int) throws -> JinjaValue {
        var key = item
        if let attribute { key = try lookupPath(attribute, in: item, line: line) }
        if !caseSensitive, case let .string(s) = key { key = .string(s.lowercased()) }
        return key
    }

    private func unique(_ value: JinjaValue, _ a: JinjaArgumentList) throws -> JinjaValue {
        let caseSensitive = try a.optionalBool(0, "case_sensitive") ?? false
        let attribute = try a.optionalString(1, "attribute")
        var seen: [JinjaValue] = []
        var out: [JinjaValue] = []
        for item in try iterate(value, line: a.line) {
            let key = try sortKey(item, attribute: attribute, caseSensitive: caseSensitive, line: a.line)
            if !seen.contains(key) {
                seen.append(key)
                out.append(item)
            }
        }
        return .array(out)
    }

    private func sort(_ value: JinjaValue, _ a: JinjaArgumentList) throws -> JinjaValue {
        let reverse = try a.optionalBool(0, "reverse") ?? false
        let caseSensitive = try a.optionalBool(1, "case_sensitive") ?? false
        let attribute = try a.optionalString(2, "attribute")
        let keyed = try iterate(value, line: a.line).map {
            (try sortKey($0, attribute: attribute, caseSensitive: caseSensitive, line: a.line), $0)
        }
        // Insertion sort keeps Python's stability and lets comparison errors propagate.
        var sorted: [(JinjaValue, JinjaValue)] = []
        for entry in keyed {
            var index = sorted.count
            while index > 0 {
                let order = try JinjaOperators.compare(sorted[index - 1].0, entry.0, op: "<", line: a.line)
                if reverse ? order >= 0 : order <= 0 { break }
                index -= 1
            }
            sorted.insert(entry, at: index)
        }
        return .array(sorted.map(\.1))
    }

    private static func length(of value: JinjaValue, _ a: JinjaArgumentList) throws -> Int {
        switch value {
        case .undefined: 0
        case let .string(s): PythonText.length(s)
        case let .array(items), let .tuple(items): items.count
        case let .object(object): object.count
        default: throw a.error("object of type '\(value.typeName)' has no len()")
        }
    }

    /// transformers' `tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)`.
    private static func tojson(_ value: JinjaValue, _ a: JinjaArgumentList) throws -> String {
        let ensureASCII = try a.optionalBool(0, "ensure_ascii") ?? false
        let indent = try a.optionalInt(1, "indent")
        var separators: (String, String)?
        switch try a.optional(2, "separators") {
        case nil, .none?: break
        case let .array(parts)?, let .tuple(parts)?:
            guard parts.count == 2, case let .string(item) = parts[0], case let .string(key) = parts[1] else {
                throw a.error("separators must be a pair of strings")
            }
            separators = (item, key)
        case let other?: throw a.error("separators must be a pair of strings, not \(other.typeName)")
        }
        let sortKeys = try a.optionalBool(3, "sort_keys") ?? false
        do {
            return try value.jsonString(indent: indent, ensureASCII: ensureASCII, separators: separators, sortKeys: sortKeys)
        } catch let TextModelsError.chatTemplate(message) {
            throw a.error(message)
        }
    }

    private static func htmlEscape(_ s: String) -> String {
        let entities: [Unicode.Scalar: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&#34;", "'": "&#39;"]
        return PythonText.escaped(s) { entities[$0] }
    }

    /// Jinja's `title` filter: words start after runs of `-`, whitespace or opening brackets.
    private static func titleWords(_ s: String) -> String {
        var out = ""
        var atWordStart = true
        for scalar in s.unicodeScalars {
            let isBoundary = PythonText.isSpace(scalar) || "-({[<".unicodeScalars.contains(scalar)
            if isBoundary {
                out.unicodeScalars.append(scalar)
                atWordStart = true
            } else {
                out += atWordStart ? String(scalar).uppercased() : String(scalar).lowercased()
                atWordStart = false
            }
        }
        return out
    }

    private static func toInt(_ value: JinjaValue, _ a: JinjaArgumentList) throws -> JinjaValue {
        let fallback = try a.optional(0, "default") ?? .int(0)
        switch value {
        case let .int(i): return .int(i)
        case let .bool(b): return .int(b ? 1 : 0)
        case let .double(d):
            guard d.isFinite, let i = Int(exactly: d.rounded(.towardZero)) else { return fallback }
            return .int(i)
        case let .string(s):
            let text = PythonText.strip(s).replacingUnderscores()
            if let i = Int(text) { return .int(i) }
            if let d = Double(text), d.isFinite, let i = Int(exactly: d.rounded(.towardZero)) { return .int(i) }
            return fallback
        default: return fallback
        }
    }

    private static func toFloat(_ value: JinjaValue, _ a: JinjaArgumentList) throws -> JinjaValue {
        let fallback = try a.optional(0, "default") ?? .double(0)
        if let d = value.numericValue { return .double(d) }
        if case let .string(s) = value, let d = Double(PythonText.strip(s).replacingUnderscores()) { return .double(d) }
        return fallback
    }

    private static func round(_ value: JinjaValue, _ a: JinjaArgumentList) throws -> JinjaValue {
        guard let number = value.numericValue else { throw a.error("cannot round a \(value.typeName)") }
        let precision = try a.optionalInt(0, "precision") ?? 0
        let method = try a.optionalString(1, "method") ?? "common"
        var scale = 1.0
        for _ in 0..<abs(precision) { scale *= 10 }
        let scaled = precision >= 0 ? number * scale : number / scale
        let rule: FloatingPointRoundingRule
        switch method {
        case "common": rule = .toNearestOrEven
        case "ceil": rule = .up
        case "floor": rule = .down
        default: throw a.error("method must be common, ceil or floor")
        }
        // Python's round() keeps integers integral; math.ceil/floor results are divided back into floats.
        if method == "common", precision >= 0, let integer = value.integerValue { return .int(integer) }
        let rounded = scaled.rounded(rule)
        return .double(precision >= 0 ? rounded / scale : rounded * scale)
    }

    /// Jinja 3.1's `indent(width=4, first=False, blank=False)`, including its trailing-newline handling.
    private static func indent(_ s: String, _ a: JinjaArgumentList) throws -> String {
        let indentation: String
        switch try a.optional(0, "width") {
        case nil: indentation = "    "
        case let .string(text)?: indentation = text
        case let .int(n)?:
            try JinjaOperators.checkSize(n, plus: 0, line: a.line)
            indentation = String(repeating: " ", count: max(0, n))
        case let other?: throw a.error("width must be a number or string, not \(other.typeName)")
        }
        let first = try a.optionalBool(1, "first") ?? false
        let blank = try a.optionalBool(2, "blank") ?? false
        var lines = splitLines(s + "\n")
        var result: String
        if blank {
            result = lines.joined(separator: "\n" + indentation)
        } else {
            result = lines.isEmpty ? "" : lines.removeFirst()
            if !lines.isEmpty {
                result += "\n" + lines.map { $0.isEmpty ? $0 : indentation + $0 }.joined(separator: "\n")
            }
        }
        return first ? indentation + result : result
    }

    /// Python `str.splitlines()`.
    static func splitLines(_ s: String) -> [String] {
        let breaks: Set<UInt32> = [0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029]
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var iterator = s.unicodeScalars.makeIterator()
        var pending = iterator.next()
        while let scalar = pending {
            pending = iterator.next()
            if breaks.contains(scalar.value) {
                if scalar == "\r", pending == "\n" { pending = iterator.next() }
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }

    private static func center(_ s: String, width: Int) -> String {
        let length = PythonText.length(s)
        guard width > length else { return s }
        let total = width - length
        // CPython puts the extra space on the left when both the padding and the width are odd.
        let left = total / 2 + (total & width & 1)
        return String(repeating: " ", count: left) + s + String(repeating: " ", count: total - left)
    }
}

extension String {
    /// Python numeric literals in `int()`/`float()` allow underscores between digits.
    fileprivate func replacingUnderscores() -> String {
        String(String.UnicodeScalarView(unicodeScalars.filter { $0 != "_" }))
    }
}
