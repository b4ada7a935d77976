/// Builds the statement tree from lexed pieces. Anything outside the supported subset of Jinja is
/// reported as an error naming the construct and line, rather than being rendered wrongly.
struct JinjaParser {
    private let pieces: [JinjaPiece]
    private var position = 0
    /// How many blocks enclose the current statement; bounded so hostile templates cannot overflow the stack.
    private var nesting = 0
    static let maximumNesting = 100
    /// How many `for` bodies enclose the current statement (macro bodies start from zero), so that a
    /// stray `break` or `continue` is a syntax error as in Jinja.
    private var loopDepth = 0

    init(pieces: [JinjaPiece]) { self.pieces = pieces }

    static func parse(source: String) throws -> [JinjaNode] {
        var lexer = JinjaLexer(source: source)
        var parser = JinjaParser(pieces: try lexer.tokenize())
        let (nodes, end) = try parser.parseBody(until: [])
        if let end { throw TextModelsError.chatTemplate("unexpected '\(end.keyword)' at line \(end.line)") }
        return nodes
    }

    /// The tag that ended a body: its keyword, remaining tokens and line.
    private struct EndTag {
        var keyword: String
        var parser: JinjaExpressionParser
        var line: Int
    }

    /// Parses nodes until a statement whose keyword is in `terminators` (returned) or the end of input.
    private mutating func parseBody(until terminators: Set<String>) throws -> ([JinjaNode], EndTag?) {
        var nodes: [JinjaNode] = []
        while position < pieces.count {
            let piece = pieces[position]
            position += 1
            switch piece {
            case let .text(text):
                nodes.append(.text(text))
            case let .output(tokens, line):
                var parser = JinjaExpressionParser(tokens: tokens, line: line)
                let expression = try parser.parseTupleOrExpression()
                try parser.expectEnd()
                nodes.append(.output(expression, line: line))
            case let .statement(tokens, line):
                var parser = JinjaExpressionParser(tokens: tokens, line: line)
                let keyword = try parser.expectName()
                if terminators.contains(keyword) {
                    return (nodes, EndTag(keyword: keyword, parser: parser, line: line))
                }
                nodes.append(try parseStatement(keyword, &parser, line: line))
            }
        }
        return (nodes, nil)
    }

    /// Parses a body that must end with one of `terminators`.
    private mutating func parseRequiredBody(
        until terminators: Set<String>, opener: String, line: Int
    ) throws -> ([JinjaNode], EndTag) {
        let (nodes, end) = try parseBody(until: terminators)
        guard let end else {
            let expected = terminators.sorted().joined(separator: "' or '")
            throw TextModelsError.chatTemplate("'\(opener)' at line \(line) is never closed (expected '\(expected)')")
        }
        return (nodes, end)
    }

    private mutating func parseStatement(
        _ keyword: String, _ parser: inout JinjaExpressionParser, line: Int
    ) throws -> JinjaNode {
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= Self.maximumNesting else {
            throw TextModelsError.chatTemplate("blocks nested more than \(Self.maximumNesting) deep at line \(line)")
        }
        switch keyword {
        case "if": return try parseIf(&parser, line: line)
        case "for": return try parseFor(&parser, line: line)
        case "set": return try parseSet(&parser, line: line)
        case "macro": return try parseMacro(&parser, line: line)
        case "filter":
            let filters = try parseFilterChain(&parser, first: true)
            try parser.expectEnd()
            let (body, end) = try parseRequiredBody(until: ["endfilter"], opener: "filter", line: line)
            try end.parser.expectEnd()
            return .filterBlock(filters: filters, body: body, line: line)
        case "with":
            var assignments: [(String, JinjaExpression)] = []
            while !parser.isAtEnd {
                if !assignments.isEmpty { try parser.expect(op: ",") }
                let name = try parser.expectName()
                try parser.expect(op: "=")
                assignments.append((name, try parser.parseExpression()))
            }
            let (body, end) = try parseRequiredBody(until: ["endwith"], opener: "with", line: line)
            try end.parser.expectEnd()
            return .with(assignments, body: body, line: line)
        case "generation":
            try parser.expectEnd()
            let (body, end) = try parseRequiredBody(until: ["endgeneration"], opener: "generation", line: line)
            try end.parser.expectEnd()
            return .generation(body)
        case "break", "continue":
            try parser.expectEnd()
            guard loopDepth > 0 else {
                throw TextModelsError.chatTemplate("'\(keyword)' outside a for loop at line \(line)")
            }
            return keyword == "break" ? .breakLoop(line: line) : .continueLoop(line: line)
        default:
            throw TextModelsError.chatTemplate("unsupported tag '\(keyword)' at line \(line)")
        }
    }

