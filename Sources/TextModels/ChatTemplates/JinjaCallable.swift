/// Something a template can call or whose attributes it can set: a built-in function, a method bound
/// to a value, a macro, or a `namespace()` object.
///
/// Instances are created by one render and only touched by the thread running it; a namespace's
/// attributes are the only mutable state, so the class is marked `@unchecked Sendable` to let
/// `JinjaValue` stay `Sendable`.
public final class JinjaCallable: @unchecked Sendable {
    enum Kind {
        case builtin(String)
        case method(JinjaValue, String)
        case macro(JinjaMacroDefinition, JinjaScope)
        case namespace
    }

    let kind: Kind
    /// A namespace's attributes (unused by other kinds).
    var attributes = JinjaObject()

    init(_ kind: Kind) { self.kind = kind }

    /// How Jinja prints it: namespaces with their attributes, macros with their name.
    var pythonRepr: String {
        switch kind {
        case .namespace: "<Namespace \(JinjaValue.object(attributes).pythonRepr)>"
        case let .macro(definition, _): "<Macro \(PythonRepr.reprString(definition.name))>"
        default: "<\(typeName)>"
        }
    }

    var typeName: String {
        switch kind {
        case .builtin: "builtin_function_or_method"
        case .method: "method"
        case .macro: "Macro"
        case .namespace: "Namespace"
        }
    }
}

/// Variables visible at one point of a render; child scopes (loop bodies, macro calls) shadow parents
/// and assignments inside them do not leak out, as in Jinja.
final class JinjaScope {
    private var variables: [String: JinjaValue] = [:]
    let parent: JinjaScope?

    init(parent: JinjaScope?, variables: [String: JinjaValue] = [:]) {
        self.parent = parent
        self.variables = variables
    }

    func lookup(_ name: String) -> JinjaValue? {
        var scope: JinjaScope? = self
        while let current = scope {
            if let value = current.variables[name] { return value }
            scope = current.parent
        }
        return nil
    }

    func set(_ name: String, _ value: JinjaValue) { variables[name] = value }
}
