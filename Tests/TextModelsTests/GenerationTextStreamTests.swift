import Foundation
import Synchronization
import Testing

@testable import TextModels

/// Streaming generation on a real (tiny) model with a byte-level decode (token id = byte, so some ids form
/// multi-byte UTF-8 sequences and many are invalid on their own).
struct GenerationTextStreamTests {
    func greedyParameters(_ count: Int) -> GenerationParameters {
        var parameters = GenerationParameters()
        parameters.maxNewTokens = count
        parameters.eosTokenIDs = [-1]
        return parameters
    }

    @Test func streamedPiecesConcatenateToTheDecodedOutput() async throws {
        let model = try ModelParityTests.load("llama_gqa")
        let expected = try ModelFixtures.expected("llama_gqa")
        var pieces: [String] = []
        for try await piece in model.generateText(prompt: expected.prompt, parameters: greedyParameters(32), decode: byteDecode) {
            pieces.append(piece)
        }
        #expect(pieces.joined() == byteDecode(expected.greedy))
        // A piece is released only once its last character is complete (bytes that can never become valid
        // UTF-8 do decode to U+FFFD, but only in the middle of a piece); a premature U+FFFD would also have
        // broken the equality above.
        #expect(!pieces.dropLast().contains { $0.hasSuffix("\u{FFFD}") })
        #expect(pieces.count > 5)
    }

    @Test func streamEndsBeforeStopString() async throws {
        let model = try ModelParityTests.load("llama_gqa")
        let expected = try ModelFixtures.expected("llama_gqa")
        let fullText = byteDecode(expected.greedy)
        // A stop string taken from the middle of the greedy text.
        let characters = Array(fullText)
        let stop = String(characters[10..<12])
        var parameters = greedyParameters(32)
        parameters.stopStrings = [stop]
        var streamed = ""
        for try await piece in model.generateText(prompt: expected.prompt, parameters: parameters, decode: byteDecode) {
            streamed += piece
        }
        let cut = try #require(fullText.firstRange(of: stop))
        #expect(streamed == String(fullText[..<cut.lowerBound]))
        let output = try model.generate(prompt: expected.prompt, parameters: parameters, decode: byteDecode)
        #expect(output.finishReason == .stopString)
        #expect(byteDecode(output.tokens).contains(stop))
    }

    /// The consumer cancels itself after two pieces. From the fourth token on, the producer's decode waits until
    /// the producer sees the cancellation, so a stream that did not pass the cancellation on would run all 60
    /// tokens (after one 2 s wait) instead of stopping within a token or two.
    @Test func cancellingTheConsumerStopsGeneration() async throws {
        let model = try ModelParityTests.load("gpt2")
        let decodeCalls = Mutex(0)
        let stream = model.generateText(prompt: [1, 2, 3], parameters: greedyParameters(60), decode: { ids in
            let call = decodeCalls.withLock { count in
                count += 1
                return count
            }
            if call == 7 {
                let deadline = Date().addingTimeInterval(2)
                while !Task.isCancelled && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
            }
            return String(repeating: "a", count: ids.count)
        })
        let consumer = Task {
            var count = 0
            for try await _ in stream {
                count += 1
                if count == 2 { withUnsafeCurrentTask { $0?.cancel() } }
            }
            return count
        }
        let received = try await consumer.value
        try await Task.sleep(for: .milliseconds(100))
        #expect(received <= 4)
        // Two decodes per token: a producer that ran to the end would have made 120.
        #expect(decodeCalls.withLock { $0 } <= 10)
    }
}
