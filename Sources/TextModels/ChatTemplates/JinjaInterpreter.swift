/// Renders a parsed template: runs statements, evaluates expressions and applies Python/Jinja semantics
/// (truthiness, undefined values, scoping of `set` in loops). One instance serves one render.
final class JinjaInterpreter {
    /// Macro calls in progress; recursion is bounded so a self-calling template fails instead of crashing.
    private var macroDepth = 0
    static let maximumMacroDepth = 100

    /// Names every template sees, like transformers' environment globals.
    static let builtinNames: Set<String> = ["raise_exception", "range", "namespace", "strftime_now", "dict"]

    /// Reports `{% break %}` / `{% continue %}` up to the enclosing loop.
    enum Flow {
        case normal, breakLoop, continueLoop
    }

    func render(_ nodes: [JinjaNode], context: [String: JinjaValue]) throws -> String {
        let globals = JinjaScope(parent: nil, variables: context)
        let top = JinjaScope(parent: globals)
        var out = ""
        _ = try execute(nodes, scope: top, into: &out)
        return out
    }

    func execute(_ nodes: [JinjaNode], scope: JinjaScope, into out: inout String) throws -> Flow {
        for node in nodes {
            let flow = try execute(node, scope: scope, into: &out)
            if case .normal = flow { continue }
            return flow
        }
        return .normal
    }

