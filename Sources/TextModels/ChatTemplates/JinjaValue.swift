/// A value seen by a chat template: the data passed in (messages, tools, special tokens) and everything the
/// template computes. The cases mirror the Python types Jinja works on, so that printing, comparing and
/// truth-testing behave as they do under transformers' `apply_chat_template`.
public enum JinjaValue: Sendable {
    /// Jinja's `Undefined`: a missing variable, key or attribute. Prints as an empty string.
    case undefined
    /// Python `None` (`none` in templates).
    case none
    /// Python `bool`.
    case bool(Bool)
    /// Python `int` (within 64 bits).
    case int(Int)
    /// Python `float`.
    case double(Double)
    /// Python `str`.
    case string(String)
    /// A Python list.
    case array([JinjaValue])
    /// A Python tuple: `(a, b)` in a template, or a key/value pair from `dict.items()`. It differs from a
    /// list only in how it prints, `(1, 2)`, and in comparing unequal to lists.
    case tuple([JinjaValue])
    /// A dictionary; keys keep their insertion order, as Python dicts do (this decides the order of `tojson`).
    case object(JinjaObject)
    /// A namespace, macro or built-in function created while rendering.
    case callable(JinjaCallable)
}

/// An insertion-ordered string-keyed dictionary, the shape of JSON objects and Python dicts in templates.
public struct JinjaObject: Sendable, Equatable {
    /// The keys in insertion order.
    public private(set) var keys: [String] = []
    private var storage: [String: JinjaValue] = [:]

    /// An empty object.
    public init() {}

    /// Builds an object from key/value pairs; a repeated key keeps its first position and its last value.
    public init(_ pairs: [(String, JinjaValue)]) {
        for (key, value) in pairs { self[key] = value }
    }

    /// The value for `key`, or nil. Setting a new key appends it; setting nil removes it.
    public subscript(key: String) -> JinjaValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// The number of entries.
    public var count: Int { keys.count }

    /// Python dict equality: the same keys with equal values, in any order.
    public static func == (lhs: JinjaObject, rhs: JinjaObject) -> Bool {
        lhs.count == rhs.count && lhs.storage.allSatisfy { key, value in rhs.storage[key] == value }
    }

    /// The entries in insertion order.
    public var pairs: [(key: String, value: JinjaValue)] {
        keys.map { ($0, storage[$0] ?? .none) }
    }
}

extension JinjaValue: Equatable {
    /// Python `==`: numbers compare by value across int/float/bool, containers element-wise.
    public static func == (lhs: JinjaValue, rhs: JinjaValue) -> Bool {
        switch (lhs, rhs) {
        case (.undefined, .undefined), (.none, .none): return true
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)), let (.tuple(a), .tuple(b)): return a == b
        case let (.object(a), .object(b)): return a == b
        case let (.callable(a), .callable(b)): return a === b
        default:
            if let a = lhs.numericValue, let b = rhs.numericValue { return a == b }
            return false
        }
    }
}

extension JinjaObject: ExpressibleByDictionaryLiteral {
    /// An object from a literal, keeping the literal's key order.
    public init(dictionaryLiteral elements: (String, JinjaValue)...) { self.init(elements) }
}

extension JinjaValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JinjaValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JinjaValue)...) { self = .object(JinjaObject(elements)) }
    public init(nilLiteral: ()) { self = .none }
}

