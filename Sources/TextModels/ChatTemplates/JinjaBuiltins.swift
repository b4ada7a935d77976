#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The global functions transformers gives chat templates: `raise_exception`, `strftime_now`,
/// `namespace`, `dict`, plus Jinja's `range`.
enum JinjaBuiltins {
    /// Jinja's sandbox refuses ranges longer than this.
    static let maximumRange = 100_000

    static func call(
        _ name: String, _ args: [JinjaValue], _ kwargs: [(String, JinjaValue)], line: Int
    ) throws -> JinjaValue {
        let arguments = JinjaArgumentList(args, kwargs, function: name, line: line)
        switch name {
        case "raise_exception":
            // The template's own message, unchanged: callers show it to users as the reason.
            throw TextModelsError.chatTemplate((try arguments.optional(0, "message") ?? .none).pythonString)
        case "range":
            return try range(arguments)
        case "namespace", "dict":
            var object = JinjaObject()
            if let first = args.first {
                guard case let .object(initial) = first, args.count == 1 else {
                    throw arguments.error("expects a single mapping or keyword arguments")
                }
                object = initial
            }
            for (key, value) in kwargs { object[key] = value }
            guard name == "namespace" else { return .object(object) }
            if let bad = object.keys.first(where: { $0.hasPrefix("_") }) {
                throw arguments.error("namespaces cannot store underscore-prefixed attribute '\(bad)'")
            }
            let namespace = JinjaCallable(.namespace)
            namespace.attributes = object
            return .callable(namespace)
        case "strftime_now":
            return .string(strftime(try arguments.requiredString(0, "format"), date: Date()))
        default:
            throw arguments.error("unknown function")
        }
    }

    private static func range(_ arguments: JinjaArgumentList) throws -> JinjaValue {
        let values = try arguments.positional.map { value -> Int in
            switch value {
            case let .int(i): return i
            case let .bool(b): return b ? 1 : 0
            default: throw arguments.error("'\(value.typeName)' object cannot be interpreted as an integer")
            }
        }
        let (start, stop, step): (Int, Int, Int)
        switch values.count {
        case 1: (start, stop, step) = (0, values[0], 1)
        case 2: (start, stop, step) = (values[0], values[1], 1)
        case 3: (start, stop, step) = (values[0], values[1], values[2])
        default: throw arguments.error("expected 1 to 3 integer arguments")
        }
        guard step != 0 else { throw arguments.error("step must not be zero") }
        // In Double so extreme bounds cannot overflow; only the size check depends on it.
        let count = max(0, ((Double(stop) - Double(start)) / Double(step)).rounded(.up))
        guard count <= Double(maximumRange) else { throw arguments.error("range too big (more than \(maximumRange) items)") }
        return .array(stride(from: start, to: stop, by: step).map { .int($0) })
    }

    private static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]
    private static let dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    /// Python's `datetime.now().strftime(format)` in the C locale, for the directives templates use
    /// (`%d %b %Y`, `%B`, `%Y-%m-%d`, times). Unknown directives are kept as written, as glibc does.
    static func strftime(_ format: String, date: Date, timeZone: TimeZone = .current) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let (year, month, day) = (c.year ?? 1970, c.month ?? 1, c.day ?? 1)
        let (hour, minute, second) = (c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        let weekday = (c.weekday ?? 1) - 1
        func pad(_ value: Int, _ width: Int = 2) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var out = ""
        var iterator = format.makeIterator()
        while let ch = iterator.next() {
            guard ch == "%" else {
                out.append(ch)
                continue
            }
            guard let directive = iterator.next() else {
                out.append("%")
                break
            }
            switch directive {
            case "d": out += pad(day)
            case "m": out += pad(month)
            case "Y": out += String(year)
            case "y": out += pad(year % 100)
            case "b": out += String(monthNames[month - 1].prefix(3))
            case "B": out += monthNames[month - 1]
            case "a": out += String(dayNames[weekday].prefix(3))
            case "A": out += dayNames[weekday]
            case "H": out += pad(hour)
            case "I": out += pad(hour % 12 == 0 ? 12 : hour % 12)
            case "p": out += hour < 12 ? "AM" : "PM"
            case "M": out += pad(minute)
            case "S": out += pad(second)
            case "j": out += pad(calendar.ordinality(of: .day, in: .year, for: date) ?? 1, 3)
            case "%": out += "%"
            default: out += "%" + String(directive)
            }
        }
        return out
    }
}
