import Foundation
import Testing

@testable import TextModels

/// The Jinja interpreter on small templates. Fixture cases were rendered by Jinja2 3.1.6 in the environment
/// transformers 5.23 builds for chat templates (Tools/make_chat_template_fixtures.py); we must match exactly.
@Suite struct ChatTemplateInterpreterTests {
    static func render(_ source: String, _ context: [String: JinjaValue] = [:]) throws -> String {
        try JinjaInterpreter().render(try JinjaParser.parse(source: source), context: context)
    }

    static func errorMessage(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let TextModelsError.chatTemplate(message) {
            return message
        } catch {
            return "unexpected error type: \(error)"
        }
    }

    @Test func matchesJinjaOnSmallTemplates() throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let data = try Data(contentsOf: fixtures.appending(path: "ChatTemplates/interpreter_cases.json"))
        guard case let .object(root) = try JinjaValue(json: String(decoding: data, as: UTF8.self)),
            case let .object(contextObject)? = root["context"], case let .array(cases)? = root["cases"]
        else { throw TextModelsError.chatTemplate("malformed interpreter_cases.json") }
        var context: [String: JinjaValue] = [:]
        for (key, value) in contextObject.pairs { context[key] = value }

        #expect(cases.count >= 40)
        for case let .object(testCase) in cases {
            guard case let .string(name)? = testCase["name"], case let .string(source)? = testCase["source"] else {
                throw TextModelsError.chatTemplate("malformed case")
            }
            if case let .string(expected)? = testCase["expected"] {
                let rendered: String
                do {
                    rendered = try Self.render(source, context)
                } catch {
                    Issue.record("\(name): threw \(error)")
                    continue
                }
                #expect(rendered == expected, "\(name)")
            } else {
                #expect(throws: TextModelsError.self, "\(name)") { try Self.render(source, context) }
                if testCase["error_type"] == .string("TemplateError"), case let .string(message)? = testCase["error_message"] {
                    #expect(throws: TextModelsError.chatTemplate(message), "\(name)") { try Self.render(source, context) }
                }
            }
        }
    }

    @Test func syntaxErrorsNameTheLine() {
        let unclosed = Self.errorMessage { _ = try Self.render("a\nb\n{% if x %}\nc") }
        #expect(unclosed?.contains("line 3") == true, "\(unclosed ?? "no error")")
        let badExpression = Self.errorMessage { _ = try Self.render("line one\n\n{{ 1 + }}") }
        #expect(badExpression?.contains("line 3") == true, "\(badExpression ?? "no error")")
        let stray = Self.errorMessage { _ = try Self.render("x\n{% endfor %}") }
        #expect(stray?.contains("line 2") == true, "\(stray ?? "no error")")
        let unterminated = Self.errorMessage { _ = try Self.render("{{ 'abc }}") }
        #expect(unterminated?.contains("unterminated string") == true)
        let unclosedTag = Self.errorMessage { _ = try Self.render("\n{{ x ") }
        #expect(unclosedTag?.contains("line 2") == true)
    }

    @Test func unsupportedConstructsAreRefusedWithTheirLine() {
        let cases: [(String, String)] = [
            ("{% include 'x' %}", "unsupported tag 'include' at line 1"),
            ("\n{% raw %}x{% endraw %}", "unsupported tag 'raw' at line 2"),
            ("\n\n{{ x | groupby('a') }}", "unsupported filter 'groupby' at line 3"),
            ("{{ 1 is prime }}", "unsupported test 'prime' at line 1"),
            ("{% for x in y recursive %}{% endfor %}", "unsupported recursive for loop at line 1"),
            ("\n{{ '{:>5}'.format(1) }}", "format: unsupported format field '{:>5}' at line 2"),
            ("{{ '%5.2f' % 1.0 }}", "unsupported '%' format directive '%5' at line 1"),
            ("x\n{% break %}", "'break' outside a for loop at line 2"),
            ("{% for i in y %}{% macro m() %}{% continue %}{% endmacro %}{% endfor %}", "'continue' outside a for loop at line 1"),
        ]
        for (source, expected) in cases {
            let message = Self.errorMessage { _ = try Self.render(source, ["x": "a", "y": [1]]) }
            #expect(message == expected, "\(source)")
        }
        // Methods that would mutate data are refused, as in transformers' immutable sandbox.
        let append = Self.errorMessage { _ = try Self.render("{{ items.append(1) }}", ["items": [1]]) }
        #expect(append?.contains("unsafe") == true)
        let underscore = Self.errorMessage { _ = try Self.render("{% set ns = namespace(_x=1) %}") }
        #expect(underscore?.contains("underscore") == true)
    }

    @Test func runtimeErrorsNameTheLine() {
        let message = Self.errorMessage { _ = try Self.render("ok\n{{ missing.field }}") }
        #expect(message == "'missing' is undefined (reading '.field') at line 2")
        let notIterable = Self.errorMessage { _ = try Self.render("\n\n{% for x in 3 %}{% endfor %}") }
        #expect(notIterable == "'int' object is not iterable at line 3")
    }

    @Test func raiseExceptionMessageIsPassedThrough() {
        #expect(throws: TextModelsError.chatTemplate("Only user and assistant roles are supported!")) {
            try Self.render("{% if true %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}")
        }
    }

    @Test func strftimeNowFormatsLikePython() throws {
        // 2024-07-26 09:05:03 UTC, a Friday.
        let date = Date(timeIntervalSince1970: 1_721_984_703)
        let utc = try #require(TimeZone(identifier: "UTC"))
        #expect(JinjaBuiltins.strftime("%d %b %Y", date: date, timeZone: utc) == "26 Jul 2024")
        #expect(JinjaBuiltins.strftime("%A %B %d %H:%M:%S %y %j %% %Q", date: date, timeZone: utc)
            == "Friday July 26 09:05:03 24 208 % %Q")
        let rendered = try Self.render("{{ strftime_now('%Y') }}")
        #expect(rendered.count == 4 && Int(rendered) != nil)
    }

    @Test func floatsPrintLikePythonRepr() {
        let cases: [(Double, String)] = [
            (1, "1.0"), (0.1, "0.1"), (-2.5, "-2.5"), (1e16, "1e+16"), (1e15, "1000000000000000.0"),
            (1e-5, "1e-05"), (0.0001, "0.0001"), (123.456, "123.456"), (1.5e300, "1.5e+300"), (-0.0, "-0.0"),
            (.leastNonzeroMagnitude, "5e-324"), (.infinity, "inf"),
        ]
        for (value, expected) in cases { #expect(PythonRepr.repr(value) == expected, "\(value)") }
    }

    @Test func jsonParserKeepsOrderAndTypes() throws {
        let value = try JinjaValue(json: #" {"z": 1, "a": [1.0, -2, 3e2, true, null, "\u00e9\ud83d\ude42\n"], "m": {}} "#)
        #expect(try value.jsonString() == #"{"z": 1, "a": [1.0, -2, 300.0, true, null, "é🙂\n"], "m": {}}"#)
        for bad in ["{", "[1,]", "{\"a\" 1}", "tru", "\"unterminated", "1 2"] {
            #expect(throws: TextModelsError.self, "\(bad)") { try JinjaValue(json: bad) }
        }
    }
}

/// Hostile templates must fail with an error, not exhaust the stack or memory.
@Suite struct ChatTemplateLimitsTests {
    @Test func deepNestingAndRecursionAreRefused() throws {
        let deepParentheses = "{{ " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + " }}"
        #expect(throws: TextModelsError.self) { try ChatTemplateInterpreterTests.render(deepParentheses) }
        let deepNot = "{{ " + String(repeating: "not ", count: 5000) + "1 }}"
        #expect(throws: TextModelsError.self) { try ChatTemplateInterpreterTests.render(deepNot) }
        let deepIfs = String(repeating: "{% if true %}", count: 5000) + String(repeating: "{% endif %}", count: 5000)
        #expect(throws: TextModelsError.self) { try ChatTemplateInterpreterTests.render(deepIfs) }
        let recursive = "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"
        #expect(throws: TextModelsError.self) { try ChatTemplateInterpreterTests.render(recursive) }
        #expect(throws: TextModelsError.self) { try ChatTemplateInterpreterTests.render("{{ 'ab' * 100000000000 }}") }
        #expect(throws: TextModelsError.self) { try ChatTemplateInterpreterTests.render("{{ range(1000000) | length }}") }
        #expect(throws: TextModelsError.self) {
            try ChatTemplateInterpreterTests.render("{{ range(-9223372036854775807, 9223372036854775807) }}")
        }
        #expect(throws: TextModelsError.self) { try ChatTemplateInterpreterTests.render("{{ 3 ** 100 }}") }
        #expect(try ChatTemplateInterpreterTests.render("{{ 1 ** 9223372036854775807 }} {{ (-1) ** 1000001 }}") == "1 -1")
        #expect(throws: TextModelsError.self) { try ChatTemplateInterpreterTests.render("{{ 'x' | center(9223372036854775807) }}") }
        let longOutput = "{% set s = 'x' * 30000000 %}{% for i in range(3) %}{{ s }}{% endfor %}"
        #expect(throws: TextModelsError.self) { try ChatTemplateInterpreterTests.render(longOutput) }
        let doubling = "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"
        #expect(throws: TextModelsError.self) { try ChatTemplateInterpreterTests.render(doubling) }
        // Moderate nesting is fine.
        #expect(try ChatTemplateInterpreterTests.render("{{ ((((1)))) + [[[2]]][0][0][0] }}") == "3")
    }
}
