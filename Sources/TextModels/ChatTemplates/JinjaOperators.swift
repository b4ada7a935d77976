#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Python semantics of Jinja's binary operators on `JinjaValue`s.
enum JinjaOperators {
    /// The largest string (UTF-8 bytes) or list that `*`, `+` and `~` may build; larger requests are refused,
    /// not allocated.
    static let maximumRepetition = 64 << 20

    static func apply(_ op: String, _ l: JinjaValue, _ r: JinjaValue, line: Int) throws -> JinjaValue {
        switch op {
        case "==": return .bool(l == r)
        case "!=": return .bool(l != r)
        case "<", "<=", ">", ">=":
            let order = try compare(l, r, op: op, line: line)
            switch op {
            case "<": return .bool(order < 0)
            case "<=": return .bool(order <= 0)
            case ">": return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case "in": return .bool(try contains(r, l, line: line))
        case "not in": return .bool(!(try contains(r, l, line: line)))
        case "~":
            let (a, b) = (l.pythonString, r.pythonString)
            try checkSize(a.utf8.count, plus: b.utf8.count, line: line)
            return .string(a + b)
        default: return try arithmetic(op, l, r, line: line)
        }
    }

    /// Refuses to build a string (UTF-8 bytes) or list larger than `maximumRepetition`.
    static func checkSize(_ a: Int, plus b: Int, line: Int) throws {
        guard a + b <= maximumRepetition else {
            throw TextModelsError.chatTemplate("result too large (over \(maximumRepetition) bytes or items) at line \(line)")
        }
    }

    static func unsupported(_ op: String, _ l: JinjaValue, _ r: JinjaValue, line: Int) -> TextModelsError {
        .chatTemplate("unsupported operand type(s) for \(op): '\(l.typeName)' and '\(r.typeName)' at line \(line)")
    }

    private static func arithmetic(_ op: String, _ l: JinjaValue, _ r: JinjaValue, line: Int) throws -> JinjaValue {
        if op == "*", let count = r.integerValue {
            let size: Int? = switch l {
            case let .string(s): s.utf8.count
            case let .array(a), let .tuple(a): a.count
            default: nil
            }
            if let size, size.multipliedReportingOverflow(by: max(0, count)).partialValue > maximumRepetition
                || size.multipliedReportingOverflow(by: max(0, count)).overflow
            {
                throw TextModelsError.chatTemplate("repetition result too large at line \(line)")
            }
        }
        if op == "%", case let .string(format) = l {
            let args: [JinjaValue]
            var unusedAllowed = false
            switch r {
            // A tuple gives several arguments; anything else, a list included, is one argument.
            case let .tuple(items): args = items
            case .array, .object:
                // Python does not complain about an unused list or dict argument (it might be a mapping).
                args = [r]
                unusedAllowed = true
            default: args = [r]
            }
            do {
                return .string(try PythonText.percentFormat(format, args, unusedAllowed: unusedAllowed))
            } catch let TextModelsError.chatTemplate(message) {
                throw TextModelsError.chatTemplate("\(message) at line \(line)")
            }
        }
        switch (op, l, r) {
        case let ("+", .string(a), .string(b)):
            try checkSize(a.utf8.count, plus: b.utf8.count, line: line)
            return .string(a + b)
        case let ("+", .array(a), .array(b)):
            try checkSize(a.count, plus: b.count, line: line)
            return .array(a + b)
        case let ("+", .tuple(a), .tuple(b)):
            try checkSize(a.count, plus: b.count, line: line)
            return .tuple(a + b)
        case let ("*", .string(s), _) where r.integerValue != nil:
            return .string(String(repeating: s, count: max(0, r.integerValue ?? 0)))
        case let ("*", .array(a), _) where r.integerValue != nil:
            return .array(Array(repeating: a, count: max(0, r.integerValue ?? 0)).flatMap { $0 })
        case let ("*", .tuple(a), _) where r.integerValue != nil:
            return .tuple(Array(repeating: a, count: max(0, r.integerValue ?? 0)).flatMap { $0 })
        default: break
        }
        if let a = l.integerValue, let b = r.integerValue {
            return try integerArithmetic(op, a, b, line: line)
        }
        guard let a = l.numericValue, let b = r.numericValue else { throw unsupported(op, l, r, line: line) }
        switch op {
        case "+": return .double(a + b)
        case "-": return .double(a - b)
        case "*": return .double(a * b)
        case "/":
            guard b != 0 else { throw TextModelsError.chatTemplate("division by zero at line \(line)") }
            return .double(a / b)
        case "//":
            guard b != 0 else { throw TextModelsError.chatTemplate("division by zero at line \(line)") }
            return .double((a / b).rounded(.down))
        case "%":
            guard b != 0 else { throw TextModelsError.chatTemplate("modulo by zero at line \(line)") }
            let m = a.truncatingRemainder(dividingBy: b)
            return .double(m != 0 && (m < 0) != (b < 0) ? m + b : m)
        case "**": return .double(pow(a, b))
        default: throw unsupported(op, l, r, line: line)
        }
    }

    private static func integerArithmetic(_ op: String, _ a: Int, _ b: Int, line: Int) throws -> JinjaValue {
        func checked(_ result: (partialValue: Int, overflow: Bool)) throws -> JinjaValue {
            guard !result.overflow else { throw TextModelsError.chatTemplate("integer overflow at line \(line)") }
            return .int(result.partialValue)
        }
        switch op {
        case "+": return try checked(a.addingReportingOverflow(b))
        case "-": return try checked(a.subtractingReportingOverflow(b))
        case "*": return try checked(a.multipliedReportingOverflow(by: b))
        case "/":
            guard b != 0 else { throw TextModelsError.chatTemplate("division by zero at line \(line)") }
            return .double(Double(a) / Double(b))
        case "//", "%":
            guard b != 0 else { throw TextModelsError.chatTemplate("integer division or modulo by zero at line \(line)") }
            guard !(a == Int.min && b == -1) else { throw TextModelsError.chatTemplate("integer overflow at line \(line)") }
            // Python floors toward negative infinity; Swift truncates toward zero.
            var quotient = a / b
            var remainder = a % b
            if remainder != 0 && ((remainder < 0) != (b < 0)) {
                quotient -= 1
                remainder += b
            }
            return .int(op == "//" ? quotient : remainder)
        case "**":
            if b < 0 { return .double(pow(Double(a), Double(b))) }
            // Exponentiation by squaring: few steps even for huge exponents of 0, 1 or -1.
            var result = 1
            var base = a
            var exponent = b
            let overflow = TextModelsError.chatTemplate("integer overflow at line \(line)")
            while exponent > 0 {
                if exponent & 1 == 1 {
                    let (product, overflowed) = result.multipliedReportingOverflow(by: base)
                    guard !overflowed else { throw overflow }
                    result = product
                }
                exponent >>= 1
                if exponent > 0 {
                    let (square, overflowed) = base.multipliedReportingOverflow(by: base)
                    guard !overflowed else { throw overflow }
                    base = square
                }
            }
            return .int(result)
        default:
            throw TextModelsError.chatTemplate("unsupported operator '\(op)' at line \(line)")
        }
    }

    static func negate(_ value: JinjaValue, line: Int) throws -> JinjaValue {
        switch value {
        case let .int(i): return .int(0 &- i)
        case let .bool(b): return .int(b ? -1 : 0)
        case let .double(d): return .double(-d)
        default:
            throw TextModelsError.chatTemplate("bad operand type for unary -: '\(value.typeName)' at line \(line)")
        }
    }

    /// Three-way comparison with Python's rules: numbers with numbers, strings by code point, lists
    /// lexicographically; anything else is a TypeError.
    static func compare(_ l: JinjaValue, _ r: JinjaValue, op: String, line: Int) throws -> Int {
        if let a = l.numericValue, let b = r.numericValue { return a < b ? -1 : (a > b ? 1 : 0) }
        switch (l, r) {
        case let (.string(a), .string(b)):
            return PythonText.compare(a, b)
        case let (.array(a), .array(b)), let (.tuple(a), .tuple(b)):
            for (x, y) in zip(a, b) where x != y { return try compare(x, y, op: op, line: line) }
            return a.count < b.count ? -1 : (a.count > b.count ? 1 : 0)
        default:
            throw TextModelsError.chatTemplate(
                "'\(op)' not supported between instances of '\(l.typeName)' and '\(r.typeName)' at line \(line)")
        }
    }

    /// Python `needle in container`.
    static func contains(_ container: JinjaValue, _ needle: JinjaValue, line: Int) throws -> Bool {
        switch container {
        case .undefined: return false
        case let .string(s):
            guard case let .string(n) = needle else {
                throw TextModelsError.chatTemplate(
                    "'in <string>' requires string as left operand, not \(needle.typeName) at line \(line)")
            }
            return PythonText.find(n, in: s) != nil
        case let .array(items), let .tuple(items): return items.contains(needle)
        case let .object(object):
            guard case let .string(key) = needle else { return false }
            return object[key] != nil
        default:
            throw TextModelsError.chatTemplate("argument of type '\(container.typeName)' is not iterable at line \(line)")
        }
    }
}
