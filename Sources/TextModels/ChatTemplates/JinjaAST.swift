/// A Jinja expression.
indirect enum JinjaExpression: Sendable {
    case literal(JinjaValue)
    case name(String)
    case list([JinjaExpression])
    /// A tuple, e.g. `(a, b)`; evaluated to a list (templates cannot tell the difference).
    case tuple([JinjaExpression])
    case dict([(JinjaExpression, JinjaExpression)])
    case attribute(JinjaExpression, String)
    case item(JinjaExpression, JinjaExpression)
    case slice(JinjaExpression, start: JinjaExpression?, stop: JinjaExpression?, step: JinjaExpression?)
    case call(JinjaExpression, JinjaArguments)
    case filter(JinjaExpression, name: String, JinjaArguments)
    case test(JinjaExpression, name: String, JinjaArguments, negated: Bool)
    case not(JinjaExpression)
    case negate(JinjaExpression)
    case plus(JinjaExpression)
    case binary(String, JinjaExpression, JinjaExpression)
    case and(JinjaExpression, JinjaExpression)
    case or(JinjaExpression, JinjaExpression)
    case conditional(condition: JinjaExpression, then: JinjaExpression, otherwise: JinjaExpression?)
}

/// Positional and keyword arguments of a call, filter or test.
struct JinjaArguments: Sendable {
    var positional: [JinjaExpression] = []
    var keyword: [(String, JinjaExpression)] = []
}

/// Where `{% set %}` stores its value.
enum JinjaAssignTarget: Sendable {
    /// One name, or several for tuple unpacking (`set a, b = …`).
    case names([String])
    /// A namespace attribute: `set ns.attr = …`.
    case attribute(String, String)
}

/// A macro definition: parameters with optional defaults, and its body.
struct JinjaMacroDefinition: Sendable {
    var name: String
    var parameters: [(String, JinjaExpression?)]
    var body: [JinjaNode]
}

/// A template statement or literal text. `line` is the template line, for error messages.
indirect enum JinjaNode: Sendable {
    case text(String)
    case output(JinjaExpression, line: Int)
    case ifChain([(JinjaExpression, [JinjaNode])], otherwise: [JinjaNode], line: Int)
    case forLoop(
        targets: [String], iterable: JinjaExpression, condition: JinjaExpression?, body: [JinjaNode],
        otherwise: [JinjaNode], line: Int)
    case set(JinjaAssignTarget, JinjaExpression, line: Int)
    case setBlock(String, body: [JinjaNode], filters: [(String, JinjaArguments)], line: Int)
    case macro(JinjaMacroDefinition, line: Int)
    case filterBlock(filters: [(String, JinjaArguments)], body: [JinjaNode], line: Int)
    /// `{% with a = …, b = … %}`: names visible only inside the body.
    case with([(String, JinjaExpression)], body: [JinjaNode], line: Int)
    /// `{% generation %}…{% endgeneration %}`: transformers uses it to mark assistant tokens; it renders its body.
    case generation([JinjaNode])
    case breakLoop(line: Int)
    case continueLoop(line: Int)
}
