/// Jinja's built-in tests (`x is defined`, `n is divisibleby 3`, `selectattr('type', 'equalto', 'image')`).
extension JinjaInterpreter {
    func applyTest(_ name: String, to value: JinjaValue, _ args: [JinjaValue], line: Int) throws -> Bool {
        func argument() throws -> JinjaValue {
            guard let first = args.first else {
                throw TextModelsError.chatTemplate("test '\(name)' needs an argument at line \(line)")
            }
            return first
        }
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": if case .none = value { return true } else { return false }
        case "string": if case .string = value { return true } else { return false }
        case "mapping": if case .object = value { return true } else { return false }
        case "boolean": if case .bool = value { return true } else { return false }
        case "true": return value == .bool(true) && value.isBoolean
        case "false": return value == .bool(false) && value.isBoolean
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        // Python's bool is a Number, so `true is number` holds, as in Jinja.
        case "number": return value.numericValue != nil
        case "iterable", "sequence":
            switch value {
            case .string, .array, .tuple, .object, .undefined: return true
            default: return false
            }
        case "callable": if case .callable = value { return true } else { return false }
        // Jinja computes `value % 2` and `value % n`, so floats and booleans work as numbers.
        case "even", "odd":
            let remainder = try JinjaOperators.apply("%", value, .int(2), line: line)
            return (remainder == .int(0)) == (name == "even")
        case "divisibleby":
            return try JinjaOperators.apply("%", value, try argument(), line: line) == .int(0)
        case "equalto", "eq", "==": return value == (try argument())
        case "ne", "!=": return value != (try argument())
        case "lt", "<", "lessthan": return try JinjaOperators.compare(value, try argument(), op: "<", line: line) < 0
        case "le", "<=": return try JinjaOperators.compare(value, try argument(), op: "<=", line: line) <= 0
        case "gt", ">", "greaterthan": return try JinjaOperators.compare(value, try argument(), op: ">", line: line) > 0
        case "ge", ">=": return try JinjaOperators.compare(value, try argument(), op: ">=", line: line) >= 0
        case "in": return try JinjaOperators.contains(try argument(), value, line: line)
        case "sameas":
            let other = try argument()
            switch (value, other) {
            case (.none, .none), (.undefined, .undefined): return true
            case let (.bool(a), .bool(b)): return a == b
            case let (.callable(a), .callable(b)): return a === b
            default: return false
            }
        case "lower": if case let .string(s) = value { return s.lowercased() == s } else { return false }
        case "upper": if case let .string(s) = value { return s.uppercased() == s } else { return false }
        case "escaped": return false
        default:
            throw TextModelsError.chatTemplate("unsupported test '\(name)' at line \(line)")
        }
    }
}

extension JinjaValue {
    var isBoolean: Bool {
        if case .bool = self { return true }
        return false
    }
}