    private mutating func parseIf(_ parser: inout JinjaExpressionParser, line: Int) throws -> JinjaNode {
        var branches: [(JinjaExpression, [JinjaNode])] = []
        var condition = try parser.parseTupleOrExpression()
        try parser.expectEnd()
        while true {
            var (body, end) = try parseRequiredBody(until: ["elif", "else", "endif"], opener: "if", line: line)
            branches.append((condition, body))
            switch end.keyword {
            case "elif":
                condition = try end.parser.parseTupleOrExpression()
                try end.parser.expectEnd()
            case "else":
                try end.parser.expectEnd()
                let (otherwise, last) = try parseRequiredBody(until: ["endif"], opener: "if", line: line)
                try last.parser.expectEnd()
                return .ifChain(branches, otherwise: otherwise, line: line)
            default:
                try end.parser.expectEnd()
                return .ifChain(branches, otherwise: [], line: line)
            }
        }
    }

    private mutating func parseFor(_ parser: inout JinjaExpressionParser, line: Int) throws -> JinjaNode {
        var targets = [try parser.expectName()]
        while parser.skip(op: ",") { targets.append(try parser.expectName()) }
        guard parser.skip(name: "in") else { throw parser.error("expected 'in' in for loop") }
        let iterable = try parser.parseExpression(allowConditional: false)
        let condition = parser.skip(name: "if") ? try parser.parseExpression() : nil
        if parser.skip(name: "recursive") {
            throw TextModelsError.chatTemplate("unsupported recursive for loop at line \(line)")
        }
        try parser.expectEnd()
        loopDepth += 1
        let (body, end) = try parseRequiredBody(until: ["else", "endfor"], opener: "for", line: line)
        loopDepth -= 1
        try end.parser.expectEnd()
        var otherwise: [JinjaNode] = []
        if end.keyword == "else" {
            let (elseBody, last) = try parseRequiredBody(until: ["endfor"], opener: "for", line: line)
            try last.parser.expectEnd()
            otherwise = elseBody
        }
        return .forLoop(
            targets: targets, iterable: iterable, condition: condition, body: body, otherwise: otherwise, line: line)
    }

    private mutating func parseSet(_ parser: inout JinjaExpressionParser, line: Int) throws -> JinjaNode {
        let first = try parser.expectName()
        if parser.skip(op: ".") {
            let attribute = try parser.expectName()
            try parser.expect(op: "=")
            let value = try parser.parseTupleOrExpression()
            try parser.expectEnd()
            return .set(.attribute(first, attribute), value, line: line)
        }
        var names = [first]
        while parser.skip(op: ",") { names.append(try parser.expectName()) }
        if parser.skip(op: "=") {
            let value = try parser.parseTupleOrExpression()
            try parser.expectEnd()
            return .set(.names(names), value, line: line)
        }
        guard names.count == 1 else { throw parser.error("expected '=' in set") }
        let filters = parser.isAtEnd ? [] : try parseFilterChain(&parser, first: false)
        try parser.expectEnd()
        let (body, end) = try parseRequiredBody(until: ["endset"], opener: "set", line: line)
        try end.parser.expectEnd()
        return .setBlock(first, body: body, filters: filters, line: line)
    }

    /// `name(args) | other | …` after `{% filter` (first filter has no leading pipe) or `{% set x |`.
    private func parseFilterChain(
        _ parser: inout JinjaExpressionParser, first: Bool
    ) throws -> [(String, JinjaArguments)] {
        var filters: [(String, JinjaArguments)] = []
        if first { filters.append(try parser.parseFilterCall()) }
        while parser.skip(op: "|") { filters.append(try parser.parseFilterCall()) }
        return filters
    }

    private mutating func parseMacro(_ parser: inout JinjaExpressionParser, line: Int) throws -> JinjaNode {
        let name = try parser.expectName()
        try parser.expect(op: "(")
        var parameters: [(String, JinjaExpression?)] = []
        while !parser.skip(op: ")") {
            if !parameters.isEmpty { try parser.expect(op: ",") }
            if parser.skip(op: ")") { break }
            let parameter = try parser.expectName()
            let defaultValue = parser.skip(op: "=") ? try parser.parseExpression() : nil
            parameters.append((parameter, defaultValue))
        }
        try parser.expectEnd()
        let enclosingLoops = loopDepth
        loopDepth = 0
        var (body, end) = try parseRequiredBody(until: ["endmacro"], opener: "macro", line: line)
        loopDepth = enclosingLoops
        _ = end.parser.skip(name: name)
        try end.parser.expectEnd()
        return .macro(JinjaMacroDefinition(name: name, parameters: parameters, body: body), line: line)
    }
}
