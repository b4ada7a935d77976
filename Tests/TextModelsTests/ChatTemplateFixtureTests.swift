import Foundation
import Testing

@testable import TextModels

/// Real model chat templates rendered by our interpreter, compared character for character with
/// transformers 5.23 `apply_chat_template` (Jinja2 3.1.6) output stored by Tools/make_chat_template_fixtures.py.
@Suite struct ChatTemplateFixtureTests {
    static let templateNames = [
        "llama-3.2-instruct", "llama-3.3-instruct", "qwen2.5-instruct", "qwen3", "smollm2-instruct", "mistral-7b-instruct-v0.3", "gemma-2-it",
        "phi-3.5-mini-instruct", "llava-1.5", "smollm3-unsloth", "gpt-oss-abridged",
    ]

    static func fixtureDirectory() throws -> URL {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return fixtures.appending(path: "ChatTemplates")
    }

    static func expectations() throws -> JinjaObject {
        let data = try Data(contentsOf: try fixtureDirectory().appending(path: "expected.json"))
        guard case let .object(root) = try JinjaValue(json: String(decoding: data, as: UTF8.self)) else {
            throw TextModelsError.chatTemplate("expected.json is not an object")
        }
        return root
    }

    @Test(arguments: templateNames)
    func rendersLikeTransformers(templateName: String) throws {
        let root = try Self.expectations()
        guard case let .object(templates)? = root["templates"], case let .object(info)? = templates[templateName],
            case let .string(file)? = info["file"], case let .object(tokens)? = info["special_tokens"],
            case let .array(cases)? = root["cases"]
        else { throw TextModelsError.chatTemplate("malformed expected.json") }
        let source = try String(contentsOf: try Self.fixtureDirectory().appending(path: file), encoding: .utf8)
        var specialTokens: [String: String] = [:]
        for (key, value) in tokens.pairs { if case let .string(token) = value { specialTokens[key] = token } }
        let template = try ChatTemplate(source: source, specialTokens: specialTokens)
        let today = JinjaBuiltins.strftime("%d %b %Y", date: Date())

        var checked = 0
        for case let .object(testCase) in cases where testCase["template"] == .string(templateName) {
            let label = "\(templateName) / \(testCase["conversation"]?.pythonString ?? "?") / generation prompt: \(testCase["add_generation_prompt"]?.pythonString ?? "?")"
            guard case let .array(messages)? = testCase["messages"] else { throw TextModelsError.chatTemplate("no messages") }
            var tools: [JinjaValue]?
            if case let .array(list)? = testCase["tools"] { tools = list }
            var extra: [String: JinjaValue] = [:]
            if case let .object(object)? = testCase["extra_context"] {
                for (key, value) in object.pairs { extra[key] = value }
            }
            let render = {
                try template.render(
                    messages: messages, addGenerationPrompt: testCase["add_generation_prompt"]?.isTruthy ?? false,
                    continueFinalMessage: testCase["continue_final_message"]?.isTruthy ?? false, tools: tools,
                    extraContext: extra)
            }
            if case let .string(expected)? = testCase["expected"] {
                let rendered = try render()
                #expect(rendered == expected.replacingOccurrences(of: "<TODAY>", with: today), "\(label)")
            } else {
                #expect(throws: TextModelsError.self, "\(label)") { try render() }
                // Messages the template raises itself reach the caller unchanged.
                if testCase["raised_by_template"] == .bool(true), case let .string(message)? = testCase["error_message"] {
                    #expect(throws: TextModelsError.chatTemplate(message), "\(label)") { try render() }
                }
            }
            checked += 1
        }
        #expect(checked >= 18, "too few fixture cases for \(templateName)")
    }

    @Test func loadsTemplateFromModelDirectoryInTransformersOrder() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "chat-template-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        #expect(try ChatTemplate.load(fromModelDirectory: directory) == nil)

        let config = #"""
            {"bos_token": {"content": "<s>", "lstrip": false, "special": true}, "eos_token": "</s>", "pad_token": null,
             "chat_template": [{"name": "tool_use", "template": "tools"}, {"name": "default", "template": "{{ bos_token }}config{{ eos_token }}"}]}
            """#
        try Data(config.utf8).write(to: directory.appending(path: "tokenizer_config.json"))
        // The legacy special_tokens_map.json only fills tokens the config lacks.
        try Data(#"{"eos_token": "<other>", "unk_token": {"content": "<unk>"}}"#.utf8)
            .write(to: directory.appending(path: "special_tokens_map.json"))
        let fromConfig = try #require(try ChatTemplate.load(fromModelDirectory: directory))
        #expect(fromConfig.specialTokens == ["bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"])
        #expect(try fromConfig.render(messages: [ChatMessage]()) == "<s>config</s>")

        try Data(#"{"chat_template": "json{{ eos_token }}"}"#.utf8).write(to: directory.appending(path: "chat_template.json"))
        #expect(try ChatTemplate.load(fromModelDirectory: directory)?.render(messages: [ChatMessage]()) == "json</s>")

        try Data("jinja{{ bos_token }}\n".utf8).write(to: directory.appending(path: "chat_template.jinja"))
        #expect(try ChatTemplate.load(fromModelDirectory: directory)?.render(messages: [ChatMessage]()) == "jinja<s>")
    }

    @Test func rejectsConfigWithoutDefaultTemplate() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "chat-template-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(#"{"chat_template": [{"name": "rag", "template": "x"}]}"#.utf8)
            .write(to: directory.appending(path: "tokenizer_config.json"))
        #expect(throws: TextModelsError.self) { try ChatTemplate.load(fromModelDirectory: directory) }
        try Data("{not json".utf8).write(to: directory.appending(path: "tokenizer_config.json"))
        #expect(throws: TextModelsError.self) { try ChatTemplate.load(fromModelDirectory: directory) }
    }

    @Test func chatMessagesBecomeTemplateDicts() throws {
        let template = try ChatTemplate(source: "{{ messages | tojson }}")
        let messages = [
            ChatMessage(role: "user", content: .parts([.image, .text("Hi")])),
            ChatMessage(role: "tool", content: .text("ok"), extraFields: ["tool_call_id": "abc"]),
        ]
        #expect(
            try template.render(messages: messages)
                == #"[{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Hi"}]}, {"role": "tool", "content": "ok", "tool_call_id": "abc"}]"#
        )
    }
}