extension JinjaValue {
    /// Python truthiness: empty strings and containers, zero, `None` and undefined are false.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: false
        case let .bool(b): b
        case let .int(i): i != 0
        case let .double(d): d != 0
        case let .string(s): !s.isEmpty
        case let .array(a), let .tuple(a): !a.isEmpty
        case let .object(o): o.count > 0
        case .callable: true
        }
    }

    /// The value as a Python number (`bool` counts, as in Python), or nil.
    var numericValue: Double? {
        switch self {
        case let .bool(b): b ? 1 : 0
        case let .int(i): Double(i)
        case let .double(d): d
        default: nil
        }
    }

    /// The value as a Python int (`bool` counts), or nil for other types.
    var integerValue: Int? {
        switch self {
        case let .int(i): i
        case let .bool(b): b ? 1 : 0
        default: nil
        }
    }

    var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    /// The Python type name, for error messages.
    var typeName: String {
        switch self {
        case .undefined: "Undefined"
        case .none: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "str"
        case .array: "list"
        case .tuple: "tuple"
        case .object: "dict"
        case let .callable(c): c.typeName
        }
    }

    /// Python `str(value)`, which is what `{{ value }}` prints.
    var pythonString: String {
        switch self {
        case .undefined: ""
        case let .string(s): s
        default: pythonRepr
        }
    }

    /// Python `repr(value)`, used when containers are printed.
    var pythonRepr: String {
        switch self {
        case .undefined: "Undefined"
        case .none: "None"
        case let .bool(b): b ? "True" : "False"
        case let .int(i): String(i)
        case let .double(d): PythonRepr.repr(d)
        case let .string(s): PythonRepr.reprString(s)
        case let .array(a): "[" + a.map(\.pythonRepr).joined(separator: ", ") + "]"
        case let .tuple(a): "(" + a.map(\.pythonRepr).joined(separator: ", ") + (a.count == 1 ? ",)" : ")")
        case let .object(o):
            "{" + o.pairs.map { PythonRepr.reprString($0.key) + ": " + $0.value.pythonRepr }
                .joined(separator: ", ") + "}"
        case let .callable(c): c.pythonRepr
        }
    }
}

/// Python's `repr` of floats and strings, which templates expose when they print values.
enum PythonRepr {
    /// `repr(float)`: the shortest round-tripping digits, fixed notation for exponents in [-4, 16).
    static func repr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description is also shortest-round-trip; only the layout differs from Python's.
        let (negative, digits, exponent) = decompose(value)
        var out = negative ? "-" : ""
        if exponent >= -4 && exponent < 16 {
            if exponent < 0 {
                out += "0." + String(repeating: "0", count: -exponent - 1) + digits
            } else if digits.count > exponent + 1 {
                let index = digits.index(digits.startIndex, offsetBy: exponent + 1)
                out += digits[..<index] + "." + digits[index...]
            } else {
                out += digits + String(repeating: "0", count: exponent + 1 - digits.count) + ".0"
            }
        } else {
            out += String(digits.prefix(1))
            if digits.count > 1 { out += "." + digits.dropFirst() }
            out += (exponent < 0 ? "e-" : "e+") + (abs(exponent) < 10 ? "0" : "") + String(abs(exponent))
        }
        return out
    }

    /// Splits a finite non-zero double into sign, significant digits (no leading/trailing zeros) and the
    /// decimal exponent of the first digit.
    private static func decompose(_ value: Double) -> (Bool, String, Int) {
        var text = abs(value).description  // e.g. "123.45", "1e-05", "1.5e+20"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = String(parts[0])
        let fractionPart = parts.count > 1 ? String(parts[1]) : ""
        var digits = integerPart + fractionPart
        var pointPosition = integerPart.count + exponent  // digits before the decimal point
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (value < 0, digits, pointPosition - 1)
    }

    /// `repr(str)`: single quotes unless the text contains a single quote and no double quote.
    static func reprString(_ s: String) -> String {
        let quote: Unicode.Scalar = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        let shortForms: [Unicode.Scalar: String] = ["\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"]
        let body = PythonText.escaped(s) { scalar in
            if let short = shortForms[scalar] { return short }
            if scalar == quote { return "\\" + String(quote) }
            guard scalar.value < 0x20 || scalar.value == 0x7F else { return nil }
            return "\\x" + hex(scalar.value, width: 2)
        }
        return String(quote) + body + String(quote)
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
