/// Typed access to `tokenizer.json` members: every missing or mistyped field becomes a
/// `TextModelsError.invalidTokenizer` that names the field, instead of a crash.
struct ConfigReader: Sendable {
    /// Where the document came from (a path, or "tokenizer.json" for in-memory data), for messages.
    let source: String

    func fail(_ reason: String) -> TextModelsError { .invalidTokenizer(path: source, reason: reason) }

    func object(_ value: JSONValue?, _ name: String) throws(TextModelsError) -> JSONValue {
        guard let value, case .object = value else { throw fail("'\(name)' must be an object, found \(value?.typeName ?? "nothing")") }
        return value
    }

    func string(_ value: JSONValue, _ key: String, in name: String) throws(TextModelsError) -> String {
        guard let s = value[key]?.stringValue else { throw fail("'\(name).\(key)' must be a string") }
        return s
    }

    func optionalString(_ value: JSONValue, _ key: String, in name: String) throws(TextModelsError) -> String? {
        guard let member = value[key], !member.isNull else { return nil }
        guard let s = member.stringValue else { throw fail("'\(name).\(key)' must be a string or null") }
        return s
    }

    func bool(_ value: JSONValue, _ key: String, in name: String, default fallback: Bool) throws(TextModelsError) -> Bool {
        guard let member = value[key], !member.isNull else { return fallback }
        guard let b = member.boolValue else { throw fail("'\(name).\(key)' must be a boolean") }
        return b
    }

    func int(_ value: JSONValue, _ key: String, in name: String) throws(TextModelsError) -> Int {
        guard let i = value[key]?.intValue else { throw fail("'\(name).\(key)' must be an integer") }
        return i
    }

    func optionalInt(_ value: JSONValue, _ key: String, in name: String) throws(TextModelsError) -> Int? {
        guard let member = value[key], !member.isNull else { return nil }
        guard let i = member.intValue else { throw fail("'\(name).\(key)' must be an integer or null") }
        return i
    }

    func array(_ value: JSONValue, _ key: String, in name: String) throws(TextModelsError) -> [JSONValue] {
        guard let a = value[key]?.arrayValue else { throw fail("'\(name).\(key)' must be an array") }
        return a
    }

    /// The `type` member of a component object.
    func type(_ value: JSONValue, in name: String) throws(TextModelsError) -> String {
        guard case .object = value else { throw fail("'\(name)' must be an object, found \(value.typeName)") }
        return try string(value, "type", in: name)
    }

    /// A Split/Replace `pattern`: `{"String": "..."}` or `{"Regex": "..."}`.
    func pattern(_ value: JSONValue, in name: String) throws(TextModelsError) -> PatternSpec {
        guard let pattern = value["pattern"] else { throw fail("'\(name).pattern' is missing") }
        if let s = pattern["String"]?.stringValue { return .literal(s) }
        if let r = pattern["Regex"]?.stringValue { return .regex(r) }
        throw fail("'\(name).pattern' must be {\"String\": ...} or {\"Regex\": ...}")
    }

    /// The components listed under `key` (a Sequence's members), each built by `make(item, itemPath)`.
    func components<T>(_ value: JSONValue, _ key: String, in name: String,
                       _ make: (JSONValue, String) throws(TextModelsError) -> T) throws(TextModelsError) -> [T] {
        var list: [T] = []
        for (i, item) in try array(value, key, in: name).enumerated() {
            list.append(try make(item, "\(name).\(key)[\(i)]"))
        }
        return list
    }

    /// Metaspace's `prepend_scheme`; files written before it existed use `add_prefix_space`.
    func prependScheme(_ value: JSONValue, in name: String) throws(TextModelsError) -> PrependScheme {
        if let scheme = try optionalString(value, "prepend_scheme", in: name) {
            guard let parsed = PrependScheme(rawValue: scheme) else { throw fail("'\(name).prepend_scheme' must be always, never or first") }
            return parsed
        }
        return try bool(value, "add_prefix_space", in: name, default: true) ? .always : .never
    }

    /// A single Unicode scalar given as a one-character string (Metaspace `replacement`, Strip `content`).
    func scalar(_ value: JSONValue, _ key: String, in name: String) throws(TextModelsError) -> Unicode.Scalar {
        let s = try string(value, key, in: name)
        var iterator = s.unicodeScalars.makeIterator()
        guard let first = iterator.next(), iterator.next() == nil else { throw fail("'\(name).\(key)' must be a single character") }
        return first
    }
}

/// How a Split pre-tokenizer or a Replace normalizer/decoder describes what to look for.
enum PatternSpec: Sendable {
    case literal(String)
    case regex(String)
}
