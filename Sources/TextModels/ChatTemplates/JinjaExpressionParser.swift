/// Parses the tokens of one tag into expressions, with Jinja2's operator precedence
/// (conditional < or < and < not < comparison < +,- < ~ < *,/,//,% < ** < unary < filters/tests < postfix).
struct JinjaExpressionParser {
    private let tokens: [JinjaToken]
    private(set) var position = 0
    let line: Int
    /// Current recursion depth; templates come from outside, so nesting is bounded instead of
    /// risking a stack overflow.
    private var depth = 0
    static let maximumDepth = 200

    init(tokens: [JinjaToken], line: Int) {
        self.tokens = tokens
        self.line = line
    }

    var isAtEnd: Bool { position >= tokens.count }
    var current: JinjaToken? { position < tokens.count ? tokens[position] : nil }

    func error(_ message: String) -> TextModelsError {
        .chatTemplate("\(message) at line \(line)")
    }

    mutating func advance() { position += 1 }

    /// Consumes the token if it is the given operator.
    mutating func skip(op: String) -> Bool {
        guard current == .op(op) else { return false }
        position += 1
        return true
    }

    /// Consumes the token if it is the given bare name (keyword).
    mutating func skip(name: String) -> Bool {
        guard current == .name(name) else { return false }
        position += 1
        return true
    }

    mutating func expect(op: String) throws {
        guard skip(op: op) else { throw error("expected '\(op)'\(describeCurrent)") }
    }

    mutating func expectName() throws -> String {
        guard case let .name(name)? = current else { throw error("expected a name\(describeCurrent)") }
        position += 1
        return name
    }

    var describeCurrent: String {
        switch current {
        case nil: ", found end of tag"
        case let .name(n)?: ", found '\(n)'"
        case let .op(o)?: ", found '\(o)'"
        case let .string(s)?: ", found string '\(s)'"
        case let .integer(i)?: ", found \(i)"
        case let .float(d)?: ", found \(d)"
        }
    }

    func expectEnd() throws {
        guard isAtEnd else { throw error("unexpected token\(describeCurrent)") }
    }

    /// A full expression, or a tuple when commas follow (as Jinja's `parse_tuple`).
    mutating func parseTupleOrExpression() throws -> JinjaExpression {
        let first = try parseExpression()
        guard current == .op(",") else { return first }
        var items = [first]
        while skip(op: ",") {
            if isAtEnd || current == .op(")") { break }
            items.append(try parseExpression())
        }
        return .tuple(items)
    }

    private mutating func enter() throws {
        depth += 1
        guard depth <= Self.maximumDepth else { throw error("expression nested too deeply") }
    }

    mutating func parseExpression(allowConditional: Bool = true) throws -> JinjaExpression {
        try enter()
        defer { depth -= 1 }
        guard allowConditional else { return try parseOr() }
        var expression = try parseOr()
        while skip(name: "if") {
            let condition = try parseOr()
            let otherwise = skip(name: "else") ? try parseExpression() : nil
            expression = .conditional(condition: condition, then: expression, otherwise: otherwise)
        }
        return expression
    }

