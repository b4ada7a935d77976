/// Python methods that templates call on strings, dicts and lists (`content.strip()`, `message.get('x')`).
/// Methods that would mutate a value are refused, as in transformers' immutable sandbox.
enum JinjaMethods {
    static let dictMethods: Set<String> = [
        "get", "items", "keys", "values", "update", "pop", "setdefault", "clear", "popitem", "copy",
    ]
    static let stringMethods: Set<String> = [
        "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "upper", "lower",
        "title", "capitalize", "replace", "find", "count", "join", "isdigit", "isalpha", "isspace", "isupper",
        "islower", "format",
    ]
    static let listMethods: Set<String> = [
        "index", "count", "append", "extend", "pop", "insert", "remove", "sort", "reverse", "clear", "copy",
    ]
    static let tupleMethods: Set<String> = ["index", "count"]
    private static let mutating: Set<String> = [
        "update", "pop", "setdefault", "clear", "popitem", "append", "extend", "insert", "remove", "sort", "reverse",
    ]

    static func call(
        _ name: String, on receiver: JinjaValue, _ args: [JinjaValue], _ kwargs: [(String, JinjaValue)], line: Int
    ) throws -> JinjaValue {
        if mutating.contains(name) {
            throw TextModelsError.chatTemplate(
                "access to attribute '\(name)' of '\(receiver.typeName)' object is unsafe (templates cannot modify values) at line \(line)")
        }
        let arguments = JinjaArgumentList(args, kwargs, function: name, line: line)
        if name == "loop.cycle", case let .int(index) = receiver {
            // `loop.cycle(a, b, …)`: the argument for this iteration, round-robin.
            guard !args.isEmpty else { throw arguments.error("no items for cycling given") }
            return args[index % args.count]
        }
        switch receiver {
        case let .object(object): return try callDict(name, object, arguments)
        case let .string(s): return try callString(name, s, arguments)
        case let .array(items), let .tuple(items): return try callList(name, items, arguments)
        default: throw arguments.error("'\(receiver.typeName)' object has no method '\(name)'")
        }
    }

    private static func callDict(_ name: String, _ object: JinjaObject, _ a: JinjaArgumentList) throws -> JinjaValue {
        switch name {
        case "get":
            let key = try a.required(0, "key")
            guard case let .string(k) = key else { return try a.optional(1, "default") ?? .none }
            if let found = object[k] { return found }
            return try a.optional(1, "default") ?? .none
        case "items": return .array(object.pairs.map { .tuple([.string($0.key), $0.value]) })
        case "keys": return .array(object.keys.map { .string($0) })
        case "values": return .array(object.pairs.map(\.value))
        case "copy": return .object(object)
        default: throw a.error("unsupported dict method '\(name)'")
        }
    }

    private static func callList(_ name: String, _ items: [JinjaValue], _ a: JinjaArgumentList) throws -> JinjaValue {
        switch name {
        case "index":
            let needle = try a.required(0, "value")
            guard let index = items.firstIndex(of: needle) else { throw a.error("\(needle.pythonRepr) is not in list") }
            return .int(index)
        case "count":
            let needle = try a.required(0, "value")
            return .int(items.filter { $0 == needle }.count)
        case "copy": return .array(items)
        default: throw a.error("unsupported list method '\(name)'")
        }
    }