    private func execute(_ node: JinjaNode, scope: JinjaScope, into out: inout String) throws -> Flow {
        switch node {
        case let .text(text):
            out += text
            try checkOutputSize(out, line: nil)
        case let .output(expression, line):
            out += try evaluate(expression, scope: scope, line: line).pythonString
            try checkOutputSize(out, line: line)
        case let .ifChain(branches, otherwise, line):
            for (condition, body) in branches where try evaluate(condition, scope: scope, line: line).isTruthy {
                return try execute(body, scope: scope, into: &out)
            }
            return try execute(otherwise, scope: scope, into: &out)
        case let .forLoop(targets, iterable, condition, body, otherwise, line):
            return try executeFor(
                targets: targets, iterable: iterable, condition: condition, body: body, otherwise: otherwise,
                scope: scope, line: line, into: &out)
        case let .set(target, expression, line):
            try assign(target, try evaluate(expression, scope: scope, line: line), scope: scope, line: line)
        case let .setBlock(name, body, filters, line):
            var captured = ""
            _ = try execute(body, scope: JinjaScope(parent: scope), into: &captured)
            var value = JinjaValue.string(captured)
            for (filter, arguments) in filters {
                value = try applyFilter(filter, to: value, arguments, scope: scope, line: line)
            }
            scope.set(name, value)
        case let .macro(definition, _):
            scope.set(definition.name, .callable(JinjaCallable(.macro(definition, scope))))
        case let .filterBlock(filters, body, line):
            var captured = ""
            _ = try execute(body, scope: scope, into: &captured)
            var value = JinjaValue.string(captured)
            for (filter, arguments) in filters {
                value = try applyFilter(filter, to: value, arguments, scope: scope, line: line)
            }
            out += value.pythonString
        case let .with(assignments, body, line):
            // Values are computed in the enclosing scope, then bound together for the body.
            let values = try assignments.map { try evaluate($0.1, scope: scope, line: line) }
            let inner = JinjaScope(parent: scope)
            for ((name, _), value) in zip(assignments, values) { inner.set(name, value) }
            return try execute(body, scope: inner, into: &out)
        case let .generation(body):
            return try execute(body, scope: scope, into: &out)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    /// A render may not produce more than `JinjaOperators.maximumRepetition` bytes; loops over long
    /// strings would otherwise exhaust memory.
    private func checkOutputSize(_ out: String, line: Int?) throws {
        guard out.utf8.count > JinjaOperators.maximumRepetition else { return }
        throw TextModelsError.chatTemplate(
            "rendered text exceeds \(JinjaOperators.maximumRepetition) bytes" + (line.map { " at line \($0)" } ?? ""))
    }

    // swiftlint:disable:next function_parameter_count
    private func executeFor(
        targets: [String], iterable: JinjaExpression, condition: JinjaExpression?, body: [JinjaNode],
        otherwise: [JinjaNode], scope: JinjaScope, line: Int, into out: inout String
    ) throws -> Flow {
        var items = try iterate(try evaluate(iterable, scope: scope, line: line), line: line)
        if let condition {
            items = try items.filter { item in
                let probe = JinjaScope(parent: scope)
                try bind(targets, to: item, in: probe, line: line)
                return try evaluate(condition, scope: probe, line: line).isTruthy
            }
        }
        if items.isEmpty { return try execute(otherwise, scope: scope, into: &out) }
        for (index, item) in items.enumerated() {
            let iterationScope = JinjaScope(parent: scope)
            try bind(targets, to: item, in: iterationScope, line: line)
            var loop = JinjaObject([
                ("index", .int(index + 1)), ("index0", .int(index)),
                ("revindex", .int(items.count - index)), ("revindex0", .int(items.count - index - 1)),
                ("first", .bool(index == 0)), ("last", .bool(index == items.count - 1)),
                ("length", .int(items.count)), ("depth", .int(1)), ("depth0", .int(0)),
            ])
            loop["cycle"] = .callable(JinjaCallable(.method(.int(index), "loop.cycle")))
            if index > 0 { loop["previtem"] = items[index - 1] }
            if index + 1 < items.count { loop["nextitem"] = items[index + 1] }
            iterationScope.set("loop", .object(loop))
            if case .breakLoop = try execute(body, scope: iterationScope, into: &out) { break }
        }
        return .normal
    }

    /// Binds loop or set targets; several names unpack a sequence of the same length.
    private func bind(_ targets: [String], to value: JinjaValue, in scope: JinjaScope, line: Int) throws {
        guard targets.count > 1 else {
            scope.set(targets[0], value)
            return
        }
        let parts = try iterate(value, line: line)
        guard parts.count == targets.count else {
            throw TextModelsError.chatTemplate(
                "cannot unpack \(parts.count) values into \(targets.count) names at line \(line)")
        }
        for (name, part) in zip(targets, parts) { scope.set(name, part) }
    }

    private func assign(_ target: JinjaAssignTarget, _ value: JinjaValue, scope: JinjaScope, line: Int) throws {
        switch target {
        case let .names(names):
            try bind(names, to: value, in: scope, line: line)
        case let .attribute(name, attribute):
            guard case let .callable(object)? = scope.lookup(name), case .namespace = object.kind else {
                throw TextModelsError.chatTemplate(
                    "can only set attributes on a namespace, and '\(name)' is not one, at line \(line)")
            }
            object.attributes[attribute] = value
        }
    }

    /// The items a `for` loop (or a filter) walks over: list items, dict keys, string characters.
    func iterate(_ value: JinjaValue, line: Int) throws -> [JinjaValue] {
        switch value {
        case .undefined: return []
        case let .array(items), let .tuple(items): return items
        case let .object(object): return object.keys.map { .string($0) }
        case let .string(s): return s.unicodeScalars.map { .string(String($0)) }
        default:
            throw TextModelsError.chatTemplate("'\(value.typeName)' object is not iterable at line \(line)")
        }
    }

    // MARK: - Expressions

    func evaluate(_ expression: JinjaExpression, scope: JinjaScope, line: Int) throws -> JinjaValue {
        switch expression {
        case let .literal(value):
            return value
        case let .name(name):
            if let value = scope.lookup(name) { return value }
            if Self.builtinNames.contains(name) { return .callable(JinjaCallable(.builtin(name))) }
            return .undefined
        case let .list(items):
            return .array(try items.map { try evaluate($0, scope: scope, line: line) })
        case let .tuple(items):
            return .tuple(try items.map { try evaluate($0, scope: scope, line: line) })
        case let .dict(pairs):
            var object = JinjaObject()
            for (keyExpression, valueExpression) in pairs {
                let key = try evaluate(keyExpression, scope: scope, line: line)
                guard case let .string(name) = key else {
                    throw TextModelsError.chatTemplate("unsupported non-string dict key at line \(line)")
                }
                object[name] = try evaluate(valueExpression, scope: scope, line: line)
            }
            return .object(object)
        case let .attribute(base, name):
            let value = try evaluate(base, scope: scope, line: line)
            return try attribute(name, of: value, described: Self.describe(base), line: line)
        case let .item(base, key):
            let value = try evaluate(base, scope: scope, line: line)
            return try item(try evaluate(key, scope: scope, line: line), of: value, described: Self.describe(base),
                line: line)
        case let .slice(base, start, stop, step):
            let value = try evaluate(base, scope: scope, line: line)
            func bound(_ e: JinjaExpression?) throws -> Int? {
                guard let e else { return nil }
                switch try evaluate(e, scope: scope, line: line) {
                case .none: return nil
                case let .int(i): return i
                case let .bool(b): return b ? 1 : 0
                default: throw TextModelsError.chatTemplate("slice indices must be integers at line \(line)")
                }
            }
            return try slice(value, start: try bound(start), stop: try bound(stop), step: try bound(step), line: line)
        case let .call(callee, arguments):
            let function = try evaluate(callee, scope: scope, line: line)
            let (positional, keyword) = try evaluateArguments(arguments, scope: scope, line: line)
            return try call(function, positional, keyword, described: Self.describe(callee), line: line)
        case let .filter(base, name, arguments):
            let value = try evaluate(base, scope: scope, line: line)
            return try applyFilter(name, to: value, arguments, scope: scope, line: line)
        case let .test(base, name, arguments, negated):
            let value = try evaluate(base, scope: scope, line: line)
            let (positional, _) = try evaluateArguments(arguments, scope: scope, line: line)
            let result = try applyTest(name, to: value, positional, line: line)
            return .bool(result != negated)
        case let .not(operand):
            return .bool(!(try evaluate(operand, scope: scope, line: line).isTruthy))
        case let .negate(operand):
            return try JinjaOperators.negate(try evaluate(operand, scope: scope, line: line), line: line)
        case let .plus(operand):
            let value = try evaluate(operand, scope: scope, line: line)
            guard value.numericValue != nil else {
                throw TextModelsError.chatTemplate("bad operand type for unary +: '\(value.typeName)' at line \(line)")
            }
            return value
        case let .and(left, right):
            let l = try evaluate(left, scope: scope, line: line)
            return l.isTruthy ? try evaluate(right, scope: scope, line: line) : l
        case let .or(left, right):
            let l = try evaluate(left, scope: scope, line: line)
            return l.isTruthy ? l : try evaluate(right, scope: scope, line: line)
        case let .binary(op, left, right):
            let l = try evaluate(left, scope: scope, line: line)
            let r = try evaluate(right, scope: scope, line: line)
            return try JinjaOperators.apply(op, l, r, line: line)
        case let .conditional(condition, then, otherwise):
            if try evaluate(condition, scope: scope, line: line).isTruthy {
                return try evaluate(then, scope: scope, line: line)
            }
            guard let otherwise else { return .undefined }
            return try evaluate(otherwise, scope: scope, line: line)
        }
    }

    func evaluateArguments(
        _ arguments: JinjaArguments, scope: JinjaScope, line: Int
    ) throws -> ([JinjaValue], [(String, JinjaValue)]) {
        let positional = try arguments.positional.map { try evaluate($0, scope: scope, line: line) }
        let keyword = try arguments.keyword.map { ($0.0, try evaluate($0.1, scope: scope, line: line)) }
        return (positional, keyword)
    }

    /// A short source-like name for an expression, for "… is undefined" messages.
    static func describe(_ expression: JinjaExpression) -> String {
        switch expression {
        case let .name(name): name
        case let .attribute(base, name): describe(base) + "." + name
        case let .item(base, .literal(key)): describe(base) + "[" + key.pythonRepr + "]"
        case let .item(base, _): describe(base) + "[…]"
        case let .call(base, _): describe(base) + "(…)"
        default: "expression"
        }
    }

    /// `value.name`: Jinja tries the Python attribute (methods) first, then the dict item.
    func attribute(_ name: String, of value: JinjaValue, described: String, line: Int) throws -> JinjaValue {
        switch value {
        case .undefined:
            throw TextModelsError.chatTemplate("'\(described)' is undefined (reading '.\(name)') at line \(line)")
        case let .object(object):
            if JinjaMethods.dictMethods.contains(name) { return .callable(JinjaCallable(.method(value, name))) }
            return object[name] ?? .undefined
        case .string:
            if JinjaMethods.stringMethods.contains(name) { return .callable(JinjaCallable(.method(value, name))) }
            return .undefined
        case .array:
            if JinjaMethods.listMethods.contains(name) { return .callable(JinjaCallable(.method(value, name))) }
            return .undefined
        case .tuple:
            if JinjaMethods.tupleMethods.contains(name) { return .callable(JinjaCallable(.method(value, name))) }
            return .undefined
        case let .callable(callable):
            if case .namespace = callable.kind { return callable.attributes[name] ?? .undefined }
            return .undefined
        default:
            return .undefined
        }
    }

    /// `value[key]`: Jinja tries the item first, then the attribute; missing items are undefined.
    func item(_ key: JinjaValue, of value: JinjaValue, described: String, line: Int) throws -> JinjaValue {
        switch (value, key) {
        case (.undefined, _):
            throw TextModelsError.chatTemplate(
                "'\(described)' is undefined (reading [\(key.pythonRepr)]) at line \(line)")
        case let (.object(object), .string(name)):
            if let found = object[name] { return found }
            return try attribute(name, of: value, described: described, line: line)
        case let (.array(items), _), let (.tuple(items), _):
            guard let index = key.integerValue else {
                if case let .string(name) = key { return try attribute(name, of: value, described: described, line: line) }
                return .undefined
            }
            let resolved = index < 0 ? index + items.count : index
            return items.indices.contains(resolved) ? items[resolved] : .undefined
        case let (.string(s), _):
            guard let index = key.integerValue else {
                if case let .string(name) = key { return try attribute(name, of: value, described: described, line: line) }
                return .undefined
            }
            let scalars = Array(s.unicodeScalars)
            let resolved = index < 0 ? index + scalars.count : index
            return scalars.indices.contains(resolved) ? .string(String(scalars[resolved])) : .undefined
        case let (.callable(callable), .string(name)):
            if case .namespace = callable.kind { return callable.attributes[name] ?? .undefined }
            return .undefined
        default:
            return .undefined
        }
    }

    /// Python slicing of lists and strings, including negative bounds and steps.
    func slice(_ value: JinjaValue, start: Int?, stop: Int?, step: Int?, line: Int) throws -> JinjaValue {
        let step = step ?? 1
        guard step != 0 else { throw TextModelsError.chatTemplate("slice step cannot be zero at line \(line)") }
        func indices(count: Int) -> [Int] {
            func clamp(_ bound: Int?, _ defaultValue: Int) -> Int {
                guard var b = bound else { return defaultValue }
                if b < 0 { b += count }
                return step > 0 ? min(max(b, 0), count) : min(max(b, -1), count - 1)
            }
            let lower = clamp(start, step > 0 ? 0 : count - 1)
            let upper = clamp(stop, step > 0 ? count : -1)
            return Array(stride(from: lower, to: upper, by: step))
        }
        switch value {
        case let .array(items):
            return .array(indices(count: items.count).map { items[$0] })
        case let .tuple(items):
            return .tuple(indices(count: items.count).map { items[$0] })
        case let .string(s):
            let scalars = Array(s.unicodeScalars)
            var out = String.UnicodeScalarView()
            for i in indices(count: scalars.count) { out.append(scalars[i]) }
            return .string(String(out))
        case .undefined:
            throw TextModelsError.chatTemplate("cannot slice an undefined value at line \(line)")
        default:
            // Jinja compiles slices to plain Python subscripts, so the TypeError surfaces. (Only when a whole
            // `{{ … }}` is constant does Jinja fold it at compile time into an undefined value; we fail instead.)
            throw TextModelsError.chatTemplate("'\(value.typeName)' object is not subscriptable at line \(line)")
        }
    }

    // MARK: - Calls

    func call(
        _ function: JinjaValue, _ positional: [JinjaValue], _ keyword: [(String, JinjaValue)], described: String,
        line: Int
    ) throws -> JinjaValue {
        guard case let .callable(callable) = function else {
            if function.isUndefined {
                throw TextModelsError.chatTemplate("'\(described)' is undefined (called as a function) at line \(line)")
            }
            throw TextModelsError.chatTemplate("'\(function.typeName)' object is not callable at line \(line)")
        }
        switch callable.kind {
        case let .builtin(name):
            return try JinjaBuiltins.call(name, positional, keyword, line: line)
        case let .method(receiver, name):
            return try JinjaMethods.call(name, on: receiver, positional, keyword, line: line)
        case let .macro(definition, closure):
            return try callMacro(definition, closure: closure, positional, keyword, line: line)
        case .namespace:
            throw TextModelsError.chatTemplate("'Namespace' object is not callable at line \(line)")
        }
    }

    private func callMacro(
        _ definition: JinjaMacroDefinition, closure: JinjaScope, _ positional: [JinjaValue],
        _ keyword: [(String, JinjaValue)], line: Int
    ) throws -> JinjaValue {
        macroDepth += 1
        defer { macroDepth -= 1 }
        guard macroDepth <= Self.maximumMacroDepth else {
            throw TextModelsError.chatTemplate(
                "macro '\(definition.name)' recursed more than \(Self.maximumMacroDepth) levels at line \(line)")
        }
        guard positional.count <= definition.parameters.count else {
            throw TextModelsError.chatTemplate(
                "macro '\(definition.name)' takes \(definition.parameters.count) arguments, got \(positional.count) at line \(line)")
        }
        let scope = JinjaScope(parent: closure)
        var given: [String: JinjaValue] = [:]
        for (name, value) in keyword {
            guard definition.parameters.contains(where: { $0.0 == name }) else {
                throw TextModelsError.chatTemplate(
                    "macro '\(definition.name)' has no parameter '\(name)' at line \(line)")
            }
            given[name] = value
        }
        for (index, (name, defaultValue)) in definition.parameters.enumerated() {
            if index < positional.count {
                scope.set(name, positional[index])
            } else if let value = given[name] {
                scope.set(name, value)
            } else if let defaultValue {
                scope.set(name, try evaluate(defaultValue, scope: scope, line: line))
            } else {
                scope.set(name, .undefined)
            }
        }
        var out = ""
        _ = try execute(definition.body, scope: scope, into: &out)
        return .string(out)
    }
}