    private mutating func parseOr() throws -> JinjaExpression {
        var left = try parseAnd()
        while skip(name: "or") { left = .or(left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws -> JinjaExpression {
        var left = try parseNot()
        while skip(name: "and") { left = .and(left, try parseNot()) }
        return left
    }

    private mutating func parseNot() throws -> JinjaExpression {
        try enter()
        defer { depth -= 1 }
        if skip(name: "not") { return .not(try parseNot()) }
        return try parseComparison()
    }

    private mutating func parseComparison() throws -> JinjaExpression {
        var left = try parseMath1()
        while true {
            if case let .op(op)? = current, ["==", "!=", "<", "<=", ">", ">="].contains(op) {
                advance()
                left = .binary(op, left, try parseMath1())
            } else if skip(name: "in") {
                left = .binary("in", left, try parseMath1())
            } else if current == .name("not"), position + 1 < tokens.count, tokens[position + 1] == .name("in") {
                position += 2
                left = .binary("not in", left, try parseMath1())
            } else {
                return left
            }
        }
    }

    private mutating func parseMath1() throws -> JinjaExpression {
        var left = try parseConcat()
        while case let .op(op)? = current, op == "+" || op == "-" {
            advance()
            left = .binary(op, left, try parseConcat())
        }
        return left
    }

    private mutating func parseConcat() throws -> JinjaExpression {
        var left = try parseMath2()
        while skip(op: "~") { left = .binary("~", left, try parseMath2()) }
        return left
    }

    private mutating func parseMath2() throws -> JinjaExpression {
        var left = try parsePower()
        while case let .op(op)? = current, ["*", "/", "//", "%"].contains(op) {
            advance()
            left = .binary(op, left, try parsePower())
        }
        return left
    }

    private mutating func parsePower() throws -> JinjaExpression {
        var left = try parseUnary(withFilters: true)
        while skip(op: "**") { left = .binary("**", left, try parseUnary(withFilters: true)) }
        return left
    }

    private mutating func parseUnary(withFilters: Bool) throws -> JinjaExpression {
        try enter()
        defer { depth -= 1 }
        var node: JinjaExpression
        if skip(op: "-") {
            node = .negate(try parseUnary(withFilters: false))
        } else if skip(op: "+") {
            node = .plus(try parseUnary(withFilters: false))
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        if withFilters { node = try parseFiltersAndTests(node) }
        return node
    }

    private mutating func parsePrimary() throws -> JinjaExpression {
        guard let token = current else { throw error("expected an expression, found end of tag") }
        advance()
        switch token {
        case let .name(name):
            switch name {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(name)
            }
        case var .string(text):
            // Adjacent string literals concatenate, as in Python.
            while case let .string(more)? = current {
                text += more
                advance()
            }
            return .literal(.string(text))
        case let .integer(i): return .literal(.int(i))
        case let .float(d): return .literal(.double(d))
        case .op("("):
            if skip(op: ")") { return .tuple([]) }
            let first = try parseExpression()
            if skip(op: ")") { return first }
            var items = [first]
            while skip(op: ",") {
                if current == .op(")") { break }
                items.append(try parseExpression())
            }
            try expect(op: ")")
            return .tuple(items)
        case .op("["):
            var items: [JinjaExpression] = []
            while !skip(op: "]") {
                if !items.isEmpty { try expect(op: ",") }
                if skip(op: "]") { break }
                items.append(try parseExpression())
            }
            return .list(items)
        case .op("{"):
            var pairs: [(JinjaExpression, JinjaExpression)] = []
            while !skip(op: "}") {
                if !pairs.isEmpty { try expect(op: ",") }
                if skip(op: "}") { break }
                let key = try parseExpression()
                try expect(op: ":")
                pairs.append((key, try parseExpression()))
            }
            return .dict(pairs)
        default:
            position -= 1
            throw error("unexpected token\(describeCurrent)")
        }
    }

    private mutating func parsePostfix(_ start: JinjaExpression) throws -> JinjaExpression {
        var node = start
        while true {
            if skip(op: ".") {
                switch current {
                case let .name(name)?:
                    advance()
                    node = .attribute(node, name)
                case let .integer(i)?:
                    advance()
                    node = .item(node, .literal(.int(i)))
                default: throw error("expected an attribute name after '.'\(describeCurrent)")
                }
            } else if skip(op: "[") {
                node = try parseSubscript(node)
            } else if current == .op("(") {
                node = .call(node, try parseCallArguments())
            } else {
                return node
            }
        }
    }

    private mutating func parseSubscript(_ target: JinjaExpression) throws -> JinjaExpression {
        func parseBound(_ parser: inout JinjaExpressionParser) throws -> JinjaExpression? {
            if parser.current == .op(":") || parser.current == .op("]") { return nil }
            return try parser.parseExpression()
        }
        let start = try parseBound(&self)
        guard skip(op: ":") else {
            guard let start else { throw error("empty subscript") }
            try expect(op: "]")
            return .item(target, start)
        }
        let stop = try parseBound(&self)
        var step: JinjaExpression?
        if skip(op: ":") { step = try parseBound(&self) }
        try expect(op: "]")
        return .slice(target, start: start, stop: stop, step: step)
    }

    mutating func parseCallArguments() throws -> JinjaArguments {
        try expect(op: "(")
        var arguments = JinjaArguments()
        while !skip(op: ")") {
            if !(arguments.positional.isEmpty && arguments.keyword.isEmpty) { try expect(op: ",") }
            if skip(op: ")") { break }
            if case let .name(name)? = current, position + 1 < tokens.count, tokens[position + 1] == .op("=") {
                position += 2
                arguments.keyword.append((name, try parseExpression()))
            } else {
                guard arguments.keyword.isEmpty else { throw error("positional argument after keyword argument") }
                if current == .op("*") || current == .op("**") { throw error("unsupported argument unpacking") }
                arguments.positional.append(try parseExpression())
            }
        }
        return arguments
    }

    private mutating func parseFiltersAndTests(_ start: JinjaExpression) throws -> JinjaExpression {
        var node = start
        while true {
            if skip(op: "|") {
                let (name, arguments) = try parseFilterCall()
                node = .filter(node, name: name, arguments)
            } else if skip(name: "is") {
                let negated = skip(name: "not")
                let name = try expectName()
                var arguments = JinjaArguments()
                if current == .op("(") {
                    arguments = try parseCallArguments()
                } else if let token = current, startsTestArgument(token) {
                    // `is divisibleby 3`, `is sameas false`: one argument without parentheses.
                    arguments.positional = [try parsePostfix(try parsePrimary())]
                }
                node = .test(node, name: name, arguments, negated: negated)
            } else if current == .op("(") {
                node = .call(node, try parseCallArguments())
            } else {
                return node
            }
        }
    }

    private func startsTestArgument(_ token: JinjaToken) -> Bool {
        switch token {
        case let .name(n): !["else", "or", "and", "is", "in", "not", "if"].contains(n)
        case .string, .integer, .float: true
        case let .op(o): o == "[" || o == "{"
        }
    }

    /// A filter name (possibly dotted) and its optional argument list.
    mutating func parseFilterCall() throws -> (String, JinjaArguments) {
        var name = try expectName()
        while skip(op: ".") { name += "." + (try expectName()) }
        let arguments = current == .op("(") ? try parseCallArguments() : JinjaArguments()
        return (name, arguments)
    }
}