    private static func callString(_ name: String, _ s: String, _ a: JinjaArgumentList) throws -> JinjaValue {
        switch name {
        case "strip", "lstrip", "rstrip":
            let characters = try a.optionalString(0, "chars")
            return .string(
                PythonText.strip(s, characters: characters, leading: name != "rstrip", trailing: name != "lstrip"))
        case "split", "rsplit":
            let separator = try a.optionalString(0, "sep")
            let maxSplits = try a.optionalInt(1, "maxsplit") ?? -1
            if name == "rsplit" && maxSplits >= 0 {
                throw a.error("unsupported rsplit with maxsplit")
            }
            if separator == "" { throw a.error("empty separator") }
            return .array(PythonText.split(s, separator: separator, maxSplits: maxSplits).map { .string($0) })
        case "splitlines":
            var lines = PythonText.split(PythonText.replace(s, "\r\n", "\n"), separator: "\n")
            if lines.last == "" { lines.removeLast() }
            return .array(lines.map { .string($0) })
        case "startswith", "endswith":
            let argument = try a.required(0, "prefix")
            let candidates: [JinjaValue] = if case let .tuple(items) = argument { items } else { [argument] }
            for candidate in candidates {
                guard case let .string(text) = candidate else { throw a.error("\(name) argument must be str") }
                if name == "startswith" ? PythonText.hasPrefix(s, text) : PythonText.hasSuffix(s, text) {
                    return .bool(true)
                }
            }
            return .bool(false)
        case "upper": return .string(s.uppercased())
        case "lower": return .string(s.lowercased())
        case "title": return .string(PythonText.title(s))
        case "capitalize": return .string(PythonText.capitalize(s))
        case "replace":
            let old = try a.requiredString(0, "old")
            let new = try a.requiredString(1, "new")
            return .string(PythonText.replace(s, old, new, count: try a.optionalInt(2, "count") ?? -1))
        case "find":
            return .int(PythonText.find(try a.requiredString(0, "sub"), in: s) ?? -1)
        case "count":
            let needle = try a.requiredString(0, "sub")
            return .int(PythonText.split(s, separator: needle).count - 1)
        case "join":
            let items = try a.required(0, "iterable")
            let parts: [JinjaValue]
            switch items {
            case let .array(list), let .tuple(list): parts = list
            default: throw a.error("join expects a list or tuple")
            }
            return .string(try parts.map { part -> String in
                guard case let .string(text) = part else { throw a.error("join expects strings") }
                return text
            }.joined(separator: s))
        case "format":
            do {
                return .string(try PythonText.braceFormat(s, a.positional, a.keyword))
            } catch let TextModelsError.chatTemplate(message) {
                throw a.error(message)
            }
        case "isdigit": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType == .decimal })
        case "isalpha": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic })
        case "isspace": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { PythonText.isSpace($0) })
        case "isupper": return .bool(s.contains { $0.isUppercase } && s.uppercased() == s)
        case "islower": return .bool(s.contains { $0.isLowercase } && s.lowercased() == s)
        default: throw a.error("unsupported string method '\(name)'")
        }
    }
}

/// Positional/keyword arguments of a built-in call, with Python-style lookup by position or name.
struct JinjaArgumentList {
    let positional: [JinjaValue]
    let keyword: [(String, JinjaValue)]
    let function: String
    let line: Int

    init(_ positional: [JinjaValue], _ keyword: [(String, JinjaValue)], function: String, line: Int) {
        self.positional = positional
        self.keyword = keyword
        self.function = function
        self.line = line
    }

    func error(_ message: String) -> TextModelsError {
        .chatTemplate("\(function): \(message) at line \(line)")
    }

    func optional(_ index: Int, _ name: String) throws -> JinjaValue? {
        if index >= 0 && index < positional.count { return positional[index] }
        return keyword.last { $0.0 == name }?.1
    }

    func required(_ index: Int, _ name: String) throws -> JinjaValue {
        guard let value = try optional(index, name) else { throw error("missing argument '\(name)'") }
        return value
    }

    func optionalString(_ index: Int, _ name: String) throws -> String? {
        switch try optional(index, name) {
        case nil, .none?: return nil
        case let .string(s)?: return s
        case let other?: throw error("argument '\(name)' must be a string, not \(other.typeName)")
        }
    }

    func requiredString(_ index: Int, _ name: String) throws -> String {
        guard let s = try optionalString(index, name) else { throw error("missing argument '\(name)'") }
        return s
    }

    func optionalInt(_ index: Int, _ name: String) throws -> Int? {
        switch try optional(index, name) {
        case nil, .none?: return nil
        case let .int(i)?: return i
        case let .bool(b)?: return b ? 1 : 0
        case let other?: throw error("argument '\(name)' must be an integer, not \(other.typeName)")
        }
    }

    func optionalBool(_ index: Int, _ name: String) throws -> Bool? {
        try optional(index, name).map(\.isTruthy)
    }
}
